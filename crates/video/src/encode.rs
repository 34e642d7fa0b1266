//! Encoding RGB frames to H.264 (OpenH264) in an MP4 (`mp4` crate): how the demo catalog's
//! videos are made, by the project's own code.

use std::io::Cursor;

use mp4::{
    AvcConfig, FourCC, MediaConfig, Mp4Config, Mp4Sample, Mp4Writer, TrackConfig, TrackType,
};
use openh264::OpenH264API;
use openh264::encoder::{Encoder, EncoderConfig, FrameRate, FrameType, RateControlMode};
use openh264::formats::{RgbSliceU8, YUVBuffer};

use crate::VideoError;

/// Media timescale: ticks per second.
const TIMESCALE: u32 = 90_000;

/// Removes the Annex B start code in front of a NAL unit.
fn strip_start_code(nal: &[u8]) -> &[u8] {
    if nal.starts_with(&[0, 0, 0, 1]) {
        &nal[4..]
    } else if nal.starts_with(&[0, 0, 1]) {
        &nal[3..]
    } else {
        nal
    }
}

/// Encodes `count` frames of `width`×`height` RGB8 (from `frame(i)`) at `fps` into an MP4.
/// Every `keyframe_every`-th frame is a keyframe, so players can seek.
pub fn encode_mp4(
    width: u16,
    height: u16,
    fps: u32,
    count: usize,
    keyframe_every: usize,
    mut frame: impl FnMut(usize) -> Vec<u8>,
) -> Result<Vec<u8>, VideoError> {
    let config = EncoderConfig::new()
        .rate_control_mode(RateControlMode::Off)
        .max_frame_rate(FrameRate::from_hz(fps as f32))
        .skip_frames(false);
    let mut encoder = Encoder::with_api_config(OpenH264API::from_source(), config)?;
    let (w, h) = (width as usize, height as usize);
    let mut sps = None;
    let mut pps = None;
    let mut samples: Vec<(Vec<u8>, bool)> = Vec::with_capacity(count);
    for i in 0..count {
        let rgb = frame(i);
        if rgb.len() != w * h * 3 {
            return Err(VideoError::Io(format!(
                "frame {i} has {} bytes, expected {}",
                rgb.len(),
                w * h * 3
            )));
        }
        let yuv = YUVBuffer::from_rgb8_source(RgbSliceU8::new(&rgb, (w, h)));
        if i % keyframe_every.max(1) == 0 {
            encoder.force_intra_frame();
        }
        let stream = encoder.encode(&yuv)?;
        let key = matches!(stream.frame_type(), FrameType::IDR | FrameType::I);
        // MP4 stores NAL units with a 4-byte length instead of a start code, and the
        // parameter sets once in the track header.
        let mut avcc = Vec::new();
        for l in 0..stream.num_layers() {
            let Some(layer) = stream.layer(l) else {
                continue;
            };
            for n in 0..layer.nal_count() {
                let Some(nal) = layer.nal_unit(n) else {
                    continue;
                };
                let nal = strip_start_code(nal);
                match nal.first().map(|b| b & 0x1f) {
                    Some(7) => sps = sps.or_else(|| Some(nal.to_vec())),
                    Some(8) => pps = pps.or_else(|| Some(nal.to_vec())),
                    Some(_) => {
                        avcc.extend_from_slice(&(nal.len() as u32).to_be_bytes());
                        avcc.extend_from_slice(nal);
                    }
                    None => {}
                }
            }
        }
        samples.push((avcc, key));
    }
    let (Some(sps), Some(pps)) = (sps, pps) else {
        return Err(VideoError::Codec(
            "the encoder gave no parameter sets".into(),
        ));
    };
    let mut writer = Mp4Writer::write_start(
        Cursor::new(Vec::new()),
        &Mp4Config {
            major_brand: FourCC::from(*b"isom"),
            minor_version: 512,
            compatible_brands: vec![
                FourCC::from(*b"isom"),
                FourCC::from(*b"iso2"),
                FourCC::from(*b"avc1"),
                FourCC::from(*b"mp41"),
            ],
            timescale: 1000,
        },
    )?;
    writer.add_track(&TrackConfig {
        track_type: TrackType::Video,
        timescale: TIMESCALE,
        language: "und".into(),
        media_conf: MediaConfig::AvcConfig(AvcConfig {
            width,
            height,
            seq_param_set: sps,
            pic_param_set: pps,
        }),
    })?;
    let duration = TIMESCALE / fps.max(1);
    for (i, (bytes, is_sync)) in samples.into_iter().enumerate() {
        writer.write_sample(
            1,
            &Mp4Sample {
                start_time: i as u64 * duration as u64,
                duration,
                rendering_offset: 0,
                is_sync,
                bytes: bytes::Bytes::from(bytes),
            },
        )?;
    }
    writer.write_end()?;
    Ok(writer.into_writer().into_inner())
}

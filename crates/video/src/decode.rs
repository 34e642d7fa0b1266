//! Demuxing (`mp4`) and decoding (OpenH264) to RGBA frames with their presentation times.

use std::io::{Read, Seek};

use mp4::{MediaType, Mp4Reader, TrackType};
use openh264::OpenH264API;
use openh264::decoder::{Decoder, DecoderConfig};
use openh264::formats::YUVSource;

use crate::{VideoError, guarded};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoInfo {
    pub width: u32,
    pub height: u32,
    /// Frames per second, from the track's sample timing.
    pub fps: f64,
    pub frame_count: u32,
    /// Seconds.
    pub duration: f64,
}

/// One decoded picture.
#[derive(Clone, PartialEq)]
pub struct Frame {
    /// 0-based position in the video.
    pub index: u32,
    /// Presentation time, seconds from the start.
    pub pts: f64,
    pub width: u32,
    pub height: u32,
    /// RGBA8, row by row.
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Frame #{} at {:.3}s {}x{}",
            self.index, self.pts, self.width, self.height
        )
    }
}

pub struct VideoReader<R: Read + Seek> {
    mp4: Mp4Reader<R>,
    track: u32,
    timescale: u32,
    decoder: Decoder,
    info: VideoInfo,
    /// Sample ids (1-based) of keyframes.
    keyframes: Vec<u32>,
    /// SPS and PPS in Annex B form, sent before the first sample after (re)starting.
    params: Vec<u8>,
    send_params: bool,
    /// Next sample id to feed (1-based).
    next: u32,
    /// Frames before this index are decoded but not returned (after a seek).
    skip_until: u32,
}

fn annex_b(nal: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&[0, 0, 0, 1]);
    out.extend_from_slice(nal);
}

/// AVCC (4-byte lengths) to Annex B (start codes), checking every length.
fn avcc_to_annex_b(sample: &[u8], out: &mut Vec<u8>) -> Result<(), VideoError> {
    let mut rest = sample;
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err(VideoError::Codec("a NAL length is cut short".into()));
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        rest = &rest[4..];
        if len == 0 || len > rest.len() {
            return Err(VideoError::Codec(format!(
                "a NAL unit claims {len} bytes, {} are left",
                rest.len()
            )));
        }
        annex_b(&rest[..len], out);
        rest = &rest[len..];
    }
    Ok(())
}

fn new_decoder() -> Result<Decoder, VideoError> {
    Ok(Decoder::with_api_config(
        OpenH264API::from_source(),
        DecoderConfig::new(),
    )?)
}

impl<R: Read + Seek> VideoReader<R> {
    /// Reads the container's header (only the boxes before and after the media data: with a
    /// range reader the frames themselves are not fetched yet).
    pub fn open(reader: R, size: u64) -> Result<Self, VideoError> {
        guarded("reading the MP4 header", || {
            let mp4 = Mp4Reader::read_header(reader, size)?;
            let (track, t) = mp4
                .tracks()
                .iter()
                .filter(|(_, t)| matches!(t.track_type(), Ok(TrackType::Video)))
                .min_by_key(|(id, _)| **id)
                .ok_or_else(|| VideoError::Unsupported("the file has no video track".into()))?;
            match t.media_type() {
                Ok(MediaType::H264) => {}
                Ok(other) => return Err(VideoError::Unsupported(format!("{other} video"))),
                Err(e) => return Err(VideoError::Unsupported(e.to_string())),
            }
            let mut params = Vec::new();
            annex_b(t.sequence_parameter_set()?, &mut params);
            annex_b(t.picture_parameter_set()?, &mut params);
            let frame_count = t.sample_count();
            let timescale = t.timescale().max(1);
            let duration = t.duration().as_secs_f64();
            let fps = if duration > 0.0 {
                frame_count as f64 / duration
            } else {
                t.frame_rate()
            };
            let keyframes = t
                .trak
                .mdia
                .minf
                .stbl
                .stss
                .as_ref()
                .map(|s| s.entries.clone())
                // No sync table: every sample is a keyframe.
                .unwrap_or_else(|| (1..=frame_count).collect());
            let info = VideoInfo {
                width: t.width() as u32,
                height: t.height() as u32,
                fps,
                frame_count,
                duration,
            };
            if info.width == 0 || info.height == 0 || frame_count == 0 {
                return Err(VideoError::Container("the video track is empty".into()));
            }
            let track = *track;
            Ok(Self {
                mp4,
                track,
                timescale,
                decoder: new_decoder()?,
                info,
                keyframes,
                params,
                send_params: true,
                next: 1,
                skip_until: 0,
            })
        })
    }

    pub fn info(&self) -> VideoInfo {
        self.info
    }

    /// The next picture, or `None` at the end of the video.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, VideoError> {
        while self.next <= self.info.frame_count {
            let id = self.next;
            self.next += 1;
            let (track, send_params) = (self.track, self.send_params);
            let sample = guarded("reading a video sample", || {
                Ok(self.mp4.read_sample(track, id)?)
            })?
            .ok_or(VideoError::Truncated)?;
            let mut packet = Vec::with_capacity(sample.bytes.len() + 64);
            if send_params {
                packet.extend_from_slice(&self.params);
                self.send_params = false;
            }
            avcc_to_annex_b(&sample.bytes, &mut packet)?;
            let index = id - 1;
            let pts = sample.start_time as f64 / self.timescale as f64;
            let skip = index < self.skip_until;
            let decoder = &mut self.decoder;
            let frame = guarded("decoding a video frame", || {
                let Some(yuv) = decoder.decode(&packet)? else {
                    return Ok(None);
                };
                if skip {
                    return Ok(None);
                }
                let (w, h) = yuv.dimensions();
                let mut rgba = vec![0u8; w * h * 4];
                yuv.write_rgba8(&mut rgba);
                Ok(Some(Frame {
                    index,
                    pts,
                    width: w as u32,
                    height: h as u32,
                    rgba,
                }))
            })?;
            if let Some(frame) = frame {
                return Ok(Some(frame));
            }
        }
        Ok(None)
    }

    /// Positions the reader so that the next frame is the one showing at `seconds`: decoding
    /// restarts at the keyframe before it.
    pub fn seek(&mut self, seconds: f64) -> Result<(), VideoError> {
        let target = ((seconds.max(0.0) * self.info.fps).floor() as u32)
            .min(self.info.frame_count.saturating_sub(1));
        let key = self
            .keyframes
            .iter()
            .copied()
            .filter(|k| *k <= target + 1)
            .max()
            .unwrap_or(1);
        self.decoder = new_decoder()?;
        self.send_params = true;
        self.next = key;
        self.skip_until = target;
        Ok(())
    }

    /// Back to the first frame (for looping).
    pub fn rewind(&mut self) -> Result<(), VideoError> {
        self.seek(0.0)
    }
}

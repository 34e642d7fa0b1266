//! Encode a known clip, decode it back: frame count, size, timestamps, colours; seeking;
//! damaged files are error values; a range reader needs only part of the file for a frame.

use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use customerclient_video::{RangeReader, VideoError, VideoReader, encode_mp4};

const W: u16 = 160;
const H: u16 = 120;
const FPS: u32 = 12;
const FRAMES: usize = 24;

/// Frame i is a flat colour (red, green, blue in turn) with noise in the top rows, which keeps
/// the file from compressing to nothing.
fn frame(i: usize) -> Vec<u8> {
    let colour: [u8; 3] = match i % 3 {
        0 => [220, 30, 30],
        1 => [30, 200, 40],
        _ => [40, 50, 220],
    };
    let mut rgb = Vec::with_capacity(W as usize * H as usize * 3);
    let mut seed = (i as u32 + 1).wrapping_mul(2_654_435_761);
    for y in 0..H as usize {
        for _ in 0..W as usize {
            if y < 40 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                rgb.extend_from_slice(&[seed as u8, (seed >> 8) as u8, (seed >> 16) as u8]);
            } else {
                rgb.extend_from_slice(&colour);
            }
        }
    }
    rgb
}

fn clip() -> Vec<u8> {
    encode_mp4(W, H, FPS, FRAMES, 6, frame).expect("encodes")
}

/// The colour at the centre of the flat part of a decoded frame.
fn centre(f: &customerclient_video::Frame) -> [u8; 3] {
    let (x, y) = (f.width as usize / 2, f.height as usize * 3 / 4);
    let i = (y * f.width as usize + x) * 4;
    [f.rgba[i], f.rgba[i + 1], f.rgba[i + 2]]
}

fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (*x as i32 - y as i32).abs() <= 24)
}

#[test]
fn a_generated_clip_decodes_to_its_frames() {
    let bytes = clip();
    let size = bytes.len() as u64;
    let mut r = VideoReader::open(Cursor::new(bytes), size).unwrap();
    let info = r.info();
    assert_eq!((info.width, info.height), (W as u32, H as u32));
    assert_eq!(info.frame_count, FRAMES as u32);
    assert!((info.fps - FPS as f64).abs() < 1e-6, "{}", info.fps);
    assert!((info.duration - 2.0).abs() < 1e-6);
    let mut n = 0;
    while let Some(f) = r.next_frame().unwrap() {
        assert_eq!(f.index, n);
        assert!((f.pts - n as f64 / FPS as f64).abs() < 1e-6, "{f:?}");
        assert_eq!(f.rgba.len(), W as usize * H as usize * 4);
        let want = frame(n as usize);
        let i = ((H as usize * 3 / 4) * W as usize + W as usize / 2) * 3;
        let want = [want[i], want[i + 1], want[i + 2]];
        assert!(
            close(centre(&f), want),
            "frame {n}: {:?} vs {want:?}",
            centre(&f)
        );
        n += 1;
    }
    assert_eq!(n, FRAMES as u32);
}

#[test]
fn seeking_lands_on_the_frame_at_that_time() {
    let bytes = clip();
    let size = bytes.len() as u64;
    let mut r = VideoReader::open(Cursor::new(bytes), size).unwrap();
    // 1.25 s is frame 15 (between keyframes 12 and 18): decoded from 12, shown from 15.
    r.seek(1.25).unwrap();
    let f = r.next_frame().unwrap().unwrap();
    assert_eq!(f.index, 15);
    assert!((f.pts - 1.25).abs() < 1e-6);
    assert!(close(centre(&f), [220, 30, 30]), "{:?}", centre(&f));
    r.rewind().unwrap();
    assert_eq!(r.next_frame().unwrap().unwrap().index, 0);
}

#[test]
fn damaged_files_are_errors_not_panics() {
    let bytes = clip();
    // Not an MP4 at all.
    let junk = b"this is not a video, just text".to_vec();
    let e = VideoReader::open(Cursor::new(junk.clone()), junk.len() as u64).err();
    assert!(e.is_some());
    // Cut in half: the header at the end is gone.
    let half = bytes[..bytes.len() / 2].to_vec();
    let e = VideoReader::open(Cursor::new(half.clone()), half.len() as u64).err();
    assert!(
        matches!(e, Some(VideoError::Container(_) | VideoError::Truncated)),
        "{e:?}"
    );
    // Claims its full size but ends early: frames fail to read, as an error.
    let short = bytes[..bytes.len() - 10].to_vec();
    match VideoReader::open(Cursor::new(short), bytes.len() as u64) {
        Err(_) => {}
        Ok(mut r) => {
            let mut failed = false;
            for _ in 0..FRAMES {
                if r.next_frame().is_err() {
                    failed = true;
                    break;
                }
            }
            assert!(failed || r.next_frame().is_ok());
        }
    }
    // Scrambled media data: every outcome is a value; most frames fail to decode.
    let mut scrambled = bytes.clone();
    for (i, b) in scrambled.iter_mut().enumerate().skip(48).step_by(7) {
        if i < bytes.len() - 2000 {
            *b = b.wrapping_mul(31).wrapping_add(7);
        }
    }
    if let Ok(mut r) = VideoReader::open(Cursor::new(scrambled.clone()), scrambled.len() as u64) {
        let mut errors = 0;
        for _ in 0..FRAMES {
            match r.next_frame() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => errors += 1,
            }
        }
        assert!(errors > 0, "scrambled H.264 decoded without a single error");
    }
}

#[test]
fn the_first_frame_needs_only_part_of_the_file() {
    let bytes = Arc::new(clip());
    let size = bytes.len() as u64;
    assert!(size > 100_000, "the clip is {size} bytes");
    let served = Arc::new(AtomicU64::new(0));
    let (b, s) = (bytes.clone(), served.clone());
    let reader = RangeReader::new(
        size,
        16 * 1024,
        Box::new(move |offset, len| {
            s.fetch_add(len as u64, Ordering::Relaxed);
            Ok(b[offset as usize..offset as usize + len].to_vec())
        }),
    );
    let mut r = VideoReader::open(reader, size).unwrap();
    let first = r.next_frame().unwrap().unwrap();
    assert_eq!(first.index, 0);
    let used = served.load(Ordering::Relaxed);
    println!("first frame after {used} of {size} bytes");
    assert!(
        used * 3 < size,
        "fetched {used} of {size} bytes for the first frame"
    );
    while r.next_frame().unwrap().is_some() {}
    assert!(served.load(Ordering::Relaxed) >= size * 9 / 10);
}

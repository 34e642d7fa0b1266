//! The demo dishes' videos: each a short H.264 clip made from the dish's own picture — a slow
//! push-in with steam rising — encoded by the project's code (OpenH264 via
//! `customerclient-video`), so the demo ships no media and needs no network.

/// Side of the square clip, frames per second and length.
pub const SIDE: u16 = 256;
pub const FPS: u32 = 24;
pub const FRAMES: usize = 60;

/// Which dish of each category gets a video.
pub fn has_video(dish_index_in_category: usize) -> bool {
    dish_index_in_category == 0
}

/// The clip for a dish picture (PNG); `None` if the picture does not decode.
pub fn dish_clip(png: &[u8]) -> Option<Vec<u8>> {
    let src = image::load_from_memory(png).ok()?.to_rgb8();
    let (sw, sh) = (src.width() as f32, src.height() as f32);
    let side = SIDE as usize;
    let clip = customerclient_video::encode_mp4(SIDE, SIDE, FPS, FRAMES, FPS as usize, |i| {
        let t = i as f32 / (FRAMES - 1) as f32;
        // Push in from the whole plate to 85 % of it, drifting slightly up.
        let view = 1.0 - 0.15 * t;
        let (cx, cy) = (sw / 2.0, sh / 2.0 - 10.0 * t);
        let scale = view * sw / side as f32;
        let mut rgb = Vec::with_capacity(side * side * 3);
        for y in 0..side {
            for x in 0..side {
                let sx = (cx + (x as f32 - side as f32 / 2.0) * scale).clamp(0.0, sw - 1.0);
                let sy = (cy + (y as f32 - side as f32 / 2.0) * scale).clamp(0.0, sh - 1.0);
                let p = src.get_pixel(sx as u32, sy as u32).0;
                rgb.extend_from_slice(&p);
            }
        }
        steam(&mut rgb, side, i);
        rgb
    })
    .ok()?;
    Some(clip)
}

/// Three soft white puffs rising and fading, offset in phase.
fn steam(rgb: &mut [u8], side: usize, frame: usize) {
    for k in 0..3 {
        let phase = ((frame as f32 / FRAMES as f32) * 1.5 + k as f32 / 3.0).fract();
        let cx = side as f32 * (0.38 + 0.12 * k as f32) + 10.0 * (phase * 6.0 + k as f32).sin();
        let cy = side as f32 * (0.45 - 0.35 * phase);
        let r = side as f32 * (0.05 + 0.06 * phase);
        let strength = 0.35 * (1.0 - phase) * phase.min(0.2) * 5.0;
        let (x0, x1) = (
            (cx - r).max(0.0) as usize,
            ((cx + r) as usize).min(side - 1),
        );
        let (y0, y1) = (
            (cy - r).max(0.0) as usize,
            ((cy + r) as usize).min(side - 1),
        );
        for y in y0..=y1 {
            for x in x0..=x1 {
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt() / r;
                if d < 1.0 {
                    let a = strength * (1.0 - d * d);
                    let i = (y * side + x) * 3;
                    for c in &mut rgb[i..i + 3] {
                        *c = (*c as f32 + (255.0 - *c as f32) * a) as u8;
                    }
                }
            }
        }
    }
}

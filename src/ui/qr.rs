//! QR codes drawn as crisp pictures: the payment's for a bank app, and the link that takes an
//! order home on the customer's phone.

use bevy::asset::RenderAssetUsages;
use bevy::image::ImageSampler;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};

/// Modules of white kept around the code (the standard asks for four).
const QUIET_ZONE: usize = 4;

/// Black-on-white RGBA pixels of `payload` as a QR code, each module `scale` pixels, with the
/// quiet zone. Returns the pixels and the side length.
pub fn qr_pixels(payload: &str, scale: u32) -> Option<(Vec<u8>, u32)> {
    let code =
        qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let modules = width + 2 * QUIET_ZONE;
    let side = modules as u32 * scale;
    let mut rgba = vec![255u8; (side * side * 4) as usize];
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / scale) as usize, (y / scale) as usize);
            let dark = mx >= QUIET_ZONE
                && my >= QUIET_ZONE
                && mx < QUIET_ZONE + width
                && my < QUIET_ZONE + width
                && colors[(my - QUIET_ZONE) * width + (mx - QUIET_ZONE)] == qrcode::Color::Dark;
            if dark {
                let i = ((y * side + x) * 4) as usize;
                rgba[i..i + 3].copy_from_slice(&[0, 0, 0]);
            }
        }
    }
    Some((rgba, side))
}

/// Whole pixels per module so the code (with quiet zone) fits in `target`.
pub fn module_scale(payload: &str, target: u32) -> u32 {
    let modules =
        qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
            .map(|c| c.width() + 2 * QUIET_ZONE)
            .unwrap_or(1) as u32;
    (target / modules).max(1)
}

/// `payload` as an image at most `target` pixels a side (whole pixels per module, sampled
/// nearest, so every module stays a crisp square), and its side.
pub fn qr_image(payload: &str, target: u32) -> Option<(Image, u32)> {
    let (rgba, side) = qr_pixels(payload, module_scale(payload, target))?;
    let mut image = Image::new(
        Extent3d {
            width: side,
            height: side,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        rgba,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD,
    );
    image.sampler = ImageSampler::nearest();
    Some((image, side))
}

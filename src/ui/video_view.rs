//! Puts each [`VideoPlayer`]'s current frame on screen: the RGBA frame is written into a Bevy
//! `Image` (one per player, reused) that the player's `ImageNode` shows; and the touch
//! controls drawn over a player: play/pause, a scrubber, the time, mute.

use bevy::asset::RenderAssetUsages;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
use bevy_egui::egui;

use crate::i18n::I18n;
use crate::ui::theme::{self, size};
use crate::video::{PlayerState, VideoAction, VideoPlayer};

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(PostUpdate, upload_frames);
}

/// The texture a player draws into, and the frame generation it holds.
#[derive(Component)]
pub struct VideoTexture {
    pub image: Handle<Image>,
    pub generation: u64,
}

fn upload_frames(
    mut commands: Commands,
    mut images: ResMut<Assets<Image>>,
    mut players: Query<(
        Entity,
        &VideoPlayer,
        &mut ImageNode,
        Option<&mut VideoTexture>,
    )>,
) {
    for (entity, player, mut node, texture) in &mut players {
        let Some(frame) = &player.frame else { continue };
        match texture {
            Some(mut t) => {
                if t.generation == player.generation {
                    continue;
                }
                t.generation = player.generation;
                if let Some(mut image) = images.get_mut(&t.image)
                    && image.width() == frame.width
                    && image.height() == frame.height
                {
                    image.data = Some(frame.rgba.clone());
                }
                if node.image != t.image {
                    node.image = t.image.clone();
                }
            }
            None => {
                let image = Image::new(
                    Extent3d {
                        width: frame.width,
                        height: frame.height,
                        depth_or_array_layers: 1,
                    },
                    TextureDimension::D2,
                    frame.rgba.clone(),
                    TextureFormat::Rgba8UnormSrgb,
                    RenderAssetUsages::RENDER_WORLD | RenderAssetUsages::MAIN_WORLD,
                );
                let handle = images.add(image);
                node.image = handle.clone();
                commands.entity(entity).insert(VideoTexture {
                    image: handle,
                    generation: player.generation,
                });
            }
        }
    }
}

fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// Controls for one player, `width` points wide. Returns what the customer tapped.
pub fn controls(
    ui: &mut egui::Ui,
    i18n: &I18n,
    entity: Entity,
    p: &VideoPlayer,
    width: f32,
) -> Option<VideoAction> {
    let mut action = None;
    if let PlayerState::Failed(_) = p.state {
        ui.label(
            egui::RichText::new(i18n.t("video-failed"))
                .size(size::BODY)
                .color(theme::to_egui(ui, theme::ON_PRIMARY)),
        );
        return None;
    }
    let (text_colour, fill) = (
        theme::to_egui(ui, theme::TEXT),
        theme::to_egui(ui, theme::SURFACE),
    );
    let button = |text: String| {
        egui::Button::new(
            egui::RichText::new(text)
                .size(size::BODY)
                .color(text_colour),
        )
        .fill(fill)
        .min_size(egui::vec2(150.0, theme::TOUCH * 0.75))
    };
    ui.horizontal(|ui| {
        let label = if p.is_playing() || (p.state == PlayerState::Loading) {
            i18n.t("video-pause")
        } else {
            i18n.t("video-play")
        };
        if ui.add(button(label)).clicked() {
            action = Some(VideoAction::TogglePlay(entity));
        }
        let duration = p.info.map_or(0.0, |i| i.duration);
        let mut position = p.position();
        let slider_width = (width - 2.0 * 150.0 - 130.0).max(120.0);
        ui.spacing_mut().slider_width = slider_width;
        ui.spacing_mut().interact_size.y = theme::TOUCH * 0.75;
        let slider = egui::Slider::new(&mut position, 0.0..=duration.max(0.01))
            .show_value(false)
            .trailing_fill(true);
        if ui.add_enabled(duration > 0.0, slider).changed() {
            action = Some(VideoAction::Seek(entity, position));
        }
        ui.label(
            egui::RichText::new(format!("{} / {}", clock(p.position()), clock(duration)))
                .size(size::SMALL)
                .color(theme::to_egui(ui, theme::ON_PRIMARY)),
        );
        let mute = if p.muted {
            i18n.t("video-sound-off")
        } else {
            i18n.t("video-sound-on")
        };
        if ui.add(button(mute)).clicked() {
            action = Some(VideoAction::ToggleMute(entity));
        }
    });
    action
}

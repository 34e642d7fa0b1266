//! Look and feel shared by the scenes: palette, fonts, touch-sized widgets, egui style.

pub mod egui_kit;
pub mod frame_trace;
pub mod fullscreen;
pub mod idle;
pub mod keyboard;
pub mod layout_audit;
pub mod phone_qr;
pub mod pointer;
pub mod qr;
pub mod recommend;
pub mod redraw;
pub mod store_mark;
pub mod theme;
pub mod toast;
pub mod touch;
pub mod video_view;
pub mod widgets;

use bevy::prelude::*;

pub(crate) fn plugin(app: &mut App) {
    theme::plugin(app);
    widgets::plugin(app);
    recommend::plugin(app);
    store_mark::plugin(app);
    phone_qr::plugin(app);
    idle::plugin(app);
    toast::plugin(app);
    video_view::plugin(app);
    redraw::plugin(app);
    touch::plugin(app);
    pointer::plugin(app);
}

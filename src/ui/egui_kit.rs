//! The few egui widgets the kiosk draws in more than one place, so every screen's primary
//! button and every modal look and behave the same. egui is used where it is the better tool
//! (text entry with the on-screen keyboard, charts, dense forms); Bevy UI draws the rest.

use bevy_egui::egui;

use super::theme::{self, size};

/// The screen's one main action: bold heading text on the brand colour.
pub fn primary_button(on: &impl theme::DrawsOn, label: impl Into<String>) -> egui::Button<'static> {
    egui::Button::new(
        egui::RichText::new(label.into())
            .size(size::HEADING)
            .strong()
            .color(theme::to_egui(on, theme::ON_PRIMARY)),
    )
    .fill(theme::to_egui(on, theme::PRIMARY))
}

/// Dims the whole screen under a modal and takes every tap on it, so nothing behind the
/// modal reacts; draw the modal itself above it (`egui::Order::Tooltip`).
pub fn modal_dim(ctx: &egui::Context, id: &str) {
    egui::Area::new(egui::Id::new(id))
        .order(egui::Order::Foreground)
        .fixed_pos(egui::Pos2::ZERO)
        .show(ctx, |ui| {
            let rect = ui.ctx().content_rect();
            ui.painter()
                .rect_filled(rect, 0.0, egui::Color32::from_black_alpha(140));
            ui.allocate_rect(rect, egui::Sense::click());
        });
}

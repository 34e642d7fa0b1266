//! Toasts on screens without a header (the confirmation): at the bottom, clear of the
//! heading. Screens with a header show news in its title slot (`widgets::header_title`).

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::notify::Toasts;
use crate::ui::theme::{self, size};
use crate::ui::widgets::HeaderTitle;

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, draw);
}

/// Draws the visible toasts, newest at the bottom.
pub fn toast_stack(ui: &mut egui::Ui, toasts: &Toasts, now: f64) {
    for t in toasts.visible(now) {
        let accent = if t.good_news {
            theme::SUCCESS
        } else {
            theme::DANGER
        };
        egui::Frame::new()
            .fill(theme::to_egui(ui, theme::TEXT))
            .corner_radius(egui::CornerRadius::same(18))
            .inner_margin(egui::Margin::symmetric(26, 18))
            .stroke(egui::Stroke::new(3.0, theme::to_egui(ui, accent)))
            .show(ui, |ui| {
                ui.set_width(720.0);
                ui.label(
                    egui::RichText::new(&t.text)
                        .size(size::BODY)
                        .color(theme::to_egui(ui, theme::ON_PRIMARY)),
                );
            });
        ui.add_space(10.0);
    }
}

fn draw(
    mut contexts: EguiContexts,
    toasts: Res<Toasts>,
    time: Res<Time>,
    headers: Query<(), With<HeaderTitle>>,
    screen: Res<State<crate::screen::Screen>>,
) -> Result {
    let now = time.elapsed_secs_f64();
    // News for a customer; the attract screen has nobody to tell.
    if toasts.visible(now).next().is_none()
        || !headers.is_empty()
        || *screen.get() == crate::screen::Screen::Attract
    {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    egui::Area::new(egui::Id::new("toasts"))
        .order(egui::Order::Foreground)
        .interactable(false)
        .anchor(egui::Align2::CENTER_BOTTOM, egui::vec2(0.0, -24.0))
        .show(ctx, |ui| toast_stack(ui, &toasts, now));
    Ok(())
}

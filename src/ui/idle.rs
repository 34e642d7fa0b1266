//! "Still there?": a kiosk left alone warns before it forgets the customer, with a countdown
//! and a button to stay; the wipe itself happens in the session module.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::config::KioskConfig;
use crate::i18n::{I18n, arg};
use crate::screen::Screen;
use crate::session::{Activity, ShopAction};
use crate::store_profile::{IdleTimes, Store};
use crate::ui::theme::{self, size};

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, still_there);
}

/// Seconds left before the wipe, when the warning should show.
pub fn warning_left(idle: IdleTimes, activity: &Activity, now: f64, screen: Screen) -> Option<u64> {
    if screen == Screen::Attract {
        return None;
    }
    let left = idle.timeout - (now - activity.last_touch);
    (left <= idle.warning && left > 0.0).then(|| left.ceil() as u64)
}

/// When (on the `Time` clock) the warning appears if nobody touches the screen before.
pub fn warning_starts_at(idle: IdleTimes, activity: &Activity) -> f64 {
    activity.last_touch + idle.timeout - idle.warning
}

#[allow(clippy::too_many_arguments)]
fn still_there(
    mut contexts: EguiContexts,
    config: Res<KioskConfig>,
    store: Res<Store>,
    activity: Res<Activity>,
    screen: Res<State<Screen>>,
    i18n: Res<I18n>,
    time: Res<Time>,
    mut out: MessageWriter<ShopAction>,
) -> Result {
    let Some(left) = warning_left(
        store.idle(&config),
        &activity,
        time.elapsed_secs_f64(),
        *screen.get(),
    ) else {
        return Ok(());
    };
    let ctx = contexts.ctx_mut()?;
    // Dim everything under the question.
    super::egui_kit::modal_dim(ctx, "idle-dim");
    egui::Area::new(egui::Id::new("idle-question"))
        .order(egui::Order::Tooltip)
        .anchor(
            egui::Align2::CENTER_CENTER,
            egui::vec2(0.0, theme::reach_offset(ctx) / 2.0),
        )
        .show(ctx, |ui| {
            egui::Frame::new()
                .fill(theme::to_egui(ui, theme::SURFACE))
                .corner_radius(egui::CornerRadius::same(24))
                .inner_margin(egui::Margin::same(40))
                .show(ui, |ui| {
                    ui.set_width(720.0);
                    ui.vertical_centered(|ui| {
                        ui.label(
                            egui::RichText::new(i18n.t("idle-title"))
                                .size(size::TITLE)
                                .strong(),
                        );
                        ui.add_space(8.0);
                        ui.label(
                            egui::RichText::new(i18n.t_args("idle-body", &[arg("seconds", left)]))
                                .size(size::HEADING),
                        );
                        ui.add_space(16.0);
                        let stay = super::egui_kit::primary_button(ui, i18n.t("idle-continue"));
                        if ui
                            .add(stay.min_size(egui::vec2(520.0, theme::TOUCH * 1.2)))
                            .clicked()
                        {
                            out.write(ShopAction::Touched);
                        }
                        let leave = super::egui_kit::button(i18n.t("idle-start-over"), size::BODY);
                        if ui
                            .add(leave.min_size(egui::vec2(520.0, theme::TOUCH)))
                            .clicked()
                        {
                            out.write(ShopAction::StartOver);
                        }
                    });
                });
        });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_shows_only_in_the_last_seconds_and_never_on_the_attract_screen() {
        let idle = IdleTimes {
            timeout: 90.0,
            warning: 20.0,
        };
        let activity = Activity {
            last_touch: 100.0,
            confirmation_shown_at: None,
        };
        assert_eq!(warning_left(idle, &activity, 150.0, Screen::Gallery), None);
        assert_eq!(
            warning_left(idle, &activity, 175.0, Screen::Gallery),
            Some(15)
        );
        assert_eq!(warning_left(idle, &activity, 175.0, Screen::Attract), None);
        assert_eq!(
            warning_left(idle, &activity, 191.0, Screen::Gallery),
            None,
            "past the timeout the wipe has happened"
        );
    }
}

//! Staff mode's drawing, over whatever screen is showing: the PIN keypad, the staff panel
//! (who this kiosk is, whether its backend answers, its heartbeat and last errors, and what
//! staff can do) and the screen and touch test, in the language on screen (the store's own
//! when nobody is shopping). The logic is `src/staff.rs`.

use bevy::prelude::*;
use bevy::window::{PrimaryWindow, WindowMode};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::bridge::Bridge;
use crate::config::KioskConfig;
use crate::connectivity::Connectivity;
use crate::heartbeat::Heartbeat;
use crate::i18n::{I18n, arg};
use crate::staff::{ALONE_SECONDS, StaffAction, StaffMode, StaffStage};
use crate::ui::egui_kit;
use crate::ui::theme::{self, size};

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, draw_staff)
        .add_systems(Update, (leave_fullscreen, report_screen));
}

fn card(ui: &mut egui::Ui, width: f32, add: impl FnOnce(&mut egui::Ui)) {
    egui::Frame::new()
        .fill(theme::to_egui(ui, theme::SURFACE))
        .corner_radius(egui::CornerRadius::same(24))
        .inner_margin(egui::Margin::same(36))
        .show(ui, |ui| {
            ui.set_width(width);
            add(ui);
        });
}

#[allow(clippy::too_many_arguments)]
fn draw_staff(
    mut contexts: EguiContexts,
    staff: Res<StaffMode>,
    config: Res<KioskConfig>,
    bridge: Res<Bridge>,
    conn: Res<Connectivity>,
    beat: Res<Heartbeat>,
    time: Res<Time>,
    i18n: Res<I18n>,
    mut out: MessageWriter<StaffAction>,
) -> Result {
    if !staff.is_open() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let now = time.elapsed_secs_f64();
    if staff.stage == StaffStage::ScreenTest {
        screen_test(ctx, &staff, &i18n, &mut out);
        return Ok(());
    }
    egui_kit::modal_dim(ctx, "staff-dim");
    egui::Area::new(egui::Id::new("staff"))
        .order(egui::Order::Tooltip)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| match staff.stage {
            StaffStage::Pin => card(ui, 560.0, |ui| pin_pad(ui, &staff, &i18n, now, &mut out)),
            _ => card(ui, 1000.0, |ui| {
                panel(ui, &i18n, &config, &bridge, &conn, &beat, now, &mut out)
            }),
        });
    Ok(())
}

fn pin_pad(
    ui: &mut egui::Ui,
    staff: &StaffMode,
    i18n: &I18n,
    now: f64,
    out: &mut MessageWriter<StaffAction>,
) {
    ui.vertical_centered(|ui| {
        ui.label(
            egui::RichText::new(i18n.t("staff-title"))
                .size(size::TITLE)
                .strong(),
        );
        ui.add_space(8.0);
        let dots: String = "● ".repeat(staff.pin.len());
        let wait = staff.lockout_left(now);
        let (line, colour) = if staff.checking {
            (i18n.t("staff-checking"), theme::MUTED)
        } else if wait > 0.0 {
            (
                i18n.t_args("staff-wrong-pin", &[arg("seconds", wait.ceil())]),
                theme::DANGER,
            )
        } else if staff.pin.is_empty() {
            (i18n.t("staff-enter-pin"), theme::MUTED)
        } else {
            (dots, theme::TEXT)
        };
        ui.label(
            egui::RichText::new(line)
                .size(size::HEADING)
                .color(theme::to_egui(ui, colour)),
        );
        ui.add_space(16.0);
        let w = (ui.available_width() - 24.0) / 3.0;
        for row in [
            ['1', '2', '3'],
            ['4', '5', '6'],
            ['7', '8', '9'],
            ['⌫', '0', '✓'],
        ] {
            ui.horizontal(|ui| {
                for k in row {
                    let b = egui_kit::choice(ui, k.to_string(), size::HEADING, k == '✓')
                        .min_size(egui::vec2(w, theme::TOUCH));
                    if ui.add_enabled(wait == 0.0, b).clicked() {
                        out.write(match k {
                            '⌫' => StaffAction::Erase,
                            '✓' => StaffAction::Enter,
                            d => StaffAction::Key(d),
                        });
                    }
                }
            });
        }
        ui.add_space(10.0);
        let cancel = egui_kit::button(i18n.t("staff-cancel"), size::BODY)
            .min_size(egui::vec2(ui.available_width(), theme::TOUCH * 0.8));
        if ui.add(cancel).clicked() {
            out.write(StaffAction::Close);
        }
    });
}

fn row(ui: &mut egui::Ui, label: &str, value: String, colour: Color) {
    ui.horizontal(|ui| {
        ui.add_sized(
            [300.0, 36.0],
            egui::Label::new(
                egui::RichText::new(label)
                    .size(size::BODY)
                    .color(theme::to_egui(ui, theme::MUTED)),
            ),
        );
        ui.label(
            egui::RichText::new(value)
                .size(size::BODY)
                .color(theme::to_egui(ui, colour)),
        );
    });
}

#[allow(clippy::too_many_arguments)]
fn panel(
    ui: &mut egui::Ui,
    i18n: &I18n,
    config: &KioskConfig,
    bridge: &Bridge,
    conn: &Connectivity,
    beat: &Heartbeat,
    now: f64,
    out: &mut MessageWriter<StaffAction>,
) {
    ui.label(
        egui::RichText::new(i18n.t("staff-panel"))
            .size(size::TITLE)
            .strong(),
    );
    ui.add_space(12.0);
    let id = &config.identity;
    row(ui, &i18n.t("staff-kiosk"), id.id.clone(), theme::TEXT);
    row(
        ui,
        &i18n.t("staff-store"),
        id.store.clone().unwrap_or_else(|| "—".into()),
        theme::TEXT,
    );
    row(
        ui,
        &i18n.t("staff-version"),
        id.version.clone(),
        theme::TEXT,
    );
    let backend = bridge
        .base_url()
        .map_or_else(|| i18n.t("staff-backend-not-started"), str::to_owned);
    let (answers, colour) = if conn.online {
        (i18n.t("staff-answers"), theme::SUCCESS)
    } else {
        (i18n.t("staff-no-answer"), theme::DANGER)
    };
    row(
        ui,
        &i18n.t("staff-backend"),
        format!("{backend} — {answers}"),
        colour,
    );
    let heartbeat = beat
        .last_ok_at
        .map_or_else(|| i18n.t("staff-none-yet"), |at| ago(i18n, now - at));
    row(ui, &i18n.t("staff-heartbeat"), heartbeat, theme::TEXT);
    ui.add_space(8.0);
    ui.label(
        egui::RichText::new(i18n.t("staff-errors"))
            .size(size::BODY)
            .strong(),
    );
    if beat.recent.is_empty() {
        ui.label(
            egui::RichText::new(i18n.t("staff-no-errors"))
                .size(size::SMALL)
                .color(theme::to_egui(ui, theme::MUTED)),
        );
    }
    for (at, error) in beat.recent.iter().rev().take(5) {
        ui.label(
            egui::RichText::new(format!("{} · {error}", ago(i18n, now - at)))
                .size(size::SMALL)
                .color(theme::to_egui(ui, theme::DANGER)),
        );
    }
    ui.add_space(20.0);
    let w = (ui.available_width() - 3.0 * ui.spacing().item_spacing.x) / 4.0;
    ui.horizontal(|ui| {
        for (label, action) in [
            ("staff-screen-test", StaffAction::ScreenTest),
            ("staff-restart", StaffAction::Restart),
            ("staff-leave-fullscreen", StaffAction::LeaveFullscreen),
            ("staff-quit", StaffAction::Quit),
        ] {
            let b =
                egui_kit::button(i18n.t(label), size::BODY).min_size(egui::vec2(w, theme::TOUCH));
            if ui.add(b).clicked() {
                out.write(action);
            }
        }
    });
    ui.add_space(12.0);
    let close = egui_kit::primary_button(ui, i18n.t("staff-close"))
        .min_size(egui::vec2(ui.available_width(), theme::TOUCH));
    if ui.add(close).clicked() {
        out.write(StaffAction::Close);
    }
    ui.label(
        egui::RichText::new(i18n.t_args(
            "staff-closes-alone",
            &[arg("seconds", ALONE_SECONDS.round())],
        ))
        .size(size::SMALL)
        .color(theme::to_egui(ui, theme::MUTED)),
    );
}

/// How long ago `seconds` was, as staff read it.
fn ago(i18n: &I18n, seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    if s < 120 {
        i18n.t_args("staff-seconds-ago", &[arg("n", s)])
    } else {
        i18n.t_args("staff-minutes-ago", &[arg("n", s / 60)])
    }
}

/// A full-screen pattern (edges, a grid, colour bars) on which every touch leaves a mark.
fn screen_test(
    ctx: &egui::Context,
    staff: &StaffMode,
    i18n: &I18n,
    out: &mut MessageWriter<StaffAction>,
) {
    egui::Area::new(egui::Id::new("staff-screen-test"))
        .order(egui::Order::Tooltip)
        .fixed_pos(egui::Pos2::ZERO)
        .show(ctx, |ui| {
            let rect = ctx.content_rect();
            let (response, painter) = ui.allocate_painter(rect.size(), egui::Sense::click());
            painter.rect_filled(rect, 0.0, egui::Color32::WHITE);
            let grey = egui::Stroke::new(1.0, egui::Color32::from_gray(190));
            let mut x = rect.left();
            while x < rect.right() {
                painter.line_segment(
                    [egui::pos2(x, rect.top()), egui::pos2(x, rect.bottom())],
                    grey,
                );
                x += 100.0;
            }
            let mut y = rect.top();
            while y < rect.bottom() {
                painter.line_segment(
                    [egui::pos2(rect.left(), y), egui::pos2(rect.right(), y)],
                    grey,
                );
                y += 100.0;
            }
            painter.rect_stroke(
                rect.shrink(2.0),
                0.0,
                egui::Stroke::new(4.0, egui::Color32::RED),
                egui::StrokeKind::Inside,
            );
            let bars = [
                egui::Color32::RED,
                egui::Color32::GREEN,
                egui::Color32::BLUE,
                egui::Color32::BLACK,
            ];
            for (i, c) in bars.iter().enumerate() {
                let left = rect.left() + 100.0 + i as f32 * 160.0;
                painter.rect_filled(
                    egui::Rect::from_min_size(
                        egui::pos2(left, rect.bottom() - 160.0),
                        egui::vec2(140.0, 100.0),
                    ),
                    0.0,
                    *c,
                );
            }
            for p in &staff.test_touches {
                painter.circle_filled(
                    egui::pos2(p.x, p.y),
                    22.0,
                    egui::Color32::from_rgb(230, 90, 26),
                );
            }
            painter.text(
                rect.center_top() + egui::vec2(0.0, 40.0),
                egui::Align2::CENTER_TOP,
                i18n.t_args("staff-touches", &[arg("count", staff.test_touches.len())]),
                egui::FontId::proportional(size::HEADING),
                egui::Color32::BLACK,
            );
            if response.clicked()
                && let Some(p) = response.interact_pointer_pos()
            {
                out.write(StaffAction::TestTouch(Vec2::new(p.x, p.y)));
            }
            let done = egui::Rect::from_min_size(
                egui::pos2(rect.right() - 260.0, rect.top() + 30.0),
                egui::vec2(220.0, theme::TOUCH),
            );
            if ui
                .put(done, egui_kit::primary_button(ui, i18n.t("staff-done")))
                .clicked()
            {
                out.write(StaffAction::Close);
            }
        });
}

fn leave_fullscreen(
    mut staff: ResMut<StaffMode>,
    mut window: Query<&mut Window, With<PrimaryWindow>>,
) {
    if !staff.leave_fullscreen {
        return;
    }
    staff.leave_fullscreen = false;
    if let Ok(mut w) = window.single_mut()
        && w.mode != WindowMode::Windowed
    {
        w.mode = WindowMode::Windowed;
        w.decorations = true;
    }
}

/// The screen's size for the heartbeat, when the window changes.
fn report_screen(
    window: Query<&Window, (With<PrimaryWindow>, Changed<Window>)>,
    mut beat: ResMut<Heartbeat>,
) {
    if let Ok(w) = window.single() {
        let screen = format!("{}x{}", w.physical_width(), w.physical_height());
        if beat.screen != screen {
            beat.screen = screen;
        }
    }
}

//! Staff mode's drawing, over whatever screen is showing: the PIN keypad, the staff panel
//! (who this kiosk is, whether its backend answers, its heartbeat and last errors, and what
//! staff can do) and the screen and touch test. For staff, so in English only. The logic is
//! `src/staff.rs`.

use bevy::prelude::*;
use bevy::window::{PrimaryWindow, WindowMode};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::bridge::Bridge;
use crate::config::KioskConfig;
use crate::connectivity::Connectivity;
use crate::heartbeat::Heartbeat;
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
    mut out: MessageWriter<StaffAction>,
) -> Result {
    if !staff.is_open() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let now = time.elapsed_secs_f64();
    if staff.stage == StaffStage::ScreenTest {
        screen_test(ctx, &staff, &mut out);
        return Ok(());
    }
    egui_kit::modal_dim(ctx, "staff-dim");
    egui::Area::new(egui::Id::new("staff"))
        .order(egui::Order::Tooltip)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| match staff.stage {
            StaffStage::Pin => card(ui, 560.0, |ui| pin_pad(ui, &staff, now, &mut out)),
            _ => card(ui, 1000.0, |ui| {
                panel(ui, &config, &bridge, &conn, &beat, now, &mut out)
            }),
        });
    Ok(())
}

fn pin_pad(ui: &mut egui::Ui, staff: &StaffMode, now: f64, out: &mut MessageWriter<StaffAction>) {
    ui.vertical_centered(|ui| {
        ui.label(egui::RichText::new("Staff").size(size::TITLE).strong());
        ui.add_space(8.0);
        let dots: String = "● ".repeat(staff.pin.len());
        let wait = staff.lockout_left(now);
        let (line, colour) = if staff.checking {
            ("Checking…".to_owned(), theme::MUTED)
        } else if wait > 0.0 {
            (
                format!("Wrong PIN. Try again in {} s", wait.ceil()),
                theme::DANGER,
            )
        } else if staff.pin.is_empty() {
            ("Enter the staff PIN".to_owned(), theme::MUTED)
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
        let cancel = egui_kit::button("Cancel", size::BODY)
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

fn panel(
    ui: &mut egui::Ui,
    config: &KioskConfig,
    bridge: &Bridge,
    conn: &Connectivity,
    beat: &Heartbeat,
    now: f64,
    out: &mut MessageWriter<StaffAction>,
) {
    ui.label(
        egui::RichText::new("Staff panel")
            .size(size::TITLE)
            .strong(),
    );
    ui.add_space(12.0);
    let id = &config.identity;
    row(ui, "Kiosk", id.id.clone(), theme::TEXT);
    row(
        ui,
        "Store",
        id.store.clone().unwrap_or_else(|| "—".into()),
        theme::TEXT,
    );
    row(ui, "Version", id.version.clone(), theme::TEXT);
    let backend = bridge.base_url().unwrap_or("not started").to_owned();
    let (answers, colour) = if conn.online {
        ("answers", theme::SUCCESS)
    } else {
        ("does not answer", theme::DANGER)
    };
    row(ui, "Backend", format!("{backend} — {answers}"), colour);
    let heartbeat = beat.last_ok_at.map_or("none yet".to_owned(), |at| {
        format!(
            "{} ago",
            crate::staff::ago(std::time::Duration::from_secs_f64(now - at))
        )
    });
    row(ui, "Last heartbeat", heartbeat, theme::TEXT);
    ui.add_space(8.0);
    ui.label(egui::RichText::new("Last errors").size(size::BODY).strong());
    if beat.recent.is_empty() {
        ui.label(
            egui::RichText::new("none")
                .size(size::SMALL)
                .color(theme::to_egui(ui, theme::MUTED)),
        );
    }
    for (at, error) in beat.recent.iter().rev().take(5) {
        ui.label(
            egui::RichText::new(format!(
                "{} ago · {error}",
                crate::staff::ago(std::time::Duration::from_secs_f64(now - at))
            ))
            .size(size::SMALL)
            .color(theme::to_egui(ui, theme::DANGER)),
        );
    }
    ui.add_space(20.0);
    let w = (ui.available_width() - 3.0 * ui.spacing().item_spacing.x) / 4.0;
    ui.horizontal(|ui| {
        for (label, action) in [
            ("Screen & touch test", StaffAction::ScreenTest),
            ("Restart kiosk", StaffAction::Restart),
            ("Leave fullscreen", StaffAction::LeaveFullscreen),
            ("Quit", StaffAction::Quit),
        ] {
            let b = egui_kit::button(label, size::BODY).min_size(egui::vec2(w, theme::TOUCH));
            if ui.add(b).clicked() {
                out.write(action);
            }
        }
    });
    ui.add_space(12.0);
    let close = egui_kit::primary_button(ui, "Close")
        .min_size(egui::vec2(ui.available_width(), theme::TOUCH));
    if ui.add(close).clicked() {
        out.write(StaffAction::Close);
    }
    ui.label(
        egui::RichText::new(format!(
            "Closes by itself after {ALONE_SECONDS:.0} s without a touch."
        ))
        .size(size::SMALL)
        .color(theme::to_egui(ui, theme::MUTED)),
    );
}

/// A full-screen pattern (edges, a grid, colour bars) on which every touch leaves a mark.
fn screen_test(ctx: &egui::Context, staff: &StaffMode, out: &mut MessageWriter<StaffAction>) {
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
                format!("Touch anywhere: {} touches", staff.test_touches.len()),
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
            if ui.put(done, egui_kit::primary_button(ui, "Done")).clicked() {
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

//! egui under a finger: every press counted once whatever the frame rate, a finger's wobble
//! still a tap, held keys that repeat, and the one scroll container every panel uses.
//!
//! egui hit-tests once a pass, at the pointer's last position. When a slow frame (load,
//! software rendering) collects two taps, the first release is credited to the widget under
//! the second tap: "Kremlin" typed as "Krmmlin". [`TapPacer`] hands egui at most one press
//! (and its release) a pass and keeps the rest for the next, which it asks to be drawn at once.

use std::collections::VecDeque;

use bevy::prelude::*;
use bevy::window::RequestRedraw;
use bevy_egui::{EguiInput, EguiPreUpdateSet, EguiPrimaryContextPass, PrimaryEguiContext, egui};

use super::theme;

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(
        PreUpdate,
        pace_taps
            .after(EguiPreUpdateSet::ProcessInput)
            .before(EguiPreUpdateSet::BeginPass),
    )
    .add_systems(EguiPrimaryContextPass, fingers_for_egui.run_if(run_once));
}

fn fingers_for_egui(mut contexts: bevy_egui::EguiContexts) -> Result {
    touch_input_options(contexts.ctx_mut()?);
    Ok(())
}

/// A finger moves a little while it taps; further than this it scrolls (egui points).
pub const TAP_SLOP: f32 = 16.0;

/// A tap's press and release may be a slow frame or two apart (a frame took 1.6 s on a loaded
/// kiosk PC); only a press held longer than this is not a tap.
pub const TAP_MAX_SECONDS: f64 = 6.0;

/// Input options for fingers: how far a tap may slide and how long it may last.
pub fn touch_input_options(ctx: &egui::Context) {
    ctx.options_mut(|o| {
        o.input_options.max_click_dist = TAP_SLOP;
        o.input_options.max_click_duration = TAP_MAX_SECONDS;
    });
}

/// Splits the pointer events into passes egui reads correctly: a pass ends after a tap's
/// release; a drag's press, its moves and its release get passes of their own (egui starts a
/// drag only in a pass after the press, and drops it in the pass of the release). After each
/// release the pointer is gone, as a lifted finger is.
#[derive(Debug, Default)]
pub struct TapPacer {
    pending: VecDeque<egui::Event>,
    /// Where the button went down, while it is down.
    down_at: Option<egui::Pos2>,
    /// The press has moved further than [`TAP_SLOP`]: a drag.
    dragging: bool,
}

impl TapPacer {
    /// The events for this pass: the ones kept from before, then `incoming`, up to the end of
    /// one press. The rest wait for [`Self::has_pending`] passes.
    pub fn pass(&mut self, incoming: impl IntoIterator<Item = egui::Event>) -> Vec<egui::Event> {
        self.pending.extend(incoming);
        let mut out = Vec::new();
        let mut pressed_here = false;
        let mut dragged_here = false;
        while let Some(event) = self.pending.front() {
            match event {
                egui::Event::PointerButton {
                    pressed: true, pos, ..
                } => {
                    if pressed_here {
                        break;
                    }
                    pressed_here = true;
                    self.down_at = Some(*pos);
                    self.dragging = false;
                }
                egui::Event::PointerButton { pressed: false, .. } => {
                    if dragged_here {
                        // The drag's last moves are applied with the button still down.
                        break;
                    }
                    self.down_at = None;
                    self.dragging = false;
                    out.extend(self.pending.pop_front());
                    // A lifted finger is nowhere, as egui models touch. Otherwise the next
                    // touch's jump from here to there reads as a drag of that length, and a
                    // panel scrolls by it when the finger lands.
                    out.push(egui::Event::PointerGone);
                    break;
                }
                egui::Event::PointerMoved(p) => {
                    if let Some(at) = self.down_at
                        && !self.dragging
                        && at.distance(*p) > TAP_SLOP
                    {
                        self.dragging = true;
                        if pressed_here {
                            // The press alone first, so egui can start the drag next pass.
                            break;
                        }
                    }
                    dragged_here |= self.dragging;
                }
                egui::Event::PointerGone => {
                    self.down_at = None;
                    self.dragging = false;
                }
                _ => {}
            }
            out.extend(self.pending.pop_front());
        }
        out
    }

    /// Events are waiting for another pass.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }
}

fn pace_taps(
    mut inputs: Query<&mut EguiInput, With<PrimaryEguiContext>>,
    mut pacer: Local<TapPacer>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    for mut input in &mut inputs {
        let incoming = std::mem::take(&mut input.events);
        input.events = pacer.pass(incoming);
        if pacer.has_pending() {
            redraw.write(RequestRedraw);
        }
    }
}

/// Seconds a key must be held before it repeats, and between repeats.
pub const REPEAT_DELAY: f64 = 0.5;
pub const REPEAT_EVERY: f64 = 0.08;
/// Most repeats one slow frame may catch up on (a frame that stalls does not empty a field).
const REPEAT_CATCH_UP: u32 = 3;

/// A key that acts once when pressed and repeats while held (⌫).
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyRepeat {
    /// App time of the next repeat, while held.
    next_at: Option<f64>,
}

impl KeyRepeat {
    /// How many times the key acts this pass. `now` is app time in seconds.
    pub fn presses(&mut self, r: &egui::Response, now: f64) -> u32 {
        if r.is_pointer_button_down_on() && r.contains_pointer() {
            r.ctx.request_repaint();
            match self.next_at {
                None => {
                    self.next_at = Some(now + REPEAT_DELAY);
                    1
                }
                Some(t) if now >= t => {
                    let n = (((now - t) / REPEAT_EVERY) as u32 + 1).min(REPEAT_CATCH_UP);
                    self.next_at = Some(now.max(t + f64::from(n) * REPEAT_EVERY));
                    n
                }
                Some(_) => 0,
            }
        } else {
            // A whole tap within one pass: the press was never seen down.
            let n = u32::from(r.clicked() && self.next_at.is_none());
            self.next_at = None;
            n
        }
    }
}

/// The one scroll container: follows a finger (with egui's kinetic fling), always shows its
/// bar, and shows a chevron at its lower edge while there is more below.
pub fn scroll_panel<R>(
    ui: &mut egui::Ui,
    id: &str,
    max_height: f32,
    add_contents: impl FnOnce(&mut egui::Ui) -> R,
) -> egui::scroll_area::ScrollAreaOutput<R> {
    // Room for `max_height` even inside an egui Area, whose content is otherwise held to
    // the default area size (400 points high: a sign-up form was cut there).
    let width = ui.available_width();
    let out = ui
        .allocate_ui(egui::vec2(width, max_height), |ui| {
            egui::ScrollArea::vertical()
                .id_salt(id)
                .max_height(max_height)
                .auto_shrink([false, true])
                // Kiosk touchscreens often report as an absolute mouse, never as touch: drag
                // always.
                .scroll_source(egui::scroll_area::ScrollSource::ALL)
                .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysVisible)
                .show(ui, add_contents)
        })
        .inner;
    let hidden_below = out.content_size.y - out.state.offset.y - out.inner_rect.height();
    if hidden_below > 1.0 {
        more_below(ui, out.inner_rect);
    }
    out
}

/// Height of the strip at a panel's lower edge where the "more below" chevron sits.
pub const MORE_BELOW_FADE: f32 = 56.0;

fn more_below(ui: &egui::Ui, rect: egui::Rect) {
    // egui shades the edge where content is cut; the chevron says which way the rest is.
    let fade = egui::Rect::from_min_max(
        egui::pos2(rect.left(), rect.bottom() - MORE_BELOW_FADE),
        rect.max,
    );
    let painter = ui.painter_at(rect);
    // A chevron pointing down, drawn (the fonts have no such glyph).
    let c = egui::pos2(fade.center().x, fade.bottom() - 16.0);
    painter.line(
        vec![c + egui::vec2(-18.0, -9.0), c, c + egui::vec2(18.0, -9.0)],
        egui::Stroke::new(4.0, theme::to_egui(ui, theme::MUTED)),
    );
}

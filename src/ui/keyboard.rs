//! On-screen keyboard drawn with egui: a kiosk has no physical keyboard. English and Russian
//! letters, a digits-and-symbols page, `@` and `.com` keys for e-mail fields, a phone pad for
//! numbers, backspace that repeats while held. Plain functions over `egui::Ui`, testable
//! without a window.

use bevy_egui::egui;

use crate::i18n::I18n;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Letters for names and addresses.
    Letters,
    /// Letters plus `@` and `.com`, no capitals.
    Email,
    /// Letters without automatic capitals (logins, passwords).
    Plain,
    /// Digits and `+`.
    Phone,
}

/// Which page of the letter keyboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Page {
    #[default]
    English,
    Russian,
    Symbols,
}

/// What a key press did to the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    Edited,
    Done,
    /// Move to the next field.
    Next,
}

/// State the keyboard keeps between frames.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyboardState {
    pub page: Page,
    /// The customer picked the page; until then letters follow the interface language.
    pub chosen: bool,
    /// A held backspace repeats.
    backspace: crate::ui::touch::KeyRepeat,
}

const EN_ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
const RU_ROWS: [&str; 3] = ["йцукенгшщзх", "фывапролджэ", "ячсмитьбюъ"];
const SYMBOL_ROWS: [&str; 3] = ["1234567890", "-/:;()&@\"'", ".,?!_#%+=*"];
const PHONE_ROWS: [&str; 4] = ["123", "456", "789", "+0"];

/// Applies one key to `text`; `max` bounds the length in characters.
pub fn apply_key(text: &mut String, key: &str, max: usize, capitalise: bool) -> Option<KeyOutcome> {
    match key {
        "⌫" => {
            text.pop();
            Some(KeyOutcome::Edited)
        }
        " " => {
            if text.chars().count() < max && !text.ends_with(' ') && !text.is_empty() {
                text.push(' ');
            }
            Some(KeyOutcome::Edited)
        }
        k => {
            if text.chars().count() + k.chars().count() <= max {
                // Capitalise the first letter of each word: addresses read better.
                if capitalise && (text.is_empty() || text.ends_with(' ')) {
                    text.push_str(&k.to_uppercase());
                } else {
                    text.push_str(k);
                }
            }
            Some(KeyOutcome::Edited)
        }
    }
}

fn key(ui: &mut egui::Ui, label: &str, width: f32) -> egui::Response {
    let text = egui::RichText::new(label).size(30.0);
    // White keys on the beige tray read as keys at a glance.
    let button =
        egui::Button::new(text).fill(crate::ui::theme::to_egui(ui, crate::ui::theme::SURFACE));
    ui.add_sized([width, 76.0], button)
}

/// Draws the keyboard and applies taps to `text`. `now` is app time in seconds (for the
/// backspace repeat). Returns what happened, if anything.
pub fn keyboard(
    ui: &mut egui::Ui,
    i18n: &I18n,
    layout: Layout,
    state: &mut KeyboardState,
    text: &mut String,
    max: usize,
    now: f64,
) -> Option<KeyOutcome> {
    let mut outcome = None;
    let capitalise = layout == Layout::Letters;
    if !state.chosen && layout == Layout::Letters {
        state.page = match i18n.language {
            customerclient_api::settings::Language::Ru => Page::Russian,
            customerclient_api::settings::Language::En => Page::English,
        };
    }
    let mut backspace =
        |ui: &mut egui::Ui, width: f32, text: &mut String, outcome: &mut Option<KeyOutcome>| {
            let r = key(ui, "⌫", width);
            for _ in 0..state.backspace.presses(&r, now) {
                *outcome = apply_key(text, "⌫", max, false);
            }
        };
    ui.vertical_centered(|ui| {
        if layout == Layout::Phone {
            for row in PHONE_ROWS {
                ui.horizontal(|ui| {
                    for ch in row.chars() {
                        if key(ui, &ch.to_string(), 120.0).clicked() {
                            outcome = apply_key(text, &ch.to_string(), max, false);
                        }
                    }
                    if row.len() == 2 {
                        backspace(ui, 120.0, text, &mut outcome);
                    }
                });
            }
            ui.horizontal(|ui| {
                if key(ui, &i18n.t("key-next"), 180.0).clicked() {
                    outcome = Some(KeyOutcome::Next);
                }
                if key(ui, &i18n.t("key-done"), 180.0).clicked() {
                    outcome = Some(KeyOutcome::Done);
                }
            });
            return;
        }
        let rows = match state.page {
            Page::English => EN_ROWS,
            Page::Russian => RU_ROWS,
            Page::Symbols => SYMBOL_ROWS,
        };
        if state.page != Page::Symbols {
            ui.horizontal(|ui| {
                for ch in "1234567890".chars() {
                    if key(ui, &ch.to_string(), 84.0).clicked() {
                        outcome = apply_key(text, &ch.to_string(), max, false);
                    }
                }
            });
        }
        for (i, row) in rows.iter().enumerate() {
            ui.horizontal(|ui| {
                for ch in row.chars() {
                    if key(ui, &ch.to_string(), 84.0).clicked() {
                        outcome = apply_key(text, &ch.to_string(), max, capitalise);
                    }
                }
                if i == rows.len() - 1 {
                    backspace(ui, 140.0, text, &mut outcome);
                }
            });
        }
        ui.horizontal(|ui| {
            let symbols = if state.page == Page::Symbols {
                i18n.t("key-letters")
            } else {
                i18n.t("key-symbols")
            };
            if key(ui, &symbols, 120.0).clicked() {
                state.page = if state.page == Page::Symbols {
                    Page::English
                } else {
                    Page::Symbols
                };
                state.chosen = true;
            }
            // Named by the layout it switches to, in that layout's own script.
            let other = if state.page == Page::English {
                "РУС"
            } else {
                "ENG"
            };
            if state.page != Page::Symbols && key(ui, other, 140.0).clicked() {
                state.page = if state.page == Page::English {
                    Page::Russian
                } else {
                    Page::English
                };
                state.chosen = true;
            }
            if layout == Layout::Email {
                for k in ["@", ".", ".com", ".ru"] {
                    if key(ui, k, 90.0).clicked() {
                        outcome = apply_key(text, k, max, false);
                    }
                }
            } else if key(ui, &i18n.t("key-space"), 360.0).clicked() {
                outcome = apply_key(text, " ", max, capitalise);
            }
            if key(ui, &i18n.t("key-next"), 140.0).clicked() {
                outcome = Some(KeyOutcome::Next);
            }
            if key(ui, &i18n.t("key-done"), 150.0).clicked() {
                outcome = Some(KeyOutcome::Done);
            }
        });
    });
    outcome
}

/// Where a keyboard overlay sits on the screen.
pub struct Placement {
    pub id: &'static str,
    pub anchor: egui::Align2,
    pub offset: egui::Vec2,
}

/// Height a keyboard needs (five rows of keys and the tray's margins).
pub const HEIGHT: f32 = 5.0 * 84.0 + 40.0;

/// Gap between a docked keyboard and the screen's lower edge.
const DOCK_GAP: f32 = 16.0;

/// Where content must end for a keyboard docked at the bottom not to cover it.
pub fn top_of_docked(screen: egui::Rect) -> f32 {
    screen.bottom() - DOCK_GAP - HEIGHT - 12.0
}

/// The least height a form needs above the keyboard to show the field being typed in.
const MIN_FORM_ROOM: f32 = 280.0;

/// Where a form below the header goes, top and bottom in points: above the docked keyboard
/// while `typing`. In reach mode the keyboard fills most of the lower half, so while typing
/// the form shows in the otherwise empty upper half instead: it only needs reading there,
/// and everything the customer taps (the keys, *Next*, *Done*) stays within reach.
pub fn form_band(ctx: &egui::Context, typing: bool) -> (f32, f32) {
    let screen = ctx.content_rect();
    let reach = crate::ui::theme::reach_offset(ctx);
    let below_header = crate::ui::widgets::HEADER_HEIGHT + 24.0 + reach;
    if !typing {
        return (below_header, screen.bottom() - 24.0);
    }
    let above_keys = top_of_docked(screen);
    if above_keys - below_header >= MIN_FORM_ROOM || reach == 0.0 {
        (below_header, above_keys)
    } else {
        (screen.top() + 24.0, screen.top() + reach - 24.0)
    }
}

impl Placement {
    /// Docked at the bottom of the screen, where `align` says (centre or right). Forms shrink
    /// to the space above it ([`top_of_docked`]) and scroll the field being typed in into view,
    /// so the keyboard never covers a field, a tile or the header.
    pub fn docked(id: &'static str, align: egui::Align2) -> Self {
        let x = match align.x() {
            egui::Align::Max => -DOCK_GAP,
            _ => 0.0,
        };
        Self {
            id,
            anchor: align,
            offset: egui::vec2(x, -DOCK_GAP),
        }
    }
}

/// The keyboard in its own framed area above everything else. Returns what the tap did.
#[allow(clippy::too_many_arguments)]
pub fn keyboard_overlay(
    ctx: &egui::Context,
    place: Placement,
    i18n: &I18n,
    layout: Layout,
    state: &mut KeyboardState,
    text: &mut String,
    max: usize,
    now: f64,
) -> Option<KeyOutcome> {
    let mut outcome = None;
    let area = egui::Area::new(egui::Id::new(place.id))
        .order(egui::Order::Foreground)
        .anchor(place.anchor, place.offset);
    area.show(ctx, |ui| {
        egui::Frame::new()
            .fill(crate::ui::theme::to_egui(ui, crate::ui::theme::SECONDARY))
            .corner_radius(egui::CornerRadius::same(20))
            .inner_margin(egui::Margin::same(18))
            .show(ui, |ui| {
                outcome = keyboard(ui, i18n, layout, state, text, max, now)
            });
    });
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_edit_the_text_within_its_limit() {
        let mut t = String::new();
        for k in ["t", "v", "e", "r", " ", "7"] {
            apply_key(&mut t, k, 10, true);
        }
        assert_eq!(t, "Tver 7");
        apply_key(&mut t, "⌫", 10, true);
        assert_eq!(t, "Tver ");
        for _ in 0..20 {
            apply_key(&mut t, "x", 10, true);
        }
        assert_eq!(t.chars().count(), 10);
        let mut mail = String::new();
        for k in ["a", "n", "n", "a", "@", "m", "a", "i", "l", ".ru"] {
            apply_key(&mut mail, k, 64, false);
        }
        assert_eq!(mail, "anna@mail.ru");
        let mut ru = String::new();
        for k in ["а", "р", "б", "а", "т"] {
            apply_key(&mut ru, k, 64, true);
        }
        assert_eq!(ru, "Арбат");
    }

    #[test]
    fn keyboard_draws_every_layout_without_a_window() {
        let ctx = egui::Context::default();
        let i18n = I18n::default();
        for (layout, page) in [
            (Layout::Letters, Page::English),
            (Layout::Letters, Page::Russian),
            (Layout::Email, Page::Symbols),
            (Layout::Phone, Page::English),
        ] {
            let mut text = String::from("abc");
            let mut state = KeyboardState {
                page,
                ..Default::default()
            };
            let mut output = ctx.run_ui(Default::default(), |ui| {
                let outcome = keyboard(ui, &i18n, layout, &mut state, &mut text, 16, 0.0);
                assert_eq!(outcome, None);
            });
            output.textures_delta.clear();
            assert_eq!(text, "abc");
        }
    }
}

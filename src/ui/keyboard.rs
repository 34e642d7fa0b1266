//! On-screen keyboard drawn with egui: a kiosk has no physical keyboard. Letters for text
//! fields, a phone pad for numbers. Plain functions over `egui::Ui`, testable without a window.

use bevy_egui::egui;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Letters,
    Phone,
}

/// What a key press did to the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    Edited,
    Done,
}

const LETTER_ROWS: [&str; 4] = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm,.-/"];
const PHONE_ROWS: [&str; 4] = ["123", "456", "789", "+0"];

/// Applies one key to `text`; `max` bounds the length in characters.
pub fn apply_key(text: &mut String, key: &str, max: usize) -> Option<KeyOutcome> {
    match key {
        "⌫" => {
            text.pop();
            Some(KeyOutcome::Edited)
        }
        "Done" => Some(KeyOutcome::Done),
        "Space" => {
            if text.chars().count() < max && !text.ends_with(' ') && !text.is_empty() {
                text.push(' ');
            }
            Some(KeyOutcome::Edited)
        }
        k => {
            if text.chars().count() + k.chars().count() <= max {
                // Capitalise the first letter of each word: addresses read better.
                let capital = text.is_empty() || text.ends_with(' ');
                if capital {
                    text.push_str(&k.to_uppercase());
                } else {
                    text.push_str(k);
                }
            }
            Some(KeyOutcome::Edited)
        }
    }
}

fn key_button(ui: &mut egui::Ui, label: &str, width: f32) -> bool {
    let text = egui::RichText::new(label).size(30.0);
    ui.add_sized([width, 76.0], egui::Button::new(text))
        .clicked()
}

/// Draws the keyboard and applies taps to `text`. Returns what happened, if anything.
pub fn keyboard(
    ui: &mut egui::Ui,
    layout: Layout,
    text: &mut String,
    max: usize,
) -> Option<KeyOutcome> {
    let mut outcome = None;
    let rows: &[&str] = match layout {
        Layout::Letters => &LETTER_ROWS,
        Layout::Phone => &PHONE_ROWS,
    };
    let key_w = match layout {
        Layout::Letters => 84.0,
        Layout::Phone => 120.0,
    };
    ui.vertical_centered(|ui| {
        for row in rows {
            ui.horizontal(|ui| {
                for ch in row.chars() {
                    let label = ch.to_string();
                    if key_button(ui, &label, key_w) {
                        outcome = apply_key(text, &label, max);
                    }
                }
                if layout == Layout::Phone && row.len() == 2 && key_button(ui, "⌫", key_w) {
                    outcome = apply_key(text, "⌫", max);
                }
            });
        }
        ui.horizontal(|ui| {
            if layout == Layout::Letters {
                if key_button(ui, "Space", 480.0) {
                    outcome = apply_key(text, "Space", max);
                }
                if key_button(ui, "⌫", 160.0) {
                    outcome = apply_key(text, "⌫", max);
                }
            }
            if key_button(ui, "Done", 200.0) {
                outcome = Some(KeyOutcome::Done);
            }
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
        for k in ["t", "v", "e", "r", "Space", "7"] {
            apply_key(&mut t, k, 10);
        }
        assert_eq!(t, "Tver 7");
        apply_key(&mut t, "⌫", 10);
        assert_eq!(t, "Tver ");
        for _ in 0..20 {
            apply_key(&mut t, "x", 10);
        }
        assert_eq!(t.chars().count(), 10);
        assert_eq!(apply_key(&mut t, "Done", 10), Some(KeyOutcome::Done));
    }

    #[test]
    fn keyboard_draws_without_a_window() {
        let ctx = egui::Context::default();
        let mut text = String::from("abc");
        let mut output = ctx.run_ui(Default::default(), |ui| {
            let outcome = keyboard(ui, Layout::Phone, &mut text, 16);
            assert_eq!(outcome, None);
        });
        output.textures_delta.clear();
        assert_eq!(text, "abc");
    }
}

//! The egui widgets of the kiosk, so every egui screen's buttons, fields and modals look and
//! behave the same. egui is used where it is the better tool — text entry with the on-screen
//! keyboard (checkout, account, settings, the card form, the order-number keypad), charts and
//! the order detail beside them, the video scrubber — and Bevy UI draws the rest. Scenes build
//! their egui panels from these, never from a bare `egui::Button`.

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

/// A secondary action that still goes forward (save an address): body text on the brand
/// colour, smaller than the screen's one primary button.
pub fn brand_button(on: &impl theme::DrawsOn, label: impl Into<String>) -> egui::Button<'static> {
    choice(on, label, size::BODY, true)
}

/// Any other action: text of `text_size` on the theme's quiet button colour.
pub fn button(label: impl Into<String>, text_size: f32) -> egui::Button<'static> {
    egui::Button::new(egui::RichText::new(label.into()).size(text_size))
}

/// An action that removes something (an address, a card): its label in the danger colour.
pub fn danger_button(on: &impl theme::DrawsOn, label: impl Into<String>) -> egui::Button<'static> {
    egui::Button::new(
        egui::RichText::new(label.into())
            .size(size::BODY)
            .color(theme::to_egui(on, theme::DANGER)),
    )
}

/// One of several options (a period, a delivery method, a language): the chosen one on the
/// brand colour.
pub fn choice(
    on: &impl theme::DrawsOn,
    label: impl Into<String>,
    text_size: f32,
    chosen: bool,
) -> egui::Button<'static> {
    let text = egui::RichText::new(label.into()).size(text_size);
    let (text, fill) = if chosen {
        (
            text.color(theme::to_egui(on, theme::ON_PRIMARY)),
            theme::PRIMARY,
        )
    } else {
        (text, theme::SECONDARY)
    };
    egui::Button::new(text).fill(theme::to_egui(on, fill))
}

/// A key of a keypad or a list entry pressed down while it is the current one.
pub fn key(
    on: &impl theme::DrawsOn,
    label: impl Into<String>,
    text_size: f32,
    held: bool,
) -> egui::Button<'static> {
    egui::Button::new(egui::RichText::new(label.into()).size(text_size)).fill(theme::to_egui(
        on,
        if held {
            theme::SECONDARY_PRESSED
        } else {
            theme::SECONDARY
        },
    ))
}

/// One star of a rating: filled in the brand colour up to the chosen one.
pub fn star(on: &impl theme::DrawsOn, filled: bool) -> egui::Button<'static> {
    egui::Button::new(
        egui::RichText::new(if filled { "★" } else { "☆" })
            .size(size::TITLE)
            .color(theme::to_egui(
                on,
                if filled { theme::PRIMARY } else { theme::MUTED },
            )),
    )
}

/// A switch drawn as a ticked or empty box before its label.
pub fn toggle_button(on: bool, label: &str) -> egui::Button<'static> {
    let mark = if on { "☑" } else { "☐" };
    button(format!("{mark}  {label}"), size::BODY)
}

/// A [`toggle_button`] that flips `on` when tapped.
pub fn toggle(ui: &mut egui::Ui, on: &mut bool, label: &str) -> bool {
    let clicked = ui
        .add(toggle_button(*on, label).min_size(egui::vec2(0.0, theme::TOUCH * 0.8)))
        .clicked();
    if clicked {
        *on = !*on;
    }
    clicked
}

/// What is wrong with the field above, in the danger colour; nothing when all is well.
pub fn error_label(ui: &mut egui::Ui, text: Option<String>) {
    if let Some(e) = text {
        ui.label(
            egui::RichText::new(e)
                .color(theme::to_egui(ui, theme::DANGER))
                .size(size::SMALL),
        );
    }
}

/// A field's label over it, small and muted.
pub fn field_label(ui: &mut egui::Ui, label: &str) {
    ui.label(
        egui::RichText::new(label)
            .size(size::SMALL)
            .color(theme::to_egui(ui, theme::MUTED)),
    );
}

/// The box of a text field: its value with a caret while the on-screen keyboard edits it,
/// outlined in the brand colour then and in the danger colour while it is wrong.
pub fn field_button(
    on: &impl theme::DrawsOn,
    value: egui::RichText,
    active: bool,
    invalid: bool,
) -> egui::Button<'static> {
    let stroke = if invalid {
        theme::DANGER
    } else if active {
        theme::PRIMARY
    } else {
        theme::SECONDARY_PRESSED
    };
    egui::Button::new(value)
        .fill(theme::to_egui(on, theme::SURFACE))
        .stroke(egui::Stroke::new(
            if active { 3.0 } else { 2.0 },
            theme::to_egui(on, stroke),
        ))
}

/// A labelled field the keyboard edits: tap it to type in it.
pub fn field_box(
    ui: &mut egui::Ui,
    label: &str,
    value: &str,
    placeholder: &str,
    active: bool,
    invalid: bool,
) -> egui::Response {
    field_label(ui, label);
    let shown = if value.is_empty() && !active {
        egui::RichText::new(placeholder).color(theme::to_egui(ui, theme::MUTED))
    } else {
        egui::RichText::new(if active {
            format!("{value}|")
        } else {
            value.to_owned()
        })
    };
    let button = field_button(ui, shown.size(size::BODY), active, invalid);
    ui.add_sized([ui.available_width().min(760.0), theme::TOUCH], button)
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

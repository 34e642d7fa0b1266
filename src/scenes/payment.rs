//! Paying at the kiosk, one panel per step: the QR code for the bank app with amount, order
//! number and countdown (the code is a texture scaled by whole pixels with its quiet zone) and
//! the choice of another way to pay, in Bevy UI; the card form with its keypad, in egui (text
//! entry).

use bevy::prelude::*;

use crate::schedule::KioskSet;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use customerclient_api::orders::PaymentMethod;

use crate::bridge::Bridge;
use crate::config::{BackendTarget, KioskConfig};
use crate::failure::Failure;
use crate::i18n::{I18n, arg, payment_detail_key, payment_key};
use crate::payment::{
    CardField, CardForm, PayAction, PayStage, PayStep, PaymentFlow, seconds_left,
};
use crate::screen::Screen;
use crate::session::CustomerSession;
use crate::ui::egui_kit;
use crate::ui::theme::{self, RADIUS, TOUCH, size};
use crate::ui::touch::KeyRepeat;
use crate::ui::widgets;
use customerclient_api::payments::SavedCard;

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Payment), spawn)
        .add_systems(OnEnter(PayStep::Qr), spawn_qr_panel)
        .add_systems(OnEnter(PayStep::Choosing), spawn_choice_panel)
        .add_systems(
            Update,
            (
                (show_qr, update_texts).run_if(in_state(PayStep::Qr)),
                update_choice.run_if(in_state(PayStep::Choosing)),
            )
                .in_set(KioskSet::Draw),
        )
        .add_systems(
            EguiPrimaryContextPass,
            draw_card_form.run_if(in_state(PayStep::Card)),
        );
}

/// Side of the QR code on screen, at most; the exact size is a whole multiple of its modules.
const QR_TARGET: u32 = 560;

/// The scene's root: each step's panel is built under it.
#[derive(Component)]
struct PaymentRoot;
#[derive(Component)]
struct QrPanel;
#[derive(Component)]
struct QrImage {
    payload: Option<String>,
}
/// A text of the QR panel, filled from the payment flow each frame.
#[derive(Component, Clone, Copy, PartialEq, Eq)]
enum PayText {
    Amount,
    OrderLabel,
    Countdown,
    Status,
    DemoHint,
    /// The bank simulator's address, on a line of its own (Bevy measures a text with an
    /// explicit line break as one line shorter than it draws).
    DemoUrl,
}
#[derive(Component)]
struct NewCodeButton;

pub use crate::ui::qr::{module_scale, qr_pixels};

fn spawn(mut commands: Commands, session: Res<CustomerSession>, i18n: Res<I18n>) {
    commands.spawn((
        PaymentRoot,
        widgets::scene_root("Payment"),
        DespawnOnExit(Screen::Payment),
        children![widgets::header(&session, &i18n, &i18n.t("payment-title"))],
    ));
}

/// The QR step's panel: the code, its amount and countdown, for as long as the step lasts.
/// It scrolls when shorter than the code and its text (reach mode); the blocks centre by auto
/// margins so their tops stay in scrolling's reach.
fn spawn_qr_panel(
    mut commands: Commands,
    root: Single<Entity, With<PaymentRoot>>,
    i18n: Res<I18n>,
) {
    let panel = commands
        .spawn((
            QrPanel,
            DespawnOnExit(PayStep::Qr),
            Node {
                flex_grow: 1.0,
                min_height: Val::Px(0.0),
                justify_content: JustifyContent::Center,
                align_items: AlignItems::Start,
                column_gap: Val::Px(72.0),
                overflow: Overflow::scroll_y(),
                ..default()
            },
            ScrollPosition::default(),
            widgets::TouchScroll::default(),
            ChildOf(*root),
            children![qr_code(), qr_details(&i18n)],
        ))
        .id();
    commands.spawn((
        widgets::more_below(panel),
        DespawnOnExit(PayStep::Qr),
        ChildOf(*root),
    ));
}

/// The code on white, with its quiet zone; the texture is made when the payload arrives.
fn qr_code() -> impl Bundle {
    (
        Node {
            padding: UiRect::all(Val::Px(24.0)),
            margin: UiRect::vertical(Val::Auto),
            flex_shrink: 0.0,
            border_radius: BorderRadius::all(Val::Px(RADIUS)),
            min_width: Val::Px(QR_TARGET as f32 + 48.0),
            min_height: Val::Px(QR_TARGET as f32 + 48.0),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            ..default()
        },
        BackgroundColor(Color::WHITE),
        theme::shadow(10.0, 30.0),
        children![(
            QrImage { payload: None },
            Node::default(),
            ImageNode::default()
        )],
    )
}

/// Beside the code: what to do, the amount, the order, the countdown, the status, a new code,
/// another way to pay, and (demo only) where the bank simulator is.
fn qr_details(i18n: &I18n) -> impl Bundle {
    (
        Node {
            flex_direction: FlexDirection::Column,
            row_gap: Val::Px(22.0),
            max_width: Val::Px(760.0),
            margin: UiRect::vertical(Val::Auto),
            ..default()
        },
        children![
            theme::bold_text(i18n.t("qr-scan"), size::TITLE, theme::TEXT),
            (
                PayText::Amount,
                theme::bold_text("", size::HERO, theme::PRIMARY)
            ),
            (
                PayText::OrderLabel,
                theme::text("", size::HEADING, theme::MUTED)
            ),
            (
                PayText::Countdown,
                theme::bold_text("", size::HEADING, theme::TEXT)
            ),
            (PayText::Status, theme::text("", size::BODY, theme::MUTED)),
            (
                NewCodeButton,
                widgets::tap_button(
                    Val::Px(480.0),
                    Val::Px(TOUCH * 1.2),
                    widgets::PRIMARY,
                    PayAction::NewQrCode,
                    theme::bold_text(i18n.t("qr-new-code"), size::HEADING, theme::ON_PRIMARY),
                ),
            ),
            widgets::tap_button(
                Val::Px(480.0),
                Val::Px(TOUCH),
                widgets::SECONDARY,
                PayAction::ChooseAnotherWay,
                theme::text(i18n.t("pay-another-way"), size::BODY, theme::TEXT),
            ),
            (
                Node {
                    flex_direction: FlexDirection::Column,
                    ..default()
                },
                children![
                    (
                        PayText::DemoHint,
                        theme::text("", size::SMALL, theme::MUTED)
                    ),
                    (PayText::DemoUrl, theme::text("", size::SMALL, theme::MUTED)),
                ],
            ),
        ],
    )
}

fn show_qr(
    flow: Res<PaymentFlow>,
    mut images: ResMut<Assets<Image>>,
    mut qr: Query<(&mut QrImage, &mut ImageNode, &mut Node)>,
) {
    let Some(payload) = flow.payment.as_ref().and_then(|p| p.qr_payload.clone()) else {
        return;
    };
    for (mut state, mut node, mut layout) in &mut qr {
        if state.payload.as_deref() == Some(payload.as_str()) {
            continue;
        }
        // Nearest sampling and a 1:1 node: every module stays a crisp square.
        let Some((image, side)) = crate::ui::qr::qr_image(&payload, QR_TARGET) else {
            continue;
        };
        node.image = images.add(image);
        layout.width = Val::Px(side as f32);
        layout.height = Val::Px(side as f32);
        state.payload = Some(payload.clone());
    }
}

fn update_texts(
    flow: Res<PaymentFlow>,
    config: Res<KioskConfig>,
    bridge: Res<Bridge>,
    i18n: Res<I18n>,
    mut new_code: Query<&mut Node, With<NewCodeButton>>,
    mut texts: Query<(&PayText, &mut Text)>,
) {
    for mut n in &mut new_code {
        let want = if flow.stage == PayStage::QrExpired {
            Display::Flex
        } else {
            Display::None
        };
        if n.display != want {
            n.display = want;
        }
    }
    for (kind, mut text) in &mut texts {
        let want = match kind {
            PayText::Amount => flow
                .order
                .as_ref()
                .map(|o| i18n.price(&o.total))
                .unwrap_or_default(),
            PayText::OrderLabel => flow
                .order
                .as_ref()
                .map(|o| i18n.t_args("qr-order", &[arg("number", o.number)]))
                .unwrap_or_default(),
            PayText::Countdown => {
                match (flow.stage, flow.payment.as_ref().and_then(seconds_left)) {
                    (PayStage::QrExpired, _) => i18n.t("qr-expired"),
                    (PayStage::ShowingQr, Some(s)) => i18n.t_args(
                        "qr-valid",
                        &[
                            arg("minutes", s / 60),
                            arg("seconds", format!("{:02}", s % 60)),
                        ],
                    ),
                    _ => String::new(),
                }
            }
            PayText::Status => match flow.stage {
                PayStage::RequestingQr => i18n.t("qr-preparing"),
                PayStage::ShowingQr => i18n.t("qr-waiting"),
                PayStage::QrExpired => i18n.t("qr-expired-hint"),
                _ => String::new(),
            },
            PayText::DemoHint => match (&config.backend, bridge.base_url()) {
                (BackendTarget::Embedded { .. }, Some(_)) if flow.stage == PayStage::ShowingQr => {
                    i18n.t("qr-demo")
                }
                _ => String::new(),
            },
            PayText::DemoUrl => match (&config.backend, bridge.base_url()) {
                (BackendTarget::Embedded { .. }, Some(url))
                    if flow.stage == PayStage::ShowingQr =>
                {
                    format!("{url}/bank")
                }
                _ => String::new(),
            },
        };
        if text.0 != want {
            text.0 = want;
        }
    }
}

fn card_field(
    ui: &mut egui::Ui,
    label: &str,
    value: &str,
    active: bool,
    error: &Option<String>,
    width: f32,
) -> bool {
    ui.vertical(|ui| {
        egui_kit::field_label(ui, label);
        let shown = if active {
            format!("{value}|")
        } else {
            value.to_owned()
        };
        let field = egui_kit::field_button(
            ui,
            egui::RichText::new(shown).size(size::HEADING),
            active,
            error.is_some(),
        );
        let clicked = ui.add_sized([width, theme::TOUCH], field).clicked();
        egui_kit::error_label(ui, error.clone());
        clicked
    })
    .inner
}

fn failure_text(i18n: &I18n, failure: &Failure) -> String {
    match failure {
        Failure::Unreachable => i18n.t_args(
            "card-retry",
            &[arg("reason", i18n.t("checkout-unreachable"))],
        ),
        other => crate::i18n::failure_text(i18n, other),
    }
}

/// The card form with its numeric keypad. Returns the customer's choice, if any.
pub fn card_form(
    ui: &mut egui::Ui,
    i18n: &I18n,
    form: &mut CardForm,
    flow: &PaymentFlow,
    saved: Option<&[SavedCard]>,
    repeat: &mut KeyRepeat,
    now: f64,
) -> Option<PayAction> {
    let mut action = None;
    let paying = flow.stage == PayStage::CardPaying;
    let total = flow
        .order
        .as_ref()
        .map(|o| i18n.price(&o.total))
        .unwrap_or_default();
    // In reach mode the scene is wide and short: fields, keypad and pay column side by side,
    // so every key is in view without scrolling.
    let heading = |ui: &mut egui::Ui, form: &CardForm| {
        ui.heading(i18n.t_args("card-title", &[arg("total", total.clone())]));
        ui.label(
            egui::RichText::new(
                i18n.t_args("card-never-stored", &[arg("brand", form.brand().label())]),
            )
            .color(theme::to_egui(ui, theme::MUTED)),
        );
    };
    if theme::reach_mode(ui) {
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                heading(ui, form);
                card_fields(ui, i18n, form, paying);
            });
            ui.add_space(24.0);
            card_keypad(ui, i18n, form, paying, repeat, now);
            ui.add_space(24.0);
            ui.vertical(|ui| action = card_pay_column(ui, i18n, form, flow, saved, &total));
        });
    } else {
        heading(ui, form);
        card_fields(ui, i18n, form, paying);
        ui.add_space(8.0);
        ui.horizontal_top(|ui| {
            card_keypad(ui, i18n, form, paying, repeat, now);
            ui.add_space(24.0);
            ui.vertical(|ui| action = card_pay_column(ui, i18n, form, flow, saved, &total));
        });
    }
    action
}

/// The number, expiry and CVC fields; a tap on one makes it the one typed in.
fn card_fields(ui: &mut egui::Ui, i18n: &I18n, form: &mut CardForm, paying: bool) {
    let expiry = {
        let e = &*form.expiry;
        if e.len() > 2 {
            format!("{}/{}", &e[..2], &e[2..])
        } else {
            e.to_owned()
        }
    };
    let cvc_shown = "•".repeat(form.cvc.len());
    let number_shown = form.number_display();
    let (errs, active) = (form.errors.clone(), form.active);
    if card_field(
        ui,
        &i18n.t("card-number"),
        &number_shown,
        active == CardField::Number,
        &errs.number.as_ref().map(|e| e.text(i18n)),
        620.0,
    ) && !paying
    {
        form.active = CardField::Number;
    }
    ui.horizontal(|ui| {
        if card_field(
            ui,
            &i18n.t("card-expiry"),
            &expiry,
            active == CardField::Expiry,
            &errs.expiry.as_ref().map(|e| e.text(i18n)),
            300.0,
        ) && !paying
        {
            form.active = CardField::Expiry;
        }
        if card_field(
            ui,
            &i18n.t("card-cvc"),
            &cvc_shown,
            active == CardField::Cvc,
            &errs.cvc.as_ref().map(|e| e.text(i18n)),
            300.0,
        ) && !paying
        {
            form.active = CardField::Cvc;
        }
    });
}

/// The numeric keypad: digits, a repeating ⌫ and *Next*.
fn card_keypad(
    ui: &mut egui::Ui,
    i18n: &I18n,
    form: &mut CardForm,
    paying: bool,
    repeat: &mut KeyRepeat,
    now: f64,
) {
    let next = i18n.t("key-next");
    ui.vertical(|ui| {
        for row in [
            ["1", "2", "3"],
            ["4", "5", "6"],
            ["7", "8", "9"],
            ["⌫", "0", "»"],
        ] {
            ui.horizontal(|ui| {
                for key in row {
                    let label = if key == "»" { next.as_str() } else { key };
                    let enabled = !paying && (key != "»" || form.has_next());
                    let b = egui_kit::button(label, KEY_TEXT);
                    let r = ui.add_enabled(enabled, b.min_size(egui::vec2(120.0, KEY_HEIGHT)));
                    match key {
                        "⌫" => {
                            for _ in 0..repeat.presses(&r, now) {
                                form.backspace();
                            }
                        }
                        "»" if r.clicked() => form.next_field(),
                        d if r.clicked() && d != "»" => {
                            form.type_digit(d.chars().next().unwrap_or('0'))
                        }
                        _ => {}
                    }
                }
            });
        }
    });
}

/// The pay button, saved cards, "another way" and the last failure, in one column.
fn card_pay_column(
    ui: &mut egui::Ui,
    i18n: &I18n,
    form: &mut CardForm,
    flow: &PaymentFlow,
    saved: Option<&[SavedCard]>,
    total: &str,
) -> Option<PayAction> {
    let mut action = None;
    let paying = flow.stage == PayStage::CardPaying;
    let label = if paying {
        i18n.t("card-paying")
    } else {
        i18n.t_args("card-pay", &[arg("total", total.to_owned())])
    };
    let pay = egui_kit::primary_button(ui, label);
    if ui
        .add_enabled(!paying, pay.min_size(egui::vec2(380.0, theme::TOUCH * 1.3)))
        .clicked()
    {
        action = Some(PayAction::SubmitCard);
    }
    // Signed-in customers: one tap with a saved card, or keep this one.
    if let Some(cards) = saved {
        for c in cards {
            let label = i18n.t_args(
                "card-pay-saved",
                &[arg("card", format!("{} •••• {}", c.brand.label(), c.last4))],
            );
            let b = egui_kit::button(label, size::BODY);
            if ui
                .add_enabled(!paying, b.min_size(egui::vec2(380.0, theme::TOUCH)))
                .clicked()
            {
                action = Some(PayAction::PaySaved(c.id));
            }
        }
        let b = egui_kit::toggle_button(form.save, &i18n.t("card-save"));
        if ui
            .add_enabled(!paying, b.min_size(egui::vec2(380.0, theme::TOUCH * 0.8)))
            .clicked()
        {
            form.save = !form.save;
        }
    }
    let other = egui_kit::button(i18n.t("pay-another-way"), size::BODY);
    if ui
        .add_enabled(!paying, other.min_size(egui::vec2(380.0, theme::TOUCH)))
        .clicked()
    {
        action = Some(PayAction::ChooseAnotherWay);
    }
    if let Some(m) = &flow.message {
        ui.add_space(8.0);
        ui.add(
            egui::Label::new(
                egui::RichText::new(failure_text(i18n, m))
                    .size(size::BODY)
                    .color(theme::to_egui(ui, theme::DANGER)),
            )
            .wrap(),
        );
    }
    action
}

/// Keypad keys: finger-sized (well above 44 pt) yet short enough that the whole keypad fits
/// below the fields with large text on a 1080-pixel screen.
const KEY_HEIGHT: f32 = 64.0;
/// A keypad digit, large enough to read at arm's length.
const KEY_TEXT: f32 = 34.0;

/// Width of the card form's content: the keypad and the pay column beside it.
const CARD_FORM_WIDTH: f32 = 840.0;
/// In reach mode: the fields (620), the keypad (388) and the pay column (380) side by side.
const CARD_FORM_WIDTH_WIDE: f32 = 1480.0;

/// The frame both payment panels are drawn in, and the height they may take: centred below
/// the header, never over it; a panel taller than the room (large text, a short screen)
/// scrolls.
fn panel_frame(ctx: &egui::Context) -> (egui::Frame, egui::Vec2, f32) {
    let reach = theme::reach_offset(ctx);
    let frame = egui::Frame::new()
        .fill(theme::to_egui(ctx, theme::SURFACE))
        .corner_radius(egui::CornerRadius::same(24))
        .inner_margin(egui::Margin::same(24));
    let offset = egui::vec2(0.0, widgets::HEADER_HEIGHT / 2.0 + reach / 2.0);
    let room = ctx.content_rect().height() - widgets::HEADER_HEIGHT - reach - 2.0 * 24.0 - 32.0;
    (frame, offset, room)
}

#[allow(clippy::too_many_arguments)]
fn draw_card_form(
    mut contexts: EguiContexts,
    flow: Res<PaymentFlow>,
    i18n: Res<I18n>,
    session: Res<CustomerSession>,
    mut form: ResMut<CardForm>,
    mut out: MessageWriter<PayAction>,
    time: Res<Time>,
    mut repeat: Local<KeyRepeat>,
) -> Result {
    let saved = session.signed_in().map(|_| session.cards.as_slice());
    let ctx = contexts.ctx_mut()?;
    let (frame, offset, room) = panel_frame(ctx);
    let mut action = None;
    egui::Area::new(egui::Id::new("card-form"))
        .anchor(egui::Align2::CENTER_CENTER, offset)
        .show(ctx, |ui| {
            frame.show(ui, |ui| {
                ui.set_width(if theme::reach_mode(ui) {
                    CARD_FORM_WIDTH_WIDE
                } else {
                    CARD_FORM_WIDTH
                });
                crate::ui::touch::scroll_panel(ui, "card-form", room, |ui| {
                    action = card_form(
                        ui,
                        &i18n,
                        &mut form,
                        &flow,
                        saved,
                        &mut repeat,
                        time.elapsed_secs_f64(),
                    )
                });
            });
        });
    if let Some(a) = action {
        out.write(a);
    }
    Ok(())
}

/// The choice of another way to pay, for as long as the step lasts: four tiles, one per way,
/// under the order's number and total; centred below the header, scrolling when taller than
/// the room (large text, reach mode).
fn spawn_choice_panel(
    mut commands: Commands,
    root: Single<Entity, With<PaymentRoot>>,
    i18n: Res<I18n>,
) {
    let tiles = [
        PaymentMethod::QrBankApp,
        PaymentMethod::CardInApp,
        PaymentMethod::CashOnDelivery,
        PaymentMethod::CardOnDelivery,
    ]
    .map(|method| method_tile(method, &i18n));
    let body = commands
        .spawn((
            Name::new("Pay choice"),
            DespawnOnExit(PayStep::Choosing),
            widgets::scene_body(),
            ChildOf(*root),
            children![(
                widgets::centred_in_body(Node {
                    width: Val::Px(900.0),
                    flex_direction: FlexDirection::Column,
                    row_gap: Val::Px(18.0),
                    padding: UiRect::all(Val::Px(36.0)),
                    border_radius: BorderRadius::all(Val::Px(RADIUS)),
                    ..default()
                }),
                BackgroundColor(theme::SURFACE),
                theme::shadow(6.0, 18.0),
                children![
                    theme::bold_text(i18n.t("choice-title"), size::TITLE, theme::TEXT),
                    (
                        ChoiceText::Order,
                        theme::text("", size::HEADING, theme::TEXT)
                    ),
                    (
                        ChoiceText::Problem,
                        theme::text("", size::BODY, theme::DANGER)
                    ),
                    (
                        Node {
                            flex_wrap: FlexWrap::Wrap,
                            column_gap: Val::Px(24.0),
                            row_gap: Val::Px(24.0),
                            margin: UiRect::top(Val::Px(10.0)),
                            ..default()
                        },
                        Children::spawn(SpawnIter(tiles.into_iter())),
                    ),
                    (ChoiceText::Wait, theme::text("", size::BODY, theme::MUTED)),
                ],
            )],
        ))
        .id();
    commands.spawn((
        widgets::more_below(body),
        DespawnOnExit(PayStep::Choosing),
        ChildOf(*root),
    ));
}

/// A text of the choice panel, filled from the payment flow.
#[derive(Component, Clone, Copy, PartialEq, Eq)]
enum ChoiceText {
    Order,
    Problem,
    Wait,
}

/// A tile for one way to pay: its name, and under it what it means.
#[derive(Component)]
struct MethodTile;

fn method_tile(method: PaymentMethod, i18n: &I18n) -> impl Bundle {
    let action = match method {
        PaymentMethod::QrBankApp => PayAction::UseQr,
        PaymentMethod::CardInApp => PayAction::UseCard,
        m => PayAction::PayOnDelivery(m),
    };
    (
        Name::new("Payment method"),
        MethodTile,
        // Two side by side in the panel, each wide enough for its name on one line.
        widgets::tap_button(
            Val::Px(400.0),
            Val::Px(150.0),
            widgets::SECONDARY,
            action,
            (
                Node {
                    flex_direction: FlexDirection::Column,
                    align_items: AlignItems::Center,
                    row_gap: Val::Px(6.0),
                    ..default()
                },
                children![
                    theme::bold_text(i18n.t(payment_key(method)), size::BODY, theme::TEXT),
                    theme::text(
                        i18n.t(payment_detail_key(method)),
                        size::SMALL,
                        theme::MUTED
                    ),
                ],
            ),
        ),
    )
}

/// The order line, what went wrong, and — while the kiosk switches the order to paying on
/// delivery — the tiles dimmed with "one moment" under them (the flow ignores taps then).
fn update_choice(
    flow: Res<PaymentFlow>,
    i18n: Res<I18n>,
    mut texts: Query<(&ChoiceText, &mut Text)>,
    mut tiles: Query<&mut BackgroundColor, With<MethodTile>>,
    added: Query<(), Added<MethodTile>>,
) {
    if !flow.is_changed() && !i18n.is_changed() && added.is_empty() {
        return;
    }
    let busy = flow.stage == PayStage::Switching;
    for (kind, mut text) in &mut texts {
        let want = match kind {
            ChoiceText::Order => flow
                .order
                .as_ref()
                .map(|o| {
                    i18n.t_args(
                        "choice-order",
                        &[arg("number", o.number), arg("total", i18n.price(&o.total))],
                    )
                })
                .unwrap_or_default(),
            ChoiceText::Problem => flow
                .message
                .as_ref()
                .map(|m| failure_text(&i18n, m))
                .unwrap_or_default(),
            ChoiceText::Wait if busy => i18n.t("choice-wait"),
            ChoiceText::Wait => String::new(),
        };
        if text.0 != want {
            text.0 = want;
        }
    }
    let fill = if busy {
        widgets::SECONDARY.normal.with_alpha(0.45)
    } else {
        widgets::SECONDARY.normal
    };
    for mut bg in &mut tiles {
        if bg.0 != fill {
            bg.0 = fill;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_texture_keeps_its_quiet_zone_and_whole_pixel_modules() {
        let payload = "00020101021226270019ru.freshkitchen.pay6304ABCD";
        let scale = module_scale(payload, QR_TARGET);
        let (rgba, side) = qr_pixels(payload, scale).unwrap();
        assert!(scale >= 2);
        assert_eq!(side % scale, 0);
        assert!(side <= QR_TARGET);
        // Four white modules all round.
        let white_border = (0..side).all(|i| {
            let px = |x: u32, y: u32| rgba[((y * side + x) * 4) as usize];
            px(i, 0) == 255
                && px(0, i) == 255
                && px(i, 4 * scale - 1) == 255
                && px(side - 1, i) == 255
        });
        assert!(white_border);
        // The finder pattern's corner module is dark.
        assert_eq!(rgba[(((4 * scale) * side + 4 * scale) * 4) as usize], 0);
    }
}

//! Paying at the kiosk: the QR code for the bank app with amount, order number and countdown
//! (Bevy UI; the code is a texture scaled by whole pixels with its quiet zone), the card form
//! with its keypad, and the choice of another way to pay (egui overlays).

use bevy::asset::RenderAssetUsages;
use bevy::image::ImageSampler;
use bevy::picking::events::{Click, Pointer};
use bevy::prelude::*;

use crate::schedule::KioskSet;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
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
        .add_systems(
            Update,
            (show_qr, update_texts)
                .run_if(in_state(PayStep::Qr))
                .in_set(KioskSet::Draw),
        )
        .add_systems(
            EguiPrimaryContextPass,
            (
                draw_card_form.run_if(in_state(PayStep::Card)),
                draw_choice.run_if(in_state(PayStep::Choosing)),
            ),
        );
}

/// Side of the QR code on screen, at most; the exact size is a whole multiple of its modules.
const QR_TARGET: u32 = 560;
/// Modules of white kept around the code (the standard asks for four).
const QUIET_ZONE: usize = 4;

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

/// Black-on-white RGBA pixels of `payload` as a QR code, each module `scale` pixels, with the
/// quiet zone. Returns the pixels and the side length.
pub fn qr_pixels(payload: &str, scale: u32) -> Option<(Vec<u8>, u32)> {
    let code =
        qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let modules = width + 2 * QUIET_ZONE;
    let side = modules as u32 * scale;
    let mut rgba = vec![255u8; (side * side * 4) as usize];
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / scale) as usize, (y / scale) as usize);
            let dark = mx >= QUIET_ZONE
                && my >= QUIET_ZONE
                && mx < QUIET_ZONE + width
                && my < QUIET_ZONE + width
                && colors[(my - QUIET_ZONE) * width + (mx - QUIET_ZONE)] == qrcode::Color::Dark;
            if dark {
                let i = ((y * side + x) * 4) as usize;
                rgba[i..i + 3].copy_from_slice(&[0, 0, 0]);
            }
        }
    }
    Some((rgba, side))
}

/// Whole pixels per module so the code (with quiet zone) fits in `target`.
pub fn module_scale(payload: &str, target: u32) -> u32 {
    let modules =
        qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
            .map(|c| c.width() + 2 * QUIET_ZONE)
            .unwrap_or(1) as u32;
    (target / modules).max(1)
}

fn spawn(mut commands: Commands, session: Res<CustomerSession>, i18n: Res<I18n>) {
    commands
        .spawn((
            PaymentRoot,
            widgets::scene_root("Payment"),
            DespawnOnExit(Screen::Payment),
        ))
        .with_children(|root| {
            widgets::spawn_header(root, &session, &i18n, &i18n.t("payment-title"));
        });
}

/// The QR step's panel: the code, its amount and countdown, for as long as the step lasts.
fn spawn_qr_panel(
    mut commands: Commands,
    root: Single<Entity, With<PaymentRoot>>,
    i18n: Res<I18n>,
) {
    let pay_action = |action: PayAction| {
        move |mut c: On<Pointer<Click>>, mut out: MessageWriter<PayAction>| {
            c.propagate(false);
            out.write(action);
        }
    };
    commands.entity(*root).with_children(|root| {
        // Scrolls when shorter than the code and its text (reach mode); the blocks centre by
        // auto margins so their tops stay in scrolling's reach.
        let qr_panel = root
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
            ))
            .with_children(|body| {
                body.spawn((
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
                    BoxShadow::new(
                        theme::SHADOW,
                        Val::Px(0.0),
                        Val::Px(10.0),
                        Val::Px(0.0),
                        Val::Px(30.0),
                    ),
                ))
                .with_child((
                    QrImage { payload: None },
                    Node::default(),
                    ImageNode::default(),
                ));
                body.spawn(Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: Val::Px(22.0),
                    max_width: Val::Px(760.0),
                    margin: UiRect::vertical(Val::Auto),
                    ..default()
                })
                .with_children(|col| {
                    col.spawn(theme::bold_text(
                        i18n.t("qr-scan"),
                        size::TITLE,
                        theme::TEXT,
                    ));
                    col.spawn((
                        PayText::Amount,
                        theme::bold_text("", size::HERO, theme::PRIMARY),
                    ));
                    col.spawn((
                        PayText::OrderLabel,
                        theme::text("", size::HEADING, theme::MUTED),
                    ));
                    col.spawn((
                        PayText::Countdown,
                        theme::bold_text("", size::HEADING, theme::TEXT),
                    ));
                    col.spawn((PayText::Status, theme::text("", size::BODY, theme::MUTED)));
                    col.spawn((
                        NewCodeButton,
                        widgets::button(Val::Px(480.0), Val::Px(TOUCH * 1.2), widgets::PRIMARY),
                    ))
                    .with_child(theme::bold_text(
                        i18n.t("qr-new-code"),
                        size::HEADING,
                        theme::ON_PRIMARY,
                    ))
                    .observe(pay_action(PayAction::NewQrCode));
                    col.spawn(widgets::button(
                        Val::Px(480.0),
                        Val::Px(TOUCH),
                        widgets::SECONDARY,
                    ))
                    .with_child(theme::text(
                        i18n.t("pay-another-way"),
                        size::BODY,
                        theme::TEXT,
                    ))
                    .observe(pay_action(PayAction::ChooseAnotherWay));
                    col.spawn(Node {
                        flex_direction: FlexDirection::Column,
                        ..default()
                    })
                    .with_children(|hint| {
                        hint.spawn((
                            PayText::DemoHint,
                            theme::text("", size::SMALL, theme::MUTED),
                        ));
                        hint.spawn((PayText::DemoUrl, theme::text("", size::SMALL, theme::MUTED)));
                    });
                });
            })
            .id();
        root.spawn((widgets::more_below(qr_panel), DespawnOnExit(PayStep::Qr)));
    });
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
        let scale = module_scale(&payload, QR_TARGET);
        let Some((rgba, side)) = qr_pixels(&payload, scale) else {
            continue;
        };
        let mut image = Image::new(
            Extent3d {
                width: side,
                height: side,
                depth_or_array_layers: 1,
            },
            TextureDimension::D2,
            rgba,
            TextureFormat::Rgba8UnormSrgb,
            RenderAssetUsages::RENDER_WORLD,
        );
        // Nearest sampling and a 1:1 node: every module stays a crisp square.
        image.sampler = ImageSampler::nearest();
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
                .map(|o| o.total.display())
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
        ui.label(
            egui::RichText::new(label)
                .size(size::SMALL)
                .color(theme::to_egui(ui, theme::MUTED)),
        );
        let stroke = if error.is_some() {
            theme::DANGER
        } else if active {
            theme::PRIMARY
        } else {
            theme::SECONDARY_PRESSED
        };
        let shown = if active {
            format!("{value}|")
        } else {
            value.to_owned()
        };
        let clicked = ui
            .add_sized(
                [width, theme::TOUCH],
                egui::Button::new(egui::RichText::new(shown).size(size::HEADING))
                    .fill(theme::to_egui(ui, theme::SURFACE))
                    .stroke(egui::Stroke::new(
                        if active { 3.0 } else { 2.0 },
                        theme::to_egui(ui, stroke),
                    )),
            )
            .clicked();
        if let Some(e) = error {
            ui.label(
                egui::RichText::new(e)
                    .size(size::SMALL)
                    .color(theme::to_egui(ui, theme::DANGER)),
            );
        }
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
        .map(|o| o.total.display())
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
                    let b = egui::Button::new(egui::RichText::new(label).size(34.0));
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
            let b = egui::Button::new(egui::RichText::new(label).size(size::BODY));
            if ui
                .add_enabled(!paying, b.min_size(egui::vec2(380.0, theme::TOUCH)))
                .clicked()
            {
                action = Some(PayAction::PaySaved(c.id));
            }
        }
        let mark = if form.save { "☑" } else { "☐" };
        let b = egui::Button::new(
            egui::RichText::new(format!("{mark}  {}", i18n.t("card-save"))).size(size::BODY),
        );
        if ui
            .add_enabled(!paying, b.min_size(egui::vec2(380.0, theme::TOUCH * 0.8)))
            .clicked()
        {
            form.save = !form.save;
        }
    }
    let other = egui::Button::new(egui::RichText::new(i18n.t("pay-another-way")).size(size::BODY));
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

/// The four ways to pay, as large tiles.
pub fn method_choice(ui: &mut egui::Ui, i18n: &I18n, flow: &PaymentFlow) -> Option<PayAction> {
    let mut action = None;
    let busy = flow.stage == PayStage::Switching;
    ui.heading(i18n.t("choice-title"));
    if let Some(o) = &flow.order {
        let text = i18n.t_args(
            "choice-order",
            &[arg("number", o.number), arg("total", o.total.display())],
        );
        ui.label(egui::RichText::new(text).size(size::HEADING));
    }
    if let Some(m) = &flow.message {
        ui.label(
            egui::RichText::new(failure_text(i18n, m)).color(theme::to_egui(ui, theme::DANGER)),
        );
    }
    ui.add_space(10.0);
    ui.horizontal_wrapped(|ui| {
        for method in [
            PaymentMethod::QrBankApp,
            PaymentMethod::CardInApp,
            PaymentMethod::CashOnDelivery,
            PaymentMethod::CardOnDelivery,
        ] {
            let text = egui::RichText::new(format!(
                "{}\n{}",
                i18n.t(payment_key(method)),
                i18n.t(payment_detail_key(method))
            ))
            .size(size::BODY);
            let tile = egui::Button::new(text).min_size(egui::vec2(360.0, 150.0));
            if ui.add_enabled(!busy, tile).clicked() {
                action = Some(match method {
                    PaymentMethod::QrBankApp => PayAction::UseQr,
                    PaymentMethod::CardInApp => PayAction::UseCard,
                    m => PayAction::PayOnDelivery(m),
                });
            }
        }
    });
    if busy {
        ui.label(i18n.t("choice-wait"));
    }
    action
}

/// Keypad keys: finger-sized (well above 44 pt) yet short enough that the whole keypad fits
/// below the fields with large text on a 1080-pixel screen.
const KEY_HEIGHT: f32 = 64.0;

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

fn draw_choice(
    mut contexts: EguiContexts,
    flow: Res<PaymentFlow>,
    i18n: Res<I18n>,
    mut out: MessageWriter<PayAction>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let (frame, offset, room) = panel_frame(ctx);
    let mut action = None;
    egui::Area::new(egui::Id::new("pay-choice"))
        .anchor(egui::Align2::CENTER_CENTER, offset)
        .show(ctx, |ui| {
            ui.set_max_width(900.0);
            frame.show(ui, |ui| {
                ui.set_width(900.0 - 72.0);
                crate::ui::touch::scroll_panel(ui, "pay-choice", room, |ui| {
                    action = method_choice(ui, &i18n, &flow)
                });
            });
        });
    if let Some(a) = action {
        out.write(a);
    }
    Ok(())
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

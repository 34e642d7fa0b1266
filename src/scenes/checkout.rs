//! Checkout: where to deliver (city, address, phone), how (on foot, e-scooter, car, each with
//! its price) and how to pay, then "Place order". The form is an egui overlay with an
//! on-screen keyboard; the drawing is a plain function over `egui::Ui`.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use customerclient_api::Money;
use customerclient_api::orders::{DeliveryInfo, PaymentMethod};

use crate::cart::Cart;
use crate::catalog::Catalog;
use crate::checkout::{CheckoutForm, SubmitState};
use crate::i18n::{I18n, arg, delivery_key, payment_detail_key, payment_key};
use crate::screen::Screen;
use crate::session::{CustomerSession, ShopAction};
use crate::ui::egui_kit;
use crate::ui::keyboard::{self, KeyOutcome, KeyboardState, Layout, Placement};
use crate::ui::theme::{self, size};
use crate::ui::{touch, widgets};

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<EditingField>()
        // The next customer's keyboard starts on the kiosk's own letters, closed.
        .add_systems(OnEnter(Screen::Attract), |mut t: ResMut<EditingField>| {
            *t = EditingField::default()
        })
        .add_systems(OnEnter(Screen::Checkout), spawn)
        .add_systems(
            EguiPrimaryContextPass,
            draw.run_if(in_state(Screen::Checkout)),
        );
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Address,
    Phone,
    /// A guest's address for the receipt.
    Email,
}

/// The field the on-screen keyboard types into, and the keyboard's own state.
#[derive(Resource, Default)]
pub struct EditingField(pub Option<Field>, pub KeyboardState);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutAction {
    PlaceOrder,
    BackToCart,
}

fn spawn(
    mut commands: Commands,
    session: Res<CustomerSession>,
    i18n: Res<I18n>,
    mut editing: ResMut<EditingField>,
) {
    editing.0 = None;
    commands.spawn((
        widgets::scene_root("Checkout"),
        DespawnOnExit(Screen::Checkout),
        children![widgets::header(&session, &i18n, &i18n.t("checkout-title"))],
    ));
}

fn choice(
    ui: &mut egui::Ui,
    selected: bool,
    enabled: bool,
    title: &str,
    detail: &str,
    width: f32,
) -> bool {
    let label = if detail.is_empty() {
        title.to_owned()
    } else {
        format!("{title}\n{detail}")
    };
    // Exactly `width` wide: long (Russian) labels wrap inside the tile instead of pushing the
    // row past its column.
    let button = egui_kit::choice(ui, label, size::BODY, selected)
        .wrap_mode(egui::TextWrapMode::Wrap)
        .min_size(egui::vec2(width, theme::TOUCH * 1.1));
    ui.allocate_ui(egui::vec2(width, theme::TOUCH * 1.1), |ui| {
        ui.set_max_width(width);
        ui.add_enabled(enabled, button)
    })
    .inner
    .clicked()
}

/// Draws the whole checkout form and applies the taps to `form`.
#[allow(clippy::too_many_arguments)]
pub fn checkout_form(
    ui: &mut egui::Ui,
    i18n: &I18n,
    form: &mut CheckoutForm,
    cart: &Cart,
    delivery: Option<&DeliveryInfo>,
    editing: &mut Option<Field>,
    reveal: bool,
    online: bool,
    account_email: Option<&str>,
) -> Option<CheckoutAction> {
    let mut action = None;
    let busy = form.is_busy();
    let tr = |key: Option<&'static str>| key.map(|k| i18n.t(k));
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        ui.heading(i18n.t("checkout-where"));
        ui.label(
            egui::RichText::new(i18n.t("checkout-city"))
                .size(size::SMALL)
                .color(theme::to_egui(ui, theme::MUTED)),
        );
        ui.horizontal_wrapped(|ui| {
            for city in delivery.iter().flat_map(|d| d.cities()) {
                if choice(ui, form.city == city, !busy, city, "", 220.0) {
                    form.city = city.to_owned();
                    form.errors.city = None;
                    // Each zone has its own methods: keep the chosen one where it is offered.
                    if let Some(d) = delivery
                        && d.option(city, form.delivery).is_none()
                        && let Some(first) = d.options_in(city).first()
                    {
                        form.delivery = first.method;
                    }
                }
            }
        });
        egui_kit::error_label(ui, tr(form.errors.city));
        ui.add_space(8.0);
        // One typed field: its box (a tap opens the keyboard on it), kept in view while
        // typed into, and its problem under it.
        let mut field = |ui: &mut egui::Ui, which: Field, label: &str, placeholder: &str| {
            let (value, error) = match which {
                Field::Address => (&form.address, form.errors.address),
                Field::Phone => (&form.phone, form.errors.phone),
                Field::Email => (&form.email, form.errors.email),
            };
            let response = egui_kit::field_box(
                ui,
                &i18n.t(label),
                value,
                &i18n.t(placeholder),
                *editing == Some(which),
                error.is_some(),
            );
            if response.clicked() && !busy {
                *editing = Some(which);
            }
            if reveal && *editing == Some(which) {
                response.scroll_to_me(Some(egui::Align::Center));
            }
            egui_kit::error_label(ui, tr(error));
            ui.add_space(8.0);
        };
        field(
            ui,
            Field::Address,
            "checkout-address",
            "checkout-address-placeholder",
        );
        field(
            ui,
            Field::Phone,
            "checkout-phone",
            "checkout-phone-placeholder",
        );
        match account_email {
            // A customer's receipt goes to the address they signed up with.
            Some(own) => {
                ui.label(
                    egui::RichText::new(
                        i18n.t_args("checkout-receipt-to", &[arg("email", own.to_owned())]),
                    )
                    .size(size::SMALL)
                    .color(theme::to_egui(ui, theme::MUTED)),
                );
            }
            None => field(
                ui,
                Field::Email,
                "checkout-email",
                "checkout-email-placeholder",
            ),
        }

        let ui = &mut cols[1];
        ui.heading(i18n.t("checkout-delivery"));
        let gap = ui.spacing().item_spacing.x;
        let third = ((ui.available_width() - 2.0 * gap) / 3.0).floor() - 1.0;
        let half = ((ui.available_width() - gap) / 2.0).floor() - 1.0;
        ui.horizontal(|ui| {
            // The chosen zone's methods and prices (the first zone's until one is chosen).
            let zone = delivery.and_then(|d| d.zone(&form.city).or(d.zones.first()));
            for option in zone.map(|z| z.options.as_slice()).unwrap_or_default() {
                let detail = i18n.t_args(
                    "delivery-detail",
                    &[
                        arg("price", i18n.price(&option.price)),
                        arg("minutes", option.eta_minutes),
                    ],
                );
                if choice(
                    ui,
                    form.delivery == option.method,
                    !busy,
                    &i18n.t(delivery_key(option.method)),
                    &detail,
                    third,
                ) {
                    form.delivery = option.method;
                }
            }
        });
        ui.add_space(8.0);
        ui.heading(i18n.t("checkout-payment"));
        for pair in PaymentMethod::ALL.chunks(2) {
            ui.horizontal(|ui| {
                for &method in pair {
                    let (title, detail) = (
                        i18n.t(payment_key(method)),
                        i18n.t(payment_detail_key(method)),
                    );
                    // Paying here needs the store; on delivery works while it is away.
                    let open = !busy && (online || !method.is_prepaid());
                    if choice(ui, form.payment == method, open, &title, &detail, half) {
                        form.payment = method;
                    }
                }
            });
        }
        if !online && form.payment.is_prepaid() {
            // Said plainly where the choice is: paying here needs the store.
            ui.label(
                egui::RichText::new(i18n.t("checkout-prepaid-offline"))
                    .size(size::SMALL)
                    .color(theme::to_egui(ui, theme::MUTED)),
            );
        }
        ui.add_space(12.0);
        let delivery_price = delivery
            .and_then(|d| d.option(&form.city, form.delivery))
            .map(|o| o.price.clone());
        let subtotal = cart.subtotal();
        let total = match (&subtotal, &delivery_price) {
            (Some(s), Some(d)) => s.checked_add(d),
            _ => None,
        };
        let row = |ui: &mut egui::Ui, label: &str, m: Option<&Money>, strong: bool| {
            ui.horizontal(|ui| {
                let size = if strong { size::HEADING } else { size::BODY };
                ui.label(egui::RichText::new(label).size(size));
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let v = egui::RichText::new(m.map(|m| i18n.price(m)).unwrap_or_default())
                        .size(size);
                    ui.label(if strong { v.strong() } else { v });
                });
            });
        };
        row(
            ui,
            &i18n.t_args("checkout-dishes", &[arg("count", cart.item_count())]),
            subtotal.as_ref(),
            false,
        );
        row(
            ui,
            &i18n.t("checkout-delivery"),
            delivery_price.as_ref(),
            false,
        );
        row(ui, &i18n.t("checkout-total"), total.as_ref(), true);
        egui_kit::error_label(ui, tr(form.errors.cart));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let back = egui_kit::button(i18n.t("checkout-back"), size::BODY);
            if ui
                .add_enabled(!busy, back.min_size(egui::vec2(240.0, theme::TOUCH)))
                .clicked()
            {
                action = Some(CheckoutAction::BackToCart);
            }
            let label = if busy {
                i18n.t("checkout-placing")
            } else {
                i18n.t("checkout-place")
            };
            let place = egui_kit::primary_button(ui, label);
            let can_pay = online || !form.payment.is_prepaid();
            if ui
                .add_enabled(
                    !busy && can_pay,
                    place.min_size(egui::vec2(ui.available_width(), theme::TOUCH * 1.2)),
                )
                .clicked()
            {
                *editing = None;
                action = Some(CheckoutAction::PlaceOrder);
            }
        });
        if let SubmitState::Failed(failure) = &form.submit {
            let message = crate::i18n::failure_text(i18n, failure);
            // Waiting for the connection is no error of the customer's: said calmly.
            let colour = if *failure == crate::failure::Failure::Unreachable {
                theme::MUTED
            } else {
                theme::DANGER
            };
            ui.label(
                egui::RichText::new(message)
                    .color(theme::to_egui(ui, colour))
                    .size(size::BODY),
            );
        }
    });
    action
}

#[allow(clippy::too_many_arguments)]
fn draw(
    mut contexts: EguiContexts,
    mut form: ResMut<CheckoutForm>,
    cart: Res<Cart>,
    catalog: Res<Catalog>,
    i18n: Res<I18n>,
    mut editing: ResMut<EditingField>,
    mut out: MessageWriter<ShopAction>,
    time: Res<Time>,
    mut revealed: Local<Option<Field>>,
    online: Res<crate::connectivity::Connectivity>,
    session: Res<CustomerSession>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let screen = ctx.content_rect();
    // With the keyboard docked below, the form takes the space above it and scrolls.
    let (top, bottom) = keyboard::form_band(ctx, editing.0.is_some());
    let reveal = editing.0.is_some() && editing.0 != *revealed;
    *revealed = editing.0;
    let form = &mut *form;
    let editing = &mut *editing;
    let mut action = None;
    egui::Area::new(egui::Id::new("checkout-form"))
        .fixed_pos(egui::pos2(40.0, top))
        // Never moved up over the header, even when taller than the space below it.
        .constrain(false)
        .show(ctx, |ui| {
            // Inner margins (2 × 32) come on top of this width.
            ui.set_width(screen.width() - 80.0 - 64.0);
            egui::Frame::new()
                .fill(theme::to_egui(ui, theme::SURFACE))
                .corner_radius(egui::CornerRadius::same(20))
                .inner_margin(egui::Margin::same(32))
                .show(ui, |ui| {
                    touch::scroll_panel(ui, "checkout", bottom - top - 64.0, |ui| {
                        action = checkout_form(
                            ui,
                            &i18n,
                            form,
                            &cart,
                            catalog.delivery.as_ref(),
                            &mut editing.0,
                            reveal,
                            online.online,
                            session.account.as_ref().and_then(|a| a.email.as_deref()),
                        );
                    });
                });
        });
    if let Some(field) = editing.0 {
        let (layout, text, max) = match field {
            Field::Address => (Layout::Letters, &mut form.address, 200),
            Field::Phone => (Layout::Phone, &mut form.phone, 16),
            Field::Email => (Layout::Email, &mut form.email, 254),
        };
        let place = Placement::docked("keyboard", egui::Align2::CENTER_BOTTOM);
        match keyboard::keyboard_overlay(
            ctx,
            place,
            &i18n,
            layout,
            &mut editing.1,
            text,
            max,
            time.elapsed_secs_f64(),
        ) {
            Some(KeyOutcome::Done) => editing.0 = None,
            Some(KeyOutcome::Next) => {
                let guest = session.account.is_none();
                editing.0 = match field {
                    Field::Address => Some(Field::Phone),
                    Field::Phone if guest => Some(Field::Email),
                    Field::Phone | Field::Email => None,
                }
            }
            Some(KeyOutcome::Edited) => {
                form.errors.address = None;
                form.errors.phone = None;
                form.errors.email = None;
            }
            None => {}
        }
    }
    match action {
        Some(CheckoutAction::PlaceOrder) => {
            out.write(ShopAction::PlaceOrder);
        }
        Some(CheckoutAction::BackToCart) => {
            out.write(ShopAction::OpenCart);
        }
        None => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use customerclient_api::orders::{DeliveryMethod, DeliveryOption, DeliveryZone};

    /// One city, delivered by car.
    fn moscow_by_car() -> DeliveryInfo {
        DeliveryInfo {
            zones: vec![DeliveryZone {
                city: "Moscow".into(),
                options: vec![DeliveryOption {
                    method: DeliveryMethod::Car,
                    price: Money::new(499, "USD"),
                    eta_minutes: 25,
                }],
            }],
        }
    }

    /// Whether each way to pay can be tapped on the form drawn `online` or not (read from
    /// egui's own record of its widgets).
    fn payment_choices(online: bool) -> Vec<(PaymentMethod, bool)> {
        let ctx = egui::Context::default();
        theme::egui_style(&ctx);
        // Debug builds record each widget's label and whether it is enabled with this on.
        ctx.all_styles_mut(|s| s.debug.show_interactive_widgets = true);
        let info = moscow_by_car();
        let i18n = I18n::default();
        let mut form = CheckoutForm::default();
        let mut output = ctx.run_ui(Default::default(), |ui| {
            checkout_form(
                ui,
                &i18n,
                &mut form,
                &Cart::default(),
                Some(&info),
                &mut None,
                false,
                online,
                None,
            );
        });
        output.textures_delta.clear();
        ctx.viewport(|v| {
            let widgets = &v.prev_pass.widgets;
            let infos: Vec<_> = widgets
                .layers()
                .flat_map(|(_, rects)| rects.iter())
                .filter_map(|r| widgets.info(r.id))
                .collect();
            PaymentMethod::ALL
                .iter()
                .map(|&m| {
                    let title = i18n.t(payment_key(m));
                    let choice = infos
                        .iter()
                        .find(|i| i.label.as_deref().is_some_and(|l| l.starts_with(&title)))
                        .unwrap_or_else(|| panic!("no choice for {title}"));
                    (m, choice.enabled)
                })
                .collect()
        })
    }

    #[test]
    fn paying_here_is_offered_only_online() {
        for (method, enabled) in payment_choices(true) {
            assert!(enabled, "{method:?} online");
        }
        for (method, enabled) in payment_choices(false) {
            assert_eq!(enabled, !method.is_prepaid(), "{method:?} offline");
        }
    }

    #[test]
    fn checkout_form_draws_without_a_window() {
        let ctx = egui::Context::default();
        theme::egui_style(&ctx);
        let info = moscow_by_car();
        let mut form = CheckoutForm::default();
        form.errors.address = Some("error-address");
        let mut editing = None;
        let i18n = I18n::default();
        let mut output = ctx.run_ui(Default::default(), |ui| {
            let action = checkout_form(
                ui,
                &i18n,
                &mut form,
                &Cart::default(),
                Some(&info),
                &mut editing,
                false,
                true,
                None,
            );
            assert_eq!(action, None);
        });
        output.textures_delta.clear();
        assert_eq!(editing, None);
    }
}

//! Checkout: the delivery form, its checks (the server's own, shown before sending), and
//! placing the order once per idempotency key — opening a guest session first when nobody
//! has one. Its drawing is `scenes/checkout.rs`.

use bevy::prelude::*;

use crate::bridge::{Bridge, Call, Reply, RequestId};
use crate::cart::Cart;
use crate::catalog::Catalog;
use crate::failure::Failure;
use crate::schedule::KioskSet;
use crate::screen::Screen;
use crate::session::{Activity, CustomerSession, ShopAction};
use customerclient_api::endpoint as e;
use customerclient_api::orders::{
    CreateOrderRequest, DeliveryMethod, OrderLineRequest, PaymentMethod,
};
use customerclient_api::settings::Language;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<CheckoutForm>()
        .add_systems(
            OnEnter(Screen::Attract),
            forget.run_if(crate::screen::changed_screen),
        )
        .add_systems(
            Update,
            (
                receive_order_replies.in_set(KioskSet::Receive),
                // After the cart's: "add this, then check out" in one frame finds it there.
                (apply_checkout_actions, keep_alive_while_placing)
                    .chain()
                    .in_set(KioskSet::Apply)
                    .after(crate::cart::apply_cart_actions),
            ),
        );
}

/// Problems with the checkout form, each shown next to its field (translation keys).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    pub city: Option<&'static str>,
    pub address: Option<&'static str>,
    pub phone: Option<&'static str>,
    pub email: Option<&'static str>,
    pub cart: Option<&'static str>,
}

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.city.is_none()
            && self.address.is_none()
            && self.phone.is_none()
            && self.email.is_none()
            && self.cart.is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SubmitState {
    Editing,
    OpeningSession(RequestId),
    Placing(RequestId),
    Failed(Failure),
}

/// Where and how the order goes, as typed so far, and how sending it is going.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct CheckoutForm {
    pub city: String,
    pub address: String,
    pub phone: String,
    /// A guest's address for the receipt (optional; a signed-in customer's goes to their own).
    pub email: String,
    /// The language on screen when the order is sent: its receipt is written in it.
    pub language: Option<Language>,
    pub delivery: DeliveryMethod,
    pub payment: PaymentMethod,
    pub errors: FieldErrors,
    pub submit: SubmitState,
    /// The key and the request it was made for: a retry of the same request reuses it.
    idempotency: Option<(String, CreateOrderRequest)>,
}

impl Default for CheckoutForm {
    fn default() -> Self {
        Self {
            city: String::new(),
            address: String::new(),
            phone: String::new(),
            email: String::new(),
            language: None,
            delivery: DeliveryMethod::ElectricScooter,
            payment: PaymentMethod::CashOnDelivery,
            errors: FieldErrors::default(),
            submit: SubmitState::Editing,
            idempotency: None,
        }
    }
}

impl CheckoutForm {
    /// The same checks the server makes, so the customer sees them before sending.
    pub fn validate(&self, cart: &Cart, cities: &[String]) -> FieldErrors {
        let mut e = FieldErrors::default();
        if cart.is_empty() {
            e.cart = Some("error-cart-empty");
        } else if cart.has_sold_out() {
            e.cart = Some("error-cart-sold-out");
        }
        if self.city.is_empty() {
            e.city = Some("error-city-choose");
        } else if !cities.is_empty() && !cities.contains(&self.city) {
            e.city = Some("error-city-unserved");
        }
        let addr = self.address.trim().chars().count();
        if addr < 3 {
            e.address = Some("error-address");
        } else if addr > 200 {
            e.address = Some("error-address-long");
        }
        if customerclient_api::orders::normalise_phone(&self.phone).is_none() {
            e.phone = Some("error-phone");
        }
        if !self.email.trim().is_empty() && !customerclient_api::auth::valid_email(&self.email) {
            e.email = Some("error-email");
        }
        e
    }

    pub fn request(&self, cart: &Cart) -> CreateOrderRequest {
        CreateOrderRequest {
            lines: cart
                .lines
                .iter()
                .map(|l| OrderLineRequest {
                    product_id: l.product.id,
                    quantity: i64::from(l.quantity),
                })
                .collect(),
            city: self.city.clone(),
            address: self.address.trim().to_owned(),
            phone: self.phone.trim().to_owned(),
            delivery_method: self.delivery,
            payment_method: self.payment,
            receipt_email: Some(self.email.trim().to_owned()).filter(|e| !e.is_empty()),
            language: self.language,
        }
    }

    /// The idempotency key for `request`: the previous one if this is a retry of the
    /// same request, a fresh one otherwise.
    pub fn key_for(&mut self, request: &CreateOrderRequest) -> String {
        match &self.idempotency {
            Some((key, previous)) if previous == request => key.clone(),
            _ => {
                let key = uuid::Uuid::new_v4().to_string();
                self.idempotency = Some((key.clone(), request.clone()));
                key
            }
        }
    }

    pub fn is_busy(&self) -> bool {
        matches!(
            self.submit,
            SubmitState::OpeningSession(_) | SubmitState::Placing(_)
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn apply_checkout_actions(
    mut actions: MessageReader<ShopAction>,
    mut form: ResMut<CheckoutForm>,
    cart: Res<Cart>,
    session: Res<CustomerSession>,
    catalog: Res<Catalog>,
    bridge: Res<Bridge>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    i18n: Res<crate::i18n::I18n>,
) {
    let cities = || {
        catalog
            .delivery
            .as_ref()
            .map(|d| d.cities().map(str::to_owned).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    for action in actions.read() {
        match action {
            ShopAction::Checkout if !cart.is_empty() && !cart.has_sold_out() => {
                if form.city.is_empty()
                    && let Some(first) = cities().first()
                {
                    form.city = first.clone();
                }
                next.set(Screen::Checkout);
            }
            ShopAction::PlaceOrder => {
                if *screen.get() != Screen::Checkout || form.is_busy() {
                    continue;
                }
                // A method the chosen zone does not offer is never sent.
                if let Some(d) = &catalog.delivery
                    && d.option(&form.city, form.delivery).is_none()
                    && let Some(first) = d.options_in(&form.city).first()
                {
                    form.delivery = first.method;
                }
                if session.account.is_some() {
                    // A signed-in customer's receipt goes to their own address.
                    form.email.clear();
                }
                let errors = form.validate(&cart, &cities());
                form.errors = errors.clone();
                if !errors.is_empty() {
                    continue;
                }
                form.language = Some(i18n.language);
                form.submit = match session.token.clone() {
                    Some(token) => place(&bridge, &token, &mut form, &cart),
                    None => {
                        SubmitState::OpeningSession(bridge.send(Call::<e::GuestSession>::empty()))
                    }
                };
            }
            _ => {}
        }
    }
}

/// An order on its way counts as the customer being there: the idle wipe never cuts it off.
fn keep_alive_while_placing(
    form: Res<CheckoutForm>,
    mut activity: ResMut<Activity>,
    time: Res<Time>,
) {
    if form.is_busy() {
        activity.last_touch = time.elapsed_secs_f64();
    }
}

fn place(bridge: &Bridge, token: &str, form: &mut CheckoutForm, cart: &Cart) -> SubmitState {
    let request = form.request(cart);
    let key = form.key_for(&request);
    SubmitState::Placing(bridge.send(Call::<e::PlaceOrder>::new(request).token(token).key(key)))
}

#[allow(clippy::too_many_arguments)]
fn receive_order_replies(
    mut guests: MessageReader<Reply<e::GuestSession>>,
    mut placed: MessageReader<Reply<e::PlaceOrder>>,
    mut session: ResMut<CustomerSession>,
    mut form: ResMut<CheckoutForm>,
    mut cart: ResMut<Cart>,
    mut activity: ResMut<Activity>,
    bridge: Res<Bridge>,
    mut next: ResMut<NextState<Screen>>,
    time: Res<Time>,
) {
    for reply in guests.read() {
        if form.submit != SubmitState::OpeningSession(reply.id) {
            continue;
        }
        match &reply.result {
            Ok(s) => {
                session.token = Some(s.token.clone());
                form.submit = place(&bridge, &s.token, &mut form, &cart);
            }
            Err(e) => {
                warn!("opening a guest session failed: {e}");
                form.submit = SubmitState::Failed(Failure::from(e));
            }
        }
    }
    for reply in placed.read() {
        if form.submit != SubmitState::Placing(reply.id) {
            continue;
        }
        match &reply.result {
            Ok(order) => {
                info!("order {} placed, total {}", order.number, order.total);
                session.last_order = Some(order.clone());
                *cart = Cart::default();
                // The next order from this customer goes to the same place.
                *form = CheckoutForm {
                    city: std::mem::take(&mut form.city),
                    phone: std::mem::take(&mut form.phone),
                    email: std::mem::take(&mut form.email),
                    ..default()
                };
                if order.payment_method.is_prepaid() {
                    next.set(Screen::Payment);
                } else {
                    activity.confirmation_shown_at = Some(time.elapsed_secs_f64());
                    next.set(Screen::Confirmation);
                }
            }
            Err(e) => {
                warn!("placing the order failed: {e}");
                form.submit = SubmitState::Failed(Failure::from(e));
            }
        }
    }
}

/// The attract screen is where every customer's visit ends (start over, or left alone).
fn forget(mut form: ResMut<CheckoutForm>) {
    *form = CheckoutForm::default();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::tests::product;

    #[test]
    fn checkout_form_reports_each_field() {
        let cities = vec!["Moscow".to_owned()];
        let mut cart = Cart::default();
        let mut form = CheckoutForm::default();
        let e = form.validate(&cart, &cities);
        assert!(e.cart.is_some() && e.city.is_some() && e.address.is_some() && e.phone.is_some());

        cart.add(&product(1, 100), 1);
        form.city = "Moscow".into();
        form.address = "Tverskaya 7".into();
        form.phone = "+7 912 345 67 89".into();
        assert!(form.validate(&cart, &cities).is_empty());
        form.phone = "12ab".into();
        assert!(form.validate(&cart, &cities).phone.is_some());
    }

    #[test]
    fn retrying_the_same_order_reuses_its_idempotency_key() {
        let mut cart = Cart::default();
        cart.add(&product(1, 100), 1);
        let mut form = CheckoutForm {
            city: "Moscow".into(),
            address: "Tverskaya 7".into(),
            phone: "+79123456789".into(),
            ..Default::default()
        };
        let first = form.key_for(&form.request(&cart));
        assert_eq!(form.key_for(&form.request(&cart)), first);
        cart.add(&product(2, 100), 1);
        assert_ne!(form.key_for(&form.request(&cart)), first);
    }
}

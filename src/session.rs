//! The customer's session at the kiosk: cart, checkout form, guest token and last order, the
//! shop actions that change them, and the idle reset that forgets the customer.

use bevy::prelude::*;

use crate::schedule::KioskSet;
use customerclient_api::Money;
use customerclient_api::catalog::Product;
use customerclient_api::orders::{
    CreateOrderRequest, DeliveryMethod, MAX_QUANTITY, Order, OrderLineRequest, PaymentMethod,
};

use customerclient_api::endpoint as e;

use crate::bridge::{Bridge, Call, Reply, RequestId};
use crate::catalog::Catalog;
use crate::config::KioskConfig;
use crate::failure::Failure;
use crate::i18n::I18n;
use crate::screen::Screen;
use customerclient_api::settings::Language;

pub(crate) fn plugin(app: &mut App) {
    let greeting = app
        .world()
        .get_resource::<KioskConfig>()
        .map(|c| c.language)
        .unwrap_or_default();
    app.insert_resource(CustomerSession::new(greeting))
        .init_resource::<Activity>()
        .add_message::<ShopAction>()
        .add_systems(
            Update,
            (
                receive_order_replies.in_set(KioskSet::Receive),
                (apply_shop_actions, follow_language, follow_sign_in)
                    .chain()
                    .in_set(KioskSet::Apply),
                reset_when_idle.in_set(KioskSet::Timers),
            ),
        );
}

/// What a customer can do, whether by a tap or by a test.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum ShopAction {
    /// Leave the attract screen.
    Start,
    ShowGallery,
    OpenProduct(i64),
    AddToCart {
        product_id: i64,
        quantity: u32,
    },
    SetQuantity {
        product_id: i64,
        quantity: u32,
    },
    Remove(i64),
    OpenCart,
    OpenSettings,
    Checkout,
    PlaceOrder,
    /// Forget this customer and go back to the attract screen.
    StartOver,
    /// Show every text in this language (until the session is wiped).
    SetLanguage(Language),
    /// Any touch that is not one of the above, to keep the session alive.
    Touched,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CartLine {
    pub product: Product,
    pub quantity: u32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cart {
    pub lines: Vec<CartLine>,
}

impl Cart {
    pub fn add(&mut self, product: &Product, quantity: u32) {
        let max = MAX_QUANTITY as u32;
        match self.lines.iter_mut().find(|l| l.product.id == product.id) {
            Some(line) => line.quantity = (line.quantity + quantity).min(max),
            None if quantity > 0 => self.lines.push(CartLine {
                product: product.clone(),
                quantity: quantity.min(max),
            }),
            None => {}
        }
    }

    /// Sets a line's quantity; zero removes the line.
    pub fn set_quantity(&mut self, product_id: i64, quantity: u32) {
        if quantity == 0 {
            self.lines.retain(|l| l.product.id != product_id);
        } else if let Some(line) = self.lines.iter_mut().find(|l| l.product.id == product_id) {
            line.quantity = quantity.min(MAX_QUANTITY as u32);
        }
    }

    pub fn item_count(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Shown to the customer as a preview; the server computes the real total.
    pub fn subtotal(&self) -> Option<Money> {
        let first = self.lines.first()?;
        let mut sum = Money::zero(&*first.product.price.currency);
        for l in &self.lines {
            sum = sum.checked_add(&l.product.price.checked_mul(i64::from(l.quantity))?)?;
        }
        Some(sum)
    }
}

/// Problems with the checkout form, each shown next to its field (translation keys).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    pub city: Option<&'static str>,
    pub address: Option<&'static str>,
    pub phone: Option<&'static str>,
    pub cart: Option<&'static str>,
}

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.city.is_none() && self.address.is_none() && self.phone.is_none() && self.cart.is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SubmitState {
    Editing,
    OpeningSession(RequestId),
    Placing(RequestId),
    Failed(Failure),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckoutForm {
    pub city: String,
    pub address: String,
    pub phone: String,
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

/// Everything the kiosk knows about the customer in front of it. [`CustomerSession::wipe`]
/// forgets all of it.
#[derive(Resource, Debug, Default)]
pub struct CustomerSession {
    pub token: Option<String>,
    /// The signed-in account (None for a guest or nobody).
    pub account: Option<customerclient_api::auth::Account>,
    /// Settings of the signed-in customer, or the guest's for this session.
    pub settings: customerclient_api::settings::AccountSettings,
    pub addresses: Vec<customerclient_api::settings::SavedAddress>,
    /// The signed-in customer's saved cards (brand and last four only).
    pub cards: Vec<customerclient_api::payments::SavedCard>,
    pub cart: Cart,
    pub checkout: CheckoutForm,
    pub selected_product: Option<i64>,
    pub last_order: Option<Order>,
    /// Survives [`Self::wipe`].
    greeting: Language,
}

impl CustomerSession {
    /// The account the kiosk is signed in to, if any (not a guest).
    pub fn signed_in(&self) -> Option<&customerclient_api::auth::Account> {
        self.account.as_ref().filter(|a| !a.guest)
    }

    /// Nobody yet, greeted in `language`.
    pub fn new(language: Language) -> Self {
        let mut s = CustomerSession {
            greeting: language,
            ..Default::default()
        };
        s.settings.language = language;
        s
    }

    /// Forgets everything; the next customer is greeted in the kiosk's language again.
    pub fn wipe(&mut self) {
        *self = CustomerSession::new(self.greeting);
    }

    /// The language new customers are greeted in (the kiosk's, not the last customer's).
    pub fn greeting(&self) -> Language {
        self.greeting
    }

    /// Forgets the customer here and ends their session on the backend too, so the token
    /// (a guest's or a signed-in customer's) is worthless from now on. The sign-out is sent
    /// and not waited for: if the backend cannot be reached the token is dropped all the
    /// same, and it expires there by itself.
    pub fn forget(&mut self, bridge: &Bridge) {
        if let Some(token) = self.token.take() {
            bridge.send(Call::<e::SignOut>::empty().token(token));
        }
        self.wipe();
    }
}

/// App time (seconds) of the last touch.
#[derive(Resource, Debug, Default)]
pub struct Activity {
    pub last_touch: f64,
    pub confirmation_shown_at: Option<f64>,
}

#[allow(clippy::too_many_arguments)]
fn apply_shop_actions(
    mut actions: MessageReader<ShopAction>,
    mut session: ResMut<CustomerSession>,
    mut activity: ResMut<Activity>,
    catalog: Res<Catalog>,
    bridge: Res<Bridge>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    time: Res<Time>,
) {
    for action in actions.read() {
        activity.last_touch = time.elapsed_secs_f64();
        match action {
            ShopAction::Start | ShopAction::ShowGallery => next.set(Screen::Gallery),
            ShopAction::OpenProduct(id) => {
                if catalog.product(*id).is_some() {
                    session.selected_product = Some(*id);
                    next.set(Screen::Product);
                }
            }
            ShopAction::AddToCart {
                product_id,
                quantity,
            } => match catalog.product(*product_id) {
                Some(p) if p.available => session.cart.add(p, *quantity),
                Some(p) => warn!("{} is sold out", p.name),
                None => warn!("no product {product_id}"),
            },
            ShopAction::SetQuantity {
                product_id,
                quantity,
            } => {
                session.cart.set_quantity(*product_id, *quantity);
            }
            ShopAction::Remove(id) => session.cart.set_quantity(*id, 0),
            ShopAction::OpenCart => next.set(Screen::Cart),
            ShopAction::OpenSettings => next.set(Screen::Settings),
            ShopAction::Checkout => {
                if !session.cart.is_empty() {
                    let cities = catalog
                        .delivery
                        .as_ref()
                        .map(|d| d.cities.clone())
                        .unwrap_or_default();
                    let form = &mut session.checkout;
                    if form.city.is_empty()
                        && let Some(first) = cities.first()
                    {
                        form.city = first.clone();
                    }
                    next.set(Screen::Checkout);
                }
            }
            ShopAction::PlaceOrder => {
                if *screen.get() != Screen::Checkout || session.checkout.is_busy() {
                    continue;
                }
                let cities = catalog
                    .delivery
                    .as_ref()
                    .map(|d| d.cities.clone())
                    .unwrap_or_default();
                let session = &mut *session;
                let errors = session.checkout.validate(&session.cart, &cities);
                session.checkout.errors = errors.clone();
                if !errors.is_empty() {
                    continue;
                }
                session.checkout.submit = match session.token.clone() {
                    Some(token) => place(&bridge, &token, session),
                    None => {
                        SubmitState::OpeningSession(bridge.send(Call::<e::GuestSession>::empty()))
                    }
                };
            }
            ShopAction::StartOver => {
                session.forget(&bridge);
                next.set(Screen::Attract);
            }
            ShopAction::SetLanguage(language) => {
                // The customer's settings are the one place the language lives;
                // `follow_language` shows it. A signed-in customer keeps it.
                session.settings.language = *language;
                if let (Some(token), Some(_)) = (session.token.clone(), session.signed_in()) {
                    bridge.send(Call::<e::PutSettings>::new(session.settings.clone()).token(token));
                }
            }
            ShopAction::Touched => {}
        }
    }
}

fn place(bridge: &Bridge, token: &str, session: &mut CustomerSession) -> SubmitState {
    let request = session.checkout.request(&session.cart);
    let key = session.checkout.key_for(&request);
    SubmitState::Placing(bridge.send(Call::<e::PlaceOrder>::new(request).token(token).key(key)))
}

fn receive_order_replies(
    mut guests: MessageReader<Reply<e::GuestSession>>,
    mut placed: MessageReader<Reply<e::PlaceOrder>>,
    mut session: ResMut<CustomerSession>,
    mut activity: ResMut<Activity>,
    bridge: Res<Bridge>,
    mut next: ResMut<NextState<Screen>>,
    time: Res<Time>,
) {
    for reply in guests.read() {
        if session.checkout.submit != SubmitState::OpeningSession(reply.id) {
            continue;
        }
        let session = &mut *session;
        match &reply.result {
            Ok(s) => {
                session.token = Some(s.token.clone());
                session.checkout.submit = place(&bridge, &s.token, session);
            }
            Err(e) => {
                warn!("opening a guest session failed: {e}");
                session.checkout.submit = SubmitState::Failed(Failure::from(e));
            }
        }
    }
    for reply in placed.read() {
        if session.checkout.submit != SubmitState::Placing(reply.id) {
            continue;
        }
        let session = &mut *session;
        match &reply.result {
            Ok(order) => {
                info!("order {} placed, total {}", order.number, order.total);
                session.last_order = Some(order.clone());
                session.cart = Cart::default();
                let keep = (
                    session.checkout.city.clone(),
                    session.checkout.phone.clone(),
                );
                session.checkout = CheckoutForm {
                    city: keep.0,
                    phone: keep.1,
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
                session.checkout.submit = SubmitState::Failed(Failure::from(e));
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn reset_when_idle(
    config: Res<KioskConfig>,
    mut activity: ResMut<Activity>,
    mut session: ResMut<CustomerSession>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    time: Res<Time>,
    bridge: Res<Bridge>,
) {
    let now = time.elapsed_secs_f64();
    let idle = now - activity.last_touch;
    let on_attract = *screen.get() == Screen::Attract;
    let confirmation_over = *screen.get() == Screen::Confirmation
        && activity
            .confirmation_shown_at
            .is_some_and(|t| now - t >= config.confirmation_timeout.as_secs_f64());
    let busy = session.checkout.is_busy();
    if !on_attract && !busy && (idle >= config.idle_timeout.as_secs_f64() || confirmation_over) {
        info!("kiosk idle: forgetting the customer");
        session.forget(&bridge);
        activity.confirmation_shown_at = None;
        activity.last_touch = now;
        next.set(Screen::Attract);
    }
}

/// Shows every text in the customer's language ([`AccountSettings::language`], set by the
/// language button, the settings screen, a sign-in or a wipe), rebuilding the screen when it
/// changes. One source, so the header and the settings never disagree.
fn follow_language(
    session: Res<CustomerSession>,
    mut i18n: ResMut<I18n>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
) {
    let want = session.settings.language;
    if i18n.language != want {
        i18n.language = want;
        if matches!(*next, NextState::Unchanged) {
            next.set(*screen.get());
        }
    }
}

/// Rebuilds the screen when a customer signs in or out, so the header's name and buttons are
/// never those of who was there before.
fn follow_sign_in(
    session: Res<CustomerSession>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    mut shown: Local<Option<uuid::Uuid>>,
) {
    if !session.is_changed() {
        return;
    }
    let now = session.signed_in().map(|a| a.id);
    if *shown != now {
        *shown = now;
        if matches!(*next, NextState::Unchanged) {
            next.set(*screen.get());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: i64, cents: i64) -> Product {
        Product {
            id,
            category_id: 1,
            name: format!("Dish {id}"),
            description: String::new(),
            price: Money::new(cents, "USD"),
            image_ids: vec![],
            video_id: None,
            available: true,
        }
    }

    #[test]
    fn cart_merges_lines_and_caps_quantity() {
        let mut cart = Cart::default();
        cart.add(&product(1, 250), 2);
        cart.add(&product(2, 100), 1);
        cart.add(&product(1, 250), 3);
        assert_eq!(cart.lines.len(), 2);
        assert_eq!(cart.item_count(), 6);
        assert_eq!(cart.subtotal(), Some(Money::new(1350, "USD")));
        cart.add(&product(2, 100), 500);
        assert_eq!(cart.lines[1].quantity, MAX_QUANTITY as u32);
        cart.set_quantity(1, 0);
        assert_eq!(cart.lines.len(), 1);
    }

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

//! Flows run alone against a fake bridge: no backend, no runtime; each call the flow makes is
//! recorded, and the test writes the reply it wants — a success, a refusal, a lost answer —
//! at the moment it wants. What the real backend cannot be made to do on cue (answer late,
//! time out after charging) is tested here.

use crate::harness::*;
use customerclient::account::{AccountAction, AccountFlow, AccountMode};
use customerclient::bridge::{BridgeError, Reply, SentCall};
use customerclient::payment::{CardForm, PayAction, PayStage, PayStep, PaymentFlow};
use customerclient_api::auth::{Session, SignUpPending};
use customerclient_api::catalog::Product;
use customerclient_api::endpoint as e;
use customerclient_api::error::ErrorBody;
use customerclient_api::payments::{Payment, PaymentState};
use serde_json::json;

fn alone() -> App {
    let mut app = App::new();
    app.insert_resource(Bridge::fake());
    let config = KioskConfig::new(BackendTarget::Remote {
        base_url: "http://fake-backend.invalid".into(),
    });
    app.add_plugins((MinimalPlugins, StatesPlugin, KioskCorePlugin { config }));
    app.update();
    app
}

fn sent(app: &App, endpoint: &str) -> Vec<SentCall> {
    app.world()
        .resource::<Bridge>()
        .sent()
        .into_iter()
        .filter(|c| c.endpoint == endpoint)
        .collect()
}

/// An order placed for card payment at the kiosk, as the backend would have answered it.
fn placed_order(method: &str) -> Order {
    serde_json::from_value(json!({
        "id": "7d1f6a52-8c1e-4c55-9a43-3b0f5d3a2f10", "number": 1042, "status": "placed",
        "lines": [], "products_total": {"minor": 4230, "currency": "USD"},
        "delivery_price": {"minor": 349, "currency": "USD"},
        "total": {"minor": 4579, "currency": "USD"},
        "city": "Moscow", "address": "Tverskaya St 7", "phone": "+7 912 345 67 89",
        "delivery_method": "car", "payment_method": method, "created_at": 0,
        "history": [], "payment_state": "awaiting_payment", "payment_history": [], "card": null
    }))
    .unwrap()
}

fn payment(order: &Order, state: &str) -> Payment {
    serde_json::from_value(json!({
        "id": "0b8e6a1c-2f3d-4a5b-8c7d-9e0f1a2b3c4d", "order_id": order.id,
        "order_number": order.number, "method": "card_in_app", "state": state,
        "amount": {"minor": 4579, "currency": "USD"}, "qr_payload": null, "expires_at": null,
        "card": {"brand": "visa", "last4": "4242"}, "failure": null
    }))
    .unwrap()
}

/// On the payment screen with `order` placed by a guest.
fn paying(app: &mut App, order: &Order) {
    {
        let mut session = app.world_mut().resource_mut::<CustomerSession>();
        session.token = Some("guest-token".into());
        session.last_order = Some(order.clone());
    }
    app.world_mut()
        .resource_mut::<NextState<Screen>>()
        .set(Screen::Payment);
    app.update();
    app.update();
}

#[test]
fn a_card_payment_whose_answer_is_lost_is_retried_under_the_same_key_and_charges_once() {
    let mut app = alone();
    // The catalog asked the (fake) backend for its data, nothing was sent anywhere.
    assert_eq!(sent(&app, "GetCategories").len(), 1);
    let order = placed_order("card_in_app");
    paying(&mut app, &order);
    assert_eq!(screen(app.world()), Screen::Payment);
    assert_eq!(step::<PayStep>(app.world()), Some(PayStep::Card));

    let submit = |app: &mut App| {
        let mut form = app.world_mut().resource_mut::<CardForm>();
        for d in "42424242424242421230737".chars() {
            form.type_digit(d);
        }
        app.world_mut().write_message(PayAction::SubmitCard);
        // A second tap in the same frame is not a second charge.
        app.world_mut().write_message(PayAction::SubmitCard);
        app.update();
    };
    submit(&mut app);
    let first = sent(&app, "PayByCard");
    assert_eq!(first.len(), 1, "one charge per tap, however many taps");
    assert_eq!(first[0].at.as_deref(), Some(order.id.to_string().as_str()));
    let key = first[0]
        .key
        .clone()
        .expect("a card payment carries its key");
    assert_eq!(
        app.world().resource::<PaymentFlow>().stage,
        PayStage::CardPaying
    );
    assert_eq!(step::<PayStep>(app.world()), Some(PayStep::Card));

    // The answer is lost (the kiosk's request timed out): the form says so, the card stays.
    app.world_mut().write_message(Reply::<e::PayByCard> {
        id: first[0].id,
        result: Err(BridgeError::Timeout),
    });
    app.update();
    let flow = app.world().resource::<PaymentFlow>();
    assert_eq!(flow.stage, PayStage::CardEntry);
    assert!(flow.message.is_some(), "the customer is told");
    assert_eq!(screen(app.world()), Screen::Payment);

    // Tapping Pay again is the same attempt: the same key, so the gateway charges once.
    app.world_mut().write_message(PayAction::SubmitCard);
    app.update();
    let retries = sent(&app, "PayByCard");
    assert_eq!(retries.len(), 2);
    assert_eq!(retries[1].key.as_deref(), Some(key.as_str()));

    // A late answer to the first request changes nothing; the retry's answer pays.
    app.world_mut().write_message(Reply::<e::PayByCard> {
        id: first[0].id,
        result: Ok(payment(&order, "paid")),
    });
    app.update();
    assert_eq!(
        app.world().resource::<PaymentFlow>().stage,
        PayStage::CardPaying,
        "still waiting for the retry's own answer"
    );
    app.world_mut().write_message(Reply::<e::PayByCard> {
        id: retries[1].id,
        result: Ok(payment(&order, "paid")),
    });
    run_until(&mut app, "the confirmation", Duration::from_secs(5), |w| {
        screen(w) == Screen::Confirmation
    });
    let last = app
        .world()
        .resource::<CustomerSession>()
        .last_order
        .clone()
        .unwrap();
    assert_eq!(last.payment_state, PaymentState::Paid);
    assert_eq!(last.card.map(|c| c.last4).as_deref(), Some("4242"));
    // Nothing of the card is left in the kiosk.
    let form = app.world().resource::<CardForm>();
    assert!(form.number.is_empty() && form.cvc.is_empty());
    assert_eq!(
        step::<PayStep>(app.world()),
        None,
        "left the payment screen"
    );
}

#[test]
fn a_declined_card_is_a_new_attempt_and_another_way_to_pay_is_a_step_of_its_own() {
    let mut app = alone();
    let order = placed_order("card_in_app");
    paying(&mut app, &order);
    let mut form = app.world_mut().resource_mut::<CardForm>();
    for d in "40000000000000021230737".chars() {
        form.type_digit(d);
    }
    app.world_mut().write_message(PayAction::SubmitCard);
    app.update();
    let first = sent(&app, "PayByCard");
    let mut declined = payment(&order, "failed");
    declined.failure = Some("The card was declined".into());
    declined.failure_code = Some("declined".into());
    app.world_mut().write_message(Reply::<e::PayByCard> {
        id: first[0].id,
        result: Ok(declined),
    });
    app.update();
    let flow = app.world().resource::<PaymentFlow>();
    assert_eq!(flow.stage, PayStage::CardEntry);
    assert!(
        app.world().resource::<CardForm>().number.is_empty(),
        "a declined card is wiped"
    );
    // Another card is another attempt: a new key.
    let mut form = app.world_mut().resource_mut::<CardForm>();
    for d in "42424242424242421230737".chars() {
        form.type_digit(d);
    }
    app.world_mut().write_message(PayAction::SubmitCard);
    app.update();
    let both = sent(&app, "PayByCard");
    assert_eq!(both.len(), 2);
    assert_ne!(both[0].key, both[1].key);
    // The customer gives up on the card: the choice is its own step, entered without a tap.
    app.world_mut().write_message(Reply::<e::PayByCard> {
        id: both[1].id,
        result: Err(BridgeError::Unreachable("gone".into())),
    });
    app.update();
    app.world_mut().write_message(PayAction::ChooseAnotherWay);
    app.update();
    assert_eq!(
        app.world().resource::<PaymentFlow>().stage,
        PayStage::Choosing
    );
    app.update();
    assert_eq!(step::<PayStep>(app.world()), Some(PayStep::Choosing));
}

fn borscht() -> Product {
    serde_json::from_value(json!({
        "id": 3, "category_id": 1, "name": "Borscht", "description": "Beetroot soup",
        "price": {"minor": 450, "currency": "USD"}, "image_ids": [], "video_id": null,
        "available": true
    }))
    .unwrap()
}

fn session(token: &str, login: Option<&str>) -> Session {
    serde_json::from_value(json!({
        "token": token, "expires_at": i64::MAX,
        "account": {
            "id": "5b0c7d1e-2f3a-4b5c-9d6e-7f8091a2b3c4", "login": login,
            "email": login.map(|l| format!("{l}@example.com")), "phone": null,
            "guest": login.is_none()
        }
    }))
    .unwrap()
}

fn rejected(status: u16, error: &str, message: &str) -> BridgeError {
    BridgeError::Rejected {
        status,
        body: ErrorBody {
            error: error.into(),
            message: message.into(),
        },
    }
}

#[test]
fn an_order_is_placed_once_per_key_through_a_guest_session_and_a_lost_answer_keeps_the_cart() {
    let mut app = alone();
    app.world_mut().resource_mut::<Cart>().add(&borscht(), 2);
    {
        let mut form = app.world_mut().resource_mut::<CheckoutForm>();
        form.city = "Moscow".into();
        form.address = "Tverskaya St 7".into();
        form.phone = "+7 912 345 67 89".into();
    }
    app.world_mut()
        .resource_mut::<NextState<Screen>>()
        .set(Screen::Checkout);
    app.update();
    assert_eq!(screen(app.world()), Screen::Checkout);

    // Two taps on *Place order* in one frame: one guest session opened, nothing placed yet.
    app.world_mut().write_message(ShopAction::PlaceOrder);
    app.world_mut().write_message(ShopAction::PlaceOrder);
    app.update();
    let guests = sent(&app, "GuestSession");
    assert_eq!(guests.len(), 1, "one session however many taps");
    assert!(sent(&app, "PlaceOrder").is_empty());

    // The session opens: the order goes out under a key, with the session's token kept.
    app.world_mut().write_message(Reply::<e::GuestSession> {
        id: guests[0].id,
        result: Ok(session("guest-token", None)),
    });
    app.update();
    let placed = sent(&app, "PlaceOrder");
    assert_eq!(placed.len(), 1);
    let key = placed[0].key.clone().expect("an order carries its key");
    assert_eq!(
        app.world().resource::<CustomerSession>().token.as_deref(),
        Some("guest-token")
    );

    // The answer is lost: the form says so; the cart and everything typed stay.
    app.world_mut().write_message(Reply::<e::PlaceOrder> {
        id: placed[0].id,
        result: Err(BridgeError::Timeout),
    });
    app.update();
    let form = app.world().resource::<CheckoutForm>();
    assert!(
        matches!(form.submit, SubmitState::Failed(_)),
        "{:?}",
        form.submit
    );
    assert_eq!(form.address, "Tverskaya St 7");
    assert_eq!(app.world().resource::<Cart>().item_count(), 2);
    assert_eq!(screen(app.world()), Screen::Checkout);

    // Tapping again is the same order: the same key, and no second guest session.
    app.world_mut().write_message(ShopAction::PlaceOrder);
    app.update();
    let retries = sent(&app, "PlaceOrder");
    assert_eq!(retries.len(), 2);
    assert_eq!(retries[1].key.as_deref(), Some(key.as_str()));
    assert_eq!(sent(&app, "GuestSession").len(), 1);

    // A late answer to the first request is not taken for the retry's.
    let mut order = placed_order("cash_on_delivery");
    order.payment_state = PaymentState::DueOnDelivery;
    app.world_mut().write_message(Reply::<e::PlaceOrder> {
        id: placed[0].id,
        result: Ok(order.clone()),
    });
    app.update();
    assert_eq!(
        app.world().resource::<CheckoutForm>().submit,
        SubmitState::Placing(retries[1].id)
    );
    assert_eq!(app.world().resource::<Cart>().item_count(), 2);

    // The retry's answer: placed, paid on delivery — the confirmation, an empty cart, and the
    // next order from this customer going to the same city and phone.
    app.world_mut().write_message(Reply::<e::PlaceOrder> {
        id: retries[1].id,
        result: Ok(order),
    });
    run_until(&mut app, "the confirmation", Duration::from_secs(5), |w| {
        screen(w) == Screen::Confirmation
    });
    assert!(app.world().resource::<Cart>().is_empty());
    let form = app.world().resource::<CheckoutForm>();
    assert_eq!(
        (
            form.city.as_str(),
            form.phone.as_str(),
            form.address.as_str()
        ),
        ("Moscow", "+7 912 345 67 89", "")
    );
    let last = app.world().resource::<CustomerSession>().last_order.clone();
    assert_eq!(last.map(|o| o.number), Some(1042));
}

#[test]
fn a_wrong_field_is_shown_before_anything_is_sent() {
    let mut app = alone();
    app.world_mut().resource_mut::<Cart>().add(&borscht(), 1);
    app.world_mut().resource_mut::<CheckoutForm>().phone = "12ab".into();
    app.world_mut()
        .resource_mut::<NextState<Screen>>()
        .set(Screen::Checkout);
    app.update();
    app.world_mut().write_message(ShopAction::PlaceOrder);
    app.update();
    let errors = app.world().resource::<CheckoutForm>().errors.clone();
    assert!(errors.phone.is_some() && errors.address.is_some() && errors.city.is_some());
    assert!(errors.cart.is_none());
    assert!(sent(&app, "GuestSession").is_empty() && sent(&app, "PlaceOrder").is_empty());
}

/// On the account screen, opened from the menu.
fn on_account(app: &mut App) {
    app.world_mut()
        .resource_mut::<NextState<Screen>>()
        .set(Screen::Gallery);
    app.update();
    app.world_mut().write_message(AccountAction::Open);
    app.update();
    app.update();
    assert_eq!(screen(app.world()), Screen::Account);
}

#[test]
fn signing_up_goes_on_to_the_code_and_a_refused_code_keeps_the_customer_out() {
    let mut app = alone();
    on_account(&mut app);
    assert_eq!(step::<AccountMode>(app.world()), Some(AccountMode::SignIn));
    app.world_mut()
        .write_message(AccountAction::SetMode(AccountMode::SignUp));
    app.update();
    app.update();
    assert_eq!(step::<AccountMode>(app.world()), Some(AccountMode::SignUp));
    {
        let mut flow = app.world_mut().resource_mut::<AccountFlow>();
        flow.form.login = "anna".into();
        flow.form.email = " anna@example.com ".into();
        flow.form.phone = "+7 900 111 22 33".into();
        *flow.form.password = "long enough".into();
        *flow.form.password_again = "long enough".into();
    }
    // Two taps in a frame: one sign-up.
    app.world_mut().write_message(AccountAction::Submit);
    app.world_mut().write_message(AccountAction::Submit);
    app.update();
    let sign_ups = sent(&app, "SignUp");
    assert_eq!(sign_ups.len(), 1);
    let pending: SignUpPending = serde_json::from_value(json!({
        "account_id": "5b0c7d1e-2f3a-4b5c-9d6e-7f8091a2b3c4",
        "email": "anna@example.com", "code_expires_at": i64::MAX
    }))
    .unwrap();
    app.world_mut().write_message(Reply::<e::SignUp> {
        id: sign_ups[0].id,
        result: Ok(pending),
    });
    app.update();
    app.update();
    assert_eq!(
        step::<AccountMode>(app.world()),
        Some(AccountMode::Verify),
        "the code's step, entered without a tap"
    );

    // A wrong code: said on the form, nobody signed in, still on the code's step.
    app.world_mut().resource_mut::<AccountFlow>().form.code = "123456".into();
    app.world_mut().write_message(AccountAction::Submit);
    app.update();
    let verifies = sent(&app, "Verify");
    assert_eq!(verifies.len(), 1);
    app.world_mut().write_message(Reply::<e::Verify> {
        id: verifies[0].id,
        result: Err(rejected(
            400,
            "invalid_code",
            "The code is wrong or has expired",
        )),
    });
    app.update();
    let flow = app.world().resource::<AccountFlow>();
    assert!(flow.failure.is_some() && !flow.is_busy());
    assert_eq!(flow.mode, AccountMode::Verify);
    assert!(app.world().resource::<CustomerSession>().account.is_none());

    // The right code signs in: the customer's data is asked for with the new token, and the
    // kiosk goes back to where the customer came from.
    app.world_mut().write_message(AccountAction::Submit);
    app.update();
    let verifies = sent(&app, "Verify");
    assert_eq!(verifies.len(), 2);
    app.world_mut().write_message(Reply::<e::Verify> {
        id: verifies[1].id,
        result: Ok(session("anna-token", Some("anna"))),
    });
    run_until(&mut app, "the menu again", Duration::from_secs(5), |w| {
        screen(w) == Screen::Gallery
    });
    let session = app.world().resource::<CustomerSession>();
    assert_eq!(session.token.as_deref(), Some("anna-token"));
    assert_eq!(
        session.account.as_ref().and_then(|a| a.login.as_deref()),
        Some("anna")
    );
    for data in ["GetSettings", "GetAddresses", "GetCards"] {
        assert_eq!(sent(&app, data).len(), 1, "{data} asked for once");
    }
    let flow = app.world().resource::<AccountFlow>();
    assert!(flow.form.password.is_empty(), "the password is not kept");
}

#[test]
fn signing_in_to_an_unconfirmed_account_goes_on_to_its_code() {
    let mut app = alone();
    on_account(&mut app);
    {
        let mut flow = app.world_mut().resource_mut::<AccountFlow>();
        flow.form.login = "anna@example.com".into();
        *flow.form.password = "long enough".into();
    }
    app.world_mut().write_message(AccountAction::Submit);
    app.update();
    let sign_ins = sent(&app, "SignIn");
    assert_eq!(sign_ins.len(), 1);
    app.world_mut().write_message(Reply::<e::SignIn> {
        id: sign_ins[0].id,
        result: Err(rejected(403, "not_verified", "Confirm your e-mail first")),
    });
    app.update();
    app.update();
    let flow = app.world().resource::<AccountFlow>();
    assert_eq!(flow.mode, AccountMode::Verify);
    assert_eq!(flow.form.email, "anna@example.com");
    assert_eq!(step::<AccountMode>(app.world()), Some(AccountMode::Verify));
    assert!(app.world().resource::<CustomerSession>().account.is_none());
}

/// Drawing a screen again (another language, the store's profile arriving) re-enters it: the
/// picture is rebuilt, but nothing the customer chose or typed is wiped, and paying is not
/// begun a second time.
#[test]
fn drawing_a_screen_again_keeps_the_cart_the_card_and_the_quantity() {
    use customerclient::product::{ProductAction, ProductChoice};
    use customerclient_api::settings::Language;
    let mut app = alone();
    let mut other = borscht();
    other.id = 4;
    app.world_mut()
        .resource_mut::<Catalog>()
        .set_products(vec![borscht(), other]);

    // The cart is kept when the attract screen is drawn again (as the profile's arrival
    // draws it)...
    app.world_mut().resource_mut::<Cart>().add(&borscht(), 2);
    app.world_mut()
        .resource_mut::<NextState<Screen>>()
        .set(Screen::Attract);
    app.update();
    app.update();
    assert_eq!(screen(app.world()), Screen::Attract);
    assert_eq!(
        app.world().resource::<Cart>().item_count(),
        2,
        "a redraw is no new visit"
    );
    // ...and emptied when the visit really ends.
    send(&mut app, ShopAction::Start);
    app.update();
    app.update();
    send(&mut app, ShopAction::StartOver);
    app.update();
    app.update();
    assert_eq!(screen(app.world()), Screen::Attract);
    assert!(app.world().resource::<Cart>().is_empty());

    // The quantity chosen for a dish survives a redraw; another dish starts at one.
    send(&mut app, ShopAction::OpenProduct(3));
    app.update();
    app.update();
    assert_eq!(screen(app.world()), Screen::Product);
    for _ in 0..2 {
        app.world_mut().write_message(ProductAction::More);
        app.update();
        app.update();
    }
    assert_eq!(app.world().resource::<ProductChoice>().quantity, 3);
    send(&mut app, ShopAction::SetLanguage(Language::En));
    app.update();
    app.update();
    assert_eq!(screen(app.world()), Screen::Product);
    assert_eq!(app.world().resource::<ProductChoice>().quantity, 3);
    send(&mut app, ShopAction::OpenProduct(4));
    app.update();
    app.update();
    assert_eq!(app.world().resource::<ProductChoice>().quantity, 1);

    // Half a card number survives the language button, and the card step is not begun again.
    let order = placed_order("card_in_app");
    paying(&mut app, &order);
    assert_eq!(step::<PayStep>(app.world()), Some(PayStep::Card));
    for d in "42424242".chars() {
        app.world_mut().resource_mut::<CardForm>().type_digit(d);
    }
    send(&mut app, ShopAction::SetLanguage(Language::Ru));
    app.update();
    app.update();
    assert_eq!(screen(app.world()), Screen::Payment);
    assert_eq!(step::<PayStep>(app.world()), Some(PayStep::Card));
    assert_eq!(
        app.world().resource::<CardForm>().number.as_str(),
        "42424242"
    );
    // Leaving the payment screen still wipes the card.
    send(&mut app, ShopAction::StartOver);
    app.update();
    app.update();
    assert!(app.world().resource::<CardForm>().number.is_empty());
}

//! Flows run alone against a fake bridge: no backend, no runtime; each call the flow makes is
//! recorded, and the test writes the reply it wants — a success, a refusal, a lost answer —
//! at the moment it wants. What the real backend cannot be made to do on cue (answer late,
//! time out after charging) is tested here.

use crate::harness::*;
use customerclient::bridge::{BridgeError, Reply, SentCall};
use customerclient::payment::{CardForm, PayAction, PayStage, PayStep, PaymentFlow};
use customerclient_api::endpoint as e;
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

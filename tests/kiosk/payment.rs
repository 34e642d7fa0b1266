//! Paying at the kiosk: QR code with the bank's webhook, card, and paying on delivery.

use crate::harness::*;
use customerclient::payment::{CardForm, PayAction, PayStage, PayStep, PaymentFlow};
use customerclient_api::orders::PaymentMethod;
use customerclient_api::payments::{BankStatus, PaymentState};
use customerclient_backend::payments::{DEMO_WEBHOOK_SECRET, bank};

fn order_with(app: &mut App, method: PaymentMethod) {
    let id = app.world().resource::<Catalog>().products[5].id;
    send(app, ShopAction::Start);
    send(
        app,
        ShopAction::AddToCart {
            product_id: id,
            quantity: 1,
        },
    );
    send(app, ShopAction::Checkout);
    run_until(app, "checkout", Duration::from_secs(5), |w| {
        screen(w) == Screen::Checkout
    });
    fill_address(app);
    app.world_mut().resource_mut::<CheckoutForm>().payment = method;
    send(app, ShopAction::PlaceOrder);
}

fn type_card(app: &mut App, digits: &str) {
    let mut form = app.world_mut().resource_mut::<CardForm>();
    for d in digits.chars() {
        form.type_digit(d);
    }
}

fn backend_order(app: &App) -> Order {
    let session = app.world().resource::<CustomerSession>();
    let token = session.token.clone().unwrap();
    let id = session.last_order.as_ref().unwrap().id;
    let base = app
        .world()
        .resource::<Bridge>()
        .base_url()
        .unwrap()
        .to_owned();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        reqwest::Client::new()
            .get(format!("{base}/api/v1/orders/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}

#[test]
fn each_of_the_four_ways_to_pay_reaches_the_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with_catalog(embedded(&dir));
    let rt = tokio::runtime::Runtime::new().unwrap();
    for method in [
        PaymentMethod::CashOnDelivery,
        PaymentMethod::CardOnDelivery,
        PaymentMethod::QrBankApp,
        PaymentMethod::CardInApp,
    ] {
        order_with(&mut app, method);
        match method {
            PaymentMethod::QrBankApp => {
                run_until(&mut app, "the QR code", Duration::from_secs(30), |w| {
                    w.resource::<PaymentFlow>().stage == PayStage::ShowingQr
                });
                app.update();
                assert_eq!(step::<PayStep>(app.world()), Some(PayStep::Qr));
                let payload = app
                    .world()
                    .resource::<PaymentFlow>()
                    .payment
                    .as_ref()
                    .unwrap()
                    .qr_payload
                    .clone()
                    .unwrap();
                let base = app
                    .world()
                    .resource::<Bridge>()
                    .base_url()
                    .unwrap()
                    .to_owned();
                // The customer's bank pays; the kiosk learns of it by itself.
                let (code, _) = rt
                    .block_on(bank::simulate(
                        &reqwest::Client::new(),
                        &base,
                        DEMO_WEBHOOK_SECRET,
                        &payload,
                        BankStatus::Paid,
                    ))
                    .unwrap();
                assert_eq!(code, 200);
            }
            PaymentMethod::CardInApp => {
                run_until(&mut app, "the card form", Duration::from_secs(30), |w| {
                    w.resource::<PaymentFlow>().stage == PayStage::CardEntry
                });
                app.update();
                assert_eq!(step::<PayStep>(app.world()), Some(PayStep::Card));
                type_card(&mut app, "42424242424242421230737");
                app.world_mut().write_message(PayAction::SubmitCard);
            }
            _ => {}
        }
        run_until(&mut app, "the confirmation", Duration::from_secs(30), |w| {
            screen(w) == Screen::Confirmation
        });
        let order = app
            .world()
            .resource::<CustomerSession>()
            .last_order
            .clone()
            .unwrap();
        let expected = if method.is_prepaid() {
            PaymentState::Paid
        } else {
            PaymentState::DueOnDelivery
        };
        assert_eq!(order.payment_state, expected, "{method:?}");
        let stored = backend_order(&app);
        assert_eq!(stored.payment_state, expected, "{method:?}");
        assert_eq!(stored.payment_method, method);
        if method == PaymentMethod::CardInApp {
            assert_eq!(stored.card.unwrap().last4, "4242");
            assert!(
                app.world().resource::<CardForm>().number.is_empty(),
                "card digits wiped"
            );
        }
        send(&mut app, ShopAction::StartOver);
        run_until(
            &mut app,
            "the attract screen",
            Duration::from_secs(5),
            |w| screen(w) == Screen::Attract,
        );
    }
}

#[test]
fn a_declined_card_keeps_the_order_and_cash_on_delivery_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with_catalog(embedded(&dir));
    order_with(&mut app, PaymentMethod::CardInApp);
    run_until(&mut app, "the card form", Duration::from_secs(30), |w| {
        w.resource::<PaymentFlow>().stage == PayStage::CardEntry
    });
    type_card(&mut app, "40000000000000021230737");
    app.world_mut().write_message(PayAction::SubmitCard);
    run_until(&mut app, "the decline", Duration::from_secs(30), |w| {
        w.resource::<PaymentFlow>().message.is_some()
    });
    let flow = app.world().resource::<PaymentFlow>();
    assert_eq!(flow.stage, PayStage::CardEntry);
    assert!(
        matches!(&flow.message, Some(Failure::Rejected { code, .. }) if code == "declined"),
        "{:?}",
        flow.message
    );
    assert!(
        app.world().resource::<CardForm>().number.is_empty(),
        "the declined card is wiped"
    );
    assert_eq!(screen(app.world()), Screen::Payment);

    app.world_mut().write_message(PayAction::ChooseAnotherWay);
    app.update();
    app.world_mut()
        .write_message(PayAction::PayOnDelivery(PaymentMethod::CashOnDelivery));
    run_until(&mut app, "the confirmation", Duration::from_secs(30), |w| {
        screen(w) == Screen::Confirmation
    });
    let order = backend_order(&app);
    assert_eq!(order.payment_state, PaymentState::DueOnDelivery);
    assert_eq!(order.payment_method, PaymentMethod::CashOnDelivery);
    assert_eq!(order.lines.len(), 1, "the order is intact");
}

//! Payments over real HTTP: QR codes confirmed by the signed bank webhook, card payments
//! through the sandbox gateway, expiry, switching to paying on delivery, idempotency.

mod support;

use std::sync::Arc;
use std::time::Duration;

use customerclient_api::ErrorBody;
use customerclient_api::emv::MerchantQr;
use customerclient_api::orders::Order;
use customerclient_api::payments::{BankStatus, Payment, PaymentState};
use customerclient_backend::payments::gateway::{SandboxGateway, test_cards};
use customerclient_backend::payments::{DEMO_WEBHOOK_SECRET, bank, sign};
use customerclient_backend::{Backend, Config};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Shop {
    backend: Backend,
    http: reqwest::Client,
    gateway: Arc<SandboxGateway>,
    token: String,
    _dir: tempfile::TempDir,
}

async fn shop(tune: impl FnOnce(&mut Config)) -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::engine::config(dir.path(), "p");
    let gateway = Arc::new(SandboxGateway::with_slow_answer(Duration::from_secs(30)));
    config.payments.gateway = gateway.clone();
    config.payments.gateway_timeout = Duration::from_millis(300);
    tune(&mut config);
    let backend = customerclient_backend::start(&config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let session: Value = http
        .post(format!("{}/api/v1/auth/guest", backend.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_owned();
    Shop {
        backend,
        http,
        gateway,
        token,
        _dir: dir,
    }
}

impl Shop {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.backend.url())
    }

    async fn order(&self, method: &str) -> Order {
        let body = json!({
            "lines": [{"product_id": 1, "quantity": 2}, {"product_id": 12, "quantity": 1}],
            "city": "Moscow", "address": "Tverskaya 7", "phone": "+79123456789",
            "delivery_method": "car", "payment_method": method,
        });
        let resp = self
            .http
            .post(self.url("/api/v1/orders"))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        resp.json().await.unwrap()
    }

    async fn get_order(&self, id: uuid::Uuid) -> Order {
        self.http
            .get(self.url(&format!("/api/v1/orders/{id}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn start_qr(&self, order: &Order) -> (StatusCode, Payment) {
        let resp = self
            .http
            .post(self.url(&format!("/api/v1/orders/{}/payments/qr", order.id)))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap())
    }

    async fn pay_card(&self, order: &Order, number: &str, key: &str) -> reqwest::Response {
        let body = json!({"card": {"number": number, "expiry_month": 12, "expiry_year": 2031, "cvc": "737"}});
        self.http
            .post(self.url(&format!("/api/v1/orders/{}/payments/card", order.id)))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn qr_payment_is_confirmed_once_by_the_signed_webhook() {
    let s = shop(|_| {}).await;
    let order = s.order("qr_bank_app").await;
    assert_eq!(order.payment_state, PaymentState::AwaitingPayment);

    let (status, payment) = s.start_qr(&order).await;
    assert_eq!(status, StatusCode::CREATED);
    let payload = payment.qr_payload.clone().unwrap();
    let qr = MerchantQr::from_payload(&payload).unwrap();
    assert_eq!(qr.amount, order.total.decimal());
    assert_eq!(qr.currency, "643", "the demo store sells in roubles");
    assert_eq!(qr.merchant_name, "Fresh Kitchen");
    assert_eq!(qr.bill_number, order.number.to_string());
    assert_eq!(qr.reference, payment.id.simple().to_string());
    assert!(payment.expires_at.unwrap() > order.created_at);

    // Asking again shows the same, still valid code.
    let (again_status, again) = s.start_qr(&order).await;
    assert_eq!(again_status, StatusCode::OK);
    assert_eq!(again.id, payment.id);

    // A forged notice changes nothing.
    let forged = json!({"reference": payment.id.to_string(), "status": "paid", "amount_minor": order.total.minor, "transaction_id": "x"});
    let body = serde_json::to_vec(&forged).unwrap();
    let resp = s
        .http
        .post(s.url("/api/v1/bank/webhook"))
        .header("X-Signature", sign("wrong-secret", &body))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.json::<ErrorBody>().await.unwrap().error,
        "unauthorized"
    );
    assert_eq!(
        s.get_order(order.id).await.payment_state,
        PaymentState::AwaitingPayment
    );

    // The bank pays; its notice (one transaction) arrives three times.
    let deliver = |tx: &str| {
        support::bank_pays(&s.http, &s.backend.url(), &payload, order.total.minor, tx).send()
    };
    for _ in 0..3 {
        let resp = deliver("bank-tx-1").await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.json::<Payment>().await.unwrap().state,
            PaymentState::Paid
        );
    }
    // Another transaction for the same code is money paid twice: refused, to be refunded.
    let twice = deliver("bank-tx-2").await.unwrap();
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert_eq!(
        twice.json::<ErrorBody>().await.unwrap().error,
        "duplicate_payment"
    );
    let paid = s.get_order(order.id).await;
    assert_eq!(paid.payment_state, PaymentState::Paid);
    let paid_entries = paid
        .payment_history
        .iter()
        .filter(|h| h.state == PaymentState::Paid)
        .count();
    assert_eq!(paid_entries, 1, "{:?}", paid.payment_history);
    let polled: Payment = s
        .http
        .get(s.url(&format!("/api/v1/payments/{}", payment.id)))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(polled.state, PaymentState::Paid);

    // A paid order gets no new code.
    let resp = s
        .http
        .post(s.url(&format!("/api/v1/orders/{}/payments/qr", order.id)))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_expired_code_is_refused_and_a_new_one_can_be_issued() {
    let s = shop(|c| c.payments.qr_lifetime = Duration::ZERO).await;
    let order = s.order("qr_bank_app").await;
    let (_, first) = s.start_qr(&order).await;
    let polled: Payment = s
        .http
        .get(s.url(&format!("/api/v1/payments/{}", first.id)))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(polled.state, PaymentState::Expired);
    assert_eq!(
        s.get_order(order.id).await.payment_state,
        PaymentState::Expired
    );

    let (code, body) = bank::simulate(
        &s.http,
        &s.backend.url(),
        DEMO_WEBHOOK_SECRET,
        first.qr_payload.as_deref().unwrap(),
        BankStatus::Paid,
    )
    .await
    .unwrap();
    assert_eq!(code, 409, "{body}");
    assert!(
        body.contains("illegal_transition") || body.contains("payment_expired"),
        "{body}"
    );

    let (status, second) = s.start_qr(&order).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(second.id, first.id);
}

#[tokio::test]
async fn sandbox_cards_give_their_documented_outcomes() {
    let s = shop(|_| {}).await;
    let cases = [
        (test_cards::APPROVED, PaymentState::Paid, None),
        (test_cards::DECLINED, PaymentState::Failed, Some("declined")),
        (
            test_cards::INSUFFICIENT_FUNDS,
            PaymentState::Failed,
            Some("not enough money"),
        ),
        (
            test_cards::TIMES_OUT,
            PaymentState::Failed,
            Some("did not answer in time"),
        ),
    ];
    for (number, state, reason) in cases {
        let order = s.order("card_in_app").await;
        let resp = s.pay_card(&order, number, &format!("k-{number}")).await;
        assert_eq!(resp.status(), StatusCode::CREATED, "{number}");
        let payment: Payment = resp.json().await.unwrap();
        assert_eq!(payment.state, state, "{number}");
        let after = s.get_order(order.id).await;
        assert_eq!(after.payment_state, state);
        match reason {
            None => {
                let card = after.card.expect("the order shows the masked card");
                assert_eq!(card.last4, "4242");
                assert_eq!(payment.card.unwrap().last4, "4242");
            }
            Some(text) => assert!(payment.failure.unwrap().contains(text), "{number}"),
        }
    }
    assert_eq!(s.gateway.charges(), 1);
}

#[tokio::test]
async fn a_declined_card_keeps_the_order_and_another_way_to_pay_works() {
    let s = shop(|_| {}).await;
    let order = s.order("card_in_app").await;
    let declined: Payment = s
        .pay_card(&order, test_cards::DECLINED, "a")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(declined.state, PaymentState::Failed);

    // Another card…
    let paid: Payment = s
        .pay_card(&order, "5555555555554444", "b")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paid.state, PaymentState::Paid);
    assert_eq!(s.get_order(order.id).await.lines, order.lines);

    // …or cash on delivery for a second order.
    let other = s.order("card_in_app").await;
    let _ = s
        .pay_card(&other, test_cards::INSUFFICIENT_FUNDS, "c")
        .await;
    let switched: Order = s
        .http
        .post(s.url(&format!("/api/v1/orders/{}/payment-method", other.id)))
        .bearer_auth(&s.token)
        .json(&json!({"method": "cash_on_delivery"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(switched.payment_state, PaymentState::DueOnDelivery);
    assert_eq!(
        switched.payment_method,
        customerclient_api::orders::PaymentMethod::CashOnDelivery
    );
    let states: Vec<_> = switched.payment_history.iter().map(|h| h.state).collect();
    assert_eq!(
        states,
        [
            PaymentState::AwaitingPayment,
            PaymentState::Failed,
            PaymentState::DueOnDelivery
        ]
    );
}

#[tokio::test]
async fn the_same_card_payment_sent_twice_at_once_charges_once() {
    let s = Arc::new(shop(|_| {}).await);
    let order = s.order("card_in_app").await;
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let s = s.clone();
        let order = order.clone();
        tasks.push(tokio::spawn(async move {
            s.pay_card(&order, test_cards::APPROVED, "same-key")
                .await
                .json::<Payment>()
                .await
                .unwrap()
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().id);
    }
    assert_eq!(ids[0], ids[1]);
    assert_eq!(s.gateway.charges(), 1);
    assert_eq!(
        s.get_order(order.id).await.payment_state,
        PaymentState::Paid
    );
}

#[tokio::test]
async fn bad_card_input_is_refused_before_the_gateway() {
    let s = shop(|_| {}).await;
    let order = s.order("card_in_app").await;
    for (number, month, year, cvc, word) in [
        ("4111111111111112", 12, 2031, "123", "not valid"),
        ("4242424242424242", 1, 2020, "123", "expired"),
        ("4242424242424242", 12, 2031, "12", "security code"),
        ("378282246310005", 12, 2031, "123", "security code"),
    ] {
        let body = json!({"card": {"number": number, "expiry_month": month, "expiry_year": year, "cvc": cvc}});
        let resp = s
            .http
            .post(s.url(&format!("/api/v1/orders/{}/payments/card", order.id)))
            .bearer_auth(&s.token)
            .header("Idempotency-Key", format!("{number}{month}{cvc}"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err: ErrorBody = resp.json().await.unwrap();
        assert_eq!(err.error, "invalid_card");
        assert!(
            err.message.contains(word),
            "{} should say {word}",
            err.message
        );
    }
    let no_key = s.http.post(s.url(&format!("/api/v1/orders/{}/payments/card", order.id))).bearer_auth(&s.token)
        .json(&json!({"card": {"number": "4242424242424242", "expiry_month": 12, "expiry_year": 2031, "cvc": "123"}})).send().await.unwrap();
    assert_eq!(no_key.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(s.gateway.charges(), 0);
    assert_eq!(
        s.get_order(order.id).await.payment_state,
        PaymentState::AwaitingPayment
    );
}

#[tokio::test]
async fn another_customer_cannot_pay_or_see_a_payment() {
    let s = shop(|_| {}).await;
    let order = s.order("qr_bank_app").await;
    let (_, payment) = s.start_qr(&order).await;
    let other: Value = s
        .http
        .post(s.url("/api/v1/auth/guest"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let other = other["token"].as_str().unwrap();
    let resp = s
        .http
        .get(s.url(&format!("/api/v1/payments/{}", payment.id)))
        .bearer_auth(other)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = s
        .http
        .post(s.url(&format!("/api/v1/orders/{}/payments/qr", order.id)))
        .bearer_auth(other)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_backend_restart_in_the_middle_of_a_qr_payment_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = support::engine::database_url(dir.path(), "restart");
    let http = reqwest::Client::new();
    let first =
        customerclient_backend::start(&Config::new(url.clone()), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
    let session: Value = http
        .post(format!("{}/api/v1/auth/guest", first.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_owned();
    let body = json!({"lines": [{"product_id": 3, "quantity": 1}], "city": "Kazan", "address": "Baumana 1",
                      "phone": "+79123456789", "delivery_method": "on_foot", "payment_method": "qr_bank_app"});
    let order: Order = http
        .post(format!("{}/api/v1/orders", first.url()))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let payment: Payment = http
        .post(format!(
            "{}/api/v1/orders/{}/payments/qr",
            first.url(),
            order.id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    first.stop().await;

    let second = customerclient_backend::start(&Config::new(url), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let (code, _) = bank::simulate(
        &http,
        &second.url(),
        DEMO_WEBHOOK_SECRET,
        payment.qr_payload.as_deref().unwrap(),
        BankStatus::Paid,
    )
    .await
    .unwrap();
    assert_eq!(code, 200);
    let after: Order = http
        .get(format!("{}/api/v1/orders/{}", second.url(), order.id))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after.payment_state, PaymentState::Paid);
    assert_eq!(after.lines, order.lines);
}

#[tokio::test]
async fn the_bank_simulator_page_pays_through_the_webhook() {
    let s = shop(|_| {}).await;
    let order = s.order("qr_bank_app").await;
    let (_, payment) = s.start_qr(&order).await;
    let page = s
        .http
        .get(s.url("/bank"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("#{}", order.number)),
        "the page lists the waiting code"
    );
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = no_redirect
        .post(s.url(&format!("/bank/{}/pay", payment.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        s.get_order(order.id).await.payment_state,
        PaymentState::Paid
    );

    let off = shop(|c| c.payments.bank_simulator = false).await;
    assert_eq!(
        off.http
            .get(off.url("/bank"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// Recovery and a kiosk's retry meet on one pending card attempt: recovery read it as
/// stale; the retry then took it up (and charges it under the same gateway key); recovery's
/// answer from the gateway ("no such charge yet") lands after that. Recovery must leave the
/// attempt to the retry — not fail it, which would turn the retry's charge into a refund and a
/// "please pay again" for a customer whose card was fine.
#[tokio::test]
async fn recovery_leaves_a_card_attempt_that_a_retry_has_taken_up() {
    use customerclient_backend::store::{CardStart, ChargeOutcome, now_ms};
    let s = shop(|_| {}).await;
    let store = &s.backend.state.store;
    let order = s.order("card_in_app").await;
    let account = store.delivery(order.id).await.unwrap().unwrap().account_id;
    // Phase one of the first request, which then died before the gateway answered.
    let Ok(CardStart::Started(first)) = store
        .start_card_attempt(account, order.id, "kiosk-key")
        .await
        .unwrap()
    else {
        panic!("a new attempt")
    };
    // Recovery reads it as pending (everything before now counts as stale here).
    let wait_a_tick = |t: i64| while now_ms() <= t {};
    wait_a_tick(first.updated_at);
    let stale = store.stale_card_attempts(now_ms()).await.unwrap();
    let read = stale.iter().find(|p| p.id == first.id).unwrap().clone();
    // The kiosk's retry takes the attempt up (its request now charges the card).
    wait_a_tick(read.updated_at);
    let Ok(CardStart::Existing(again)) = store
        .start_card_attempt(account, order.id, "kiosk-key")
        .await
        .unwrap()
    else {
        panic!("the same attempt")
    };
    assert_eq!(again.id, first.id);
    // Recovery's answer arrives: the gateway had no charge under the key when it asked.
    let interrupted = ChargeOutcome::Failed {
        code: "interrupted",
        message: "interrupted",
        note: "Card payment failed: interrupted",
    };
    let (left, _) = store
        .settle_card(first.id, &interrupted, Some(read.updated_at))
        .await
        .unwrap();
    assert_eq!(
        left.state,
        PaymentState::AwaitingPayment,
        "recovery left the attempt to the retry"
    );
    // The retry (sent again over HTTP, as the kiosk does) charges once and the order is paid.
    let resp = s.pay_card(&order, test_cards::APPROVED, "kiosk-key").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let paid: Payment = resp.json().await.unwrap();
    assert_eq!((paid.id, paid.state), (first.id, PaymentState::Paid));
    assert_eq!(
        s.get_order(order.id).await.payment_state,
        PaymentState::Paid
    );
    assert_eq!(s.gateway.charges(), 1);
    assert_eq!(s.gateway.refunds(), 0);
    // Recovery as it read an attempt nobody took up still resolves it.
    let other = s.order("card_in_app").await;
    let Ok(CardStart::Started(orphan)) = store
        .start_card_attempt(account, other.id, "orphan-key")
        .await
        .unwrap()
    else {
        panic!("a new attempt")
    };
    let (resolved, _) = store
        .settle_card(orphan.id, &interrupted, Some(orphan.updated_at))
        .await
        .unwrap();
    assert_eq!(resolved.state, PaymentState::Failed);
}

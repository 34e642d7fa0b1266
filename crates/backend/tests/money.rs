//! Money, accounts and push events under concurrency, over real HTTP on loopback: each test
//! is a regression test for a defect an attack found (issue 11), and reads the database file
//! itself where the invariant is about rows (one paid payment per order).

mod support;

use std::sync::Arc;
use std::time::Duration;

use customerclient_api::ErrorBody;
use customerclient_api::orders::Order;
use customerclient_api::payments::{Payment, PaymentState};
use customerclient_backend::payments::gateway::{SandboxGateway, test_cards};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;
use support::TestBackend;

struct Till {
    t: TestBackend,
    gateway: Arc<SandboxGateway>,
    token: String,
}

async fn till() -> Till {
    let gateway = Arc::new(SandboxGateway::with_slow_answer(Duration::from_secs(30)));
    let g = gateway.clone();
    let t = TestBackend::start(move |c| {
        c.payments.gateway = g;
        c.payments.gateway_timeout = Duration::from_millis(400);
    })
    .await;
    let token = t.guest().await;
    Till { t, gateway, token }
}

impl Till {
    async fn order(&self) -> Order {
        self.t.place_order(&self.token, 3, "card_in_app").await
    }

    fn pay_card(&self, order: &Order, number: &str, key: &str) -> reqwest::RequestBuilder {
        self.t
            .http
            .post(self.t.url(&format!("/api/v1/orders/{}/payments/card", order.id)))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .json(&json!({"card": {"number": number, "expiry_month": 12, "expiry_year": 2031, "cvc": "737"}}))
    }

    async fn start_qr(&self, order: &Order) -> reqwest::Response {
        self.t
            .http
            .post(
                self.t
                    .url(&format!("/api/v1/orders/{}/payments/qr", order.id)),
            )
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// The bank's signed notice that the QR code `payment` was paid, as transaction `tx`.
    fn bank_pays(&self, payment: &Payment, tx: &str) -> reqwest::RequestBuilder {
        support::bank_pays(
            &self.t.http,
            &self.t.backend.url(),
            payment.qr_payload.as_deref().unwrap(),
            payment.amount.minor,
            tx,
        )
    }

    async fn cancel(&self, order: &Order) -> reqwest::Response {
        self.t
            .http
            .post(self.t.url(&format!("/api/v1/orders/{}/cancel", order.id)))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    async fn switch_to_cash(&self, order: &Order) -> reqwest::Response {
        self.t
            .http
            .post(
                self.t
                    .url(&format!("/api/v1/orders/{}/payment-method", order.id)),
            )
            .bearer_auth(&self.token)
            .json(&json!({"method": "cash_on_delivery"}))
            .send()
            .await
            .unwrap()
    }

    async fn get_order(&self, id: uuid::Uuid) -> Order {
        self.t
            .http
            .get(self.t.url(&format!("/api/v1/orders/{id}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        let url = support::engine::database_url(self.t.dir.path(), "test");
        sqlx::AnyPool::connect(&url).await.unwrap()
    }

    /// Payment rows of the order in `state`.
    async fn rows_in(&self, order: &Order, state: &str) -> i64 {
        let db = self.db().await;
        let n =
            sqlx::query("SELECT COUNT(*) AS n FROM payments WHERE order_id = $1 AND state = $2")
                .bind(order.id.to_string())
                .bind(state)
                .fetch_one(&db)
                .await
                .unwrap()
                .get("n");
        db.close().await;
        n
    }
}

async fn error_of(resp: reqwest::Response) -> (StatusCode, String) {
    let status = resp.status();
    (status, resp.json::<ErrorBody>().await.unwrap().error)
}

#[tokio::test]
async fn fifty_card_payments_with_different_keys_charge_once() {
    let s = till().await;
    let order = s.order().await;
    let answers = join_all((0..50).map(|i| {
        let req = s.pay_card(&order, test_cards::APPROVED, &format!("key-{i}"));
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status();
            (status, resp.json::<Value>().await.unwrap())
        }
    }))
    .await;
    let paid = answers
        .iter()
        .filter(|(s, v)| s.is_success() && v["state"] == "paid")
        .count();
    assert_eq!(paid, 1, "{answers:?}");
    for (status, v) in answers.iter().filter(|(s, _)| !s.is_success()) {
        assert_eq!(*status, StatusCode::CONFLICT);
        let code = v["error"].as_str().unwrap();
        assert!(
            ["payment_in_progress", "already_paid"].contains(&code),
            "{v}"
        );
        assert!(!v["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(s.gateway.charges(), 1);
    assert_eq!(s.rows_in(&order, "paid").await, 1);
    assert_eq!(
        s.get_order(order.id).await.payment_state,
        PaymentState::Paid
    );
}

#[tokio::test]
async fn fifty_card_payments_with_one_key_charge_once_and_answer_alike() {
    let s = till().await;
    let order = s.order().await;
    let answers = join_all((0..50).map(|_| {
        let req = s.pay_card(&order, test_cards::APPROVED, "same-key");
        async move {
            let resp = req.send().await.unwrap();
            assert!(resp.status().is_success(), "{}", resp.status());
            resp.json::<Payment>().await.unwrap()
        }
    }))
    .await;
    let first = answers[0].id;
    assert!(answers.iter().all(|p| p.id == first));
    assert!(
        answers.iter().all(|p| p.state == PaymentState::Paid),
        "{answers:?}"
    );
    assert_eq!(s.gateway.charges(), 1);
    assert_eq!(s.rows_in(&order, "paid").await, 1);
}

#[tokio::test]
async fn card_payments_racing_the_bank_take_the_money_once() {
    let s = till().await;
    let order = s.order().await;
    let qr: Payment = s.start_qr(&order).await.json().await.unwrap();
    let bank = s.bank_pays(&qr, "bank-race").send();
    let cards = join_all((0..25).map(|i| {
        s.pay_card(&order, test_cards::APPROVED, &format!("race-{i}"))
            .send()
    }));
    let (bank, cards) = tokio::join!(bank, cards);
    let bank = bank.unwrap();
    let bank_took = bank.status() == StatusCode::OK;
    let cards_paid = {
        let mut n = 0;
        for c in cards {
            let c = c.unwrap();
            if c.status().is_success()
                && c.json::<Payment>().await.unwrap().state == PaymentState::Paid
            {
                n += 1;
            }
        }
        n
    };
    // Exactly one way took the money; anything the other took is recorded as refunded.
    assert_eq!(
        u64::from(bank_took) + cards_paid,
        1,
        "bank {bank_took}, cards {cards_paid}"
    );
    assert_eq!(s.rows_in(&order, "paid").await, 1);
    let kept = s.gateway.charges() - s.gateway.refunds() + u64::from(bank_took);
    assert_eq!(kept, 1);
}

#[tokio::test]
async fn a_qr_code_paid_after_the_card_is_refunded_not_taken() {
    let s = till().await;
    let order = s.order().await;
    let qr: Payment = s.start_qr(&order).await.json().await.unwrap();
    let card = s
        .pay_card(&order, test_cards::APPROVED, "k1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        card.json::<Payment>().await.unwrap().state,
        PaymentState::Paid
    );
    let late = s.bank_pays(&qr, "bank-late").send().await.unwrap();
    assert_eq!(
        error_of(late).await,
        (StatusCode::CONFLICT, "payment_superseded".into())
    );
    // The same notice again gets the same answer and changes nothing.
    let again = s.bank_pays(&qr, "bank-late").send().await.unwrap();
    assert_eq!(
        error_of(again).await,
        (StatusCode::CONFLICT, "payment_superseded".into())
    );
    assert_eq!(s.rows_in(&order, "paid").await, 1);
    assert_eq!(s.rows_in(&order, "refunded").await, 1);
    let o = s.get_order(order.id).await;
    assert_eq!(o.payment_state, PaymentState::Paid);
    assert_eq!(
        o.payment_history
            .iter()
            .filter(|h| h.state == PaymentState::Paid)
            .count(),
        1
    );
}

#[tokio::test]
async fn cancelled_and_delivered_orders_take_no_payment() {
    let s = till().await;
    // Cancelled with a QR code waiting: the code is dead, a card is refused, the bank's late
    // payment is refunded.
    let order = s.order().await;
    let qr: Payment = s.start_qr(&order).await.json().await.unwrap();
    let cancel = s.cancel(&order).await;
    assert_eq!(cancel.status(), StatusCode::OK);
    let card = s
        .pay_card(&order, test_cards::APPROVED, "after-cancel")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(card).await,
        (StatusCode::CONFLICT, "order_closed".into())
    );
    assert_eq!(
        error_of(s.start_qr(&order).await).await,
        (StatusCode::CONFLICT, "order_closed".into())
    );
    let bank = s.bank_pays(&qr, "bank-after-cancel").send().await.unwrap();
    assert_eq!(
        error_of(bank).await,
        (StatusCode::CONFLICT, "order_cancelled".into())
    );
    assert_eq!(s.rows_in(&order, "paid").await, 0);
    assert_eq!(s.gateway.charges(), 0);

    // Delivered (paid on delivery): nothing more can be paid.
    let order = s.t.place_order(&s.token, 3, "cash_on_delivery").await;
    for step in [
        "accepted",
        "preparing",
        "courier_assigned",
        "on_the_way",
        "delivered",
    ] {
        assert_eq!(
            s.t.courier_status(order.id, step).await,
            StatusCode::NO_CONTENT
        );
    }
    let card = s
        .pay_card(&order, test_cards::APPROVED, "after-delivery")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(card).await,
        (StatusCode::CONFLICT, "order_closed".into())
    );
    assert_eq!(
        error_of(s.start_qr(&order).await).await,
        (StatusCode::CONFLICT, "order_closed".into())
    );
    assert_eq!(s.gateway.charges(), 0);
}

#[tokio::test]
async fn a_refund_is_not_undone_by_the_bank_replaying_its_notice() {
    let s = till().await;
    let order = s.order().await;
    let qr: Payment = s.start_qr(&order).await.json().await.unwrap();
    assert_eq!(
        s.bank_pays(&qr, "bank-1").send().await.unwrap().status(),
        StatusCode::OK
    );
    let cancel = s.cancel(&order).await;
    assert_eq!(
        cancel.json::<Order>().await.unwrap().payment_state,
        PaymentState::Refunded
    );
    let replay = s.bank_pays(&qr, "bank-1").send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(
        replay.json::<Payment>().await.unwrap().state,
        PaymentState::Refunded
    );
    assert_eq!(s.rows_in(&order, "paid").await, 0);
    assert_eq!(s.rows_in(&order, "refunded").await, 1);
    assert_eq!(
        s.get_order(order.id).await.payment_state,
        PaymentState::Refunded
    );
}

#[tokio::test]
async fn a_card_in_flight_keeps_the_order_from_switching_to_cash() {
    let s = till().await;
    let order = s.order().await;
    // This card's bank answers after the gateway timeout: the attempt is in flight 400 ms.
    let slow = s.pay_card(&order, test_cards::TIMES_OUT, "slow").send();
    let switch = async {
        support::eventually(
            "the card attempt to be pending",
            Duration::from_secs(5),
            || async { (s.rows_in(&order, "awaiting_payment").await == 1).then_some(()) },
        )
        .await;
        s.switch_to_cash(&order).await
    };
    let (slow, switch) = tokio::join!(slow, switch);
    let switch_status = switch.status();
    let body: ErrorBody = switch.json().await.unwrap();
    assert_eq!(
        (switch_status, body.error.as_str()),
        (StatusCode::CONFLICT, "payment_in_progress")
    );
    assert!(body.message.contains("being processed"), "{}", body.message);
    let slow: Payment = slow.unwrap().json().await.unwrap();
    assert_eq!(slow.failure_code.as_deref(), Some("gateway_timeout"));
    // Once the answer is in, the switch goes through.
    let again = s.switch_to_cash(&order).await;
    assert_eq!(
        again.json::<Order>().await.unwrap().payment_state,
        PaymentState::DueOnDelivery
    );
}

#[tokio::test]
async fn a_card_number_sent_as_a_number_is_not_echoed() {
    let s = till().await;
    let order = s.order().await;
    let resp = s
        .t
        .http
        .post(s.t.url(&format!("/api/v1/orders/{}/payments/card", order.id)))
        .bearer_auth(&s.token)
        .header("Idempotency-Key", "n")
        .json(&json!({"card": {"number": 4242424242424242u64, "expiry_month": 12, "expiry_year": 2031, "cvc": "737"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = resp.text().await.unwrap();
    assert!(!text.contains("4242"), "{text}");
    assert!(text.contains("invalid_body"), "{text}");
}

#[tokio::test]
async fn bursts_of_events_reach_the_open_stream_once_and_in_order() {
    let t = TestBackend::start(|_| {}).await;
    let token = t.guest().await;
    let mut orders = Vec::new();
    for _ in 0..10 {
        orders.push(t.place_order(&token, 5, "cash_on_delivery").await);
    }
    // Every order moves at the same moment, three steps each: 30 events written concurrently.
    for step in ["accepted", "preparing", "courier_assigned"] {
        let answers = join_all(orders.iter().map(|o| t.courier_status(o.id, step))).await;
        assert!(answers.iter().all(|s| *s == StatusCode::NO_CONTENT));
    }
    let mut stream = t.events(&token).await;
    let before = stream.next(30).await;
    // Then 600 courier positions for the ten orders, 50 at a time, while the stream is open.
    let post = |i: usize| {
        let order = orders[i % orders.len()].id;
        t.http
            .post(t.url(&format!("/api/v1/courier/orders/{order}/position")))
            .header(
                "X-Courier-Token",
                customerclient_backend::DEMO_COURIER_TOKEN,
            )
            .json(&json!({"x": i as f64, "y": 0.0}))
            .send()
    };
    let reader = async {
        let got = stream.next(600).await;
        (stream, got)
    };
    let writer = async {
        for chunk in (0..600).collect::<Vec<_>>().chunks(50) {
            for r in join_all(chunk.iter().map(|&i| post(i))).await {
                assert_eq!(r.unwrap().status(), StatusCode::NO_CONTENT);
            }
        }
    };
    let ((mut stream, got), ()) = tokio::join!(reader, writer);
    let ids: Vec<i64> = got.iter().map(|e| e.id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "out of order or repeated: {ids:?}"
    );
    assert!(ids[0] > before.last().unwrap().id);
    for o in &orders {
        assert_eq!(got.iter().filter(|e| e.order_id == o.id).count(), 60);
    }
    // Nothing more than those: the next event is a new one.
    assert_eq!(
        t.courier_status(orders[0].id, "on_the_way").await,
        StatusCode::NO_CONTENT
    );
    let next = stream.next(1).await;
    assert!(next[0].id > *ids.last().unwrap());
    assert_eq!(next[0].order_id, orders[0].id);
}

#[tokio::test]
async fn a_stream_reconnecting_after_more_than_a_thousand_events_gets_them_all() {
    let t = TestBackend::start(|_| {}).await;
    let token = t.guest().await;
    let order = t.place_order(&token, 5, "cash_on_delivery").await;
    for step in ["accepted", "preparing", "courier_assigned"] {
        assert_eq!(
            t.courier_status(order.id, step).await,
            StatusCode::NO_CONTENT
        );
    }
    let mut first = t.events(&token).await;
    let seen = first.next(3).await;
    let last = seen.last().unwrap().id;
    drop(first);
    // 1,200 courier positions while the kiosk is away, 16 at a time.
    let post = |i: usize| {
        t.http
            .post(t.url(&format!("/api/v1/courier/orders/{}/position", order.id)))
            .header(
                "X-Courier-Token",
                customerclient_backend::DEMO_COURIER_TOKEN,
            )
            .json(&json!({"x": i as f64, "y": 0.0}))
            .send()
    };
    for chunk in (0..1200).collect::<Vec<_>>().chunks(16) {
        for r in join_all(chunk.iter().map(|&i| post(i))).await {
            assert_eq!(r.unwrap().status(), StatusCode::NO_CONTENT);
        }
    }
    let resp = t
        .http
        .get(t.url("/api/v1/events"))
        .bearer_auth(&token)
        .header("Last-Event-ID", last.to_string())
        .send()
        .await
        .unwrap();
    let mut again = support::EventStream::new(resp);
    let missed = again.next(1200).await;
    assert_eq!(missed.len(), 1200);
    assert!(missed.windows(2).all(|w| w[0].id < w[1].id));
    assert!(missed[0].id > last);
    // And the stream is live afterwards.
    assert_eq!(
        t.courier_status(order.id, "on_the_way").await,
        StatusCode::NO_CONTENT
    );
    let live = again.next(1).await;
    assert!(live[0].id > missed.last().unwrap().id);
}

#[tokio::test]
async fn concurrent_wrong_passwords_get_five_guesses_checked() {
    let t = TestBackend::start(|_| {}).await;
    let tries = join_all((0..60).map(|i| {
        t.http
            .post(t.url("/api/v1/auth/signin"))
            .header("X-Kiosk-Id", format!("kiosk-{i}"))
            .json(&json!({"login": "demo", "password": format!("guess-{i}")}))
            .send()
    }))
    .await;
    let statuses: Vec<StatusCode> = tries.into_iter().map(|r| r.unwrap().status()).collect();
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked, 5, "{statuses:?}");
    assert_eq!(refused, 55);
}

#[tokio::test]
async fn code_requests_and_current_password_guesses_are_limited() {
    let t = TestBackend::start(|_| {}).await;
    // Password reset codes for one account: five, then a wait.
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let r = t
            .http
            .post(t.url("/api/v1/auth/password/forgot"))
            .json(&json!({"email": customerclient_backend::seed::history::DEMO_EMAIL}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert_eq!(&statuses[..5], &[StatusCode::ACCEPTED; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    // Guessing the current password while signed in is throttled like signing in.
    let token = t
        .sign_in("demo", customerclient_backend::seed::history::DEMO_PASSWORD)
        .await;
    let mut statuses = Vec::new();
    for i in 0..7 {
        let r = t
            .http
            .post(t.url("/api/v1/auth/password"))
            .bearer_auth(&token)
            .json(&json!({"current_password": format!("wrong-{i}"), "new_password": "new-password-1"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert_eq!(&statuses[..5], &[StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn look_alike_logins_cannot_sit_beside_demo() {
    let t = TestBackend::start(|_| {}).await;
    for (i, login) in ["Demo", "dеmo", "ｄｅｍｏ", "DEMO"].iter().enumerate() {
        let r = t
            .http
            .post(t.url("/api/v1/auth/signup"))
            .json(
                &json!({"login": login, "email": format!("look{i}@example.com"),
                          "phone": "+79123456789", "password": "long-enough-1"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_of(r).await,
            (StatusCode::CONFLICT, "account_exists".into()),
            "{login}"
        );
    }
}

#[tokio::test]
async fn guests_and_orders_are_limited_per_address_and_account() {
    let t = TestBackend::start(|_| {}).await;
    let token = t.guest().await;
    let mut placed = 0;
    let mut refused = None;
    for i in 0..25 {
        let r = t
            .http
            .post(t.url("/api/v1/orders"))
            .bearer_auth(&token)
            .json(&json!({"lines": [{"product_id": 1, "quantity": 1}], "city": "Moscow", "address": "Arbat 1",
                          "phone": "+79123456789", "delivery_method": "car", "payment_method": "cash_on_delivery"}))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(i);
            break;
        }
        assert_eq!(r.status(), StatusCode::CREATED);
        placed += 1;
    }
    assert_eq!((placed, refused), (20, Some(20)));
    // The order list comes a page at a time.
    let page: Value = t
        .http
        .get(t.url("/api/v1/orders?limit=7"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["orders"].as_array().unwrap().len(), 7);
    assert_eq!(page["next_offset"], 7);

    let mut made = 1;
    loop {
        let r = t
            .http
            .post(t.url("/api/v1/auth/guest"))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(r.status(), StatusCode::CREATED);
        made += 1;
        assert!(made <= 300, "guests are not limited");
    }
    assert_eq!(made, 300);
}

/// A field of /proc/self/status (VmRSS, VmHWM), in KiB.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| {
            v.trim_start_matches(':')
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()
        })
        .unwrap()
}

#[tokio::test]
async fn two_hundred_sign_ups_at_once_stay_within_bounded_memory() {
    let t = TestBackend::start(|c| c.auth.codes_per_peer.free = 10_000).await;
    let before = status_kib("VmRSS");
    // Writing 5 to clear_refs resets the peak (VmHWM) to the current size.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let answers = join_all((0..200).map(|i| {
        t.http
            .post(t.url("/api/v1/auth/signup"))
            .json(
                &json!({"login": format!("crowd{i}"), "email": format!("crowd{i}@example.com"),
                          "phone": "+79123456789", "password": "long-enough-1"}),
            )
            .send()
    }))
    .await;
    for a in answers {
        assert_eq!(a.unwrap().status(), StatusCode::ACCEPTED);
    }
    let grown_mib = (status_kib("VmHWM").saturating_sub(before)) / 1024;
    println!("peak memory grew by {grown_mib} MiB over 200 sign-ups");
    // One argon2 memory (19 MiB) per core at most, plus the requests themselves; 200 hashes
    // in parallel took several GiB.
    assert!(grown_mib < 200, "peak memory grew by {grown_mib} MiB");
}

#[tokio::test]
async fn the_standalone_backend_refuses_demo_secrets_and_the_simulator_ignores_host() {
    // Not in demo mode, without its own secrets: refused at start, with the reason.
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::engine::config(dir.path(), "x");
    config.seed_videos = false;
    config.demo = false;
    config.payments.bank_simulator = false;
    let err = customerclient_backend::start(&config, "127.0.0.1:0".parse().unwrap())
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("courier token"), "{err}");
    config.courier_token = "a-real-courier-token".into();
    let err = customerclient_backend::start(&config, "127.0.0.1:0".parse().unwrap())
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("operator token"), "{err}");
    config.operator_token = "a-real-operator-token".into();
    let err = customerclient_backend::start(&config, "127.0.0.1:0".parse().unwrap())
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("webhook secret"), "{err}");
    config.payments.webhook_secret = "a-real-webhook-secret-0123".into();
    let b = customerclient_backend::start(&config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let page = http.get(format!("{}/bank", b.url())).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    b.stop().await;

    // The demo's simulator sends its webhook to the backend itself, whatever Host says.
    let s = till().await;
    let trap = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let trap_addr = trap.local_addr().unwrap();
    let order = s.order().await;
    let qr: Payment = s.start_qr(&order).await.json().await.unwrap();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects
        .post(s.t.url(&format!("/bank/{}/pay", qr.id)))
        .header("Host", trap_addr.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let caught = tokio::time::timeout(Duration::from_millis(200), trap.accept()).await;
    assert!(
        caught.is_err(),
        "the webhook went to the Host header's address"
    );
    assert_eq!(
        s.get_order(order.id).await.payment_state,
        PaymentState::Paid
    );
}

#[tokio::test]
async fn cancelling_while_cards_are_charged_keeps_no_money() {
    let s = till().await;
    for round in 0..5 {
        let order = s.order().await;
        // A slow card is charged while the customer cancels.
        let card = s
            .pay_card(&order, test_cards::SLOW, &format!("cancel-race-{round}"))
            .send();
        let cancel = async {
            tokio::time::sleep(Duration::from_millis(20 * round)).await;
            s.cancel(&order).await
        };
        let (card, cancel) = tokio::join!(card, cancel);
        assert_eq!(cancel.status(), StatusCode::OK);
        let card_status = card.unwrap().status();
        assert!(
            card_status.is_success() || card_status == StatusCode::CONFLICT,
            "{card_status}"
        );
        let o = s.get_order(order.id).await;
        assert!(
            matches!(
                o.payment_state,
                PaymentState::Refunded | PaymentState::Failed | PaymentState::AwaitingPayment
            ),
            "{:?}",
            o.payment_state
        );
        assert_eq!(s.rows_in(&order, "paid").await, 0);
        assert_eq!(s.rows_in(&order, "awaiting_payment").await, 0);
    }
    // Every charge the sandbox made was given back (refunds are sent after the commit).
    support::eventually("every charge refunded", Duration::from_secs(10), || async {
        (s.gateway.charges() == s.gateway.refunds()).then_some(())
    })
    .await;
}

#[tokio::test]
async fn two_couriers_moving_one_order_at_once_move_it_once() {
    let t = TestBackend::start(|_| {}).await;
    let token = t.guest().await;
    let order = t.place_order(&token, 5, "cash_on_delivery").await;
    let answers = join_all((0..20).map(|_| t.courier_status(order.id, "accepted"))).await;
    assert_eq!(
        answers
            .iter()
            .filter(|s| **s == StatusCode::NO_CONTENT)
            .count(),
        1
    );
    assert_eq!(
        answers
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        19
    );
    let o: Order = t
        .http
        .get(t.url(&format!("/api/v1/orders/{}", order.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(o.history.len(), 2, "{:?}", o.history);
}

#[tokio::test]
async fn one_bank_transaction_cannot_pay_two_orders() {
    let s = till().await;
    let a = s.order().await;
    let b = s.order().await;
    let qa: Payment = s.start_qr(&a).await.json().await.unwrap();
    let qb: Payment = s.start_qr(&b).await.json().await.unwrap();
    assert_eq!(
        s.bank_pays(&qa, "tx-shared").send().await.unwrap().status(),
        StatusCode::OK
    );
    let second = s.bank_pays(&qb, "tx-shared").send().await.unwrap();
    assert_eq!(
        error_of(second).await,
        (StatusCode::CONFLICT, "duplicate".into())
    );
    assert_eq!(
        s.get_order(b.id).await.payment_state,
        PaymentState::AwaitingPayment
    );
}

#[tokio::test]
async fn an_unknown_brand_never_reaches_the_gateway() {
    let s = till().await;
    let order = s.order().await;
    let resp = s
        .pay_card(&order, "0000000000000000", "zeros")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(resp).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_card".into())
    );
    assert_eq!(s.gateway.charges(), 0);
}

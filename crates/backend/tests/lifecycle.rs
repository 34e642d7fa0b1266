//! The order life cycle over HTTP: the kitchen and courier move an order forward, illegal
//! steps are refused with 409, every step is in the history, and customers cancel only
//! before preparation starts (a paid order is then refunded).

mod support;

use customerclient_api::ErrorBody;
use customerclient_api::orders::{Order, OrderStatus};
use customerclient_api::payments::PaymentState;
use customerclient_backend::DEMO_COURIER_TOKEN;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::TestBackend;

struct Shop {
    t: TestBackend,
    token: String,
}

async fn shop() -> Shop {
    let t = TestBackend::start(|_| {}).await;
    let token = t.guest().await;
    Shop { t, token }
}

impl Shop {
    fn url(&self, p: &str) -> String {
        self.t.url(p)
    }

    async fn order(&self, payment: &str) -> Order {
        self.t.place_order(&self.token, 2, payment).await
    }

    async fn courier(&self, order: &Order, status: &str, token: &str) -> reqwest::Response {
        self.t
            .http
            .post(self.url(&format!("/api/v1/courier/orders/{}/status", order.id)))
            .header("X-Courier-Token", token)
            .json(&json!({"status": status}))
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, order: &Order) -> Order {
        self.t
            .http
            .get(self.url(&format!("/api/v1/orders/{}", order.id)))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn cancel(&self, order: &Order) -> reqwest::Response {
        self.t
            .http
            .post(self.url(&format!("/api/v1/orders/{}/cancel", order.id)))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn an_order_moves_through_its_stages_and_refuses_to_skip_one() {
    let s = shop().await;
    let order = s.order("cash_on_delivery").await;

    let skip = s.courier(&order, "delivered", DEMO_COURIER_TOKEN).await;
    assert_eq!(skip.status(), StatusCode::CONFLICT);
    assert_eq!(
        skip.json::<ErrorBody>().await.unwrap().error,
        "illegal_transition"
    );
    assert_eq!(
        s.courier(&order, "accepted", "wrong-token").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.get(&order).await.status,
        OrderStatus::Placed,
        "refused steps change nothing"
    );

    for status in [
        "accepted",
        "preparing",
        "courier_assigned",
        "on_the_way",
        "delivered",
    ] {
        let resp = s.courier(&order, status, DEMO_COURIER_TOKEN).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT, "{status}");
    }
    let done = s.get(&order).await;
    assert_eq!(done.status, OrderStatus::Delivered);
    let stages: Vec<_> = done.history.iter().map(|h| h.status).collect();
    assert_eq!(stages, OrderStatus::STAGES);
    assert!(
        done.history.windows(2).all(|w| w[0].at <= w[1].at),
        "timestamps in order"
    );
    assert_eq!(
        s.courier(&order, "failed", DEMO_COURIER_TOKEN)
            .await
            .status(),
        StatusCode::CONFLICT,
        "a delivered order stays delivered"
    );
}

#[tokio::test]
async fn customers_cancel_until_preparation_starts_and_paid_orders_are_refunded() {
    let s = shop().await;
    let early = s.order("cash_on_delivery").await;
    let resp = s.cancel(&early).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let cancelled: Order = resp.json().await.unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(
        cancelled.history.last().unwrap().status,
        OrderStatus::Cancelled
    );

    let late = s.order("cash_on_delivery").await;
    s.courier(&late, "accepted", DEMO_COURIER_TOKEN).await;
    s.courier(&late, "preparing", DEMO_COURIER_TOKEN).await;
    let refused = s.cancel(&late).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(
        refused.json::<ErrorBody>().await.unwrap().error,
        "too_late_to_cancel"
    );

    let paid = s.order("card_in_app").await;
    let resp = s.t.http.post(s.url(&format!("/api/v1/orders/{}/payments/card", paid.id))).bearer_auth(&s.token)
        .header("Idempotency-Key", "pay-1")
        .json(&json!({"card": {"number": "4242424242424242", "expiry_month": 12, "expiry_year": 2031, "cvc": "123"}}))
        .send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let refunded: Order = s.cancel(&paid).await.json().await.unwrap();
    assert_eq!(refunded.status, OrderStatus::Cancelled);
    assert_eq!(refunded.payment_state, PaymentState::Refunded);
    assert!(
        refunded
            .payment_history
            .iter()
            .any(|h| h.state == PaymentState::Refunded)
    );

    // Someone else's order cannot be cancelled (or even seen).
    let other: Value =
        s.t.http
            .post(s.url("/api/v1/auth/guest"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let resp =
        s.t.http
            .post(s.url(&format!("/api/v1/orders/{}/cancel", late.id)))
            .bearer_auth(other["token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

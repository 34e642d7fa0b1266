//! Push notifications over Server-Sent Events: events arrive in order, a dropped stream
//! reconnecting with `Last-Event-ID` gets exactly the missed ones, and customers see only theirs.

mod support;

use customerclient_api::orders::{Order, OrderStatus};
use customerclient_api::push::{PushEvent, PushKind};
use customerclient_backend::DEMO_COURIER_TOKEN;
use reqwest::StatusCode;
use serde_json::json;
use support::TestBackend;

struct Shop {
    t: TestBackend,
}

impl Shop {
    async fn start() -> Self {
        Shop {
            t: TestBackend::start(|_| {}).await,
        }
    }

    fn url(&self, p: &str) -> String {
        self.t.url(p)
    }

    async fn guest(&self) -> String {
        self.t.guest().await
    }

    async fn order(&self, token: &str) -> Order {
        self.t.place_order(token, 5, "cash_on_delivery").await
    }

    async fn courier(&self, order: &Order, status: &str) {
        let resp = self
            .t
            .http
            .post(self.url(&format!("/api/v1/courier/orders/{}/status", order.id)))
            .header("X-Courier-Token", DEMO_COURIER_TOKEN)
            .json(&json!({"status": status}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NO_CONTENT, "{status}");
    }

    async fn stream(&self, token: &str, last_id: Option<i64>) -> support::EventStream {
        let mut req = self
            .t
            .http
            .get(self.url("/api/v1/events"))
            .bearer_auth(token);
        if let Some(id) = last_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        support::EventStream::new(resp)
    }
}

fn statuses(events: &[PushEvent]) -> Vec<OrderStatus> {
    events
        .iter()
        .map(|e| match &e.kind {
            PushKind::OrderStatus { status } => *status,
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn a_dropped_stream_resumes_from_the_last_event_without_loss_or_repeats() {
    let s = Shop::start().await;
    let me = s.guest().await;
    let other = s.guest().await;
    let order = s.order(&me).await;
    let theirs = s.order(&other).await;
    let mut their_stream = s.stream(&other, None).await;

    let mut stream = s.stream(&me, None).await;
    s.courier(&order, "accepted").await;
    s.courier(&order, "preparing").await;
    let first = stream.next(2).await;
    assert_eq!(
        statuses(&first),
        [OrderStatus::Accepted, OrderStatus::Preparing]
    );
    assert!(
        first
            .iter()
            .all(|e| e.order_id == order.id && e.order_number == order.number)
    );
    drop(stream);

    // Missed while disconnected.
    s.courier(&order, "courier_assigned").await;
    s.courier(&order, "on_the_way").await;

    let last = first.last().unwrap().id;
    let mut resumed = s.stream(&me, Some(last)).await;
    let missed = resumed.next(2).await;
    assert_eq!(
        statuses(&missed),
        [OrderStatus::CourierAssigned, OrderStatus::OnTheWay]
    );
    s.courier(&order, "delivered").await;
    let live = resumed.next(1).await;
    assert_eq!(statuses(&live), [OrderStatus::Delivered]);

    let ids: Vec<i64> = first
        .iter()
        .chain(&missed)
        .chain(&live)
        .map(|e| e.id)
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing ids: {ids:?}"
    );

    // The other customer's stream saw none of that: its first event is its own order's.
    s.courier(&theirs, "accepted").await;
    let their_first = their_stream.next(1).await;
    assert_eq!(their_first[0].order_id, theirs.id);
}

//! Several backend processes on one database, as a chain runs them behind a load balancer:
//! what one instance stores, the others see, and nothing is done twice. Runs on the test
//! engine (`CUSTOMERCLIENT_TEST_ENGINE`): two real processes on one PostgreSQL database, or on
//! one SQLite file.

mod support;

use std::time::{Duration, Instant};

use customerclient_api::orders::{Order, OrderList, OrderStatus};
use customerclient_api::push::{PushKind, SseDecoder};
use serde_json::{Value, json};
use support::BackendProcess;
use support::engine::{Engine, database_url, engine};

fn order_body(address: &str) -> Value {
    json!({"lines": [{"product_id": 3, "quantity": 2}], "city": "Moscow", "address": address,
           "phone": "+79123456789", "delivery_method": "car", "payment_method": "cash_on_delivery"})
}

async fn guest(http: &reqwest::Client, base: &str) -> String {
    let v: Value = http
        .post(format!("{base}/api/v1/auth/guest"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn one_idempotency_key_sent_to_two_instances_at_once_makes_one_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path(), "fleet-keys");
    let a = BackendProcess::start(&db, &[]);
    let b = BackendProcess::start(&db, &[]);
    let http = reqwest::Client::new();
    // A session made through A is good on B: sessions live in the database.
    let token = guest(&http, &a.url).await;
    const KEYS: usize = 12;
    for k in 0..KEYS {
        let key = format!("fleet-{k}");
        let send = |base: &str| {
            http.post(format!("{base}/api/v1/orders"))
                .bearer_auth(&token)
                .header("Idempotency-Key", &key)
                .json(&order_body("Fleet 1"))
                .send()
        };
        let (ra, rb) = tokio::join!(send(&a.url), send(&b.url));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert!(ra.status().is_success(), "A answered {}", ra.status());
        assert!(rb.status().is_success(), "B answered {}", rb.status());
        let (oa, ob): (Order, Order) = (ra.json().await.unwrap(), rb.json().await.unwrap());
        assert_eq!(oa.id, ob.id, "key {key} made two orders");
    }
    let mine: OrderList = http
        .get(format!("{}/api/v1/orders?limit=100", b.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let placed = mine
        .orders
        .iter()
        .filter(|o| o.address == "Fleet 1")
        .count();
    assert_eq!(placed, KEYS, "one order per key across both instances");
}

#[tokio::test]
async fn a_status_changed_through_one_instance_reaches_a_stream_on_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path(), "fleet-push");
    let a = BackendProcess::start(&db, &[]);
    let b = BackendProcess::start(&db, &[]);
    let http = reqwest::Client::new();
    let token = guest(&http, &a.url).await;
    let order: Order = http
        .post(format!("{}/api/v1/orders", a.url))
        .bearer_auth(&token)
        .json(&order_body("Fleet 2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // PostgreSQL wakes B by NOTIFY; on one SQLite file B finds it by its 2 s poll.
    let limit = match engine() {
        Engine::Postgres => Duration::from_secs(1),
        Engine::Sqlite => Duration::from_secs(3),
    };
    let mut stream = http
        .get(format!("{}/api/v1/events", b.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), reqwest::StatusCode::OK);
    let mut decoder = SseDecoder::default();
    let mut latencies = Vec::new();
    for (status, expect) in [
        ("accepted", OrderStatus::Accepted),
        ("preparing", OrderStatus::Preparing),
        ("courier_assigned", OrderStatus::CourierAssigned),
    ] {
        let sent = Instant::now();
        let changed = http
            .post(format!(
                "{}/api/v1/courier/orders/{}/status",
                a.url, order.id
            ))
            .header(
                "X-Courier-Token",
                customerclient_backend::DEMO_COURIER_TOKEN,
            )
            .json(&json!({ "status": status }))
            .send()
            .await
            .unwrap();
        assert!(changed.status().is_success(), "A refused {status}");
        let event = 'found: loop {
            let chunk = tokio::time::timeout(limit, stream.chunk())
                .await
                .unwrap_or_else(|_| panic!("'{status}' did not reach B within {limit:?}"))
                .unwrap()
                .expect("B's stream stays open");
            for e in decoder.feed(&chunk) {
                if matches!(&e.kind, PushKind::OrderStatus { status: s } if *s == expect) {
                    break 'found e;
                }
            }
        };
        assert_eq!(event.order_id, order.id);
        latencies.push(sent.elapsed());
    }
    println!("A → B event latencies: {latencies:?}");
}

#[tokio::test]
async fn an_instance_killed_leaves_the_other_serving_the_same_customer() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path(), "fleet-kill");
    let a = BackendProcess::start(&db, &[]);
    let b = BackendProcess::start(&db, &[]);
    let http = reqwest::Client::new();
    let token = guest(&http, &a.url).await;
    let first: Order = http
        .post(format!("{}/api/v1/orders", a.url))
        .bearer_auth(&token)
        .header("Idempotency-Key", "before-the-kill")
        .json(&order_body("Fleet 3"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    a.kill();
    // The kiosk retries on the other instance with the same key: the same order, no second.
    let again: Order = http
        .post(format!("{}/api/v1/orders", b.url))
        .bearer_auth(&token)
        .header("Idempotency-Key", "before-the-kill")
        .json(&order_body("Fleet 3"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first.id, again.id);
    let fetched = http
        .get(format!("{}/api/v1/orders/{}", b.url, first.id))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), reqwest::StatusCode::OK);
}

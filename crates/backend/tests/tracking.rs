//! Delivery tracking: the simulator drives a courier along the route to the door through the
//! courier API; fixes are validated; tracking by number needs the phone's digits; the ETA
//! model beats a constant; recommendations come from baskets; ratings only after delivery.

mod support;

use std::time::{Duration, Instant};

use customerclient_api::city::{self, CityMap, Point};
use customerclient_api::orders::{Order, OrderStatus};
use customerclient_api::push::PushKind;
use customerclient_api::tracking::Tracking;
use customerclient_backend::predict::{Model, mae, synthetic_deliveries};
use customerclient_backend::simulator::SimulatorConfig;
use customerclient_backend::{DEMO_COURIER_TOKEN, tracking::CITY_SEED};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::TestBackend;

async fn order_on_foot(t: &TestBackend, token: &str, address: &str) -> Order {
    let resp = t
        .http
        .post(t.url("/api/v1/orders"))
        .bearer_auth(token)
        .json(&json!({"lines": [{"product_id": 9, "quantity": 2}], "city": "Moscow", "address": address,
                      "phone": "+7 912 345-67-89", "delivery_method": "on_foot", "payment_method": "cash_on_delivery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json().await.unwrap()
}

async fn tracking(t: &TestBackend, token: &str, order: &Order) -> (StatusCode, Option<Tracking>) {
    let resp = t
        .http
        .get(t.url(&format!("/api/v1/orders/{}/tracking", order.id)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.ok())
}

#[tokio::test]
async fn the_simulator_delivers_along_the_route_with_monotonic_progress() {
    // 600× real time: a 15-minute walk takes 1.5 s; a fix every 40 ms.
    let t = TestBackend::start(|c| {
        c.simulator = Some(SimulatorConfig {
            speed: 600.0,
            tick: Duration::from_millis(40),
        })
    })
    .await;
    let token = t.guest().await;
    let mut stream = t.events(&token).await;
    let order = order_on_foot(&t, &token, "Lenina 5").await;
    let (_, plan) = tracking(&t, &token, &order).await;
    let plan = plan.unwrap();
    assert!(plan.eta.is_some() && plan.distance_m > 300.0);
    let map = CityMap::generate(CITY_SEED);
    assert_eq!(plan.store, map.nodes[map.store]);
    assert_eq!(plan.route[0], plan.store);

    let mut statuses = Vec::new();
    let mut fixes: Vec<(Point, f64, Option<i64>)> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while statuses.last() != Some(&OrderStatus::Delivered) {
        assert!(Instant::now() < deadline, "not delivered: {statuses:?}");
        let e = stream.next_within(Duration::from_secs(20)).await;
        assert_eq!(e.order_id, order.id);
        match e.kind {
            PushKind::OrderStatus { status } => statuses.push(status),
            PushKind::CourierPosition {
                x,
                y,
                progress_m,
                eta_at,
            } => fixes.push((Point::new(x, y), progress_m, eta_at)),
            PushKind::Payment { .. } => {}
        }
    }
    use OrderStatus::*;
    assert_eq!(
        statuses,
        vec![Accepted, Preparing, CourierAssigned, OnTheWay, Delivered]
    );
    assert!(fixes.len() >= 10, "only {} fixes", fixes.len());
    let mut last = -1.0;
    for (p, progress, _) in &fixes {
        let (along, off) = city::project(&plan.route, *p, 0.0);
        assert!(off < 0.5, "{p:?} is {off} m off the route");
        assert!((along - progress).abs() < 1.0, "{progress} vs {along}");
        assert!(*progress >= last, "progress went back: {last} → {progress}");
        last = *progress;
    }
    assert!((last - plan.distance_m).abs() < 0.5, "ended at {last}");
    assert!(fixes[..fixes.len() - 1].iter().all(|f| f.2.is_some()));

    let (_, done) = tracking(&t, &token, &order).await;
    let done = done.unwrap();
    assert_eq!(done.status, Delivered);
    assert!(done.eta.is_none());
    assert_eq!(done.courier.unwrap().point, plan.destination);
    let times: Vec<i64> = done.history.iter().map(|h| h.at).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(done.history.len(), 6);
}

#[tokio::test]
async fn courier_fixes_are_checked_and_only_the_owner_tracks() {
    let t = TestBackend::start(|_| {}).await;
    let token = t.guest().await;
    let order = order_on_foot(&t, &token, "Tverskaya 12").await;
    let post = |x: f64, y: f64, courier: &'static str| {
        t.http
            .post(t.url(&format!("/api/v1/courier/orders/{}/position", order.id)))
            .header("X-Courier-Token", courier)
            .json(&json!({"x": x, "y": y}))
            .send()
    };
    assert_eq!(
        post(0.0, 0.0, DEMO_COURIER_TOKEN).await.unwrap().status(),
        StatusCode::CONFLICT,
        "no fixes before a courier has the order"
    );
    for s in ["accepted", "preparing", "courier_assigned", "on_the_way"] {
        assert_eq!(t.courier_status(order.id, s).await, StatusCode::NO_CONTENT);
    }
    assert_eq!(
        post(0.0, 0.0, "wrong").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let (_, plan) = tracking(&t, &token, &order).await;
    let plan = plan.unwrap();
    let halfway = city::point_along(&plan.route, plan.distance_m / 2.0);
    assert_eq!(
        post(halfway.x, halfway.y, DEMO_COURIER_TOKEN)
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    let (_, mid) = tracking(&t, &token, &order).await;
    let mid = mid.unwrap();
    let fix = mid.courier.unwrap();
    assert!((fix.progress_m - plan.distance_m / 2.0).abs() < 1.0);
    let eta = mid.eta.unwrap();
    assert!(eta.minutes_left > 0.0 && eta.minutes_left < plan.eta.unwrap().minutes_left);
    // Far off the route: shown, but progress stays.
    post(halfway.x + 5000.0, halfway.y, DEMO_COURIER_TOKEN)
        .await
        .unwrap();
    let (_, off) = tracking(&t, &token, &order).await;
    assert!((off.unwrap().courier.unwrap().progress_m - fix.progress_m).abs() < 1e-6);
    // Not a number → JSON error, not a panic.
    let bad = t
        .http
        .post(t.url(&format!("/api/v1/courier/orders/{}/position", order.id)))
        .header("X-Courier-Token", DEMO_COURIER_TOKEN)
        .header("content-type", "application/json")
        .body(r#"{"x": "north", "y": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stranger = t.guest().await;
    assert_eq!(
        tracking(&t, &stranger, &order).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn tracking_by_number_needs_the_phone_digits_and_is_throttled() {
    let t = TestBackend::start(|_| {}).await;
    let token = t.guest().await;
    let order = order_on_foot(&t, &token, "Arbat 20").await;
    let track = |number: i64, digits: &str| {
        t.http
            .post(t.url("/api/v1/track"))
            .header("X-Kiosk-Id", "kiosk-7")
            .json(&json!({"number": number, "phone_last4": digits}))
            .send()
    };
    let ok = track(order.number, "6789").await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let found: Tracking = ok.json().await.unwrap();
    assert_eq!(found.order_id, order.id);
    assert_eq!(
        track(order.number, "12ab").await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // One number's four digits: five guesses, then a wait, whoever asks.
    for _ in 0..5 {
        assert_eq!(
            track(order.number, "0000").await.unwrap().status(),
            StatusCode::NOT_FOUND
        );
    }
    let blocked = track(order.number, "6789").await.unwrap();
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.headers().contains_key("retry-after"));
    // Walking the numbers from one address stops too, whatever kiosk id it claims.
    let walk = |number: i64, kiosk: String| {
        t.http
            .post(t.url("/api/v1/track"))
            .header("X-Kiosk-Id", kiosk)
            .json(&json!({"number": number, "phone_last4": "6789"}))
            .send()
    };
    let mut refused_at = None;
    for n in 0..20 {
        let status = walk(order.number + 1 + n, format!("kiosk-{n}"))
            .await
            .unwrap()
            .status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused_at = Some(n);
            break;
        }
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // Ten attempts per address in all: six were spent above (five wrong, one refused).
    assert_eq!(refused_at, Some(4));
}

#[tokio::test]
async fn the_eta_model_beats_a_constant_on_held_out_deliveries() {
    const BOUND: f64 = 2.5; // minutes; the synthetic noise alone has a MAE of about 1.6
    let data = synthetic_deliveries(1000, 99);
    let (train, test) = data.split_at(800);
    let model = Model::fit(train);
    let model_mae = mae(|f| model.predict(f), test);
    let mean = train.iter().map(|(_, y)| y).sum::<f64>() / train.len() as f64;
    let constant_mae = mae(|_| mean, test);
    println!("ETA MAE: model {model_mae:.2} min, constant {constant_mae:.2} min");
    assert!(model_mae < BOUND, "model MAE {model_mae}");
    assert!(constant_mae > BOUND, "constant MAE {constant_mae}");

    // The backend's own model, fitted at start on the seeded history, does as well.
    let t = TestBackend::start(|_| {}).await;
    let live = t.backend.state.model.read().unwrap().clone();
    assert!(live.samples >= 500, "fitted on {}", live.samples);
    let live_mae = mae(|f| live.predict(f), test);
    println!("ETA MAE of the seeded model: {live_mae:.2} min");
    assert!(live_mae < BOUND, "seeded model MAE {live_mae}");
}

async fn also_bought(t: &TestBackend, id: i64) -> Vec<i64> {
    let v: Value = t
        .http
        .get(t.url(&format!("/api/v1/products/{id}/also-bought")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn recommendations_are_products_bought_together() {
    let t = TestBackend::start(|_| {}).await;
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&support::engine::database_url(t.dir.path(), "test"))
        .await
        .unwrap();
    // Counted here independently: orders holding both products, per partner of product 3.
    let pairs: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT b.product_id, COUNT(*) FROM order_lines a JOIN order_lines b
           ON a.order_id = b.order_id AND b.product_id <> a.product_id
         WHERE a.product_id = 3 GROUP BY b.product_id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let recs = also_bought(&t, 3).await;
    assert!(!recs.is_empty());
    let together = |id: i64| pairs.iter().find(|p| p.0 == id).map_or(0, |p| p.1);
    for id in &recs {
        assert!(together(*id) > 0, "{id} was never bought with 3");
    }
    let counts: Vec<i64> = recs.iter().map(|id| together(*id)).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");

    // New orders count: 6 orders of 3 with 30 make 30 a top recommendation.
    let token = t.guest().await;
    for _ in 0..6 {
        let resp = t
            .http
            .post(t.url("/api/v1/orders"))
            .bearer_auth(&token)
            .json(&json!({"lines": [{"product_id": 3, "quantity": 1}, {"product_id": 30, "quantity": 1}],
                          "city": "Moscow", "address": "Arbat 1", "phone": "+79123456789",
                          "delivery_method": "car", "payment_method": "cash_on_delivery"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
    }
    assert!(also_bought(&t, 3).await[..2].contains(&30));
    assert_eq!(
        t.http
            .get(t.url("/api/v1/products/9999/also-bought"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn only_delivered_orders_are_rated() {
    let t = TestBackend::start(|_| {}).await;
    let token = t.guest().await;
    let order = order_on_foot(&t, &token, "Arbat 3").await;
    let samples_before = t.backend.state.model.read().unwrap().samples;
    let rate = |stars: i64, comment: &str| {
        t.http
            .post(t.url(&format!("/api/v1/orders/{}/rating", order.id)))
            .bearer_auth(&token)
            .json(&json!({"stars": stars, "comment": comment}))
            .send()
    };
    assert_eq!(
        rate(5, "").await.unwrap().status(),
        StatusCode::CONFLICT,
        "not delivered yet"
    );
    for s in [
        "accepted",
        "preparing",
        "courier_assigned",
        "on_the_way",
        "delivered",
    ] {
        assert_eq!(t.courier_status(order.id, s).await, StatusCode::NO_CONTENT);
    }
    assert_eq!(
        rate(6, "").await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let rated: Order = rate(4, "  Warm and quick  ")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = rated.rating.unwrap();
    assert_eq!((r.stars, r.comment.as_str()), (4, "Warm and quick"));
    // The real delivery is training data at the next refit (each instance refits every
    // minute, from the deliveries table).
    customerclient_backend::tracking::refit(&t.backend.state).await;
    let samples = t.backend.state.model.read().unwrap().samples;
    assert_eq!(samples, samples_before + 1);
}

//! Sold out in real time: two kiosks listening to two instances on one database; the operator
//! marks a dish sold out through one instance's API and both kiosks hear it within a second;
//! ordering it is refused by either instance; `menu set-available` from a shell (another
//! process, no API) brings it back, heard the same way. On SQLite and PostgreSQL.

mod support;

use std::time::{Duration, Instant};

use customerclient_api::ErrorBody;
use customerclient_api::catalog::{CatalogNews, MenuItemState};
use customerclient_api::push::SseDecoder;
use customerclient_backend::{Backend, DEMO_OPERATOR_TOKEN};
use reqwest::StatusCode;
use serde_json::json;

/// A kiosk's catalog stream.
struct Listener {
    resp: reqwest::Response,
    decoder: SseDecoder,
    ready: std::collections::VecDeque<CatalogNews>,
}

impl Listener {
    async fn open(base: &str) -> Self {
        let resp = reqwest::get(format!("{base}/api/v1/catalog/events"))
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        Listener {
            resp,
            decoder: SseDecoder::default(),
            ready: Default::default(),
        }
    }

    /// The next news, or a panic after `limit`.
    async fn next_within(&mut self, limit: Duration) -> CatalogNews {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(news) = self.ready.pop_front() {
                return news;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let chunk = tokio::time::timeout(left, self.resp.chunk())
                .await
                .expect("no catalog news in time")
                .unwrap()
                .expect("the stream ended");
            self.ready
                .extend(self.decoder.feed_as::<CatalogNews>(&chunk));
        }
    }

    /// The first news saying `product` is (`true`) or is not sold out, and how long it took.
    async fn until_sold_out(&mut self, product: i64, sold_out: bool, limit: Duration) -> Duration {
        let started = Instant::now();
        loop {
            let news = self
                .next_within(limit.saturating_sub(started.elapsed()))
                .await;
            if news.sold_out.contains(&product) == sold_out {
                return started.elapsed();
            }
        }
    }
}

async fn order(base: &str, product: i64) -> reqwest::Response {
    let http = reqwest::Client::new();
    let token = support::guest_at(&http, base).await;
    http.post(format!("{base}/api/v1/orders"))
        .bearer_auth(token)
        .json(&json!({"lines": [{"product_id": product, "quantity": 1}], "city": "Moscow", "address": "Arbat 1",
                      "phone": "+79123456789", "delivery_method": "car", "payment_method": "cash_on_delivery"}))
        .send()
        .await
        .unwrap()
}

async fn instance(dir: &std::path::Path) -> Backend {
    let mut config = support::engine::config(dir, "shop");
    config.seed_videos = false;
    customerclient_backend::start(&config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_dish_sold_out_greys_on_every_kiosk_within_a_second_and_is_not_sold() {
    let dir = tempfile::tempdir().unwrap();
    let a = instance(dir.path()).await;
    let b = instance(dir.path()).await;
    let (kiosk_a, kiosk_b) = (a.url(), b.url());
    let mut one = Listener::open(&kiosk_a).await;
    let mut two = Listener::open(&kiosk_b).await;
    // On connecting, each hears the present: the demo's one sold-out dish.
    let first = one.next_within(Duration::from_secs(5)).await;
    assert_eq!(
        two.next_within(Duration::from_secs(5)).await.sold_out,
        first.sold_out
    );
    let dish = 3; // a demo dish on sale
    assert!(!first.sold_out.contains(&dish));

    let http = reqwest::Client::new();
    let set = |base: String, available: bool, token: &'static str| {
        let http = http.clone();
        async move {
            http.put(format!("{base}/api/v1/operator/menu/P{dish}/availability"))
                .header("X-Operator-Token", token)
                .json(&json!({ "available": available }))
                .send()
                .await
                .unwrap()
        }
    };
    // Without the operator's token nothing changes.
    let refused = set(kiosk_a.clone(), false, "guess").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let missing = http
        .put(format!(
            "{kiosk_a}/api/v1/operator/menu/NO-SUCH/availability"
        ))
        .header("X-Operator-Token", DEMO_OPERATOR_TOKEN)
        .json(&json!({"available": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let resp = set(kiosk_a.clone(), false, DEMO_OPERATOR_TOKEN).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let state: MenuItemState = resp.json().await.unwrap();
    assert_eq!((state.sku.as_str(), state.available), ("P3", false));
    let heard_a = one.until_sold_out(dish, true, Duration::from_secs(1)).await;
    let heard_b = two.until_sold_out(dish, true, Duration::from_secs(1)).await;
    println!("sold out heard: same instance {heard_a:?}, other instance {heard_b:?}");

    // Neither instance sells it.
    for base in [&kiosk_a, &kiosk_b] {
        let resp = order(base, dish).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: ErrorBody = resp.json().await.unwrap();
        assert_eq!(body.error, "product_unavailable");
        assert!(
            body.message.contains("not available right now"),
            "{}",
            body.message
        );
    }

    // Back on sale from a shell: another process, the database only.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_customerclient-backend"))
        .arg("--database-url")
        .arg(support::engine::database_url(dir.path(), "shop"))
        .args(["menu", "set-available", "P3", "true"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let back_a = one
        .until_sold_out(dish, false, Duration::from_secs(1))
        .await;
    let back_b = two
        .until_sold_out(dish, false, Duration::from_secs(1))
        .await;
    println!("back on sale heard: {back_a:?}, {back_b:?}");
    assert_eq!(order(&kiosk_b, dish).await.status(), StatusCode::CREATED);

    // Sold out and back moved the catalog, not the menu; an import (another process) moves
    // the menu too, and every kiosk hears it, to load the menu again.
    let menu =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/menu-sample/menu.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_customerclient-backend"))
        .arg("--database-url")
        .arg(support::engine::database_url(dir.path(), "shop"))
        .args(["menu", "import"])
        .arg(&menu)
        .args(["--currency", "RUB"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for listener in [&mut one, &mut two] {
        let started = std::time::Instant::now();
        loop {
            let news = listener
                .next_within(Duration::from_secs(2).saturating_sub(started.elapsed()))
                .await;
            assert!(news.version > first.version);
            if news.menu_version > first.menu_version {
                break;
            }
            assert_eq!(
                news.menu_version, first.menu_version,
                "only an import moves it"
            );
        }
    }

    a.stop().await;
    b.stop().await;
}

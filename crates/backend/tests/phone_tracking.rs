//! Following an order on the customer's phone (`/t/{token}`): a link only for one's own
//! order, a page with no address or phone on it, live changes over its event stream, another
//! order's link never showing this one, and a forged, unknown or spent link answered with the
//! same plain "expired" page.

mod support;

use std::time::Duration;

use customerclient_api::orders::OrderStatus;
use customerclient_api::tracking::{Tracking, TrackingLink};
use reqwest::StatusCode;
use serde_json::json;
use support::TestBackend;

async fn share(s: &TestBackend, token: &str, order: uuid::Uuid) -> reqwest::Response {
    s.http
        .post(s.url(&format!("/api/v1/orders/{order}/share")))
        .bearer_auth(token)
        .json(&json!({"language": "ru"}))
        .send()
        .await
        .unwrap()
}

/// The `tracking` events of a phone page's stream, as they come.
struct Stream {
    resp: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn next_within(&mut self, limit: Duration) -> Tracking {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) {
                    return serde_json::from_str(data.trim()).unwrap();
                }
                continue;
            }
            let chunk = tokio::time::timeout(limit, self.resp.chunk())
                .await
                .expect("an event in time")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn a_phone_follows_its_own_order_live_and_nothing_else() {
    let s = TestBackend::start(|c| c.public_url = Some("https://track.example.com/".into())).await;
    let owner = s.guest().await;
    let order = s.place_order(&owner, 1, "cash_on_delivery").await;

    // Only the order's own customer gets a link; each is new and unguessable.
    let stranger = s.guest().await;
    assert_eq!(
        share(&s, &stranger, order.id).await.status(),
        StatusCode::NOT_FOUND
    );
    let resp = share(&s, &owner, order.id).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let link: TrackingLink = resp.json().await.unwrap();
    assert_eq!(link.token.len(), 32);
    assert!(!link.token.contains(&order.number.to_string()));
    assert_eq!(link.path, format!("/t/{}", link.token));
    assert_eq!(link.url, format!("https://track.example.com{}", link.path));
    let again: TrackingLink = share(&s, &owner, order.id).await.json().await.unwrap();
    assert_ne!(again.token, link.token);

    // The page: the order's number and stages in the link's language, not its address or
    // phone.
    let page = s.http.get(s.url(&link.path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains(&order.number.to_string()));
    assert!(html.contains("Ваша доставка") && html.contains("Готовится"));
    for private in ["Arbat 1", "+79123456789", "9123456789"] {
        assert!(!html.contains(private), "the page shows {private}");
    }

    // Another order's link shows that order only.
    let other = s.place_order(&stranger, 2, "cash_on_delivery").await;
    let theirs: TrackingLink = share(&s, &stranger, other.id).await.json().await.unwrap();
    let shown: Tracking = s
        .http
        .get(s.url(&format!("/api/v1/shared/{}", theirs.token)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown.order_id, other.id);
    assert_ne!(shown.number, order.number);

    // Live: the stream says each change of status.
    let resp = s
        .http
        .get(s.url(&format!("/api/v1/shared/{}/events", link.token)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut stream = Stream {
        resp,
        buffer: String::new(),
    };
    let first = stream.next_within(Duration::from_secs(5)).await;
    assert_eq!(
        (first.number, first.status),
        (order.number, OrderStatus::Placed)
    );
    assert_eq!(
        s.courier_status(order.id, "accepted").await,
        StatusCode::NO_CONTENT
    );
    let next = stream.next_within(Duration::from_secs(3)).await;
    assert_eq!(next.status, OrderStatus::Accepted);

    // Forged, malformed or unknown: the same page, with nothing of any order.
    let forged = format!(
        "{:032x}",
        u128::from_str_radix(&link.token, 16).unwrap() ^ 1
    );
    for token in [forged.as_str(), "1", "zz", &order.number.to_string()] {
        let resp = s
            .http
            .get(s.url(&format!("/t/{token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{token}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("This link has expired"), "{token}");
        assert!(!html.contains(&order.number.to_string()));
        let api = s
            .http
            .get(s.url(&format!("/api/v1/shared/{token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_link_stops_working_an_hour_after_the_delivery_ends() {
    let s = TestBackend::start(|_| {}).await;
    let owner = s.guest().await;
    let order = s.place_order(&owner, 1, "cash_on_delivery").await;
    let link: TrackingLink = share(&s, &owner, order.id).await.json().await.unwrap();
    for status in [
        "accepted",
        "preparing",
        "courier_assigned",
        "on_the_way",
        "delivered",
    ] {
        assert_eq!(
            s.courier_status(order.id, status).await,
            StatusCode::NO_CONTENT
        );
    }
    // Just delivered: still there, saying so.
    let page = s.http.get(s.url(&link.path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    // The delivery ended 61 minutes ago: the link is spent.
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&support::engine::database_url(s.dir.path(), "test"))
        .await
        .unwrap();
    let hour_ago = customerclient_backend::store::now_ms() - 61 * 60 * 1000;
    sqlx::query("UPDATE order_status_history SET at = $1 WHERE order_id = $2")
        .bind(hour_ago)
        .bind(order.id.to_string())
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let page = s.http.get(s.url(&link.path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.text().await.unwrap().contains("This link has expired"));
    let api = s
        .http
        .get(s.url(&format!("/api/v1/shared/{}", link.token)))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
}

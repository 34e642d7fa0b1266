//! The dashboard: every number the statistics backend computes in SQL equals the same number
//! recomputed here from the customer's raw orders, for every period.

mod support;

use std::collections::BTreeMap;

use customerclient_api::catalog::{Category, ProductPage};
use customerclient_api::orders::{Order, OrderList, OrderStatus};
use customerclient_api::stats::{Dashboard, Period};
use customerclient_backend::seed::history::{DEMO_LOGIN, DEMO_PASSWORD};
use reqwest::StatusCode;
use support::TestBackend;

async fn get<T: serde::de::DeserializeOwned>(t: &TestBackend, token: &str, path: &str) -> T {
    let resp = t
        .http
        .get(t.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.json().await.unwrap()
}

fn delivered_minutes(o: &Order) -> Option<f64> {
    let at = o
        .history
        .iter()
        .find(|h| h.status == OrderStatus::Delivered)?
        .at;
    Some((at - o.created_at) as f64 / 60_000.0)
}

#[tokio::test]
async fn dashboard_numbers_equal_those_recomputed_from_the_orders() {
    let t = TestBackend::start(|_| {}).await;
    let token = t.sign_in(DEMO_LOGIN, DEMO_PASSWORD).await;
    // Today: one order that counts and one cancelled that does not.
    for cancel in [false, true] {
        let o = t.place_order(&token, 38, "cash_on_delivery").await;
        if cancel {
            let r = t
                .http
                .post(t.url(&format!("/api/v1/orders/{}/cancel", o.id)))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
        }
    }
    // Every page of the customer's orders.
    let mut orders = OrderList {
        orders: Vec::new(),
        next_offset: Some(0),
    };
    while let Some(offset) = orders.next_offset {
        let page: OrderList = get(
            &t,
            &token,
            &format!("/api/v1/orders?limit=200&offset={offset}"),
        )
        .await;
        orders.orders.extend(page.orders);
        orders.next_offset = page.next_offset;
    }
    assert!(orders.orders.len() >= 60);
    let products: ProductPage = get(&t, &token, "/api/v1/products?per_page=100").await;
    let categories: Vec<Category> = get(&t, &token, "/api/v1/categories").await;
    let category_of = |product: i64| {
        let c = products
            .items
            .iter()
            .find(|p| p.id == product)
            .unwrap()
            .category_id;
        categories.iter().find(|k| k.id == c).unwrap().name.clone()
    };

    for period in Period::ALL {
        let d: Dashboard = get(
            &t,
            &token,
            &format!(
                "/api/v1/stats?period={}",
                serde_json::to_value(period).unwrap().as_str().unwrap()
            ),
        )
        .await;
        let counted: Vec<&Order> = orders
            .orders
            .iter()
            .filter(|o| o.created_at >= d.from)
            .filter(|o| !matches!(o.status, OrderStatus::Cancelled | OrderStatus::Failed))
            .collect();
        assert!(!counted.is_empty(), "{period:?} has orders");
        assert_eq!(d.order_count, counted.len() as i64, "{period:?}");
        assert_eq!(
            d.total_spent.minor,
            counted.iter().map(|o| o.total.minor).sum::<i64>()
        );
        assert_eq!(
            d.item_count,
            counted
                .iter()
                .flat_map(|o| &o.lines)
                .map(|l| l.quantity)
                .sum::<i64>()
        );
        let mut per_category: BTreeMap<String, i64> = BTreeMap::new();
        let mut per_product: BTreeMap<i64, i64> = BTreeMap::new();
        for l in counted.iter().flat_map(|o| &o.lines) {
            *per_category.entry(category_of(l.product_id)).or_default() += l.line_total.minor;
            *per_product.entry(l.product_id).or_default() += l.quantity;
        }
        let got: BTreeMap<String, i64> = d
            .per_category
            .iter()
            .map(|c| (c.category.clone(), c.spent_minor))
            .collect();
        assert_eq!(got, per_category, "{period:?}");
        let top = per_product.values().max().copied().unwrap();
        assert_eq!(d.top_products[0].quantity, top);
        for p in &d.top_products {
            assert_eq!(per_product[&p.product_id], p.quantity);
        }
        let mut by_hour = vec![0i64; 24];
        for o in &counted {
            by_hour[((o.created_at / 3_600_000) % 24) as usize] += 1;
        }
        assert_eq!(d.orders_by_hour, by_hour);
        let mut buckets: BTreeMap<i64, i64> = BTreeMap::new();
        for o in &counted {
            *buckets
                .entry(o.created_at / d.bucket_ms * d.bucket_ms)
                .or_default() += o.total.minor;
        }
        let got: BTreeMap<i64, i64> = d.spending.iter().map(|s| (s.at, s.spent_minor)).collect();
        assert_eq!(got, buckets);
        let minutes: Vec<f64> = counted
            .iter()
            .filter_map(|o| delivered_minutes(o))
            .collect();
        if minutes.is_empty() {
            assert!(d.avg_delivery_minutes.is_none());
        } else {
            let avg = minutes.iter().sum::<f64>() / minutes.len() as f64;
            assert!((d.avg_delivery_minutes.unwrap() - avg).abs() < 1e-3);
        }
        assert_eq!(d.deliveries.len(), minutes.len());
        assert_eq!(
            d.delivery_minutes.iter().map(|b| b.count).sum::<i64>(),
            minutes.len() as i64
        );
    }

    // Only one's own orders count.
    let guest = t.guest().await;
    let empty: Dashboard = get(&t, &guest, "/api/v1/stats?period=all").await;
    assert_eq!((empty.order_count, empty.total_spent.minor), (0, 0));
    let bad = t
        .http
        .get(t.url("/api/v1/stats?period=decade"))
        .bearer_auth(&guest)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

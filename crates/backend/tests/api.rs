//! The backend over real HTTP on an ephemeral loopback port, each test with its own database.

mod support;

use customerclient_api::ErrorBody;
use customerclient_api::auth::{Account, Session};
use customerclient_api::catalog::{Category, ProductPage};
use customerclient_api::orders::{Order, OrderList};
use customerclient_backend::{Backend, Config};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct TestServer {
    backend: Backend,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TestServer {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = support::engine::config(dir.path(), "test");
        let backend = customerclient_backend::start(&config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        Self {
            backend,
            client: reqwest::Client::new(),
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.backend.url())
    }

    async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    async fn guest(&self) -> String {
        let resp = self
            .client
            .post(self.url("/api/v1/auth/guest"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        resp.json::<Session>().await.unwrap().token
    }

    async fn all_products(&self) -> Vec<customerclient_api::catalog::Product> {
        let page: ProductPage = self
            .get("/api/v1/products?per_page=200", None)
            .await
            .json()
            .await
            .unwrap();
        page.items
    }
}

/// Asserts the response is a JSON error with this status and code.
async fn assert_error(resp: reqwest::Response, status: StatusCode, code: &str) -> ErrorBody {
    assert_eq!(resp.status(), status);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("application/json"), "content type was {ct}");
    let body: ErrorBody = resp.json().await.unwrap();
    assert_eq!(body.error, code, "message: {}", body.message);
    assert!(!body.message.is_empty());
    body
}

#[tokio::test]
async fn the_openapi_document_is_served_as_the_endpoint_types_generate_it() {
    let s = TestServer::start().await;
    let resp = s.get(customerclient_api::OPENAPI_PATH, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let served: Value = resp.json().await.unwrap();
    let generated: Value =
        serde_json::from_str(&customerclient_api::openapi::document_json()).unwrap();
    assert_eq!(served, generated);
    assert_eq!(served["openapi"], "3.1.0");
    // Every route the router mounts is an operation of the document.
    for r in customerclient_api::endpoint::ALL {
        assert!(
            served["paths"][r.route][r.method.as_str().to_lowercase()].is_object(),
            "{} {}",
            r.method.as_str(),
            r.route
        );
    }
}

fn order_body(lines: Value) -> Value {
    json!({
        "lines": lines,
        "city": "Moscow",
        "address": "Tverskaya 7, flat 12",
        "phone": "+7 912 345-67-89",
        "delivery_method": "electric_scooter",
        "payment_method": "cash_on_delivery"
    })
}

#[tokio::test]
async fn health_reports_ok() {
    let s = TestServer::start().await;
    let resp = s.get("/api/v1/health", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["status"], "ok");
    let engine = match support::engine::engine() {
        support::engine::Engine::Sqlite => "sqlite",
        support::engine::Engine::Postgres => "postgres",
    };
    assert_eq!(v["database"], engine);
}

/// A load balancer takes an instance out when its schema is not the one it was built for:
/// a migration that failed, or one from a newer build.
#[tokio::test]
async fn health_is_503_while_the_schema_is_not_current() {
    sqlx::any::install_default_drivers();
    let s = TestServer::start().await;
    let db = sqlx::AnyPool::connect(&support::engine::database_url(s._dir.path(), "test"))
        .await
        .unwrap();
    let last = "(SELECT MAX(version) FROM _sqlx_migrations)";
    let check = |expect: StatusCode, says: &'static str| {
        let s = &s;
        async move {
            let resp = s.get("/api/v1/health", None).await;
            assert_eq!(resp.status(), expect);
            if expect != StatusCode::OK {
                let body: ErrorBody = resp.json().await.unwrap();
                assert_eq!(body.error, "unavailable");
                assert!(body.message.contains(says), "{}", body.message);
            }
        }
    };
    check(StatusCode::OK, "").await;

    sqlx::query(&format!(
        "UPDATE _sqlx_migrations SET success = FALSE WHERE version = {last}"
    ))
    .execute(&db)
    .await
    .unwrap();
    check(StatusCode::SERVICE_UNAVAILABLE, "failed").await;
    sqlx::query(&format!(
        "UPDATE _sqlx_migrations SET success = TRUE WHERE version = {last}"
    ))
    .execute(&db)
    .await
    .unwrap();
    check(StatusCode::OK, "").await;

    // A newer build's migration, applied by an instance already upgraded.
    let newer =
        "(SELECT version FROM (SELECT MAX(version) + 1 AS version FROM _sqlx_migrations) AS m)";
    sqlx::query(&format!(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
         SELECT {newer}, 'from a newer build', installed_on, success, checksum, execution_time
         FROM _sqlx_migrations WHERE version = {last}"
    ))
    .execute(&db)
    .await
    .unwrap();
    check(StatusCode::SERVICE_UNAVAILABLE, "newer than this build").await;
}

/// A graceful stop takes the instance out of rotation and ends its event streams, so kiosks
/// reconnect to another instance instead of waiting on one that is going away.
#[tokio::test]
async fn shutting_down_fails_health_and_ends_event_streams() {
    let s = TestServer::start().await;
    let token = s.guest().await;
    let mut stream = s.get("/api/v1/events", Some(&token)).await;
    assert_eq!(stream.status(), StatusCode::OK);
    s.backend.state.shutdown.send_replace(true);
    let resp = s.get("/api/v1/health", None).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Some(_chunk) = stream.chunk().await.unwrap() {}
    })
    .await;
    assert!(ended.is_ok(), "the event stream ended");
    let started = std::time::Instant::now();
    s.backend.stop().await;
    assert!(
        started.elapsed() < customerclient_backend::DRAIN_TIMEOUT,
        "nothing was left running to wait for: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn sign_up_sign_in_and_sign_out() {
    let s = TestServer::start().await;
    let signup = json!({"login": "anna", "email": "Anna@Example.com", "phone": "+7 900 111 2233", "password": "s3cret-pass"});
    let resp = s.post("/api/v1/auth/signup", None, &signup).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let outbox = s._dir.path().join("outbox");
    let code = support::eventually("the code", std::time::Duration::from_secs(10), || {
        let codes = support::outbox_codes(&outbox, "anna@example.com");
        async move { codes.first().cloned() }
    })
    .await;
    let resp = s
        .post(
            "/api/v1/auth/verify",
            None,
            &json!({"email": "anna@example.com", "code": code}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let session: Session = resp.json().await.unwrap();
    assert_eq!(session.account.email.as_deref(), Some("anna@example.com"));
    assert!(!session.account.guest);

    let me: Account = s
        .get("/api/v1/auth/me", Some(&session.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me, session.account);

    // the password is stored as an argon2 hash, never as typed
    let hash = s
        .backend
        .state
        .store
        .password_hash_of("anna")
        .await
        .unwrap()
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("s3cret-pass"));

    let again = s.post("/api/v1/auth/signup", None, &signup).await;
    assert_error(again, StatusCode::CONFLICT, "account_exists").await;

    let wrong = s
        .post(
            "/api/v1/auth/signin",
            None,
            &json!({"login": "anna", "password": "nope-nope"}),
        )
        .await;
    assert_error(wrong, StatusCode::UNAUTHORIZED, "unauthorized").await;

    for login in ["anna", "ANNA@example.com"] {
        let resp = s
            .post(
                "/api/v1/auth/signin",
                None,
                &json!({"login": login, "password": "s3cret-pass"}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "signing in as {login}");
        let second: Session = resp.json().await.unwrap();
        assert_ne!(second.token, session.token);
        assert_eq!(second.account.id, session.account.id);
    }

    let out = s
        .client
        .post(s.url("/api/v1/auth/signout"))
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let gone = s.get("/api/v1/auth/me", Some(&session.token)).await;
    assert_error(gone, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn sign_up_rejects_bad_fields_with_reasons() {
    let s = TestServer::start().await;
    let cases = [
        (
            json!({"login": "x", "email": "a@b.co", "phone": "+79001112233", "password": "longenough"}),
            "login",
        ),
        (
            json!({"login": "bob", "email": "not-an-email", "phone": "+79001112233", "password": "longenough"}),
            "e-mail",
        ),
        (
            json!({"login": "bob", "email": "a@b.co", "phone": "12", "password": "longenough"}),
            "phone",
        ),
        (
            json!({"login": "bob", "email": "a@b.co", "phone": "+79001112233", "password": "short"}),
            "password",
        ),
    ];
    for (body, field) in cases {
        let err = assert_error(
            s.post("/api/v1/auth/signup", None, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(
            err.message.contains(field),
            "{} should mention {field}",
            err.message
        );
    }
}

#[tokio::test]
async fn a_catalog_change_shows_on_pages_answered_before_it() {
    let s = TestServer::start().await;
    let query = "/api/v1/products?category=burgers&per_page=200";
    let s = &s;
    let page = |q: &'static str| async move {
        let r = s.get(q, None).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/json");
        r.json::<ProductPage>().await.unwrap()
    };
    let before = page(query).await;
    assert_eq!(
        page(query).await.total,
        before.total,
        "asked twice, same page"
    );
    let template = &before.items[0];
    let store = &s.backend.state.store;
    let id = store.product_max_id().await.unwrap() + 1;
    store
        .insert_product(&customerclient_backend::store::NewProduct {
            id,
            category_id: template.category_id,
            name: "Midnight Burger",
            description: "added while kiosks were browsing",
            price: &template.price,
            image_id: None,
            video_id: None,
            available: true,
            position: 999,
        })
        .await
        .unwrap();
    let after = page(query).await;
    assert_eq!(after.total, before.total + 1);
    assert_eq!(after.items.last().map(|p| p.id), Some(id));
    let search = page("/api/v1/products?q=midnight").await;
    assert_eq!(
        search.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![id]
    );
}

#[tokio::test]
async fn catalog_pages_filters_and_searches() {
    let s = TestServer::start().await;
    let categories: Vec<Category> = s
        .get("/api/v1/categories", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(categories.len() >= 6);

    let first: ProductPage = s
        .get("/api/v1/products?per_page=10", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(first.total >= 48, "seeded {} products", first.total);
    assert_eq!(first.items.len(), 10);
    assert!(first.has_more());

    // walking every page yields every product exactly once
    let mut ids = Vec::new();
    let mut page = 1;
    loop {
        let p: ProductPage = s
            .get(&format!("/api/v1/products?per_page=10&page={page}"), None)
            .await
            .json()
            .await
            .unwrap();
        ids.extend(p.items.iter().map(|i| i.id));
        if !p.has_more() {
            break;
        }
        page += 1;
    }
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total);
    assert_eq!(total as u64, first.total);

    let juices = categories.iter().find(|c| c.slug == "juices").unwrap();
    for query in [
        "category=juices".to_owned(),
        format!("category={}", juices.id),
    ] {
        let p: ProductPage = s
            .get(&format!("/api/v1/products?{query}"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(p.total, 7);
        assert!(p.items.iter().all(|i| i.category_id == juices.id));
        assert!(
            p.items
                .iter()
                .all(|i| !i.image_ids.is_empty() && i.price.minor > 0)
        );
    }

    let found: ProductPage = s
        .get("/api/v1/products?q=BURGER", None)
        .await
        .json()
        .await
        .unwrap();
    let expected = s
        .all_products()
        .await
        .iter()
        .filter(|p| {
            format!("{} {}", p.name, p.description)
                .to_lowercase()
                .contains("burger")
        })
        .count();
    assert!(expected >= 4);
    assert_eq!(found.total as usize, expected);
    for p in &found.items {
        let text = format!("{} {}", p.name, p.description).to_lowercase();
        assert!(text.contains("burger"), "{text}");
    }
    let none: ProductPage = s
        .get("/api/v1/products?q=100%25_zzz", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none.total, 0);

    let clamped: ProductPage = s
        .get("/api/v1/products?per_page=100000", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(clamped.per_page, 200);

    assert_error(
        s.get("/api/v1/products?category=pizza", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        s.get("/api/v1/products?page=0", None).await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    assert_error(
        s.get("/api/v1/products?page=-3", None).await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    assert_error(
        s.get("/api/v1/products/abc", None).await,
        StatusCode::BAD_REQUEST,
        "invalid_path",
    )
    .await;
    assert_error(
        s.get("/api/v1/products/999999", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn images_are_served_with_type_cache_headers_and_ranges() {
    let s = TestServer::start().await;
    let product = s.all_products().await.remove(0);
    let path = customerclient_api::files::file_path(product.image_ids[0]);

    let full = s.get(&path, None).await;
    assert_eq!(full.status(), StatusCode::OK);
    assert_eq!(full.headers()["content-type"], "image/png");
    assert_eq!(full.headers()["accept-ranges"], "bytes");
    assert!(
        full.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let etag = full.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = full.bytes().await.unwrap();
    let decoded = image::load_from_memory(&bytes).unwrap();
    assert!(decoded.width() >= 256 && decoded.height() >= 256);

    let cached = s
        .client
        .get(s.url(&path))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    let part = s
        .client
        .get(s.url(&path))
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 100-199/{}", bytes.len()).as_str()
    );
    assert_eq!(&part.bytes().await.unwrap()[..], &bytes[100..200]);

    let tail = s
        .client
        .get(s.url(&path))
        .header("Range", "bytes=-16")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(&tail.bytes().await.unwrap()[..], &bytes[bytes.len() - 16..]);

    let beyond = s
        .client
        .get(s.url(&path))
        .header("Range", format!("bytes={}-", bytes.len() + 10))
        .send()
        .await
        .unwrap();
    assert_eq!(
        beyond.headers()["content-range"],
        format!("bytes */{}", bytes.len()).as_str()
    );
    assert_error(
        beyond,
        StatusCode::RANGE_NOT_SATISFIABLE,
        "range_not_satisfiable",
    )
    .await;

    assert_error(
        s.get("/api/v1/files/00000000-0000-0000-0000-000000000000", None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn order_totals_are_computed_by_the_server() {
    let s = TestServer::start().await;
    let token = s.guest().await;
    let products = s.all_products().await;
    let (a, b) = (&products[0], &products[9]);
    let mut body = order_body(json!([
        {"product_id": a.id, "quantity": 2},
        {"product_id": b.id, "quantity": 1},
    ]));
    // whatever totals a client sends are ignored
    body["total"] = json!({"minor": 1, "currency": "USD"});
    let resp = s.post("/api/v1/orders", Some(&token), &body).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let order: Order = resp.json().await.unwrap();

    let products_total = a.price.minor * 2 + b.price.minor;
    let delivery: customerclient_api::orders::DeliveryInfo =
        s.get("/api/v1/delivery", None).await.json().await.unwrap();
    let scooter = |city: &str| {
        delivery
            .option(
                city,
                customerclient_api::orders::DeliveryMethod::ElectricScooter,
            )
            .unwrap()
            .price
            .minor
    };
    let delivery_minor = scooter(body["city"].as_str().unwrap());
    // Each zone charges its own price, and the order charges the zone's.
    assert_ne!(scooter("Moscow"), scooter("Kazan"));
    let mut to_kazan = order_body(json!([{"product_id": a.id, "quantity": 1}]));
    to_kazan["city"] = json!("Kazan");
    let resp = s
        .post("/api/v1/orders", Some(&s.guest().await), &to_kazan)
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let kazan: Order = resp.json().await.unwrap();
    assert_eq!(kazan.delivery_price.minor, scooter("Kazan"));
    assert_eq!(kazan.delivery_price.currency, "RUB");
    assert_eq!(order.products_total.minor, products_total);
    assert_eq!(order.delivery_price.minor, delivery_minor);
    assert_eq!(order.total.minor, products_total + delivery_minor);
    assert_eq!(order.lines.len(), 2);
    assert_eq!(order.lines[0].line_total.minor, a.price.minor * 2);
    assert_eq!(order.phone, "+79123456789");
    assert_eq!(order.history.len(), 1);
    assert_eq!(
        order.status,
        customerclient_api::orders::OrderStatus::Placed
    );
    assert!(order.number > 1000);

    let fetched: Order = s
        .get(&format!("/api/v1/orders/{}", order.id), Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, order);
    let list: OrderList = s
        .get("/api/v1/orders", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.orders, vec![order]);
}

#[tokio::test]
async fn same_idempotency_key_twice_creates_one_order() {
    let s = TestServer::start().await;
    let token = s.guest().await;
    let p = s.all_products().await.remove(3);
    let body = order_body(json!([{"product_id": p.id, "quantity": 1}]));
    let send = |key: &'static str, body: Value| {
        let req = s
            .client
            .post(s.url("/api/v1/orders"))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(&body);
        async move { req.send().await.unwrap() }
    };
    let first = send("key-1", body.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Order = first.json().await.unwrap();
    let retry = send("key-1", body.clone()).await;
    assert_eq!(retry.status(), StatusCode::OK);
    let retry: Order = retry.json().await.unwrap();
    assert_eq!(retry.id, first.id);

    // the same key at once from several connections still makes one order
    let racing = futures_join_all((0..6).map(|_| send("key-2", body.clone()))).await;
    let mut ids: Vec<_> = Vec::new();
    for r in racing {
        assert!(r.status().is_success());
        ids.push(r.json::<Order>().await.unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1);

    let mut other = body.clone();
    other["address"] = json!("Somewhere else 1");
    assert_error(
        send("key-1", other).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;

    let list: OrderList = s
        .get("/api/v1/orders", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.orders.len(), 2);
}

async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn bad_input_gets_a_json_error_not_a_panic() {
    let s = TestServer::start().await;
    let token = s.guest().await;
    let p = s.all_products().await.remove(0);

    let malformed = s
        .client
        .post(s.url("/api/v1/orders"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"lines\": [")
        .send()
        .await
        .unwrap();
    assert_error(malformed, StatusCode::BAD_REQUEST, "malformed_json").await;

    let wrong_type = s
        .client
        .post(s.url("/api/v1/orders"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_error(
        wrong_type,
        StatusCode::BAD_REQUEST,
        "unsupported_media_type",
    )
    .await;

    let wrong_shape = s
        .post(
            "/api/v1/orders",
            Some(&token),
            &json!({"lines": "two burgers"}),
        )
        .await;
    assert_error(
        wrong_shape,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;

    let unknown = s
        .post(
            "/api/v1/orders",
            Some(&token),
            &order_body(json!([{"product_id": 424242, "quantity": 1}])),
        )
        .await;
    assert_error(unknown, StatusCode::UNPROCESSABLE_ENTITY, "unknown_product").await;

    for qty in [-1, 0, 1000] {
        let resp = s
            .post(
                "/api/v1/orders",
                Some(&token),
                &order_body(json!([{"product_id": p.id, "quantity": qty}])),
            )
            .await;
        let err = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(err.message.contains("quantity"));
    }

    let empty = s
        .post("/api/v1/orders", Some(&token), &order_body(json!([])))
        .await;
    assert_error(empty, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let mut nowhere = order_body(json!([{"product_id": p.id, "quantity": 1}]));
    nowhere["city"] = json!("Atlantis");
    assert_error(
        s.post("/api/v1/orders", Some(&token), &nowhere).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    let huge = json!({"lines": [], "city": "x".repeat(200_000)});
    assert_error(
        s.post("/api/v1/orders", Some(&token), &huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;

    let anonymous = s
        .post(
            "/api/v1/orders",
            None,
            &order_body(json!([{"product_id": p.id, "quantity": 1}])),
        )
        .await;
    assert_error(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let forged = s
        .post(
            "/api/v1/orders",
            Some("0123456789abcdef"),
            &order_body(json!([{"product_id": p.id, "quantity": 1}])),
        )
        .await;
    assert_error(forged, StatusCode::UNAUTHORIZED, "unauthorized").await;

    assert_error(
        s.get("/api/v1/nothing-here", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let wrong_method = s
        .client
        .delete(s.url("/api/v1/products"))
        .send()
        .await
        .unwrap();
    assert_error(
        wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;

    // and the server still works afterwards
    assert_eq!(s.get("/api/v1/health", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn another_customers_order_is_not_found() {
    let s = TestServer::start().await;
    let alice = s.guest().await;
    let bob = s.guest().await;
    let p = s.all_products().await.remove(0);
    let order: Order = s
        .post(
            "/api/v1/orders",
            Some(&alice),
            &order_body(json!([{"product_id": p.id, "quantity": 1}])),
        )
        .await
        .json()
        .await
        .unwrap();

    assert_error(
        s.get(&format!("/api/v1/orders/{}", order.id), Some(&bob))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let bobs: OrderList = s
        .get("/api/v1/orders", Some(&bob))
        .await
        .json()
        .await
        .unwrap();
    assert!(bobs.orders.is_empty());
    let alices: OrderList = s
        .get("/api/v1/orders", Some(&alice))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alices.orders.len(), 1);
}

#[tokio::test]
async fn seeding_twice_keeps_one_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let url = support::engine::database_url(dir.path(), "twice");
    let config = Config::new(url);
    let first = customerclient_backend::open(&config).await.unwrap();
    let n = first.store.product_count().await.unwrap();
    first.store.close().await;
    let second = customerclient_backend::open(&config).await.unwrap();
    assert_eq!(second.store.product_count().await.unwrap(), n);
}

/// Kiosks name themselves on every request; staff see which kiosks called and when. A
/// malformed id is not recorded, and the list is not for customers.
#[tokio::test]
async fn kiosks_that_call_are_listed_for_staff() {
    use customerclient_api::kiosk::{KIOSKS_PATH, KioskList};
    let s = TestServer::start().await;
    let call = |id: &'static str, store: &'static str| {
        s.client
            .get(s.url("/api/v1/categories"))
            .header("X-Kiosk-Id", id)
            .header("X-Kiosk-Store", store)
            .header("X-Kiosk-Version", "9.9.9")
            .send()
    };
    assert_eq!(
        call("kiosk-a", "Arbat 12").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        call("kiosk-b", "Tverskaya 7").await.unwrap().status(),
        StatusCode::OK
    );
    // Not an id (a space and a quote): served all the same, but not recorded.
    assert_eq!(
        call("kiosk 'c", "Nowhere").await.unwrap().status(),
        StatusCode::OK
    );

    let customer = s.guest().await;
    assert_eq!(
        s.get(KIOSKS_PATH, Some(&customer)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let list = support::eventually(
        "both kiosks recorded",
        std::time::Duration::from_secs(5),
        || {
            let req = s
                .client
                .get(s.url(KIOSKS_PATH))
                .header(
                    "X-Courier-Token",
                    customerclient_backend::DEMO_COURIER_TOKEN,
                )
                .send();
            async move {
                let list: KioskList = req.await.unwrap().json().await.unwrap();
                (list.kiosks.len() >= 2).then_some(list)
            }
        },
    )
    .await;
    let mut ids: Vec<&str> = list.kiosks.iter().map(|k| k.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["kiosk-a", "kiosk-b"]);
    let a = list.kiosks.iter().find(|k| k.id == "kiosk-a").unwrap();
    assert_eq!(a.store.as_deref(), Some("Arbat 12"));
    assert_eq!(a.version.as_deref(), Some("9.9.9"));
    assert!(a.first_seen <= a.last_seen);
}

/// Behind a load balancer every kiosk connects from the balancer's address. With the
/// balancer trusted (`--trusted-proxy`), throttles key on the address it forwarded for, so
/// one store's kiosks do not use up another's budget; from any other peer the header is
/// ignored, so a client cannot dodge a throttle by naming itself a new address each time.
#[tokio::test]
async fn throttles_key_on_the_forwarded_address_only_from_a_trusted_proxy() {
    use customerclient_backend::tracking::TRACK_PER_PEER;
    async fn wrong_try(t: &support::TestBackend, number: i64, forwarded: &str) -> StatusCode {
        t.http
            .post(t.url(customerclient_api::tracking::TRACK_PATH))
            .header("X-Forwarded-For", forwarded)
            .json(&json!({ "number": 900_000 + number, "phone_last4": "0000" }))
            .send()
            .await
            .unwrap()
            .status()
    }
    let free = TRACK_PER_PEER.free;

    let direct = support::TestBackend::start(|_| {}).await;
    for n in 0..free {
        let status = wrong_try(&direct, n, &format!("198.51.100.{n}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        wrong_try(&direct, free, "198.51.100.200").await,
        StatusCode::TOO_MANY_REQUESTS,
        "a client straight on the socket is its own address, whatever it writes"
    );

    let behind = support::TestBackend::start(|c| {
        c.trusted_proxies =
            vec![customerclient_backend::peers::parse_trusted("127.0.0.1").unwrap()];
    })
    .await;
    for n in 0..free {
        assert_eq!(
            wrong_try(&behind, n, "203.0.113.1").await,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        wrong_try(&behind, free, "203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        wrong_try(&behind, free + 1, "192.0.2.50, 203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS,
        "what the client wrote left of the balancer's entry is not read"
    );
    assert_eq!(
        wrong_try(&behind, free + 2, "203.0.113.2").await,
        StatusCode::NOT_FOUND,
        "another kiosk behind the same balancer has its own budget"
    );
}

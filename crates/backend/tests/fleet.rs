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

/// Places a cash order for `token` through the instance at `base`, with `key` if given.
async fn place(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    address: &str,
    key: Option<&str>,
) -> Order {
    let mut req = http
        .post(format!("{base}/api/v1/orders"))
        .bearer_auth(token)
        .json(&order_body(address));
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    let resp = req.send().await.unwrap();
    assert!(
        resp.status().is_success(),
        "{base} answered {}",
        resp.status()
    );
    resp.json().await.unwrap()
}

#[tokio::test]
async fn one_idempotency_key_sent_to_two_instances_at_once_makes_one_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path(), "fleet-keys");
    let a = BackendProcess::start(&db, &[]);
    let b = BackendProcess::start(&db, &[]);
    let http = reqwest::Client::new();
    // A session made through A is good on B: sessions live in the database.
    let token = support::guest_at(&http, &a.url).await;
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
    let token = support::guest_at(&http, &a.url).await;
    let order = place(&http, &a.url, &token, "Fleet 2", None).await;
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
        let changed = support::courier_status_at(&http, &a.url, order.id, status).await;
        assert!(changed.is_success(), "A refused {status}");
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
    let token = support::guest_at(&http, &a.url).await;
    let first = place(&http, &a.url, &token, "Fleet 3", Some("before-the-kill")).await;
    a.kill();
    // The kiosk retries on the other instance with the same key: the same order, no second.
    let again = place(&http, &b.url, &token, "Fleet 3", Some("before-the-kill")).await;
    assert_eq!(first.id, again.id);
    let fetched = http
        .get(format!("{}/api/v1/orders/{}", b.url, first.id))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), reqwest::StatusCode::OK);
}

fn smtp_args(port: &str) -> [&str; 6] {
    [
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        port,
        "--smtp-security",
        "none",
    ]
}

/// The subject line of a message as the SMTP server received it.
fn subject_of(message: &str) -> String {
    message
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

#[tokio::test]
async fn two_instances_deliver_each_message_once_and_take_over_a_dead_senders_lease() {
    sqlx::any::install_default_drivers();
    let smtp = support::smtp::SmtpServer::start(0).await;
    let port = smtp.addr.port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path(), "fleet-mail");
    let mut args = smtp_args(&port).to_vec();
    args.extend(["--orders-per-account", "100"]);
    let a = BackendProcess::start(&db, &args);
    let b = BackendProcess::start(&db, &args);
    let http = reqwest::Client::new();

    // A registered customer (guests get no mail): signed up through A, verified through B.
    let signup = http
        .post(format!("{}/api/v1/auth/signup", a.url))
        .json(
            &json!({"login": "mira", "email": "mira@example.com", "phone": "+79001112233",
                      "password": "correct-horse"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), reqwest::StatusCode::ACCEPTED);
    let code = support::eventually("the sign-up code", Duration::from_secs(10), || {
        let got = smtp.received();
        async move { got.iter().find_map(|m| support::code_in(m)) }
    })
    .await;
    let session: Value = http
        .post(format!("{}/api/v1/auth/verify", b.url))
        .json(&json!({"email": "mira@example.com", "code": code}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_owned();

    // A message a worker claimed and then died with: its lease runs out in 1.5 s.
    let store = sqlx::AnyPool::connect(&db).await.unwrap();
    let lease_ends = customerclient_api::clock::now_ms() + 1_500;
    sqlx::query(
        "INSERT INTO mail_outbox (id, to_addr, subject, body, created_at, attempts, next_attempt_at, claimed_by)
         VALUES ('left-by-the-dead', 'mira@example.com', 'Left by a dead sender', 'Hello', $1, 1, $2, 'mail-dead')",
    )
    .bind(lease_ends - 60_000)
    .bind(lease_ends)
    .execute(&store)
    .await
    .unwrap();

    // Orders through both instances at once: each queues a confirmation and wakes its own
    // instance's worker, and both workers reach for everything due.
    const ORDERS: usize = 20;
    let place = |k: usize| {
        let base = if k.is_multiple_of(2) { &a.url } else { &b.url };
        http.post(format!("{base}/api/v1/orders"))
            .bearer_auth(&token)
            .json(&order_body(&format!("Mail {k}")))
            .send()
    };
    let placed = futures_util::future::join_all((0..ORDERS).map(place)).await;
    for r in placed {
        assert_eq!(r.unwrap().status(), reqwest::StatusCode::CREATED);
    }

    let expected = 1 + ORDERS + 1;
    support::eventually("every message delivered", Duration::from_secs(20), || {
        let store = &store;
        async move {
            let unsent: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")
                    .fetch_one(store)
                    .await
                    .unwrap();
            (unsent == 0).then_some(())
        }
    })
    .await;
    // Both processes gone: nothing can still be on its way to the listener.
    a.kill();
    b.kill();
    let received = smtp.received();
    let mut subjects: Vec<String> = received.iter().map(|m| subject_of(m)).collect();
    subjects.sort();
    let before = subjects.len();
    subjects.dedup();
    assert_eq!(
        before, expected,
        "messages at the SMTP listener: {subjects:?}"
    );
    assert_eq!(subjects.len(), expected, "a message was delivered twice");

    let rows = sqlx::query("SELECT id, attempts, sent_at FROM mail_outbox")
        .fetch_all(&store)
        .await
        .unwrap();
    assert_eq!(rows.len(), expected);
    for r in rows {
        use sqlx::Row;
        let id: String = r.get("id");
        let attempts: i64 = r.get("attempts");
        let sent_at: i64 = r.get("sent_at");
        if id == "left-by-the-dead" {
            assert_eq!(
                attempts, 2,
                "claimed by the dead worker, then by one live one"
            );
            assert!(
                sent_at >= lease_ends,
                "taken over only after the lease ran out"
            );
        } else {
            assert_eq!(attempts, 1, "message {id} was claimed more than once");
        }
    }
}

async fn role(http: &reqwest::Client, base: &str) -> Option<String> {
    let v: Value = http
        .get(format!("{base}/api/v1/health"))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    v["role"].as_str().map(str::to_owned)
}

async fn status_of(http: &reqwest::Client, base: &str, token: &str, id: uuid::Uuid) -> OrderStatus {
    let order: Order = http
        .get(format!("{base}/api/v1/orders/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    order.status
}

#[tokio::test]
async fn the_leaders_jobs_resume_on_another_instance_when_it_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path(), "fleet-leader");
    // The demo kitchen is a leader's job: at 60× it accepts a paid order within a second.
    let args = ["--simulator-speed", "60"];
    let a = BackendProcess::start(&db, &args);
    let http = reqwest::Client::new();
    support::eventually("A leading", Duration::from_secs(10), || {
        let http = &http;
        let url = a.url.clone();
        async move { (role(http, &url).await.as_deref() == Some("leader")).then_some(()) }
    })
    .await;
    let b = BackendProcess::start(&db, &args);
    // B asks for the role every second and is refused while A holds it.
    tokio::time::sleep(customerclient_backend::jobs::LEAD_EVERY * 2).await;
    assert_eq!(role(&http, &b.url).await.as_deref(), Some("standby"));
    assert_eq!(role(&http, &a.url).await.as_deref(), Some("leader"));

    let token = support::guest_at(&http, &b.url).await;
    let accepted = |id: uuid::Uuid| {
        let http = &http;
        let (url, token) = (b.url.clone(), token.clone());
        async move {
            support::eventually("the kitchen accepting", Duration::from_secs(15), || {
                let (url, token) = (url.clone(), token.clone());
                async move {
                    (status_of(http, &url, &token, id).await != OrderStatus::Placed).then_some(())
                }
            })
            .await
        }
    };
    let first = place(&http, &b.url, &token, "Leader 1", None).await.id;
    accepted(first).await;

    a.kill();
    let killed = Instant::now();
    support::eventually("B taking the lead", Duration::from_secs(15), || {
        let http = &http;
        let url = b.url.clone();
        async move { (role(http, &url).await.as_deref() == Some("leader")).then_some(()) }
    })
    .await;
    let takeover = killed.elapsed();
    let second = place(&http, &b.url, &token, "Leader 2", None).await.id;
    accepted(second).await;
    println!("leader killed → B leading after {takeover:?}");
    if engine() == Engine::Postgres {
        assert!(
            takeover < Duration::from_secs(5),
            "the advisory lock is free as soon as A's session ends: {takeover:?}"
        );
    }
}

/// A catalog change written by one instance shows on another's product pages, which it had
/// answered (and cached) before: the catalog's version lives in the database.
#[tokio::test]
async fn a_catalog_change_through_one_instance_shows_on_the_others_cached_pages() {
    use customerclient_api::catalog::ProductPage;
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path(), "fleet-catalog");
    let b = BackendProcess::start(&db, &[]);
    let http = reqwest::Client::new();
    let page = || async {
        http.get(format!(
            "{}/api/v1/products?category=burgers&per_page=200",
            b.url
        ))
        .send()
        .await
        .unwrap()
        .json::<ProductPage>()
        .await
        .unwrap()
    };
    let before = page().await;
    assert_eq!(
        page().await.total,
        before.total,
        "asked twice: the cached page"
    );
    // Another instance's store on the same database adds a dish.
    let a = customerclient_backend::Store::connect(&db).await.unwrap();
    let template = &before.items[0];
    let id = a.product_max_id().await.unwrap() + 1;
    a.insert_product(&customerclient_backend::store::NewProduct {
        id,
        category_id: template.category_id,
        name: "Fleet Burger",
        description: "added through another instance",
        price: &template.price,
        image_id: None,
        video_id: None,
        available: true,
        position: 999,
    })
    .await
    .unwrap();
    let written = Instant::now();
    let after = support::eventually(
        "the new dish on B's page",
        Duration::from_secs(5),
        || async {
            let p = page().await;
            p.items.iter().any(|d| d.id == id).then_some(p)
        },
    )
    .await;
    assert_eq!(after.total, before.total + 1);
    println!(
        "catalog change through A on B's pages after {:?}",
        written.elapsed()
    );
    a.close().await;
}

/// Writers on different accounts run side by side on PostgreSQL (one lock per account, ids
/// from sequences). Attacked here: many accounts' orders placed and moved on at once through
/// both instances, each account's stream open on one of them. Every stream must get each of
/// its account's events once, in id order — an event id handed out before a lower one commits
/// would be skipped by a stream that has already read past it — and no two orders may share a
/// number.
#[tokio::test]
async fn concurrent_writers_on_many_accounts_lose_no_event_and_share_no_number() {
    use futures_util::future::join_all;
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path(), "fleet-writers");
    let a = BackendProcess::start(&db, &[]);
    let b = BackendProcess::start(&db, &[]);
    let bases = [a.url.clone(), b.url.clone()];
    let http = reqwest::Client::new();
    const ACCOUNTS: usize = 8;
    const ORDERS: usize = 4;
    const STEPS: [&str; 3] = ["accepted", "preparing", "courier_assigned"];
    let tokens = join_all((0..ACCOUNTS).map(|i| support::guest_at(&http, &bases[i % 2]))).await;
    let mut streams = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let stream = http
            .get(format!("{}/api/v1/events", bases[(i + 1) % 2]))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), reqwest::StatusCode::OK);
        streams.push(stream);
    }
    // Each account's orders are placed at once, then each order is moved on through
    // alternating instances while every other order of every account moves too.
    let accounts = join_all(tokens.iter().enumerate().map(|(i, token)| {
        let (http, bases) = (&http, &bases);
        async move {
            let orders = join_all((0..ORDERS).map(|k| {
                let address = format!("Writers {i}-{k}");
                async move { place(http, &bases[k % 2], token, &address, None).await }
            }))
            .await;
            join_all(orders.iter().enumerate().map(|(k, order)| async move {
                for (s, status) in STEPS.iter().enumerate() {
                    let changed =
                        support::courier_status_at(http, &bases[(k + s) % 2], order.id, status)
                            .await;
                    assert!(changed.is_success(), "{status}: {changed}");
                }
            }))
            .await;
            orders
        }
    }))
    .await;

    let mut numbers: Vec<i64> = accounts.iter().flatten().map(|o| o.number).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), ACCOUNTS * ORDERS, "order numbers shared");

    let expected = ORDERS * STEPS.len();
    for (i, stream) in streams.iter_mut().enumerate() {
        let mut decoder = SseDecoder::default();
        let mut ids = Vec::new();
        while ids.len() < expected {
            let Ok(chunk) = tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await
            else {
                break;
            };
            let chunk = chunk.unwrap().expect("the stream stays open");
            for e in decoder.feed(&chunk) {
                if matches!(e.kind, PushKind::OrderStatus { .. }) {
                    ids.push(e.id);
                }
            }
        }
        assert_eq!(
            ids.len(),
            expected,
            "account {i}'s stream got {} of its {expected} status events",
            ids.len()
        );
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "account {i}'s events out of order or twice: {ids:?}"
        );
    }
}

/// Two instances started at once on an empty database both come up, and the demo data is
/// written once: the second waits for the first's seeding role, then finds the catalog.
#[tokio::test]
async fn two_instances_started_together_seed_the_demo_once() {
    use customerclient_api::catalog::{Category, ProductPage};
    use customerclient_backend::seed::menu::MENU;
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path(), "fleet-seed");
    let starts = [db.clone(), db.clone()]
        .map(|db| std::thread::spawn(move || BackendProcess::start(&db, &[])));
    let [a, b] = starts.map(|s| s.join().expect("both instances start"));
    let http = reqwest::Client::new();
    let dishes: usize = MENU.iter().map(|c| c.dishes.len()).sum();
    for base in [&a.url, &b.url] {
        let categories: Vec<Category> = http
            .get(format!("{base}/api/v1/categories"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(categories.len(), MENU.len(), "categories written twice?");
        let page: ProductPage = http
            .get(format!("{base}/api/v1/products?per_page=1"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page.total as usize, dishes, "dishes written twice?");
    }
}

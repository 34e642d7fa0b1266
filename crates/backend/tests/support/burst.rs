//! The crash burst shared by `crash.rs` and `database_crash.rs`: rounds of orders and
//! payments (card, QR plus the bank's signed notice, card attempts abandoned mid-way) sent at
//! once, something killed at a random moment in the middle — the backend, one of two
//! backends, or the database server — and every request that got no answer sent again with
//! its key, as a kiosk does. After each round the database must hold: every order once per
//! key, no order paid twice, the order's payment state agreeing with its payment rows and
//! its history, no card attempt left pending once recovery ran, and on SQLite a sound file.

use std::time::{Duration, Instant};

use customerclient_api::orders::Order;
use customerclient_api::payments::Payment;
use customerclient_backend::payments::gateway::test_cards;
use serde_json::{Value, json};
use sqlx::Row;

const TASKS: usize = 6;

use super::BackendProcess as Process;

fn start(db: &str) -> Process {
    Process::start(
        db,
        &[
            "--gateway-timeout-ms",
            "300",
            "--recovery-interval-ms",
            "100",
        ],
    )
}

/// A small deterministic generator, so a failing round can be replayed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Pay {
    Card,
    Qr,
    /// A card attempt whose kiosk goes away: only recovery resolves it.
    CardAbandoned,
}

#[derive(Debug)]
struct Task {
    key: String,
    pay: Pay,
    order: Option<Order>,
    paid: bool,
    /// Card attempts so far (a new key after one was interrupted).
    attempt: u32,
    sent: u64,
}

struct Counts {
    requests: u64,
    unanswered: u64,
    retried: u64,
}

fn order_body(pay: Pay) -> Value {
    let method = if pay == Pay::Qr {
        "qr_bank_app"
    } else {
        "card_in_app"
    };
    json!({"lines": [{"product_id": 2, "quantity": 1}], "city": "Moscow", "address": "Arbat 5",
           "phone": "+79123456789", "delivery_method": "car", "payment_method": method})
}

/// What a request got instead of an answer: no response, or a server error.
fn lost(what: &str) -> impl FnOnce(reqwest::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// A response, or what came instead (a 5xx is what a kiosk sees while the database is down:
/// no answer, sent again later).
async fn answer(
    what: &str,
    sent: impl std::future::Future<Output = reqwest::Result<reqwest::Response>>,
) -> Result<reqwest::Response, String> {
    let resp = sent.await.map_err(lost(what))?;
    if resp.status().is_server_error() {
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        return Err(format!("{what}: {status} {body}"));
    }
    Ok(resp)
}

/// One step of a task against `url`; `Err` with what came when no answer did (the backend
/// died, or answered 5xx).
async fn step(http: &reqwest::Client, url: &str, token: &str, t: &mut Task) -> Result<(), String> {
    if t.order.is_none() {
        t.sent += 1;
        let sent = http
            .post(format!("{url}/api/v1/orders"))
            .bearer_auth(token)
            .header("Idempotency-Key", &t.key)
            .json(&order_body(t.pay))
            .send();
        let resp = answer("order", sent).await?;
        assert!(resp.status().is_success(), "order: {}", resp.status());
        t.order = Some(resp.json().await.map_err(lost("order's body"))?);
    }
    let order = t.order.clone().unwrap();
    if t.paid {
        return Ok(());
    }
    match t.pay {
        Pay::Card | Pay::CardAbandoned => loop {
            t.sent += 1;
            let sent = http
                .post(format!("{url}/api/v1/orders/{}/payments/card", order.id))
                .bearer_auth(token)
                .header("Idempotency-Key", format!("{}-pay{}", t.key, t.attempt))
                .json(
                    &json!({"card": {"number": test_cards::SLOW, "expiry_month": 12,
                                       "expiry_year": 2031, "cvc": "737"}}),
                )
                .send();
            let resp = answer("card", sent).await?;
            let status = resp.status();
            let body: Value = resp.json().await.map_err(lost("card's body"))?;
            if status == reqwest::StatusCode::CONFLICT && body["error"] == "already_paid" {
                t.paid = true;
                break;
            }
            if status == reqwest::StatusCode::CONFLICT && body["error"] == "payment_superseded" {
                // Recovery found the attempt interrupted (the crashed instance's gateway call
                // never answered) while this retry was charging it again: the charge is
                // refunded, and the kiosk pays again under a new key (`payment.rs` forgets
                // the key on this answer).
                t.attempt += 1;
                assert!(t.attempt < 4, "{body}");
                continue;
            }
            assert!(status.is_success(), "card: {status} {body}");
            if body["state"] == "paid" {
                t.paid = true;
                break;
            }
            // Recovery found the attempt interrupted (the gateway never charged it): the
            // kiosk says so and the customer pays again, under a new key.
            assert_eq!(body["failure_code"], "interrupted", "{body}");
            t.attempt += 1;
            assert!(t.attempt < 4);
        },
        Pay::Qr => {
            t.sent += 2;
            let sent = http
                .post(format!("{url}/api/v1/orders/{}/payments/qr", order.id))
                .bearer_auth(token)
                .send();
            let resp = answer("qr", sent).await?;
            if resp.status() == reqwest::StatusCode::CONFLICT {
                // Paid before the crash; only the answer was lost.
                let body: Value = resp.json().await.map_err(lost("qr's body"))?;
                assert_eq!(body["error"], "already_paid", "{body}");
                t.paid = true;
                return Ok(());
            }
            assert!(resp.status().is_success(), "qr: {}", resp.status());
            let qr: Payment = resp.json().await.map_err(lost("qr's body"))?;
            let sent = super::bank_pays(
                http,
                url,
                qr.qr_payload.as_deref().unwrap(),
                qr.amount.minor,
                &format!("{}-bank", t.key),
            )
            .send();
            let resp = answer("bank notice", sent).await?;
            assert_eq!(resp.status(), reqwest::StatusCode::OK);
            t.paid = true;
        }
    }
    Ok(())
}

/// How many times each invariant was checked.
#[derive(Default, Debug)]
struct Checked {
    integrity: u64,
    one_order_per_key: u64,
    never_paid_twice: u64,
    paid_iff_one_paid_row: u64,
    at_most_one_in_flight: u64,
    in_flight_means_awaiting: u64,
    history_agrees: u64,
    no_attempt_left_pending: u64,
}

/// What the database must hold.
async fn check(db: &sqlx::AnyPool, keys: &[String], c: &mut Checked) {
    // SQLite checks its file; PostgreSQL's WAL replay after a crash is its own check, and
    // a query across every table below must still succeed.
    if super::engine::engine() == super::engine::Engine::Sqlite {
        let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(db)
            .await
            .unwrap();
        assert_eq!(ok, "ok");
        c.integrity += 1;
    }
    for key in keys {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM idempotency_keys WHERE key = $1")
            .bind(key)
            .fetch_one(db)
            .await
            .unwrap();
        assert!(n <= 1, "key {key} made {n} orders");
        c.one_order_per_key += 1;
    }
    let twice: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT order_id FROM payments WHERE state = 'paid'
         GROUP BY order_id HAVING COUNT(*) > 1) AS twice",
    )
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(twice, 0, "orders paid twice");
    c.never_paid_twice += 1;
    let orders = sqlx::query(
        "SELECT o.id, o.payment_state,
            (SELECT COUNT(*) FROM payments p WHERE p.order_id = o.id AND p.state = 'paid') AS paid_rows,
            (SELECT COUNT(*) FROM payments p WHERE p.order_id = o.id AND p.state = 'awaiting_payment') AS live_rows,
            (SELECT h.state FROM payment_history h WHERE h.order_id = o.id ORDER BY h.seq DESC LIMIT 1) AS last_history
         FROM orders o WHERE o.address = 'Arbat 5'",
    )
    .fetch_all(db)
    .await
    .unwrap();
    for r in &orders {
        let state: String = r.get("payment_state");
        let paid_rows: i64 = r.get("paid_rows");
        let live_rows: i64 = r.get("live_rows");
        let last: String = r.get("last_history");
        assert_eq!(
            state == "paid",
            paid_rows == 1,
            "order {state} with {paid_rows} paid rows"
        );
        c.paid_iff_one_paid_row += 1;
        assert!(live_rows <= 1, "{live_rows} attempts in flight");
        c.at_most_one_in_flight += 1;
        if live_rows == 1 {
            assert_eq!(
                state, "awaiting_payment",
                "an attempt in flight for an order that is {state}"
            );
        }
        c.in_flight_means_awaiting += 1;
        assert_eq!(
            state, last,
            "order's payment state and its history disagree"
        );
        c.history_agrees += 1;
    }
}

async fn pending_cards(db: &sqlx::AnyPool) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM payments WHERE state = 'awaiting_payment' AND qr_payload IS NULL",
    )
    .fetch_one(db)
    .await
    .unwrap()
}

/// What dies in the middle of each round.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Victim {
    /// The one backend process (SIGKILL), started again on the same database.
    Backend,
    /// One of two backend processes on one database (SIGKILL, alternating, so sometimes the
    /// leader of the periodic jobs): the kiosks send what got no answer to the survivor, and
    /// a fresh instance joins for the next round.
    OneOfTwo,
    /// The PostgreSQL server itself (`pg_ctl -m immediate`), restarted under the running
    /// backend, whose pool and listener reconnect.
    Database,
}

/// Sends `t`'s remaining steps to `to` until one gets through, as a kiosk retries: the
/// database may still be replaying its WAL for a moment after a restart. A kiosk keeps
/// trying; the deadline only bounds a test that would otherwise hang, and is longer than one
/// request's timeout so that a request stalled behind a lock is sent again. (CI once saw the
/// survivor not answer one task for 20 s and could not say why; the message now carries the
/// last error and the backend's last lines.)
async fn retry(http: &reqwest::Client, to: &Process, token: &str, t: &mut Task) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let lost = match step(http, &to.url, token, t).await {
            Ok(()) => return,
            Err(lost) => lost,
        };
        assert!(
            Instant::now() < deadline,
            "{} never answered {} (last: {lost})\n{}",
            to.url,
            t.key,
            to.recent_log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn guest(http: &reqwest::Client, url: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(resp) = http.post(format!("{url}/api/v1/auth/guest")).send().await
            && resp.status().is_success()
        {
            let v: Value = resp.json().await.unwrap();
            return v["token"].as_str().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline, "no guest session from {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `rounds` rounds of the burst with `victim` killed in each; panics on the first broken
/// invariant and prints what it did.
pub async fn run(victim: Victim, rounds: u64, seed: u64) {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let db_url = super::engine::database_url(dir.path(), &format!("crash-{victim:?}"));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut rng = Lcg(seed);
    let mut counts = Counts {
        requests: 0,
        unanswered: 0,
        retried: 0,
    };
    let mut all_keys = Vec::new();
    let mut checks = Checked::default();
    let mut recovered = 0;
    let mut paid_orders = 0;
    let started = Instant::now();
    let mut procs: Vec<Process> = match victim {
        Victim::OneOfTwo => vec![start(&db_url), start(&db_url)],
        Victim::Backend | Victim::Database => vec![start(&db_url)],
    };
    for round in 0..rounds {
        let token = guest(&http, &procs[0].url).await;
        let mut tasks: Vec<Task> = (0..TASKS)
            .map(|i| Task {
                key: format!("round{round}-task{i}"),
                pay: match rng.next(3) {
                    0 => Pay::Card,
                    1 => Pay::Qr,
                    _ => Pay::CardAbandoned,
                },
                order: None,
                paid: false,
                attempt: 0,
                sent: 0,
            })
            .collect();
        all_keys.extend(tasks.iter().map(|t| t.key.clone()));
        // Everything at once, spread over the instances; something dies in the middle.
        let kill_after = Duration::from_millis(5 + rng.next(400));
        let urls: Vec<String> = procs.iter().map(|p| p.url.clone()).collect();
        {
            let work =
                futures_util::future::join_all(tasks.iter_mut().enumerate().map(|(i, t)| {
                    let (http, url, token) = (&http, &urls[i % urls.len()], &token);
                    async move { step(http, url, token, t).await.ok() }
                }));
            // Whatever is still in flight when the time is up is cut off by the kill.
            let _ = tokio::time::timeout(kill_after, work).await;
        }
        match victim {
            Victim::Backend => {
                procs.pop().unwrap().kill();
                procs.push(start(&db_url));
            }
            Victim::OneOfTwo => procs.remove(0).kill(),
            Victim::Database => super::engine::server().crash_and_restart(),
        }
        let db = sqlx::AnyPool::connect(&db_url).await.unwrap();
        let left_pending = pending_cards(&db).await;
        db.close().await;

        // The kiosks send again what got no answer, with the same keys.
        for t in tasks.iter_mut() {
            if t.pay == Pay::CardAbandoned && t.order.is_some() {
                continue;
            }
            if t.order.is_none() || !t.paid {
                counts.unanswered += 1;
                counts.retried += 1;
                retry(&http, &procs[0], &token, t).await;
            }
            if t.paid {
                paid_orders += 1;
            }
        }
        counts.requests += tasks.iter().map(|t| t.sent).sum::<u64>();
        let db = sqlx::AnyPool::connect(&db_url).await.unwrap();
        // Abandoned card attempts are resolved by recovery (gateway timeout 300 ms, so any
        // attempt pending for 600 ms is asked about), without anyone retrying — on the
        // leader, which may be the instance that just took over.
        super::eventually(
            "recovery to resolve pending card attempts",
            Duration::from_secs(20),
            || async { (pending_cards(&db).await == 0).then_some(()) },
        )
        .await;
        recovered += left_pending;
        checks.no_attempt_left_pending += 1;
        check(&db, &all_keys, &mut checks).await;
        db.close().await;
        if victim == Victim::OneOfTwo {
            procs.push(start(&db_url));
        }
    }
    for p in procs {
        p.kill();
    }
    println!(
        "crash test ({victim:?} killed, {:?}): {rounds} rounds, {} requests, {} unanswered and \
         retried, {paid_orders} orders paid, {recovered} card attempts left pending by a kill \
         (all resolved), {:.1} s\n  checked: {checks:#?}",
        super::engine::engine(),
        counts.requests,
        counts.retried,
        started.elapsed().as_secs_f64()
    );
    let _ = counts.unanswered;
}

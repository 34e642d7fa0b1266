//! The fleet benchmark's kiosks (`scripts/bench/fleet.sh` starts the backends and calls this).
//!
//! Each simulated kiosk takes a guest session, pages the catalog, fetches pictures and keeps
//! its event stream open; orders arrive at a fixed rate over the kiosks, each paid by card or
//! by QR code plus the bank's signed notice, and its kiosk follows the stream until the demo
//! courier has delivered it. Kiosks are spread over the instances given and come from several
//! loopback addresses (127.0.0.2…), as kiosks in many stores do.
//!
//! Reported: order placement and payment p50/p99, event latency (status change stored →
//! kiosk), events lost or duplicated (every stream's events checked against a fresh read of
//! the whole history with `Last-Event-ID: 0`), backend RSS per open stream, and CPU seconds
//! per process (where the time goes).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use customerclient_api::orders::OrderStatus;
use customerclient_api::push::{PushEvent, PushKind, SseDecoder};
use serde_json::{Value, json};
use tokio::sync::{Mutex, Semaphore};

#[derive(Parser, Debug)]
struct Args {
    /// Backend instance base URL (repeat for several instances).
    #[arg(long = "url", required = true)]
    urls: Vec<String>,
    #[arg(long, default_value_t = 1000)]
    kiosks: usize,
    /// Orders per second over the whole fleet.
    #[arg(long, default_value_t = 50.0)]
    rate: f64,
    /// Seconds of load.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// A process to account CPU (and RSS) for, as NAME=PID; its children count too (the
    /// PostgreSQL postmaster's backends). Names starting with `backend` get RSS per stream.
    #[arg(long = "pid")]
    pids: Vec<String>,
    /// The backends run no couriers: do not wait for deliveries.
    #[arg(long)]
    no_deliveries: bool,
    /// Label for the report.
    #[arg(long, default_value = "fleet")]
    label: String,
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn now_ms() -> i64 {
    customerclient_api::clock::now_ms()
}

/// utime + stime of `pid` and its direct children, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let tick = 100.0; // USER_HZ on Linux
    let stat = |p: u32| -> Option<(u32, f64)> {
        let s = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
        let rest = &s[s.rfind(')')? + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ppid: u32 = f.get(1)?.parse().ok()?;
        let ut: f64 = f.get(11)?.parse().ok()?;
        let st: f64 = f.get(12)?.parse().ok()?;
        Some((ppid, (ut + st) / tick))
    };
    let mut total = stat(pid).map_or(0.0, |(_, c)| c);
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            if let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok())
                && let Some((ppid, c)) = stat(p)
                && ppid == pid
            {
                total += c;
            }
        }
    }
    total
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

struct Kiosk {
    url: String,
    http: reqwest::Client,
    token: String,
    /// Event ids received on the live stream (duplicates kept).
    received: Mutex<Vec<i64>>,
    /// Orders placed through this kiosk and not yet delivered (its customers' deliveries
    /// run on while it serves the next customer).
    open: AtomicI64,
}

#[derive(Default)]
struct Timings {
    setup_ms: Vec<f64>,
    place_ms: Vec<f64>,
    pay_card_ms: Vec<f64>,
    pay_qr_ms: Vec<f64>,
    errors: HashMap<String, u64>,
}

async fn json_ok(
    resp: Result<reqwest::Response, reqwest::Error>,
    what: &str,
) -> Result<Value, String> {
    let resp = resp.map_err(|e| format!("{what}: {e}"))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("{what}: {status}"));
    }
    resp.json().await.map_err(|e| format!("{what}: {e}"))
}

async fn set_up(
    k: usize,
    url: String,
    http: reqwest::Client,
    t: &Mutex<Timings>,
) -> Result<Kiosk, String> {
    let started = Instant::now();
    let headers = |r: reqwest::RequestBuilder| r.header("X-Kiosk-Id", format!("bench-kiosk-{k}"));
    let session = json_ok(
        headers(http.post(format!("{url}/api/v1/auth/guest")))
            .send()
            .await,
        "guest",
    )
    .await?;
    let token = session["token"].as_str().ok_or("no token")?.to_owned();
    json_ok(
        headers(http.get(format!("{url}/api/v1/categories")))
            .send()
            .await,
        "categories",
    )
    .await?;
    let mut pictures = Vec::new();
    for page in 1..=2 {
        let p = json_ok(
            headers(http.get(format!("{url}/api/v1/products?page={page}&per_page=24")))
                .send()
                .await,
            "products",
        )
        .await?;
        for item in p["items"].as_array().into_iter().flatten() {
            if let Some(img) = item["image_ids"][0].as_str() {
                pictures.push(img.to_owned());
            }
        }
    }
    for img in pictures.iter().skip(k % 8).take(4) {
        let id = uuid::Uuid::parse_str(img).map_err(|e| e.to_string())?;
        let full = format!("{url}{}", customerclient_api::files::file_path(id));
        let r = headers(http.get(full))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !r.status().is_success() {
            return Err(format!("picture: {}", r.status()));
        }
        let _ = r.bytes().await;
    }
    t.lock()
        .await
        .setup_ms
        .push(started.elapsed().as_secs_f64() * 1e3);
    Ok(Kiosk {
        url,
        http,
        token,
        received: Mutex::new(Vec::new()),
        open: AtomicI64::new(0),
    })
}

/// Reads `resp` as an event stream, handing each event to `seen`, until it ends or `stop`.
async fn follow(mut resp: reqwest::Response, mut seen: impl FnMut(PushEvent)) {
    let mut decoder = SseDecoder::default();
    while let Ok(Some(chunk)) = resp.chunk().await {
        for e in decoder.feed(&chunk) {
            seen(e);
        }
    }
}

async fn order_and_pay(k: &Kiosk, n: u64, t: &Mutex<Timings>) -> Result<(), String> {
    let card = n.is_multiple_of(2);
    let method = if card { "card_in_app" } else { "qr_bank_app" };
    let started = Instant::now();
    let order = json_ok(
        k.http
            .post(format!("{}/api/v1/orders", k.url))
            .bearer_auth(&k.token)
            .header("Idempotency-Key", format!("bench-{n}"))
            .json(&json!({"lines": [{"product_id": 1 + (n % 20) as i64, "quantity": 1}],
                          "city": "Moscow", "address": format!("Bench {n}"), "phone": "+79123456789",
                          "delivery_method": "car", "payment_method": method}))
            .send()
            .await,
        "order",
    )
    .await?;
    let placed = started.elapsed().as_secs_f64() * 1e3;
    let id = order["id"].as_str().ok_or("no order id")?.to_owned();
    let started = Instant::now();
    if card {
        let paid = json_ok(
            k.http
                .post(format!("{}/api/v1/orders/{id}/payments/card", k.url))
                .bearer_auth(&k.token)
                .header("Idempotency-Key", format!("bench-{n}-card"))
                .json(
                    &json!({"card": {"number": "4242424242424242", "expiry_month": 12,
                                       "expiry_year": 2031, "cvc": "737"}}),
                )
                .send()
                .await,
            "card",
        )
        .await?;
        if paid["state"] != "paid" {
            return Err(format!("card: {}", paid["state"]));
        }
    } else {
        let qr = json_ok(
            k.http
                .post(format!("{}/api/v1/orders/{id}/payments/qr", k.url))
                .bearer_auth(&k.token)
                .send()
                .await,
            "qr",
        )
        .await?;
        let payload = qr["qr_payload"].as_str().ok_or("no qr payload")?;
        let amount = qr["amount"]["minor"].as_i64().ok_or("no amount")?;
        let reference = customerclient_api::emv::MerchantQr::from_payload(payload)
            .map_err(|e| format!("qr payload: {e:?}"))?
            .reference;
        let body = json!({"reference": reference, "status": "paid", "amount_minor": amount,
                          "transaction_id": format!("bench-bank-{n}")})
        .to_string();
        let signature = customerclient_backend::payments::sign(
            customerclient_backend::payments::DEMO_WEBHOOK_SECRET,
            body.as_bytes(),
        );
        json_ok(
            k.http
                .post(format!(
                    "{}{}",
                    k.url,
                    customerclient_api::payments::BANK_WEBHOOK_PATH
                ))
                .header(customerclient_api::payments::SIGNATURE_HEADER, signature)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await,
            "webhook",
        )
        .await?;
    }
    let paid = started.elapsed().as_secs_f64() * 1e3;
    let mut t = t.lock().await;
    t.place_ms.push(placed);
    if card {
        t.pay_card_ms.push(paid);
    } else {
        t.pay_qr_ms.push(paid);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let watched: Vec<(String, u32)> = args
        .pids
        .iter()
        .filter_map(|p| {
            let (name, pid) = p.split_once('=')?;
            Some((name.to_owned(), pid.parse().ok()?))
        })
        .collect();
    let backends: Vec<u32> = watched
        .iter()
        .filter(|(n, _)| n.starts_with("backend"))
        .map(|(_, p)| *p)
        .collect();
    // Kiosks of many stores: eight source addresses, each within the per-address guest limit.
    let clients: Vec<reqwest::Client> = (2..10u8)
        .map(|i| {
            reqwest::Client::builder()
                .local_address(std::net::IpAddr::from([127, 0, 0, i]))
                .pool_max_idle_per_host(64)
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap()
        })
        .collect();
    let streams: Vec<reqwest::Client> = (2..10u8)
        .map(|i| {
            reqwest::Client::builder()
                .local_address(std::net::IpAddr::from([127, 0, 0, i]))
                .build()
                .unwrap()
        })
        .collect();
    let timings = Arc::new(Mutex::new(Timings::default()));

    // 1. Kiosks start: session, catalog, pictures.
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(32));
    let mut setups = Vec::new();
    for k in 0..args.kiosks {
        let (url, http, t, gate) = (
            args.urls[k % args.urls.len()].clone(),
            clients[k % clients.len()].clone(),
            timings.clone(),
            gate.clone(),
        );
        setups.push(tokio::spawn(async move {
            let _p = gate.acquire().await;
            set_up(k, url, http, &t).await
        }));
    }
    let mut kiosks = Vec::new();
    for s in setups {
        kiosks.push(Arc::new(s.await?.map_err(anyhow::Error::msg)?));
    }
    println!(
        "{}: {} kiosks set up in {:.1} s",
        args.label,
        kiosks.len(),
        started.elapsed().as_secs_f64()
    );

    // 2. Every kiosk opens its event stream; RSS before and after, streams idle.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before: Vec<u64> = backends.iter().map(|p| rss_kib(*p)).collect();
    let latencies = Arc::new(std::sync::Mutex::new((
        Vec::<f64>::new(),
        Vec::<f64>::new(),
    )));
    let opened = Arc::new(AtomicU64::new(0));
    let mut followers = Vec::new();
    for (i, k) in kiosks.iter().enumerate() {
        let resp = streams[i % streams.len()]
            .get(format!("{}/api/v1/events", k.url))
            .bearer_auth(&k.token)
            .send()
            .await?;
        anyhow::ensure!(resp.status().is_success(), "stream: {}", resp.status());
        opened.fetch_add(1, Ordering::Relaxed);
        let (k, latencies) = (k.clone(), latencies.clone());
        followers.push(tokio::spawn(async move {
            let kk = k.clone();
            follow(resp, move |e: PushEvent| {
                let late = (now_ms() - e.at) as f64;
                if let Ok(mut l) = latencies.lock() {
                    match &e.kind {
                        PushKind::OrderStatus { .. } => l.0.push(late),
                        PushKind::CourierPosition { .. } => l.1.push(late),
                        _ => {}
                    }
                }
                if let Ok(mut r) = kk.received.try_lock() {
                    r.push(e.id);
                } else {
                    let (kk, id) = (kk.clone(), e.id);
                    tokio::spawn(async move { kk.received.lock().await.push(id) });
                }
                if matches!(&e.kind, PushKind::OrderStatus { status } if matches!(status, OrderStatus::Delivered | OrderStatus::Cancelled | OrderStatus::Failed)) {
                    kk.open.fetch_sub(1, Ordering::AcqRel);
                }
            })
            .await
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after: Vec<u64> = backends.iter().map(|p| rss_kib(*p)).collect();
    let per_stream_kib: f64 = rss_after
        .iter()
        .zip(&rss_before)
        .map(|(a, b)| *a as f64 - *b as f64)
        .sum::<f64>()
        / kiosks.len() as f64;
    println!(
        "{}: {} streams open; backend RSS {:?} → {:?} KiB ({per_stream_kib:.1} KiB per stream)",
        args.label,
        opened.load(Ordering::Relaxed),
        rss_before,
        rss_after
    );

    // 3. Orders at a fixed rate, each on a kiosk with no order under way.
    let cpu_before: Vec<f64> = watched.iter().map(|(_, p)| cpu_seconds(*p)).collect();
    let load_started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut n = 0u64;
    let mut behind = 0u64;
    let mut work = Vec::new();
    while load_started.elapsed() < Duration::from_secs(args.duration) {
        tick.tick().await;
        // Ticks that fire late (a busy client) are counted: the rate must be the bench's.
        if load_started.elapsed().as_secs_f64() > (n as f64 + 1.0) / args.rate + 0.05 {
            behind += 1;
        }
        let k = kiosks[n as usize % kiosks.len()].clone();
        n += 1;
        let t = timings.clone();
        k.open.fetch_add(1, Ordering::AcqRel);
        work.push(tokio::spawn(async move {
            if let Err(e) = order_and_pay(&k, n, &t).await {
                *t.lock().await.errors.entry(e).or_default() += 1;
                k.open.fetch_sub(1, Ordering::AcqRel);
            }
        }));
    }
    let load_secs = load_started.elapsed().as_secs_f64();
    for w in work {
        let _ = w.await;
    }
    let placed = timings.lock().await.place_ms.len();
    // Deliveries under way end (bounded).
    let deadline = Instant::now() + Duration::from_secs(if args.no_deliveries { 0 } else { 120 });
    let open = || {
        kiosks
            .iter()
            .map(|k| k.open.load(Ordering::Acquire))
            .sum::<i64>()
    };
    while open() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let undelivered = open();
    let cpu_after: Vec<f64> = watched.iter().map(|(_, p)| cpu_seconds(*p)).collect();
    let total_secs = load_started.elapsed().as_secs_f64();

    // 4. Lost and duplicated: each kiosk's live stream against its whole stored history.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (mut lost, mut duplicated, mut stored_total) = (0usize, 0usize, 0usize);
    let gate = Arc::new(Semaphore::new(64));
    let mut checks = Vec::new();
    for (i, k) in kiosks.iter().enumerate() {
        let (k, gate, http) = (k.clone(), gate.clone(), streams[i % streams.len()].clone());
        checks.push(tokio::spawn(async move {
            let _p = gate.acquire().await;
            let resp = http
                .get(format!("{}/api/v1/events", k.url))
                .bearer_auth(&k.token)
                .header("Last-Event-ID", "0")
                .send()
                .await
                .ok()?;
            let mut all = Vec::new();
            // The history is sent at once; a quiet half second means it has all come.
            let _ = tokio::time::timeout(
                Duration::from_millis(1500),
                follow(resp, |e| all.push(e.id)),
            )
            .await;
            let received = k.received.lock().await.clone();
            let unique: HashSet<i64> = received.iter().copied().collect();
            let stored: HashSet<i64> = all.iter().copied().collect();
            Some((
                stored.difference(&unique).count(),
                received.len() - unique.len(),
                stored.len(),
            ))
        }));
    }
    for c in checks {
        if let Some((l, d, s)) = c.await? {
            lost += l;
            duplicated += d;
            stored_total += s;
        }
    }
    for f in followers {
        f.abort();
    }

    let mut t = timings.lock().await;
    let (mut status_lat, mut pos_lat) = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    let mut pay_all: Vec<f64> = t.pay_card_ms.iter().chain(&t.pay_qr_ms).copied().collect();
    let summary = json!({
        "label": args.label,
        "instances": args.urls.len(),
        "kiosks": kiosks.len(),
        "streams_open": opened.load(Ordering::Relaxed),
        "target_orders_per_s": args.rate,
        "orders_placed": placed,
        "orders_per_s": placed as f64 / load_secs,
        "ticks_late": behind,
        "errors": t.errors,
        "undelivered_after_wait": undelivered,
        "setup_ms_p50": percentile(&mut t.setup_ms, 0.5),
        "place_ms_p50": percentile(&mut t.place_ms, 0.5),
        "place_ms_p99": percentile(&mut t.place_ms, 0.99),
        "pay_ms_p50": percentile(&mut pay_all, 0.5),
        "pay_ms_p99": percentile(&mut pay_all, 0.99),
        "pay_card_ms_p99": percentile(&mut t.pay_card_ms, 0.99),
        "pay_qr_ms_p99": percentile(&mut t.pay_qr_ms, 0.99),
        "status_event_ms_p50": percentile(&mut status_lat, 0.5),
        "status_event_ms_p99": percentile(&mut status_lat, 0.99),
        "position_event_ms_p50": percentile(&mut pos_lat, 0.5),
        "position_event_ms_p99": percentile(&mut pos_lat, 0.99),
        "status_events": status_lat.len(),
        "position_events": pos_lat.len(),
        "events_stored": stored_total,
        "events_lost": lost,
        "events_duplicated": duplicated,
        "rss_kib_per_stream": per_stream_kib,
        "rss_kib_after_streams": rss_after,
        "cpu_seconds": watched.iter().zip(cpu_after.iter().zip(&cpu_before))
            .map(|((name, _), (a, b))| (name.clone(), json!(((a - b) * 10.0).round() / 10.0)))
            .collect::<serde_json::Map<_, _>>(),
        "cpu_window_s": total_secs,
    });
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}

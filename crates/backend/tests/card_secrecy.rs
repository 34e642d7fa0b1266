//! After a full card payment, neither the card number nor the CVC is anywhere: not in the
//! database files, not in the log output (captured at TRACE), not in the data directory.

use std::io::Write;
use std::sync::{Arc, Mutex};

use customerclient_api::Money;
use customerclient_api::catalog::Category;
use customerclient_backend::store::NewProduct;
use serde_json::{Value, json};

mod support;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `needle` standing alone: not followed by a digit, letter or '.', so that `=913` is found
/// as a value but not inside `=913a…` (a uuid) or `=913.4µs` (a duration in a log line).
fn contains_alone(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).enumerate().any(|(i, w)| {
        w == needle
            && haystack
                .get(i + needle.len())
                .is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'.'))
    })
}

#[tokio::test]
async fn card_number_and_cvc_are_never_stored_or_logged() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let dir = tempfile::tempdir().unwrap();
    let mut config = support::engine::config(dir.path(), "shop");
    // No pictures: the file then holds nothing that could contain the digits by chance.
    config.seed_demo = false;
    let backend = customerclient_backend::start(&config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let store = &backend.state.store;
    store
        .insert_category(
            &Category {
                id: 1,
                slug: "cakes".into(),
                name: "Cakes".into(),
                description: String::new(),
                image_id: None,
                texts: Vec::new(),
            },
            0,
        )
        .await
        .unwrap();
    let price = Money::new(85_000, "RUB");
    store
        .insert_product(&NewProduct {
            id: 1,
            category_id: 1,
            name: "Honey Cake",
            description: "Medovik",
            price: &price,
            image_id: None,
            video_id: None,
            available: true,
            position: 0,
        })
        .await
        .unwrap();

    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", backend.url());
    let session: Value = http
        .post(url("/api/v1/auth/guest"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap();
    let order: Value = http
        .post(url("/api/v1/orders"))
        .bearer_auth(token)
        .json(&json!({"lines": [{"product_id": 1, "quantity": 1}], "city": "Moscow", "address": "Tverskaya 7",
                      "phone": "+79123456789", "delivery_method": "car", "payment_method": "card_in_app"}))
        .send().await.unwrap().json().await.unwrap();
    let number = "5555555555554444";
    let cvc = "913";
    let paid: Value = http
        .post(url(&format!("/api/v1/orders/{}/payments/card", order["id"].as_str().unwrap())))
        .bearer_auth(token)
        .header("Idempotency-Key", "secrecy")
        .json(&json!({"card": {"number": number, "expiry_month": 12, "expiry_year": 2031, "cvc": cvc, "holder": "ANNA P"}}))
        .send().await.unwrap().json().await.unwrap();
    assert_eq!(paid["state"], "paid");
    assert_eq!(paid["card"]["last4"], "4444");
    backend.stop().await;

    let mut files = Vec::new();
    // The database's own files too: the SQLite file here, or PostgreSQL's data directory.
    for data in support::engine::data_dirs(dir.path()) {
        for entry in walk(&data) {
            files.push((entry.display().to_string(), std::fs::read(&entry).unwrap()));
        }
    }
    if support::engine::engine() == support::engine::Engine::Sqlite {
        assert!(files.iter().any(|(n, _)| n.ends_with("shop.sqlite")));
    }
    files.push(("log output".into(), logs.0.lock().unwrap().clone()));
    let log_len = files.last().unwrap().1.len();
    assert!(log_len > 1000, "the log captured the run ({log_len} bytes)");
    // The CVC as any serialiser would write it; three digits alone also occur in timestamps.
    let cvc_forms = [
        format!("\"{cvc}\""),
        format!("={cvc}"),
        format!(": {cvc}"),
        "cvc".to_string(),
    ];
    for (name, bytes) in &files {
        assert!(
            !contains(bytes, number.as_bytes()),
            "card number found in {name}"
        );
        assert!(
            !contains(bytes, b"555555555555"),
            "most of the card number found in {name}"
        );
        for form in &cvc_forms {
            assert!(
                !contains_alone(bytes, form.as_bytes()),
                "CVC ({form}) found in {name}"
            );
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

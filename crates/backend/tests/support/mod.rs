#![allow(dead_code)] // each test binary uses some of the helpers
//! Helpers shared by the backend's integration tests.

pub mod burst;
pub mod engine;
pub mod smtp;

use customerclient_api::orders::Order;
use customerclient_api::push::{PushEvent, SseDecoder};
use customerclient_backend::{Backend, Config};
use serde_json::{Value, json};

use std::time::{Duration, Instant};

/// Polls `check` until it yields, failing with `what` after `limit`.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The 6-digit code in a message's subject ("…: 123456").
pub fn code_in(message: &str) -> Option<String> {
    let line = message
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("subject:"))?;
    let digits: String = line
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    (digits.len() == 6).then(|| digits.chars().rev().collect())
}

/// Codes of the `.eml` messages in `dir` that mention `needle`, oldest first.
pub fn outbox_codes(dir: &std::path::Path, needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, String)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            let modified = e.metadata().ok()?.modified().ok()?;
            text.contains(needle)
                .then(|| code_in(&text).map(|c| (modified, c)))?
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, c)| c).collect()
}

/// A message as a mail client reads it: its parts decoded.
#[derive(Debug)]
pub struct Letter {
    pub raw: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// (file name, media type, bytes) of each attachment.
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

impl Letter {
    pub fn parse(raw: &str) -> Letter {
        Self::try_parse(raw).expect("a MIME message")
    }

    /// `None` for what is no message (yet: a file still being written).
    pub fn try_parse(raw: &str) -> Option<Letter> {
        use mail_parser::MimeHeaders;
        let m = mail_parser::MessageParser::default().parse(raw.as_bytes())?;
        let to = m
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_owned();
        let attachments = m
            .attachments()
            .map(|a| {
                let kind = a
                    .content_type()
                    .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()))
                    .unwrap_or_default();
                (
                    a.attachment_name().unwrap_or_default().to_owned(),
                    kind,
                    a.contents().to_vec(),
                )
            })
            .collect();
        Some(Letter {
            raw: raw.to_owned(),
            to,
            subject: m.subject().unwrap_or_default().to_owned(),
            text: m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
            html: m.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
            attachments,
        })
    }
}

/// The `.eml` messages in `dir` sent to `to`, oldest first (one still being written may be
/// missing or cut short: wait for the outbox to be empty before reading them whole).
pub fn outbox_letters(dir: &std::path::Path, to: &str) -> Vec<Letter> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, Letter)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            let modified = e.metadata().ok()?.modified().ok()?;
            let letter = Letter::try_parse(&text)?;
            (letter.to == to).then_some((modified, letter))
        })
        .collect();
    found.sort_by_key(|(t, _)| *t);
    found.into_iter().map(|(_, l)| l).collect()
}

/// The bank's notice, signed with the demo secret, that the QR code `payload` was paid
/// (`amount_minor`) as transaction `tx`, ready to post to the backend at `base`. The same
/// `tx` is the same notice delivered again.
pub fn bank_pays(
    http: &reqwest::Client,
    base: &str,
    payload: &str,
    amount_minor: i64,
    tx: &str,
) -> reqwest::RequestBuilder {
    use customerclient_api::payments::{BANK_WEBHOOK_PATH, SIGNATURE_HEADER};
    let qr = customerclient_api::emv::MerchantQr::from_payload(payload).unwrap();
    let reference = uuid::Uuid::parse_str(&qr.reference).unwrap();
    let body = json!({"reference": reference.to_string(), "status": "paid",
                      "amount_minor": amount_minor, "transaction_id": tx})
    .to_string();
    let signature = customerclient_backend::payments::sign(
        customerclient_backend::payments::DEMO_WEBHOOK_SECRET,
        body.as_bytes(),
    );
    http.post(format!("{base}{BANK_WEBHOOK_PATH}"))
        .header(SIGNATURE_HEADER, signature)
        .header("content-type", "application/json")
        .body(body)
}

/// A new guest session's token from the backend at `base` (any instance of a fleet).
pub async fn guest_at(http: &reqwest::Client, base: &str) -> String {
    let resp = http
        .post(format!("{base}/api/v1/auth/guest"))
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_success(),
        "guest session: {}",
        resp.status()
    );
    let v: Value = resp.json().await.unwrap();
    v["token"].as_str().unwrap().to_owned()
}

/// A backend on 127.0.0.1:0 with its own database in a temporary folder.
pub struct TestBackend {
    pub backend: Backend,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
}

impl TestBackend {
    /// Starts with the default configuration changed by `tune`.
    pub async fn start(tune: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = engine::config(dir.path(), "test");
        // Most tests need no videos; encoding them would cost seconds per test binary.
        config.seed_videos = false;
        tune(&mut config);
        let backend = customerclient_backend::start(&config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        TestBackend {
            backend,
            http: reqwest::Client::new(),
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.backend.url())
    }

    /// A new guest session's token.
    pub async fn guest(&self) -> String {
        guest_at(&self.http, &self.backend.url()).await
    }

    /// A new customer `login` at `<login>@example.com`, signed up with the code from the
    /// outbox; their session's token.
    pub async fn customer(&self, login: &str) -> String {
        let email = format!("{login}@example.com");
        let resp = self
            .http
            .post(self.url(customerclient_api::auth::SIGN_UP_PATH))
            .json(
                &json!({"login": login, "email": email, "phone": "+79001112233",
                          "password": "correct-horse-battery"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), reqwest::StatusCode::ACCEPTED, "sign-up");
        let dir = self.dir.path().join("outbox");
        let code = eventually(
            "the sign-up code in the outbox",
            Duration::from_secs(10),
            || {
                let codes = outbox_codes(&dir, &email);
                async move { codes.first().cloned() }
            },
        )
        .await;
        let session: Value = self
            .http
            .post(self.url(customerclient_api::auth::VERIFY_PATH))
            .json(&json!({"email": email, "code": code}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        session["token"].as_str().unwrap().to_owned()
    }

    /// Places a one-dish order for `token`, paid by `payment` (e.g. `cash_on_delivery`).
    pub async fn place_order(&self, token: &str, product_id: i64, payment: &str) -> Order {
        let resp = self
            .http
            .post(self.url("/api/v1/orders"))
            .bearer_auth(token)
            .json(&json!({"lines": [{"product_id": product_id, "quantity": 1}], "city": "Moscow", "address": "Arbat 1",
                          "phone": "+79123456789", "delivery_method": "car", "payment_method": payment}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), reqwest::StatusCode::CREATED);
        resp.json().await.unwrap()
    }
}

/// An open `/events` stream.
pub struct EventStream {
    resp: reqwest::Response,
    decoder: SseDecoder,
    ready: std::collections::VecDeque<PushEvent>,
}

impl EventStream {
    pub fn new(resp: reqwest::Response) -> Self {
        Self {
            resp,
            decoder: SseDecoder::default(),
            ready: Default::default(),
        }
    }

    /// The next event, waiting at most `limit` for it.
    pub async fn next_within(&mut self, limit: Duration) -> PushEvent {
        loop {
            if let Some(e) = self.ready.pop_front() {
                return e;
            }
            let chunk = tokio::time::timeout(limit, self.resp.chunk())
                .await
                .expect("an event in time")
                .unwrap()
                .expect("the stream stays open");
            self.ready.extend(self.decoder.feed(&chunk));
        }
    }

    /// The next `n` events (keep-alive comments are skipped).
    pub async fn next(&mut self, n: usize) -> Vec<PushEvent> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            out.push(self.next_within(Duration::from_secs(10)).await);
        }
        out
    }
}

/// Posts a kitchen/courier status change with the demo token to the backend at `base`;
/// returns the HTTP status.
pub async fn courier_status_at(
    http: &reqwest::Client,
    base: &str,
    order: uuid::Uuid,
    status: &str,
) -> reqwest::StatusCode {
    http.post(format!(
        "{base}{}",
        customerclient_api::orders::courier_status_path(order)
    ))
    .header(
        "X-Courier-Token",
        customerclient_backend::DEMO_COURIER_TOKEN,
    )
    .json(&json!({ "status": status }))
    .send()
    .await
    .unwrap()
    .status()
}

impl TestBackend {
    /// Posts a kitchen/courier status change with the demo token; returns the HTTP status.
    pub async fn courier_status(&self, order: uuid::Uuid, status: &str) -> reqwest::StatusCode {
        courier_status_at(&self.http, &self.backend.url(), order, status).await
    }

    /// Signs in and returns the session token.
    pub async fn sign_in(&self, login: &str, password: &str) -> String {
        let resp = self
            .http
            .post(self.url("/api/v1/auth/signin"))
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), reqwest::StatusCode::OK);
        let v: Value = resp.json().await.unwrap();
        v["token"].as_str().unwrap().to_owned()
    }

    /// Opens the push stream of `token`.
    pub async fn events(&self, token: &str) -> EventStream {
        let resp = self
            .http
            .get(self.url("/api/v1/events"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), reqwest::StatusCode::OK);
        EventStream::new(resp)
    }
}

/// The backend binary in a process of its own, as production runs it (several may share one
/// database); dropped or killed with SIGKILL.
pub struct BackendProcess {
    child: std::process::Child,
    pub url: String,
    /// The last lines it printed (warnings and errors), for a failing test to show.
    log: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<String>>>,
}

/// How many of a backend process's last lines a failing test can show.
const LOG_LINES: usize = 60;

impl BackendProcess {
    /// Starts `customerclient-backend --demo` on `db` at an ephemeral loopback port.
    pub fn start(db: &str, extra: &[&str]) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_customerclient-backend"))
            .args([
                "--demo",
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                db,
                "--no-videos",
            ])
            .args(extra)
            .env("RUST_LOG", "warn,sqlx=error")
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starting the backend binary");
        // Lines are read as bytes: a line that is not UTF-8 must not stop the reading, or
        // the backend would block on a full pipe.
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut next_line = move || {
            let mut buf = Vec::new();
            match out.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => None,
                Ok(_) => Some(String::from_utf8_lossy(&buf).trim_end().to_owned()),
            }
        };
        let url = loop {
            let line = next_line().expect("the backend printed its address");
            if let Some(url) = line.strip_prefix("customerclient-backend listening on ") {
                break url.trim().to_owned();
            }
        };
        // Keep reading what it prints so it never blocks on a full pipe; the last lines are
        // kept for a failing test to show.
        let log = std::sync::Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
        let kept = log.clone();
        std::thread::spawn(move || {
            while let Some(line) = next_line() {
                let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                if kept.len() == LOG_LINES {
                    kept.pop_front();
                }
                kept.push_back(line);
            }
        });
        Self { child, url, log }
    }

    /// What it printed last, one line each, for a failing test's message.
    pub fn recent_log(&self) -> String {
        let lines = self.log.lock().unwrap();
        let mut out = format!("--- last lines of the backend at {} ---\n", self.url);
        for line in lines.iter() {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// SIGKILL: no destructor, no flush, no graceful shutdown.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for BackendProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

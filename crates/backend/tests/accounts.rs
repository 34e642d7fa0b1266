//! Accounts with e-mailed codes over a real SMTP server and the file outbox, code limits,
//! sign-in throttling, password reset, settings and addresses; mail survives an SMTP outage.

mod support;

use std::time::Duration;

use customerclient_api::ErrorBody;
use customerclient_api::auth::{Account, Session, SignUpPending};
use customerclient_api::settings::{AccountSettings, Language, SavedAddress};
use customerclient_backend::{Backend, Config, MailTransport, SmtpSecurity};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::smtp::SmtpServer;
use support::{code_in, eventually, outbox_codes};

struct Shop {
    backend: Backend,
    http: reqwest::Client,
    dir: tempfile::TempDir,
}

async fn shop(tune: impl FnOnce(&mut Config)) -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::engine::config(dir.path(), "a");
    config.mail.retry_base = Duration::from_millis(50);
    tune(&mut config);
    let backend = customerclient_backend::start(&config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Shop {
        backend,
        http: reqwest::Client::new(),
        dir,
    }
}

fn smtp(port: u16) -> impl FnOnce(&mut Config) {
    move |c: &mut Config| {
        c.mail.transport = MailTransport::Smtp {
            host: "127.0.0.1".into(),
            port,
            security: SmtpSecurity::None,
            credentials: None,
        };
    }
}

impl Shop {
    fn url(&self, p: &str) -> String {
        format!("{}{p}", self.backend.url())
    }

    async fn post(&self, p: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.url(p))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn sign_up(&self, login: &str, email: &str) -> SignUpPending {
        let resp = self.post("/api/v1/auth/signup", json!({"login": login, "email": email, "phone": "+79001112233", "password": "correct-horse"})).await;
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        resp.json().await.unwrap()
    }

    async fn verify(&self, email: &str, code: &str) -> reqwest::Response {
        self.post("/api/v1/auth/verify", json!({"email": email, "code": code}))
            .await
    }

    async fn sign_in(&self, login: &str, password: &str) -> reqwest::Response {
        self.post(
            "/api/v1/auth/signin",
            json!({"login": login, "password": password}),
        )
        .await
    }

    /// The `nth` code (oldest first) mailed in a message mentioning `needle`.
    async fn outbox_code(&self, needle: &str, nth: usize) -> String {
        let dir = self.dir.path().join("outbox");
        let needle = needle.to_owned();
        eventually("a message in the outbox", Duration::from_secs(10), || {
            let codes = outbox_codes(&dir, &needle);
            async move { codes.get(nth).cloned() }
        })
        .await
    }
}

#[tokio::test]
async fn sign_up_with_a_code_from_a_real_smtp_server() {
    let server = SmtpServer::start(0).await;
    let s = shop(smtp(server.addr.port())).await;
    let pending = s.sign_up("anna", "Anna@Example.com").await;
    assert_eq!(pending.email, "anna@example.com");

    // Not usable before the code is typed.
    let early = s.sign_in("anna", "correct-horse").await;
    assert_eq!(early.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        early.json::<ErrorBody>().await.unwrap().error,
        "not_verified"
    );

    let message = eventually("the code by SMTP", Duration::from_secs(10), || {
        let got = server.received();
        async move { got.into_iter().find(|m| m.contains("anna@example.com")) }
    })
    .await;
    let code = code_in(&message).expect("a 6-digit code in the subject");
    assert!(message.contains(&code), "the body repeats the code");

    let resp = s.verify("anna@example.com", &code).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let session: Session = resp.json().await.unwrap();
    let me: Account = s
        .http
        .get(s.url("/api/v1/auth/me"))
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me.login.as_deref(), Some("anna"));
    assert_eq!(
        s.sign_in("anna@example.com", "correct-horse")
            .await
            .status(),
        StatusCode::OK
    );

    // The same code does not work twice.
    let again = s.verify("anna@example.com", &code).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn sign_up_with_a_code_from_the_file_outbox() {
    let s = shop(|_| {}).await;
    s.sign_up("boris", "boris@example.com").await;
    let code = s.outbox_code("boris@example.com", 0).await;
    let resp = s.verify("boris@example.com", &code).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        s.sign_in("boris", "correct-horse").await.status(),
        StatusCode::OK
    );
    // Passwords are argon2 hashes in the row.
    let hash = s
        .backend
        .state
        .store
        .password_hash_of("boris")
        .await
        .unwrap()
        .unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("correct-horse"));
}

#[tokio::test]
async fn five_wrong_codes_lock_the_code_and_an_expired_code_is_refused() {
    let s = shop(|_| {}).await;
    s.sign_up("vera", "vera@example.com").await;
    let code = s.outbox_code("vera@example.com", 0).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (1..=4).rev() {
        let resp = s.verify("vera@example.com", wrong).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            resp.json::<ErrorBody>()
                .await
                .unwrap()
                .message
                .contains(&format!("{left} tries left"))
        );
    }
    assert_eq!(
        s.verify("vera@example.com", wrong).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let locked = s.verify("vera@example.com", &code).await;
    assert_eq!(
        locked.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code, once locked"
    );

    let quick = shop(|c| c.auth.code_lifetime = Duration::ZERO).await;
    quick.sign_up("gleb", "gleb@example.com").await;
    let code = quick.outbox_code("gleb@example.com", 0).await;
    let resp = quick.verify("gleb@example.com", &code).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        resp.json::<ErrorBody>().await.unwrap().error,
        "code_expired"
    );
}

#[tokio::test]
async fn a_new_code_replaces_the_old_one() {
    let s = shop(|c| c.auth.resend_interval = Duration::ZERO).await;
    s.sign_up("dina", "dina@example.com").await;
    let first = s.outbox_code("dina@example.com", 0).await;
    assert_eq!(
        s.post("/api/v1/auth/resend", json!({"email": "dina@example.com"}))
            .await
            .status(),
        StatusCode::ACCEPTED
    );
    let second = s.outbox_code("dina@example.com", 1).await;
    if first != second {
        assert_eq!(
            s.verify("dina@example.com", &first).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        s.verify("dina@example.com", &second).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn sign_in_is_throttled_per_account_and_per_kiosk() {
    let s = shop(|_| {}).await;
    s.sign_up("egor", "egor@example.com").await;
    let code = s.outbox_code("egor@example.com", 0).await;
    s.verify("egor@example.com", &code).await;
    for _ in 0..5 {
        assert_eq!(
            s.sign_in("egor", "wrong-password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let blocked = s.sign_in("egor", "correct-horse").await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // A back-off, not a lockout: the first wait is a second, never the old 15 minutes.
    assert!((1..=2).contains(&wait), "{wait}");
    let body: ErrorBody = blocked.json().await.unwrap();
    assert!(body.message.contains(" s"), "{}", body.message);
    // The owner gets in once the wait the server named is over.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(
        s.sign_in("egor", "correct-horse").await.status(),
        StatusCode::OK
    );

    // An address trying many logins is stopped, whatever kiosk id each request claims.
    let attempt = |kiosk: String, n: usize| {
        let req = s
            .http
            .post(s.url("/api/v1/auth/signin"))
            .header("X-Kiosk-Id", kiosk)
            .json(&json!({"login": format!("nobody{n}"), "password": "x"}));
        async move { req.send().await.unwrap().status() }
    };
    let mut refused_at = None;
    for n in 0..40 {
        let status = attempt(format!("hall-{n}"), n).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused_at = Some(n);
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // 30 per address; five of egor's failures and the waits above counted already.
    assert!(refused_at.is_some_and(|n| n <= 25), "{refused_at:?}");
}

#[tokio::test]
async fn forgotten_password_is_reset_by_code() {
    let s = shop(|_| {}).await;
    s.sign_up("fedor", "fedor@example.com").await;
    let code = s.outbox_code("fedor@example.com", 0).await;
    let old: Session = s
        .verify("fedor@example.com", &code)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        s.post(
            "/api/v1/auth/password/forgot",
            json!({"email": "fedor@example.com"})
        )
        .await
        .status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        s.post(
            "/api/v1/auth/password/forgot",
            json!({"email": "stranger@example.com"})
        )
        .await
        .status(),
        StatusCode::ACCEPTED,
        "no hint whether an address exists"
    );
    let reset_code = s.outbox_code("Reset your", 0).await;
    let resp = s.post("/api/v1/auth/password/reset", json!({"email": "fedor@example.com", "code": reset_code, "new_password": "new-password-1"})).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        s.sign_in("fedor", "correct-horse").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.sign_in("fedor", "new-password-1").await.status(),
        StatusCode::OK
    );
    let me = s
        .http
        .get(s.url("/api/v1/auth/me"))
        .bearer_auth(&old.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "old sessions end with a reset"
    );
}

#[tokio::test]
async fn an_order_placed_while_smtp_is_down_is_mailed_when_it_returns() {
    let server = SmtpServer::start(0).await;
    let port = server.addr.port();
    let s = shop(smtp(port)).await;
    s.sign_up("galya", "galya@example.com").await;
    let message = eventually("the sign-up code", Duration::from_secs(10), || {
        let got = server.received();
        async move { got.into_iter().find(|m| m.contains("galya@example.com")) }
    })
    .await;
    let session: Session = s
        .verify("galya@example.com", &code_in(&message).unwrap())
        .await
        .json()
        .await
        .unwrap();

    let kept = server.stop();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let order = s.http.post(s.url("/api/v1/orders")).bearer_auth(&session.token)
        .json(&json!({"lines": [{"product_id": 1, "quantity": 2}], "city": "Moscow", "address": "Tverskaya 7",
                      "phone": "+79123456789", "delivery_method": "car", "payment_method": "cash_on_delivery"}))
        .send().await.unwrap();
    assert_eq!(
        order.status(),
        StatusCode::CREATED,
        "the order does not wait for mail"
    );
    let order: Value = order.json().await.unwrap();
    let number = order["number"].as_i64().unwrap();
    eventually(
        "a failed delivery attempt",
        Duration::from_secs(10),
        || async { (s.backend.state.store.unsent_mail().await.unwrap() > 0).then_some(()) },
    )
    .await;

    let back = SmtpServer::start_with(port, kept).await;
    let mail = eventually(
        "the order confirmation after the outage",
        Duration::from_secs(20),
        || {
            let got = back.received();
            async move {
                got.into_iter()
                    .find(|m| m.contains(&format!("order #{number}")))
            }
        },
    )
    .await;
    let letter = support::Letter::parse(&mail);
    assert!(letter.text.contains("Total"), "{}", letter.text);
    assert_eq!(letter.attachments.len(), 1, "the receipt's PDF");
    // The SMTP server records the message before the mailer reads its reply
    // and marks the row sent, so the queue empties a moment after delivery.
    eventually(
        "the mail queue to empty after delivery",
        Duration::from_secs(10),
        || async { (s.backend.state.store.unsent_mail().await.unwrap() == 0).then_some(()) },
    )
    .await;
    let copies = back
        .received()
        .iter()
        .filter(|m| m.contains(&format!("order #{number}")))
        .count();
    assert_eq!(copies, 1, "the confirmation is mailed once");
}

#[tokio::test]
async fn settings_and_addresses_belong_to_the_signed_in_customer() {
    let s = shop(|_| {}).await;
    s.sign_up("hana", "hana@example.com").await;
    let code = s.outbox_code("hana@example.com", 0).await;
    let session: Session = s
        .verify("hana@example.com", &code)
        .await
        .json()
        .await
        .unwrap();
    let t = &session.token;

    let defaults: AccountSettings = s
        .http
        .get(s.url("/api/v1/account/settings"))
        .bearer_auth(t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(defaults.language, Language::En);
    let mut changed = defaults.clone();
    changed.language = Language::Ru;
    changed.accessibility.reach_mode = true;
    let resp = s
        .http
        .put(s.url("/api/v1/account/settings"))
        .bearer_auth(t)
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let read: AccountSettings = s
        .http
        .get(s.url("/api/v1/account/settings"))
        .bearer_auth(t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read, changed);

    let add = |label: &str, default: bool| {
        s.http.post(s.url("/api/v1/account/addresses")).bearer_auth(t).json(&json!({"label": label, "city": "Moscow", "address": "Arbat 1", "is_default": default}))
    };
    let list: Vec<SavedAddress> = add("Home", false)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list[0].is_default, "the first address is the default");
    let list: Vec<SavedAddress> = add("Work", true)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.iter().filter(|a| a.is_default).count(), 1);
    assert!(list.iter().find(|a| a.label == "Work").unwrap().is_default);
    let home = list.iter().find(|a| a.label == "Home").unwrap().id;
    let del = s
        .http
        .delete(s.url(&format!("/api/v1/account/addresses/{home}")))
        .bearer_auth(t)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), StatusCode::NO_CONTENT);

    let guest: Value = s
        .http
        .post(s.url("/api/v1/auth/guest"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let g = guest["token"].as_str().unwrap();
    let resp = s
        .http
        .get(s.url("/api/v1/account/settings"))
        .bearer_auth(g)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let theirs = s
        .http
        .delete(s.url(&format!("/api/v1/account/addresses/{}", list[0].id)))
        .bearer_auth(g)
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_saved_card_is_listed_masked_paid_with_and_removable() {
    let s = shop(|_| {}).await;
    s.sign_up("ivan", "ivan@example.com").await;
    let code = s.outbox_code("ivan@example.com", 0).await;
    let session: Session = s
        .verify("ivan@example.com", &code)
        .await
        .json()
        .await
        .unwrap();
    let t = session.token.as_str();
    let order = |n: i64| {
        let req = s
            .http
            .post(s.url("/api/v1/orders"))
            .bearer_auth(t)
            .json(&json!({
            "lines": [{"product_id": n, "quantity": 1}], "city": "Moscow", "address": "Arbat 1",
            "phone": "+79123456789", "delivery_method": "car", "payment_method": "card_in_app"}));
        async move {
            req.send().await.unwrap().json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let pay = |order_id: String, key: &'static str, body: Value, token: String| {
        let req = s
            .http
            .post(s.url(&format!("/api/v1/orders/{order_id}/payments/card")))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body);
        async move { req.send().await.unwrap() }
    };

    let first = order(1).await;
    let card = json!({"number": "4242424242424242", "expiry_month": 12, "expiry_year": 2031, "cvc": "123"});
    let paid: Value = pay(
        first,
        "k1",
        json!({"card": card, "save_card": true}),
        t.to_owned(),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(paid["state"], "paid");

    let listed = s
        .http
        .get(s.url("/api/v1/account/cards"))
        .bearer_auth(t)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !listed.contains("tok_") && !listed.contains("4242424242424242"),
        "only brand and last four: {listed}"
    );
    let cards: Vec<Value> = serde_json::from_str(&listed).unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0]["last4"], "4242");
    assert_eq!(cards[0]["brand"], "visa");
    let card_id = cards[0]["id"].as_str().unwrap().to_owned();

    // Paying again with the saved card: no number typed.
    let second = order(2).await;
    let resp = pay(
        second,
        "k2",
        json!({"saved_card_id": card_id}),
        t.to_owned(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let paid: Value = resp.json().await.unwrap();
    assert_eq!(paid["state"], "paid");
    assert_eq!(paid["card"]["last4"], "4242");

    // Nobody else can use it.
    let guest: Value = s
        .http
        .post(s.url("/api/v1/auth/guest"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let g = guest["token"].as_str().unwrap().to_owned();
    let theirs: Value = s
        .http
        .post(s.url("/api/v1/orders"))
        .bearer_auth(&g)
        .json(&json!({
        "lines": [{"product_id": 3, "quantity": 1}], "city": "Moscow", "address": "Arbat 1",
        "phone": "+79123456789", "delivery_method": "car", "payment_method": "card_in_app"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stolen = pay(
        theirs["id"].as_str().unwrap().to_owned(),
        "k3",
        json!({"saved_card_id": card_id}),
        g,
    )
    .await;
    assert_eq!(stolen.status(), StatusCode::NOT_FOUND);

    let del = s
        .http
        .delete(s.url(&format!("/api/v1/account/cards/{card_id}")))
        .bearer_auth(t)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), StatusCode::NO_CONTENT);
    let after: Vec<Value> = s
        .http
        .get(s.url("/api/v1/account/cards"))
        .bearer_auth(t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(after.is_empty());
    let third = order(4).await;
    assert_eq!(
        pay(third, "k4", json!({"saved_card_id": card_id}), t.to_owned())
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

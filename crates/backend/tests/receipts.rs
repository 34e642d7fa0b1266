//! Receipts: the confirmation e-mail carries the receipt as text and HTML with a PDF attached,
//! read back as a mail client would (MIME parts decoded) and the PDF by an independent reader
//! (poppler's `pdftotext`). A card shows by its last four only — in the raw message, every
//! decoded part and the PDF's text. The receipt goes when the order's payment is settled; the
//! page and the PDF are the owner's alone; a signed-in customer can have any past order's
//! receipt e-mailed to their own address, in the order's language.

mod support;

use std::time::Duration;

use customerclient_api::orders::{Order, ReceiptSent};
use customerclient_api::settings::Language;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Letter, TestBackend, eventually, outbox_letters};

const CARD: &str = "4242424242424242";

fn outbox(s: &TestBackend) -> std::path::PathBuf {
    s.dir.path().join("outbox")
}

/// The messages to `to` once there are `n` and the outbox has sent everything (a message is
/// marked sent after its file is written whole).
async fn letters_for(s: &TestBackend, to: &str, n: usize) -> Vec<Letter> {
    let dir = outbox(s);
    let to = to.to_owned();
    eventually(
        &format!("{n} letter(s) to {to}"),
        Duration::from_secs(20),
        || async {
            let sent = s.backend.state.store.unsent_mail().await.unwrap() == 0;
            let got = outbox_letters(&dir, &to);
            (sent && got.len() >= n).then_some(got)
        },
    )
    .await
}

async fn place(s: &TestBackend, token: &str, body: Value) -> reqwest::Response {
    s.http
        .post(s.url("/api/v1/orders"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// `GET` (`post`: false) or `POST` of `/api/v1/orders/{order}/{rest}` as `token`.
async fn on_order(
    s: &TestBackend,
    post: bool,
    token: &str,
    order: uuid::Uuid,
    rest: &str,
) -> reqwest::Response {
    let url = s.url(&format!("/api/v1/orders/{order}/{rest}"));
    let req = if post {
        s.http.post(url)
    } else {
        s.http.get(url)
    };
    req.bearer_auth(token).send().await.unwrap()
}

fn order_body(payment: &str, extra: Value) -> Value {
    let mut body = json!({"lines": [{"product_id": 1, "quantity": 2}, {"product_id": 2, "quantity": 1}],
        "city": "Moscow", "address": "Arbat 1", "phone": "+79123456789",
        "delivery_method": "car", "payment_method": payment});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// The text of a PDF, as poppler reads it.
fn pdf_text(dir: &std::path::Path, pdf: &[u8]) -> String {
    let path = dir.join("receipt.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils, installed by scripts/setup)");
    assert!(out.status.success(), "pdftotext: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn a_guests_card_receipt_shows_the_last_four_and_never_the_number() {
    let s = TestBackend::start(|_| {}).await;
    let guest = s.guest().await;

    // A typed address must be one mail can go to; nothing is placed otherwise.
    let bad = place(
        &s,
        &guest,
        order_body("card_in_app", json!({"receipt_email": "vera at example"})),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = bad.json().await.unwrap();
    assert!(error["message"].as_str().unwrap().contains("e-mail"));

    let resp = place(
        &s,
        &guest,
        order_body(
            "card_in_app",
            json!({"receipt_email": " vera@example.com ", "language": "en"}),
        ),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let order: Order = resp.json().await.unwrap();

    // Not paid yet: no receipt queued nor sent.
    assert_eq!(s.backend.state.store.unsent_mail().await.unwrap(), 0);
    assert!(outbox_letters(&outbox(&s), "vera@example.com").is_empty());

    let paid: Value = s
        .http
        .post(s.url(&format!("/api/v1/orders/{}/payments/card", order.id)))
        .bearer_auth(&guest)
        .header("Idempotency-Key", "receipt-pay")
        .json(&json!({"card": {"number": CARD, "expiry_month": 12, "expiry_year": 2031, "cvc": "123"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paid["state"], "paid");

    let letters = letters_for(&s, "vera@example.com", 1).await;
    assert_eq!(letters.len(), 1, "one receipt for one payment");
    let letter = &letters[0];
    let number = format!("#{}", order.number);
    let profile = &s.backend.state.profile;
    let total = profile
        .price_format(Language::En)
        .unwrap()
        .write(order.total.minor);
    assert!(
        letter
            .subject
            .contains(&format!("receipt for order {number}")),
        "{}",
        letter.subject
    );
    for (part, text) in [
        ("raw message", &letter.raw),
        ("text", &letter.text),
        ("HTML", &letter.html),
    ] {
        assert!(!text.contains(CARD), "the card number in the {part}");
        assert!(!text.contains("42424242"), "card digits in the {part}");
    }
    assert!(letter.text.contains("•••• 4242"), "{}", letter.text);
    assert!(letter.text.contains(&number) && letter.text.contains(&total));
    assert!(letter.html.contains("•••• 4242") && letter.html.contains(&number));
    for line in &order.lines {
        let escaped = line.name.replace('&', "&amp;");
        assert!(letter.html.contains(&escaped), "{} in the HTML", line.name);
    }

    assert_eq!(letter.attachments.len(), 1);
    let (name, kind, pdf) = &letter.attachments[0];
    assert_eq!(name, &format!("receipt-{}.pdf", order.number));
    assert_eq!(kind, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(s.dir.path(), pdf);
    assert!(
        text.contains(&number),
        "the order number in the PDF: {text}"
    );
    assert!(text.contains(&total), "the total in the PDF: {text}");
    assert!(
        text.contains("•••• 4242"),
        "the last four in the PDF: {text}"
    );
    assert!(text.contains(&profile.name), "the store in the PDF: {text}");
    assert!(!text.replace(' ', "").contains("42424242"));

    // The same receipt as a page and a PDF, for its owner only.
    let page = on_order(&s, false, &guest, order.id, "receipt").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(page.headers()["cache-control"], "private, no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains(&number) && html.contains("•••• 4242") && !html.contains(CARD));
    let file = on_order(&s, false, &guest, order.id, "receipt.pdf").await;
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["content-type"], "application/pdf");
    let bytes = file.bytes().await.unwrap();
    assert!(pdf_text(s.dir.path(), &bytes).contains(&total));

    let stranger = s.guest().await;
    for path in ["receipt", "receipt.pdf"] {
        let theirs = on_order(&s, false, &stranger, order.id, path).await;
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND, "{path}");
        let body: Value = theirs.json().await.unwrap();
        assert_eq!(body["error"], "not_found");
    }
    // A guest has no address of their own to have a receipt sent to.
    let refused = on_order(&s, true, &guest, order.id, "receipt/email").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_customer_has_a_past_orders_receipt_emailed_in_its_language() {
    let s = TestBackend::start(|_| {}).await;
    let token = s.customer("lena").await;

    // Paid on delivery: the receipt goes with the order, to the customer's own address, in
    // the language it was placed in.
    let resp = place(
        &s,
        &token,
        order_body("cash_on_delivery", json!({"language": "ru"})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let order: Order = resp.json().await.unwrap();
    let first = letters_for(&s, "lena@example.com", 2).await;
    let receipt = &first[1];
    assert!(
        receipt
            .subject
            .contains(&format!("чек по заказу #{}", order.number)),
        "{}",
        receipt.subject
    );
    assert!(receipt.text.contains("Итого") && receipt.text.contains("Наличными курьеру"));
    let pdf_words = pdf_text(s.dir.path(), &receipt.attachments[0].2);
    assert!(pdf_words.contains("Итого"), "{pdf_words}");

    // Later, from the order history: sent again on request, to the account's address only.
    let sent = on_order(&s, true, &token, order.id, "receipt/email").await;
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    let sent: ReceiptSent = sent.json().await.unwrap();
    assert_eq!(sent.to, "lena@example.com");
    let again = letters_for(&s, "lena@example.com", 3).await;
    assert_eq!(again[2].subject, receipt.subject);
    assert_eq!(again[2].attachments.len(), 1);

    // Another customer's order is not found; a flood of requests is slowed down.
    let other = s.customer("olga").await;
    let theirs = on_order(&s, true, &other, order.id, "receipt/email").await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = on_order(&s, true, &token, order.id, "receipt/email").await;
        statuses.push(r.status());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::ACCEPTED)
            .count(),
        4,
        "five a while, then slower: {statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS));
}

//! Who may call what, for every endpoint of the API (`endpoint::ALL`, which a unit test in
//! `routes.rs` holds equal to what the router mounts): each called over HTTP by each kind of
//! caller — no token, a garbage one, an expired one, a signed-out one, a guest, the customer
//! whose things the route's id names, another customer, the courier token (as a bearer token
//! and in its own header) and the bank's signature — and the answer checked against the
//! table in [`expected`]. The ids in the routes are real: the first customer's order,
//! payment, address and saved card, so another customer (or a guest) must get 404 where the
//! owner gets in. A new endpoint is checked here by being in the list.

mod support;

use customerclient_api::endpoint::{ALL, Caller, Method, Route};
use customerclient_api::payments::SIGNATURE_HEADER;
use customerclient_backend::DEMO_COURIER_TOKEN;
use customerclient_backend::payments::gateway::test_cards;
use customerclient_backend::seed::history::{DEMO_LOGIN, DEMO_PASSWORD};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::TestBackend;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Nobody,
    GarbageToken,
    ExpiredToken,
    SignedOut,
    Guest,
    /// The customer whose order, payment, address and card the routes' ids are.
    Owner,
    AnotherCustomer,
    /// The courier token sent as a bearer token: not a session.
    CourierAsBearer,
    Courier,
    /// The store operator's token.
    Operator,
    /// The bank: its body signed with the webhook secret.
    Bank,
}

const EVERYONE: [Who; 11] = [
    Who::Nobody,
    Who::GarbageToken,
    Who::ExpiredToken,
    Who::SignedOut,
    Who::Guest,
    Who::Owner,
    Who::AnotherCustomer,
    Who::CourierAsBearer,
    Who::Courier,
    Who::Operator,
    Who::Bank,
];

/// A route whose id names something of one customer's: anyone else gets 404, as if it did
/// not exist.
fn owned(r: &Route) -> bool {
    r.route.contains('{') && matches!(r.caller, Caller::Session | Caller::Customer)
}

/// What the endpoint must answer `who`: `Some(status)` for a refusal, `None` for "let in"
/// (then it may still refuse the body, but never with 401 or 403, nor with 404 for the
/// owner of what the id names).
fn expected(r: &Route, who: Who) -> Option<StatusCode> {
    let unauthorised = Some(StatusCode::UNAUTHORIZED);
    let not_theirs = owned(r).then_some(StatusCode::NOT_FOUND);
    match (r.caller, who) {
        (Caller::Anyone, _) => None,
        (Caller::Session, Who::Owner) => None,
        (Caller::Session, Who::Guest | Who::AnotherCustomer) => not_theirs,
        (Caller::Session, _) => unauthorised,
        (Caller::Customer, Who::Owner) => None,
        (Caller::Customer, Who::AnotherCustomer) => not_theirs,
        (Caller::Customer, Who::Guest) => Some(StatusCode::FORBIDDEN),
        (Caller::Customer, _) => unauthorised,
        (Caller::Courier, Who::Courier) => None,
        (Caller::Courier, _) => unauthorised,
        (Caller::Operator, Who::Operator) => None,
        (Caller::Operator, _) => unauthorised,
        (Caller::Bank, Who::Bank) => None,
        (Caller::Bank, _) => unauthorised,
    }
}

/// The owner's things the routes' ids name.
struct Owned {
    order: uuid::Uuid,
    payment: uuid::Uuid,
    address: uuid::Uuid,
    card: uuid::Uuid,
}

/// The route with its id: the owner's thing for owned and courier routes, a product that
/// exists, a file id that does not.
fn url(t: &TestBackend, r: &Route, ids: &Owned) -> String {
    let route = r.route;
    let id: Box<dyn std::fmt::Display> = if route.starts_with("/api/v1/products/") {
        Box::new(1)
    } else if route.starts_with("/api/v1/operator/menu/") {
        // The first demo dish, by the SKU its export gives it.
        Box::new("P1")
    } else if route.contains("/orders/{id}") {
        Box::new(ids.order)
    } else if route.starts_with("/api/v1/payments/") {
        Box::new(ids.payment)
    } else if route.starts_with("/api/v1/account/addresses/") {
        Box::new(ids.address)
    } else if route.starts_with("/api/v1/account/cards/") {
        Box::new(ids.card)
    } else {
        Box::new(uuid::Uuid::new_v4())
    };
    t.url(&customerclient_api::endpoint::fill(route, &[&*id]))
}

/// A body the handler accepts, so that it gets as far as looking the id up; `{}` elsewhere.
fn body(r: &Route, ids: &Owned) -> Value {
    match r.name {
        "RateOrder" => json!({"stars": 5, "comment": ""}),
        "SetAvailability" => json!({"available": true}),
        "ShareTracking" => json!({"language": "en"}),
        "PayByCard" => json!({"saved_card_id": ids.card}),
        "SetPaymentMethod" => json!({"method": "cash_on_delivery"}),
        "PutAddress" => json!({"label": "Work", "city": "Moscow", "address": "Arbat 2"}),
        _ => json!({}),
    }
}

async fn ok_json(resp: reqwest::Response) -> Value {
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert!(status.is_success(), "{status} {body}");
    body
}

/// The owner's order (with a QR payment), an address and a saved card.
async fn owners_things(t: &TestBackend, owner: &str) -> Owned {
    let order = t.place_order(owner, 1, "qr_bank_app").await;
    let payment = ok_json(
        t.http
            .post(t.url(&customerclient_api::payments::qr_payment_path(order.id)))
            .bearer_auth(owner)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let addresses = ok_json(
        t.http
            .post(t.url(customerclient_api::settings::ADDRESSES_PATH))
            .bearer_auth(owner)
            .json(&json!({"label": "Home", "city": "Moscow", "address": "Arbat 1"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let address = addresses
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["label"] == "Home")
        .unwrap()["id"]
        .clone();
    // A card kept from a paid order.
    let paid = t.place_order(owner, 1, "card_in_app").await;
    let charged = ok_json(
        t.http
            .post(t.url(&customerclient_api::payments::card_payment_path(paid.id)))
            .bearer_auth(owner)
            .header("Idempotency-Key", "keep-the-card")
            .json(
                &json!({"card": {"number": test_cards::APPROVED, "expiry_month": 12,
                                   "expiry_year": 2031, "cvc": "737"}, "save_card": true}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(charged["state"], "paid", "{charged}");
    let cards = ok_json(
        t.http
            .get(t.url(customerclient_api::payments::SAVED_CARDS_PATH))
            .bearer_auth(owner)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = |v: &Value| uuid::Uuid::parse_str(v.as_str().unwrap()).unwrap();
    Owned {
        order: order.id,
        payment: id(&payment["id"]),
        address: id(&address),
        card: id(&cards[0]["id"]),
    }
}

/// A guest's token whose session has run out (its row says it expired in 1970).
async fn expired_token(t: &TestBackend) -> String {
    let token = t.guest().await;
    let me = ok_json(
        t.http
            .get(t.url(customerclient_api::auth::ME_PATH))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&support::engine::database_url(t.dir.path(), "test"))
        .await
        .unwrap();
    let expired = sqlx::query("UPDATE sessions SET expires_at = 1 WHERE account_id = $1")
        .bind(me["id"].as_str().unwrap())
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(expired.rows_affected(), 1);
    db.close().await;
    token
}

#[tokio::test]
async fn every_endpoint_lets_in_exactly_its_callers() {
    let t = TestBackend::start(|_| {}).await;
    let guest = t.guest().await;
    let owner = t.sign_in(DEMO_LOGIN, DEMO_PASSWORD).await;
    let another = t.customer("boris").await;
    let expired = expired_token(&t).await;
    let signed_out = t.guest().await;
    let out = t
        .http
        .post(t.url(customerclient_api::auth::SIGN_OUT_PATH))
        .bearer_auth(&signed_out)
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success());
    let ids = owners_things(&t, &owner).await;

    let mut checked = 0;
    let mut wrong = Vec::new();
    for r in ALL {
        // Signing out ends the demo customer's session for the rest of the walk.
        if r.name == "SignOut" {
            continue;
        }
        for who in EVERYONE {
            let mut req = match r.method {
                Method::Get => t.http.get(url(&t, r, &ids)),
                Method::Post => t.http.post(url(&t, r, &ids)),
                Method::Put => t.http.put(url(&t, r, &ids)),
                Method::Delete => t.http.delete(url(&t, r, &ids)),
            };
            let sent = body(r, &ids).to_string();
            if matches!(r.method, Method::Post | Method::Put) {
                req = req
                    .header("content-type", "application/json")
                    .header("Idempotency-Key", format!("walk-{}-{who:?}", r.name))
                    .body(sent.clone());
            }
            req = match who {
                Who::Nobody => req,
                Who::GarbageToken => req.bearer_auth("not-a-token"),
                Who::ExpiredToken => req.bearer_auth(&expired),
                Who::SignedOut => req.bearer_auth(&signed_out),
                Who::Guest => req.bearer_auth(&guest),
                Who::Owner => req.bearer_auth(&owner),
                Who::AnotherCustomer => req.bearer_auth(&another),
                Who::CourierAsBearer => req.bearer_auth(DEMO_COURIER_TOKEN),
                Who::Courier => req.header("X-Courier-Token", DEMO_COURIER_TOKEN),
                Who::Operator => req.header(
                    "X-Operator-Token",
                    customerclient_backend::DEMO_OPERATOR_TOKEN,
                ),
                Who::Bank => req.header(
                    SIGNATURE_HEADER,
                    customerclient_backend::payments::sign(
                        customerclient_backend::payments::DEMO_WEBHOOK_SECRET,
                        sent.as_bytes(),
                    ),
                ),
            };
            let status = req.send().await.unwrap().status();
            let ok = match expected(r, who) {
                Some(refusal) => status == refusal,
                None => {
                    status != StatusCode::UNAUTHORIZED
                        && status != StatusCode::FORBIDDEN
                        && !(owned(r) && status == StatusCode::NOT_FOUND)
                }
            };
            if !ok {
                wrong.push(format!(
                    "{} {} as {who:?}: {status} (expected {:?})",
                    r.method.as_str(),
                    r.route,
                    expected(r, who)
                ));
            }
            checked += 1;
        }
    }
    println!(
        "authorisation: {checked} endpoint × caller cells checked over HTTP ({} endpoints × {} callers, signing out apart)",
        ALL.len() - 1,
        EVERYONE.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Signing out (left out of the walk above, which it would end) needs a session, and ends it.
#[tokio::test]
async fn signing_out_needs_a_session_and_ends_it() {
    let t = TestBackend::start(|_| {}).await;
    let out = |token: Option<&str>| {
        let mut req = t.http.post(t.url(customerclient_api::auth::SIGN_OUT_PATH));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send()
    };
    assert_eq!(out(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let token = t.guest().await;
    assert!(out(Some(&token)).await.unwrap().status().is_success());
    let me = t
        .http
        .get(t.url(customerclient_api::auth::ME_PATH))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

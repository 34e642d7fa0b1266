//! Who may call what, for every endpoint of the API (`endpoint::ALL`, which a unit test in
//! `routes.rs` holds equal to what the router mounts): each called over HTTP by each kind of
//! caller, and the answer checked against the endpoint's declared caller. A new endpoint is
//! checked here by being in the list. (Whose order it is — another customer's id answering
//! 404 — is covered per service: `tracking.rs`, `money.rs`, `api.rs`.)

mod support;

use customerclient_api::endpoint::{ALL, Caller, Method, Route};
use customerclient_backend::DEMO_COURIER_TOKEN;
use customerclient_backend::seed::history::{DEMO_LOGIN, DEMO_PASSWORD};
use reqwest::StatusCode;
use support::TestBackend;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Nobody,
    GarbageToken,
    SignedOut,
    Guest,
    Customer,
    /// The courier token sent as a bearer token: not a session.
    CourierAsBearer,
    Courier,
}

const EVERYONE: [Who; 7] = [
    Who::Nobody,
    Who::GarbageToken,
    Who::SignedOut,
    Who::Guest,
    Who::Customer,
    Who::CourierAsBearer,
    Who::Courier,
];

/// What the endpoint must answer `who`: `Some(status)` for a refusal, `None` for "let in"
/// (whatever it then says of the dummy ids and bodies, as long as it is not 401 or 403).
fn expected(caller: Caller, who: Who) -> Option<StatusCode> {
    let unauthorised = Some(StatusCode::UNAUTHORIZED);
    match (caller, who) {
        (Caller::Anyone, _) => None,
        (Caller::Session, Who::Guest | Who::Customer) => None,
        (Caller::Session, _) => unauthorised,
        (Caller::Customer, Who::Customer) => None,
        (Caller::Customer, Who::Guest) => Some(StatusCode::FORBIDDEN),
        (Caller::Customer, _) => unauthorised,
        (Caller::Courier, Who::Courier) => None,
        (Caller::Courier, _) => unauthorised,
        // No caller here signs its body with the bank's secret.
        (Caller::Bank, _) => unauthorised,
    }
}

/// The route with dummy parameters: products are numbered, everything else has a uuid.
fn url(t: &TestBackend, r: &Route) -> String {
    let id: Box<dyn std::fmt::Display> = if r.route.starts_with("/api/v1/products/") {
        Box::new(1)
    } else {
        Box::new(uuid::Uuid::new_v4())
    };
    t.url(&customerclient_api::endpoint::fill(r.route, &[&*id]))
}

#[tokio::test]
async fn every_endpoint_lets_in_exactly_its_callers() {
    let t = TestBackend::start(|_| {}).await;
    let guest = t.guest().await;
    let customer = t.sign_in(DEMO_LOGIN, DEMO_PASSWORD).await;
    let signed_out = t.guest().await;
    let out = t
        .http
        .post(t.url(customerclient_api::auth::SIGN_OUT_PATH))
        .bearer_auth(&signed_out)
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success());

    let mut checked = 0;
    let mut wrong = Vec::new();
    for r in ALL {
        // Signing out ends the demo customer's session for the rest of the walk.
        if r.name == "SignOut" {
            continue;
        }
        for who in EVERYONE {
            let mut req = match r.method {
                Method::Get => t.http.get(url(&t, r)),
                Method::Post => t.http.post(url(&t, r)),
                Method::Put => t.http.put(url(&t, r)),
                Method::Delete => t.http.delete(url(&t, r)),
            };
            if matches!(r.method, Method::Post | Method::Put) {
                req = req.json(&serde_json::json!({}));
            }
            req = match who {
                Who::Nobody => req,
                Who::GarbageToken => req.bearer_auth("not-a-token"),
                Who::SignedOut => req.bearer_auth(&signed_out),
                Who::Guest => req.bearer_auth(&guest),
                Who::Customer => req.bearer_auth(&customer),
                Who::CourierAsBearer => req.bearer_auth(DEMO_COURIER_TOKEN),
                Who::Courier => req.header("X-Courier-Token", DEMO_COURIER_TOKEN),
            };
            let status = req.send().await.unwrap().status();
            let ok = match expected(r.caller, who) {
                Some(refusal) => status == refusal,
                None => status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
            };
            if !ok {
                wrong.push(format!(
                    "{} {} as {who:?}: {status} (expected {:?})",
                    r.method.as_str(),
                    r.route,
                    expected(r.caller, who)
                ));
            }
            checked += 1;
        }
    }
    println!("authorisation: {checked} endpoint × caller cells checked over HTTP");
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

//! The HTTP side of the bridge: one async function per [`ApiCall`], run on the tokio runtime.

use std::time::Duration;

use customerclient_api::auth::{GUEST_PATH, Session};
use customerclient_api::catalog::{CATEGORIES_PATH, PRODUCTS_PATH};
use customerclient_api::orders::{DELIVERY_PATH, ORDERS_PATH};
use customerclient_api::push::{EVENTS_PATH, PushEvent, SseDecoder};
use customerclient_api::{ErrorBody, IDEMPOTENCY_KEY_HEADER};
use customerclient_api::{auth, catalog, city, orders, payments, settings, stats, tracking};
use serde::de::DeserializeOwned;

use super::{ApiCall, ApiReply, BridgeError, DecodedImage};

/// Attempts for a request that is safe to repeat (reads, and orders thanks to their key).
const ATTEMPTS: u32 = 3;

fn transport_error(e: reqwest::Error) -> BridgeError {
    if e.is_timeout() {
        BridgeError::Timeout
    } else if e.is_decode() {
        BridgeError::Invalid(e.to_string())
    } else {
        BridgeError::Unreachable(e.to_string())
    }
}

async fn check(resp: reqwest::Response) -> Result<reqwest::Response, BridgeError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let body = resp
        .json::<ErrorBody>()
        .await
        .unwrap_or_else(|_| ErrorBody {
            error: "http_error".into(),
            message: format!("the server answered {status}"),
        });
    Err(BridgeError::Rejected {
        status: status.as_u16(),
        body,
    })
}

/// A request whose success carries no body.
async fn empty(req: reqwest::RequestBuilder) -> Result<ApiReply, BridgeError> {
    let resp = req.send().await.map_err(transport_error)?;
    check(resp).await.map(|_| ApiReply::Done)
}

async fn json<T: DeserializeOwned>(req: reqwest::RequestBuilder) -> Result<T, BridgeError> {
    let resp = req.send().await.map_err(transport_error)?;
    check(resp)
        .await?
        .json::<T>()
        .await
        .map_err(transport_error)
}

/// Repeats `attempt` on transient failures with a short back-off.
async fn with_retries<T, F, Fut>(mut attempt: F) -> Result<T, BridgeError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, BridgeError>>,
{
    let mut delay = Duration::from_millis(300);
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(e) if e.is_transient() && tries < ATTEMPTS => {
                tokio::time::sleep(delay).await;
                delay *= 3;
            }
            other => return other,
        }
    }
}

pub(super) async fn perform(
    http: &reqwest::Client,
    base: &str,
    call: ApiCall,
) -> Result<ApiReply, BridgeError> {
    match call {
        ApiCall::Categories => {
            let url = format!("{base}{CATEGORIES_PATH}");
            with_retries(|| json(http.get(&url)))
                .await
                .map(ApiReply::Categories)
        }
        ApiCall::Products { page, per_page } => {
            let url = format!("{base}{PRODUCTS_PATH}");
            with_retries(|| {
                json(
                    http.get(&url)
                        .query(&[("page", page), ("per_page", per_page)]),
                )
            })
            .await
            .map(ApiReply::Products)
        }
        ApiCall::Delivery => {
            let url = format!("{base}{DELIVERY_PATH}");
            with_retries(|| json(http.get(&url)))
                .await
                .map(ApiReply::Delivery)
        }
        ApiCall::Image(id) => {
            let url = format!("{base}{}", customerclient_api::files::file_path(id));
            let bytes = with_retries(|| async {
                let resp = http.get(&url).send().await.map_err(transport_error)?;
                check(resp).await?.bytes().await.map_err(transport_error)
            })
            .await?;
            let image = tokio::task::spawn_blocking(move || decode(&bytes))
                .await
                .map_err(|e| BridgeError::Invalid(e.to_string()))??;
            Ok(ApiReply::Image { id, image })
        }
        ApiCall::GuestSession => {
            // Not retried: a lost answer would leave an orphan guest, harmless but pointless.
            let url = format!("{base}{GUEST_PATH}");
            json::<Session>(http.post(&url))
                .await
                .map(ApiReply::SessionOpened)
        }
        ApiCall::PlaceOrder {
            token,
            idempotency_key,
            order,
        } => {
            let url = format!("{base}{ORDERS_PATH}");
            // The same key on every attempt: the server creates the order at most once.
            with_retries(|| {
                json(
                    http.post(&url)
                        .bearer_auth(&token)
                        .header(IDEMPOTENCY_KEY_HEADER, &idempotency_key)
                        .json(&order),
                )
            })
            .await
            .map(ApiReply::OrderPlaced)
        }
        ApiCall::StartQrPayment { token, order_id } => {
            let url = format!("{base}{}", payments::qr_payment_path(order_id));
            // Safe to repeat: the backend shows a still-valid code again.
            with_retries(|| json(http.post(&url).bearer_auth(&token)))
                .await
                .map(ApiReply::Payment)
        }
        ApiCall::PollPayment { token, payment_id } => {
            let url = format!("{base}{}", payments::payment_path(payment_id));
            json(http.get(&url).bearer_auth(&token))
                .await
                .map(ApiReply::Payment)
        }
        ApiCall::PayByCard {
            token,
            order_id,
            idempotency_key,
            card,
            save_card,
            saved_card_id,
        } => {
            let url = format!("{base}{}", payments::card_payment_path(order_id));
            let body = payments::CardPaymentRequest {
                card,
                save_card,
                saved_card_id,
            };
            // Same key on every attempt: the backend charges at most once.
            with_retries(|| {
                json(
                    http.post(&url)
                        .bearer_auth(&token)
                        .header(IDEMPOTENCY_KEY_HEADER, &idempotency_key)
                        .json(&body),
                )
            })
            .await
            .map(ApiReply::Payment)
        }
        ApiCall::SignIn { login, password } => {
            let url = format!("{base}{}", auth::SIGN_IN_PATH);
            let body = auth::SignInRequest { login, password };
            json(http.post(&url).json(&body))
                .await
                .map(ApiReply::SessionOpened)
        }
        ApiCall::SignUp(req) => {
            let url = format!("{base}{}", auth::SIGN_UP_PATH);
            json(http.post(&url).json(&req))
                .await
                .map(ApiReply::SignUpPending)
        }
        ApiCall::Verify { email, code } => {
            let url = format!("{base}{}", auth::VERIFY_PATH);
            let body = auth::VerifyRequest { email, code };
            json(http.post(&url).json(&body))
                .await
                .map(ApiReply::SessionOpened)
        }
        ApiCall::ResendCode { email } => {
            let url = format!("{base}{}", auth::RESEND_PATH);
            empty(http.post(&url).json(&auth::EmailRequest { email })).await
        }
        ApiCall::ForgotPassword { email } => {
            let url = format!("{base}{}", auth::FORGOT_PASSWORD_PATH);
            empty(http.post(&url).json(&auth::EmailRequest { email })).await
        }
        ApiCall::ResetPassword {
            email,
            code,
            new_password,
        } => {
            let url = format!("{base}{}", auth::RESET_PASSWORD_PATH);
            empty(http.post(&url).json(&auth::ResetPasswordRequest {
                email,
                code,
                new_password,
            }))
            .await
        }
        ApiCall::SignOut { token } => {
            let url = format!("{base}{}", auth::SIGN_OUT_PATH);
            empty(http.post(&url).bearer_auth(&token)).await
        }
        ApiCall::LoadSettings { token } => {
            let url = format!("{base}{}", settings::SETTINGS_PATH);
            with_retries(|| json(http.get(&url).bearer_auth(&token)))
                .await
                .map(ApiReply::Settings)
        }
        ApiCall::SaveSettings { token, settings: s } => {
            let url = format!("{base}{}", settings::SETTINGS_PATH);
            with_retries(|| json(http.put(&url).bearer_auth(&token).json(&s)))
                .await
                .map(ApiReply::Settings)
        }
        ApiCall::LoadAddresses { token } => {
            let url = format!("{base}{}", settings::ADDRESSES_PATH);
            with_retries(|| json(http.get(&url).bearer_auth(&token)))
                .await
                .map(ApiReply::Addresses)
        }
        ApiCall::SaveAddress { token, id, address } => {
            let request = match id {
                None => http.post(format!("{base}{}", settings::ADDRESSES_PATH)),
                Some(id) => http.put(format!("{base}{}", settings::address_path(id))),
            };
            json(request.bearer_auth(&token).json(&address))
                .await
                .map(ApiReply::Addresses)
        }
        ApiCall::DeleteAddress { token, id } => {
            let url = format!("{base}{}", settings::address_path(id));
            empty(http.delete(&url).bearer_auth(&token)).await
        }
        ApiCall::ChangePassword {
            token,
            current,
            new,
        } => {
            let url = format!("{base}{}", auth::CHANGE_PASSWORD_PATH);
            let body = auth::ChangePasswordRequest {
                current_password: current,
                new_password: new,
            };
            empty(http.post(&url).bearer_auth(&token).json(&body)).await
        }
        ApiCall::LoadCards { token } => {
            let url = format!("{base}{}", payments::SAVED_CARDS_PATH);
            with_retries(|| json(http.get(&url).bearer_auth(&token)))
                .await
                .map(ApiReply::Cards)
        }
        ApiCall::DeleteCard { token, id } => {
            let url = format!("{base}{}", payments::saved_card_path(id));
            empty(http.delete(&url).bearer_auth(&token)).await
        }
        ApiCall::ChangePaymentMethod {
            token,
            order_id,
            method,
        } => {
            let url = format!("{base}{}", payments::payment_method_path(order_id));
            let body = payments::ChangePaymentMethod { method };
            with_retries(|| json(http.post(&url).bearer_auth(&token).json(&body)))
                .await
                .map(ApiReply::OrderUpdated)
        }
        ApiCall::Map => {
            let url = format!("{base}{}", city::MAP_PATH);
            with_retries(|| json(http.get(&url)))
                .await
                .map(ApiReply::Map)
        }
        ApiCall::Tracking { token, order_id } => {
            let url = format!("{base}{}", tracking::tracking_path(order_id));
            with_retries(|| json(http.get(&url).bearer_auth(&token)))
                .await
                .map(ApiReply::Tracking)
        }
        ApiCall::TrackByNumber {
            number,
            phone_last4,
        } => {
            // Not retried: every wrong try counts towards the kiosk's limit.
            let url = format!("{base}{}", tracking::TRACK_PATH);
            let body = tracking::TrackRequest {
                number,
                phone_last4,
            };
            json(http.post(&url).json(&body))
                .await
                .map(ApiReply::Tracking)
        }
        ApiCall::Orders { token } => {
            // The newest orders, one page at the largest size: all a kiosk screen shows.
            let url = format!(
                "{base}{ORDERS_PATH}?limit={}",
                customerclient_api::orders::MAX_ORDER_PAGE
            );
            with_retries(|| json::<orders::OrderList>(http.get(&url).bearer_auth(&token)))
                .await
                .map(|l| ApiReply::Orders(l.orders))
        }
        ApiCall::Stats { token, period } => {
            let url = format!("{base}{}", stats::STATS_PATH);
            let query = stats::StatsQuery { period };
            with_retries(|| json(http.get(&url).bearer_auth(&token).query(&query)))
                .await
                .map(ApiReply::Stats)
        }
        ApiCall::Rate {
            token,
            order_id,
            stars,
            comment,
        } => {
            let url = format!("{base}{}", orders::rating_path(order_id));
            let body = orders::RateRequest { stars, comment };
            // Safe to repeat: a new rating replaces the old one.
            with_retries(|| json(http.post(&url).bearer_auth(&token).json(&body)))
                .await
                .map(ApiReply::OrderUpdated)
        }
        ApiCall::CancelOrder { token, order_id } => {
            let url = format!("{base}{}", orders::cancel_path(order_id));
            json(http.post(&url).bearer_auth(&token))
                .await
                .map(ApiReply::OrderUpdated)
        }
        ApiCall::AlsoBought { product_id } => {
            let url = format!("{base}{}", catalog::also_bought_path(product_id));
            with_retries(|| json::<catalog::Recommendations>(http.get(&url)))
                .await
                .map(|r| ApiReply::AlsoBought {
                    product_id,
                    products: r.products,
                })
        }
    }
}

/// Longest wait between reconnection attempts of the push stream.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Follows `/events` for `token` until `deliver` returns false (the app is gone) or the task
/// is aborted. Each reconnection sends the last id seen, so the server replays exactly the
/// events missed in between; waits double from 0.5 s up to 30 s while the server is away.
pub(super) async fn follow_events(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    mut deliver: impl FnMut(PushEvent) -> bool,
) {
    let url = format!("{base}{EVENTS_PATH}");
    let mut last_id: Option<i64> = None;
    let mut backoff = Duration::from_millis(500);
    loop {
        let mut req = http.get(&url).bearer_auth(token);
        if let Some(id) = last_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        match req.send().await.map_err(transport_error) {
            Ok(resp) if resp.status().is_success() => {
                backoff = Duration::from_millis(500);
                let mut resp = resp;
                let mut decoder = SseDecoder::default();
                while let Ok(Some(chunk)) = resp.chunk().await {
                    for event in decoder.feed(&chunk) {
                        if last_id.is_some_and(|l| event.id <= l) {
                            continue;
                        }
                        last_id = Some(event.id);
                        if !deliver(event) {
                            return;
                        }
                    }
                }
                tracing::info!("push stream closed; reconnecting");
            }
            Ok(resp) if resp.status() == reqwest::StatusCode::UNAUTHORIZED => {
                // The session ended; a new token starts a new listener.
                tracing::info!("push stream refused: session ended");
                return;
            }
            Ok(resp) => tracing::warn!(status = %resp.status(), "push stream refused"),
            Err(e) => tracing::warn!("push stream unreachable: {e}"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Decodes PNG/JPEG bytes into RGBA8.
pub fn decode(bytes: &[u8]) -> Result<DecodedImage, BridgeError> {
    let img = image::load_from_memory(bytes)
        .map_err(|e| BridgeError::Invalid(format!("image: {e}")))?
        .to_rgba8();
    Ok(DecodedImage {
        width: img.width(),
        height: img.height(),
        rgba: img.into_raw(),
    })
}

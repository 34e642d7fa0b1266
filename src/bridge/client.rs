//! The HTTP side of the bridge, run on the tokio runtime: one function for every endpoint
//! type (its method, route, query, body and answer come from the type), the pictures, and
//! the push stream.

use std::time::Duration;

use customerclient_api::catalog::{CATALOG_NEWS_PATH, CatalogNews};
use customerclient_api::endpoint::{Endpoint, GetFile, Method, Wire};
use customerclient_api::push::{EVENTS_PATH, PushEvent, SseDecoder};
use customerclient_api::{ErrorBody, IDEMPOTENCY_KEY_HEADER};

use super::{BridgeError, Call, DecodedImage};

/// Attempts for a request that is safe to repeat (reads, and writes a key or their own guard
/// makes idempotent: `Endpoint::RETRY_SAFE`).
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

fn method(m: Method) -> reqwest::Method {
    match m {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    }
}

/// Sends `call` to `E`'s route and reads its answer as `E::Response`; tries again on a
/// transient failure when `E` is safe to repeat (an order or a card payment with the same
/// key each time, so the server acts at most once).
pub(super) async fn perform<E: Endpoint>(
    http: &reqwest::Client,
    base: &str,
    call: Call<E>,
) -> Result<E::Response, BridgeError>
where
    E::Query: Wire,
    E::Request: Wire,
    E::Response: Wire,
{
    let path = match &call.id {
        Some(id) => E::path(&[id as &dyn std::fmt::Display]),
        None => E::ROUTE.to_owned(),
    };
    let mut url = format!("{base}{path}");
    if let Some(query) = call.query.as_ref().and_then(Wire::to_query) {
        url.push('?');
        url.push_str(&query);
    }
    // A card payment's body holds the card's number: this copy is zeroised when the call is
    // over (the one handed to reqwest for each attempt is its own and is not).
    let body = call.body.to_json().map(zeroize::Zeroizing::new);
    drop(call.body);
    let attempt = || async {
        let mut req = http.request(method(E::METHOD), &url);
        if let Some(token) = &call.token {
            req = req.bearer_auth(token);
        }
        if let Some(key) = &call.key {
            req = req.header(IDEMPOTENCY_KEY_HEADER, key);
        }
        if let Some(body) = &body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let resp = check(req.send().await.map_err(transport_error)?).await?;
        let bytes = resp.bytes().await.map_err(transport_error)?;
        E::Response::from_json(&bytes).map_err(|e| BridgeError::Invalid(e.to_string()))
    };
    if E::RETRY_SAFE {
        with_retries(attempt).await
    } else {
        attempt().await
    }
}

/// A picture from the file service, decoded into RGBA8 on a blocking thread. With `kept`
/// (the saved menu's pictures), one kept there is shown without asking, and one fetched is
/// kept there.
pub(super) async fn fetch_image(
    http: &reqwest::Client,
    base: &str,
    file: uuid::Uuid,
    kept: Option<std::path::PathBuf>,
) -> Result<DecodedImage, BridgeError> {
    let path = kept.map(|dir| dir.join(file.to_string()));
    // A file's bytes never change under its id (served `immutable`): one kept is used as it
    // is, without asking the backend — at start-up, and while it is away.
    if let Some(p) = path.clone() {
        let local = tokio::task::spawn_blocking(move || std::fs::read(&p).ok().map(|b| decode(&b)))
            .await
            .ok()
            .flatten();
        if let Some(Ok(image)) = local {
            return Ok(image);
        }
    }
    let url = format!("{base}{}", GetFile::path(&[&file]));
    let fetched = with_retries(|| async {
        let resp = http.get(&url).send().await.map_err(transport_error)?;
        check(resp).await?.bytes().await.map_err(transport_error)
    })
    .await;
    tokio::task::spawn_blocking(move || match (fetched, path) {
        (Ok(bytes), Some(path)) => {
            let image = decode(&bytes)?;
            if let Err(e) = super::write_whole(&path, &bytes) {
                bevy::log::warn!("keeping picture {file} failed: {e}");
            }
            Ok(image)
        }
        (Ok(bytes), None) => decode(&bytes),
        (Err(e), _) => Err(e),
    })
    .await
    .map_err(|e| BridgeError::Invalid(e.to_string()))?
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

/// Follows the catalog's news until `deliver` returns false (the app is gone) or the task is
/// aborted, reconnecting with the same back-off as the push stream; each connection begins
/// with the present state.
pub(super) async fn follow_catalog(
    http: &reqwest::Client,
    base: &str,
    mut deliver: impl FnMut(CatalogNews) -> bool,
) {
    let url = format!("{base}{CATALOG_NEWS_PATH}");
    let mut backoff = Duration::from_millis(500);
    loop {
        match http.get(&url).send().await.map_err(transport_error) {
            Ok(mut resp) if resp.status().is_success() => {
                backoff = Duration::from_millis(500);
                let mut decoder = SseDecoder::default();
                while let Ok(Some(chunk)) = resp.chunk().await {
                    for news in decoder.feed_as::<CatalogNews>(&chunk) {
                        if !deliver(news) {
                            return;
                        }
                    }
                }
                tracing::info!("catalog stream closed; reconnecting");
            }
            Ok(resp) => tracing::warn!(status = %resp.status(), "catalog stream refused"),
            Err(e) => tracing::warn!("catalog stream unreachable: {e}"),
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

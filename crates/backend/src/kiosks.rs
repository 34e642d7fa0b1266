//! The kiosks of the fleet: each names itself on every request (`X-Kiosk-Id`, with its store
//! and build); the backend records who it has heard from and when, for operators, and tags
//! the request's log lines with the id. A label, never a security boundary: nothing is
//! allowed or refused by it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use customerclient_api::kiosk::{
    Heartbeat, KIOSK_ID_HEADER, KIOSK_STORE_HEADER, KIOSK_VERSION_HEADER, KioskList,
    MAX_ERROR_CHARS, MAX_ERRORS, clean_label, valid_id,
};
use tracing::Instrument;

use crate::AppState;
use crate::error::AppError;
use crate::store::now_ms;

/// A kiosk's last-seen time is written at most this often per instance.
const RECORD_EVERY_MS: i64 = 60_000;

/// Reports this instance has written lately, only to save writes: losing it (a restart,
/// another instance) costs one more upsert, never a wrong row.
#[derive(Default)]
pub struct Recent(Mutex<HashMap<String, Report>>);

/// When a kiosk was last recorded here, with the store and build it named then.
type Report = (i64, Option<String>, Option<String>);

impl Recent {
    /// Whether this report is worth writing: new here, changed, or older than a minute.
    fn due(&self, id: &str, store: &Option<String>, version: &Option<String>, now: i64) -> bool {
        let Ok(mut recent) = self.0.lock() else {
            return true;
        };
        if let Some((at, s, v)) = recent.get(id)
            && now - at < RECORD_EVERY_MS
            && s == store
            && v == version
        {
            return false;
        }
        // Bounded: a client inventing ids cannot grow it without end.
        if recent.len() >= 10_000 {
            recent.clear();
        }
        recent.insert(id.to_owned(), (now, store.clone(), version.clone()));
        true
    }

    /// A write that failed: the kiosk's next request tries again.
    fn forget(&self, id: &str) {
        if let Ok(mut recent) = self.0.lock() {
            recent.remove(id);
        }
    }
}

pub fn router() -> crate::routes::Routes {
    use customerclient_api::endpoint as e;
    crate::routes::Routes::new()
        .at(e::GetKiosks, list)
        .at(e::SendHeartbeat, heartbeat)
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(clean_label)
}

/// Middleware: records the calling kiosk (in the background: the request never waits on it)
/// and runs the request inside a span carrying its id.
pub async fn identify(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(KIOSK_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| valid_id(id))
        .map(str::to_owned);
    let Some(id) = id else {
        return next.run(request).await;
    };
    let store = header(request.headers(), KIOSK_STORE_HEADER);
    let version = header(request.headers(), KIOSK_VERSION_HEADER);
    let now = now_ms();
    if state.kiosks_seen.due(&id, &store, &version, now) {
        let state = state.clone();
        let id = id.clone();
        tokio::spawn(async move {
            if let Err(e) = state
                .store
                .record_kiosk(&id, store.as_deref(), version.as_deref(), now)
                .await
            {
                state.kiosks_seen.forget(&id);
                tracing::warn!(kiosk = %id, error = %e, "recording a kiosk");
            }
        });
    }
    let span = tracing::info_span!("kiosk", id = %id);
    next.run(request).instrument(span).await
}

/// A kiosk's heartbeat: it must name itself; its screen and errors are kept as labels
/// (control characters dropped, lengths bounded), never trusted for anything.
async fn heartbeat(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::extract::ApiJson(beat): crate::extract::ApiJson<Heartbeat>,
) -> Result<axum::http::StatusCode, AppError> {
    let id = headers
        .get(KIOSK_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| valid_id(id))
        .ok_or_else(|| {
            AppError::Validation(format!(
                "a heartbeat names its kiosk in {KIOSK_ID_HEADER} (1-64 letters, digits, '-', '_', '.')"
            ))
        })?;
    if beat.errors.len() > MAX_ERRORS {
        return Err(AppError::Validation(format!(
            "a heartbeat carries at most {MAX_ERRORS} errors"
        )));
    }
    let screen = clean_label(&beat.screen).unwrap_or_default();
    let errors: Vec<String> = beat
        .errors
        .iter()
        .filter_map(|e| clean_label(&e.chars().take(MAX_ERROR_CHARS).collect::<String>()))
        .collect();
    let store = header(&headers, KIOSK_STORE_HEADER);
    let version = header(&headers, KIOSK_VERSION_HEADER);
    state
        .store
        .record_heartbeat(
            id,
            store.as_deref(),
            version.as_deref(),
            &screen,
            &errors,
            now_ms(),
        )
        .await
        .map_err(anyhow::Error::from)?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The kiosks seen, most recent first: for the chain's staff (the courier/kitchen token).
async fn list(
    State(state): State<AppState>,
    _courier: crate::tracking::Courier,
) -> Result<Json<KioskList>, AppError> {
    let kiosks = state
        .store
        .kiosks(1_000)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(Json(KioskList { kiosks }))
}

pub type Seen = Arc<Recent>;

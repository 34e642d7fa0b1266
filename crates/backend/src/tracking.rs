//! Delivery tracking: the district map, an order's route, courier fixes and the live ETA,
//! tracking by order number without signing in, and the courier app's side of it.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use customerclient_api::city::{self, CityMap, Point};
use customerclient_api::orders::{COURIER_TOKEN_HEADER, OrderStatus};
use customerclient_api::push::PushKind;
use customerclient_api::tracking::{
    CourierFix, CourierJobs, Eta, PositionReport, TrackRequest, Tracking,
};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::AppError;
use crate::extract::{ApiJson, ApiPath};
use crate::predict::Model;
use crate::store::Throttle;
use crate::store::{DeliveryRow, now_ms};

/// Every kiosk and test sees the same district.
pub const CITY_SEED: u64 = 2026;

/// A fix farther than this from the route is kept on the map but does not move progress.
const OFF_ROUTE_M: f64 = 120.0;

pub fn router() -> crate::routes::Routes {
    use customerclient_api::endpoint as e;
    crate::routes::Routes::new()
        .at(e::GetMap, map)
        .at(e::GetTracking, own_tracking)
        .at(e::TrackByNumber, track_by_number)
        .at(e::GetCourierJobs, courier_jobs)
        .at(e::ReportPosition, position)
}

async fn map(State(state): State<AppState>) -> Json<CityMap> {
    Json((*state.map).clone())
}

/// The delivery's predicted arrival, re-predicted from where the courier is now.
pub fn eta(model: &Model, d: &DeliveryRow, now: i64, time_scale: f64) -> Option<Eta> {
    if !d.status.is_active() {
        return None;
    }
    let scale = time_scale.max(1e-6);
    let total = city::route_length(&d.route);
    let sim_minutes_since = |t: i64| (now - t).max(0) as f64 / 60_000.0 * scale;
    let remaining = if d.status == OrderStatus::OnTheWay {
        let progress = d.courier.map_or(0.0, |c| c.progress_m);
        let left = (total - progress).max(0.0);
        let moving = d.on_the_way_at.map(sim_minutes_since).unwrap_or(0.0);
        if progress > 100.0 && moving > 0.2 {
            // The courier's own pace so far says more than the average for the method.
            left / (progress / moving)
        } else {
            model.travel_minutes(d.method, left)
        }
    } else {
        let predicted = model.predict(&d.features);
        (predicted - sim_minutes_since(d.created_at))
            .max(model.travel_minutes(d.method, total) + 0.5)
    };
    Some(Eta {
        at: now + (remaining / scale * 60_000.0) as i64,
        minutes_left: remaining / scale,
    })
}

pub(crate) async fn tracking_of(state: &AppState, order_id: Uuid) -> Result<Tracking, AppError> {
    let d = state
        .store
        .delivery(order_id)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or(AppError::NotFound("order"))?;
    let history = state
        .store
        .status_history(order_id)
        .await
        .map_err(anyhow::Error::from)?;
    let model = state.model.read().map(|m| m.clone()).unwrap_or_default();
    Ok(Tracking {
        order_id,
        number: d.number,
        status: d.status,
        history,
        delivery_method: d.method,
        distance_m: city::route_length(&d.route),
        store: state.map.nodes[state.map.store],
        destination: d.route.last().copied().unwrap_or(Point::new(0.0, 0.0)),
        courier: d.courier,
        eta: eta(&model, &d, now_ms(), state.time_scale),
        route: d.route,
        time_scale: state.time_scale,
    })
}

async fn own_tracking(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Tracking>, AppError> {
    own_order(&state, &current, id).await?;
    Ok(Json(tracking_of(&state, id).await?))
}

/// The caller's own order, or "not found" (another customer's is as if it did not exist).
pub(crate) async fn own_order(
    state: &AppState,
    current: &CurrentAccount,
    id: Uuid,
) -> Result<(), AppError> {
    let owner = state
        .store
        .order_status(id)
        .await
        .map_err(anyhow::Error::from)?;
    if owner.is_none_or(|(a, _, _)| a != current.account.id) {
        return Err(AppError::NotFound("order"));
    }
    Ok(())
}

/// Wrong number/phone pairs per peer address, and per order number (whoever asks).
pub const TRACK_PER_PEER: Throttle = Throttle {
    free: 10,
    base_ms: 1_000,
    max_ms: 60_000,
    window_ms: 15 * 60 * 1000,
};
pub const TRACK_PER_NUMBER: Throttle = Throttle {
    free: 5,
    base_ms: 2_000,
    max_ms: 10 * 60 * 1000,
    window_ms: 60 * 60 * 1000,
};

/// Anyone at the kiosk may follow an order with its number and the phone's last four digits.
/// Tries are throttled per peer address and per order number (neither chosen by the client),
/// so numbers cannot be walked and one number's four digits cannot be guessed from many places.
async fn track_by_number(
    State(state): State<AppState>,
    peer: crate::auth::Peer,
    ApiJson(req): ApiJson<TrackRequest>,
) -> Result<Json<Tracking>, AppError> {
    let digits = req.phone_last4.trim();
    if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::Validation(
            "enter the last four digits of the phone number".into(),
        ));
    }
    if req.number <= 0 {
        return Err(AppError::Validation("enter the order number".into()));
    }
    let by_peer = crate::auth::peer_subject("track", crate::auth::peer_addr(&peer));
    let by_number = format!("track:number:{}", req.number);
    crate::auth::throttle(&state, &by_peer, &TRACK_PER_PEER).await?;
    crate::auth::throttle(&state, &by_number, &TRACK_PER_NUMBER).await?;
    let found = state
        .store
        .order_by_number_and_phone(req.number, digits)
        .await
        .map_err(anyhow::Error::from)?;
    let Some(id) = found else {
        return Err(AppError::NotFound("order with this number and phone"));
    };
    // A right pair gives its attempts back.
    for s in [&by_peer, &by_number] {
        state
            .store
            .release_attempt(s)
            .await
            .map_err(anyhow::Error::from)?;
    }
    Ok(Json(tracking_of(&state, id).await?))
}

/// The kitchen's or a courier's request: `X-Courier-Token` checked before anything else of
/// the request is read (401 otherwise), so a caller without it learns nothing of the body's
/// rules.
pub(crate) struct Courier;

impl axum::extract::FromRequestParts<AppState> for Courier {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        check_courier_token(state, &parts.headers)?;
        Ok(Courier)
    }
}

pub(crate) fn check_courier_token(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let token = headers
        .get(COURIER_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !crate::auth::same_secret(token, &state.courier_token) {
        return Err(AppError::Unauthorized("courier token missing or wrong"));
    }
    Ok(())
}

/// Open orders one `GET /courier/orders` lists, oldest first (a busy hour of a chain).
const COURIER_JOBS_PAGE: i64 = 2_000;

async fn courier_jobs(
    State(state): State<AppState>,
    _courier: Courier,
) -> Result<Json<CourierJobs>, AppError> {
    let jobs = state
        .store
        .courier_jobs(COURIER_JOBS_PAGE)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(Json(CourierJobs {
        jobs,
        time_scale: state.time_scale,
    }))
}

/// A courier's GPS fix: snapped to the route, stored, and pushed to the customer with the
/// re-predicted ETA.
async fn position(
    State(state): State<AppState>,
    _courier: Courier,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(report): ApiJson<PositionReport>,
) -> Result<StatusCode, AppError> {
    if !report.x.is_finite() || !report.y.is_finite() {
        return Err(AppError::Validation(
            "position must be finite numbers".into(),
        ));
    }
    let mut d = state
        .store
        .delivery(id)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or(AppError::NotFound("order"))?;
    if !matches!(
        d.status,
        OrderStatus::CourierAssigned | OrderStatus::OnTheWay
    ) {
        return Err(AppError::Conflict {
            code: "not_out_for_delivery",
            message: format!(
                "the order is '{}'; positions are taken only while a courier has it",
                d.status.label()
            ),
        });
    }
    let point = Point::new(report.x, report.y);
    let before = d.courier.map_or(0.0, |c| c.progress_m);
    let (along, off) = city::project(&d.route, point, before);
    let fix = CourierFix {
        point,
        progress_m: if off <= OFF_ROUTE_M { along } else { before },
        at: now_ms(),
    };
    state
        .store
        .record_position(id, &fix)
        .await
        .map_err(anyhow::Error::from)?;
    d.courier = Some(fix);
    let model = state.model.read().map(|m| m.clone()).unwrap_or_default();
    let eta = eta(&model, &d, fix.at, state.time_scale);
    crate::push::publish(
        &state,
        d.account_id,
        id,
        d.number,
        PushKind::CourierPosition {
            x: point.x,
            y: point.y,
            progress_m: fix.progress_m,
            eta_at: eta.map(|e| e.at),
        },
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Refits the ETA model on every finished delivery so far (each instance, each minute).
pub async fn refit(state: &AppState) {
    match state.store.delivery_history().await {
        Ok(history) => {
            let model = tokio::task::spawn_blocking(move || Model::fit(&history))
                .await
                .unwrap_or_default();
            tracing::debug!(samples = model.samples, "ETA model refitted");
            if let Ok(mut m) = state.model.write() {
                *m = model;
            }
        }
        Err(e) => tracing::error!(error = %e, "reading delivery history"),
    }
}

//! The store operator's API, behind the operator's secret (`X-Operator-Token`): marking a
//! dish sold out or available again, which every kiosk hears within a second.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use customerclient_api::catalog::{AvailabilityChange, MenuItemState};

use crate::AppState;
use crate::error::AppError;
use crate::extract::{ApiJson, ApiPath};

pub const OPERATOR_TOKEN_HEADER: &str = "X-Operator-Token";

pub fn router() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .at(
            customerclient_api::endpoint::SetAvailability,
            set_availability,
        )
        .pages(crate::operator_page::router())
}

/// A request that carries the operator's secret.
pub struct Operator;

impl axum::extract::FromRequestParts<AppState> for Operator {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        check_token(state, &parts.headers)?;
        Ok(Operator)
    }
}

pub(crate) fn check_token(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let token = headers
        .get(OPERATOR_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !crate::auth::same_secret(token, &state.operator_token) {
        return Err(AppError::Unauthorized("operator token missing or wrong"));
    }
    Ok(())
}

/// Sold out or back: one guarded statement (with the catalog's version bumped in its
/// transaction), then this instance's kiosk streams are woken at once; other instances'
/// hear it from their watcher's next look at the version.
async fn set_availability(
    State(state): State<AppState>,
    _operator: Operator,
    ApiPath(sku): ApiPath<String>,
    ApiJson(change): ApiJson<AvailabilityChange>,
) -> Result<Json<MenuItemState>, AppError> {
    let sku = sku.trim().to_owned();
    if sku.is_empty() || sku.chars().count() > 64 {
        return Err(AppError::Validation("a SKU has 1 to 64 characters".into()));
    }
    let found = state
        .store
        .set_available(&sku, change.available)
        .await
        .map_err(anyhow::Error::from)?;
    if !found {
        return Err(AppError::NotFound("menu item"));
    }
    tracing::info!(%sku, available = change.available, "availability changed by the operator");
    crate::catalog_news::look_now(&state).await;
    Ok(Json(MenuItemState {
        sku,
        available: change.available,
    }))
}

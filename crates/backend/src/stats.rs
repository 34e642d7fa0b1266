//! The statistics backend: the signed-in customer's dashboard for a period.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use customerclient_api::stats::{Dashboard, STATS_PATH, StatsQuery};

use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::AppError;
use crate::extract::ApiQuery;
use crate::store::now_ms;

pub fn router() -> Router<AppState> {
    Router::new().route(STATS_PATH, get(dashboard))
}

async fn dashboard(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<Dashboard>, AppError> {
    Ok(Json(
        state
            .store
            .dashboard(
                current.account.id,
                q.period,
                now_ms(),
                &state.delivery.currency,
            )
            .await
            .map_err(anyhow::Error::from)?,
    ))
}

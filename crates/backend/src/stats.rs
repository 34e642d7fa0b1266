//! The statistics backend: the signed-in customer's dashboard for a period.

use axum::Json;
use axum::extract::State;
use customerclient_api::stats::{Dashboard, StatsQuery};

use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::AppError;
use crate::extract::ApiQuery;
use crate::store::now_ms;

pub fn router() -> crate::routes::Routes {
    crate::routes::Routes::new().at(customerclient_api::endpoint::GetStats, dashboard)
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
                &state.profile.currency,
            )
            .await
            .map_err(anyhow::Error::from)?,
    ))
}

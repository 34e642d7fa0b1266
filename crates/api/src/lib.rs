//! Request and response types shared by the kiosk and the backend, one module per service.
//! Every route lives under [`API_PREFIX`] and is spelled once, by its type in [`endpoint`]; the
//! path constants and helpers of each module are those types' routes.

pub mod auth;
pub mod card;
pub mod catalog;
pub mod city;
pub mod clock;
pub mod emv;
pub mod endpoint;
pub mod error;
pub mod files;
pub mod kiosk;
pub mod money;
pub mod openapi;
pub mod orders;
pub mod payments;
pub mod profile;
pub mod push;
pub mod settings;
pub mod stats;
pub mod tracking;

use crate::endpoint::Endpoint as _;
pub use error::ErrorBody;
pub use money::Money;

/// Version prefix of every route.
pub const API_PREFIX: &str = "/api/v1";

/// Header that makes a retried order (or payment) request safe to repeat.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// `GET` the API's OpenAPI document ([`openapi::document`]).
pub const OPENAPI_PATH: &str = crate::endpoint::GetOpenApi::ROUTE;

/// `GET` health check.
pub const HEALTH_PATH: &str = crate::endpoint::GetHealth::ROUTE;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
    /// `sqlite` or `postgres`.
    #[serde(default)]
    pub database: String,
    /// `leader` while this instance runs the fleet's periodic jobs, else `standby`.
    #[serde(default)]
    pub role: String,
}

//! Live delivery tracking: the route, the courier's last fix, the ETA, and the courier app's API.

use crate::endpoint::Endpoint as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::city::Point;
use crate::orders::{DeliveryMethod, OrderStatus, StatusChange};

pub fn tracking_path(id: Uuid) -> String {
    crate::endpoint::GetTracking::path(&[&id])
}

/// Tracking by order number and phone, without signing in.
pub const TRACK_PATH: &str = crate::endpoint::TrackByNumber::ROUTE;

/// The courier app's list of orders to work on.
pub const COURIER_ORDERS_PATH: &str = crate::endpoint::GetCourierJobs::ROUTE;

pub fn courier_position_path(id: Uuid) -> String {
    crate::endpoint::ReportPosition::path(&[&id])
}

/// What the customer's phone page is asked for: the language it speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShareRequest {
    pub language: crate::settings::Language,
}

/// A link to follow one order on a phone: `/t/{token}`, the token unguessable and made for
/// this order alone; it stops working an hour after the delivery ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrackingLink {
    pub token: String,
    /// The page's path on the backend, `/t/{token}`.
    pub path: String,
    /// The whole link as the customer's phone opens it (the backend's public address).
    pub url: String,
}

/// The phone page's path for a link token.
pub fn phone_page_path(token: &str) -> String {
    format!("/t/{token}")
}

/// A GPS fix posted by the courier app, in district metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PositionReport {
    pub x: f64,
    pub y: f64,
}

/// The courier's last known position, snapped to the route.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CourierFix {
    pub point: Point,
    /// Metres travelled along the route.
    pub progress_m: f64,
    /// Unix ms.
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Eta {
    /// Predicted arrival, Unix ms.
    pub at: i64,
    pub minutes_left: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tracking {
    pub order_id: Uuid,
    pub number: i64,
    pub status: OrderStatus,
    pub history: Vec<StatusChange>,
    pub delivery_method: DeliveryMethod,
    pub route: Vec<Point>,
    pub distance_m: f64,
    pub store: Point,
    pub destination: Point,
    pub courier: Option<CourierFix>,
    /// None once delivered, cancelled or failed.
    pub eta: Option<Eta>,
    /// How much faster than real time the demo simulator runs (1 in production).
    pub time_scale: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrackRequest {
    pub number: i64,
    /// The last four digits of the phone number given with the order.
    #[schema(pattern = "^[0-9]{4}$")]
    pub phone_last4: String,
}

/// An order as the courier app sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CourierJob {
    pub order_id: Uuid,
    pub number: i64,
    pub status: OrderStatus,
    /// When the order entered its current status, Unix ms.
    pub since: i64,
    pub delivery_method: DeliveryMethod,
    pub items: i64,
    pub route: Vec<Point>,
    /// Paid, or paid to the courier: the kitchen may start.
    pub payment_settled: bool,
    /// Minutes from placing until the courier should leave, by the kitchen's own estimate.
    pub kitchen_minutes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CourierJobs {
    pub jobs: Vec<CourierJob>,
    pub time_scale: f64,
}

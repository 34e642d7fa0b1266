//! The statistics backend: a customer's dashboard for a period, computed in SQL.

use crate::endpoint::Endpoint as _;
use serde::{Deserialize, Serialize};

use crate::Money;

pub const STATS_PATH: &str = crate::endpoint::GetStats::ROUTE;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    Week,
    #[default]
    Month,
    Year,
    All,
}

impl Period {
    pub const ALL: [Period; 5] = [Self::Day, Self::Week, Self::Month, Self::Year, Self::All];

    /// Length of the period in ms; `None` for all time.
    pub fn span_ms(self) -> Option<i64> {
        const DAY: i64 = 86_400_000;
        match self {
            Self::Day => Some(DAY),
            Self::Week => Some(7 * DAY),
            Self::Month => Some(30 * DAY),
            Self::Year => Some(365 * DAY),
            Self::All => None,
        }
    }

    /// Width of one point of the spending line.
    pub fn bucket_ms(self) -> i64 {
        const HOUR: i64 = 3_600_000;
        match self {
            Self::Day => HOUR,
            Self::Week | Self::Month => 24 * HOUR,
            Self::Year => 7 * 24 * HOUR,
            Self::All => 30 * 24 * HOUR,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatsQuery {
    pub period: Period,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CategorySpend {
    pub category: String,
    pub spent_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProductCount {
    pub product_id: i64,
    pub name: String,
    pub quantity: i64,
}

/// Spending in one bucket of the period, starting at `at` (Unix ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SpendPoint {
    pub at: i64,
    pub spent_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistogramBin {
    /// Lower edge, minutes.
    pub from_minutes: i64,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryPoint {
    pub distance_km: f64,
    pub minutes: f64,
}

/// Orders that were cancelled or failed count nowhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub period: Period,
    /// Start of the period, Unix ms (0 for all time).
    pub from: i64,
    pub total_spent: Money,
    pub order_count: i64,
    pub item_count: i64,
    pub avg_delivery_minutes: Option<f64>,
    pub per_category: Vec<CategorySpend>,
    pub top_products: Vec<ProductCount>,
    /// Orders placed in each hour of the day (UTC), 24 entries.
    pub orders_by_hour: Vec<i64>,
    pub bucket_ms: i64,
    pub spending: Vec<SpendPoint>,
    /// Delivery times in 5-minute bins.
    pub delivery_minutes: Vec<HistogramBin>,
    /// Route distance against delivery time, one point per delivered order.
    pub deliveries: Vec<DeliveryPoint>,
}

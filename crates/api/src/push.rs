//! Push notifications: a per-customer Server-Sent Events stream of order and payment changes.
//! Event ids increase; reconnecting with `Last-Event-ID` replays exactly the missed ones.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::orders::OrderStatus;
use crate::payments::PaymentState;

pub const EVENTS_PATH: &str = "/api/v1/events";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PushKind {
    OrderStatus { status: OrderStatus },
    Payment { state: PaymentState },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushEvent {
    pub id: i64,
    pub order_id: Uuid,
    pub order_number: i64,
    /// Unix ms.
    pub at: i64,
    #[serde(flatten)]
    pub kind: PushKind,
}

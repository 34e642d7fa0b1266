//! Push notifications: a per-customer Server-Sent Events stream of order and payment changes.
//! Event ids increase; reconnecting with `Last-Event-ID` replays exactly the missed ones.

use crate::endpoint::Endpoint as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::orders::OrderStatus;
use crate::payments::PaymentState;

pub const EVENTS_PATH: &str = crate::endpoint::GetEvents::ROUTE;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PushKind {
    OrderStatus {
        status: OrderStatus,
    },
    Payment {
        state: PaymentState,
    },
    /// The courier moved: district metres, progress along the route, and the new ETA.
    CourierPosition {
        x: f64,
        y: f64,
        progress_m: f64,
        eta_at: Option<i64>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PushEvent {
    pub id: i64,
    pub order_id: Uuid,
    pub order_number: i64,
    /// Unix ms.
    pub at: i64,
    #[serde(flatten)]
    pub kind: PushKind,
}

/// Splits a Server-Sent Events byte stream into events, whatever the chunk boundaries.
/// Only what this API sends is handled: `id:` and `data:` fields, comments ignored.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buffer: String,
}

impl SseDecoder {
    /// Feeds a chunk and returns the push events it completed, in order. Blocks whose data
    /// does not parse are skipped (logged by the caller if it cares).
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<PushEvent> {
        self.feed_as(chunk)
    }

    /// [`Self::feed`] for a stream of another kind of event (e.g. the catalog's news).
    pub fn feed_as<T: serde::de::DeserializeOwned>(&mut self, chunk: &[u8]) -> Vec<T> {
        self.buffer.push_str(&String::from_utf8_lossy(chunk));
        // Normalised on the whole buffer: a chunk may end between '\r' and '\n'.
        if self.buffer.contains('\r') {
            self.buffer = self.buffer.replace("\r\n", "\n");
        }
        let mut out = Vec::new();
        while let Some(end) = self.buffer.find("\n\n") {
            let block: String = self.buffer.drain(..end + 2).collect();
            let data: Vec<&str> = block
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            if !data.is_empty()
                && let Ok(event) = serde_json::from_str(&data.join("\n"))
            {
                out.push(event);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_come_out_whole_and_in_order() {
        let id = Uuid::nil();
        let e = |n: i64| PushEvent {
            id: n,
            order_id: id,
            order_number: 1001,
            at: 5,
            kind: PushKind::OrderStatus {
                status: OrderStatus::Accepted,
            },
        };
        let wire = format!(
            ": keep-alive\n\nid: 1\nevent: push\ndata: {}\n\nid: 2\r\nevent: push\r\ndata:{}\r\n\r\n",
            serde_json::to_string(&e(1)).unwrap(),
            serde_json::to_string(&e(2)).unwrap()
        );
        let mut d = SseDecoder::default();
        let mut got = Vec::new();
        for chunk in wire.as_bytes().chunks(7) {
            got.extend(d.feed(chunk));
        }
        assert_eq!(got, vec![e(1), e(2)]);
    }
}

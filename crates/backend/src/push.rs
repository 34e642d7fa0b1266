//! Push notifications: every order-status and payment change of a customer becomes a stored,
//! numbered event, broadcast to that customer's open Server-Sent Events streams.
//! A client reconnecting with `Last-Event-ID` first gets what it missed from the store.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use customerclient_api::push::{EVENTS_PATH, PushEvent, PushKind};
use futures_util::Stream;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::AppError;

pub type Hub = broadcast::Sender<(Uuid, PushEvent)>;

pub fn hub() -> Hub {
    broadcast::channel(1024).0
}

pub fn router() -> Router<AppState> {
    Router::new().route(EVENTS_PATH, get(events))
}

/// Stores and broadcasts an event. A failure is logged, never returned: the change it reports
/// has already happened and must not be undone by a notification problem.
pub async fn publish(
    state: &AppState,
    account: Uuid,
    order_id: Uuid,
    order_number: i64,
    kind: PushKind,
) {
    match state
        .store
        .append_event(account, order_id, order_number, &kind)
        .await
    {
        Ok(event) => {
            // No receiver (nobody watching) is fine: the event waits in the store.
            let _ = state.hub.send((account, event));
        }
        Err(e) => tracing::error!(error = %e, "storing a push event"),
    }
}

struct Feed {
    account: Uuid,
    replay: VecDeque<PushEvent>,
    rx: broadcast::Receiver<(Uuid, PushEvent)>,
    last: i64,
    state: AppState,
}

fn sse(event: &PushEvent) -> Event {
    Event::default()
        .id(event.id.to_string())
        .event("push")
        .data(serde_json::to_string(event).unwrap_or_default())
}

async fn events(
    State(state): State<AppState>,
    current: CurrentAccount,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let last: i64 = headers
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let account = current.account.id;
    // Subscribe before reading the store, so nothing falls between the two.
    let rx = state.hub.subscribe();
    let replay = state
        .store
        .events_after(account, last)
        .await
        .map_err(anyhow::Error::from)?;
    let feed = Feed {
        account,
        replay: replay.into(),
        rx,
        last,
        state,
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        loop {
            if let Some(event) = feed.replay.pop_front() {
                if event.id > feed.last {
                    feed.last = event.id;
                    return Some((Ok(sse(&event)), feed));
                }
                continue;
            }
            match feed.rx.recv().await {
                Ok((account, event)) if account == feed.account && event.id > feed.last => {
                    feed.last = event.id;
                    return Some((Ok(sse(&event)), feed));
                }
                Ok(_) => {}
                // Too slow to keep up: catch up from the store instead.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let missed = feed
                        .state
                        .store
                        .events_after(feed.account, feed.last)
                        .await
                        .unwrap_or_default();
                    feed.replay = missed.into();
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

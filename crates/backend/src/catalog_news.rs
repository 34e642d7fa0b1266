//! The catalog's news for kiosks: a Server-Sent Events stream (`GET /catalog/events`) that
//! tells every connected kiosk what is sold out, when it connects and whenever the catalog
//! changes — an operator's switch, `menu set-available` from a shell, an import — whichever
//! instance or process made the change.
//!
//! The truth is the database's catalog version (bumped in the transaction of every change).
//! Each instance has one watcher that reads it every [`LOOK_EVERY`] while any stream is open
//! and wakes its streams when it moved; a change made through this instance wakes them at
//! once. So a kiosk hears a change within a second on every engine, without a notification
//! channel and without one query per kiosk per tick.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use customerclient_api::catalog::CatalogNews;
use futures_util::Stream;

use crate::AppState;
use crate::error::AppError;

/// How often the watcher reads the catalog's version while kiosks listen.
pub const LOOK_EVERY: Duration = Duration::from_millis(400);

pub fn router() -> crate::routes::Routes {
    crate::routes::Routes::new().at(customerclient_api::endpoint::GetCatalogNews, news)
}

/// Reads the version now and wakes this instance's streams if it moved.
pub async fn look_now(state: &AppState) {
    match state.store.catalog_version_now().await {
        Ok(v) => {
            state.catalog_news.send_if_modified(|seen| {
                let moved = *seen != v;
                *seen = v;
                moved
            });
        }
        Err(e) => tracing::warn!(error = %e, "reading the catalog version"),
    }
}

/// The instance's watcher: looks at the version while any stream is open, until shutdown.
pub fn spawn_watcher(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(LOOK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.wait_for(|s| *s) => return,
                _ = tick.tick() => {}
            }
            if state.catalog_news.receiver_count() > 0 {
                look_now(&state).await;
            }
        }
    });
}

fn sse(news: &CatalogNews) -> Event {
    Event::default()
        .id(news.version.to_string())
        .event("catalog")
        .data(serde_json::to_string(news).unwrap_or_default())
}

/// What one kiosk's stream holds between events.
struct Feed {
    state: AppState,
    changes: tokio::sync::watch::Receiver<u64>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    first: Option<CatalogNews>,
}

impl Feed {
    /// The next news: the first at once, then one per change; `None` once the instance
    /// shuts down (the kiosk reconnects elsewhere and hears the present state first).
    async fn next(&mut self) -> Option<CatalogNews> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        loop {
            tokio::select! {
                _ = self.shutdown.wait_for(|s| *s) => return None,
                r = self.changes.changed() => r.ok()?,
            }
            match self.state.store.sold_out().await {
                Ok((version, sold_out)) => return Some(CatalogNews { version, sold_out }),
                // The next change (or the kiosk's reconnection) tries again.
                Err(e) => tracing::warn!(error = %e, "reading what is sold out"),
            }
        }
    }
}

async fn news(
    State(state): State<AppState>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    // Subscribed before the first read: a change committed after it wakes the stream.
    let changes = state.catalog_news.subscribe();
    let shutdown = state.shutdown.subscribe();
    let (version, sold_out) = state.store.sold_out().await.map_err(anyhow::Error::from)?;
    let feed = Feed {
        state,
        changes,
        shutdown,
        first: Some(CatalogNews { version, sold_out }),
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let news = feed.next().await?;
        Some((Ok(sse(&news)), feed))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

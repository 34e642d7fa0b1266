//! The catalog's news for kiosks: a Server-Sent Events stream (`GET /catalog/events`) that
//! tells every connected kiosk what is sold out, when it connects and whenever the catalog
//! changes — an operator's switch, `menu set-available` from a shell, an import — whichever
//! instance or process made the change.
//!
//! The truth is the database's catalog version (bumped in the transaction of every change).
//! Each instance has one watcher that reads it every [`LOOK_EVERY`] while any stream is open
//! and, when it moved, reads what is sold out once and hands it to every stream; a change made
//! through this instance is read at once. So a kiosk hears a change within a second on every
//! engine, without a notification channel, and a thousand kiosks cost one read per change,
//! not a thousand.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use customerclient_api::catalog::CatalogNews;
use futures_util::Stream;

use crate::AppState;
use crate::error::AppError;

/// The latest news this instance read, shared with its streams.
pub type Latest = Arc<tokio::sync::watch::Sender<Option<Arc<CatalogNews>>>>;

/// How often the watcher reads the catalog's version while kiosks listen.
pub const LOOK_EVERY: Duration = Duration::from_millis(400);

pub fn router() -> crate::routes::Routes {
    crate::routes::Routes::new().at(customerclient_api::endpoint::GetCatalogNews, news)
}

/// Reads the version now and, when it moved, what is sold out, for this instance's streams.
/// Concurrent looks never move the news backwards: only a newer version replaces it.
pub async fn look_now(state: &AppState) {
    let seen = state.catalog_news.borrow().as_ref().map(|n| n.version);
    match state.store.catalog_version_now().await {
        Ok(v) if Some(v) == seen => {}
        Ok(_) => match state.store.sold_out().await {
            Ok((version, menu_version, sold_out)) => {
                let news = Arc::new(CatalogNews {
                    version,
                    menu_version,
                    sold_out,
                });
                state.catalog_news.send_if_modified(|current| {
                    let newer = current.as_ref().is_none_or(|c| news.version > c.version);
                    if newer {
                        *current = Some(news);
                    }
                    newer
                });
            }
            Err(e) => tracing::warn!(error = %e, "reading what is sold out"),
        },
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
    news: tokio::sync::watch::Receiver<Option<Arc<CatalogNews>>>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    first: bool,
}

impl Feed {
    /// The next news: the present at once, then each change; `None` once the instance shuts
    /// down (the kiosk reconnects elsewhere and hears the present state first).
    async fn next(&mut self) -> Option<Arc<CatalogNews>> {
        if !std::mem::take(&mut self.first) {
            tokio::select! {
                _ = self.shutdown.wait_for(|s| *s) => return None,
                r = self.news.changed() => r.ok()?,
            }
        }
        self.news.borrow_and_update().clone()
    }
}

async fn news(
    State(state): State<AppState>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    // Subscribed before the look: a change read after it reaches this stream too.
    let news = state.catalog_news.subscribe();
    look_now(&state).await;
    if news.borrow().is_none() {
        return Err(AppError::Unavailable(
            "the catalog cannot be read now".into(),
        ));
    }
    let feed = Feed {
        news,
        shutdown: state.shutdown.subscribe(),
        first: true,
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let news = feed.next().await?;
        Some((Ok(sse(&news)), feed))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

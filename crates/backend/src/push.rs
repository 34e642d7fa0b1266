//! Push notifications: every order-status and payment change of a customer becomes a stored,
//! numbered event, written in the same transaction as the change. The store is the truth;
//! the in-process hub carries only "account X has something new", a wake-up for that
//! account's open Server-Sent Events streams, which then read the store after the last id
//! they sent. A client reconnecting with `Last-Event-ID` gets everything it missed.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use customerclient_api::push::{PushEvent, PushKind};
use futures_util::Stream;
use tokio::sync::watch;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::AppError;

/// Wake-ups by account id: one watch channel per account with a stream open here, so an
/// event wakes that account's streams and no other (one channel for all would wake every open
/// stream for every event: a thousand kiosks, a thousand wake-ups per courier fix). Only a
/// wake-up lives here, never an event: a missed one costs a poll's delay, nothing more.
#[derive(Clone, Default)]
pub struct Hub {
    accounts: Arc<Mutex<HashMap<Uuid, watch::Sender<u64>>>>,
}

impl Hub {
    /// Wakes the streams of `account` (every stream for [`EVERYONE`]).
    pub fn wake(&self, account: Uuid) {
        let accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        let bump = |tx: &watch::Sender<u64>| tx.send_modify(|n| *n = n.wrapping_add(1));
        if account == EVERYONE {
            accounts.values().for_each(bump);
        } else if let Some(tx) = accounts.get(&account) {
            bump(tx);
        }
    }

    /// A stream's wake-ups from now on; the account's channel goes when its last one drops.
    pub fn subscribe(&self, account: Uuid) -> Wakeups {
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        let rx = accounts
            .entry(account)
            .or_insert_with(|| watch::channel(0).0)
            .subscribe();
        Wakeups {
            account,
            rx,
            hub: self.clone(),
        }
    }

    /// Accounts with a stream open here (for tests of the clean-up).
    pub fn accounts_watched(&self) -> usize {
        self.accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// One stream's subscription to its account's wake-ups.
pub struct Wakeups {
    account: Uuid,
    rx: watch::Receiver<u64>,
    hub: Hub,
}

impl Drop for Wakeups {
    fn drop(&mut self) {
        let mut accounts = self
            .hub
            .accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Counted under the lock that subscribing takes: 1 is this receiver, not yet dropped.
        if accounts
            .get(&self.account)
            .is_some_and(|tx| tx.receiver_count() <= 1)
        {
            accounts.remove(&self.account);
        }
    }
}

/// How often an idle stream looks at the store without a wake-up: the safety net for events
/// written by another process on the same SQLite file, which has no notifications.
const POLL_SQLITE: Duration = Duration::from_secs(2);

/// The same on PostgreSQL, where every instance hears every event's NOTIFY and a listener
/// that reconnects wakes all its streams ([`EVERYONE`]): only a notification lost without
/// the connection dropping is left for this poll.
const POLL_POSTGRES: Duration = Duration::from_secs(10);

/// A wake-up for every open stream (the nil id is never an account's).
pub const EVERYONE: Uuid = Uuid::nil();

pub fn hub() -> Hub {
    Hub::default()
}

pub fn router() -> crate::routes::Routes {
    crate::routes::Routes::new().at(customerclient_api::endpoint::GetEvents, events)
}

/// Wakes the account's streams after the transaction that stored `woken` committed.
pub fn wake(state: &AppState, woken: (Uuid, PushEvent)) {
    // Nobody watching is fine: the event waits in the store.
    state.hub.wake(woken.0);
}

/// Stores an event on its own and wakes the streams, for a change that is not a business
/// transaction of its own (a courier's position). A failure is logged, never returned: the
/// position is already recorded and the next one supersedes it.
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
        Ok(event) => wake(state, (account, event)),
        Err(e) => tracing::error!(error = %e, "storing a push event"),
    }
}

struct Feed {
    account: Uuid,
    ready: VecDeque<PushEvent>,
    wakeups: Wakeups,
    last: i64,
    state: AppState,
    poll: Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

fn sse(event: &PushEvent) -> Event {
    Event::default()
        .id(event.id.to_string())
        .event("push")
        .data(serde_json::to_string(event).unwrap_or_default())
}

impl Feed {
    /// Waits for a wake-up for this account (or the poll interval); false when the backend
    /// is shutting down.
    async fn wait(&mut self) -> bool {
        self.wakeups.wait(self.poll, &mut self.shutdown).await
    }
}

impl Wakeups {
    /// Waits for a wake-up (or `poll`, the safety net); false when the backend is shutting
    /// down.
    pub async fn wait(
        &mut self,
        poll: Duration,
        shutdown: &mut tokio::sync::watch::Receiver<bool>,
    ) -> bool {
        let rx = &mut self.rx;
        if *shutdown.borrow() {
            return false;
        }
        let changed = async {
            if rx.changed().await.is_err() {
                // The channel outlives its receivers; were it gone, the poll still runs.
                std::future::pending::<()>().await;
            }
        };
        let woken = async {
            tokio::select! {
                _ = shutdown.wait_for(|s| *s) => false,
                () = changed => true,
            }
        };
        tokio::time::timeout(poll, woken).await.unwrap_or(true)
    }
}

/// How often a stream with no wake-up looks at the store anyway, on this engine.
pub fn poll_every(state: &AppState) -> Duration {
    match state.store.engine() {
        crate::store::Engine::Sqlite => POLL_SQLITE,
        crate::store::Engine::Postgres => POLL_POSTGRES,
    }
}

/// The event id a reconnecting stream resumes after: the `Last-Event-ID` the client sent, or
/// 0 (from the start) when it sent none, or something that is not an event id of ours.
pub fn resume_after(header: Option<&axum::http::HeaderValue>) -> i64 {
    header
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|id| *id >= 0)
        .unwrap_or(0)
}

async fn events(
    State(state): State<AppState>,
    current: CurrentAccount,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let last = resume_after(headers.get("Last-Event-ID"));
    let account = current.account.id;
    // Subscribed before the first read: a wake-up for an event committed after that read
    // is already queued when the stream starts waiting.
    let wakeups = state.hub.subscribe(account);
    let first = state
        .store
        .events_after(account, last)
        .await
        .map_err(anyhow::Error::from)?;
    let poll = poll_every(&state);
    let feed = Feed {
        account,
        ready: first.into(),
        wakeups,
        last,
        shutdown: state.shutdown.subscribe(),
        state,
        poll,
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        loop {
            if let Some(event) = feed.ready.pop_front() {
                feed.last = event.id;
                return Some((Ok(sse(&event)), feed));
            }
            // Ids increase in commit order, so everything new is after `last`; a page at a
            // time, as many pages as there are.
            match feed.state.store.events_after(feed.account, feed.last).await {
                Ok(page) if !page.is_empty() => {
                    feed.ready = page.into();
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "reading push events"),
            }
            if !feed.wait().await {
                return None;
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[cfg(test)]
mod tests {
    use super::resume_after;
    use axum::http::HeaderValue;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn an_event_id_sent_back_resumes_after_it(id in 0i64..=i64::MAX, pad in "[ \t]{0,3}") {
            let v = HeaderValue::from_str(&format!("{pad}{id}{pad}")).unwrap();
            prop_assert_eq!(resume_after(Some(&v)), id);
        }

        #[test]
        fn anything_else_starts_from_the_beginning(raw in proptest::collection::vec(any::<u8>(), 0..40)) {
            let Ok(v) = HeaderValue::from_bytes(&raw) else { return Ok(()) };
            let got = resume_after(Some(&v));
            prop_assert!(got >= 0);
            let text = std::str::from_utf8(&raw).map(str::trim);
            match text.ok().and_then(|t| t.parse::<i64>().ok()) {
                Some(id) if id >= 0 => prop_assert_eq!(got, id),
                _ => prop_assert_eq!(got, 0),
            }
        }
    }

    #[test]
    fn no_header_starts_from_the_beginning() {
        assert_eq!(resume_after(None), 0);
    }

    /// Whether the subscription has a wake-up waiting, without waiting for one.
    fn woken(w: &mut super::Wakeups) -> bool {
        w.rx.has_changed().unwrap_or(false) && {
            w.rx.borrow_and_update();
            true
        }
    }

    #[test]
    fn an_event_wakes_its_own_accounts_streams_and_no_other() {
        let hub = super::hub();
        let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        let (mut a1, mut a2, mut b1) = (hub.subscribe(a), hub.subscribe(a), hub.subscribe(b));
        hub.wake(a);
        assert!(woken(&mut a1) && woken(&mut a2));
        assert!(!woken(&mut b1), "another account's stream stays asleep");
        hub.wake(super::EVERYONE);
        assert!(woken(&mut a1) && woken(&mut a2) && woken(&mut b1));
        // An account nobody watches costs nothing and keeps no channel.
        hub.wake(uuid::Uuid::new_v4());
        assert_eq!(hub.accounts_watched(), 2);
        drop(a1);
        assert_eq!(hub.accounts_watched(), 2, "a2 still watches a");
        hub.wake(a);
        assert!(woken(&mut a2));
        drop(a2);
        drop(b1);
        assert_eq!(hub.accounts_watched(), 0);
    }
}

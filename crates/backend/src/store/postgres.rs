//! The store on PostgreSQL: the production engine, shared by any number of backend instances.
//!
//! The SQL is the same as on SQLite. What SQLite gives by itself, one writer at a time, is a
//! transaction-scoped advisory lock here: every writing business operation takes it first, so
//! the read-check-write steps inside it see exactly what SQLite's `BEGIN IMMEDIATE` would let
//! them see, whichever instance runs them. The lock is the database's, not a process's: an
//! instance killed mid-transaction drops it with its connection.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;

#[allow(unused_imports)]
use super::*;

pub(crate) type Db = sqlx::Postgres;
pub(crate) type Conn = sqlx::PgConnection;
pub(crate) type DbRow = sqlx::postgres::PgRow;
pub(crate) type DbPool = sqlx::PgPool;

/// Writers of this process queued before the database lock: more would only hold
/// connections while they wait on it.
const WRITERS: usize = 1;

/// The advisory lock key of write transactions ("kiosk" in ASCII).
pub(crate) const WRITE_LOCK: i64 = 0x6b_696f_736b;

async fn open_pool(url: &str) -> Result<DbPool, StoreError> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await?;
    sqlx::migrate!("./migrations/postgres").run(&pool).await?;
    Ok(pool)
}

async fn begin_write(pool: &DbPool) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(WRITE_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// `x` rounded down to a whole number: PostgreSQL's cast rounds, so floor first.
fn floor_int(x: &str) -> String {
    format!("CAST(FLOOR({x}) AS BIGINT)")
}

/// The channel every instance listens on; the payload is the account id, nothing more
/// (the events table is the truth, the notification only a wake-up).
pub(crate) const EVENTS_CHANNEL: &str = "customerclient_events";

/// Queued inside the event's transaction: PostgreSQL delivers it to every listening
/// instance when that transaction commits, and never if it rolls back.
async fn notify_event(conn: &mut Conn, account: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(EVENTS_CHANNEL)
        .bind(account.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

impl Store {
    /// Wakes this instance's streams for events any instance stored. A listener whose
    /// connection drops reconnects by itself (sqlx), and notifications sent meanwhile are
    /// lost: the streams' periodic read of the events table covers those.
    pub(crate) fn follow_events(&self, wake: impl Fn(Uuid) + Send + 'static) {
        let pool = self.pool.clone();
        tokio::spawn(async move {
            loop {
                let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "event listener cannot connect; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                if let Err(e) = listener.listen(EVENTS_CHANNEL).await {
                    tracing::warn!(error = %e, "event listener cannot listen; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                loop {
                    match listener.recv().await {
                        Ok(n) => {
                            if let Ok(account) = Uuid::parse_str(n.payload()) {
                                wake(account);
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "event listener lost; reconnecting");
                            break;
                        }
                    }
                }
                if pool.is_closed() {
                    return;
                }
            }
        });
    }
}

include!("sql/core.rs");

mod accounts {
    use super::*;
    include!("sql/accounts.rs");
}
mod events {
    use super::*;
    include!("sql/events.rs");
}
mod history {
    use super::*;
    include!("sql/history.rs");
}
mod payments {
    use super::*;
    include!("sql/payments.rs");
}
mod stats {
    include!("sql/stats.rs");
}
mod tracking {
    use super::*;
    include!("sql/tracking.rs");
}

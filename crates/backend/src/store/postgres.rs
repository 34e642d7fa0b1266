//! The store on PostgreSQL: the production engine, shared by any number of backend instances.
//!
//! The SQL is the same as on SQLite. What SQLite gives by itself, one writer at a time, is
//! transaction-scoped advisory locks here, taken first by every writing business operation so
//! that the read-check-write steps inside it see what SQLite's `BEGIN IMMEDIATE` would let them
//! see, whichever instance runs them:
//! - an operation on one account's orders, payments and events (the fleet's hot path: placing,
//!   paying, moving an order on) takes [`WRITE_LOCK`] *shared* and that account's own lock
//!   exclusively, so operations on different accounts run side by side and two on the same
//!   account queue;
//! - any other write (accounts, codes, catalog, settings) takes [`WRITE_LOCK`] exclusively and
//!   so excludes every writer, as on SQLite.
//!
//! The locks are the database's, not a process's: an instance killed mid-transaction drops
//! them with its connection.

use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::PgPoolOptions;

#[allow(unused_imports)]
use super::*;

pub(crate) type Db = sqlx::Postgres;
pub(crate) type Conn = sqlx::PgConnection;
pub(crate) type DbRow = sqlx::postgres::PgRow;
pub(crate) type DbPool = sqlx::PgPool;

/// Writers of this process at once: operations on different accounts run in parallel; the
/// rest of the pool serves reads (catalog, event streams) meanwhile.
const WRITERS: usize = 10;

/// The advisory lock key of write transactions ("kiosk" in ASCII): shared by per-account
/// writers, exclusive for the rest.
pub(crate) const WRITE_LOCK: i64 = 0x6b_696f_736b;

/// The first key of an account's lock (two-key advisory locks are a space of their own,
/// apart from [`WRITE_LOCK`]); the second is a hash of the account id. Two accounts whose
/// hashes collide only queue behind each other.
const ACCOUNT_LOCK: i32 = 0x6163_6374; // "acct"

/// Order numbers and event ids come from sequences: a per-account writer cannot see another
/// account's uncommitted `MAX + 1`. Numbers skipped by a rolled-back transaction stay unused.
const NEXT_ORDER_NUMBER: &str = "SELECT nextval('order_numbers')";
const NEXT_EVENT_ID: &str = "SELECT nextval('event_ids')";

/// Rows another transaction is claiming are passed over rather than waited for.
const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";

/// The schema this build expects, embedded at compile time.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

async fn open_pool(url: &str) -> Result<DbPool, StoreError> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await?;
    MIGRATOR.run(&pool).await?;
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

/// A write transaction on one account's data: the write lock shared, then
/// [`lock_account`] for the account before anything is read.
async fn begin_account_write(pool: &DbPool) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock_shared($1)")
        .bind(WRITE_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The account's own lock, held to the end of the transaction.
async fn lock_account(conn: &mut Conn, account: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(ACCOUNT_LOCK)
        .bind(account.to_string())
        .execute(conn)
        .await?;
    Ok(())
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
                // Whatever was notified while no listener was connected is unknown: every
                // stream looks at the store once.
                wake(Uuid::nil());
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

/// The advisory lock the leader of the periodic jobs holds ("lead" in ASCII).
pub(crate) const LEADER_LOCK: i64 = 0x6c65_6164;
/// The advisory lock an instance seeding the demo data holds ("seed").
pub(crate) const SEED_LOCK: i64 = 0x7365_6564;

/// One instance's claim on the leader role: a session-level advisory lock held on a
/// connection of its own. PostgreSQL lets one session hold it; when the leader dies its
/// connection closes and the lock is free at once for the next instance that asks.
pub(crate) struct LeaderCandidate {
    pool: DbPool,
    key: i64,
    /// Detached from the pool: dropped (a task aborted), it closes, and never goes back to
    /// the pool still holding the lock.
    conn: Option<Conn>,
    leading: bool,
}

impl LeaderCandidate {
    pub(crate) async fn lead(&mut self) -> Result<bool, StoreError> {
        if self.conn.is_none() {
            self.conn = Some(self.pool.acquire().await?.detach());
            self.leading = false;
        }
        let Some(conn) = self.conn.as_mut() else {
            return Ok(false);
        };
        // A leader only checks its session is alive: while it is, the lock is its own.
        let asked = if self.leading {
            sqlx::query("SELECT 1")
                .execute(&mut *conn)
                .await
                .map(|_| true)
        } else {
            sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1)")
                .bind(self.key)
                .fetch_one(&mut *conn)
                .await
        };
        match asked {
            Ok(leading) => {
                self.leading = leading;
                Ok(leading)
            }
            Err(e) => {
                // The session (and with it any lock) is gone; start over on a fresh one.
                if let Some(conn) = self.conn.take() {
                    let _ = conn.close().await;
                }
                self.leading = false;
                Err(e.into())
            }
        }
    }

    pub(crate) async fn resign(mut self) {
        if let Some(conn) = self.conn.take() {
            // Closing the session frees its advisory locks.
            let _ = conn.close().await;
        }
    }
}

impl Store {
    pub(crate) fn leader_candidate(&self, role: Role, _holder: &str) -> LeaderCandidate {
        LeaderCandidate {
            pool: self.pool.clone(),
            key: match role {
                Role::Jobs => LEADER_LOCK,
                Role::Seeding => SEED_LOCK,
            },
            conn: None,
            leading: false,
        }
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        &MIGRATOR
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
mod kiosks {
    use super::*;
    include!("sql/kiosks.rs");
}
mod menu {
    use super::*;
    include!("sql/menu.rs");
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

//! The store on SQLite: the embedded default, one file beside the kiosk, no server.
//!
//! One writer at a time is SQLite's own rule; `BEGIN IMMEDIATE` takes the file's write lock
//! at the start of every writing transaction, which is what the shared SQL relies on.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[allow(unused_imports)]
use super::*;

pub(crate) type Db = sqlx::Sqlite;
pub(crate) type Conn = sqlx::SqliteConnection;
pub(crate) type DbRow = sqlx::sqlite::SqliteRow;
pub(crate) type DbPool = sqlx::SqlitePool;

/// One writer a process at a time: SQLite takes no more.
const WRITERS: usize = 1;

/// SQLite has one writer at a time and no row locks to skip.
const SKIP_LOCKED: &str = "";

/// The schema this build expects, embedded at compile time.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

async fn open_pool(url: &str) -> Result<DbPool, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// A deferred transaction that reads first fails at once with SQLITE_BUSY if another
/// connection writes in between (the busy timeout does not apply to that upgrade), so every
/// writing transaction takes the write lock at its start.
async fn begin_write(pool: &DbPool) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// The file has one writer at a time: a transaction on one account's data is any write.
async fn begin_account_write(pool: &DbPool) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
    begin_write(pool).await
}

/// Nothing more to take: `BEGIN IMMEDIATE` already excludes every other writer.
async fn lock_account(_conn: &mut Conn, _account: Uuid) -> Result<(), sqlx::Error> {
    Ok(())
}

/// Numbered inside the write transaction, which no other writer shares.
const NEXT_ORDER_NUMBER: &str = "SELECT COALESCE(MAX(number), 1000) + 1 FROM orders";
const NEXT_EVENT_ID: &str = "SELECT COALESCE(MAX(id), 0) + 1 FROM events";

/// `x` rounded down to a whole number (x ≥ 0): SQLite's cast truncates.
fn floor_int(x: &str) -> String {
    format!("CAST({x} AS INTEGER)")
}

/// One process owns a SQLite file's streams: its in-process wake-up reaches them all (and a
/// second process on the same file is found by the streams' poll).
async fn notify_event(_conn: &mut Conn, _account: Uuid) -> Result<(), sqlx::Error> {
    Ok(())
}

impl Store {
    /// Nothing to follow: every writer of the file is this process (see `notify_event`).
    pub(crate) fn follow_events(&self, _wake: impl Fn(Uuid) + Send + 'static) {}
}

/// How long a SQLite lease on the leader role lasts unless renewed (every second).
const LEADER_LEASE_MS: i64 = 5_000;

/// One instance's claim on the leader role. SQLite has no advisory locks, so the role is a
/// lease row renewed each second; an instance killed leaves it to run out. Every process on
/// one file shares the host's clock.
pub(crate) struct LeaderCandidate {
    pool: DbPool,
    holder: String,
}

impl LeaderCandidate {
    pub(crate) async fn lead(&mut self) -> Result<bool, StoreError> {
        let now = now_ms();
        let done = sqlx::query(
            "INSERT INTO leases (name, holder, expires_at) VALUES ('jobs', $1, $2)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE leases.holder = excluded.holder OR leases.expires_at < $3",
        )
        .bind(&self.holder)
        .bind(now + LEADER_LEASE_MS)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn resign(self) {
        let _ = sqlx::query("DELETE FROM leases WHERE name = 'jobs' AND holder = $1")
            .bind(&self.holder)
            .execute(&self.pool)
            .await;
    }
}

impl Store {
    pub(crate) fn leader_candidate(&self, holder: &str) -> LeaderCandidate {
        LeaderCandidate {
            pool: self.pool.clone(),
            holder: holder.to_owned(),
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

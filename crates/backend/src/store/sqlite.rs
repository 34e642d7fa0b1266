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
    sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
    Ok(pool)
}

/// A deferred transaction that reads first fails at once with SQLITE_BUSY if another
/// connection writes in between (the busy timeout does not apply to that upgrade), so every
/// writing transaction takes the write lock at its start.
async fn begin_write(pool: &DbPool) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

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

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
        // Only another process on the same file waits here (this one's writers queue first,
        // see `Store::write_tx`): seeding a new database holds the lock for seconds.
        .busy_timeout(Duration::from_secs(30));
    let file = options.get_filename().to_owned();
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    // sqlx takes no lock around SQLite migrations: two processes opening a new file at once
    // would both apply them. The first to lock a file beside the database migrates; the
    // other waits, then finds them applied.
    let _migrating = if file.as_os_str().is_empty() || file.as_os_str() == ":memory:" {
        None
    } else {
        let mut lock = file.into_os_string();
        lock.push(".migrate-lock");
        let locked = tokio::task::spawn_blocking(move || {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock)?;
            f.lock()?;
            Ok::<_, std::io::Error>(f)
        })
        .await
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?
        .map_err(sqlx::Error::Io)?;
        Some(locked)
    };
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

/// One instance's claim on the leader role. SQLite has no advisory locks, so the role is a
/// lease row renewed each second; an instance killed leaves it to run out. Every process on
/// one file shares the host's clock.
pub(crate) struct LeaderCandidate {
    pool: DbPool,
    lease: &'static str,
    lease_ms: i64,
    holder: String,
}

impl LeaderCandidate {
    pub(crate) async fn lead(&mut self) -> Result<bool, StoreError> {
        let now = now_ms();
        let done = sqlx::query(
            "INSERT INTO leases (name, holder, expires_at) VALUES ($4, $1, $2)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE leases.holder = excluded.holder OR leases.expires_at < $3",
        )
        .bind(&self.holder)
        .bind(now + self.lease_ms)
        .bind(now)
        .bind(self.lease)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn resign(self) {
        let _ = sqlx::query("DELETE FROM leases WHERE name = $2 AND holder = $1")
            .bind(&self.holder)
            .bind(self.lease)
            .execute(&self.pool)
            .await;
    }
}

impl Store {
    pub(crate) fn leader_candidate(&self, role: Role, holder: &str) -> LeaderCandidate {
        LeaderCandidate {
            pool: self.pool.clone(),
            lease: role.lease(),
            lease_ms: role.lease_ms(),
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

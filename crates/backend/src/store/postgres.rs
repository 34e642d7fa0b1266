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

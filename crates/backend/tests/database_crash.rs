//! The database server crashes (`pg_ctl -m immediate`) in the middle of bursts of orders and
//! payments and is restarted under the running backend: what was answered is kept, what was
//! not is sent again with its key, and the invariants of `support/burst.rs` hold. Its own
//! test binary, because it crashes the PostgreSQL server every test of the binary shares.

mod support;

use support::burst::{Victim, run};
use support::engine::{Engine, engine};

#[tokio::test]
async fn the_database_server_crashing_mid_burst_loses_and_doubles_nothing() {
    if engine() == Engine::Sqlite {
        // SQLite is a file inside the backend's process: its crash is the backend's,
        // which crash.rs covers on every engine.
        println!("the database server crash runs on the PostgreSQL pass");
        return;
    }
    run(Victim::Database, 6, 0xdb_c2a5).await;
}

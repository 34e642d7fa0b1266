//! Crash tests: the real backend binary killed with SIGKILL at random moments while orders
//! and payments are in flight — alone, or as one of two instances on one database — and
//! every unanswered request sent again with its key. The invariants are in
//! `support/burst.rs`; the database server's own crash is `database_crash.rs`.

mod support;

use support::burst::{Victim, run};

#[tokio::test]
async fn killed_at_random_moments_the_backend_loses_and_doubles_nothing() {
    run(Victim::Backend, 20, 0x5eed_2026).await;
}

#[tokio::test]
async fn one_of_two_instances_killed_mid_burst_the_other_loses_and_doubles_nothing() {
    run(Victim::OneOfTwo, 8, 0x2_1257).await;
}

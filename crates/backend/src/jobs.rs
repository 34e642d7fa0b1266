//! Periodic work. What must happen once per fleet — expiring QR codes, resolving stuck card
//! attempts and owed refunds, and the demo's kitchen and couriers — runs on the one instance
//! that holds the leader role ([`crate::store::LeaderCandidate`]); when the leader dies, another
//! instance takes the role within a few seconds and carries on. What each instance needs for
//! itself, its copy of the ETA model, it refits on its own from the same rows.
//!
//! Leadership saves doing work twice; it is not what keeps data right. Every job is a business
//! operation guarded in its own transaction, so a short overlap (a leader that lost its
//! database session but has not noticed yet) changes nothing.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::AppState;
use crate::simulator::SimulatorConfig;

/// How often an instance asks for (or confirms) the leader role.
pub const LEAD_EVERY: Duration = Duration::from_secs(1);

/// How often each instance refits its ETA model from the finished deliveries of the fleet.
pub const REFIT_EVERY: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// How often pending card attempts, stale QR codes and owed refunds are looked at.
    pub recovery_interval: Duration,
    /// The demo's kitchen and couriers, when they run.
    pub simulator: Option<SimulatorConfig>,
    /// The courier token the simulator uses against this instance's own API.
    pub courier_token: String,
}

/// Runs until `stop` turns true, then gives the leader role up.
pub fn spawn(
    state: AppState,
    config: JobsConfig,
    self_url: String,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let holder = format!("backend-{}", uuid::Uuid::new_v4());
        let mut candidate = state
            .store
            .leader_candidate(crate::store::Role::Jobs, &holder);
        let mut running: Vec<JoinHandle<()>> = Vec::new();
        let mut lead = tokio::time::interval(LEAD_EVERY);
        lead.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut refit = tokio::time::interval(REFIT_EVERY);
        refit.tick().await;
        loop {
            tokio::select! {
                _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => break,
                _ = refit.tick() => {
                    crate::tracking::refit(&state).await;
                    continue;
                }
                _ = lead.tick() => {}
            }
            let leading = match candidate.lead().await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot reach the database to lead; standing by");
                    false
                }
            };
            state.leading.store(leading, Ordering::Relaxed);
            if leading && running.is_empty() {
                tracing::info!(%holder, "leading the fleet's periodic jobs");
                running = start(&state, &config, &self_url);
            } else if !leading && !running.is_empty() {
                tracing::warn!(%holder, "no longer the leader; periodic jobs stopped here");
                stop_all(&mut running).await;
            }
        }
        stop_all(&mut running).await;
        state.leading.store(false, Ordering::Relaxed);
        candidate.resign().await;
    })
}

fn start(state: &AppState, config: &JobsConfig, self_url: &str) -> Vec<JoinHandle<()>> {
    let mut jobs = Vec::new();
    let recovery = {
        let state = state.clone();
        let every = config.recovery_interval;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                crate::payments::recover(&state).await;
            }
        })
    };
    jobs.push(recovery);
    if let Some(sim) = config.simulator.clone() {
        tracing::info!(speed = sim.speed, "delivery simulator running");
        jobs.push(crate::simulator::spawn(
            self_url.to_owned(),
            config.courier_token.clone(),
            sim,
        ));
    }
    jobs
}

async fn stop_all(jobs: &mut Vec<JoinHandle<()>>) {
    for job in jobs.drain(..) {
        // An aborted job's open transaction rolls back; the next leader redoes it.
        job.abort();
        let _ = job.await;
    }
}

//! The kiosk's heartbeat: every 30 s it tells the backend it is alive (its id, store and
//! build travel in every request's headers), with its screen and the errors it met since the
//! last heartbeat. The operators' fleet page counts a kiosk offline after three missed. The
//! same record of errors is what the staff panel shows.

use std::collections::VecDeque;

use bevy::prelude::*;
use customerclient_api::endpoint as e;
use customerclient_api::kiosk::{HEARTBEAT_SECONDS, MAX_ERROR_CHARS, MAX_ERRORS};

use crate::bridge::{Bridge, Call, Reply, RequestId};
use crate::schedule::KioskSet;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Heartbeat>().add_systems(
        Update,
        (
            receive_heartbeat.in_set(KioskSet::Receive),
            send_heartbeat.in_set(KioskSet::Timers),
        ),
    );
}

/// Errors the staff panel lists.
const KEPT: usize = 20;

#[derive(Resource, Debug, Default)]
pub struct Heartbeat {
    /// App time of the last heartbeat the backend took.
    pub last_ok_at: Option<f64>,
    /// The screen as the kiosk reports it (`1920x1080`; set by the view).
    pub screen: String,
    /// The latest errors, newest last, with their app time.
    pub recent: VecDeque<(f64, String)>,
    /// Errors not yet reported.
    unsent: Vec<String>,
    /// The heartbeat in flight and how many errors it carries.
    pending: Option<(RequestId, usize)>,
    next_at: f64,
}

impl Heartbeat {
    /// Notes an error for the next heartbeat and the staff panel.
    pub fn note(&mut self, now: f64, error: impl Into<String>) {
        let error: String = error.into().chars().take(MAX_ERROR_CHARS).collect();
        warn!("noted for the operator: {error}");
        if self.recent.len() >= KEPT {
            self.recent.pop_front();
        }
        self.recent.push_back((now, error.clone()));
        // Bounded while the backend is away: the newest are the ones worth reporting.
        if self.unsent.len() >= MAX_ERRORS {
            self.unsent.remove(0);
        }
        self.unsent.push(error);
    }
}

fn send_heartbeat(mut beat: ResMut<Heartbeat>, bridge: Res<Bridge>, time: Res<Time>) {
    let now = time.elapsed_secs_f64();
    if now < beat.next_at || beat.pending.is_some() || bridge.base_url().is_none() {
        return;
    }
    beat.next_at = now + HEARTBEAT_SECONDS as f64;
    let screen = if beat.screen.is_empty() {
        "headless".to_owned()
    } else {
        beat.screen.clone()
    };
    let errors = beat.unsent.clone();
    let id = bridge.send(Call::<e::SendHeartbeat>::new(
        customerclient_api::kiosk::Heartbeat {
            screen,
            errors: errors.clone(),
        },
    ));
    beat.pending = Some((id, errors.len()));
}

fn receive_heartbeat(
    mut replies: MessageReader<Reply<e::SendHeartbeat>>,
    mut beat: ResMut<Heartbeat>,
    time: Res<Time>,
) {
    for reply in replies.read() {
        let Some((id, carried)) = beat.pending else {
            continue;
        };
        if reply.id != id {
            continue;
        }
        beat.pending = None;
        match &reply.result {
            Ok(_) => {
                beat.last_ok_at = Some(time.elapsed_secs_f64());
                let carried = carried.min(beat.unsent.len());
                beat.unsent.drain(..carried);
            }
            Err(e) => warn!("heartbeat not taken: {e}"),
        }
    }
}

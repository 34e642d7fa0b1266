//! The order of a frame's work in `Update`, set once for the whole app, so systems that
//! depend on each other across plugins are ordered by construction: what the screen was
//! touched with, then what the backend answered, then what the customer asked for, then the
//! clocks (idle wipe, polls, retries), then the scenes showing the result.

use bevy::prelude::*;

#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KioskSet {
    /// Raw input turned into the kiosk's actions (a touch anywhere counts as activity).
    Input,
    /// Replies from the backend and push events, into the flows' state.
    Receive,
    /// The customer's actions, and what the flows do about them.
    Apply,
    /// Time-driven work: the idle wipe, polls, retries, players advancing.
    Timers,
    /// Scenes bringing their entities up to date with the state.
    Draw,
}

pub(crate) fn plugin(app: &mut App) {
    app.configure_sets(
        Update,
        (
            KioskSet::Input,
            KioskSet::Receive,
            KioskSet::Apply,
            KioskSet::Timers,
            KioskSet::Draw,
        )
            .chain(),
    );
}

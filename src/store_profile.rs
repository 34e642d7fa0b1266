//! The store this kiosk stands in, as the backend's profile says ([`StoreProfile`]): its name
//! and how it writes prices (handed to [`I18n`]), the language new customers are greeted in,
//! how long the kiosk waits for a customer, and whether the store takes orders now. Loaded
//! with the catalog, so at start and at every reconnect (a changed profile means a restarted
//! backend).

use std::time::Duration;

use bevy::prelude::*;
use customerclient_api::profile::StoreProfile;

use customerclient_api::endpoint as e;

use crate::bridge::{Bridge, Call, Reply};
use crate::config::KioskConfig;
use crate::i18n::I18n;
use crate::schedule::KioskSet;
use crate::screen::Screen;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Store>()
        .add_systems(Update, receive_profile.in_set(KioskSet::Receive))
        .add_systems(Update, apply_profile.in_set(KioskSet::Apply));
}

/// What the kiosk knows of its store; `None` until the backend has answered once.
#[derive(Resource, Debug, Default)]
pub struct Store {
    pub profile: Option<StoreProfile>,
}

/// How long a kiosk left alone waits, in seconds: the wipe, and the warning before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdleTimes {
    pub timeout: f64,
    pub warning: f64,
}

/// Until the profile says otherwise.
const IDLE_DEFAULT: Duration = Duration::from_secs(90);
const WARNING_DEFAULT: f64 = 20.0;

impl Store {
    /// The kiosk's own `--idle-seconds` when given, else the store's; the warning shows in
    /// the last seconds, never for more than half the wait.
    pub fn idle(&self, config: &KioskConfig) -> IdleTimes {
        let from_store = self.profile.as_ref();
        let timeout = config
            .idle_timeout
            .or(from_store.map(|p| Duration::from_secs(p.idle_seconds.into())))
            .unwrap_or(IDLE_DEFAULT)
            .as_secs_f64();
        let warning = from_store.map_or(WARNING_DEFAULT, |p| p.idle_warning_seconds.into());
        IdleTimes {
            timeout,
            warning: warning.min(timeout / 2.0),
        }
    }

    /// Whether the store takes orders at `unix_ms` (yes until the profile says otherwise).
    pub fn is_open(&self, unix_ms: i64) -> bool {
        self.profile
            .as_ref()
            .is_none_or(|p| p.hours.is_open(unix_ms))
    }

    /// When ordering next opens, as (ISO weekday, minute of the day) in the store's time.
    pub fn next_opening(&self, unix_ms: i64) -> Option<(u8, u32)> {
        self.profile.as_ref()?.hours.next_opening(unix_ms)
    }
}

/// Takes the profile from every answer (the catalog's load asks at start, the connectivity
/// module after an outage) when it differs from the one shown.
fn receive_profile(
    mut replies: MessageReader<Reply<e::GetStoreProfile>>,
    mut store: ResMut<Store>,
) {
    for reply in replies.read() {
        if let Ok(profile) = &reply.result
            && store.profile.as_ref() != Some(profile)
        {
            store.profile = Some(profile.clone());
        }
    }
}

/// Asks the backend for the profile again (after an outage: a restarted backend may have a
/// new one); [`receive_profile`] takes the answer.
pub fn refresh(bridge: &Bridge) {
    bridge.send(Call::<e::GetStoreProfile>::empty());
}

/// A new or changed profile: prices and the store's name in every text, and the screen drawn
/// again (the session module takes the greeting language from it).
fn apply_profile(
    store: Res<Store>,
    mut i18n: ResMut<I18n>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
) {
    if !store.is_changed() {
        return;
    }
    let Some(profile) = &store.profile else {
        return;
    };
    i18n.set_store(profile);
    if matches!(*next, NextState::Unchanged) {
        next.set(*screen.get());
    }
}

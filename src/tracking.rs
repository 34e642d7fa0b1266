//! Following a delivery: the district map, the order's route and stages, the ETA, and the
//! courier marker, which glides between position fixes instead of jumping.
//!
//! The customer's own order is followed through push events; an order found by number and
//! phone digits (no account at hand) is polled instead.

use bevy::prelude::*;

use crate::schedule::KioskSet;
use customerclient_api::city::{CityMap, Point};
use customerclient_api::endpoint as e;
use customerclient_api::push::PushKind;
use customerclient_api::tracking::{CourierFix, Eta, TrackRequest, Tracking};
use uuid::Uuid;

use crate::bridge::{Bridge, BridgeError, Call, PushReceived, Reply, RequestId};
use crate::failure::Failure;
use crate::screen::Screen;
use crate::session::CustomerSession;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<TrackingState>()
        .add_message::<TrackAction>()
        .add_systems(
            OnEnter(Screen::Attract),
            forget.run_if(crate::screen::changed_screen),
        )
        .add_systems(
            Update,
            (
                receive_tracking.in_set(KioskSet::Receive),
                apply_track_actions.in_set(KioskSet::Apply),
                poll.in_set(KioskSet::Timers),
            ),
        );
}

/// Seconds between polls of an order followed by number (no push stream for it), and the
/// safety poll of one's own order in case the push stream is down.
pub const PUBLIC_POLL_SECS: f64 = 2.0;
pub const OWN_POLL_SECS: f64 = 15.0;

#[derive(Message, Debug, Clone, PartialEq)]
pub enum TrackAction {
    /// Follow one of the signed-in (or guest) customer's orders.
    Follow(Uuid),
    /// Find an order by its number and the last four digits of its phone.
    ByNumber {
        number: i64,
        phone_last4: String,
    },
    Close,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Own(Uuid),
    Public { number: i64, phone_last4: String },
}

/// The courier on screen: moves from where it was drawn to the newest fix over about the
/// time between fixes, so it never jumps.
#[derive(Debug, Clone, Default)]
pub struct Marker {
    from: Option<Point>,
    to: Option<Point>,
    /// App time (s) the current glide began, and how long it takes.
    start: f64,
    duration: f64,
    last_fix: Option<f64>,
}

impl Marker {
    /// Where to draw the courier at app time `now`.
    pub fn position(&self, now: f64) -> Option<Point> {
        let to = self.to?;
        let from = self.from.unwrap_or(to);
        let t = if self.duration > 0.0 {
            ((now - self.start) / self.duration).clamp(0.0, 1.0)
        } else {
            1.0
        };
        Some(from.lerp(to, t))
    }

    /// A new fix arrived at app time `now`.
    pub fn push(&mut self, fix: Point, now: f64) {
        self.from = self.position(now).or(Some(fix));
        self.to = Some(fix);
        self.start = now;
        // Glide for as long as the last gap between fixes (bounded), so motion is continuous.
        self.duration = self
            .last_fix
            .map_or(0.0, |last| (now - last).clamp(0.2, 3.0));
        self.last_fix = Some(now);
    }

    /// Places the marker at `fix` without a glide (first sight, or a fresh poll).
    pub fn place(&mut self, fix: Point, now: f64) {
        self.from = Some(fix);
        self.to = Some(fix);
        self.start = now;
        self.duration = 0.0;
        self.last_fix = Some(now);
    }
}

#[derive(Resource, Debug, Default)]
pub struct TrackingState {
    pub target: Option<Target>,
    pub map: Option<CityMap>,
    pub tracking: Option<Tracking>,
    pub marker: Marker,
    /// Position fixes received for this order (push or poll).
    pub fixes: u32,
    pub failure: Option<Failure>,
    map_request: Option<RequestId>,
    track_request: Option<RequestId>,
    last_request_at: f64,
}

impl TrackingState {
    pub fn order_id(&self) -> Option<Uuid> {
        match &self.target {
            Some(Target::Own(id)) => Some(*id),
            _ => self.tracking.as_ref().map(|t| t.order_id),
        }
    }

    pub fn is_loading(&self) -> bool {
        self.tracking.is_none() && self.failure.is_none() && self.target.is_some()
    }

    fn request(&mut self, bridge: &Bridge, token: Option<&str>, now: f64) {
        if self.track_request.is_some() {
            return;
        }
        let sent = match (&self.target, token) {
            (Some(Target::Own(id)), Some(token)) => {
                bridge.send(Call::<e::GetTracking>::empty().at(id).token(token))
            }
            (
                Some(Target::Public {
                    number,
                    phone_last4,
                }),
                _,
            ) => bridge.send(Call::<e::TrackByNumber>::new(TrackRequest {
                number: *number,
                phone_last4: phone_last4.clone(),
            })),
            _ => return,
        };
        self.track_request = Some(sent);
        self.last_request_at = now;
    }

    fn apply_fix(&mut self, fix: CourierFix, now: f64) {
        let known = self
            .tracking
            .as_ref()
            .and_then(|t| t.courier)
            .is_some_and(|c| c.at == fix.at);
        if known {
            return;
        }
        if self.marker.to.is_some() {
            self.marker.push(fix.point, now);
        } else {
            self.marker.place(fix.point, now);
        }
        self.fixes += 1;
        if let Some(t) = &mut self.tracking {
            t.courier = Some(fix);
        }
    }
}

fn forget(mut state: ResMut<TrackingState>) {
    *state = TrackingState::default();
}

fn apply_track_actions(
    mut actions: MessageReader<TrackAction>,
    mut state: ResMut<TrackingState>,
    session: Res<CustomerSession>,
    bridge: Res<Bridge>,
    mut next: ResMut<NextState<Screen>>,
    time: Res<Time>,
) {
    for action in actions.read() {
        match action {
            TrackAction::Follow(id) => {
                let map = state.map.take();
                *state = TrackingState {
                    target: Some(Target::Own(*id)),
                    map,
                    ..default()
                };
            }
            TrackAction::ByNumber {
                number,
                phone_last4,
            } => {
                let map = state.map.take();
                *state = TrackingState {
                    target: Some(Target::Public {
                        number: *number,
                        phone_last4: phone_last4.clone(),
                    }),
                    map,
                    ..default()
                };
            }
            TrackAction::Close => {
                let map = state.map.take();
                *state = TrackingState { map, ..default() };
                next.set(if session.token.is_some() {
                    Screen::Gallery
                } else {
                    Screen::Attract
                });
                continue;
            }
        }
        if state.map.is_none() && state.map_request.is_none() {
            state.map_request = Some(bridge.send(Call::<e::GetMap>::empty()));
        }
        let now = time.elapsed_secs_f64();
        state.request(&bridge, session.token.as_deref(), now);
        next.set(Screen::Tracking);
    }
}

fn receive_tracking(
    mut maps: MessageReader<Reply<e::GetMap>>,
    mut own: MessageReader<Reply<e::GetTracking>>,
    mut public: MessageReader<Reply<e::TrackByNumber>>,
    mut events: MessageReader<PushReceived>,
    mut state: ResMut<TrackingState>,
    time: Res<Time>,
) {
    let now = time.elapsed_secs_f64();
    for reply in maps.read() {
        if state.map_request != Some(reply.id) {
            continue;
        }
        state.map_request = None;
        match &reply.result {
            Ok(map) => state.map = Some(map.clone()),
            Err(e) => state.failure = Some(Failure::from(e)),
        }
    }
    let tracked = own
        .read()
        .map(|r| (r.id, &r.result))
        .chain(public.read().map(|r| (r.id, &r.result)));
    for (id, result) in tracked {
        if state.track_request == Some(id) {
            state.track_request = None;
            state.tracked(result, now);
        }
    }
    for PushReceived(event) in events.read() {
        if Some(event.order_id) != state.order_id() {
            continue;
        }
        match &event.kind {
            PushKind::CourierPosition {
                x,
                y,
                progress_m,
                eta_at,
            } => {
                state.apply_fix(
                    CourierFix {
                        point: Point::new(*x, *y),
                        progress_m: *progress_m,
                        at: event.at,
                    },
                    now,
                );
                if let Some(t) = &mut state.tracking {
                    t.eta = eta_at.map(|at| Eta {
                        at,
                        minutes_left: (at - event.at).max(0) as f64 / 60_000.0,
                    });
                }
            }
            PushKind::OrderStatus { status } => {
                if let Some(t) = &mut state.tracking {
                    t.status = *status;
                }
                // The history and the new ETA come with a fresh read.
                state.last_request_at = f64::NEG_INFINITY;
            }
            PushKind::Payment { .. } => {}
        }
    }
}

impl TrackingState {
    /// A fresh read of the order's tracking, or its failure: a poll that fails keeps what
    /// is on screen; only the first failure shows.
    fn tracked(&mut self, result: &Result<Tracking, BridgeError>, now: f64) {
        match result {
            Ok(t) => {
                self.failure = None;
                let fix = t.courier;
                let mut fresh = t.clone();
                // Keep the known fix until apply_fix compares them.
                fresh.courier = self.tracking.as_ref().and_then(|old| old.courier);
                self.tracking = Some(fresh);
                if let Some(fix) = fix {
                    self.apply_fix(fix, now);
                }
            }
            Err(e) => {
                if self.tracking.is_none() {
                    self.failure = Some(Failure::from(e));
                }
            }
        }
    }
}

fn poll(
    mut state: ResMut<TrackingState>,
    session: Res<CustomerSession>,
    bridge: Res<Bridge>,
    screen: Res<State<Screen>>,
    time: Res<Time>,
) {
    if *screen.get() != Screen::Tracking || state.target.is_none() {
        return;
    }
    let finished = state
        .tracking
        .as_ref()
        .is_some_and(|t| !t.status.is_active());
    let every = match state.target {
        Some(Target::Public { .. }) => PUBLIC_POLL_SECS,
        _ => OWN_POLL_SECS,
    };
    let now = time.elapsed_secs_f64();
    let due = now - state.last_request_at >= every || state.last_request_at == f64::NEG_INFINITY;
    if due && !(finished && state.last_request_at.is_finite()) {
        state.request(&bridge, session.token.as_deref(), now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_glides_between_fixes() {
        let mut m = Marker::default();
        assert!(m.position(0.0).is_none());
        m.place(Point::new(0.0, 0.0), 0.0);
        m.push(Point::new(100.0, 0.0), 1.0);
        // Halfway through the one-second glide, halfway there.
        let mid = m.position(1.5).unwrap();
        assert!((mid.x - 50.0).abs() < 1e-9, "{mid:?}");
        assert_eq!(m.position(2.5).unwrap(), Point::new(100.0, 0.0));
        // A fix mid-glide starts from where the marker is drawn, not from the last fix.
        m.push(Point::new(100.0, 100.0), 2.25);
        let p = m.position(2.25).unwrap();
        assert_eq!(p, Point::new(100.0, 0.0));
    }
}

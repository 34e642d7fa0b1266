//! Whether the kiosk can reach the restaurant's backend right now. The bridge probes its
//! health every 2 s (and every request's outcome counts too) and reports a change once; the
//! screens say "offline" within seconds of losing the backend, in the customer's language,
//! and stop saying it by themselves when it answers again. Failures that only said "could
//! not reach" are cleared then, the menu is fetched again at once, and an order the customer
//! placed while it was away is placed.

use bevy::prelude::*;

use crate::bridge::BackendReachable;
use crate::catalog::{Catalog, LoadState};
use crate::checkout::{CheckoutForm, SubmitState};
use crate::failure::Failure;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Connectivity>()
        .add_systems(PreUpdate, follow.after(crate::bridge::drain_replies));
}

#[derive(Resource, Debug)]
pub struct Connectivity {
    /// The backend answered last time anyone asked (true until told otherwise).
    pub online: bool,
    /// App time of the last change.
    pub since: f64,
}

impl Default for Connectivity {
    fn default() -> Self {
        Self {
            online: true,
            since: 0.0,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn follow(
    mut changes: MessageReader<BackendReachable>,
    mut conn: ResMut<Connectivity>,
    mut catalog: ResMut<Catalog>,
    mut form: ResMut<CheckoutForm>,
    mut orders: ResMut<crate::orders::OrdersState>,
    time: Res<Time>,
    bridge: Res<crate::bridge::Bridge>,
    mut beat: ResMut<crate::heartbeat::Heartbeat>,
    screen: Res<State<crate::screen::Screen>>,
    mut shop: MessageWriter<crate::session::ShopAction>,
) {
    for BackendReachable(up) in changes.read() {
        if conn.online == *up {
            continue;
        }
        conn.online = *up;
        conn.since = time.elapsed_secs_f64();
        if *up {
            info!("backend reachable again");
            // A restarted backend may run with a new store profile.
            crate::store_profile::refresh(&bridge);
            // Back: what failed only for want of a connection is no longer true.
            if let LoadState::Failed { retry_at, .. } = &mut catalog.state {
                *retry_at = conn.since;
            }
            // Behind the saved copy: the backend's menu now.
            if catalog.from_copy {
                catalog.refresh_at = conn.since;
            }
            // An order placed while away is placed now, by itself and under the same key
            // (so once, whatever reached the store before); away from the checkout the
            // customer has moved on, and the message just goes.
            if form.submit == SubmitState::Failed(Failure::Unreachable) {
                if *screen.get() == crate::screen::Screen::Checkout {
                    info!("placing the order that waited for the connection");
                    shop.write(crate::session::ShopAction::PlaceOrder);
                } else {
                    form.submit = SubmitState::Editing;
                }
            }
            if orders.failure == Some(Failure::Unreachable) {
                orders.failure = None;
            }
        } else {
            warn!("backend unreachable: the kiosk is offline");
            beat.note(conn.since, "the backend stopped answering (offline)");
        }
    }
}

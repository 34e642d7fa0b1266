//! The link (and QR code) that takes the customer's order home on their phone: asked for as
//! soon as an order of theirs is placed, shown on the confirmation and tracking screens, and
//! forgotten with the visit. The page it opens is the backend's (`/t/{token}`).

use bevy::prelude::*;
use customerclient_api::endpoint as e;
use customerclient_api::tracking::{ShareRequest, TrackingLink};
use uuid::Uuid;

use crate::bridge::{Bridge, Call, Reply, RequestId};
use crate::schedule::KioskSet;
use crate::screen::Screen;
use crate::session::CustomerSession;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<PhoneLink>()
        .add_systems(
            OnEnter(Screen::Attract),
            forget.run_if(crate::screen::changed_screen),
        )
        .add_systems(
            Update,
            (
                receive_link.in_set(KioskSet::Receive),
                ask_for_link.in_set(KioskSet::Timers),
            ),
        );
}

/// Seconds before asking again after a failure.
const RETRY_SECS: f64 = 10.0;

/// The phone link of the customer's last order, once the backend has made it.
#[derive(Resource, Debug, Default)]
pub struct PhoneLink {
    /// The order the link is (or is being asked) for.
    pub order: Option<Uuid>,
    pub link: Option<TrackingLink>,
    pending: Option<RequestId>,
    failed_at: Option<f64>,
}

/// A link for the order just placed, in the customer's language (once per order; again a
/// while after a failure).
fn ask_for_link(
    session: Res<CustomerSession>,
    mut phone: ResMut<PhoneLink>,
    bridge: Res<Bridge>,
    time: Res<Time>,
) {
    let (Some(order), Some(token)) = (&session.last_order, &session.token) else {
        return;
    };
    let now = time.elapsed_secs_f64();
    let retry = phone.link.is_none()
        && phone.pending.is_none()
        && phone.failed_at.is_some_and(|at| now - at >= RETRY_SECS);
    if phone.order == Some(order.id) && !retry {
        return;
    }
    *phone = PhoneLink {
        order: Some(order.id),
        pending: Some(
            bridge.send(
                Call::<e::ShareTracking>::new(ShareRequest {
                    language: session.settings.language,
                })
                .at(order.id)
                .token(token),
            ),
        ),
        ..default()
    };
}

fn receive_link(
    mut replies: MessageReader<Reply<e::ShareTracking>>,
    mut phone: ResMut<PhoneLink>,
    time: Res<Time>,
) {
    for reply in replies.read() {
        if phone.pending != Some(reply.id) {
            continue;
        }
        phone.pending = None;
        match &reply.result {
            Ok(link) => phone.link = Some(link.clone()),
            Err(e) => {
                warn!("no phone link for the order: {e}");
                phone.failed_at = Some(time.elapsed_secs_f64());
            }
        }
    }
}

/// The visit is over: the next customer never sees the last one's link.
fn forget(mut phone: ResMut<PhoneLink>) {
    *phone = PhoneLink::default();
}

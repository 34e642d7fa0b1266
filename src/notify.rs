//! Push notifications at the kiosk: follows the push stream of whoever is using the kiosk and
//! turns their order and payment events into toasts, as their notification settings allow.

use bevy::prelude::*;

use crate::schedule::KioskSet;
use customerclient_api::clock::now_ms;
use customerclient_api::orders::OrderStatus;
use customerclient_api::payments::PaymentState;
use customerclient_api::push::{PushEvent, PushKind};

use crate::bridge::{Bridge, PushReceived};
use crate::i18n::{I18n, arg};
use crate::session::CustomerSession;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Toasts>().add_systems(
        Update,
        (follow_push_stream, toast_events)
            .chain()
            .in_set(KioskSet::Receive),
    );
}

/// How long a toast stays on screen, and how many show at once.
pub const TOAST_SECS: f64 = 6.0;
pub const MAX_TOASTS: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub text: String,
    /// App time (s) it appeared.
    pub shown_at: f64,
    pub good_news: bool,
}

#[derive(Resource, Debug, Default)]
pub struct Toasts {
    pub items: Vec<Toast>,
    /// Events older than this (Unix ms) are history replayed on connecting, not news.
    pub news_since: i64,
}

impl Toasts {
    pub fn visible(&self, now: f64) -> impl Iterator<Item = &Toast> {
        self.items
            .iter()
            .filter(move |t| now - t.shown_at < TOAST_SECS)
    }
}

pub fn status_key(s: OrderStatus) -> &'static str {
    use OrderStatus::*;
    match s {
        Placed => "status-placed",
        Accepted => "status-accepted",
        Preparing => "status-preparing",
        CourierAssigned => "status-courier-assigned",
        OnTheWay => "status-on-the-way",
        Delivered => "status-delivered",
        Cancelled => "status-cancelled",
        Failed => "status-failed",
    }
}

/// The toast for an event, if the customer wants to hear about it.
pub fn toast_text(
    i18n: &I18n,
    event: &PushEvent,
    prefs: &customerclient_api::settings::NotificationSettings,
) -> Option<(String, bool)> {
    let number = || arg("number", event.order_number);
    match &event.kind {
        PushKind::OrderStatus { status } if prefs.order_status => Some((
            i18n.t_args(
                "toast-status",
                &[number(), arg("status", i18n.t(status_key(*status)))],
            ),
            !matches!(status, OrderStatus::Cancelled | OrderStatus::Failed),
        )),
        PushKind::Payment { state } if prefs.payments => match state {
            PaymentState::Paid => Some((i18n.t_args("toast-paid", &[number()]), true)),
            PaymentState::Refunded => Some((i18n.t_args("toast-refunded", &[number()]), true)),
            PaymentState::Failed | PaymentState::Expired => {
                Some((i18n.t_args("toast-payment-failed", &[number()]), false))
            }
            _ => None,
        },
        // The map shows the courier moving; a toast per fix would be noise.
        _ => None,
    }
}

/// Keeps the bridge listening to the current session's stream (and to nobody after a wipe).
fn follow_push_stream(
    mut bridge: ResMut<Bridge>,
    session: Res<CustomerSession>,
    mut toasts: ResMut<Toasts>,
) {
    if !bridge.is_connected() {
        return;
    }
    let token = session.token.as_deref();
    if bridge.listening_to() != token {
        bridge.listen(token);
        toasts.items.clear();
        // Allow for clock differences between kiosk and server.
        toasts.news_since = now_ms() - 5_000;
    }
}

fn toast_events(
    mut events: MessageReader<PushReceived>,
    mut toasts: ResMut<Toasts>,
    session: Res<CustomerSession>,
    i18n: Res<I18n>,
    time: Res<Time>,
) {
    let now = time.elapsed_secs_f64();
    for PushReceived(event) in events.read() {
        if event.at < toasts.news_since {
            continue;
        }
        if let Some((text, good_news)) = toast_text(&i18n, event, &session.settings.notifications) {
            toasts.items.push(Toast {
                text,
                shown_at: now,
                good_news,
            });
        }
    }
    toasts.items.retain(|t| now - t.shown_at < TOAST_SECS);
    let excess = toasts.items.len().saturating_sub(MAX_TOASTS);
    toasts.items.drain(..excess);
}

#[cfg(test)]
mod tests {
    use super::*;
    use customerclient_api::settings::NotificationSettings;

    fn event(kind: PushKind) -> PushEvent {
        PushEvent {
            id: 1,
            order_id: uuid::Uuid::nil(),
            order_number: 1042,
            at: 0,
            kind,
        }
    }

    #[test]
    fn toasts_follow_the_notification_settings() {
        let i18n = I18n::default();
        let on = NotificationSettings::default();
        let status = event(PushKind::OrderStatus {
            status: OrderStatus::OnTheWay,
        });
        let paid = event(PushKind::Payment {
            state: PaymentState::Paid,
        });
        let (text, good) = toast_text(&i18n, &status, &on).unwrap();
        assert!(text.contains("1042") && text.contains(&i18n.t("status-on-the-way")));
        assert!(good);
        assert!(toast_text(&i18n, &paid, &on).is_some());
        let quiet = NotificationSettings {
            order_status: false,
            payments: false,
            ..on
        };
        assert!(toast_text(&i18n, &status, &quiet).is_none());
        assert!(toast_text(&i18n, &paid, &quiet).is_none());
        let moved = event(PushKind::CourierPosition {
            x: 1.0,
            y: 2.0,
            progress_m: 3.0,
            eta_at: None,
        });
        assert!(
            toast_text(&i18n, &moved, &on).is_none(),
            "positions never toast"
        );
    }
}

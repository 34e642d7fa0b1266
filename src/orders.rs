//! The customer's orders at the kiosk: the list with details, rating a delivered order,
//! ordering again, cancelling before preparation, and the dashboard from the statistics
//! backend. Also "customers also bought" for the product and cart scenes.

use std::collections::HashMap;

use bevy::prelude::*;

use crate::schedule::KioskSet;
use customerclient_api::catalog::Product;
use customerclient_api::endpoint as e;
use customerclient_api::orders::{MAX_ORDER_PAGE, Order, OrderQuery, OrderStatus, RateRequest};
use customerclient_api::stats::{Dashboard, Period, StatsQuery};
use uuid::Uuid;

use crate::bridge::{Bridge, BridgeError, Call, PushReceived, Reply, RequestId};
use crate::cart::Cart;
use crate::catalog::Catalog;
use crate::failure::Failure;
use crate::screen::Screen;
use crate::session::CustomerSession;
use crate::tracking::TrackAction;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<OrdersState>()
        .init_resource::<Recommendations>()
        .add_message::<OrdersAction>()
        .add_systems(
            OnEnter(Screen::Attract),
            forget.run_if(crate::screen::changed_screen),
        )
        .add_systems(
            Update,
            (
                (receive_orders, follow_order_events, receive_recommendations)
                    .chain()
                    .in_set(KioskSet::Receive),
                (apply_orders_actions, request_recommendations)
                    .chain()
                    .in_set(KioskSet::Apply),
            ),
        );
}

#[derive(Message, Debug, Clone, PartialEq)]
pub enum OrdersAction {
    Open,
    Select(Option<Uuid>),
    ShowDashboard(bool),
    SetPeriod(Period),
    Rate {
        order_id: Uuid,
        stars: i64,
        comment: String,
    },
    /// Puts the order's dishes that are still on sale into the cart.
    Reorder(Uuid),
    /// First tap on *Cancel order*: asks "are you sure?" in place.
    AskCancel(Option<Uuid>),
    Cancel(Uuid),
    Track(Uuid),
    /// Pays an order still waiting for its money: the payment screen, for this order.
    Pay(Uuid),
    /// Shows the selected order's receipt (or back to its details).
    ShowReceipt(bool),
    /// Has the order's receipt e-mailed to the signed-in customer's own address.
    EmailReceipt(Uuid),
    /// Back to the menu.
    Close,
}

#[derive(Resource, Debug, Default)]
pub struct OrdersState {
    pub orders: Vec<Order>,
    pub loaded: bool,
    pub selected: Option<Uuid>,
    pub dashboard_tab: bool,
    pub period: Period,
    pub dashboard: Option<Dashboard>,
    pub failure: Option<Failure>,
    /// The rating being given to the selected order.
    pub stars: i64,
    pub comment: String,
    /// Dishes of the last "order again" no longer on sale.
    pub reorder_skipped: Vec<String>,
    /// The order whose cancellation waits for "yes".
    pub confirm_cancel: Option<Uuid>,
    /// The selected order is shown as its receipt.
    pub receipt_open: bool,
    /// The last receipt asked for by e-mail, and how that went.
    pub receipt_mail: Option<(Uuid, ReceiptMail)>,
    pending: Vec<RequestId>,
    /// The refetch a push event asked for.
    refresh: Option<RequestId>,
}

/// A receipt on its way to the customer's mailbox.
#[derive(Debug, Clone, PartialEq)]
pub enum ReceiptMail {
    Sending(RequestId),
    /// Queued for this address.
    Sent(String),
    Failed(Failure),
}

impl OrdersState {
    pub fn selected_order(&self) -> Option<&Order> {
        self.selected
            .and_then(|id| self.orders.iter().find(|o| o.id == id))
    }

    pub fn is_loading(&self) -> bool {
        !self.pending.is_empty()
    }
}

fn forget(mut state: ResMut<OrdersState>) {
    *state = OrdersState::default();
}

#[allow(clippy::too_many_arguments)]
fn apply_orders_actions(
    mut actions: MessageReader<OrdersAction>,
    mut state: ResMut<OrdersState>,
    mut session: ResMut<CustomerSession>,
    mut cart: ResMut<Cart>,
    catalog: Res<Catalog>,
    bridge: Res<Bridge>,
    mut next: ResMut<NextState<Screen>>,
    mut track: MessageWriter<TrackAction>,
) {
    for action in actions.read() {
        let Some(token) = session.token.clone() else {
            // Nobody to show orders of; the header only offers this with a session.
            continue;
        };
        match action {
            OrdersAction::Open => {
                state.failure = None;
                state.pending.push(bridge.send(orders_call(&token)));
                let period = state.period;
                state.pending.push(bridge.send(stats_call(&token, period)));
                next.set(Screen::Orders);
            }
            OrdersAction::Select(id) => {
                state.selected = *id;
                state.confirm_cancel = None;
                state.receipt_open = false;
                let rating = state.selected_order().and_then(|o| o.rating.clone());
                state.stars = rating.as_ref().map_or(0, |r| r.stars);
                state.comment = rating.map(|r| r.comment).unwrap_or_default();
                state.reorder_skipped.clear();
            }
            OrdersAction::ShowDashboard(on) => state.dashboard_tab = *on,
            OrdersAction::SetPeriod(p) => {
                state.period = *p;
                state.pending.push(bridge.send(stats_call(&token, *p)));
            }
            OrdersAction::Rate {
                order_id,
                stars,
                comment,
            } => {
                let rating = RateRequest {
                    stars: *stars,
                    comment: comment.clone(),
                };
                state
                    .pending
                    .push(bridge.send(Call::<e::RateOrder>::new(rating).at(order_id).token(token)));
            }
            OrdersAction::AskCancel(id) => state.confirm_cancel = *id,
            OrdersAction::Cancel(id) => {
                state.confirm_cancel = None;
                state
                    .pending
                    .push(bridge.send(Call::<e::CancelOrder>::empty().at(id).token(token)));
            }
            OrdersAction::Reorder(id) => {
                let Some(order) = state.orders.iter().find(|o| o.id == *id).cloned() else {
                    continue;
                };
                let mut skipped = Vec::new();
                for line in &order.lines {
                    match catalog.product(line.product_id) {
                        Some(p) if p.available => cart.add(p, line.quantity as u32),
                        _ => skipped.push(line.name.clone()),
                    }
                }
                state.reorder_skipped = skipped;
                if !cart.is_empty() {
                    next.set(Screen::Cart);
                }
            }
            OrdersAction::Track(id) => {
                track.write(TrackAction::Follow(*id));
            }
            OrdersAction::Pay(id) => {
                if let Some(order) = state
                    .orders
                    .iter()
                    .find(|o| o.id == *id)
                    .filter(|o| can_pay(o))
                {
                    session.last_order = Some(order.clone());
                    next.set(Screen::Payment);
                }
            }
            OrdersAction::ShowReceipt(on) => state.receipt_open = *on,
            OrdersAction::EmailReceipt(id) => {
                let busy = matches!(state.receipt_mail, Some((_, ReceiptMail::Sending(_))));
                if !busy {
                    let req = bridge.send(Call::<e::EmailReceipt>::empty().at(id).token(token));
                    state.receipt_mail = Some((*id, ReceiptMail::Sending(req)));
                }
            }
            OrdersAction::Close => next.set(Screen::Gallery),
        }
    }
}

/// The newest orders, one page at the largest size: all a kiosk screen shows.
fn orders_call(token: &str) -> Call<e::GetOrders> {
    Call::empty()
        .query(OrderQuery {
            limit: Some(MAX_ORDER_PAGE),
            offset: None,
        })
        .token(token)
}

fn stats_call(token: &str, period: Period) -> Call<e::GetStats> {
    Call::empty().query(StatsQuery { period }).token(token)
}

/// What one of the screen's requests came back with.
enum Answer<'a> {
    Orders(&'a [Order]),
    Dashboard(&'a Dashboard),
    /// A rating or a cancellation: the order as it is now.
    Order(&'a Order),
}

fn receive_orders(
    mut lists: MessageReader<Reply<e::GetOrders>>,
    mut stats: MessageReader<Reply<e::GetStats>>,
    mut rated: MessageReader<Reply<e::RateOrder>>,
    mut cancelled: MessageReader<Reply<e::CancelOrder>>,
    mut mailed: MessageReader<Reply<e::EmailReceipt>>,
    mut state: ResMut<OrdersState>,
) {
    for reply in mailed.read() {
        if let Some((_, sent)) = &mut state.receipt_mail
            && *sent == ReceiptMail::Sending(reply.id)
        {
            *sent = match &reply.result {
                Ok(r) => ReceiptMail::Sent(r.to.clone()),
                Err(e) => ReceiptMail::Failed(Failure::from(e)),
            };
        }
    }
    let answers = lists
        .read()
        .map(|r| r.map(|l| Answer::Orders(&l.orders)))
        .chain(stats.read().map(|r| r.map(Answer::Dashboard)))
        .chain(rated.read().map(|r| r.map(Answer::Order)))
        .chain(cancelled.read().map(|r| r.map(Answer::Order)));
    for (id, answer) in answers {
        settle(&mut state, id, answer);
    }
}

fn settle(state: &mut OrdersState, id: RequestId, answer: Result<Answer, &BridgeError>) {
    if !state.pending.contains(&id) {
        return;
    }
    state.pending.retain(|p| *p != id);
    if state.refresh == Some(id) {
        state.refresh = None;
    }
    match answer {
        Ok(Answer::Orders(orders)) => {
            state.orders = orders.to_vec();
            state.loaded = true;
        }
        Ok(Answer::Dashboard(d)) => state.dashboard = Some(d.clone()),
        Ok(Answer::Order(order)) => {
            if let Some(o) = state.orders.iter_mut().find(|o| o.id == order.id) {
                *o = order.clone();
            }
        }
        Err(e) => state.failure = Some(Failure::from(e)),
    }
}

/// Keeps the list true while it is shown: a push event about one of the customer's orders
/// (its status, its payment) fetches the list again. Events come for this customer only.
fn follow_order_events(
    mut events: MessageReader<PushReceived>,
    mut state: ResMut<OrdersState>,
    session: Res<CustomerSession>,
    bridge: Res<Bridge>,
    screen: Res<State<Screen>>,
) {
    let mut stale = false;
    for PushReceived(event) in events.read() {
        stale |= matches!(
            event.kind,
            customerclient_api::push::PushKind::OrderStatus { .. }
                | customerclient_api::push::PushKind::Payment { .. }
        );
    }
    if !stale || *screen.get() != Screen::Orders || !state.loaded {
        return;
    }
    let Some(token) = session.token.clone() else {
        return;
    };
    // One refresh in flight at a time; a burst of events needs only one.
    if state.refresh.is_none() {
        let id = bridge.send(orders_call(&token));
        state.refresh = Some(id);
        state.pending.push(id);
    }
}

/// Orders still waiting for money the kiosk can take: the QR code or a card.
pub fn can_pay(order: &Order) -> bool {
    use customerclient_api::payments::PaymentState;
    matches!(
        order.payment_state,
        PaymentState::AwaitingPayment | PaymentState::Failed | PaymentState::Expired
    ) && order.status.is_active()
}

/// Orders a customer may still cancel.
pub fn can_cancel(order: &Order) -> bool {
    order.status.can_become(OrderStatus::Cancelled)
}

/// "Customers also bought", per product, fetched once each.
#[derive(Resource, Debug, Default)]
pub struct Recommendations {
    pub by_product: HashMap<i64, Vec<Product>>,
    pending: HashMap<RequestId, i64>,
}

impl Recommendations {
    /// Suggestions for a cart: what goes with its lines, without what is already in it.
    pub fn for_cart(&self, in_cart: &[i64], limit: usize) -> Vec<Product> {
        let mut out: Vec<Product> = Vec::new();
        for id in in_cart {
            for p in self.by_product.get(id).into_iter().flatten() {
                if !in_cart.contains(&p.id) && out.iter().all(|o| o.id != p.id) {
                    out.push(p.clone());
                }
            }
        }
        out.truncate(limit);
        out
    }
}

fn request_recommendations(
    mut recs: ResMut<Recommendations>,
    session: Res<CustomerSession>,
    cart: Res<Cart>,
    bridge: Res<Bridge>,
) {
    if !bridge.is_connected() {
        return;
    }
    let wanted = session
        .selected_product
        .into_iter()
        .chain(cart.lines.iter().map(|l| l.product.id));
    for id in wanted {
        if !recs.by_product.contains_key(&id) && !recs.pending.values().any(|p| *p == id) {
            let req = bridge.send(Call::<e::GetAlsoBought>::empty().at(id));
            recs.pending.insert(req, id);
        }
    }
}

fn receive_recommendations(
    mut replies: MessageReader<Reply<e::GetAlsoBought>>,
    mut recs: ResMut<Recommendations>,
) {
    for reply in replies.read() {
        let Some(product) = recs.pending.remove(&reply.id) else {
            continue;
        };
        match &reply.result {
            Ok(r) => {
                recs.by_product.insert(product, r.products.clone());
            }
            // Nice to have, not needed: an empty row, and no retry storm.
            _ => {
                recs.by_product.insert(product, Vec::new());
            }
        }
    }
}

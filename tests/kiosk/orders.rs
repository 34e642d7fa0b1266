//! The signed-in customer's orders and dashboard, live over push events.

use crate::harness::*;

#[test]
fn the_demo_customer_sees_orders_and_dashboard_and_orders_again() {
    use customerclient::orders::{OrdersAction, OrdersState};
    use customerclient_api::stats::Period;
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with_catalog(embedded(&dir));
    sign_in_demo(&mut app);
    app.world_mut().write_message(OrdersAction::Open);
    run_until(
        &mut app,
        "orders and dashboard",
        Duration::from_secs(20),
        |w| {
            let s = w.resource::<OrdersState>();
            screen(w) == Screen::Orders && s.loaded && s.dashboard.is_some() && !s.is_loading()
        },
    );
    let (first, count, month) = {
        let s = app.world().resource::<OrdersState>();
        let d = s.dashboard.as_ref().unwrap();
        (s.orders[0].clone(), s.orders.len(), d.order_count)
    };
    assert!(count >= 60, "{count} orders");
    assert!(month > 0 && (month as usize) < count);
    app.world_mut()
        .write_message(OrdersAction::SetPeriod(Period::All));
    run_until(
        &mut app,
        "the all-time dashboard",
        Duration::from_secs(20),
        |w| {
            w.resource::<OrdersState>()
                .dashboard
                .as_ref()
                .is_some_and(|d| d.period == Period::All)
        },
    );
    let all = app
        .world()
        .resource::<OrdersState>()
        .dashboard
        .clone()
        .unwrap();
    let counted = app
        .world()
        .resource::<OrdersState>()
        .orders
        .iter()
        .filter(|o| o.status != OrderStatus::Cancelled)
        .count();
    assert_eq!(all.order_count as usize, counted);

    // Order again: the still-available dishes go into the cart, then the cart opens.
    app.world_mut()
        .write_message(OrdersAction::Select(Some(first.id)));
    app.world_mut()
        .write_message(OrdersAction::Reorder(first.id));
    run_until(&mut app, "the cart", Duration::from_secs(10), |w| {
        screen(w) == Screen::Cart
    });
    let world = app.world();
    let cart = world.resource::<Cart>();
    let skipped = &world.resource::<OrdersState>().reorder_skipped;
    assert_eq!(cart.lines.len() + skipped.len(), first.lines.len());
    for line in &first.lines {
        let in_cart = cart.lines.iter().find(|l| l.product.id == line.product_id);
        assert!(
            in_cart.is_some_and(|l| l.quantity as i64 == line.quantity)
                || skipped.contains(&line.name)
        );
    }
}

#[test]
fn my_orders_follow_push_events_show_the_payment_and_pay_an_unpaid_order() {
    use customerclient::orders::{OrdersAction, OrdersState, can_pay};
    use customerclient::payment::{PayStage, PaymentFlow};
    use customerclient_api::orders::PaymentMethod;
    use customerclient_api::payments::PaymentState;
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with_catalog(embedded(&dir));
    sign_in_demo(&mut app);
    // A QR order the customer walks away from before paying.
    let id = app.world().resource::<Catalog>().products[3].id;
    checkout_with(&mut app, id, 1);
    app.world_mut().resource_mut::<CheckoutForm>().payment = PaymentMethod::QrBankApp;
    send(&mut app, ShopAction::PlaceOrder);
    run_until(&mut app, "the QR code", Duration::from_secs(20), |w| {
        w.resource::<PaymentFlow>().stage == PayStage::ShowingQr
    });
    let order = app.world().resource::<PaymentFlow>().order.clone().unwrap();
    app.world_mut().write_message(OrdersAction::Open);
    run_until(&mut app, "my orders", Duration::from_secs(20), |w| {
        let s = w.resource::<OrdersState>();
        screen(w) == Screen::Orders && s.loaded && !s.is_loading()
    });
    let listed = |w: &World| {
        w.resource::<OrdersState>()
            .orders
            .iter()
            .find(|o| o.id == order.id)
            .cloned()
    };
    let mine = listed(app.world()).expect("the new order is listed");
    assert_eq!(mine.payment_state, PaymentState::AwaitingPayment);
    assert!(can_pay(&mine), "an unpaid QR order offers Pay now");

    // The kitchen accepts it: a push event, and the open list follows by itself.
    let base = app
        .world()
        .resource::<Bridge>()
        .base_url()
        .unwrap()
        .to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt
        .block_on(
            reqwest::Client::new()
                .post(format!(
                    "{base}{}",
                    customerclient_api::orders::courier_status_path(order.id)
                ))
                .header(
                    customerclient_api::orders::COURIER_TOKEN_HEADER,
                    customerclient_backend::DEMO_COURIER_TOKEN,
                )
                .json(&customerclient_api::orders::StatusUpdate {
                    status: OrderStatus::Accepted,
                    note: String::new(),
                })
                .send(),
        )
        .unwrap()
        .status();
    assert!(status.is_success(), "{status}");
    run_until(
        &mut app,
        "the list to follow",
        Duration::from_secs(10),
        |w| listed(w).is_some_and(|o| o.status == OrderStatus::Accepted),
    );
    assert_eq!(screen(app.world()), Screen::Orders, "no reopening needed");

    // Pay now: the payment screen, for this order, with its QR code.
    app.world_mut().write_message(OrdersAction::Pay(order.id));
    run_until(&mut app, "paying the order", Duration::from_secs(20), |w| {
        let f = w.resource::<PaymentFlow>();
        screen(w) == Screen::Payment
            && f.order.as_ref().is_some_and(|o| o.id == order.id)
            && f.stage == PayStage::ShowingQr
    });
    // Back to the menu from My orders.
    app.world_mut().write_message(OrdersAction::Open);
    run_until(&mut app, "my orders", Duration::from_secs(20), |w| {
        screen(w) == Screen::Orders
    });
    app.world_mut().write_message(OrdersAction::Close);
    run_until(&mut app, "the menu", Duration::from_secs(5), |w| {
        screen(w) == Screen::Gallery
    });
}

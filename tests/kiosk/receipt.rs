//! Receipts from the kiosk: a guest's optional e-mail at checkout (checked next to its field
//! before anything is sent), and a signed-in customer's past order shown as its receipt and
//! e-mailed to their own address. The embedded backend's outbox is read for the messages.

use crate::harness::*;

/// Runs frames until the outbox holds a message to `to` carrying `attachment`; its raw text.
fn mailed(app: &mut App, dir: &tempfile::TempDir, to: &str, attachment: &str) -> String {
    let outbox = dir.path().join("outbox");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let found = std::fs::read_dir(&outbox).ok().and_then(|entries| {
            entries.flatten().find_map(|e| {
                let text = std::fs::read_to_string(e.path()).ok()?;
                (text.contains(&format!("To: {to}")) && text.contains(attachment)).then_some(text)
            })
        });
        if let Some(text) = found {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no message to {to} with {attachment}"
        );
        app.update();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_guest_leaves_an_e_mail_at_checkout_and_gets_the_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with_catalog(embedded(&dir));
    checkout_with(&mut app, 1, 2);

    // A wrong address is said next to its field; nothing is sent.
    app.world_mut().resource_mut::<CheckoutForm>().email = "vera at example".into();
    send(&mut app, ShopAction::PlaceOrder);
    app.update();
    {
        let form = app.world().resource::<CheckoutForm>();
        assert_eq!(form.errors.email, Some("error-email"));
        assert_eq!(form.submit, SubmitState::Editing);
    }

    app.world_mut().resource_mut::<CheckoutForm>().email = "vera@example.com".into();
    send(&mut app, ShopAction::PlaceOrder);
    run_until(&mut app, "the confirmation", Duration::from_secs(20), |w| {
        screen(w) == Screen::Confirmation
    });
    let order = app
        .world()
        .resource::<CustomerSession>()
        .last_order
        .clone()
        .unwrap();
    // Paid on delivery: the receipt goes at once, its PDF attached.
    let mail = mailed(
        &mut app,
        &dir,
        "vera@example.com",
        &format!("receipt-{}.pdf", order.number),
    );
    assert!(mail.contains("application/pdf"));
}

#[test]
fn a_customer_opens_a_past_orders_receipt_and_has_it_e_mailed() {
    use customerclient::orders::{OrdersAction, OrdersState, ReceiptMail};
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with_catalog(embedded(&dir));
    sign_in_demo(&mut app);
    app.world_mut().write_message(OrdersAction::Open);
    run_until(&mut app, "the orders", Duration::from_secs(20), |w| {
        w.resource::<OrdersState>().loaded
    });
    // An old order: from the seeded year of history, never mailed before.
    let old = app.world().resource::<OrdersState>().orders[5].clone();
    app.world_mut()
        .write_message(OrdersAction::Select(Some(old.id)));
    app.world_mut()
        .write_message(OrdersAction::ShowReceipt(true));
    app.update();
    assert!(app.world().resource::<OrdersState>().receipt_open);

    app.world_mut()
        .write_message(OrdersAction::EmailReceipt(old.id));
    run_until(&mut app, "the receipt sent", Duration::from_secs(20), |w| {
        matches!(
            w.resource::<OrdersState>().receipt_mail,
            Some((_, ReceiptMail::Sent(_)))
        )
    });
    let demo = customerclient_backend::seed::history::DEMO_EMAIL;
    assert_eq!(
        app.world().resource::<OrdersState>().receipt_mail,
        Some((old.id, ReceiptMail::Sent(demo.to_owned())))
    );
    mailed(&mut app, &dir, demo, &format!("receipt-{}.pdf", old.number));

    // Another order's details close the receipt.
    let other = app.world().resource::<OrdersState>().orders[0].id;
    app.world_mut()
        .write_message(OrdersAction::Select(Some(other)));
    app.update();
    assert!(!app.world().resource::<OrdersState>().receipt_open);
}

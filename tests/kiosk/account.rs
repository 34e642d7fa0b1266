//! Signing up with the mailed code, signing in, a guest's addresses.

use crate::harness::*;

#[test]
fn a_customer_signs_up_with_the_mailed_code_and_signs_in_again() {
    use customerclient::account::{AccountAction, AccountFlow, AccountMode};

    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with_catalog(embedded(&dir));
    send(&mut app, ShopAction::Start);
    run_until(&mut app, "the gallery", Duration::from_secs(5), |w| {
        screen(w) == Screen::Gallery
    });
    app.world_mut().write_message(AccountAction::Open);
    run_until(
        &mut app,
        "the account screen",
        Duration::from_secs(5),
        |w| screen(w) == Screen::Account,
    );
    app.world_mut()
        .write_message(AccountAction::SetMode(AccountMode::SignUp));
    app.update();
    {
        let mut flow = app.world_mut().resource_mut::<AccountFlow>();
        flow.form.login = "mila".into();
        flow.form.email = "mila@example.com".into();
        flow.form.phone = "+7 900 555 44 33".into();
        *flow.form.password = "berry-smoothie".into();
        *flow.form.password_again = "berry-smoothie".into();
    }
    app.world_mut().write_message(AccountAction::Submit);
    run_until(&mut app, "the code screen", Duration::from_secs(30), |w| {
        w.resource::<AccountFlow>().mode == AccountMode::Verify
    });
    // The screen's step follows at the next transition, without a touch.
    app.update();
    assert_eq!(step::<AccountMode>(app.world()), Some(AccountMode::Verify));

    // The embedded backend's outbox is beside its database.
    let outbox = dir.path().join("outbox");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let code = loop {
        let found = std::fs::read_dir(&outbox).ok().and_then(|entries| {
            entries.flatten().find_map(|e| {
                let text = std::fs::read_to_string(e.path()).ok()?;
                let subject = text.lines().find(|l| l.starts_with("Subject:"))?.to_owned();
                text.contains("mila@example.com").then(|| {
                    subject
                        .chars()
                        .filter(|c| c.is_ascii_digit())
                        .collect::<String>()
                })
            })
        });
        if let Some(code) = found.filter(|c| c.len() == 6) {
            break code;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no mail in the outbox"
        );
        app.update();
        std::thread::sleep(Duration::from_millis(20));
    };
    app.world_mut().resource_mut::<AccountFlow>().form.code = code;
    app.world_mut().write_message(AccountAction::Submit);
    run_until(&mut app, "signed in", Duration::from_secs(30), |w| {
        w.resource::<CustomerSession>().account.is_some()
    });
    run_until(
        &mut app,
        "back where the customer came from",
        Duration::from_secs(5),
        |w| screen(w) == Screen::Gallery,
    );
    let session = app.world().resource::<CustomerSession>();
    assert_eq!(
        session.account.as_ref().unwrap().login.as_deref(),
        Some("mila")
    );

    // Sign out, then in again with the password.
    app.world_mut().write_message(AccountAction::SignOut);
    app.update();
    assert!(app.world().resource::<CustomerSession>().account.is_none());
    app.world_mut().write_message(AccountAction::Open);
    run_until(
        &mut app,
        "the account screen",
        Duration::from_secs(5),
        |w| screen(w) == Screen::Account,
    );
    {
        let mut flow = app.world_mut().resource_mut::<AccountFlow>();
        flow.form.login = "mila@example.com".into();
        *flow.form.password = "berry-smoothie".into();
    }
    app.world_mut().write_message(AccountAction::Submit);
    run_until(&mut app, "signed in again", Duration::from_secs(30), |w| {
        w.resource::<CustomerSession>().account.is_some()
    });

    // Pay by card and keep it; the next order is paid with the saved card in one tap.
    use customerclient::payment::{CardForm, PayAction, PayStage, PaymentFlow};
    use customerclient_api::orders::PaymentMethod;
    let pay_by_card = |app: &mut App| {
        let id = app.world().resource::<Catalog>().products[4].id;
        send(
            app,
            ShopAction::AddToCart {
                product_id: id,
                quantity: 1,
            },
        );
        send(app, ShopAction::Checkout);
        run_until(app, "checkout", Duration::from_secs(5), |w| {
            screen(w) == Screen::Checkout
        });
        fill_address(app);
        app.world_mut().resource_mut::<CheckoutForm>().payment = PaymentMethod::CardInApp;
        send(app, ShopAction::PlaceOrder);
        run_until(app, "the card form", Duration::from_secs(30), |w| {
            w.resource::<PaymentFlow>().stage == PayStage::CardEntry
        });
    };
    pay_by_card(&mut app);
    {
        let mut form = app.world_mut().resource_mut::<CardForm>();
        for d in "55555555555544441230737".chars() {
            form.type_digit(d);
        }
        form.save = true;
    }
    app.world_mut().write_message(PayAction::SubmitCard);
    run_until(&mut app, "the saved card", Duration::from_secs(30), |w| {
        !w.resource::<CustomerSession>().cards.is_empty()
    });
    let saved = app.world().resource::<CustomerSession>().cards[0].clone();
    assert_eq!(saved.last4, "4444");
    send(&mut app, ShopAction::ShowGallery);
    run_until(&mut app, "the gallery", Duration::from_secs(5), |w| {
        screen(w) == Screen::Gallery
    });
    pay_by_card(&mut app);
    app.world_mut().write_message(PayAction::PaySaved(saved.id));
    run_until(&mut app, "the confirmation", Duration::from_secs(30), |w| {
        screen(w) == Screen::Confirmation
    });
    let order = app
        .world()
        .resource::<CustomerSession>()
        .last_order
        .clone()
        .unwrap();
    assert_eq!(order.card.unwrap().last4, "4444");
}

#[test]
fn a_guest_keeps_addresses_for_the_session_with_one_default() {
    use customerclient::account::AccountAction;
    use customerclient_api::settings::AddressInput;

    let mut app = app(KioskConfig::new(BackendTarget::Remote {
        base_url: "http://127.0.0.1:9".into(),
    }));
    let input = |label: &str, default: bool| AddressInput {
        label: label.into(),
        city: "Kazan".into(),
        address: format!("{label} street 1"),
        is_default: default,
    };
    app.world_mut().write_message(AccountAction::SaveAddress {
        id: None,
        address: input("Home", false),
    });
    app.world_mut().write_message(AccountAction::SaveAddress {
        id: None,
        address: input("Work", false),
    });
    app.update();
    let addresses = app.world().resource::<CustomerSession>().addresses.clone();
    assert_eq!(addresses.len(), 2);
    assert!(
        addresses[0].is_default && !addresses[1].is_default,
        "the first is the default"
    );

    let work = addresses[1].id;
    app.world_mut().write_message(AccountAction::SaveAddress {
        id: Some(work),
        address: input("Office", true),
    });
    app.update();
    let addresses = app.world().resource::<CustomerSession>().addresses.clone();
    assert_eq!(addresses.len(), 2, "edited in place");
    assert_eq!(addresses[1].label, "Office");
    assert_eq!(addresses.iter().filter(|a| a.is_default).count(), 1);
    assert!(addresses[1].is_default);

    send(&mut app, ShopAction::StartOver);
    app.update();
    assert!(
        app.world()
            .resource::<CustomerSession>()
            .addresses
            .is_empty(),
        "forgotten with the session"
    );
}

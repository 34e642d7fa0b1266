//! Browsing, the cart and checkout against the embedded backend.

use crate::harness::*;

#[test]
fn customer_orders_two_dishes_through_the_embedded_backend() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = embedded(&dir);
    config.identity = customerclient::config::KioskIdentity::kept_in(dir.path());
    config.identity.store = Some("Arbat 12".into());
    let kiosk_id = config.identity.id.clone();
    let mut app = app_with_catalog(config);

    let catalog = app.world().resource::<Catalog>();
    assert!(catalog.products.len() >= 48);
    assert!(catalog.categories.len() >= 6);
    let picks: Vec<_> = catalog
        .products
        .iter()
        .filter(|p| p.available)
        .take(10)
        .cloned()
        .collect();
    let (a, b) = (picks[2].clone(), picks[7].clone());

    send(&mut app, ShopAction::Start);
    send(
        &mut app,
        ShopAction::AddToCart {
            product_id: a.id,
            quantity: 2,
        },
    );
    send(
        &mut app,
        ShopAction::AddToCart {
            product_id: b.id,
            quantity: 1,
        },
    );
    send(&mut app, ShopAction::OpenCart);
    run_until(&mut app, "the cart", Duration::from_secs(5), |w| {
        screen(w) == Screen::Cart
    });
    assert_eq!(app.world().resource::<Cart>().item_count(), 3);

    send(&mut app, ShopAction::Checkout);
    run_until(&mut app, "checkout", Duration::from_secs(5), |w| {
        screen(w) == Screen::Checkout
    });
    fill_address(&mut app);
    send(&mut app, ShopAction::PlaceOrder);
    run_until(&mut app, "the confirmation", Duration::from_secs(30), |w| {
        screen(w) == Screen::Confirmation
    });

    let session = app.world().resource::<CustomerSession>();
    let order: Order = session
        .last_order
        .clone()
        .expect("the confirmation shows the order");
    assert!(
        app.world().resource::<Cart>().is_empty(),
        "the cart is emptied once the order is placed"
    );
    assert_eq!(order.lines.len(), 2);
    assert_eq!(
        (order.lines[0].product_id, order.lines[0].quantity),
        (a.id, 2)
    );
    assert_eq!(
        (order.lines[1].product_id, order.lines[1].quantity),
        (b.id, 1)
    );
    assert_eq!(
        order.products_total.minor,
        a.price.minor * 2 + b.price.minor
    );
    assert_eq!(
        order.total.minor,
        order.products_total.minor + order.delivery_price.minor
    );

    // The backend holds exactly this order for this customer.
    let token = session.token.clone().expect("a guest session was opened");
    let base = app
        .world()
        .resource::<Bridge>()
        .base_url()
        .unwrap()
        .to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let list: OrderList = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{base}/api/v1/orders"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(list.orders, vec![order]);

    // "Start a new order" forgets the customer.
    send(&mut app, ShopAction::StartOver);
    run_until(
        &mut app,
        "the attract screen",
        Duration::from_secs(5),
        |w| screen(w) == Screen::Attract,
    );
    let session = app.world().resource::<CustomerSession>();
    assert!(session.token.is_none() && session.last_order.is_none());
    assert!(app.world().resource::<Cart>().is_empty());

    // Every request named the kiosk: the backend lists it for the chain's staff.
    let (rt, http, base) = app.world().resource::<Bridge>().blocking_parts().unwrap();
    let seen: customerclient_api::kiosk::KioskList = rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let list: customerclient_api::kiosk::KioskList = http
                .get(format!("{base}{}", customerclient_api::kiosk::KIOSKS_PATH))
                .header(
                    customerclient_api::orders::COURIER_TOKEN_HEADER,
                    customerclient_backend::DEMO_COURIER_TOKEN,
                )
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if !list.kiosks.is_empty() || Instant::now() > deadline {
                break list;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    assert_eq!(seen.kiosks.len(), 1, "{seen:?}");
    assert_eq!(seen.kiosks[0].id, kiosk_id);
    assert_eq!(seen.kiosks[0].store.as_deref(), Some("Arbat 12"));
    assert_eq!(
        seen.kiosks[0].version.as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    // The id is kept: the same machine names itself the same way next time.
    assert_eq!(
        customerclient::config::KioskIdentity::kept_in(dir.path()).id,
        kiosk_id
    );
}

#[test]
fn a_form_with_errors_is_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with_catalog(embedded(&dir));
    let id = app.world().resource::<Catalog>().products[0].id;
    send(
        &mut app,
        ShopAction::AddToCart {
            product_id: id,
            quantity: 1,
        },
    );
    send(&mut app, ShopAction::Checkout);
    run_until(&mut app, "checkout", Duration::from_secs(5), |w| {
        screen(w) == Screen::Checkout
    });
    app.world_mut().resource_mut::<CheckoutForm>().phone = "12".into();
    // The cart asks for "customers also bought"; let that finish so only an order could count.
    run_until(&mut app, "suggestions", Duration::from_secs(10), |w| {
        w.resource::<customerclient::orders::Recommendations>()
            .by_product
            .contains_key(&id)
            && w.resource::<Bridge>().in_flight() == 0
    });
    send(&mut app, ShopAction::PlaceOrder);
    app.update();

    let form = app.world().resource::<CheckoutForm>();
    assert!(form.errors.address.is_some());
    assert!(form.errors.phone.is_some());
    assert!(
        form.errors.city.is_none(),
        "the first city is chosen for the customer"
    );
    assert_eq!(form.submit, SubmitState::Editing);
    assert_eq!(
        app.world().resource::<Bridge>().in_flight(),
        0,
        "nothing was sent"
    );
    assert_eq!(screen(app.world()), Screen::Checkout);
}

#[test]
fn a_large_catalog_shows_its_first_page_at_once_and_then_every_product_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = embedded(&dir);
    config.catalog_size = Some(450); // three pages of 200
    let mut app = app(config);
    run_until(&mut app, "the first page", Duration::from_secs(120), |w| {
        !w.resource::<Catalog>().products.is_empty()
    });
    let catalog = app.world().resource::<Catalog>();
    assert_eq!(
        catalog.state,
        LoadState::Loading,
        "the other pages are on their way"
    );
    let first: Vec<i64> = catalog.products.iter().map(|p| p.id).collect();
    assert_eq!(first.len(), customerclient::catalog::PAGE_SIZE as usize);
    run_until(
        &mut app,
        "the whole catalog",
        Duration::from_secs(30),
        |w| w.resource::<Catalog>().is_ready(),
    );
    let catalog = app.world().resource::<Catalog>();
    let all: Vec<i64> = catalog.products.iter().map(|p| p.id).collect();
    assert_eq!(all.len(), 450);
    assert_eq!(
        &all[..first.len()],
        &first[..],
        "the first page keeps its place"
    );
    let mut unique = all.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 450, "no product twice");
    assert!(all.iter().all(|&id| catalog.product(id).is_some()));
}

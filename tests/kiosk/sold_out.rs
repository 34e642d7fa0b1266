//! Sold out in real time at the kiosk: two kiosks (headless) on one backend; the operator
//! marks a dish sold out and both grey it within a second; the one whose customer has it in
//! the cart says so before they pay and sends no order; the dish cannot be added; back on
//! sale, both show it again. A menu imported while they run reaches both between customers.

use crate::harness::*;

fn remote(base: &str) -> KioskConfig {
    KioskConfig::new(BackendTarget::Remote {
        base_url: base.to_owned(),
    })
}

/// Runs both kiosks' frames until `done` holds for both; the time it took.
fn both_until(
    apps: &mut [&mut App; 2],
    what: &str,
    limit: Duration,
    done: impl Fn(&World) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        for app in apps.iter_mut() {
            app.update();
        }
        if apps.iter().all(|a| done(a.world())) {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn available(world: &World, id: i64) -> bool {
    world.resource::<Catalog>().product(id).unwrap().available
}

#[test]
fn a_dish_sold_out_greys_on_two_kiosks_at_once_and_the_cart_says_so_before_paying() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let backend = rt.block_on(async {
        let mut config = customerclient_backend::Config::new(customerclient_backend::sqlite_url(
            &dir.path().join("shop.sqlite"),
        ));
        config.seed_videos = false;
        customerclient_backend::start(&config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap()
    });
    let base = backend.url();
    let mut one = app_with_catalog(remote(&base));
    let mut two = app_with_catalog(remote(&base));
    let dish = 4;
    assert!(available(one.world(), dish) && available(two.world(), dish));

    // The first kiosk's customer has the dish in the cart, at the checkout.
    send(&mut one, ShopAction::Start);
    checkout_with(&mut one, dish, 2);

    let operator = |available: bool| {
        rt.block_on(async {
            reqwest::Client::new()
                .put(format!("{base}/api/v1/operator/menu/P{dish}/availability"))
                .header(
                    "X-Operator-Token",
                    customerclient_backend::DEMO_OPERATOR_TOKEN,
                )
                .json(&serde_json::json!({ "available": available }))
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    assert_eq!(operator(false), reqwest::StatusCode::OK);
    let took = both_until(
        &mut [&mut one, &mut two],
        "the dish greyed on both kiosks",
        Duration::from_secs(1),
        |w| !available(w, dish),
    );
    println!("sold out on both kiosks {took:?} after the operator's answer");

    // The cart knows before the customer pays: placing the order stops at the form.
    assert!(one.world().resource::<Cart>().has_sold_out());
    send(&mut one, ShopAction::PlaceOrder);
    one.update();
    let form = one.world().resource::<CheckoutForm>();
    assert_eq!(form.errors.cart, Some("error-cart-sold-out"));
    assert_eq!(form.submit, SubmitState::Editing, "no order was sent");
    // Back in the cart, the way on to checkout is closed until the dish is removed.
    send(&mut one, ShopAction::OpenCart);
    send(&mut one, ShopAction::Checkout);
    one.update();
    one.update();
    assert_eq!(screen(one.world()), Screen::Cart);
    send(&mut one, ShopAction::Remove(dish));
    one.update();
    assert!(one.world().resource::<Cart>().is_empty());

    // The other kiosk cannot add it.
    send(&mut two, ShopAction::Start);
    send(
        &mut two,
        ShopAction::AddToCart {
            product_id: dish,
            quantity: 1,
        },
    );
    two.update();
    assert!(two.world().resource::<Cart>().is_empty());

    // Back on sale: both show it again.
    assert_eq!(operator(true), reqwest::StatusCode::OK);
    both_until(
        &mut [&mut one, &mut two],
        "the dish back on both kiosks",
        Duration::from_secs(1),
        |w| available(w, dish),
    );

    // A new menu imported (by another process: its own connection to the database) while
    // both kiosks have customers: each hears of it and keeps the menu its customer is
    // browsing, then loads the new one when the visit ends.
    rt.block_on(async {
        let store = customerclient_backend::store::Store::connect(
            &customerclient_backend::sqlite_url(&dir.path().join("shop.sqlite")),
        )
        .await
        .unwrap();
        let menu =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/menu-sample/menu.json");
        customerclient_backend::menu::import(&store, &menu, Some("RUB"))
            .await
            .unwrap();
    });
    both_until(
        &mut [&mut one, &mut two],
        "both kiosks told of the new menu",
        Duration::from_secs(2),
        |w| w.resource::<Catalog>().menu_outdated(),
    );
    let demo_dishes = one.world().resource::<Catalog>().products.len();
    assert!(demo_dishes > 3, "the customer's menu stays while they shop");
    for app in [&mut one, &mut two] {
        send(app, ShopAction::StartOver);
    }
    both_until(
        &mut [&mut one, &mut two],
        "the new menu on both kiosks",
        Duration::from_secs(5),
        |w| {
            let c = w.resource::<Catalog>();
            c.is_ready() && !c.menu_outdated() && c.products.len() == 3
        },
    );
    let names: Vec<String> = one
        .world()
        .resource::<Catalog>()
        .products
        .iter()
        .map(|p| p.name.clone())
        .collect();
    assert!(names.iter().any(|n| n == "Pelmeni"), "{names:?}");
    drop(one);
    drop(two);
    rt.block_on(backend.stop());
}

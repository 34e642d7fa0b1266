//! The kiosk without a window: `MinimalPlugins` + the core plugin, driven by the same shop
//! actions the buttons send, against the real embedded backend (or a broken one).

use std::net::TcpListener;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use customerclient::bridge::Bridge;
use customerclient::cart::Cart;
use customerclient::catalog::{Catalog, LoadState};
use customerclient::checkout::{CheckoutForm, SubmitState};
use customerclient::failure::Failure;
use customerclient::session::{CustomerSession, ShopAction};
use customerclient::tracking::{TrackAction, TrackingState};
use customerclient::{BackendTarget, KioskConfig, KioskCorePlugin, Screen};
use customerclient_api::city::Point;
use customerclient_api::orders::{DeliveryMethod, Order, OrderList, OrderStatus};

fn app(config: KioskConfig) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin, KioskCorePlugin { config }));
    app
}

/// The app once its catalog has loaded.
fn app_with_catalog(config: KioskConfig) -> App {
    let mut app = app(config);
    run_until(&mut app, "the catalog", Duration::from_secs(60), |w| {
        w.resource::<Catalog>().is_ready()
    });
    app
}

/// The embedded backend without its delivery simulator (orders stay as placed).
fn embedded(dir: &tempfile::TempDir) -> KioskConfig {
    let mut config = KioskConfig::new(BackendTarget::Embedded {
        database_url: customerclient_backend::sqlite_url(&dir.path().join("kiosk.sqlite")),
    });
    config.simulator_speed = None;
    config
}

/// Runs frames until `done` holds; panics with `what` after `limit`.
fn run_until(
    app: &mut App,
    what: &str,
    limit: Duration,
    mut done: impl FnMut(&World) -> bool,
) -> u32 {
    let deadline = Instant::now() + limit;
    let mut frames = 0;
    loop {
        app.update();
        frames += 1;
        if done(app.world()) {
            return frames;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        // Poll, do not spin: the backend works on other threads.
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Signs in as the seeded demo customer (with a year of order history).
fn sign_in_demo(app: &mut App) {
    use customerclient::account::{AccountAction, AccountFlow, AccountMode};
    {
        let mut flow = app.world_mut().resource_mut::<AccountFlow>();
        flow.mode = AccountMode::SignIn;
        flow.form.login = customerclient_backend::seed::history::DEMO_LOGIN.into();
        *flow.form.password = customerclient_backend::seed::history::DEMO_PASSWORD.into();
    }
    app.world_mut().write_message(AccountAction::Submit);
    run_until(app, "signing in", Duration::from_secs(20), |w| {
        w.resource::<CustomerSession>().account.is_some()
    });
}

fn send(app: &mut App, action: ShopAction) {
    app.world_mut().write_message(action);
}

/// The current step of a screen's sub-state `S`, or None outside its screen.
fn step<S: bevy::state::state::SubStates>(world: &World) -> Option<S> {
    world.get_resource::<State<S>>().map(|s| s.get().clone())
}

fn screen(world: &World) -> Screen {
    *world.resource::<State<Screen>>().get()
}

/// Puts `quantity` of a product in the cart, goes to checkout and fills a valid address.
fn checkout_with(app: &mut App, product_id: i64, quantity: u32) {
    send(
        app,
        ShopAction::AddToCart {
            product_id,
            quantity,
        },
    );
    send(app, ShopAction::Checkout);
    run_until(app, "checkout", Duration::from_secs(5), |w| {
        screen(w) == Screen::Checkout
    });
    fill_address(app);
}

fn fill_address(app: &mut App) {
    let mut form = app.world_mut().resource_mut::<CheckoutForm>();
    form.address = "Tverskaya St 7, flat 12".into();
    form.phone = "+7 912 345 67 89".into();
}

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

/// A server that accepts connections and never answers.
fn silent_server() -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        // Bounded: enough for the test's requests and their retries.
        for stream in listener.incoming().take(16) {
            held.push(stream);
        }
    });
    (url, handle)
}

#[test]
fn a_backend_that_never_answers_keeps_frames_flowing_and_shows_an_error() {
    let (url, _server) = silent_server();
    let mut config = KioskConfig::new(BackendTarget::Remote { base_url: url });
    config.request_timeout = Duration::from_millis(400);
    let mut app = app(config);

    // Frames keep coming while the requests hang.
    let mut frames_waiting = 0;
    run_until(
        &mut app,
        "the requests to start",
        Duration::from_secs(5),
        |w| w.resource::<Bridge>().in_flight() > 0,
    );
    run_until(
        &mut app,
        "frames during the wait",
        Duration::from_secs(20),
        |w| {
            if w.resource::<Bridge>().in_flight() > 0 {
                frames_waiting += 1;
            }
            frames_waiting >= 20
        },
    );

    run_until(&mut app, "the error state", Duration::from_secs(30), |w| {
        matches!(w.resource::<Catalog>().state, LoadState::Failed { .. })
    });
    let LoadState::Failed { message, retry_at } = app.world().resource::<Catalog>().state.clone()
    else {
        unreachable!()
    };
    assert!(message.contains("did not answer in time"), "{message}");
    assert!(retry_at.is_finite(), "a retry is scheduled");
}

#[test]
fn an_outage_shows_within_seconds_keeps_the_cart_and_clears_itself() {
    use customerclient::connectivity::Connectivity;
    // Load the catalog from a real backend, then lose it.
    let dir = tempfile::tempdir().unwrap();
    let db = customerclient_backend::sqlite_url(&dir.path().join("b.sqlite"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let backend = rt
        .block_on(customerclient_backend::start(
            &customerclient_backend::Config::new(db.clone()),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let addr = backend.addr;
    let mut config = KioskConfig::new(BackendTarget::Remote {
        base_url: backend.url(),
    });
    config.request_timeout = Duration::from_millis(500);
    let mut app = app_with_catalog(config);
    assert!(app.world().resource::<Connectivity>().online);
    let id = app.world().resource::<Catalog>().products[0].id;
    checkout_with(&mut app, id, 3);

    // The backend dies; nobody touches the kiosk. The offline state shows by itself.
    rt.block_on(backend.stop());
    let died = Instant::now();
    run_until(&mut app, "the offline state", Duration::from_secs(5), |w| {
        !w.resource::<Connectivity>().online
    });
    let noticed = died.elapsed();
    eprintln!(
        "offline shown {:.2} s after the backend died",
        noticed.as_secs_f64()
    );

    send(&mut app, ShopAction::PlaceOrder);
    run_until(&mut app, "the failure", Duration::from_secs(30), |w| {
        matches!(w.resource::<CheckoutForm>().submit, SubmitState::Failed(_))
    });
    assert_eq!(
        app.world().resource::<Cart>().item_count(),
        3,
        "the cart survives the outage"
    );
    assert_eq!(screen(app.world()), Screen::Checkout);
    assert_eq!(
        app.world().resource::<CheckoutForm>().submit,
        SubmitState::Failed(Failure::Unreachable)
    );

    // It comes back at the same address: the offline state and the stale error clear.
    let backend = rt
        .block_on(customerclient_backend::start(
            &customerclient_backend::Config::new(db),
            addr,
        ))
        .unwrap();
    let back = Instant::now();
    run_until(
        &mut app,
        "the kiosk online again",
        Duration::from_secs(5),
        |w| w.resource::<Connectivity>().online,
    );
    eprintln!(
        "online shown {:.2} s after the backend came back",
        back.elapsed().as_secs_f64()
    );
    assert_eq!(
        app.world().resource::<CheckoutForm>().submit,
        SubmitState::Editing,
        "the 'could not reach' message went with the outage"
    );
    send(&mut app, ShopAction::PlaceOrder);
    run_until(&mut app, "the order", Duration::from_secs(30), |w| {
        screen(w) != Screen::Checkout
    });
    assert_eq!(
        app.world().resource::<Cart>().item_count(),
        0,
        "ordered once"
    );
    rt.block_on(backend.stop());
}

mod payments {
    use super::*;
    use customerclient::payment::{CardForm, PayAction, PayStage, PayStep, PaymentFlow};
    use customerclient_api::orders::PaymentMethod;
    use customerclient_api::payments::{BankStatus, PaymentState};
    use customerclient_backend::payments::{DEMO_WEBHOOK_SECRET, bank};

    fn order_with(app: &mut App, method: PaymentMethod) {
        let id = app.world().resource::<Catalog>().products[5].id;
        send(app, ShopAction::Start);
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
        app.world_mut().resource_mut::<CheckoutForm>().payment = method;
        send(app, ShopAction::PlaceOrder);
    }

    fn type_card(app: &mut App, digits: &str) {
        let mut form = app.world_mut().resource_mut::<CardForm>();
        for d in digits.chars() {
            form.type_digit(d);
        }
    }

    fn backend_order(app: &App) -> Order {
        let session = app.world().resource::<CustomerSession>();
        let token = session.token.clone().unwrap();
        let id = session.last_order.as_ref().unwrap().id;
        let base = app
            .world()
            .resource::<Bridge>()
            .base_url()
            .unwrap()
            .to_owned();
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            reqwest::Client::new()
                .get(format!("{base}/api/v1/orders/{id}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        })
    }

    #[test]
    fn each_of_the_four_ways_to_pay_reaches_the_confirmation() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app_with_catalog(embedded(&dir));
        let rt = tokio::runtime::Runtime::new().unwrap();
        for method in [
            PaymentMethod::CashOnDelivery,
            PaymentMethod::CardOnDelivery,
            PaymentMethod::QrBankApp,
            PaymentMethod::CardInApp,
        ] {
            order_with(&mut app, method);
            match method {
                PaymentMethod::QrBankApp => {
                    run_until(&mut app, "the QR code", Duration::from_secs(30), |w| {
                        w.resource::<PaymentFlow>().stage == PayStage::ShowingQr
                    });
                    app.update();
                    assert_eq!(step::<PayStep>(app.world()), Some(PayStep::Qr));
                    let payload = app
                        .world()
                        .resource::<PaymentFlow>()
                        .payment
                        .as_ref()
                        .unwrap()
                        .qr_payload
                        .clone()
                        .unwrap();
                    let base = app
                        .world()
                        .resource::<Bridge>()
                        .base_url()
                        .unwrap()
                        .to_owned();
                    // The customer's bank pays; the kiosk learns of it by itself.
                    let (code, _) = rt
                        .block_on(bank::simulate(
                            &reqwest::Client::new(),
                            &base,
                            DEMO_WEBHOOK_SECRET,
                            &payload,
                            BankStatus::Paid,
                        ))
                        .unwrap();
                    assert_eq!(code, 200);
                }
                PaymentMethod::CardInApp => {
                    run_until(&mut app, "the card form", Duration::from_secs(30), |w| {
                        w.resource::<PaymentFlow>().stage == PayStage::CardEntry
                    });
                    app.update();
                    assert_eq!(step::<PayStep>(app.world()), Some(PayStep::Card));
                    type_card(&mut app, "42424242424242421230737");
                    app.world_mut().write_message(PayAction::SubmitCard);
                }
                _ => {}
            }
            run_until(&mut app, "the confirmation", Duration::from_secs(30), |w| {
                screen(w) == Screen::Confirmation
            });
            let order = app
                .world()
                .resource::<CustomerSession>()
                .last_order
                .clone()
                .unwrap();
            let expected = if method.is_prepaid() {
                PaymentState::Paid
            } else {
                PaymentState::DueOnDelivery
            };
            assert_eq!(order.payment_state, expected, "{method:?}");
            let stored = backend_order(&app);
            assert_eq!(stored.payment_state, expected, "{method:?}");
            assert_eq!(stored.payment_method, method);
            if method == PaymentMethod::CardInApp {
                assert_eq!(stored.card.unwrap().last4, "4242");
                assert!(
                    app.world().resource::<CardForm>().number.is_empty(),
                    "card digits wiped"
                );
            }
            send(&mut app, ShopAction::StartOver);
            run_until(
                &mut app,
                "the attract screen",
                Duration::from_secs(5),
                |w| screen(w) == Screen::Attract,
            );
        }
    }

    #[test]
    fn a_declined_card_keeps_the_order_and_cash_on_delivery_finishes_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app_with_catalog(embedded(&dir));
        order_with(&mut app, PaymentMethod::CardInApp);
        run_until(&mut app, "the card form", Duration::from_secs(30), |w| {
            w.resource::<PaymentFlow>().stage == PayStage::CardEntry
        });
        type_card(&mut app, "40000000000000021230737");
        app.world_mut().write_message(PayAction::SubmitCard);
        run_until(&mut app, "the decline", Duration::from_secs(30), |w| {
            w.resource::<PaymentFlow>().message.is_some()
        });
        let flow = app.world().resource::<PaymentFlow>();
        assert_eq!(flow.stage, PayStage::CardEntry);
        assert!(
            matches!(&flow.message, Some(Failure::Rejected { code, .. }) if code == "declined"),
            "{:?}",
            flow.message
        );
        assert!(
            app.world().resource::<CardForm>().number.is_empty(),
            "the declined card is wiped"
        );
        assert_eq!(screen(app.world()), Screen::Payment);

        app.world_mut().write_message(PayAction::ChooseAnotherWay);
        app.update();
        app.world_mut()
            .write_message(PayAction::PayOnDelivery(PaymentMethod::CashOnDelivery));
        run_until(&mut app, "the confirmation", Duration::from_secs(30), |w| {
            screen(w) == Screen::Confirmation
        });
        let order = backend_order(&app);
        assert_eq!(order.payment_state, PaymentState::DueOnDelivery);
        assert_eq!(order.payment_method, PaymentMethod::CashOnDelivery);
        assert_eq!(order.lines.len(), 1, "the order is intact");
    }
}

#[test]
fn a_kiosk_left_alone_forgets_the_customer() {
    use customerclient::i18n::I18n;
    use customerclient::payment::{CardForm, PayStage, PaymentFlow};
    use customerclient_api::orders::PaymentMethod;
    use customerclient_api::settings::Language;

    let dir = tempfile::tempdir().unwrap();
    let mut config = embedded(&dir);
    config.idle_timeout = Duration::from_secs(2);
    let mut app = app_with_catalog(config);
    let id = app.world().resource::<Catalog>().products[2].id;
    send(&mut app, ShopAction::SetLanguage(Language::Ru));
    checkout_with(&mut app, id, 2);
    app.world_mut().resource_mut::<CheckoutForm>().payment = PaymentMethod::CardInApp;
    send(&mut app, ShopAction::PlaceOrder);
    run_until(&mut app, "the card form", Duration::from_secs(30), |w| {
        w.resource::<PaymentFlow>().stage == PayStage::CardEntry
    });
    {
        let mut form = app.world_mut().resource_mut::<CardForm>();
        for d in "4242424242424242123".chars() {
            form.type_digit(d);
        }
    }
    // Someone else's cart in a new order, then nobody touches the screen.
    send(
        &mut app,
        ShopAction::AddToCart {
            product_id: id,
            quantity: 1,
        },
    );
    let token = app
        .world()
        .resource::<CustomerSession>()
        .token
        .clone()
        .expect("a guest session");
    let base = app
        .world()
        .resource::<customerclient::bridge::Bridge>()
        .base_url()
        .unwrap()
        .to_owned();
    assert_eq!(app.world().resource::<I18n>().language, Language::Ru);

    run_until(
        &mut app,
        "the attract screen",
        Duration::from_secs(20),
        |w| screen(w) == Screen::Attract,
    );
    let session = app.world().resource::<CustomerSession>();
    assert!(session.token.is_none(), "token forgotten");
    assert!(app.world().resource::<Cart>().is_empty(), "cart forgotten");
    let form = app.world().resource::<CheckoutForm>();
    assert!(session.last_order.is_none() && form.address.is_empty() && form.phone.is_empty());
    let card = app.world().resource::<CardForm>();
    assert!(
        card.number.is_empty() && card.expiry.is_empty() && card.cvc.is_empty(),
        "card fields wiped"
    );
    assert_eq!(
        app.world().resource::<I18n>().language,
        Language::En,
        "back to the default language"
    );
    assert_eq!(
        app.world().resource::<CustomerSession>().settings.language,
        Language::En,
        "and the settings say so too"
    );
    // The backend no longer takes the forgotten customer's token.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let me = format!("{base}{}", customerclient_api::auth::ME_PATH);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let status = rt
            .block_on(http.get(&me).bearer_auth(&token).send())
            .unwrap()
            .status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the old token still works after the wipe ({status})"
        );
        app.update();
    }
}

#[test]
fn the_interface_language_has_one_source_and_the_next_customer_gets_the_kiosks() {
    use customerclient::account::AccountAction;
    use customerclient::i18n::I18n;
    use customerclient_api::settings::Language;

    let dir = tempfile::tempdir().unwrap();
    let mut config = embedded(&dir);
    config.language = Language::Ru;
    let mut app = app(config);
    let shown = |app: &App| {
        (
            app.world().resource::<I18n>().language,
            app.world().resource::<CustomerSession>().settings.language,
        )
    };
    app.update();
    assert_eq!(
        shown(&app),
        (Language::Ru, Language::Ru),
        "greeted in the kiosk's language"
    );
    send(&mut app, ShopAction::Start);
    send(&mut app, ShopAction::SetLanguage(Language::En));
    app.update();
    assert_eq!(
        shown(&app),
        (Language::En, Language::En),
        "header button and settings agree"
    );
    // Large text from the settings screen saves the settings as shown: the language stays.
    let mut s = app.world().resource::<CustomerSession>().settings.clone();
    s.accessibility.large_text = true;
    app.world_mut()
        .write_message(AccountAction::SaveSettings(s));
    app.update();
    app.update();
    assert_eq!(
        shown(&app),
        (Language::En, Language::En),
        "large text kept the language"
    );
    app.world_mut().write_message(AccountAction::SignOut);
    app.update();
    assert_eq!(
        shown(&app).0,
        Language::En,
        "signing out keeps the customer's language"
    );
    send(&mut app, ShopAction::StartOver);
    run_until(
        &mut app,
        "the attract screen",
        Duration::from_secs(5),
        |w| screen(w) == Screen::Attract,
    );
    app.update();
    assert_eq!(
        shown(&app),
        (Language::Ru, Language::Ru),
        "the next customer is greeted in Russian"
    );
    assert!(
        !app.world()
            .resource::<CustomerSession>()
            .settings
            .accessibility
            .large_text
    );
}

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

/// Distance from `p` to the segment `a`–`b`, and where along it (0..1) `p` projects.
fn on_segment(p: Point, a: Point, b: Point) -> (f64, f64) {
    let len2 = (b.x - a.x).powi(2) + (b.y - a.y).powi(2);
    let t = (((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / len2).clamp(0.0, 1.0);
    (a.lerp(b, t).dist(p), t)
}

#[test]
fn a_placed_order_is_tracked_to_the_door_with_a_gliding_courier() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = embedded(&dir);
    // 120× real time: the kitchen takes a few seconds, the walk about ten.
    config.simulator_speed = Some(120.0);
    let mut app = app_with_catalog(config);
    let id = app.world().resource::<Catalog>().products[1].id;
    send(&mut app, ShopAction::Start);
    checkout_with(&mut app, id, 1);
    app.world_mut().resource_mut::<CheckoutForm>().delivery = DeliveryMethod::OnFoot;
    send(&mut app, ShopAction::PlaceOrder);
    run_until(&mut app, "the confirmation", Duration::from_secs(30), |w| {
        screen(w) == Screen::Confirmation
    });
    let order = app
        .world()
        .resource::<CustomerSession>()
        .last_order
        .clone()
        .unwrap();
    app.world_mut().write_message(TrackAction::Follow(order.id));
    run_until(&mut app, "the route", Duration::from_secs(20), |w| {
        screen(w) == Screen::Tracking && w.resource::<TrackingState>().tracking.is_some()
    });
    {
        let state = app.world().resource::<TrackingState>();
        let t = state.tracking.as_ref().unwrap();
        assert_eq!(t.order_id, order.id);
        assert!(t.eta.is_some(), "an ETA before the courier leaves");
        assert!(state.map.is_some(), "the district map for drawing");
    }

    // Watch frame by frame: whenever a new fix arrives after the first, the marker must pass
    // through points strictly between where it was drawn and the new fix.
    let mut glides_seen = 0;
    let mut glide: Option<(Point, Point, u32)> = None;
    let mut last_fixes = 0;
    let mut progress = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        app.update();
        let now = app.world().resource::<Time>().elapsed_secs_f64();
        let state = app.world().resource::<TrackingState>();
        let t = state.tracking.as_ref().unwrap();
        if state.fixes > last_fixes {
            let fix = t.courier.unwrap();
            progress.push(fix.progress_m);
            // The glide starts where the marker was drawn when this fix arrived.
            let from = state.marker.position(now).unwrap();
            if state.fixes >= 2 && from.dist(fix.point) > 1.0 {
                glide = Some((from, fix.point, state.fixes));
            } else {
                glide = None;
            }
            last_fixes = state.fixes;
        } else if let Some((from, to, n)) = glide
            && state.fixes == n
        {
            let p = state.marker.position(now).unwrap();
            let (off, along) = on_segment(p, from, to);
            if along > 0.05 && along < 0.95 {
                assert!(off < 1e-6, "the marker left the line between fixes");
                glides_seen += 1;
                glide = None;
            }
        }
        if t.status == OrderStatus::Delivered {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not delivered; status {:?}",
            t.status
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let state = app.world().resource::<TrackingState>();
    assert!(state.fixes >= 4, "only {} positions arrived", state.fixes);
    assert!(glides_seen >= 2, "the marker jumped instead of gliding");
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    // Delivered: the status came by push, and the ETA is gone after the fresh read.
    run_until(&mut app, "the final read", Duration::from_secs(20), |w| {
        let t = w.resource::<TrackingState>().tracking.clone().unwrap();
        t.eta.is_none() && t.history.iter().any(|h| h.status == OrderStatus::Delivered)
    });
}

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

#[test]
fn a_product_video_streams_plays_and_pauses_and_bad_files_fail_cleanly() {
    use customerclient::video::{PlayerState, VideoAction, VideoPlayer};
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with_catalog(embedded(&dir));
    let (video, picture) = {
        let catalog = app.world().resource::<Catalog>();
        let p = catalog
            .products
            .iter()
            .find(|p| p.video_id.is_some())
            .expect("the demo has videos");
        (p.video_id.unwrap(), p.image_ids[0])
    };
    let base = app
        .world()
        .resource::<Bridge>()
        .base_url()
        .unwrap()
        .to_owned();
    let size = tokio::runtime::Runtime::new().unwrap().block_on(async {
        reqwest::Client::new()
            .get(format!("{base}/api/v1/files/{video}"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len() as u64
    });

    let player = app.world_mut().spawn(VideoPlayer::new(video, true)).id();
    let get = |app: &App| {
        let p = app.world().get::<VideoPlayer>(player).unwrap();
        (p.state.clone(), p.generation, p.frame.clone())
    };
    run_until(&mut app, "playback", Duration::from_secs(30), |w| {
        w.get::<VideoPlayer>(player)
            .is_some_and(|p| p.is_playing() && p.generation >= 3)
    });
    let first_fetch = app
        .world()
        .get::<VideoPlayer>(player)
        .unwrap()
        .fetched_at_first_frame
        .unwrap();
    println!("first video frame after {first_fetch} of {size} bytes");
    assert!(
        first_fetch * 2 < size,
        "the first frame needed {first_fetch} of {size} bytes"
    );
    // Playing: the picture changes over time.
    let (_, g0, f0) = get(&app);
    let until = Instant::now() + Duration::from_millis(600);
    while Instant::now() < until {
        app.update();
        std::thread::sleep(Duration::from_millis(10));
    }
    let (_, g1, f1) = get(&app);
    assert!(g1 > g0, "no new frames while playing");
    assert_ne!(
        f0.unwrap().rgba,
        f1.unwrap().rgba,
        "the picture did not change"
    );
    // Paused: it stops changing.
    app.world_mut().write_message(VideoAction::Pause(player));
    app.update();
    let (state, g2, f2) = get(&app);
    assert_eq!(state, PlayerState::Paused);
    let until = Instant::now() + Duration::from_millis(600);
    while Instant::now() < until {
        app.update();
        std::thread::sleep(Duration::from_millis(10));
    }
    let (_, g3, f3) = get(&app);
    assert_eq!(g2, g3, "frames kept coming while paused");
    assert_eq!(f2.unwrap().rgba, f3.unwrap().rgba);
    // And plays on.
    app.world_mut().write_message(VideoAction::Play(player));
    run_until(&mut app, "playing again", Duration::from_secs(10), |w| {
        w.get::<VideoPlayer>(player)
            .is_some_and(|p| p.generation > g3)
    });

    // A picture is not a video, and a file that is not there is not either: both fail with a
    // message, nothing crashes.
    let not_video = app.world_mut().spawn(VideoPlayer::new(picture, false)).id();
    let missing = app
        .world_mut()
        .spawn(VideoPlayer::new(uuid::Uuid::new_v4(), false))
        .id();
    run_until(&mut app, "both to fail", Duration::from_secs(20), |w| {
        [not_video, missing].iter().all(|e| {
            matches!(
                w.get::<VideoPlayer>(*e).unwrap().state,
                PlayerState::Failed(_)
            )
        })
    });
    let PlayerState::Failed(why) = &app.world().get::<VideoPlayer>(not_video).unwrap().state else {
        unreachable!()
    };
    assert!(why.contains("MP4"), "{why}");
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

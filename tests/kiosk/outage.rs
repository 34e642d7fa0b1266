//! A backend that never answers, one that goes away and comes back (an order placed while it
//! is away goes once, by itself), and a kiosk started while it is away (its saved menu).

use crate::harness::*;
use std::net::TcpListener;

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
    app.world_mut().resource_mut::<CheckoutForm>().email = "vera@example.com".into();
    let typed = app.world().resource::<CheckoutForm>().clone();

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
    let form = app.world().resource::<CheckoutForm>();
    assert_eq!(form.submit, SubmitState::Failed(Failure::Unreachable));
    // Nothing the customer typed is lost.
    assert_eq!(
        (&form.city, &form.address, &form.phone, &form.email),
        (&typed.city, &typed.address, &typed.phone, &typed.email)
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
    // The order the customer placed while it was away is placed by itself, no second tap.
    run_until(&mut app, "the order", Duration::from_secs(30), |w| {
        screen(w) != Screen::Checkout
    });
    assert_eq!(app.world().resource::<Cart>().item_count(), 0, "ordered");
    // Exactly once on the backend, whatever of the first try reached it.
    let token = app
        .world()
        .resource::<CustomerSession>()
        .token
        .clone()
        .unwrap();
    let orders: OrderList = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{}/api/v1/orders", backend.url()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(orders.orders.len(), 1, "one order, not two");
    rt.block_on(backend.stop());
}

/// Asks for a picture as a card would, frame after frame, until it is shown or has failed.
fn shows_picture(app: &mut App, picture: uuid::Uuid) -> bool {
    use customerclient::catalog::{ImageSlot, ProductImages};
    // Somewhere for the decoded picture to go (no renderer headless).
    app.world_mut().init_resource::<Assets<Image>>();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        app.update();
        let slot = app
            .world_mut()
            .resource_scope(|world, mut images: Mut<ProductImages>| {
                images.get_or_request(picture, world.resource::<Bridge>());
                images.get(picture).cloned()
            });
        match slot {
            Some(ImageSlot::Ready(_)) => return true,
            Some(ImageSlot::Failed(_)) => return false,
            _ => {}
        }
        assert!(Instant::now() < deadline, "no answer for the picture");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A kiosk (re)started while its backend is away shows the menu it last had, saved on disk,
/// says it is offline, and lets the customer fill a cart; the backend's own menu replaces the
/// copy when it answers, and the cart stays. Without a copy it waits, showing nothing stale.
#[test]
fn a_kiosk_started_without_its_backend_shows_its_saved_menu_until_the_backend_answers() {
    use customerclient::connectivity::Connectivity;
    use customerclient::store_profile::Store;
    let dir = tempfile::tempdir().unwrap();
    let copies = dir.path().join("copies");
    let db = customerclient_backend::sqlite_url(&dir.path().join("b.sqlite"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = |db: &str| {
        let mut c = customerclient_backend::Config::new(db.to_owned());
        c.seed_videos = false;
        c
    };
    let backend = rt
        .block_on(customerclient_backend::start(
            &config(&db),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let (addr, url) = (backend.addr, backend.url());
    let remote = |copy: Option<&std::path::Path>| {
        let mut c = KioskConfig::new(BackendTarget::Remote {
            base_url: url.clone(),
        });
        c.request_timeout = Duration::from_millis(500);
        c.menu_copy_dir = copy.map(std::path::Path::to_path_buf);
        c
    };
    let saved = |copies: &std::path::Path| {
        std::fs::read_dir(copies).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".json"))
        })
    };

    // Online once: the menu is kept on disk, and a picture as it is shown.
    let mut first = app_with_catalog(remote(Some(&copies)));
    let dishes = first.world().resource::<Catalog>().products.len();
    let picture = first.world().resource::<Catalog>().products[0].image_ids[0];
    assert!(shows_picture(&mut first, picture), "the picture, online");
    run_until(
        &mut first,
        "the copy on disk",
        Duration::from_secs(10),
        |_| saved(&copies),
    );
    drop(first);
    // Started again with the backend up: the copy at once, then the backend's menu.
    let mut again = app(remote(Some(&copies)));
    run_until(
        &mut again,
        "the copy at start",
        Duration::from_secs(10),
        |w| w.resource::<Catalog>().is_ready(),
    );
    run_until(
        &mut again,
        "the backend's menu",
        Duration::from_secs(10),
        |w| {
            let c = w.resource::<Catalog>();
            c.is_ready() && !c.from_copy
        },
    );
    drop(again);
    rt.block_on(backend.stop());

    // No copy, no backend: it waits, with nothing to show.
    let mut bare = app(remote(None));
    run_until(
        &mut bare,
        "the waiting state",
        Duration::from_secs(10),
        |w| matches!(w.resource::<Catalog>().state, LoadState::Failed { .. }),
    );
    assert!(bare.world().resource::<Catalog>().products.is_empty());
    // ...and recovers by itself when the backend answers.
    let backend = rt
        .block_on(customerclient_backend::start(&config(&db), addr))
        .unwrap();
    run_until(
        &mut bare,
        "the menu after waiting",
        Duration::from_secs(20),
        |w| w.resource::<Catalog>().is_ready(),
    );
    assert_eq!(bare.world().resource::<Catalog>().products.len(), dishes);
    drop(bare);
    rt.block_on(backend.stop());

    // The copy, no backend: the last menu, offline; a cart can be filled.
    let started = Instant::now();
    let mut kiosk = app(remote(Some(&copies)));
    run_until(&mut kiosk, "the saved menu", Duration::from_secs(10), |w| {
        let c = w.resource::<Catalog>();
        c.is_ready() && c.from_copy
    });
    eprintln!(
        "the saved menu shown {:.2} s after a start without the backend",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(kiosk.world().resource::<Catalog>().products.len(), dishes);
    let profile = kiosk.world().resource::<Store>().profile.clone().unwrap();
    assert_eq!(profile.name, "Fresh Kitchen");
    run_until(
        &mut kiosk,
        "the offline state",
        Duration::from_secs(10),
        |w| !w.resource::<Connectivity>().online,
    );
    // The picture kept while online is shown offline; one never fetched is not.
    assert!(
        shows_picture(&mut kiosk, picture),
        "the kept picture, offline"
    );
    let never = kiosk.world().resource::<Catalog>().products[dishes - 1].image_ids[0];
    assert!(!shows_picture(&mut kiosk, never));
    let id = kiosk.world().resource::<Catalog>().products[0].id;
    send(&mut kiosk, ShopAction::Start);
    checkout_with(&mut kiosk, id, 2);
    assert_eq!(kiosk.world().resource::<Cart>().item_count(), 2);

    // The backend comes back: its menu replaces the copy behind the customer's back, the
    // menu never blank in between, and the cart stays.
    let backend = rt
        .block_on(customerclient_backend::start(&config(&db), addr))
        .unwrap();
    run_until(
        &mut kiosk,
        "the backend's menu",
        Duration::from_secs(20),
        |w| {
            let c = w.resource::<Catalog>();
            assert!(!c.products.is_empty(), "the menu went blank");
            c.is_ready() && !c.from_copy
        },
    );
    assert_eq!(kiosk.world().resource::<Cart>().item_count(), 2);
    assert_eq!(screen(kiosk.world()), Screen::Checkout);

    // The copy on disk holds the shop's menu, never a customer's: not what they typed, not
    // their session.
    send(&mut kiosk, ShopAction::PlaceOrder);
    run_until(&mut kiosk, "the order", Duration::from_secs(20), |w| {
        screen(w) == Screen::Confirmation
    });
    let token = kiosk
        .world()
        .resource::<CustomerSession>()
        .token
        .clone()
        .unwrap();
    drop(kiosk);
    let mut files = vec![copies.clone()];
    let mut seen = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path()),
            );
            continue;
        }
        seen += 1;
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for private in ["Tverskaya", "912 345", "9123456789", token.as_str()] {
            assert!(
                !text.contains(private),
                "{} holds {private}",
                path.display()
            );
        }
    }
    assert!(seen >= 2, "the menu's copy and its pictures");
    rt.block_on(backend.stop());
}

#[test]
fn a_sign_up_typed_during_an_outage_is_kept_and_goes_when_the_backend_returns() {
    use customerclient::account::{AccountAction, AccountFlow, AccountMode};
    let dir = tempfile::tempdir().unwrap();
    let db = customerclient_backend::sqlite_url(&dir.path().join("b.sqlite"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = || {
        let mut c = customerclient_backend::Config::new(db.clone());
        c.seed_videos = false;
        c
    };
    let backend = rt
        .block_on(customerclient_backend::start(
            &config(),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let addr = backend.addr;
    let mut kiosk = KioskConfig::new(BackendTarget::Remote {
        base_url: backend.url(),
    });
    kiosk.request_timeout = Duration::from_millis(500);
    let mut app = app_with_catalog(kiosk);
    app.world_mut().write_message(AccountAction::Open);
    app.update();
    app.world_mut()
        .write_message(AccountAction::SetMode(AccountMode::SignUp));
    app.update();
    {
        let mut flow = app.world_mut().resource_mut::<AccountFlow>();
        flow.form.login = "nadia".into();
        flow.form.email = "nadia@example.com".into();
        flow.form.phone = "+7 912 000 11 22".into();
        *flow.form.password = "correct-horse".into();
        *flow.form.password_again = "correct-horse".into();
    }
    let fields = |flow: &AccountFlow| {
        let f = &flow.form;
        [
            f.login.clone(),
            f.email.clone(),
            f.phone.clone(),
            f.password.to_string(),
            f.password_again.to_string(),
        ]
    };
    let typed = fields(app.world().resource::<AccountFlow>());

    rt.block_on(backend.stop());
    app.world_mut().write_message(AccountAction::Submit);
    run_until(&mut app, "the failure", Duration::from_secs(30), |w| {
        let flow = w.resource::<AccountFlow>();
        !flow.is_busy() && flow.failure.is_some()
    });
    let flow = app.world().resource::<AccountFlow>();
    assert_eq!(flow.failure, Some(Failure::Unreachable));
    assert!(fields(flow) == typed, "everything typed is still there");
    assert_eq!(step::<AccountMode>(app.world()), Some(AccountMode::SignUp));

    // Back: the same form goes with one more tap, and the code is asked for.
    let backend = rt
        .block_on(customerclient_backend::start(&config(), addr))
        .unwrap();
    app.world_mut().write_message(AccountAction::Submit);
    run_until(&mut app, "the code step", Duration::from_secs(30), |w| {
        w.resource::<AccountFlow>().mode == AccountMode::Verify
    });
    rt.block_on(backend.stop());
}

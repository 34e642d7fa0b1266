//! A backend that never answers, and one that goes away and comes back.

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

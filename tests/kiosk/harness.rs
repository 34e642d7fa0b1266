//! What every headless kiosk test uses: an app of `MinimalPlugins` + the core plugin, the
//! embedded backend's config, running frames until something holds, and the shop's steps.

pub(crate) use std::time::{Duration, Instant};

pub(crate) use bevy::prelude::*;
pub(crate) use bevy::state::app::StatesPlugin;
pub(crate) use customerclient::bridge::Bridge;
pub(crate) use customerclient::cart::Cart;
pub(crate) use customerclient::catalog::{Catalog, LoadState};
pub(crate) use customerclient::checkout::{CheckoutForm, SubmitState};
pub(crate) use customerclient::failure::Failure;
pub(crate) use customerclient::session::{CustomerSession, ShopAction};
pub(crate) use customerclient::tracking::{TrackAction, TrackingState};
pub(crate) use customerclient::{BackendTarget, KioskConfig, KioskCorePlugin, Screen};
pub(crate) use customerclient_api::city::Point;
pub(crate) use customerclient_api::orders::{DeliveryMethod, Order, OrderList, OrderStatus};

pub(crate) fn app(config: KioskConfig) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin, KioskCorePlugin { config }));
    app
}

/// The app once its catalog has loaded.
pub(crate) fn app_with_catalog(config: KioskConfig) -> App {
    let mut app = app(config);
    run_until(&mut app, "the catalog", Duration::from_secs(60), |w| {
        w.resource::<Catalog>().is_ready()
    });
    app
}

/// The embedded backend without its delivery simulator (orders stay as placed).
pub(crate) fn embedded(dir: &tempfile::TempDir) -> KioskConfig {
    let mut config = KioskConfig::new(BackendTarget::Embedded {
        database_url: customerclient_backend::sqlite_url(&dir.path().join("kiosk.sqlite")),
    });
    config.simulator_speed = None;
    config
}

/// Runs frames until `done` holds; panics with `what` after `limit`.
pub(crate) fn run_until(
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
pub(crate) fn sign_in_demo(app: &mut App) {
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

pub(crate) fn send(app: &mut App, action: ShopAction) {
    app.world_mut().write_message(action);
}

/// The current step of a screen's sub-state `S`, or None outside its screen.
pub(crate) fn step<S: bevy::state::state::SubStates>(world: &World) -> Option<S> {
    world.get_resource::<State<S>>().map(|s| s.get().clone())
}

pub(crate) fn screen(world: &World) -> Screen {
    *world.resource::<State<Screen>>().get()
}

/// Puts `quantity` of a product in the cart, goes to checkout and fills a valid address.
pub(crate) fn checkout_with(app: &mut App, product_id: i64, quantity: u32) {
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

pub(crate) fn fill_address(app: &mut App) {
    let mut form = app.world_mut().resource_mut::<CheckoutForm>();
    form.address = "Tverskaya St 7, flat 12".into();
    form.phone = "+7 912 345 67 89".into();
}

//! customerclient: a fullscreen touchscreen kiosk storefront.
//!
//! The module tree is the plugin tree: [`KioskCorePlugin`] holds what runs without a window
//! (bridge to the backend, catalog, the customer's session and the shop flow) and is what the
//! headless tests drive; [`KioskViewPlugin`] adds the scenes, egui overlays and theme.

pub mod account;
pub mod bridge;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod config;
pub mod connectivity;
pub mod failure;
pub mod gallery;
pub mod heartbeat;
pub mod i18n;
pub mod menu_copy;
pub mod notify;
pub mod orders;
pub mod payment;
pub mod phone_link;
pub mod product;
pub mod scenes;
pub mod schedule;
pub mod screen;
pub mod screenshot;
pub mod session;
pub mod staff;
pub mod store_profile;
pub mod tracking;
pub mod ui;
pub mod video;

use bevy::prelude::*;

pub use config::{BackendTarget, KioskConfig};
pub use screen::Screen;

/// Everything that works without a window: usable with `MinimalPlugins` + `StatesPlugin`.
pub struct KioskCorePlugin {
    pub config: KioskConfig,
}

impl Plugin for KioskCorePlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(self.config.clone());
        app.init_state::<Screen>();
        schedule::plugin(app);
        let mut i18n = i18n::I18n::default();
        i18n.language = self.config.language.unwrap_or_default();
        app.insert_resource(i18n);
        bridge::plugin(app);
        catalog::plugin(app);
        store_profile::plugin(app);
        menu_copy::plugin(app);
        heartbeat::plugin(app);
        staff::plugin(app);
        gallery::plugin(app);
        product::plugin(app);
        session::plugin(app);
        cart::plugin(app);
        checkout::plugin(app);
        payment::plugin(app);
        account::plugin(app);
        tracking::plugin(app);
        phone_link::plugin(app);
        orders::plugin(app);
        notify::plugin(app);
        connectivity::plugin(app);
        video::plugin(app);
    }
}

/// The scenes, overlays and theme; needs `DefaultPlugins` and `bevy_egui::EguiPlugin`.
pub struct KioskViewPlugin;

impl Plugin for KioskViewPlugin {
    fn build(&self, app: &mut App) {
        ui::plugin(app);
        scenes::plugin(app);
    }
}

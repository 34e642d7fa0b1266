//! Which screen the customer sees: the app's top-level state. It lives in the core, beside
//! the flows that move between screens; the scenes (`scenes/`) only draw them.

use bevy::prelude::*;

#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    #[default]
    Attract,
    Gallery,
    Product,
    Cart,
    Checkout,
    Payment,
    Confirmation,
    /// Sign in, sign up, codes, password reset.
    Account,
    Settings,
    /// Live delivery map with stages and ETA.
    Tracking,
    /// The customer's orders and dashboard.
    Orders,
}

impl Screen {
    pub const ALL: [Screen; 11] = [
        Screen::Attract,
        Screen::Gallery,
        Screen::Product,
        Screen::Cart,
        Screen::Checkout,
        Screen::Payment,
        Screen::Confirmation,
        Screen::Account,
        Screen::Settings,
        Screen::Tracking,
        Screen::Orders,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Screen::Attract => "attract",
            Screen::Gallery => "gallery",
            Screen::Product => "product",
            Screen::Cart => "cart",
            Screen::Checkout => "checkout",
            Screen::Payment => "payment",
            Screen::Confirmation => "confirmation",
            Screen::Account => "account",
            Screen::Settings => "settings",
            Screen::Tracking => "tracking",
            Screen::Orders => "orders",
        }
    }

    pub fn from_name(name: &str) -> Option<Screen> {
        Screen::ALL.into_iter().find(|s| s.name() == name)
    }
}

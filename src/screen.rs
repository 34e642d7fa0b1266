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

/// Steps inside screens (paying's, the account's): each a [`SubStates`] of its screen,
/// registered with [`add_screen_step`]. A step set in one frame is entered at the next
/// frame's state transition, and its panel is built then and measured a frame later; the
/// redraw pacing reads this so those frames are drawn without waiting for a touch.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScreenSteps {
    /// A step is set and not yet entered.
    pub pending: bool,
    /// Steps entered so far, so a change shows between two frames.
    pub entered: u64,
}

/// Registers `S` as steps of its screen, noted in [`ScreenSteps`].
pub fn add_screen_step<S: SubStates>(app: &mut App) {
    // The per-frame reset once, however many kinds of step there are.
    if !app.world().contains_resource::<ScreenSteps>() {
        app.init_resource::<ScreenSteps>()
            .add_systems(First, |mut steps: ResMut<ScreenSteps>| {
                steps.pending = false;
            });
    }
    app.add_sub_state::<S>()
        .add_systems(PostUpdate, note_steps::<S>);
}

fn note_steps<S: SubStates>(
    next: Option<Res<NextState<S>>>,
    mut entered: MessageReader<StateTransitionEvent<S>>,
    mut steps: ResMut<ScreenSteps>,
) {
    steps.entered += entered.read().count() as u64;
    if next.is_some_and(|n| !matches!(*n, NextState::Unchanged)) {
        steps.pending = true;
    }
}

/// Run condition for what entering or leaving a screen *means* (a customer's visit ending on
/// the attract screen, paying beginning): true only when the screen really changed. Drawing
/// a screen again (a new language, the store's profile, high contrast) re-enters the same
/// screen, which must rebuild its picture but never wipe a cart or what the customer typed.
pub fn changed_screen(mut transitions: MessageReader<StateTransitionEvent<Screen>>) -> bool {
    transitions
        .read()
        .last()
        .is_some_and(|t| t.exited != t.entered)
}

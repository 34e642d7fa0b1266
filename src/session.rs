//! Who is at the kiosk: the customer's session (token, account, settings, last order), the
//! shop actions that move between screens, and the idle reset that forgets the customer. The
//! cart and the checkout are flows of their own (`cart.rs`, `checkout.rs`), which forget
//! their part when the visit ends on the attract screen.

use bevy::prelude::*;

use crate::schedule::KioskSet;
use customerclient_api::orders::Order;

use customerclient_api::endpoint as e;

use crate::bridge::{Bridge, Call};
use crate::catalog::Catalog;
use crate::config::KioskConfig;
use crate::i18n::I18n;
use crate::screen::Screen;
use customerclient_api::settings::Language;

pub(crate) fn plugin(app: &mut App) {
    let greeting = app
        .world()
        .get_resource::<KioskConfig>()
        .and_then(|c| c.language)
        .unwrap_or_default();
    app.insert_resource(CustomerSession::new(greeting))
        .init_resource::<Activity>()
        .add_message::<ShopAction>()
        .add_systems(
            Update,
            (
                (
                    apply_shop_actions,
                    follow_store_greeting,
                    follow_language,
                    follow_sign_in,
                )
                    .chain()
                    .in_set(KioskSet::Apply),
                reset_when_idle.in_set(KioskSet::Timers),
            ),
        );
}

/// What a customer can do, whether by a tap or by a test.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum ShopAction {
    /// Leave the attract screen.
    Start,
    ShowGallery,
    OpenProduct(i64),
    AddToCart {
        product_id: i64,
        quantity: u32,
    },
    SetQuantity {
        product_id: i64,
        quantity: u32,
    },
    Remove(i64),
    OpenCart,
    OpenSettings,
    Checkout,
    PlaceOrder,
    /// Forget this customer and go back to the attract screen.
    StartOver,
    /// Show every text in this language (until the session is wiped).
    SetLanguage(Language),
    /// Any touch that is not one of the above, to keep the session alive.
    Touched,
}

/// Everything the kiosk knows about the customer in front of it. [`CustomerSession::wipe`]
/// forgets all of it.
#[derive(Resource, Debug, Default)]
pub struct CustomerSession {
    pub token: Option<String>,
    /// The signed-in account (None for a guest or nobody).
    pub account: Option<customerclient_api::auth::Account>,
    /// Settings of the signed-in customer, or the guest's for this session.
    pub settings: customerclient_api::settings::AccountSettings,
    pub addresses: Vec<customerclient_api::settings::SavedAddress>,
    /// The signed-in customer's saved cards (brand and last four only).
    pub cards: Vec<customerclient_api::payments::SavedCard>,
    pub selected_product: Option<i64>,
    pub last_order: Option<Order>,
    /// Survives [`Self::wipe`].
    greeting: Language,
}

impl CustomerSession {
    /// The account the kiosk is signed in to, if any (not a guest).
    pub fn signed_in(&self) -> Option<&customerclient_api::auth::Account> {
        self.account.as_ref().filter(|a| !a.guest)
    }

    /// Nobody yet, greeted in `language`.
    pub fn new(language: Language) -> Self {
        let mut s = CustomerSession {
            greeting: language,
            ..Default::default()
        };
        s.settings.language = language;
        s
    }

    /// Forgets everything; the next customer is greeted in the kiosk's language again.
    pub fn wipe(&mut self) {
        *self = CustomerSession::new(self.greeting);
    }

    /// Greets new customers in `language` from now on (the store's profile came); `now` also
    /// switches the current texts, when nobody is at the screen.
    pub fn set_greeting(&mut self, language: Language, now: bool) {
        self.greeting = language;
        if now {
            self.settings.language = language;
        }
    }

    /// The language new customers are greeted in (the kiosk's, not the last customer's).
    pub fn greeting(&self) -> Language {
        self.greeting
    }

    /// Forgets the customer here and ends their session on the backend too, so the token
    /// (a guest's or a signed-in customer's) is worthless from now on. The sign-out is sent
    /// and not waited for: if the backend cannot be reached the token is dropped all the
    /// same, and it expires there by itself.
    pub fn forget(&mut self, bridge: &Bridge) {
        if let Some(token) = self.token.take() {
            bridge.send(Call::<e::SignOut>::empty().token(token));
        }
        self.wipe();
    }
}

/// App time (seconds) of the last touch.
#[derive(Resource, Debug, Default)]
pub struct Activity {
    pub last_touch: f64,
    pub confirmation_shown_at: Option<f64>,
}

/// Navigation, language and starting over; every action counts as the customer being there.
/// The cart's and the checkout's actions are theirs (`cart.rs`, `checkout.rs`), applied
/// after these, in that order, so a screen they open wins over one opened here in the same
/// frame, as if each action were applied in turn.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_shop_actions(
    mut actions: MessageReader<ShopAction>,
    mut session: ResMut<CustomerSession>,
    mut activity: ResMut<Activity>,
    catalog: Res<Catalog>,
    bridge: Res<Bridge>,
    mut next: ResMut<NextState<Screen>>,
    time: Res<Time>,
) {
    for action in actions.read() {
        activity.last_touch = time.elapsed_secs_f64();
        match action {
            ShopAction::Start | ShopAction::ShowGallery => next.set(Screen::Gallery),
            ShopAction::OpenProduct(id) => {
                if catalog.product(*id).is_some() {
                    session.selected_product = Some(*id);
                    next.set(Screen::Product);
                }
            }
            ShopAction::OpenCart => next.set(Screen::Cart),
            ShopAction::OpenSettings => next.set(Screen::Settings),
            // The cart's and the checkout's own (cart.rs, checkout.rs).
            ShopAction::AddToCart { .. }
            | ShopAction::SetQuantity { .. }
            | ShopAction::Remove(_)
            | ShopAction::Checkout
            | ShopAction::PlaceOrder => {}
            ShopAction::StartOver => {
                session.forget(&bridge);
                next.set(Screen::Attract);
            }
            ShopAction::SetLanguage(language) => {
                // The customer's settings are the one place the language lives;
                // `follow_language` shows it. A signed-in customer keeps it.
                session.settings.language = *language;
                if let (Some(token), Some(_)) = (session.token.clone(), session.signed_in()) {
                    bridge.send(Call::<e::PutSettings>::new(session.settings.clone()).token(token));
                }
            }
            ShopAction::Touched => {}
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn reset_when_idle(
    config: Res<KioskConfig>,
    store: Res<crate::store_profile::Store>,
    mut activity: ResMut<Activity>,
    mut session: ResMut<CustomerSession>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    time: Res<Time>,
    bridge: Res<Bridge>,
) {
    let now = time.elapsed_secs_f64();
    let idle = now - activity.last_touch;
    let on_attract = *screen.get() == Screen::Attract;
    let confirmation_over = *screen.get() == Screen::Confirmation
        && activity
            .confirmation_shown_at
            .is_some_and(|t| now - t >= config.confirmation_timeout.as_secs_f64());
    // An order on its way keeps `last_touch` fresh (checkout.rs), so it is never cut off.
    if !on_attract && (idle >= store.idle(&config).timeout || confirmation_over) {
        info!("kiosk idle: forgetting the customer");
        session.forget(&bridge);
        activity.confirmation_shown_at = None;
        activity.last_touch = now;
        next.set(Screen::Attract);
    }
}

/// Greets new customers in the store profile's default language, unless the kiosk was given
/// one (`--language`); with nobody at the screen, from now on.
fn follow_store_greeting(
    store: Res<crate::store_profile::Store>,
    config: Res<KioskConfig>,
    mut session: ResMut<CustomerSession>,
    screen: Res<State<Screen>>,
) {
    if !store.is_changed() || config.language.is_some() {
        return;
    }
    if let Some(profile) = &store.profile {
        let nobody = *screen.get() == Screen::Attract && session.token.is_none();
        session.set_greeting(profile.default_language(), nobody);
    }
}

/// Shows every text in the customer's language ([`AccountSettings::language`], set by the
/// language button, the settings screen, a sign-in or a wipe), rebuilding the screen when it
/// changes. One source, so the header and the settings never disagree.
fn follow_language(
    session: Res<CustomerSession>,
    mut i18n: ResMut<I18n>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
) {
    let want = session.settings.language;
    if i18n.language != want {
        i18n.language = want;
        if matches!(*next, NextState::Unchanged) {
            next.set(*screen.get());
        }
    }
}

/// Rebuilds the screen when a customer signs in or out, so the header's name and buttons are
/// never those of who was there before.
fn follow_sign_in(
    session: Res<CustomerSession>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    mut shown: Local<Option<uuid::Uuid>>,
) {
    if !session.is_changed() {
        return;
    }
    let now = session.signed_in().map(|a| a.id);
    if *shown != now {
        *shown = now;
        if matches!(*next, NextState::Unchanged) {
            next.set(*screen.get());
        }
    }
}

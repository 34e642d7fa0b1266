//! `--screenshot PATH --scene NAME`: drives the kiosk to a scene the way a customer would
//! (same shop actions as taps), waits until its pictures are in, saves a PNG and exits.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};
use customerclient_api::orders::PaymentMethod;

use crate::account::{AccountAction, AccountField, AccountFlow, AccountMode};
use crate::catalog::{Catalog, ProductImages};
use crate::payment::{CardForm, PayAction, PayStage, PaymentFlow};
use crate::scenes::Screen;
use crate::session::{CustomerSession, ShopAction};

/// What a screenshot shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shot {
    Scene(Screen),
    /// The QR code for the bank app.
    Qr,
    /// The card form with its keypad, partly filled.
    Card,
    /// The choice of another way to pay.
    PayChoice,
    /// Sign-up with the keyboard open on the e-mail field.
    SignUp,
    /// Typing the e-mailed code.
    Code,
}

impl Shot {
    pub const NAMES: [&'static str; 12] = [
        "attract",
        "gallery",
        "product",
        "cart",
        "checkout",
        "qr",
        "card",
        "pay-choice",
        "confirmation",
        "sign-up",
        "code",
        "settings",
    ];

    pub fn from_name(name: &str) -> Option<Shot> {
        match name {
            "qr" => Some(Shot::Qr),
            "card" => Some(Shot::Card),
            "pay-choice" => Some(Shot::PayChoice),
            "sign-up" => Some(Shot::SignUp),
            "code" => Some(Shot::Code),
            "payment" => None,
            other => Screen::from_name(other).map(Shot::Scene),
        }
    }

    fn screen(self) -> Screen {
        match self {
            Shot::Scene(s) => s,
            Shot::SignUp | Shot::Code => Screen::Account,
            _ => Screen::Payment,
        }
    }

    fn pay_stage(self) -> Option<PayStage> {
        match self {
            Shot::Qr => Some(PayStage::ShowingQr),
            Shot::Card => Some(PayStage::CardEntry),
            Shot::PayChoice => Some(PayStage::Choosing),
            Shot::Scene(_) | Shot::SignUp | Shot::Code => None,
        }
    }
}

pub struct ScreenshotPlugin {
    pub path: PathBuf,
    pub shot: Shot,
}

impl Plugin for ScreenshotPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(Plan {
            path: self.path.clone(),
            shot: self.shot,
            stage: Stage::WaitForCatalog,
            settled_frames: 0,
            started: None,
        })
        .add_systems(Update, drive);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    WaitForCatalog,
    PlaceOrder,
    Settle,
    Captured,
}

#[derive(Resource)]
struct Plan {
    path: PathBuf,
    shot: Shot,
    stage: Stage,
    settled_frames: u32,
    started: Option<f64>,
}

/// Frames to wait after the scene is complete: pipelines compile on the first frames.
const SETTLE_FRAMES: u32 = 40;
const GIVE_UP_SECONDS: f64 = 120.0;

#[allow(clippy::too_many_arguments)]
fn drive(
    mut commands: Commands,
    mut plan: ResMut<Plan>,
    catalog: Res<Catalog>,
    images: Res<ProductImages>,
    mut session: ResMut<CustomerSession>,
    flow: Res<PaymentFlow>,
    mut card: ResMut<CardForm>,
    screen: Res<State<Screen>>,
    mut actions: MessageWriter<ShopAction>,
    mut pay: MessageWriter<PayAction>,
    mut account: MessageWriter<AccountAction>,
    mut flow_acc: ResMut<AccountFlow>,
    mut typing: ResMut<crate::scenes::account::Typing>,
    mut editing: ResMut<crate::scenes::checkout::EditingField>,
    mut exit: MessageWriter<AppExit>,
    time: Res<Time>,
) {
    let now = time.elapsed_secs_f64();
    let started = *plan.started.get_or_insert(now);
    if now - started > GIVE_UP_SECONDS && plan.stage != Stage::Captured {
        error!("screenshot: gave up waiting for {:?}", plan.shot);
        exit.write(AppExit::error());
        return;
    }
    let target = plan.shot.screen();
    match plan.stage {
        Stage::WaitForCatalog => {
            if !catalog.is_ready() {
                return;
            }
            // For pictures of the accessibility modes.
            if std::env::var_os("SHOT_HIGH_CONTRAST").is_some() {
                session.settings.accessibility.high_contrast = true;
            }
            if std::env::var_os("SHOT_LARGE_TEXT").is_some() {
                session.settings.accessibility.large_text = true;
            }
            if std::env::var_os("SHOT_REACH").is_some() {
                session.settings.accessibility.reach_mode = true;
            }
            let picks: Vec<i64> = catalog
                .products
                .iter()
                .filter(|p| p.available)
                .map(|p| p.id)
                .collect();
            let (a, b) = (picks[8 % picks.len()], picks[40 % picks.len()]);
            match target {
                Screen::Attract => {}
                Screen::Account => {
                    account.write(AccountAction::Open);
                }
                Screen::Settings => {
                    actions.write(ShopAction::OpenSettings);
                }
                Screen::Gallery => {
                    actions.write(ShopAction::Start);
                }
                Screen::Product => {
                    actions.write(ShopAction::OpenProduct(a));
                }
                Screen::Cart | Screen::Checkout | Screen::Payment | Screen::Confirmation => {
                    actions.write(ShopAction::AddToCart {
                        product_id: a,
                        quantity: 2,
                    });
                    actions.write(ShopAction::AddToCart {
                        product_id: b,
                        quantity: 1,
                    });
                    if target == Screen::Cart {
                        actions.write(ShopAction::OpenCart);
                    } else {
                        session.checkout.address = "Tverskaya St 7, flat 12".into();
                        session.checkout.phone = "+7 912 345 67 89".into();
                        session.checkout.payment = match plan.shot {
                            Shot::Qr => PaymentMethod::QrBankApp,
                            Shot::Card | Shot::PayChoice => PaymentMethod::CardInApp,
                            _ => PaymentMethod::CashOnDelivery,
                        };
                        actions.write(ShopAction::Checkout);
                    }
                }
            }
            plan.stage = if matches!(target, Screen::Payment | Screen::Confirmation) {
                Stage::PlaceOrder
            } else {
                Stage::Settle
            };
        }
        Stage::PlaceOrder => {
            if *screen.get() == Screen::Checkout {
                actions.write(ShopAction::PlaceOrder);
                plan.stage = Stage::Settle;
            }
        }
        Stage::Settle => {
            if *screen.get() != target {
                plan.settled_frames = 0;
                return;
            }
            if plan.shot == Shot::Scene(Screen::Checkout)
                && editing.0.is_none()
                && plan.settled_frames == 0
            {
                // The keyboard open on the address, as while typing it.
                editing.0 = Some(crate::scenes::checkout::Field::Address);
            }
            if matches!(plan.shot, Shot::SignUp | Shot::Code) && flow_acc.form.email.is_empty() {
                let code = plan.shot == Shot::Code;
                flow_acc.mode = if code {
                    AccountMode::Verify
                } else {
                    AccountMode::SignUp
                };
                flow_acc.form.login = "anna".into();
                flow_acc.form.email = if code {
                    "anna@example.com".into()
                } else {
                    "anna@exam".into()
                };
                flow_acc.form.phone = "+7 900 111 22 33".into();
                flow_acc.form.code = if code { "4821".into() } else { String::new() };
                typing.0 = Some(if code {
                    AccountField::Code
                } else {
                    AccountField::Email
                });
            }
            if let Some(want) = plan.shot.pay_stage() {
                if flow.stage == PayStage::CardEntry && plan.shot == Shot::PayChoice {
                    pay.write(PayAction::ChooseAnotherWay);
                }
                if plan.shot == Shot::Card && card.number.is_empty() {
                    // Part of a test card, as a customer mid-way through typing it.
                    for d in "42424242424242421228".chars() {
                        card.type_digit(d);
                    }
                }
                if flow.stage != want {
                    plan.settled_frames = 0;
                    return;
                }
            }
            plan.settled_frames += 1;
            // Pictures may still be arriving (the attract screen keeps fetching the next dish):
            // count frames regardless, but take the picture only when none is in flight.
            if plan.settled_frames >= SETTLE_FRAMES && images.loading() == 0 {
                let path = plan.path.clone();
                info!("screenshot of {:?} → {}", plan.shot, path.display());
                commands
                    .spawn(Screenshot::primary_window())
                    .observe(save_to_disk(path))
                    .observe(
                        |_: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                            // save_to_disk was registered first and has run; now leave.
                            exit.write(AppExit::Success);
                        },
                    );
                plan.stage = Stage::Captured;
            }
        }
        Stage::Captured => {}
    }
}

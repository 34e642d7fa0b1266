//! `--screenshot PATH --scene NAME`: drives the kiosk to a scene the way a customer would
//! (same shop actions as taps), waits until its pictures are in, saves a PNG and exits.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};
use customerclient_api::orders::PaymentMethod;

use crate::account::{AccountAction, AccountField, AccountFlow, AccountMode};
use crate::catalog::{Catalog, ProductImages};
use crate::payment::{CardForm, PayAction, PayStage, PaymentFlow};
use crate::screen::Screen;
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
    /// The delivery map mid-way (`SHOT_SEQUENCE=n` saves n frames, `-1.png` … `-n.png`).
    Tracking,
    /// The demo customer's orders, one selected.
    Orders,
    /// The demo customer's dashboard.
    Dashboard,
    /// A past order of the demo customer's, shown as its receipt.
    Receipt,
    /// Product detail of a dish with a video, playing (`SHOT_SEQUENCE=2` shows it moving).
    Video,
    /// The staff panel over the gallery, opened with the demo PIN.
    Staff,
}

impl Shot {
    pub const NAMES: [&'static str; 18] = [
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
        "tracking",
        "orders",
        "dashboard",
        "receipt",
        "video",
        "staff",
    ];

    pub fn from_name(name: &str) -> Option<Shot> {
        match name {
            "qr" => Some(Shot::Qr),
            "card" => Some(Shot::Card),
            "pay-choice" => Some(Shot::PayChoice),
            "sign-up" => Some(Shot::SignUp),
            "code" => Some(Shot::Code),
            "tracking" => Some(Shot::Tracking),
            "orders" => Some(Shot::Orders),
            "dashboard" => Some(Shot::Dashboard),
            "receipt" => Some(Shot::Receipt),
            "video" => Some(Shot::Video),
            "staff" => Some(Shot::Staff),
            "payment" => None,
            other => Screen::from_name(other).map(Shot::Scene),
        }
    }

    fn screen(self) -> Screen {
        match self {
            Shot::Scene(s) => s,
            Shot::SignUp | Shot::Code => Screen::Account,
            Shot::Tracking => Screen::Tracking,
            Shot::Orders | Shot::Dashboard | Shot::Receipt => Screen::Orders,
            Shot::Video => Screen::Product,
            Shot::Staff => Screen::Gallery,
            _ => Screen::Payment,
        }
    }

    fn pay_stage(self) -> Option<PayStage> {
        match self {
            Shot::Qr => Some(PayStage::ShowingQr),
            Shot::Card => Some(PayStage::CardEntry),
            Shot::PayChoice => Some(PayStage::Choosing),
            _ => None,
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
            frames_left: std::env::var("SHOT_SEQUENCE")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(1u32)
                .max(1),
            taken: 0,
            next_at: 0.0,
        })
        .insert_resource(Gate(!matches!(
            self.shot,
            Shot::Tracking
                | Shot::Orders
                | Shot::Dashboard
                | Shot::Receipt
                | Shot::Video
                | Shot::Staff
                | Shot::Scene(Screen::Attract)
        )))
        .init_resource::<LayoutFindings>()
        .add_systems(
            Update,
            (
                show_toast,
                drive_orders_and_tracking,
                drive_staff,
                drive,
                audit_layout,
            )
                .chain(),
        );
    }
}

/// What the layout audit found on the captured scene; with `SHOT_STRICT_LAYOUT` set, any
/// finding makes the run fail (the test script sets it).
#[derive(Resource, Default)]
struct LayoutFindings {
    audited: bool,
    count: usize,
}

fn audit_layout(world: &mut World) {
    let captured = world.resource::<Plan>().stage == Stage::Captured;
    if !captured || world.resource::<LayoutFindings>().audited {
        return;
    }
    let shot = world.resource::<Plan>().shot;
    let findings = crate::ui::layout_audit::audit(world);
    for f in &findings {
        error!("layout: {shot:?}: {f}");
    }
    if findings.is_empty() {
        info!("layout: {shot:?}: nothing overflows or overlaps");
    }
    let mut state = world.resource_mut::<LayoutFindings>();
    state.audited = true;
    state.count = findings.len();
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
    /// Pictures still to take (a sequence), how many were taken, and when the next is due.
    frames_left: u32,
    taken: u32,
    next_at: f64,
}

/// Whether the scene shows what the picture is for (set by the per-shot driver).
#[derive(Resource)]
struct Gate(bool);

/// Shots that need more than taps on the way: signing in as the demo customer, or an order
/// the simulator has carried part of the way.
#[allow(clippy::too_many_arguments)]
fn drive_orders_and_tracking(
    plan: Res<Plan>,
    mut gate: ResMut<Gate>,
    screen: Res<State<Screen>>,
    session: Res<CustomerSession>,
    mut flow: ResMut<AccountFlow>,
    mut account: MessageWriter<AccountAction>,
    orders: Res<crate::orders::OrdersState>,
    mut orders_out: MessageWriter<crate::orders::OrdersAction>,
    tracking: Res<crate::tracking::TrackingState>,
    mut track: MessageWriter<crate::tracking::TrackAction>,
    (catalog, players, mut shop): (
        Res<Catalog>,
        Query<&crate::video::VideoPlayer>,
        MessageWriter<ShopAction>,
    ),
) {
    use crate::orders::OrdersAction;
    if plan.stage == Stage::WaitForCatalog {
        return;
    }
    // A few frames into playback, so the picture is a video frame, not the still.
    let video_playing = || players.iter().any(|p| p.is_playing() && p.generation >= 12);
    match plan.shot {
        Shot::Video => {
            if *screen.get() != Screen::Product
                && let Some(p) = catalog.products.iter().find(|p| p.video_id.is_some())
            {
                shop.write(ShopAction::OpenProduct(p.id));
            }
            gate.0 = gate.0 || video_playing();
        }
        Shot::Scene(Screen::Attract) => {
            let any_video = catalog.products.iter().any(|p| p.video_id.is_some());
            gate.0 = gate.0 || !any_video || video_playing();
        }
        Shot::Tracking => {
            if *screen.get() == Screen::Confirmation
                && let Some(order) = &session.last_order
            {
                track.write(crate::tracking::TrackAction::Follow(order.id));
            }
            // Mid-delivery: on the way and a good part of the route behind.
            // Once open it stays open, so a sequence follows the courier along.
            gate.0 = gate.0
                || tracking.tracking.as_ref().is_some_and(|t| {
                    t.status == customerclient_api::orders::OrderStatus::OnTheWay
                        && t.courier.is_some_and(|c| c.progress_m > 0.3 * t.distance_m)
                });
        }
        Shot::Orders | Shot::Dashboard | Shot::Receipt => {
            if session.account.is_none() {
                if !flow.is_busy() && *screen.get() != Screen::Account {
                    account.write(AccountAction::Open);
                } else if !flow.is_busy() && flow.form.login.is_empty() {
                    flow.mode = AccountMode::SignIn;
                    flow.form.login = customerclient_backend::seed::history::DEMO_LOGIN.into();
                    *flow.form.password =
                        customerclient_backend::seed::history::DEMO_PASSWORD.into();
                    account.write(AccountAction::Submit);
                }
                return;
            }
            if *screen.get() != Screen::Orders {
                if !orders.is_loading() {
                    orders_out.write(OrdersAction::Open);
                }
                return;
            }
            let want_dashboard = plan.shot == Shot::Dashboard;
            if orders.dashboard_tab != want_dashboard {
                orders_out.write(OrdersAction::ShowDashboard(want_dashboard));
            }
            if orders.selected.is_none()
                && let Some(o) = orders.orders.iter().find(|o| {
                    o.rating.is_none()
                        && o.status == customerclient_api::orders::OrderStatus::Delivered
                })
            {
                orders_out.write(OrdersAction::Select(Some(o.id)));
            }
            let want_receipt = plan.shot == Shot::Receipt;
            if orders.selected.is_some() && orders.receipt_open != want_receipt {
                orders_out.write(OrdersAction::ShowReceipt(want_receipt));
            }
            gate.0 = orders.loaded
                && orders.dashboard.is_some()
                && !orders.is_loading()
                && orders.receipt_open == want_receipt;
        }
        _ => {}
    }
}

/// The staff panel: the gesture and the demo PIN, as staff would open it.
fn drive_staff(
    plan: Res<Plan>,
    mut gate: ResMut<Gate>,
    screen: Res<State<Screen>>,
    staff: Res<crate::staff::StaffMode>,
    mut out: MessageWriter<crate::staff::StaffAction>,
    beat: Res<crate::heartbeat::Heartbeat>,
) {
    use crate::staff::{StaffAction, StaffStage};
    if plan.shot != Shot::Staff || plan.stage == Stage::WaitForCatalog {
        return;
    }
    if *screen.get() != Screen::Gallery {
        return;
    }
    match staff.stage {
        StaffStage::Closed => {
            for _ in 0..crate::staff::GESTURE_TAPS {
                out.write(StaffAction::NameTapped);
            }
        }
        StaffStage::Pin if !staff.checking && staff.pin.is_empty() => {
            for d in crate::staff::DEMO_PIN.chars() {
                out.write(StaffAction::Key(d));
            }
            out.write(StaffAction::Enter);
        }
        _ => {}
    }
    gate.0 = staff.stage == StaffStage::Panel && beat.last_ok_at.is_some();
}

/// `SHOT_TOAST=text`: a toast on the scene, as a push event would bring (to see where toasts
/// go on each screen).
fn show_toast(mut toasts: ResMut<crate::notify::Toasts>, time: Res<Time>, mut done: Local<bool>) {
    if *done {
        return;
    }
    if let Ok(text) = std::env::var("SHOT_TOAST") {
        toasts.items.push(crate::notify::Toast {
            text,
            shown_at: time.elapsed_secs_f64() + 600.0 - crate::notify::TOAST_SECS,
            good_news: true,
        });
    }
    *done = true;
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
    (mut typing, mut editing, mut form): (
        ResMut<crate::scenes::account::Typing>,
        ResMut<crate::scenes::checkout::EditingField>,
        ResMut<crate::checkout::CheckoutForm>,
    ),
    (mut exit, gate): (MessageWriter<AppExit>, Res<Gate>),
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
            // The attract screen of a kiosk with no menu to show (no backend, no saved copy)
            // is pictured as it waits.
            if target == Screen::Attract
                && matches!(catalog.state, crate::catalog::LoadState::Failed { .. })
            {
                plan.stage = Stage::Settle;
                return;
            }
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
                Screen::Orders => {}
                Screen::Cart
                | Screen::Checkout
                | Screen::Payment
                | Screen::Confirmation
                | Screen::Tracking => {
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
                        form.address = "Tverskaya St 7, flat 12".into();
                        form.phone = "+7 912 345 67 89".into();
                        form.payment = match plan.shot {
                            Shot::Qr => PaymentMethod::QrBankApp,
                            Shot::Card | Shot::PayChoice => PaymentMethod::CardInApp,
                            _ => PaymentMethod::CashOnDelivery,
                        };
                        actions.write(ShopAction::Checkout);
                    }
                }
            }
            plan.stage = if matches!(
                target,
                Screen::Payment | Screen::Confirmation | Screen::Tracking
            ) {
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
            if *screen.get() != target || !gate.0 {
                plan.settled_frames = 0;
                return;
            }
            if plan.shot == Shot::Scene(Screen::Checkout)
                && editing.0.is_none()
                && plan.settled_frames == 0
            {
                // The keyboard open on the receipt's e-mail, the form's last field, as while
                // typing it (the form scrolled to keep it in view).
                editing.0 = Some(crate::scenes::checkout::Field::Email);
                form.email = "vera@exam".into();
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
            let settle = std::env::var("SHOT_SETTLE_FRAMES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(SETTLE_FRAMES);
            if plan.settled_frames >= settle && images.loading() == 0 {
                plan.stage = Stage::Captured;
                plan.next_at = now;
            }
        }
        Stage::Captured => {
            if plan.frames_left == 0 || now < plan.next_at {
                return;
            }
            plan.frames_left -= 1;
            plan.taken += 1;
            plan.next_at = now + SEQUENCE_INTERVAL;
            let path = if plan.frames_left > 0 || plan.taken > 1 {
                numbered(&plan.path, plan.taken)
            } else {
                plan.path.clone()
            };
            let last = plan.frames_left == 0;
            info!("screenshot of {:?} → {}", plan.shot, path.display());
            commands
                .spawn(Screenshot::primary_window())
                .observe(save_to_disk(path))
                .observe(
                    move |_: On<ScreenshotCaptured>,
                          findings: Res<LayoutFindings>,
                          mut exit: MessageWriter<AppExit>| {
                        // save_to_disk was registered first and has run; leave after the last.
                        // SHOT_HOLD: stay up on the scene (for driving it with real X input).
                        if last && std::env::var_os("SHOT_HOLD").is_none() {
                            let strict = std::env::var_os("SHOT_STRICT_LAYOUT").is_some();
                            exit.write(if strict && findings.count > 0 {
                                AppExit::error()
                            } else {
                                AppExit::Success
                            });
                        }
                    },
                );
        }
    }
}

/// Seconds between the pictures of a sequence.
const SEQUENCE_INTERVAL: f64 = 0.7;

/// `a/b.png` → `a/b-3.png`.
fn numbered(path: &std::path::Path, n: u32) -> PathBuf {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("shot");
    path.with_file_name(format!("{stem}-{n}.png"))
}

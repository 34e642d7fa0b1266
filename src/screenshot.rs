//! `--screenshot PATH --scene NAME`: drives the kiosk to a scene the way a customer would
//! (same shop actions as taps), waits until its pictures are in, saves a PNG and exits.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};

use crate::catalog::{Catalog, ProductImages};
use crate::scenes::Screen;
use crate::session::{CustomerSession, ShopAction};

pub struct ScreenshotPlugin {
    pub path: PathBuf,
    pub scene: Screen,
}

impl Plugin for ScreenshotPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(Plan {
            path: self.path.clone(),
            scene: self.scene,
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
    scene: Screen,
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
    screen: Res<State<Screen>>,
    mut actions: MessageWriter<ShopAction>,
    mut exit: MessageWriter<AppExit>,
    time: Res<Time>,
) {
    let now = time.elapsed_secs_f64();
    let started = *plan.started.get_or_insert(now);
    if now - started > GIVE_UP_SECONDS && plan.stage != Stage::Captured {
        error!(
            "screenshot: gave up waiting for the {} scene",
            plan.scene.name()
        );
        exit.write(AppExit::error());
        return;
    }
    match plan.stage {
        Stage::WaitForCatalog => {
            if !catalog.is_ready() {
                return;
            }
            let picks: Vec<i64> = catalog
                .products
                .iter()
                .filter(|p| p.available)
                .map(|p| p.id)
                .collect();
            let (a, b) = (picks[8 % picks.len()], picks[40 % picks.len()]);
            let fill = |session: &mut CustomerSession| {
                session.checkout.address = "Tverskaya St 7, flat 12".into();
                session.checkout.phone = "+7 912 345 67 89".into();
            };
            match plan.scene {
                Screen::Attract => {}
                Screen::Gallery => {
                    actions.write(ShopAction::Start);
                }
                Screen::Product => {
                    actions.write(ShopAction::OpenProduct(a));
                }
                Screen::Cart | Screen::Checkout | Screen::Confirmation => {
                    actions.write(ShopAction::AddToCart {
                        product_id: a,
                        quantity: 2,
                    });
                    actions.write(ShopAction::AddToCart {
                        product_id: b,
                        quantity: 1,
                    });
                    if plan.scene == Screen::Cart {
                        actions.write(ShopAction::OpenCart);
                    } else {
                        fill(&mut session);
                        actions.write(ShopAction::Checkout);
                    }
                }
            }
            plan.stage = if plan.scene == Screen::Confirmation {
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
            if *screen.get() != plan.scene || images.loading() > 0 {
                plan.settled_frames = 0;
                return;
            }
            plan.settled_frames += 1;
            if plan.settled_frames >= SETTLE_FRAMES {
                let path = plan.path.clone();
                info!("screenshot of {} → {}", plan.scene.name(), path.display());
                commands
                    .spawn(Screenshot::primary_window())
                    .observe(save_to_disk(path))
                    .observe(
                        |_: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                            // save_to_disk runs first (registered first); then we can leave.
                            exit.write(AppExit::Success);
                        },
                    );
                plan.stage = Stage::Captured;
            }
        }
        Stage::Captured => {}
    }
}

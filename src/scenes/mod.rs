//! One plugin per scene, each drawing one [`Screen`] (the state, kept in the core).

pub mod account;
pub mod attract;
pub mod cart;
pub mod checkout;
pub mod confirmation;
pub mod gallery;
pub mod orders;
pub mod payment;
pub mod product;
pub mod settings;
pub mod staff;
pub mod tracking;

use bevy::prelude::*;

use crate::screen::Screen;

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_camera);
    attract::plugin(app);
    account::plugin(app);
    settings::plugin(app);
    gallery::plugin(app);
    product::plugin(app);
    cart::plugin(app);
    checkout::plugin(app);
    payment::plugin(app);
    confirmation::plugin(app);
    tracking::plugin(app);
    orders::plugin(app);
    staff::plugin(app);
    app.add_systems(OnEnter(Screen::Tracking), map_multisampling(true))
        .add_systems(OnExit(Screen::Tracking), map_multisampling(false));
}

/// UI text and shapes are anti-aliased by themselves; only the map's meshes need multisampling.
/// Without it every frame is cheaper and the 4× colour target (33 MB at 1080p, in main memory
/// under software rendering) is not kept.
fn spawn_camera(mut commands: Commands) {
    commands.spawn((Name::new("Camera"), Camera2d, Msaa::Off));
}

/// Multisampling while the delivery map is up.
fn map_multisampling(on: bool) -> impl Fn(Query<&mut Msaa, With<Camera2d>>) {
    move |mut cameras| {
        for mut msaa in &mut cameras {
            *msaa = if on { Msaa::Sample4 } else { Msaa::Off };
        }
    }
}

//! Drawing on demand: the kiosk updates only on input, once a second for its timers, and
//! continuously while something moves or is on its way — so a kiosk showing a still gallery
//! uses almost no CPU.

use std::time::Duration;

use bevy::prelude::*;
use bevy::window::RequestRedraw;
use bevy::winit::{UpdateMode, WinitSettings};

use crate::bridge::Bridge;
use crate::catalog::{Catalog, ProductImages};
use crate::notify::Toasts;
use crate::scenes::Screen;
use crate::scenes::gallery::GalleryView;
use crate::video::{PlayerState, VideoPlayer};

/// How often the kiosk wakes when nothing happens (timers: idle reset, countdowns).
pub const IDLE_TICK: Duration = Duration::from_millis(1000);

/// Update on input and every [`IDLE_TICK`]; [`keep_drawing_while_busy`] asks for more.
pub fn on_demand() -> WinitSettings {
    WinitSettings {
        focused_mode: UpdateMode::reactive_low_power(IDLE_TICK),
        unfocused_mode: UpdateMode::reactive_low_power(IDLE_TICK),
    }
}

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(Last, keep_drawing_while_busy);
}

/// True while the picture changes by itself or an answer is awaited.
#[allow(clippy::too_many_arguments)]
pub fn busy(
    screen: Screen,
    catalog_ready: bool,
    in_flight: u64,
    pictures_loading: usize,
    players_moving: bool,
    scrolling: bool,
    toasts: bool,
) -> bool {
    // The attract screen and the map animate; everything else only when something happens.
    matches!(screen, Screen::Attract | Screen::Tracking)
        || !catalog_ready
        || in_flight > 0
        || pictures_loading > 0
        || players_moving
        || scrolling
        || toasts
}

#[allow(clippy::too_many_arguments)]
fn keep_drawing_while_busy(
    screen: Res<State<Screen>>,
    catalog: Res<Catalog>,
    bridge: Res<Bridge>,
    images: Res<ProductImages>,
    players: Query<&VideoPlayer>,
    gallery: Option<Res<GalleryView>>,
    toasts: Res<Toasts>,
    time: Res<Time>,
    real: Res<Time<Real>>,
    mut redraw: MessageWriter<RequestRedraw>,
    mut tally: Local<(f64, u32, u32, u32)>,
) {
    let moving = players
        .iter()
        .any(|p| matches!(p.state, PlayerState::Playing | PlayerState::Loading));
    let scrolling = gallery.is_some_and(|g| g.velocity.abs() > 0.5);
    let toasting = toasts.visible(time.elapsed_secs_f64()).next().is_some();
    let now = real.elapsed_secs_f64();
    // For the operator's log: how often the kiosk really draws.
    tally.1 += 1;
    if now - tally.0 >= 10.0 {
        debug!(frames = tally.1, busy = tally.2, "frames in the last 10 s");
        *tally = (now, 0, 0, 0);
    }
    if busy(
        *screen.get(),
        catalog.is_ready(),
        bridge.in_flight(),
        images.loading(),
        moving,
        scrolling,
        toasting,
    ) {
        tally.2 += 1;
        redraw.write(RequestRedraw);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_still_gallery_sleeps_and_anything_moving_wakes_it() {
        let still = |screen| busy(screen, true, 0, 0, false, false, false);
        assert!(!still(Screen::Gallery));
        assert!(!still(Screen::Cart));
        assert!(still(Screen::Attract), "the attract loop animates");
        assert!(still(Screen::Tracking), "the map animates");
        assert!(busy(Screen::Gallery, false, 0, 0, false, false, false));
        assert!(busy(Screen::Gallery, true, 1, 0, false, false, false));
        assert!(busy(Screen::Gallery, true, 0, 3, false, false, false));
        assert!(busy(Screen::Product, true, 0, 0, true, false, false));
        assert!(busy(Screen::Gallery, true, 0, 0, false, true, false));
        assert!(busy(Screen::Gallery, true, 0, 0, false, false, true));
    }
}

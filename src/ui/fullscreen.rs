//! Filling the screen on a kiosk PC, which usually runs X with no window manager. There,
//! borderless fullscreen is only a request nobody grants (the window came up as a clipped
//! 800×600), so the kiosk opens an undecorated window and sizes and places it over the
//! primary monitor itself, then also asks for borderless fullscreen, which a window manager,
//! where there is one, grants.

use bevy::prelude::*;
use bevy::window::{
    Monitor, MonitorSelection, PrimaryMonitor, PrimaryWindow, WindowMode, WindowPosition,
};

/// Adds [`fill_the_screen`]; for the fullscreen kiosk, not `--windowed`.
pub struct FillScreenPlugin;

impl Plugin for FillScreenPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Update, fill_the_screen);
    }
}

/// The kiosk's window before it knows its monitor: undecorated, in the top left corner.
pub fn kiosk_window(window: &mut Window) {
    window.mode = WindowMode::Windowed;
    window.decorations = false;
    window.position = WindowPosition::At(IVec2::ZERO);
}

/// Sizes the window to the primary monitor once it is known (and again if it changes).
fn fill_the_screen(
    monitors: Query<&Monitor, With<PrimaryMonitor>>,
    mut windows: Query<&mut Window, With<PrimaryWindow>>,
    mut filled: Local<Option<(UVec2, IVec2)>>,
) {
    let (Ok(monitor), Ok(mut window)) = (monitors.single(), windows.single_mut()) else {
        return;
    };
    let size = UVec2::new(monitor.physical_width, monitor.physical_height);
    let at = monitor.physical_position;
    if *filled == Some((size, at)) {
        return;
    }
    *filled = Some((size, at));
    info!(
        width = size.x,
        height = size.y,
        x = at.x,
        y = at.y,
        "filling the primary monitor"
    );
    window.resolution.set_physical_resolution(size.x, size.y);
    window.position = WindowPosition::At(at);
    window.decorations = false;
    window.mode = WindowMode::BorderlessFullscreen(MonitorSelection::Primary);
}

//! Drawing on demand: the kiosk updates only on input, once a second for its timers, and
//! continuously while something moves or is on its way — so a kiosk showing a still gallery
//! uses almost no CPU.

use std::time::Duration;

use bevy::platform::collections::HashMap;
use bevy::prelude::*;
use bevy::window::{RequestRedraw, WindowEvent};
use bevy::winit::{UpdateMode, WinitSettings};
use bevy_egui::{EguiContexts, EguiInput, EguiPreUpdateSet, EguiPrimaryContextPass, egui};

use crate::bridge::Bridge;
use crate::catalog::{Catalog, ProductImages};
use crate::config::KioskConfig;
use crate::notify::Toasts;
use crate::screen::{Screen, ScreenSteps};
use crate::session::Activity;
use crate::ui::idle;
use crate::video::{PlayerState, VideoPlayer};

/// How often the kiosk wakes when nothing happens (timers: idle reset, countdowns).
pub const IDLE_TICK: Duration = Duration::from_millis(1000);

/// The longest a quiet screen sleeps; what really wakes it is a touch, a backend reply
/// (the bridge wakes the app) or the idle warning's due time.
pub const QUIET_WAIT_MAX: Duration = Duration::from_secs(60);

/// Update on input and every [`IDLE_TICK`]; [`keep_drawing_while_busy`] asks for more and
/// [`pace_idle_wakeups`] lets quiet screens sleep longer.
pub fn on_demand() -> WinitSettings {
    WinitSettings {
        focused_mode: UpdateMode::reactive_low_power(IDLE_TICK),
        unfocused_mode: UpdateMode::reactive_low_power(IDLE_TICK),
    }
}

/// Asks for the next frame: a feature that animates by itself (a gallery still gliding after
/// a fling) writes one each frame it moves. The pacing reads these instead of knowing every
/// feature, so `ui/` never reaches into a scene.
#[derive(Message, Debug, Clone, Copy, Default)]
pub struct KeepAwake;

pub(crate) fn plugin(app: &mut App) {
    app.add_message::<KeepAwake>()
        .init_resource::<RepaintCauses>()
        .add_systems(Startup, (follow_real_time, read_the_clock_each_frame))
        .add_systems(
            PreUpdate,
            drop_repeated_modifiers
                .after(EguiPreUpdateSet::ProcessInput)
                .before(EguiPreUpdateSet::BeginPass),
        )
        .add_systems(EguiPrimaryContextPass, note_egui_repaint_causes)
        .add_systems(Last, (keep_drawing_while_busy, pace_idle_wakeups));
}

/// The virtual clock (the one systems read) advances at most 250 ms a frame by default, so a
/// kiosk sleeping a second between frames would see its idle timeout take four times as long.
/// Between frames of an app drawn on demand, virtual time must follow real time.
fn follow_real_time(mut time: ResMut<Time<Virtual>>) {
    time.set_max_delta(Duration::from_secs(24 * 60 * 60));
}

/// With pipelined rendering Bevy's clock for a frame is the moment the render thread finished
/// the frame before — after a minute asleep, a minute old. A touch, a push toast or a reply
/// handled in the frame that ends the sleep would then be stamped a minute early (the idle
/// warning would follow a tap within seconds; a toast would expire before it was shown).
/// Without the render thread's clock, the clock is read when each frame starts.
fn read_the_clock_each_frame(mut commands: Commands) {
    commands.remove_resource::<bevy::time::TimeReceiver>();
}

/// Screens with no clock of their own: nothing on them changes until a touch or a reply.
/// (Forms keep the 1 s tick: egui's text cursor blinks on a timer bevy_egui cannot wake for.)
pub fn quiet(screen: Screen) -> bool {
    matches!(
        screen,
        Screen::Gallery | Screen::Product | Screen::Cart | Screen::Orders
    )
}

/// How long the kiosk may sleep when nothing happens, `until_warning` seconds before the
/// "still there?" warning is due.
pub fn idle_wait(screen: Screen, until_warning: f64) -> Duration {
    if quiet(screen) && until_warning > IDLE_TICK.as_secs_f64() {
        Duration::from_secs_f64(until_warning).min(QUIET_WAIT_MAX)
    } else {
        IDLE_TICK
    }
}

/// What the sleep was last set for (screen, last touch, warning due) and when it ends.
#[derive(Default)]
struct Pacing {
    paced_for: Option<(Screen, u64, bool)>,
    deadline: Option<std::time::Instant>,
}

/// Sets the sleep for the current screen and last touch. Recomputed only when one of them
/// changes or the warning falls due: the runner draws a frame whenever the mode changes, so
/// recomputing a shrinking wait every frame would never let it sleep.
///
/// The runner counts a wait from just before the frame that set it, a little earlier than
/// this system's clock, so the frame that ends a sleep for a deadline may find it a hair short
/// of due; one more frame is asked for then, which sees it passed.
#[allow(clippy::too_many_arguments)]
fn pace_idle_wakeups(
    screen: Res<State<Screen>>,
    config: Res<KioskConfig>,
    store: Res<crate::store_profile::Store>,
    activity: Res<Activity>,
    time: Res<Time>,
    settings: Option<ResMut<WinitSettings>>,
    mut redraw: MessageWriter<RequestRedraw>,
    mut pacing: Local<Pacing>,
) {
    let Some(mut settings) = settings else {
        return;
    };
    // Screenshots and benchmarks draw continuously; leave them be.
    if !matches!(settings.focused_mode, UpdateMode::Reactive { .. }) {
        return;
    }
    if pacing
        .deadline
        .is_some_and(|d| std::time::Instant::now() >= d)
    {
        pacing.deadline = None;
        redraw.write(RequestRedraw);
    }
    let until_warning =
        idle::warning_starts_at(store.idle(&config), &activity) - time.elapsed_secs_f64();
    let key = (
        *screen.get(),
        activity.last_touch.to_bits(),
        until_warning <= 0.0,
    );
    if pacing.paced_for == Some(key) {
        return;
    }
    pacing.paced_for = Some(key);
    let wait = idle_wait(*screen.get(), until_warning);
    // The runner counts the wait from the start of this frame, a little before now.
    pacing.deadline = (wait > IDLE_TICK).then(|| std::time::Instant::now() + wait - IDLE_TICK / 2);
    debug!(?wait, screen = ?screen.get(), "sleeping between frames");
    settings.focused_mode = UpdateMode::reactive_low_power(wait);
    settings.unfocused_mode = UpdateMode::reactive_low_power(wait);
}

/// What starts the settle frames when it changes: the screen, the last touch (its bits), the
/// steps entered inside screens.
type SettleKey = (Screen, u64, u64);

/// What, besides the screen itself, keeps the picture changing or an answer on its way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Motion {
    pub catalog_ready: bool,
    pub in_flight: u64,
    pub pictures_loading: usize,
    pub players_moving: bool,
    /// A [`KeepAwake`] came this frame.
    pub kept_awake: bool,
    pub toasts: bool,
    pub settling: bool,
    /// A step inside the screen is set and is entered next frame.
    pub step_pending: bool,
}

impl Motion {
    /// Nothing moving, nothing awaited.
    pub const STILL: Motion = Motion {
        catalog_ready: true,
        in_flight: 0,
        pictures_loading: 0,
        players_moving: false,
        kept_awake: false,
        toasts: false,
        settling: false,
        step_pending: false,
    };
}

/// True while the picture changes by itself or an answer is awaited.
pub fn busy(screen: Screen, m: &Motion) -> bool {
    // The attract screen and the map animate; everything else only when something happens.
    matches!(screen, Screen::Attract | Screen::Tracking)
        || !m.catalog_ready
        || m.in_flight > 0
        || m.pictures_loading > 0
        || m.players_moving
        || m.kept_awake
        || m.toasts
        || m.settling
        || m.step_pending
}

/// Frames drawn after a screen change or a touch whatever else happens: layout is measured
/// a frame after it is built, and what it shows (cards, pictures to fetch) only then.
pub const SETTLE_FRAMES: u32 = 4;

/// bevy_egui sends egui the modifier keys as an event every frame, and egui asks for an
/// immediate repaint after any frame with an event: the kiosk then never sleeps (≈ 12 frames
/// a second of software rendering on a still gallery). Only a change is passed on; egui keeps
/// the modifiers from the last one.
fn drop_repeated_modifiers(
    mut inputs: Query<(Entity, &mut EguiInput)>,
    mut last: Local<HashMap<Entity, egui::Modifiers>>,
) {
    for (entity, mut input) in &mut inputs {
        let known = last.entry(entity).or_insert(egui::Modifiers::NONE);
        only_changed_modifiers(&mut input.events, known);
    }
}

/// Removes `ModifiersChanged` events that repeat the modifiers egui already has (`known`).
pub fn only_changed_modifiers(events: &mut Vec<egui::Event>, known: &mut egui::Modifiers) {
    events.retain(|event| match event {
        egui::Event::ModifiersChanged(m) if m == known => false,
        egui::Event::ModifiersChanged(m) => {
            *known = *m;
            true
        }
        _ => true,
    });
}

/// Why egui asked for the frames of the last tally period (for the operator's debug log).
#[derive(Resource, Default)]
struct RepaintCauses(std::collections::BTreeMap<String, u32>);

fn note_egui_repaint_causes(mut contexts: EguiContexts, mut causes: ResMut<RepaintCauses>) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    if let Ok(ctx) = contexts.ctx_mut() {
        for cause in ctx.repaint_causes() {
            *causes.0.entry(cause.to_string()).or_default() += 1;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn keep_drawing_while_busy(
    screen: Res<State<Screen>>,
    catalog: Res<Catalog>,
    bridge: Res<Bridge>,
    images: Res<ProductImages>,
    players: Query<&VideoPlayer>,
    mut awake: MessageReader<KeepAwake>,
    toasts: Res<Toasts>,
    time: Res<Time>,
    real: Res<Time<Real>>,
    mut redraw: MessageWriter<RequestRedraw>,
    mut window_events: MessageReader<WindowEvent>,
    mut tally: Local<(f64, u32, u32, u32)>,
    mut woken_by: Local<std::collections::BTreeMap<String, u32>>,
    mut egui_causes: ResMut<RepaintCauses>,
    (activity, steps): (Res<Activity>, Option<Res<ScreenSteps>>),
    mut settle: Local<(Option<SettleKey>, u32)>,
) {
    let steps = steps.map(|s| *s).unwrap_or_default();
    // A new step inside a screen settles like a new screen.
    let key = (*screen.get(), activity.last_touch.to_bits(), steps.entered);
    if settle.0 != Some(key) {
        *settle = (Some(key), SETTLE_FRAMES);
    }
    let settling = settle.1 > 0;
    settle.1 = settle.1.saturating_sub(1);
    // Only for the debug log: naming every event costs a string per pointer move otherwise.
    let debugging = tracing::enabled!(tracing::Level::DEBUG);
    for event in window_events.read().filter(|_| debugging) {
        let name = format!("{event:?}");
        let kind = name
            .split(['(', ' ', '{'])
            .next()
            .unwrap_or_default()
            .to_string();
        *woken_by.entry(kind).or_default() += 1;
    }
    let moving = players
        .iter()
        .any(|p| matches!(p.state, PlayerState::Playing | PlayerState::Loading));
    let kept_awake = awake.read().count() > 0;
    let toasting = toasts.visible(time.elapsed_secs_f64()).next().is_some();
    let now = real.elapsed_secs_f64();
    // For the operator's log: how often the kiosk really draws.
    tally.1 += 1;
    if now - tally.0 >= 10.0 {
        debug!(
            frames = tally.1,
            busy = tally.2,
            window_events = ?*woken_by,
            egui_repaints = ?egui_causes.0,
            "frames in the last 10 s"
        );
        *tally = (now, 0, 0, 0);
        woken_by.clear();
        egui_causes.0.clear();
    }
    let motion = Motion {
        catalog_ready: catalog.is_ready(),
        in_flight: bridge.in_flight(),
        pictures_loading: images.loading(),
        players_moving: moving,
        kept_awake,
        toasts: toasting,
        settling,
        step_pending: steps.pending,
    };
    if busy(*screen.get(), &motion) {
        tally.2 += 1;
        redraw.write(RequestRedraw);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_screens_sleep_until_the_idle_warning_and_others_tick_every_second() {
        assert_eq!(idle_wait(Screen::Gallery, 50.0), Duration::from_secs(50));
        assert_eq!(idle_wait(Screen::Cart, 500.0), QUIET_WAIT_MAX);
        assert_eq!(
            idle_wait(Screen::Gallery, 0.5),
            IDLE_TICK,
            "warning nearly due"
        );
        assert_eq!(
            idle_wait(Screen::Gallery, -3.0),
            IDLE_TICK,
            "countdown showing"
        );
        assert_eq!(idle_wait(Screen::Checkout, 50.0), IDLE_TICK, "forms blink");
        assert_eq!(idle_wait(Screen::Payment, 50.0), IDLE_TICK, "payment polls");
    }

    fn sleep_of(app: &App) -> Duration {
        match app.world().resource::<WinitSettings>().focused_mode {
            UpdateMode::Reactive { wait, .. } => wait,
            UpdateMode::Continuous => panic!("drawing continuously"),
        }
    }

    #[test]
    fn the_kiosk_sleeps_until_the_warning_on_a_quiet_screen_and_ticks_on_a_form() {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::state::app::StatesPlugin))
            .insert_state(Screen::Gallery)
            .add_message::<RequestRedraw>()
            .insert_resource(crate::config::KioskConfig::new(
                crate::config::BackendTarget::Remote {
                    base_url: "http://127.0.0.1:9".into(),
                },
            ))
            .init_resource::<Activity>()
            .init_resource::<crate::store_profile::Store>()
            .insert_resource(on_demand())
            .add_systems(Last, pace_idle_wakeups);
        app.update();
        // Idle timeout 90 s, warning 20 s before: the gallery may sleep about 70 s, capped.
        assert_eq!(sleep_of(&app), QUIET_WAIT_MAX);
        app.world_mut()
            .resource_mut::<NextState<Screen>>()
            .set(Screen::Checkout);
        app.update();
        assert_eq!(sleep_of(&app), IDLE_TICK, "a form ticks every second");
        app.world_mut()
            .resource_mut::<NextState<Screen>>()
            .set(Screen::Cart);
        // Touched 60 s ago: the warning is due in 10 s on the app's clock.
        let now = app.world().resource::<Time>().elapsed_secs_f64();
        app.world_mut().resource_mut::<Activity>().last_touch = now - 60.0;
        app.update();
        let wait = sleep_of(&app).as_secs_f64();
        assert!((9.0..=10.5).contains(&wait), "slept {wait} s");
        // Once the warning is due, its countdown needs the second tick again.
        app.world_mut().resource_mut::<Activity>().last_touch = now - 75.0;
        app.update();
        assert_eq!(sleep_of(&app), IDLE_TICK);
        // Screenshots and benchmarks draw continuously: left alone.
        app.insert_resource(WinitSettings::continuous());
        app.world_mut()
            .resource_mut::<NextState<Screen>>()
            .set(Screen::Gallery);
        app.update();
        assert_eq!(
            app.world().resource::<WinitSettings>().focused_mode,
            UpdateMode::Continuous
        );
    }

    #[test]
    fn only_a_change_of_modifier_keys_reaches_egui() {
        let none = egui::Event::ModifiersChanged(egui::Modifiers::NONE);
        let ctrl = egui::Event::ModifiersChanged(egui::Modifiers::CTRL);
        let moved = egui::Event::PointerMoved(egui::pos2(1.0, 2.0));
        let mut known = egui::Modifiers::NONE;
        let mut frame = vec![none.clone(), moved.clone()];
        only_changed_modifiers(&mut frame, &mut known);
        assert_eq!(
            frame,
            vec![moved.clone()],
            "the idle frame has no event left"
        );
        let mut frame = vec![ctrl.clone()];
        only_changed_modifiers(&mut frame, &mut known);
        assert_eq!(frame, vec![ctrl.clone()]);
        assert_eq!(known, egui::Modifiers::CTRL);
        let mut frame = vec![ctrl.clone(), none.clone()];
        only_changed_modifiers(&mut frame, &mut known);
        assert_eq!(frame, vec![none], "released again");
        assert_eq!(known, egui::Modifiers::NONE);
    }

    #[test]
    fn a_still_gallery_sleeps_and_anything_moving_wakes_it() {
        let still = Motion::STILL;
        assert!(!busy(Screen::Gallery, &still));
        assert!(!busy(Screen::Cart, &still));
        assert!(busy(Screen::Attract, &still), "the attract loop animates");
        assert!(busy(Screen::Tracking, &still), "the map animates");
        let moving = [
            Motion {
                catalog_ready: false,
                ..still
            },
            Motion {
                in_flight: 1,
                ..still
            },
            Motion {
                pictures_loading: 3,
                ..still
            },
            Motion {
                players_moving: true,
                ..still
            },
            Motion {
                kept_awake: true,
                ..still
            },
            Motion {
                toasts: true,
                ..still
            },
            Motion {
                settling: true,
                ..still
            },
            Motion {
                step_pending: true,
                ..still
            },
        ];
        for m in moving {
            assert!(busy(Screen::Gallery, &m), "{m:?}");
        }
    }
}

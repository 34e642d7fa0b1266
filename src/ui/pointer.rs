//! Taps on the Bevy scenes (gallery, header, cart) counted once whatever the frame rate.
//!
//! Bevy's picking presses what is under the pointer this frame but clicks what was under it
//! the frame before. A tap that arrives whole within one slow frame (the pointer moves onto a
//! card, presses and lifts) is then pressed on the card and released where the pointer used to
//! be: no click. Two quick taps in one frame press the second target twice. So the kiosk feeds
//! picking its pointer input itself, the way Bevy's own input systems do, but paced: a frame's
//! input ends after a press, and the release comes the next frame, when the pointer's target
//! is known on both sides. Whatever waits is drawn at once.

use std::collections::VecDeque;

use bevy::camera::RenderTarget;
use bevy::input::ButtonState;
use bevy::input::mouse::MouseButton;
use bevy::input::touch::TouchPhase;
use bevy::picking::PickingSystems;
use bevy::picking::input::PointerInputSettings;
use bevy::picking::pointer::{
    Location, PointerAction, PointerButton, PointerId, PointerInput, PointerLocation,
};
use bevy::prelude::*;
use bevy::window::{PrimaryWindow, RequestRedraw, WindowEvent, WindowRef};

pub(crate) fn plugin(app: &mut App) {
    // Bevy's own mouse and touch input would deliver the same events unpaced.
    app.insert_resource(PointerInputSettings {
        is_touch_enabled: false,
        is_mouse_enabled: false,
    })
    .init_resource::<PointerPacer>()
    .add_systems(First, feed_picking.in_set(PickingSystems::Input))
    .add_systems(Last, retire_touches);
}

/// What picking is to be told, in order.
#[derive(Debug, Clone)]
pub enum PointerStep {
    Input(PointerInput),
    /// A finger came down: a pointer of its own, where it landed.
    Touch(PointerId, Location),
}

/// Pointer input waiting for its frame.
#[derive(Resource, Debug, Default)]
pub struct PointerPacer {
    pending: VecDeque<PointerStep>,
    /// Touch pointers whose finger has lifted, removed at the end of the frame.
    lifted: Vec<PointerId>,
}

impl PointerPacer {
    pub fn push(&mut self, step: PointerStep) {
        self.pending.push_back(step);
    }

    /// This frame's steps: everything up to and including the first press. The release and
    /// what follows wait a frame, so picking has seen the pointer on its target before.
    pub fn frame(&mut self) -> Vec<PointerStep> {
        let mut out = Vec::new();
        while let Some(step) = self.pending.pop_front() {
            let press = matches!(
                &step,
                PointerStep::Input(PointerInput {
                    action: PointerAction::Press(_),
                    ..
                })
            );
            if let PointerStep::Input(PointerInput {
                pointer_id: id @ PointerId::Touch(_),
                action: PointerAction::Release(_) | PointerAction::Cancel,
                ..
            }) = &step
            {
                self.lifted.push(*id);
            }
            out.push(step);
            if press {
                break;
            }
        }
        out
    }

    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }
}

/// Window events → pointer steps (as Bevy's `mouse_pick_events` and `touch_pick_events` make
/// them) → this frame's share, to picking.
#[allow(clippy::too_many_arguments)]
fn feed_picking(
    mut window_events: MessageReader<WindowEvent>,
    primary_window: Query<Entity, With<PrimaryWindow>>,
    mut pacer: ResMut<PointerPacer>,
    mut cursor_last: Local<Vec2>,
    mut touch_last: Local<bevy::platform::collections::HashMap<u64, Vec2>>,
    mut commands: Commands,
    mut pointer_inputs: MessageWriter<PointerInput>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let target = |window: Entity| {
        RenderTarget::Window(WindowRef::Entity(window)).normalize(primary_window.single().ok())
    };
    for event in window_events.read() {
        match event {
            WindowEvent::CursorMoved(e) => {
                let Some(target) = target(e.window) else {
                    continue;
                };
                let delta = e.position - *cursor_last;
                *cursor_last = e.position;
                pacer.push(PointerStep::Input(PointerInput::new(
                    PointerId::Mouse,
                    Location {
                        target,
                        position: e.position,
                    },
                    PointerAction::Move { delta },
                )));
            }
            WindowEvent::MouseButtonInput(input) => {
                let Some(target) = target(input.window) else {
                    continue;
                };
                let button = match input.button {
                    MouseButton::Left => PointerButton::Primary,
                    MouseButton::Right => PointerButton::Secondary,
                    MouseButton::Middle => PointerButton::Middle,
                    _ => continue,
                };
                let action = match input.state {
                    ButtonState::Pressed => PointerAction::Press(button),
                    ButtonState::Released => PointerAction::Release(button),
                };
                let location = Location {
                    target,
                    position: *cursor_last,
                };
                pacer.push(PointerStep::Input(PointerInput::new(
                    PointerId::Mouse,
                    location,
                    action,
                )));
            }
            WindowEvent::MouseWheel(w) => {
                let Some(target) = target(w.window) else {
                    continue;
                };
                let location = Location {
                    target,
                    position: *cursor_last,
                };
                let action = PointerAction::Scroll {
                    x: w.x,
                    y: w.y,
                    unit: w.unit,
                    phase: w.phase,
                };
                pacer.push(PointerStep::Input(PointerInput::new(
                    PointerId::Mouse,
                    location,
                    action,
                )));
            }
            WindowEvent::TouchInput(touch) => {
                let Some(target) = target(touch.window) else {
                    continue;
                };
                let pointer = PointerId::Touch(touch.id);
                let location = Location {
                    target,
                    position: touch.position,
                };
                let action = match touch.phase {
                    TouchPhase::Started => {
                        pacer.push(PointerStep::Touch(pointer, location.clone()));
                        touch_last.insert(touch.id, touch.position);
                        PointerAction::Press(PointerButton::Primary)
                    }
                    TouchPhase::Moved => {
                        let Some(last) = touch_last.get_mut(&touch.id) else {
                            continue;
                        };
                        if *last == touch.position {
                            continue;
                        }
                        let delta = touch.position - *last;
                        *last = touch.position;
                        PointerAction::Move { delta }
                    }
                    TouchPhase::Ended => {
                        touch_last.remove(&touch.id);
                        PointerAction::Release(PointerButton::Primary)
                    }
                    TouchPhase::Canceled => {
                        touch_last.remove(&touch.id);
                        PointerAction::Cancel
                    }
                };
                pacer.push(PointerStep::Input(PointerInput::new(
                    pointer, location, action,
                )));
            }
            _ => {}
        }
    }
    for step in pacer.frame() {
        match step {
            PointerStep::Input(input) => {
                pointer_inputs.write(input);
            }
            PointerStep::Touch(pointer, location) => {
                commands.spawn((pointer, PointerLocation::new(location)));
            }
        }
    }
    if pacer.has_pending() {
        redraw.write(RequestRedraw);
    }
}

/// Removes the pointers of lifted fingers once picking has seen them lift.
fn retire_touches(
    mut commands: Commands,
    mut pacer: ResMut<PointerPacer>,
    pointers: Query<(Entity, &PointerId)>,
) {
    for lifted in std::mem::take(&mut pacer.lifted) {
        for (entity, id) in &pointers {
            if *id == lifted {
                commands.entity(entity).despawn();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::camera::NormalizedRenderTarget;

    fn input(action: PointerAction) -> PointerStep {
        let location = Location {
            target: NormalizedRenderTarget::None {
                width: 1920,
                height: 1080,
            },
            position: Vec2::ZERO,
        };
        PointerStep::Input(PointerInput::new(PointerId::Mouse, location, action))
    }

    fn kinds(steps: &[PointerStep]) -> String {
        steps
            .iter()
            .map(|s| match s {
                PointerStep::Input(i) => match i.action {
                    PointerAction::Move { .. } => 'm',
                    PointerAction::Press(_) => 'p',
                    PointerAction::Release(_) => 'r',
                    _ => '?',
                },
                PointerStep::Touch(..) => 't',
            })
            .collect()
    }

    #[test]
    fn a_frame_ends_after_a_press_so_each_release_follows_a_frame_on_its_target() {
        let mut pacer = PointerPacer::default();
        let mv = || input(PointerAction::Move { delta: Vec2::ONE });
        let press = || input(PointerAction::Press(PointerButton::Primary));
        let release = || input(PointerAction::Release(PointerButton::Primary));
        // Two whole taps within one slow frame, the second elsewhere.
        for s in [mv(), press(), release(), mv(), press(), release()] {
            pacer.push(s);
        }
        assert_eq!(kinds(&pacer.frame()), "mp");
        assert!(pacer.has_pending());
        assert_eq!(kinds(&pacer.frame()), "rmp");
        assert_eq!(kinds(&pacer.frame()), "r");
        assert!(!pacer.has_pending());
        assert_eq!(kinds(&pacer.frame()), "");
        // A drag passes in one frame: moves carry no press.
        for s in [press(), mv(), mv(), mv(), release()] {
            pacer.push(s);
        }
        assert_eq!(kinds(&pacer.frame()), "p");
        assert_eq!(kinds(&pacer.frame()), "mmmr");
    }
}

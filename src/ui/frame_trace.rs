//! `KIOSK_FRAME_TRACE=PATH`: a line per frame and per rendered frame, for the tap-latency
//! benchmark (`scripts/bench/taps.sh`). Wall-clock times (Unix µs) of where each frame's time
//! goes — waiting for input, update, UI layout, egui, render and present — and what the
//! customer would see change (the screen, the cart, typed text), so a tap sent at a known
//! time can be followed to the first presented frame that shows its effect.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use bevy::input::mouse::MouseButtonInput;
use bevy::prelude::*;
use bevy::render::extract_resource::{ExtractResource, ExtractResourcePlugin};
use bevy::render::{Render, RenderApp, RenderSystems};
use bevy::ui::UiSystems;
use bevy_egui::EguiPostUpdateSet;

use crate::screen::Screen;

/// Adds the trace when `KIOSK_FRAME_TRACE` names a file.
pub struct FrameTracePlugin;

impl Plugin for FrameTracePlugin {
    fn build(&self, app: &mut App) {
        let Some(path) = std::env::var_os("KIOSK_FRAME_TRACE") else {
            return;
        };
        let file = match std::fs::File::create(&path) {
            Ok(f) => f,
            Err(e) => {
                error!("frame trace: cannot create {path:?}: {e}");
                return;
            }
        };
        let out = Trace(std::sync::Arc::new(std::sync::Mutex::new(
            std::io::BufWriter::new(file),
        )));
        app.insert_resource(out.clone())
            .init_resource::<TracedFrame>()
            .init_resource::<Marks>()
            .add_plugins(ExtractResourcePlugin::<TracedFrame>::default())
            .add_systems(
                First,
                frame_start.before(bevy::ecs::message::MessageUpdateSystems),
            )
            .add_systems(PostUpdate, layout_start.before(UiSystems::Layout))
            .add_systems(PostUpdate, layout_end.after(UiSystems::Layout))
            .add_systems(PostUpdate, egui_start.before(EguiPostUpdateSet::EndPass))
            .add_systems(PostUpdate, egui_end.after(EguiPostUpdateSet::EndPass))
            .add_systems(Last, frame_end);
        if let Some(render) = app.get_sub_app_mut(RenderApp) {
            render
                .insert_resource(out)
                .add_systems(Render, render_start.in_set(RenderSystems::ExtractCommands))
                .add_systems(Render, render_end.in_set(RenderSystems::Cleanup));
        }
    }
}

/// Where the lines go (shared with the render thread).
#[derive(Resource, Clone)]
struct Trace(std::sync::Arc<std::sync::Mutex<std::io::BufWriter<std::fs::File>>>);

impl Trace {
    fn line(&self, s: String) {
        if let Ok(mut w) = self.0.lock() {
            let _ = writeln!(w, "{s}");
            let _ = w.flush();
        }
    }
}

/// The main world's frame number, extracted so the render world says which frame it drew.
#[derive(Resource, Clone, Copy, Default, ExtractResource)]
struct TracedFrame(u64);

#[derive(Resource, Default)]
struct Marks {
    start: u64,
    layout_start: u64,
    layout_us: u64,
    egui_start: u64,
    egui_us: u64,
    last_shown: Option<String>,
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

fn frame_start(mut frame: ResMut<TracedFrame>, mut marks: ResMut<Marks>) {
    frame.0 += 1;
    marks.start = now_us();
}

fn layout_start(mut marks: ResMut<Marks>) {
    marks.layout_start = now_us();
}

fn layout_end(mut marks: ResMut<Marks>) {
    marks.layout_us = now_us().saturating_sub(marks.layout_start);
}

fn egui_start(mut marks: ResMut<Marks>) {
    marks.egui_start = now_us();
}

fn egui_end(mut marks: ResMut<Marks>) {
    marks.egui_us = now_us().saturating_sub(marks.egui_start);
}

/// What a customer would see change: the screen, the cart, the text being typed.
fn shown(
    screen: &Screen,
    cart: &crate::cart::Cart,
    form: &crate::checkout::CheckoutForm,
    account: &crate::account::AccountFlow,
) -> String {
    format!(
        "{}|{}|{}|{}|{}",
        screen.name(),
        cart.item_count(),
        form.address,
        account.form.login,
        account.form.email,
    )
}

#[allow(clippy::too_many_arguments)]
fn frame_end(
    trace: Res<Trace>,
    frame: Res<TracedFrame>,
    mut marks: ResMut<Marks>,
    screen: Res<State<Screen>>,
    cart: Res<crate::cart::Cart>,
    form: Res<crate::checkout::CheckoutForm>,
    account: Res<crate::account::AccountFlow>,
    mut clicks: MessageReader<MouseButtonInput>,
) {
    let end = now_us();
    let releases = clicks
        .read()
        .filter(|c| c.state == bevy::input::ButtonState::Released)
        .count();
    let now_shown = shown(screen.get(), &cart, &form, &account);
    let changed = marks.last_shown.as_deref() != Some(now_shown.as_str());
    let egui_us = marks.egui_us;
    trace.line(format!(
        "frame {} start {} end {} layout_us {} egui_us {} releases {} changed {} shown {}",
        frame.0,
        marks.start,
        end,
        marks.layout_us,
        egui_us,
        releases,
        u8::from(changed),
        now_shown.replace(' ', "_"),
    ));
    marks.last_shown = Some(now_shown);
}

// The frame number arrives with the first extraction.
fn render_start(trace: Res<Trace>, frame: Option<Res<TracedFrame>>) {
    if let Some(frame) = frame {
        trace.line(format!("render {} start {}", frame.0, now_us()));
    }
}

fn render_end(trace: Res<Trace>, frame: Option<Res<TracedFrame>>) {
    if let Some(frame) = frame {
        trace.line(format!("render {} end {}", frame.0, now_us()));
    }
}

//! Frame cost of the kiosk at catalog scale, without a window and without rendering: the
//! kiosk's own plugins (core + every scene, Bevy UI layout, egui) over `DefaultPlugins` with
//! winit and the GPU switched off, against the embedded backend with a generated catalog.
//!
//! `cargo bench --bench frames` prints, for 100, 1,000 and 10,000 products: the gallery idle,
//! scrolling, and while pictures stream in; the cart with 100 lines; the tracking scene — the
//! median and 99th percentile of the time one `app.update()` takes and of the process CPU time
//! it uses. Under `cargo test` it runs once, small, as a smoke test.

use std::time::{Duration, Instant};

use bevy::input::mouse::{MouseScrollUnit, MouseWheel};
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::settings::{RenderCreation, WgpuSettings};
use bevy::window::{ExitCondition, WindowResolution};
use bevy::winit::WinitPlugin;
use bevy_egui::EguiPlugin;
use customerclient::catalog::{Catalog, ProductImages};
use customerclient::session::{CustomerSession, ShopAction};
use customerclient::tracking::{TrackAction, TrackingState};
use customerclient::{BackendTarget, KioskConfig, KioskCorePlugin, KioskViewPlugin, Screen};

fn process_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn kiosk(dir: &std::path::Path, products: usize) -> App {
    let mut config = KioskConfig::new(BackendTarget::Embedded {
        database_url: customerclient_backend::sqlite_url(&dir.join("bench.sqlite")),
    });
    config.catalog_size = Some(products);
    config.simulator_speed = Some(60.0);
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    resolution: WindowResolution::new(1920, 1080).with_scale_factor_override(1.0),
                    ..default()
                }),
                exit_condition: ExitCondition::DontExit,
                close_when_requested: false,
                ..default()
            })
            .set(RenderPlugin {
                render_creation: RenderCreation::Automatic(Box::new(WgpuSettings {
                    backends: None,
                    ..default()
                })),
                ..default()
            })
            .disable::<WinitPlugin>()
            .disable::<bevy::log::LogPlugin>(),
    )
    .add_plugins(EguiPlugin::default())
    .add_plugins((KioskCorePlugin { config }, KioskViewPlugin));
    app
}

fn run_until(app: &mut App, what: &str, mut done: impl FnMut(&World) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done(app.world()) {
        app.update();
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[derive(Debug, Clone, Copy)]
struct Stats {
    median_ms: f64,
    p99_ms: f64,
    cpu_median_ms: f64,
    cpu_p99_ms: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Times `frames` updates; `before` runs ahead of each (input for that frame).
fn measure(app: &mut App, frames: usize, mut before: impl FnMut(&mut App, usize)) -> Stats {
    let mut wall = Vec::with_capacity(frames);
    let mut cpu = Vec::with_capacity(frames);
    for i in 0..frames {
        before(app, i);
        let (t, c) = (Instant::now(), process_cpu());
        app.update();
        wall.push(t.elapsed().as_secs_f64() * 1000.0);
        cpu.push((process_cpu() - c).as_secs_f64() * 1000.0);
    }
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    Stats {
        median_ms: percentile(&wall, 0.5),
        p99_ms: percentile(&wall, 0.99),
        cpu_median_ms: percentile(&cpu, 0.5),
        cpu_p99_ms: percentile(&cpu, 0.99),
    }
}

fn screen(w: &World) -> Screen {
    *w.resource::<State<Screen>>().get()
}

fn scenarios(products: usize, frames: usize) -> Vec<(&'static str, Stats)> {
    let dir = tempfile::tempdir().unwrap();
    let mut app = kiosk(dir.path(), products);
    let mut out = Vec::new();
    run_until(&mut app, "the catalog", |w| {
        w.resource::<Catalog>().is_ready()
    });
    assert!(app.world().resource::<Catalog>().products.len() >= products);

    app.world_mut().write_message(ShopAction::Start);
    run_until(&mut app, "the gallery", |w| screen(w) == Screen::Gallery);
    // Pictures arrive over these frames (decoded off the main thread).
    out.push((
        "gallery, pictures streaming in",
        measure(&mut app, frames, |_, _| {
            std::thread::sleep(Duration::from_millis(2));
        }),
    ));
    run_until(&mut app, "the pictures", |w| {
        w.resource::<ProductImages>().loading() == 0
    });
    out.push(("gallery idle", measure(&mut app, frames, |_, _| {})));
    out.push((
        "gallery scrolling",
        measure(&mut app, frames, |app, i| {
            // Down for a while, then back up: new rows and their pictures keep coming.
            let y = if (i / 120) % 2 == 0 { -60.0 } else { 60.0 };
            app.world_mut().write_message(MouseWheel {
                unit: MouseScrollUnit::Pixel,
                x: 0.0,
                y,
                window: Entity::PLACEHOLDER,
                phase: bevy::input::touch::TouchPhase::Moved,
            });
        }),
    ));

    // A cart of 100 different dishes.
    let ids: Vec<i64> = app
        .world()
        .resource::<Catalog>()
        .products
        .iter()
        .filter(|p| p.available)
        .take(100)
        .map(|p| p.id)
        .collect();
    for id in &ids {
        app.world_mut().write_message(ShopAction::AddToCart {
            product_id: *id,
            quantity: 1,
        });
    }
    app.world_mut().write_message(ShopAction::OpenCart);
    run_until(&mut app, "the cart", |w| screen(w) == Screen::Cart);
    out.push(("cart with 100 lines", measure(&mut app, frames, |_, _| {})));

    // An order on its way, followed on the map (an order holds at most 50 lines: keep three).
    for id in &ids[3..] {
        app.world_mut().write_message(ShopAction::Remove(*id));
    }
    app.world_mut().write_message(ShopAction::Checkout);
    run_until(&mut app, "checkout", |w| screen(w) == Screen::Checkout);
    {
        let mut form = app
            .world_mut()
            .resource_mut::<customerclient::checkout::CheckoutForm>();
        form.address = "Tverskaya St 7".into();
        form.phone = "+7 912 345 67 89".into();
    }
    app.world_mut().write_message(ShopAction::PlaceOrder);
    run_until(&mut app, "the order", |w| screen(w) == Screen::Confirmation);
    let order = app
        .world()
        .resource::<CustomerSession>()
        .last_order
        .as_ref()
        .unwrap()
        .id;
    app.world_mut().write_message(TrackAction::Follow(order));
    run_until(&mut app, "the map", |w| {
        screen(w) == Screen::Tracking
            && w.resource::<TrackingState>().tracking.is_some()
            && w.resource::<TrackingState>().map.is_some()
    });
    out.push(("tracking scene", measure(&mut app, frames, |_, _| {})));
    out
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (sizes, frames): (&[usize], usize) = if bench {
        (&[100, 1_000, 10_000], 600)
    } else {
        (&[100], 10)
    };
    let mut table: Vec<(usize, Vec<(&str, Stats)>)> = Vec::new();
    for &n in sizes {
        let started = Instant::now();
        table.push((n, scenarios(n, frames)));
        eprintln!("{n} products measured in {:.0?}", started.elapsed());
    }
    println!("| scenario | products | median ms | p99 ms | CPU median ms | CPU p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (n, rows) in &table {
        for (name, s) in rows {
            println!(
                "| {name} | {n} | {:.3} | {:.3} | {:.3} | {:.3} |",
                s.median_ms, s.p99_ms, s.cpu_median_ms, s.cpu_p99_ms
            );
        }
    }
    if let (Some((_, small)), Some((big_n, big))) = (table.first(), table.last())
        && table.len() > 1
    {
        for ((name, a), (_, b)) in small.iter().zip(big) {
            println!(
                "{name}: {big_n} products cost {:.2}× the smallest catalog (median)",
                b.median_ms / a.median_ms
            );
        }
    }
}

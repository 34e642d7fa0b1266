//! The kiosk binary: parses the command line, builds the Bevy app, runs it.

use std::path::PathBuf;

use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::window::{CursorOptions, WindowResolution};
use bevy_egui::EguiPlugin;
use clap::Parser;
use customerclient::screenshot::Shot;
use customerclient::{BackendTarget, KioskConfig, KioskCorePlugin, KioskViewPlugin};
use customerclient_api::settings::Language;

#[derive(Parser, Debug)]
#[command(version, about = "Fresh Kitchen touchscreen kiosk")]
struct Cli {
    /// Run in a window instead of fullscreen.
    #[arg(long)]
    windowed: bool,
    /// Use a separately running backend instead of starting one inside the kiosk.
    #[arg(long, env = "CUSTOMERCLIENT_BACKEND_URL")]
    backend_url: Option<String>,
    /// Database of the embedded backend (default: a SQLite file in the user's data directory).
    #[arg(long, env = "CUSTOMERCLIENT_DATABASE_URL")]
    database_url: Option<String>,
    /// Seconds without a touch before the kiosk forgets the customer (default: the store
    /// profile's).
    #[arg(long)]
    idle_seconds: Option<u64>,
    /// Speed of the embedded backend's demo kitchen and couriers (× real time; 0 turns them off).
    #[arg(long, default_value_t = 10.0)]
    simulator_speed: f64,
    /// The embedded backend's store profile (TOML: name, currency, zones, hours…; see
    /// docs/store-profile.md). Default: the demo store's.
    #[arg(long, env = "CUSTOMERCLIENT_STORE_PROFILE")]
    store_profile: Option<PathBuf>,
    /// Grow the embedded backend's demo catalog to this many products (benchmarks; a new
    /// database only).
    #[arg(long)]
    catalog_size: Option<usize>,
    /// Open the gallery instead of the attract screen (benchmarks; cards show once the catalog is in).
    #[arg(long)]
    start_in_gallery: bool,
    /// Save a PNG of `--scene` to this path and exit.
    #[arg(long, requires = "scene")]
    screenshot: Option<PathBuf>,
    /// Scene for `--screenshot`: attract, gallery, product, cart, checkout, qr, card,
    /// pay-choice, confirmation.
    #[arg(long, value_parser = parse_scene)]
    scene: Option<Shot>,
    /// Show the mouse cursor in fullscreen (hidden by default: a touchscreen has none).
    #[arg(long)]
    show_cursor: bool,
    /// Language new customers are greeted in: en or ru (default: the store profile's).
    #[arg(long, value_parser = ["en", "ru"])]
    language: Option<String>,
    /// This kiosk's id, sent to the backend on every request (default: generated once and
    /// kept in `kiosk-id` in the kiosk's data folder).
    #[arg(long, env = "CUSTOMERCLIENT_KIOSK_ID", value_parser = parse_kiosk_id)]
    kiosk_id: Option<String>,
    /// Where the kiosk keeps a copy of its last menu, shown while the backend does not
    /// answer (default: the kiosk's data folder).
    #[arg(long, env = "CUSTOMERCLIENT_MENU_COPY_DIR")]
    menu_copy_dir: Option<std::path::PathBuf>,
    /// The store this kiosk stands in, as operators should see it (ASCII, e.g. "Arbat 12").
    #[arg(long, env = "CUSTOMERCLIENT_STORE", value_parser = parse_store)]
    store: Option<String>,
    /// The argon2 hash of the staff PIN (five taps on the store's name open its keypad); make
    /// one with `--hash-staff-pin`. The demo (the embedded backend) uses PIN 2468 without it.
    #[arg(long, env = "CUSTOMERCLIENT_STAFF_PIN_HASH", hide_env_values = true)]
    staff_pin_hash: Option<String>,
    /// Print the hash of this staff PIN (4 to 8 digits) for `--staff-pin-hash`, and exit.
    #[arg(long, value_name = "PIN")]
    hash_staff_pin: Option<String>,
    /// Window size for `--windowed` and `--screenshot`, e.g. 1920x1080.
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    size: (u32, u32),
}

fn parse_scene(s: &str) -> Result<Shot, String> {
    Shot::from_name(s)
        .ok_or_else(|| format!("unknown scene '{s}'; one of: {}", Shot::NAMES.join(", ")))
}

fn parse_kiosk_id(s: &str) -> Result<String, String> {
    if customerclient_api::kiosk::valid_id(s) {
        Ok(s.to_owned())
    } else {
        Err("1 to 64 letters, digits, '-', '_' or '.'".into())
    }
}

fn parse_store(s: &str) -> Result<String, String> {
    match customerclient_api::kiosk::clean_label(s) {
        Some(label) if label.is_ascii() => Ok(label),
        Some(_) => {
            Err("use ASCII letters for the store label (it travels in an HTTP header)".into())
        }
        None => Err("the store label is empty".into()),
    }
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once('x')
        .ok_or("expected WIDTHxHEIGHT, e.g. 1920x1080")?;
    let w = w.parse().map_err(|_| "width is not a number")?;
    let h = h.parse().map_err(|_| "height is not a number")?;
    Ok((w, h))
}

fn main() -> AppExit {
    let cli = Cli::parse();
    if let Some(pin) = &cli.hash_staff_pin {
        use customerclient::staff::{PIN_DIGITS, hash_pin};
        if !PIN_DIGITS.contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
            eprintln!("a staff PIN has 4 to 8 digits");
            return AppExit::error();
        }
        return match hash_pin(pin) {
            Ok(hash) => {
                println!("{hash}");
                AppExit::Success
            }
            Err(e) => {
                eprintln!("{e}");
                AppExit::error()
            }
        };
    }
    let mut config = match (&cli.backend_url, &cli.database_url) {
        (Some(url), _) => KioskConfig::new(BackendTarget::Remote {
            base_url: url.clone(),
        }),
        (None, Some(db)) => KioskConfig::new(BackendTarget::Embedded {
            database_url: db.clone(),
        }),
        (None, None) => KioskConfig::embedded_default(),
    };
    config.idle_timeout = cli.idle_seconds.map(std::time::Duration::from_secs);
    config.simulator_speed = Some(cli.simulator_speed).filter(|s| *s > 0.0);
    config.catalog_size = cli.catalog_size;
    config.store_profile = cli.store_profile;
    config.staff_pin_hash = cli.staff_pin_hash.or_else(|| {
        // The demo's convenience only: a kiosk on a real backend has no PIN until given one.
        matches!(config.backend, BackendTarget::Embedded { .. })
            .then(|| customerclient::staff::hash_pin(customerclient::staff::DEMO_PIN).ok())
            .flatten()
    });
    let data_dir = dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("customerclient");
    config.identity = match cli.kiosk_id {
        Some(id) => customerclient::config::KioskIdentity::named(id),
        None => customerclient::config::KioskIdentity::kept_in(&data_dir),
    };
    // Screenshots show what the backend serves, never a copy from an earlier run (unless
    // given one to show).
    config.menu_copy_dir = match (cli.menu_copy_dir, &cli.screenshot) {
        (Some(dir), _) => Some(dir),
        (None, Some(_)) => None,
        (None, None) => Some(data_dir),
    };
    config.identity.store = cli.store;
    config.language = cli.language.map(|l| {
        if l == "ru" {
            Language::Ru
        } else {
            Language::En
        }
    });

    let windowed = cli.windowed || cli.screenshot.is_some();
    let mut window = Window {
        title: "Fresh Kitchen".into(),
        resolution: WindowResolution::new(cli.size.0, cli.size.1).with_scale_factor_override(1.0),
        ..default()
    };
    if !windowed {
        customerclient::ui::fullscreen::kiosk_window(&mut window);
    }
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(window),
                primary_cursor_options: Some(CursorOptions {
                    visible: windowed || cli.show_cursor,
                    ..default()
                }),
                ..default()
            })
            .set(LogPlugin {
                filter: "info,wgpu=error,naga=warn,sqlx=warn,bevy_render=warn".into(),
                ..default()
            }),
    )
    .add_plugins(EguiPlugin::default())
    .insert_resource(ClearColor(customerclient::ui::theme::BACKGROUND))
    .add_plugins((KioskCorePlugin { config }, KioskViewPlugin))
    .add_systems(Update, operator_exit);
    // Draw on demand; screenshots count frames, so they keep drawing.
    if cli.screenshot.is_none() {
        app.insert_resource(customerclient::ui::redraw::on_demand());
    }
    if !windowed {
        app.add_plugins(customerclient::ui::fullscreen::FillScreenPlugin);
    }
    // KIOSK_FRAME_TRACE=PATH only (the tap-latency benchmark).
    app.add_plugins(customerclient::ui::frame_trace::FrameTracePlugin);
    if cli.start_in_gallery {
        // Straight into the storefront, as a browser kiosk opens its page: no attract frames.
        app.insert_state(customerclient::Screen::Gallery);
    }
    if let (Some(path), Some(shot)) = (cli.screenshot, cli.scene) {
        app.add_plugins(customerclient::screenshot::ScreenshotPlugin { path, shot });
    }
    app.run()
}

/// `--start-in-gallery`: a tap on the attract screen as soon as the catalog has loaded.
/// Ctrl+Alt+Q closes the kiosk: for the store operator with a service keyboard, not customers.
fn operator_exit(keys: Res<ButtonInput<KeyCode>>, mut exit: MessageWriter<AppExit>) {
    let ctrl = keys.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight]);
    let alt = keys.any_pressed([KeyCode::AltLeft, KeyCode::AltRight]);
    if ctrl && alt && keys.just_pressed(KeyCode::KeyQ) {
        info!("operator exit");
        exit.write(AppExit::Success);
    }
}

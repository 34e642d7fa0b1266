//! The customerclient backend: one axum service with a module per backend of the seed system
//! (auth, catalog, files, orders), over one repository layer ([`store`]).
//!
//! The kiosk embeds it through [`start`]; the `customerclient-backend` binary runs it alone.

pub mod auth;
pub mod catalog;
pub mod error;
mod extract;
pub mod files;
pub mod mail;
pub mod orders;
pub mod passwords;
pub mod payments;
pub mod predict;
pub mod push;
pub mod seed;
pub mod settings;
pub mod simulator;
pub mod stats;
pub mod store;
pub mod tracking;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::get;
use axum::{Json, Router};
use customerclient_api::{HEALTH_PATH, Health};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use mail::{MailConfig, MailTransport, SmtpSecurity};
pub use orders::DeliveryTerms;
pub use payments::PaymentsConfig;
pub use store::Store;

/// The courier token of the demo (the embedded backend, or `--demo`); a backend run for real
/// refuses to start without a token of its own.
pub const DEMO_COURIER_TOKEN: &str = "demo-courier-token";

/// Largest JSON body any route accepts.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub delivery: Arc<DeliveryTerms>,
    pub payments: Arc<PaymentsConfig>,
    /// Wakes the mail worker when a message is queued.
    pub mail_wake: Arc<tokio::sync::Notify>,
    pub auth: Arc<auth::AuthConfig>,
    /// Shared secret of the kitchen and courier apps.
    pub courier_token: Arc<str>,
    /// Live push events, by account.
    pub hub: push::Hub,
    /// The delivery district.
    pub map: Arc<customerclient_api::city::CityMap>,
    /// The ETA model, refitted whenever a delivery finishes.
    pub model: Arc<std::sync::RwLock<predict::Model>>,
    /// How much faster than real time deliveries run (the simulator's speed; 1 without it).
    pub time_scale: f64,
    /// Product pages already answered, for the current catalog.
    pub catalog_pages: Arc<catalog::PageCache>,
    /// Argon2 on one worker per core with reused memory.
    pub passwords: passwords::Passwords,
    /// Where the bank simulator sends its webhook: this backend's own address, set at start
    /// (never taken from a request).
    pub self_url: Arc<std::sync::OnceLock<String>>,
    pub orders_per_account: store::Throttle,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://path/to/file.sqlite`, `sqlite::memory:` or
    /// `postgres://user:password@host:port/database`.
    pub database_url: String,
    /// Seed the demo catalog when the catalog is empty.
    pub seed_demo: bool,
    /// Give the demo dishes their videos (encoding them takes a few seconds).
    pub seed_videos: bool,
    /// Grow the demo catalog to this many products (numbered variants; for benchmarks).
    pub catalog_size: Option<usize>,
    pub delivery: DeliveryTerms,
    pub payments: PaymentsConfig,
    pub mail: MailConfig,
    pub auth: auth::AuthConfig,
    /// Shared secret the kitchen and courier apps send in `X-Courier-Token`.
    pub courier_token: String,
    /// Runs the delivery simulator (the demo's kitchen and couriers) when set.
    pub simulator: Option<simulator::SimulatorConfig>,
    /// Demo conveniences allowed: the bank simulator page, the demo secrets. The embedded
    /// backend is a demo; the standalone one only with `--demo`.
    pub demo: bool,
    /// How often pending card attempts, stale QR codes and owed refunds are looked at.
    pub recovery_interval: std::time::Duration,
    /// Orders one account may place before it is slowed down.
    pub orders_per_account: store::Throttle,
}

impl Config {
    /// Defaults for `database_url`; mail goes to an `outbox` folder beside a SQLite file.
    pub fn new(database_url: impl Into<String>) -> Self {
        let database_url = database_url.into();
        let outbox = database_url
            .strip_prefix("sqlite://")
            .and_then(|p| std::path::Path::new(p).parent())
            .filter(|d| !d.as_os_str().is_empty())
            .map(|d| d.join("outbox"))
            .unwrap_or_else(|| std::env::temp_dir().join("customerclient-outbox"));
        Self {
            database_url,
            seed_demo: true,
            seed_videos: true,
            catalog_size: None,
            delivery: DeliveryTerms::default(),
            payments: PaymentsConfig::default(),
            mail: MailConfig::outbox(outbox),
            auth: auth::AuthConfig::default(),
            courier_token: DEMO_COURIER_TOKEN.into(),
            simulator: None,
            demo: true,
            recovery_interval: std::time::Duration::from_secs(5),
            orders_per_account: orders::ORDERS_PER_ACCOUNT,
        }
    }
}

/// `<data dir>/customerclient/customerclient.sqlite`, e.g. under `~/.local/share` on Linux.
pub fn default_database_path() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("customerclient")
        .join("customerclient.sqlite")
}

/// The URL as it may be logged: a PostgreSQL password replaced by `***`.
pub fn without_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}:***{}", &url[..scheme + 3 + colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

pub fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Opens the store, seeds it if asked, and returns the state the router runs on.
pub async fn open(config: &Config) -> anyhow::Result<AppState> {
    if !config.demo {
        anyhow::ensure!(
            config.courier_token != DEMO_COURIER_TOKEN && !config.courier_token.trim().is_empty(),
            "set a courier token (--courier-token or CUSTOMERCLIENT_COURIER_TOKEN), or run with --demo"
        );
        anyhow::ensure!(
            config.payments.webhook_secret != payments::DEMO_WEBHOOK_SECRET
                && config.payments.webhook_secret.len() >= 16,
            "set a bank webhook secret of 16 characters or more (--webhook-secret or \
             CUSTOMERCLIENT_WEBHOOK_SECRET), or run with --demo"
        );
        anyhow::ensure!(
            !config.payments.bank_simulator,
            "the bank simulator exists only in demo mode (--demo)"
        );
    }
    if let Some(path) = config.database_url.strip_prefix("sqlite://")
        && let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| format!("opening {}", without_password(&config.database_url)))?;
    let map = customerclient_api::city::CityMap::generate(tracking::CITY_SEED);
    if config.seed_demo {
        seed::seed_demo_catalog(
            &store,
            &map,
            &config.delivery,
            config.seed_videos,
            config.catalog_size,
        )
        .await
        .context("seeding the demo catalog")?;
    }
    if config.payments.webhook_secret == payments::DEMO_WEBHOOK_SECRET {
        tracing::warn!("bank webhook uses the demo secret; set a real one for production");
    }
    let history = store
        .delivery_history()
        .await
        .context("reading the delivery history")?;
    let model = tokio::task::spawn_blocking(move || predict::Model::fit(&history)).await?;
    tracing::info!(deliveries = model.samples, "ETA model fitted");
    // Events stored by other instances wake this one's streams (PostgreSQL only).
    let hub = push::hub();
    let woken = hub.clone();
    store.follow_events(move |account| {
        let _ = woken.send(account);
    });
    Ok(AppState {
        map: Arc::new(map),
        model: Arc::new(std::sync::RwLock::new(model)),
        time_scale: config.simulator.as_ref().map_or(1.0, |s| s.speed),
        catalog_pages: Default::default(),
        store,
        delivery: Arc::new(config.delivery.clone()),
        payments: Arc::new(config.payments.clone()),
        mail_wake: Arc::new(tokio::sync::Notify::new()),
        auth: Arc::new(config.auth.clone()),
        courier_token: config.courier_token.as_str().into(),
        hub,
        passwords: passwords::Passwords::start(16),
        self_url: Default::default(),
        orders_per_account: config.orders_per_account,
    })
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(HEALTH_PATH, get(health))
        .merge(auth::router())
        .merge(catalog::router())
        .merge(files::router())
        .merge(orders::router())
        .merge(payments::router())
        .merge(settings::router())
        .merge(push::router())
        .merge(tracking::router())
        .merge(stats::router())
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(axum::middleware::map_response(error::json_errors))
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> Result<Json<Health>, error::AppError> {
    state.store.ping().await.map_err(anyhow::Error::from)?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

/// A backend serving on a local port until [`Backend::stop`] or drop.
pub struct Backend {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    mail_worker: Option<tokio::task::JoinHandle<()>>,
    simulator: Option<tokio::task::JoinHandle<()>>,
    recovery: Option<tokio::task::JoinHandle<()>>,
}

impl Backend {
    /// Base URL, e.g. `http://127.0.0.1:39213`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.recovery.take() {
            r.abort();
            let _ = r.await;
        }
        if let Some(s) = self.simulator.take() {
            s.abort();
            let _ = s.await;
        }
        if let Some(w) = self.mail_worker.take() {
            w.abort();
            let _ = w.await;
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take() {
            // Open event streams never end by themselves; give requests a moment, then stop.
            if tokio::time::timeout(std::time::Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
        self.state.store.close().await;
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some(r) = self.recovery.take() {
            r.abort();
        }
        if let Some(s) = self.simulator.take() {
            s.abort();
        }
        if let Some(w) = self.mail_worker.take() {
            w.abort();
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Opens the store and serves on `listen` (port 0 picks a free one). Must run inside tokio.
pub async fn start(config: &Config, listen: SocketAddr) -> anyhow::Result<Backend> {
    let state = open(config).await?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let addr = listener.local_addr()?;
    let _ = state.self_url.set(format!("http://{addr}"));
    // Whatever a crash left half done is resolved before the first request is served.
    payments::recover(&state).await;
    let recovery = {
        let state = state.clone();
        let every = config.recovery_interval;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                payments::recover(&state).await;
            }
        })
    };
    let app = router(state.clone());
    let mailer = Arc::new(mail::Mailer::new(&config.mail).context("setting up mail")?);
    let mail_worker = mail::spawn_worker(
        state.store.clone(),
        mailer,
        config.mail.clone(),
        state.mail_wake.clone(),
    );
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "backend server stopped");
        }
    });
    tracing::info!(%addr, "backend listening");
    if config.payments.bank_simulator {
        tracing::info!("bank simulator: http://{addr}/bank");
    }
    let simulator = config.simulator.clone().map(|sim| {
        tracing::info!(speed = sim.speed, "delivery simulator running");
        simulator::spawn(format!("http://{addr}"), config.courier_token.clone(), sim)
    });
    Ok(Backend {
        addr,
        state,
        shutdown: Some(tx),
        task: Some(task),
        mail_worker: Some(mail_worker),
        simulator,
        recovery: Some(recovery),
    })
}

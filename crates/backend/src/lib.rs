//! The customerclient backend: one axum service with a module per backend of the seed system
//! (auth, catalog, files, orders), over one repository layer ([`store`]).
//!
//! The kiosk embeds it through [`start`]; the `customerclient-backend` binary runs it alone.

pub mod auth;
pub mod catalog;
pub mod catalog_news;
pub mod error;
mod extract;
pub mod files;
pub mod jobs;
pub mod kiosks;
pub mod mail;
pub mod menu;
pub mod operator;
pub mod operator_page;
pub mod orders;
pub mod passwords;
pub mod payments;
pub mod peers;
pub mod phone_tracking;
pub mod predict;
pub mod profile;
pub mod push;
pub mod receipt;
pub mod routes;
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
use axum::{Json, Router};
use customerclient_api::Health;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use mail::{MailConfig, MailTransport, SmtpSecurity};
pub use payments::PaymentsConfig;
pub use profile::StoreSetup;
pub use store::Store;

/// The courier token of the demo (the embedded backend, or `--demo`); a backend run for real
/// refuses to start without a token of its own.
pub const DEMO_COURIER_TOKEN: &str = "demo-courier-token";

/// The operator token of the demo; a backend run for real needs one of its own.
pub const DEMO_OPERATOR_TOKEN: &str = "demo-operator-token";

/// Largest JSON body any route accepts.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The store's profile (`--store`): currency, zones and prices, hours; served to kiosks.
    pub profile: Arc<customerclient_api::profile::StoreProfile>,
    /// The payee of the store's QR codes (from the profile).
    pub merchant: Arc<payments::Merchant>,
    pub payments: Arc<PaymentsConfig>,
    /// Wakes the mail worker when a message is queued.
    pub mail_wake: Arc<tokio::sync::Notify>,
    pub auth: Arc<auth::AuthConfig>,
    /// Shared secret of the kitchen and courier apps.
    pub courier_token: Arc<str>,
    /// The store operator's secret (the operator API and page).
    pub operator_token: Arc<str>,
    /// How often kiosks send their heartbeat (the fleet page counts three missed as offline).
    pub heartbeat_seconds: u64,
    /// What is sold out, as this instance last read it with the catalog's version (`None`
    /// before the first read): kiosks' catalog streams send it ([`catalog_news`]).
    pub catalog_news: catalog_news::Latest,
    /// Live push events, by account.
    pub hub: push::Hub,
    /// The delivery district.
    pub map: Arc<customerclient_api::city::CityMap>,
    /// The ETA model, refitted from the deliveries table every minute ([`jobs::REFIT_EVERY`]).
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
    /// The address customers' phones reach this backend at (`--public-url`), for the links
    /// to follow an order; `None`: its own listening address.
    pub public_url: Option<Arc<str>>,
    pub orders_per_account: store::Throttle,
    /// Whether this instance leads the fleet's periodic jobs now (see [`jobs`]); reported by
    /// the health check, never relied on for correctness.
    pub leading: Arc<std::sync::atomic::AtomicBool>,
    /// Turns true when the instance begins to shut down: the health check answers 503 and
    /// open event streams end, so load balancers and kiosks go to another instance.
    pub shutdown: Arc<tokio::sync::watch::Sender<bool>>,
    /// Kiosk reports written lately by this instance (saves writes; see [`kiosks`]).
    pub kiosks_seen: kiosks::Seen,
    /// The operator's load balancers, whose `X-Forwarded-For` names the client ([`peers`]).
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
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
    /// The store profile: the operator's `--store` file, or the demo's.
    pub store: StoreSetup,
    pub payments: PaymentsConfig,
    pub mail: MailConfig,
    pub auth: auth::AuthConfig,
    /// Shared secret the kitchen and courier apps send in `X-Courier-Token`.
    pub courier_token: String,
    /// The store operator's secret, sent in `X-Operator-Token`.
    pub operator_token: String,
    /// The kiosks' heartbeat period the fleet page assumes (30 s; shorter in tests).
    pub heartbeat_seconds: u64,
    /// Runs the delivery simulator (the demo's kitchen and couriers) when set.
    pub simulator: Option<simulator::SimulatorConfig>,
    /// Demo conveniences allowed: the bank simulator page, the demo secrets. The embedded
    /// backend is a demo; the standalone one only with `--demo`.
    pub demo: bool,
    /// How often pending card attempts, stale QR codes and owed refunds are looked at.
    pub recovery_interval: std::time::Duration,
    /// Orders one account may place before it is slowed down.
    pub orders_per_account: store::Throttle,
    /// Load balancers in front of the backend: requests from them are keyed on the address
    /// they forwarded for ([`peers`]). Empty: every request is keyed on its TCP peer.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Where customers' phones reach the backend (`https://track.example.com`), for the
    /// links to follow an order; `None`: its own listening address (the demo's).
    pub public_url: Option<String>,
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
            store: StoreSetup::demo(),
            payments: PaymentsConfig::default(),
            mail: MailConfig::outbox(outbox),
            auth: auth::AuthConfig::default(),
            courier_token: DEMO_COURIER_TOKEN.into(),
            operator_token: DEMO_OPERATOR_TOKEN.into(),
            heartbeat_seconds: customerclient_api::kiosk::HEARTBEAT_SECONDS,
            simulator: None,
            demo: true,
            recovery_interval: std::time::Duration::from_secs(5),
            orders_per_account: orders::ORDERS_PER_ACCOUNT,
            trusted_proxies: Vec::new(),
            public_url: None,
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

/// Creates the folder a SQLite database file goes in (a fresh machine has no data folder yet).
pub fn ensure_database_folder(database_url: &str) -> anyhow::Result<()> {
    if let Some(path) = database_url.strip_prefix("sqlite://")
        && let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(())
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
            config.operator_token != DEMO_OPERATOR_TOKEN
                && config.operator_token.trim().len() >= 16,
            "set an operator token of 16 characters or more (--operator-token or \
             CUSTOMERCLIENT_OPERATOR_TOKEN), or run with --demo"
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
    ensure_database_folder(&config.database_url)?;
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| format!("opening {}", without_password(&config.database_url)))?;
    let map = customerclient_api::city::CityMap::generate(tracking::CITY_SEED);
    if config.seed_demo {
        seed_once(&store, &map, config)
            .await
            .context("seeding the demo catalog")?;
    }
    // Orders are priced in the profile's currency: a menu in another would sell nothing.
    if let Some(menu) = store.catalog_currency().await? {
        let profile = &config.store.profile.currency;
        anyhow::ensure!(
            menu == *profile,
            "the menu is priced in {menu} but the store profile sells in {profile}: import the \
             menu again in {profile} (customerclient-backend menu import PATH --currency \
             {profile}) or give the profile that matches it (--store)"
        );
    }
    let mut setup = config.store.clone();
    setup
        .store_logo(&store)
        .await
        .context("storing the store's logo")?;
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
    store.follow_events(move |account| woken.wake(account));
    Ok(AppState {
        map: Arc::new(map),
        model: Arc::new(std::sync::RwLock::new(model)),
        time_scale: config.simulator.as_ref().map_or(1.0, |s| s.speed),
        catalog_pages: Default::default(),
        store,
        profile: Arc::new(setup.profile),
        merchant: Arc::new(config.store.merchant.clone()),
        payments: Arc::new(config.payments.clone()),
        mail_wake: Arc::new(tokio::sync::Notify::new()),
        auth: Arc::new(config.auth.clone()),
        courier_token: config.courier_token.as_str().into(),
        operator_token: config.operator_token.as_str().into(),
        heartbeat_seconds: config.heartbeat_seconds.max(1),
        catalog_news: Arc::new(tokio::sync::watch::channel(None).0),
        hub,
        passwords: passwords::Passwords::start(16),
        self_url: Default::default(),
        public_url: config.public_url.as_deref().map(Arc::from),
        orders_per_account: config.orders_per_account,
        leading: Default::default(),
        shutdown: Arc::new(tokio::sync::watch::channel(false).0),
        kiosks_seen: Default::default(),
        trusted_proxies: config.trusted_proxies.clone().into(),
    })
}

/// Seeds the demo data holding the seeding role, so that instances started together on an
/// empty database write it once: the others wait for the role, then find the catalog there.
async fn seed_once(
    store: &Store,
    map: &customerclient_api::city::CityMap,
    config: &Config,
) -> Result<(), store::StoreError> {
    let holder = uuid::Uuid::new_v4().to_string();
    let mut role = store.leader_candidate(store::Role::Seeding, &holder);
    let asked = std::time::Instant::now();
    loop {
        match role.lead().await {
            Ok(true) => break,
            Ok(false) => {}
            // Another process's seed can keep a SQLite file busy for a while.
            Err(e) if asked.elapsed() < std::time::Duration::from_secs(120) => {
                tracing::warn!(error = %e, "asking for the seeding role; asking again");
            }
            Err(e) => return Err(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // Kept while seeding, in a task of its own: a SQLite lease runs out unless renewed, and
    // a renewal waits for the seed's own write transactions to finish.
    let (done, mut finished) = oneshot::channel::<()>();
    let keeper = tokio::spawn(async move {
        let mut renew = tokio::time::interval(std::time::Duration::from_secs(1));
        renew.tick().await;
        loop {
            tokio::select! {
                _ = &mut finished => break,
                _ = renew.tick() => {
                    if let Err(e) = role.lead().await {
                        tracing::warn!(error = %e, "renewing the seeding role");
                    }
                }
            }
        }
        role.resign().await;
    });
    let seeded = seed::seed_demo_catalog(
        store,
        map,
        &config.store.profile,
        config.seed_videos,
        config.catalog_size,
    )
    .await;
    let _ = done.send(());
    let _ = keeper.await;
    seeded
}

/// Every endpoint's handler, at its route ([`routes`]).
pub fn routes() -> routes::Routes {
    routes::Routes::new()
        .at(customerclient_api::endpoint::GetHealth, health)
        .at(customerclient_api::endpoint::GetOpenApi, openapi)
        .merge(auth::router())
        .merge(catalog::router())
        .merge(files::router())
        .merge(orders::router())
        .merge(payments::router())
        .merge(settings::router())
        .merge(push::router())
        .merge(tracking::router())
        .merge(stats::router())
        .merge(kiosks::router())
        .merge(profile::router())
        .merge(receipt::router())
        .merge(catalog_news::router())
        .merge(operator::router())
        .merge(phone_tracking::router())
}

pub fn router(state: AppState) -> Router {
    routes()
        .into_router()
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            kiosks::identify,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            peers::locate,
        ))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(axum::middleware::map_response(error::json_errors))
        .with_state(state)
}

/// The API's OpenAPI document, generated from the endpoint types once per process (it is
/// the same for every instance of a build).
async fn openapi() -> impl axum::response::IntoResponse {
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let json = DOCUMENT.get_or_init(customerclient_api::openapi::document_json);
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json.as_str(),
    )
}

/// For load balancers: 200 while this instance can serve — its database answers and has
/// exactly the schema this build expects — and 503 otherwise, or once it is shutting down.
async fn health(State(state): State<AppState>) -> Result<Json<Health>, error::AppError> {
    if *state.shutdown.borrow() {
        return Err(error::AppError::Unavailable(
            "this instance is shutting down".into(),
        ));
    }
    let problem = state.store.schema_problem().await.map_err(|e| {
        tracing::warn!(error = %e, "health check: the database does not answer");
        error::AppError::Unavailable("the database does not answer".into())
    })?;
    if let Some(problem) = problem {
        return Err(error::AppError::Unavailable(format!(
            "the database schema is not current: {problem}"
        )));
    }
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database: match state.store.engine() {
            store::Engine::Sqlite => "sqlite",
            store::Engine::Postgres => "postgres",
        }
        .into(),
        role: if state.leading.load(std::sync::atomic::Ordering::Relaxed) {
            "leader"
        } else {
            "standby"
        }
        .into(),
    }))
}

/// A backend serving on a local port until [`Backend::stop`] or drop.
pub struct Backend {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    mail_worker: Option<tokio::task::JoinHandle<()>>,
    jobs: Option<tokio::task::JoinHandle<()>>,
}

/// How long a graceful stop waits for requests in flight (and the mail being sent) to end.
pub const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl Backend {
    /// Base URL, e.g. `http://127.0.0.1:39213`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A graceful stop: the health check turns 503 and event streams end (kiosks reconnect
    /// elsewhere), the leader role is given up, no new connection is taken, requests in
    /// flight and the message being mailed finish (up to [`DRAIN_TIMEOUT`]), then the
    /// database pool closes.
    pub async fn stop(mut self) {
        self.state.shutdown.send_replace(true);
        if let Some(jobs) = self.jobs.take() {
            finish(jobs, DRAIN_TIMEOUT).await;
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let (server, mail) = (self.task.take(), self.mail_worker.take());
        tokio::join!(
            async {
                if let Some(t) = server {
                    finish(t, DRAIN_TIMEOUT).await
                }
            },
            async {
                if let Some(m) = mail {
                    finish(m, DRAIN_TIMEOUT).await
                }
            },
        );
        self.state.store.close().await;
    }
}

/// Waits for `task` to end by itself for at most `limit`, then aborts it.
async fn finish(mut task: tokio::task::JoinHandle<()>, limit: std::time::Duration) {
    if tokio::time::timeout(limit, &mut task).await.is_err() {
        task.abort();
        let _ = task.await;
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.state.shutdown.send_replace(true);
        if let Some(j) = self.jobs.take() {
            j.abort();
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
    // Whatever a crash left half done is resolved before the first request is served (by
    // every instance that starts: each step is guarded in its own transaction).
    payments::recover(&state).await;
    let app = router(state.clone());
    let mailer = Arc::new(mail::Mailer::new(&config.mail).context("setting up mail")?);
    let mail_worker = mail::spawn_worker(
        state.store.clone(),
        state.profile.clone(),
        mailer,
        config.mail.clone(),
        state.mail_wake.clone(),
        state.shutdown.subscribe(),
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
    catalog_news::spawn_watcher(state.clone(), state.shutdown.subscribe());
    let jobs = jobs::spawn(
        state.clone(),
        jobs::JobsConfig {
            recovery_interval: config.recovery_interval,
            simulator: config.simulator.clone(),
            courier_token: config.courier_token.clone(),
        },
        format!("http://{addr}"),
        state.shutdown.subscribe(),
    );
    Ok(Backend {
        addr,
        state,
        shutdown: Some(tx),
        task: Some(task),
        mail_worker: Some(mail_worker),
        jobs: Some(jobs),
    })
}

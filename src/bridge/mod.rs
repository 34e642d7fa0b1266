//! The async bridge: a tokio runtime owned by a Bevy resource, on threads of its own.
//!
//! Systems call [`Bridge::send`] with a [`Call`] of any endpoint type of
//! `customerclient_api::endpoint` and get a [`RequestId`] back at once; the HTTP work runs on
//! the runtime, and its outcome comes back over a crossbeam channel that [`drain_replies`]
//! empties every frame into that endpoint's [`Reply`] message — a `Reply<GetOrders>` carries
//! an `OrderList`, so a system reads exactly the answers it asked for. The connection, the
//! backend's reachability, push events and decoded pictures are messages of their own.
//! Nothing here ever blocks a frame: a dead backend only means replies that are errors, later.

mod client;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bevy::prelude::*;
use crossbeam_channel::{Receiver, Sender};
use customerclient_api::ErrorBody;
use customerclient_api::endpoint::{self, Empty, Endpoint, Visit, Wire};
use customerclient_api::push::PushEvent;
use uuid::Uuid;

use crate::config::{BackendTarget, KioskConfig};

pub(crate) fn plugin(app: &mut App) {
    let config = app.world().resource::<KioskConfig>().clone();
    // A bridge put in before the plugin (a test's [`Bridge::fake`]) is kept.
    if !app.world().contains_resource::<Bridge>() {
        match Bridge::start(&config) {
            Ok(bridge) => {
                app.insert_resource(bridge);
            }
            Err(e) => {
                // Without a runtime the kiosk cannot do anything useful; say so loudly.
                panic!("cannot start the async bridge: {e}");
            }
        }
    }
    endpoint::visit_all(&mut Registrar(app));
    app.add_message::<BackendConnected>()
        .add_message::<BackendReachable>()
        .add_message::<PushReceived>()
        .add_message::<CatalogNewsReceived>()
        .add_message::<ImageReply>()
        .add_systems(Startup, wake_app_on_replies)
        .add_systems(PreUpdate, drain_replies);
}

/// The kiosk sleeps between frames while nothing moves; a reply or push event wakes it so it
/// is shown at once rather than at the next timer tick. (No event loop in headless tests.)
fn wake_app_on_replies(
    bridge: Res<Bridge>,
    proxy: Option<Res<bevy::winit::EventLoopProxyWrapper>>,
) {
    if let Some(proxy) = proxy {
        let proxy = (**proxy).clone();
        bridge.set_waker(move || {
            let _ = proxy.send_event(bevy::winit::WinitUserEvent::WakeUp);
        });
    }
}

/// Writes beside `path`, flushes, and renames over it: a crash leaves the old file or the new
/// one, never half of one.
pub fn write_whole(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = std::path::PathBuf::from(tmp);
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Registers the [`Reply`] message of every endpoint.
struct Registrar<'a>(&'a mut App);

impl Visit for Registrar<'_> {
    fn visit<E: Endpoint>(&mut self) {
        self.0.add_message::<Reply<E>>();
    }
}

type Waker = Arc<std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>>;

/// What the runtime hands the app: writing one message into the world (and, for the
/// connection, noting the backend's address first).
type Delivery = Box<dyn FnOnce(&mut World) + Send>;

/// The runtime's end of the reply channel: every reply also wakes the app.
#[derive(Clone)]
struct ReplyTx {
    tx: Sender<Delivery>,
    wake: Waker,
}

impl ReplyTx {
    /// Queues `message` for the app; false once the app (the receiving end) is gone.
    fn send<M: Message>(&self, message: M) -> bool {
        self.deliver(Box::new(move |world: &mut World| {
            world.write_message(message);
        }))
    }

    fn deliver(&self, delivery: Delivery) -> bool {
        let sent = self.tx.send(delivery).is_ok();
        if let Some(wake) = self.wake.get() {
            wake();
        }
        sent
    }
}

pub type RequestId = u64;

/// A request to endpoint `E`: its body, and the route's id, the query, the session's token
/// and the idempotency key where it has them. A card's number goes into the body and is
/// dropped (zeroised) with it.
pub struct Call<E: Endpoint> {
    id: Option<String>,
    query: Option<E::Query>,
    body: E::Request,
    token: Option<String>,
    key: Option<String>,
}

impl<E: Endpoint> Call<E> {
    pub fn new(body: E::Request) -> Self {
        Self {
            id: None,
            query: None,
            body,
            token: None,
            key: None,
        }
    }

    /// The route's `{id}`.
    pub fn at(mut self, id: impl std::fmt::Display) -> Self {
        self.id = Some(id.to_string());
        self
    }

    pub fn query(mut self, query: E::Query) -> Self {
        self.query = Some(query);
        self
    }

    /// The session's bearer token.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The `Idempotency-Key`: the same on every retry of one order or payment.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

impl<E: Endpoint<Request = Empty>> Call<E> {
    /// A call without a body.
    pub fn empty() -> Self {
        Self::new(Empty)
    }
}

/// The answer to a [`Call`] of `E`, matched to it by `id`.
#[derive(Message, Debug, Clone)]
pub struct Reply<E: Endpoint> {
    pub id: RequestId,
    pub result: Result<E::Response, BridgeError>,
}

impl<E: Endpoint> Reply<E> {
    /// The id and the answer seen through `f`: a flow that sends several endpoints reads
    /// their replies as one stream of its own answers.
    pub fn map<'a, T>(
        &'a self,
        f: impl FnOnce(&'a E::Response) -> T,
    ) -> (RequestId, Result<T, &'a BridgeError>) {
        (self.id, self.result.as_ref().map(f))
    }
}

/// The backend is reachable at this address (the embedded one has started), or could not
/// be started.
#[derive(Message, Debug, Clone)]
pub struct BackendConnected(pub Result<String, BridgeError>);

/// Sent when reachability changes: a health probe or a request found the backend answering
/// (`true`) or not (`false`).
#[derive(Message, Debug, Clone, Copy)]
pub struct BackendReachable(pub bool);

/// The catalog's news from its stream (what is sold out now), as it comes.
#[derive(Message, Debug, Clone)]
pub struct CatalogNewsReceived(pub customerclient_api::catalog::CatalogNews);

/// A live event from the push stream (it reconnects by itself, so never an error).
#[derive(Message, Debug, Clone)]
pub struct PushReceived(pub PushEvent);

/// A picture from the file service, decoded ([`Bridge::fetch_image`]).
#[derive(Message, Debug, Clone)]
pub struct ImageReply {
    pub id: RequestId,
    pub file: Uuid,
    pub result: Result<DecodedImage, BridgeError>,
}

/// RGBA8 pixels decoded off the main thread.
#[derive(Clone)]
pub struct DecodedImage {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for DecodedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DecodedImage({}x{})", self.width, self.height)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BridgeError {
    #[error("the store's server is not connected yet")]
    NotConnected,
    #[error("cannot reach the store's server: {0}")]
    Unreachable(String),
    #[error("the store's server did not answer in time")]
    Timeout,
    /// The backend answered with an error (4xx/5xx).
    #[error("{}", .body.message)]
    Rejected { status: u16, body: ErrorBody },
    #[error("unexpected answer: {0}")]
    Invalid(String),
}

impl BridgeError {
    /// Worth trying again with the same request (the network or server, not the request, failed).
    pub fn is_transient(&self) -> bool {
        match self {
            BridgeError::NotConnected | BridgeError::Unreachable(_) | BridgeError::Timeout => true,
            BridgeError::Rejected { status, .. } => *status >= 500,
            BridgeError::Invalid(_) => false,
        }
    }
}

/// How often the backend's health is probed, and how long a probe may take. An outage shows
/// within their sum (4 s); the probe runs on the runtime and wakes the app only on a change,
/// so a quiet kiosk still sleeps.
pub const PROBE_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
pub const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether the backend answers, as last seen; a change is sent once as a message.
#[derive(Clone)]
struct Reachability {
    up: Arc<std::sync::atomic::AtomicBool>,
    tx: ReplyTx,
}

impl Reachability {
    fn saw(&self, up: bool) {
        if self.up.swap(up, Ordering::Relaxed) != up {
            self.tx.send(BackendReachable(up));
        }
    }
}

#[derive(Resource)]
pub struct Bridge {
    runtime: Option<tokio::runtime::Runtime>,
    http: reqwest::Client,
    base_url: Option<String>,
    tx: ReplyTx,
    rx: Receiver<Delivery>,
    next_id: Arc<AtomicU64>,
    in_flight: Arc<AtomicU64>,
    /// The push stream being followed: whose token, and the task that follows it.
    listener: Option<(String, tokio::task::JoinHandle<()>)>,
    reachability: Reachability,
    probe: Option<tokio::task::JoinHandle<()>>,
    /// The task following the catalog's news, for as long as the kiosk runs.
    catalog_news: Option<tokio::task::JoinHandle<()>>,
    /// This kiosk's name, on every request (the push stream's client too).
    identity: reqwest::header::HeaderMap,
    /// A fake bridge's record of what it was asked to send, instead of sending it.
    sent: Option<Arc<std::sync::Mutex<Vec<SentCall>>>>,
    /// Where pictures are kept as fetched, for the saved menu (`menu_copy.rs`), and read
    /// from while the backend does not answer.
    pictures: Option<std::path::PathBuf>,
}

/// What a [`Bridge::fake`] was asked to send: the test answers it by writing a [`Reply`]
/// with the same id into the world. Bodies are not kept (a card's number never is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCall {
    pub id: RequestId,
    /// The endpoint's name (`PlaceOrder`…), or `image` for a picture.
    pub endpoint: &'static str,
    /// The route's `{id}`.
    pub at: Option<String>,
    pub key: Option<String>,
}

/// `X-Kiosk-Id`, `X-Kiosk-Store` and `X-Kiosk-Version` for `identity` (a value that cannot
/// be a header is left out).
fn identity_headers(identity: &crate::config::KioskIdentity) -> reqwest::header::HeaderMap {
    use customerclient_api::kiosk::{KIOSK_ID_HEADER, KIOSK_STORE_HEADER, KIOSK_VERSION_HEADER};
    let mut headers = reqwest::header::HeaderMap::new();
    let fields = [
        (KIOSK_ID_HEADER, Some(identity.id.as_str())),
        (KIOSK_STORE_HEADER, identity.store.as_deref()),
        (KIOSK_VERSION_HEADER, Some(identity.version.as_str())),
    ];
    for (name, value) in fields {
        if let Some(v) = value.and_then(|v| reqwest::header::HeaderValue::from_str(v).ok()) {
            headers.insert(name, v);
        }
    }
    headers
}

impl Bridge {
    /// Starts the runtime and, for the embedded target, the backend inside it.
    pub fn start(config: &KioskConfig) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kiosk-bridge")
            .enable_all()
            .build()?;
        let http = reqwest::Client::builder()
            .default_headers(identity_headers(&config.identity))
            .timeout(config.request_timeout)
            .connect_timeout(
                config
                    .request_timeout
                    .min(std::time::Duration::from_secs(3)),
            )
            .build()
            .map_err(std::io::Error::other)?;
        let (tx, rx) = crossbeam_channel::unbounded();
        let tx = ReplyTx {
            tx,
            wake: Waker::default(),
        };
        let bridge = Self {
            runtime: Some(runtime),
            http,
            base_url: None,
            reachability: Reachability {
                up: Arc::new(std::sync::atomic::AtomicBool::new(true)),
                tx: tx.clone(),
            },
            probe: None,
            catalog_news: None,
            identity: identity_headers(&config.identity),
            tx,
            rx,
            next_id: Arc::new(AtomicU64::new(1)),
            in_flight: Arc::new(AtomicU64::new(0)),
            listener: None,
            sent: None,
            pictures: config.menu_copy_paths().map(|(_, pictures)| pictures),
        };
        bridge.connect(config);
        Ok(bridge)
    }

    /// A bridge with no runtime and no backend, for testing a flow alone: it reports itself
    /// connected (a [`BackendConnected`] arrives on the first frame), records every call in
    /// [`Bridge::sent`] and answers none; the test writes the replies it wants.
    pub fn fake() -> Self {
        let (tx, rx) = crossbeam_channel::unbounded();
        let tx = ReplyTx {
            tx,
            wake: Waker::default(),
        };
        let base = "http://fake-backend.invalid".to_owned();
        tx.send(BackendConnected(Ok(base.clone())));
        Self {
            runtime: None,
            http: reqwest::Client::new(),
            base_url: Some(base),
            reachability: Reachability {
                up: Arc::new(std::sync::atomic::AtomicBool::new(true)),
                tx: tx.clone(),
            },
            probe: None,
            catalog_news: None,
            identity: Default::default(),
            tx,
            rx,
            next_id: Arc::new(AtomicU64::new(1)),
            in_flight: Arc::new(AtomicU64::new(0)),
            listener: None,
            sent: Some(Default::default()),
            pictures: None,
        }
    }

    /// A fake bridge's calls so far, oldest first (empty for a real one).
    pub fn sent(&self) -> Vec<SentCall> {
        self.sent
            .as_ref()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).clone())
            .unwrap_or_default()
    }

    fn record(
        &self,
        endpoint: &'static str,
        at: Option<String>,
        key: Option<String>,
    ) -> Option<RequestId> {
        let sent = self.sent.as_ref()?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        sent.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(SentCall {
                id,
                endpoint,
                at,
                key,
            });
        Some(id)
    }

    fn connect(&self, kiosk: &KioskConfig) {
        let (simulator_speed, catalog_size) = (kiosk.simulator_speed, kiosk.catalog_size);
        let store = kiosk.store_profile.clone();
        let tx = self.tx.clone();
        // The address is noted on the bridge before anyone reads the message.
        let reply = move |result: Result<String, BridgeError>| {
            tx.deliver(Box::new(move |world: &mut World| {
                if let Ok(base_url) = &result {
                    info!("backend at {base_url}");
                    let mut bridge = world.resource_mut::<Bridge>();
                    bridge.base_url = Some(base_url.clone());
                    bridge.watch_reachability();
                    bridge.follow_catalog();
                }
                world.write_message(BackendConnected(result));
            }));
        };
        match kiosk.backend.clone() {
            BackendTarget::Remote { base_url } => {
                reply(Ok(base_url.trim_end_matches('/').to_owned()));
            }
            BackendTarget::Embedded { database_url } => {
                self.runtime().spawn(async move {
                    let mut config = customerclient_backend::Config::new(database_url);
                    config.simulator = simulator_speed
                        .map(customerclient_backend::simulator::SimulatorConfig::new);
                    config.catalog_size = catalog_size;
                    if let Some(path) = &store {
                        match customerclient_backend::StoreSetup::load(path) {
                            Ok(setup) => config.store = setup,
                            Err(e) => {
                                error!("{e:#}");
                                reply(Err(BridgeError::Unreachable(format!("{e:#}"))));
                                return;
                            }
                        }
                    }
                    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
                    match customerclient_backend::start(&config, addr).await {
                        Ok(backend) => {
                            reply(Ok(backend.url()));
                            // Serve until the runtime shuts down with the app.
                            std::future::pending::<()>().await;
                            drop(backend);
                        }
                        Err(e) => {
                            error!("embedded backend failed to start: {e:#}");
                            reply(Err(BridgeError::Unreachable(format!("{e:#}"))));
                        }
                    }
                });
            }
        }
    }

    /// Called after every reply is queued (once; later calls are ignored).
    pub fn set_waker(&self, wake: impl Fn() + Send + Sync + 'static) {
        let _ = self.tx.wake.set(Box::new(wake));
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime
            .as_ref()
            .expect("the runtime lives as long as the bridge")
    }

    pub fn base_url(&self) -> Option<&str> {
        self.base_url.as_deref()
    }

    pub fn is_connected(&self) -> bool {
        self.base_url.is_some()
    }

    /// Requests not answered yet.
    pub fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Starts `call` on the runtime and returns at once; the answer arrives as a
    /// [`Reply<E>`] with the returned id. A call whose endpoint is safe to repeat
    /// (`E::RETRY_SAFE`) is tried again on a transient failure.
    pub fn send<E: Endpoint>(&self, call: Call<E>) -> RequestId
    where
        E::Query: Wire,
        E::Request: Wire,
        E::Response: Wire,
    {
        if let Some(id) = self.record(E::NAME, call.id.clone(), call.key.clone()) {
            return id;
        }
        self.run(
            move |http, base| async move { client::perform(&http, &base, call).await },
            move |id, result| Reply::<E> { id, result },
        )
    }

    /// Fetches picture `file` and decodes it off the main thread; the answer arrives as an
    /// [`ImageReply`] with the returned id.
    pub fn fetch_image(&self, file: Uuid) -> RequestId {
        if let Some(id) = self.record("image", Some(file.to_string()), None) {
            return id;
        }
        let kept = self.pictures.clone();
        self.run(
            move |http, base| async move { client::fetch_image(&http, &base, file, kept).await },
            move |id, result| ImageReply { id, file, result },
        )
    }

    /// Runs `work` on the runtime with the client and the backend's address, and sends its
    /// outcome as the message `wrap` makes of it.
    fn run<T, Fut, M>(
        &self,
        work: impl FnOnce(reqwest::Client, String) -> Fut + Send + 'static,
        wrap: impl FnOnce(RequestId, Result<T, BridgeError>) -> M + Send + 'static,
    ) -> RequestId
    where
        Fut: std::future::Future<Output = Result<T, BridgeError>> + Send + 'static,
        T: Send + 'static,
        M: Message,
    {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let tx = self.tx.clone();
        let Some(base) = self.base_url.clone() else {
            tx.send(wrap(id, Err(BridgeError::NotConnected)));
            return id;
        };
        let http = self.http.clone();
        let in_flight = self.in_flight.clone();
        let reachability = self.reachability.clone();
        in_flight.fetch_add(1, Ordering::Relaxed);
        self.runtime().spawn(async move {
            let result = work(http, base).await;
            in_flight.fetch_sub(1, Ordering::Relaxed);
            // Any answer, even a refusal, says the backend is there; a transport failure
            // says it is not, at once (the probe would take up to its period).
            match &result {
                Err(e) if e.is_transient() => reachability.saw(false),
                _ => reachability.saw(true),
            }
            tx.send(wrap(id, result));
        });
        id
    }
}

impl Bridge {
    /// Probes the backend's health every [`PROBE_EVERY`] from now on.
    fn watch_reachability(&mut self) {
        let Some(base) = self.base_url.clone() else {
            return;
        };
        if let Some(old) = self.probe.take() {
            old.abort();
        }
        let http = self.http.clone();
        let reachability = self.reachability.clone();
        let url = format!("{base}{}", customerclient_api::HEALTH_PATH);
        self.probe = Some(self.runtime().spawn(async move {
            let mut tick = tokio::time::interval(PROBE_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let up = http
                    .get(&url)
                    .timeout(PROBE_TIMEOUT)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                reachability.saw(up);
            }
        }));
    }

    /// Follows the catalog's news (what is sold out) from now on, reconnecting by itself:
    /// each connection starts with the present state, so nothing missed matters.
    fn follow_catalog(&mut self) {
        let (Some(base), Some(_)) = (self.base_url.clone(), &self.runtime) else {
            return;
        };
        if let Some(old) = self.catalog_news.take() {
            old.abort();
        }
        let Some(http) = self.stream_client() else {
            return;
        };
        let tx = self.tx.clone();
        self.catalog_news = Some(self.runtime().spawn(async move {
            client::follow_catalog(&http, &base, move |news| tx.send(CatalogNewsReceived(news)))
                .await;
        }));
    }

    /// A client for a stream that lives for hours: no total timeout, only a read timeout
    /// well above the server's 15 s keep-alive.
    fn stream_client(&self) -> Option<reqwest::Client> {
        reqwest::Client::builder()
            .default_headers(self.identity.clone())
            .connect_timeout(std::time::Duration::from_secs(3))
            .read_timeout(std::time::Duration::from_secs(45))
            .build()
            .inspect_err(|e| error!("cannot follow a stream: {e}"))
            .ok()
    }

    /// Follows the push stream of `token` (or stops following with `None`). The stream
    /// reconnects by itself with back-off and resumes after the last event it delivered.
    pub fn listen(&mut self, token: Option<&str>) {
        if self.listener.as_ref().map(|(t, _)| t.as_str()) == token {
            return;
        }
        if let Some((_, task)) = self.listener.take() {
            task.abort();
        }
        let (Some(token), Some(base)) = (token, self.base_url.clone()) else {
            return;
        };
        if self.runtime.is_none() {
            // A fake bridge: the test writes push events itself.
            return;
        }
        let tx = self.tx.clone();
        let Some(http) = self.stream_client() else {
            return;
        };
        let owned = token.to_owned();
        let task = self.runtime().spawn(async move {
            client::follow_events(&http, &base, &owned, move |event| {
                tx.send(PushReceived(event))
            })
            .await;
        });
        self.listener = Some((token.to_owned(), task));
    }

    /// What a worker thread of its own needs to make blocking requests: the runtime to block
    /// on, the client and the backend's base URL (None until connected).
    pub fn blocking_parts(&self) -> Option<(tokio::runtime::Handle, reqwest::Client, String)> {
        Some((
            self.runtime.as_ref()?.handle().clone(),
            self.http.clone(),
            self.base_url.clone()?,
        ))
    }

    /// Whose push stream is followed, if any.
    pub fn listening_to(&self) -> Option<&str> {
        self.listener.as_ref().map(|(t, _)| t.as_str())
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        // Never wait for in-flight requests (or the embedded server) when the app closes.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Moves every reply that has arrived into the message queues; never waits.
pub fn drain_replies(world: &mut World) {
    let rx = world.resource::<Bridge>().rx.clone();
    for deliver in rx.try_iter() {
        deliver(world);
    }
}

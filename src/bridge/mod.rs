//! The async bridge: a tokio runtime owned by a Bevy resource, on threads of its own.
//!
//! Systems call [`Bridge::send`] with a typed [`ApiCall`] and get a [`RequestId`] back at once;
//! the HTTP work runs on the runtime, and its outcome comes back over a crossbeam channel that
//! [`drain_replies`] empties every frame into [`BackendReply`] messages. Nothing here ever
//! blocks a frame: a dead backend only means replies that are errors, later.

mod client;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bevy::prelude::*;
use crossbeam_channel::{Receiver, Sender};
use customerclient_api::ErrorBody;
use customerclient_api::auth::{Session, SignUpPending, SignUpRequest};
use customerclient_api::card::CardDetails;
use customerclient_api::catalog::{Category, Product, ProductPage};
use customerclient_api::city::CityMap;
use customerclient_api::orders::{CreateOrderRequest, DeliveryInfo, Order, PaymentMethod};
use customerclient_api::payments::{Payment, SavedCard};
use customerclient_api::push::PushEvent;
use customerclient_api::settings::{AccountSettings, AddressInput, SavedAddress};
use customerclient_api::stats::{Dashboard, Period};
use customerclient_api::tracking::Tracking;
use uuid::Uuid;

use crate::config::{BackendTarget, KioskConfig};

pub(crate) fn plugin(app: &mut App) {
    let config = app.world().resource::<KioskConfig>().clone();
    match Bridge::start(&config) {
        Ok(bridge) => {
            app.insert_resource(bridge);
        }
        Err(e) => {
            // Without a runtime the kiosk cannot do anything useful; say so loudly.
            panic!("cannot start the async bridge: {e}");
        }
    }
    app.add_message::<BackendReply>()
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

type Waker = Arc<std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>>;

/// The runtime's end of the reply channel: every reply also wakes the app.
#[derive(Clone)]
struct ReplyTx {
    tx: Sender<BackendReply>,
    wake: Waker,
}

impl ReplyTx {
    /// False once the app (the receiving end) is gone.
    fn send(&self, reply: BackendReply) -> bool {
        let sent = self.tx.send(reply).is_ok();
        if let Some(wake) = self.wake.get() {
            wake();
        }
        sent
    }
}

pub type RequestId = u64;

/// A request to one of the backend services.
#[derive(Debug, Clone)]
pub enum ApiCall {
    Categories,
    Products {
        page: u32,
        per_page: u32,
    },
    Delivery,
    /// Fetch and decode a picture from the file service.
    Image(Uuid),
    /// Opens a guest session (ordering without an account).
    GuestSession,
    /// Places an order. The key stays the same across retries of the same order.
    PlaceOrder {
        token: String,
        idempotency_key: String,
        order: CreateOrderRequest,
    },
    /// Issues (or shows again) the QR code for paying the order in a bank app.
    StartQrPayment {
        token: String,
        order_id: Uuid,
    },
    /// Where a payment stands now.
    PollPayment {
        token: String,
        payment_id: Uuid,
    },
    /// Card data goes straight into this request and is dropped (zeroised) with it; or a
    /// saved card's id instead.
    PayByCard {
        token: String,
        order_id: Uuid,
        idempotency_key: String,
        card: Option<CardDetails>,
        save_card: bool,
        saved_card_id: Option<Uuid>,
    },
    LoadCards {
        token: String,
    },
    DeleteCard {
        token: String,
        id: Uuid,
    },
    SignIn {
        login: String,
        password: String,
    },
    SignUp(SignUpRequest),
    Verify {
        email: String,
        code: String,
    },
    ResendCode {
        email: String,
    },
    ForgotPassword {
        email: String,
    },
    ResetPassword {
        email: String,
        code: String,
        new_password: String,
    },
    SignOut {
        token: String,
    },
    LoadSettings {
        token: String,
    },
    SaveSettings {
        token: String,
        settings: AccountSettings,
    },
    LoadAddresses {
        token: String,
    },
    /// Adds an address (`id` None) or replaces one.
    SaveAddress {
        token: String,
        id: Option<Uuid>,
        address: AddressInput,
    },
    DeleteAddress {
        token: String,
        id: Uuid,
    },
    ChangePassword {
        token: String,
        current: String,
        new: String,
    },
    /// Switches an unpaid order to another way to pay.
    ChangePaymentMethod {
        token: String,
        order_id: Uuid,
        method: PaymentMethod,
    },
    /// The delivery district's streets.
    Map,
    /// Route, courier and ETA of one of the customer's orders.
    Tracking {
        token: String,
        order_id: Uuid,
    },
    /// Tracking by order number and the phone's last four digits, without signing in.
    TrackByNumber {
        number: i64,
        phone_last4: String,
    },
    Orders {
        token: String,
    },
    Stats {
        token: String,
        period: Period,
    },
    Rate {
        token: String,
        order_id: Uuid,
        stars: i64,
        comment: String,
    },
    CancelOrder {
        token: String,
        order_id: Uuid,
    },
    /// "Customers also bought" for a product.
    AlsoBought {
        product_id: i64,
    },
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

#[derive(Debug, Clone)]
pub enum ApiReply {
    /// The backend is reachable at `base_url` (the embedded one has started).
    Connected {
        base_url: String,
    },
    /// Sent when reachability changes: a health probe or a request found the backend
    /// answering (`true`) or not (`false`).
    Reachable(bool),
    Categories(Vec<Category>),
    Products(ProductPage),
    Delivery(DeliveryInfo),
    Image {
        id: Uuid,
        image: DecodedImage,
    },
    SessionOpened(Session),
    OrderPlaced(Order),
    Payment(Payment),
    OrderUpdated(Order),
    SignUpPending(SignUpPending),
    Settings(AccountSettings),
    Addresses(Vec<SavedAddress>),
    Cards(Vec<SavedCard>),
    Map(CityMap),
    Tracking(Tracking),
    Orders(Vec<Order>),
    Stats(Dashboard),
    AlsoBought {
        product_id: i64,
        products: Vec<Product>,
    },
    /// A live event from the push stream.
    Push(PushEvent),
    /// The request succeeded and has nothing to return.
    Done,
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

/// One answer from the backend, matched to its request by `id`.
#[derive(Message, Debug, Clone)]
pub struct BackendReply {
    pub id: RequestId,
    pub call: CallKind,
    pub result: Result<ApiReply, BridgeError>,
}

/// Which kind of call a reply answers (also for errors, which carry no payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Connect,
    Categories,
    Products,
    Delivery,
    Image,
    GuestSession,
    PlaceOrder,
    Payment,
    Account,
    Tracking,
    Orders,
    Recommendations,
    /// The push stream (events, never errors: it reconnects by itself).
    Push,
    /// The backend became reachable or stopped being so ([`ApiReply::Reachable`]).
    Reachability,
}

impl ApiCall {
    fn kind(&self) -> CallKind {
        match self {
            ApiCall::Categories => CallKind::Categories,
            ApiCall::Products { .. } => CallKind::Products,
            ApiCall::Delivery => CallKind::Delivery,
            ApiCall::Image(_) => CallKind::Image,
            ApiCall::GuestSession => CallKind::GuestSession,
            ApiCall::PlaceOrder { .. } => CallKind::PlaceOrder,
            ApiCall::StartQrPayment { .. }
            | ApiCall::PollPayment { .. }
            | ApiCall::PayByCard { .. }
            | ApiCall::ChangePaymentMethod { .. } => CallKind::Payment,
            ApiCall::Map | ApiCall::Tracking { .. } | ApiCall::TrackByNumber { .. } => {
                CallKind::Tracking
            }
            ApiCall::Orders { .. }
            | ApiCall::Stats { .. }
            | ApiCall::Rate { .. }
            | ApiCall::CancelOrder { .. } => CallKind::Orders,
            ApiCall::AlsoBought { .. } => CallKind::Recommendations,
            _ => CallKind::Account,
        }
    }
}

/// Request id of the connection reply.
pub const CONNECT_REQUEST: RequestId = 0;
/// Request id every push event arrives with.
pub const PUSH_REQUEST: RequestId = u64::MAX;
/// Request id of reachability changes.
pub const REACHABILITY_REQUEST: RequestId = u64::MAX - 1;

/// How often the backend's health is probed, and how long a probe may take. An outage shows
/// within their sum (4 s); the probe runs on the runtime and wakes the app only on a change,
/// so a quiet kiosk still sleeps.
pub const PROBE_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
pub const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether the backend answers, as last seen; a change is sent once as a reply.
#[derive(Clone)]
struct Reachability {
    up: Arc<std::sync::atomic::AtomicBool>,
    tx: ReplyTx,
}

impl Reachability {
    fn saw(&self, up: bool) {
        if self.up.swap(up, Ordering::Relaxed) != up {
            self.tx.send(BackendReply {
                id: REACHABILITY_REQUEST,
                call: CallKind::Reachability,
                result: Ok(ApiReply::Reachable(up)),
            });
        }
    }
}

#[derive(Resource)]
pub struct Bridge {
    runtime: Option<tokio::runtime::Runtime>,
    http: reqwest::Client,
    base_url: Option<String>,
    tx: ReplyTx,
    rx: Receiver<BackendReply>,
    next_id: Arc<AtomicU64>,
    in_flight: Arc<AtomicU64>,
    /// The push stream being followed: whose token, and the task that follows it.
    listener: Option<(String, tokio::task::JoinHandle<()>)>,
    reachability: Reachability,
    probe: Option<tokio::task::JoinHandle<()>>,
    /// This kiosk's name, on every request (the push stream's client too).
    identity: reqwest::header::HeaderMap,
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
            identity: identity_headers(&config.identity),
            tx,
            rx,
            next_id: Arc::new(AtomicU64::new(CONNECT_REQUEST + 1)),
            in_flight: Arc::new(AtomicU64::new(0)),
            listener: None,
        };
        bridge.connect(&config.backend, config.simulator_speed, config.catalog_size);
        Ok(bridge)
    }

    fn connect(
        &self,
        target: &BackendTarget,
        simulator_speed: Option<f64>,
        catalog_size: Option<usize>,
    ) {
        let tx = self.tx.clone();
        let reply = move |result| {
            tx.send(BackendReply {
                id: CONNECT_REQUEST,
                call: CallKind::Connect,
                result,
            });
        };
        match target.clone() {
            BackendTarget::Remote { base_url } => reply(Ok(ApiReply::Connected {
                base_url: base_url.trim_end_matches('/').to_owned(),
            })),
            BackendTarget::Embedded { database_url } => {
                self.runtime().spawn(async move {
                    let mut config = customerclient_backend::Config::new(database_url);
                    config.simulator = simulator_speed
                        .map(customerclient_backend::simulator::SimulatorConfig::new);
                    config.catalog_size = catalog_size;
                    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
                    match customerclient_backend::start(&config, addr).await {
                        Ok(backend) => {
                            reply(Ok(ApiReply::Connected {
                                base_url: backend.url(),
                            }));
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
    /// [`BackendReply`] with the returned id.
    pub fn send(&self, call: ApiCall) -> RequestId {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let kind = call.kind();
        let tx = self.tx.clone();
        let Some(base) = self.base_url.clone() else {
            tx.send(BackendReply {
                id,
                call: kind,
                result: Err(BridgeError::NotConnected),
            });
            return id;
        };
        let http = self.http.clone();
        let in_flight = self.in_flight.clone();
        let reachability = self.reachability.clone();
        in_flight.fetch_add(1, Ordering::Relaxed);
        self.runtime().spawn(async move {
            let result = client::perform(&http, &base, call).await;
            in_flight.fetch_sub(1, Ordering::Relaxed);
            // Any answer, even a refusal, says the backend is there; a transport failure
            // says it is not, at once (the probe would take up to its period).
            match &result {
                Err(e) if e.is_transient() => reachability.saw(false),
                _ => reachability.saw(true),
            }
            tx.send(BackendReply {
                id,
                call: kind,
                result,
            });
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
        let tx = self.tx.clone();
        // Its own client: the stream lives for hours, so no total timeout, only a read
        // timeout well above the server's 15 s keep-alive.
        let http = match reqwest::Client::builder()
            .default_headers(self.identity.clone())
            .connect_timeout(std::time::Duration::from_secs(3))
            .read_timeout(std::time::Duration::from_secs(45))
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                error!("cannot follow push events: {e}");
                return;
            }
        };
        let owned = token.to_owned();
        let task = self.runtime().spawn(async move {
            client::follow_events(&http, &base, &owned, move |event| {
                tx.send(BackendReply {
                    id: PUSH_REQUEST,
                    call: CallKind::Push,
                    result: Ok(ApiReply::Push(event)),
                })
            })
            .await;
        });
        self.listener = Some((token.to_owned(), task));
    }

    /// What a worker thread of its own needs to make blocking requests: the runtime to block
    /// on, the client and the backend's base URL (None until connected).
    pub fn blocking_parts(&self) -> Option<(tokio::runtime::Handle, reqwest::Client, String)> {
        Some((
            self.runtime().handle().clone(),
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

/// Moves every reply that has arrived into the message queue; never waits.
pub fn drain_replies(mut bridge: ResMut<Bridge>, mut out: MessageWriter<BackendReply>) {
    let replies: Vec<BackendReply> = bridge.rx.try_iter().collect();
    for reply in replies {
        if let Ok(ApiReply::Connected { base_url }) = &reply.result {
            info!("backend at {base_url}");
            bridge.base_url = Some(base_url.clone());
            bridge.watch_reachability();
        }
        out.write(reply);
    }
}

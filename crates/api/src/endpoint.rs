//! Every endpoint of the API as a type: its method, route template, query, request and
//! response bodies, who may call it and whether a retry is safe. The backend mounts each
//! handler at [`Endpoint::ROUTE`], clients and tests build URLs with [`Endpoint::path`], and
//! the list [`ALL`] is what the route and authorisation checks walk.

use uuid::Uuid;

use crate::Health;
use crate::auth::{
    Account, ChangePasswordRequest, EmailRequest, ResetPasswordRequest, Session, SignInRequest,
    SignUpPending, SignUpRequest, VerifyRequest,
};
use crate::catalog::{
    AvailabilityChange, Category, MenuItemState, Product, ProductPage, ProductQuery,
    Recommendations,
};
use crate::city::CityMap;
use crate::kiosk::{Heartbeat, KioskList};
use crate::orders::{
    CreateOrderRequest, DeliveryInfo, Order, OrderList, OrderQuery, RateRequest, ReceiptSent,
    StatusUpdate,
};
use crate::payments::{
    BankNotification, CardPaymentRequest, ChangePaymentMethod, Payment, SavedCard,
};
use crate::profile::StoreProfile;
use crate::settings::{AccountSettings, AddressInput, SavedAddress};
use crate::stats::{Dashboard, StatsQuery};
use crate::tracking::{
    CourierJobs, PositionReport, ShareRequest, TrackRequest, Tracking, TrackingLink,
};

/// The HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// Who an endpoint answers (anyone else gets 401, or 404 for another customer's things).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    /// No credentials needed.
    Anyone,
    /// A session: a guest's or a customer's bearer token.
    Session,
    /// A signed-in customer's bearer token (a guest gets 403).
    Customer,
    /// The kitchen's and couriers' shared secret in `X-Courier-Token`.
    Courier,
    /// The store operator's secret in `X-Operator-Token`.
    Operator,
    /// The bank, with the body's HMAC signature in `X-Signature`.
    Bank,
}

/// No body (a request without one, or a `204 No Content` answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Empty;

/// Bytes that are not JSON (a picture or a video).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Binary;

/// The OpenAPI document ([`crate::openapi::document`]), as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenApiDocument;

/// An HTML page (`text/html`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Html;

/// A PDF document (`application/pdf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pdf;

/// A stream of Server-Sent Events (`text/event-stream`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventStream;

/// One endpoint. Implemented by a unit type per endpoint below.
pub trait Endpoint: Send + Sync + 'static {
    /// A name for it, unique in the API (the OpenAPI operation id).
    const NAME: &'static str;
    const METHOD: Method;
    /// The route, with `{name}` for each path parameter (axum's syntax and OpenAPI's).
    const ROUTE: &'static str;
    const CALLER: Caller;
    /// Sending it again after a lost answer changes nothing more: reads, and writes that a
    /// key or their own guard makes idempotent.
    const RETRY_SAFE: bool;
    /// The HTTP statuses of a success.
    const SUCCESS: &'static [u16];
    /// What the summary line of its documentation says.
    const DOC: &'static str;
    /// The type of the route's `{id}` ([`Empty`] when it has none).
    type Path;
    /// The query string's fields ([`Empty`] for none).
    type Query: Send + Sync + 'static;
    /// The JSON body sent ([`Empty`] for none).
    type Request: Send + Sync + 'static;
    /// The JSON body of a success ([`Empty`] for none, [`Binary`] for bytes, [`EventStream`]
    /// for events).
    type Response: Send + Sync + 'static;

    /// The route with its parameters filled in, in order.
    fn path(params: &[&dyn std::fmt::Display]) -> String {
        fill(Self::ROUTE, params)
    }
}

/// How a body or a query travels: as JSON (a query as its query string), or not at all for
/// [`Empty`]. Every serde type is one; [`Binary`] and [`EventStream`] are not (their bytes
/// are read as they come).
pub trait Wire: Sized {
    /// The JSON body, or `None` when there is none to send.
    fn to_json(&self) -> Option<Vec<u8>>;
    /// The query string without its `?`, or `None` when there is nothing to ask.
    fn to_query(&self) -> Option<String>;
    /// An answer's body (for [`Empty`], whatever came is ignored).
    fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error>;
}

impl Wire for Empty {
    fn to_json(&self) -> Option<Vec<u8>> {
        None
    }

    fn to_query(&self) -> Option<String> {
        None
    }

    fn from_json(_: &[u8]) -> Result<Self, serde_json::Error> {
        Ok(Empty)
    }
}

impl<T: serde::Serialize + serde::de::DeserializeOwned> Wire for T {
    fn to_json(&self) -> Option<Vec<u8>> {
        // A type of ours always serialises; `None` would send no body, which the server
        // refuses, rather than a wrong one.
        serde_json::to_vec(self).ok()
    }

    fn to_query(&self) -> Option<String> {
        serde_urlencoded::to_string(self)
            .ok()
            .filter(|q| !q.is_empty())
    }

    fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

/// Something done once per endpoint type ([`visit_all`]): registering a message per
/// endpoint, say.
pub trait Visit {
    fn visit<E: Endpoint>(&mut self);
}

/// `route` with each `{…}` replaced by the next of `params`.
pub fn fill(route: &str, params: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(route.len() + 40);
    let mut params = params.iter();
    let mut rest = route;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        match params.next() {
            Some(p) => out.push_str(&p.to_string()),
            None => out.push_str(&rest[open..close]),
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// What [`ALL`] lists of each endpoint (the trait's constants, as values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub name: &'static str,
    pub method: Method,
    pub route: &'static str,
    pub caller: Caller,
    pub retry_safe: bool,
}

impl Route {
    /// `E`'s constants as a value.
    pub const fn of<E: Endpoint>() -> Route {
        Route {
            name: E::NAME,
            method: E::METHOD,
            route: E::ROUTE,
            caller: E::CALLER,
            retry_safe: E::RETRY_SAFE,
        }
    }
}

macro_rules! endpoints {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $method:ident $route:literal, $caller:ident, $retry:literal,
            $path:ty, $query:ty, $request:ty => $($status:literal)|+ $response:ty;
    )*) => {
        $(
            $(#[doc = $doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl Endpoint for $name {
                const NAME: &'static str = stringify!($name);
                const METHOD: Method = Method::$method;
                const ROUTE: &'static str = $route;
                const CALLER: Caller = Caller::$caller;
                const RETRY_SAFE: bool = $retry;
                const SUCCESS: &'static [u16] = &[$($status),+];
                const DOC: &'static str = concat!($($doc, "\n"),*);
                type Path = $path;
                type Query = $query;
                type Request = $request;
                type Response = $response;
            }
        )*
        /// Every endpoint of the API.
        pub const ALL: &[Route] = &[$(Route::of::<$name>()),*];

        /// Calls `v` with every endpoint type.
        pub fn visit_all(v: &mut impl Visit) {
            $(v.visit::<$name>();)*
        }

        /// Each endpoint's operation, added to `contract`.
        pub(crate) fn describe_all(contract: &mut crate::openapi::Contract) {
            $(contract.add::<$name>();)*
        }
    };
}

endpoints! {
    /// For load balancers: 200 while this instance can serve, 503 otherwise.
    GetHealth: Get "/api/v1/health", Anyone, true, Empty, Empty, Empty => 200 Health;
    /// This API's OpenAPI 3.1 document.
    GetOpenApi: Get "/api/v1/openapi.json", Anyone, true, Empty, Empty, Empty => 200 OpenApiDocument;

    /// Starts a sign-up: the account waits for the e-mailed code.
    SignUp: Post "/api/v1/auth/signup", Anyone, false, Empty, Empty, SignUpRequest => 202 SignUpPending;
    SignIn: Post "/api/v1/auth/signin", Anyone, false, Empty, Empty, SignInRequest => 200 Session;
    /// Ends the session of the bearer token.
    SignOut: Post "/api/v1/auth/signout", Session, true, Empty, Empty, Empty => 204 Empty;
    /// A session for ordering without an account.
    GuestSession: Post "/api/v1/auth/guest", Anyone, false, Empty, Empty, Empty => 201 Session;
    GetMe: Get "/api/v1/auth/me", Session, true, Empty, Empty, Empty => 200 Account;
    /// Confirms a sign-up with its code and opens a session.
    Verify: Post "/api/v1/auth/verify", Anyone, false, Empty, Empty, VerifyRequest => 200 Session;
    ResendCode: Post "/api/v1/auth/resend", Anyone, false, Empty, Empty, EmailRequest => 202 Empty;
    ForgotPassword: Post "/api/v1/auth/password/forgot", Anyone, false, Empty, Empty, EmailRequest => 202 Empty;
    ResetPassword: Post "/api/v1/auth/password/reset", Anyone, false, Empty, Empty, ResetPasswordRequest => 204 Empty;
    ChangePassword: Post "/api/v1/auth/password", Customer, false, Empty, Empty, ChangePasswordRequest => 204 Empty;

    GetCategories: Get "/api/v1/categories", Anyone, true, Empty, Empty, Empty => 200 Vec<Category>;
    GetProducts: Get "/api/v1/products", Anyone, true, Empty, ProductQuery, Empty => 200 ProductPage;
    GetProduct: Get "/api/v1/products/{id}", Anyone, true, i64, Empty, Empty => 200 Product;
    /// "Customers also bought" for a product.
    GetAlsoBought: Get "/api/v1/products/{id}/also-bought", Anyone, true, i64, Empty, Empty => 200 Recommendations;
    /// The catalog's news as Server-Sent Events, for kiosks: what is sold out, at once and
    /// on every change.
    GetCatalogNews: Get "/api/v1/catalog/events", Anyone, true, Empty, Empty, Empty => 200 EventStream;
    /// The operator marks a dish (by SKU) sold out or available again; kiosks hear it within
    /// a second.
    SetAvailability: Put "/api/v1/operator/menu/{sku}/availability", Operator, true, String, Empty, AvailabilityChange => 200 MenuItemState;
    /// A picture or video, with `ETag` and `Range`.
    GetFile: Get "/api/v1/files/{id}", Anyone, true, Uuid, Empty, Empty => 200 | 206 | 304 Binary;

    GetDelivery: Get "/api/v1/delivery", Anyone, true, Empty, Empty, Empty => 200 DeliveryInfo;
    /// The store's profile: name, brand colour, currency and price formats, languages,
    /// delivery zones, opening hours, idle timeouts.
    GetStoreProfile: Get "/api/v1/store", Anyone, true, Empty, Empty, Empty => 200 StoreProfile;
    /// Places an order; an `Idempotency-Key` makes a retry return the same order.
    PlaceOrder: Post "/api/v1/orders", Session, true, Empty, Empty, CreateOrderRequest => 200 | 201 Order;
    GetOrders: Get "/api/v1/orders", Session, true, Empty, OrderQuery, Empty => 200 OrderList;
    GetOrder: Get "/api/v1/orders/{id}", Session, true, Uuid, Empty, Empty => 200 Order;
    CancelOrder: Post "/api/v1/orders/{id}/cancel", Session, true, Uuid, Empty, Empty => 200 Order;
    RateOrder: Post "/api/v1/orders/{id}/rating", Session, true, Uuid, Empty, RateRequest => 200 Order;
    /// The order's receipt as a page: lines, delivery, total, payment (a card's last four
    /// only), in the order's language.
    GetReceipt: Get "/api/v1/orders/{id}/receipt", Session, true, Uuid, Empty, Empty => 200 Html;
    /// The same receipt as a PDF document.
    GetReceiptPdf: Get "/api/v1/orders/{id}/receipt.pdf", Session, true, Uuid, Empty, Empty => 200 Pdf;
    /// E-mails the receipt (HTML with the PDF attached) to the customer's own address.
    EmailReceipt: Post "/api/v1/orders/{id}/receipt/email", Customer, false, Uuid, Empty, Empty => 202 ReceiptSent;
    /// The kitchen or courier moves an order on.
    SetOrderStatus: Post "/api/v1/courier/orders/{id}/status", Courier, false, Uuid, Empty, StatusUpdate => 204 Empty;

    /// Issues the order's QR code for a bank app (or shows the live one again).
    StartQrPayment: Post "/api/v1/orders/{id}/payments/qr", Session, true, Uuid, Empty, Empty => 200 | 201 Payment;
    /// Charges a card; the `Idempotency-Key` is required and makes a retry charge once.
    PayByCard: Post "/api/v1/orders/{id}/payments/card", Session, true, Uuid, Empty, CardPaymentRequest => 200 | 201 Payment;
    /// Switches an unpaid order to another way to pay.
    SetPaymentMethod: Post "/api/v1/orders/{id}/payment-method", Session, true, Uuid, Empty, ChangePaymentMethod => 200 Order;
    GetPayment: Get "/api/v1/payments/{id}", Session, true, Uuid, Empty, Empty => 200 Payment;
    /// The bank's signed notice that a QR payment was paid or rejected.
    BankWebhook: Post "/api/v1/bank/webhook", Bank, true, Empty, Empty, BankNotification => 200 Payment;

    GetSettings: Get "/api/v1/account/settings", Customer, true, Empty, Empty, Empty => 200 AccountSettings;
    PutSettings: Put "/api/v1/account/settings", Customer, true, Empty, Empty, AccountSettings => 200 AccountSettings;
    GetAddresses: Get "/api/v1/account/addresses", Customer, true, Empty, Empty, Empty => 200 Vec<SavedAddress>;
    AddAddress: Post "/api/v1/account/addresses", Customer, false, Empty, Empty, AddressInput => 201 Vec<SavedAddress>;
    PutAddress: Put "/api/v1/account/addresses/{id}", Customer, true, Uuid, Empty, AddressInput => 200 Vec<SavedAddress>;
    DeleteAddress: Delete "/api/v1/account/addresses/{id}", Customer, true, Uuid, Empty, Empty => 204 Empty;
    GetCards: Get "/api/v1/account/cards", Customer, true, Empty, Empty, Empty => 200 Vec<SavedCard>;
    DeleteCard: Delete "/api/v1/account/cards/{id}", Customer, true, Uuid, Empty, Empty => 204 Empty;

    /// The customer's (or guest's) dashboard: spending, favourites, deliveries.
    GetStats: Get "/api/v1/stats", Session, true, Empty, StatsQuery, Empty => 200 Dashboard;

    /// The delivery district's streets.
    GetMap: Get "/api/v1/map", Anyone, true, Empty, Empty, Empty => 200 CityMap;
    GetTracking: Get "/api/v1/orders/{id}/tracking", Session, true, Uuid, Empty, Empty => 200 Tracking;
    /// Tracking by order number and the phone's last four digits, without signing in.
    TrackByNumber: Post "/api/v1/track", Anyone, false, Empty, Empty, TrackRequest => 200 Tracking;
    /// A link (and QR code) to follow the order on the customer's phone: a new unguessable
    /// token each time, valid until an hour after the delivery ends.
    ShareTracking: Post "/api/v1/orders/{id}/share", Session, false, Uuid, Empty, ShareRequest => 201 TrackingLink;
    /// The order a phone link follows: stages, ETA, route and courier; no address or phone.
    GetSharedTracking: Get "/api/v1/shared/{token}", Anyone, true, String, Empty, Empty => 200 Tracking;
    /// The same as Server-Sent Events, a `tracking` event on every change.
    GetSharedEvents: Get "/api/v1/shared/{token}/events", Anyone, true, String, Empty, Empty => 200 EventStream;
    GetCourierJobs: Get "/api/v1/courier/orders", Courier, true, Empty, Empty, Empty => 200 CourierJobs;
    ReportPosition: Post "/api/v1/courier/orders/{id}/position", Courier, true, Uuid, Empty, PositionReport => 204 Empty;

    /// The customer's push events as Server-Sent Events (`Last-Event-ID` resumes).
    GetEvents: Get "/api/v1/events", Session, true, Empty, Empty, Empty => 200 EventStream;

    /// A kiosk's heartbeat (every 30 s): it names itself in `X-Kiosk-Id`.
    SendHeartbeat: Post "/api/v1/kiosk/heartbeat", Anyone, true, Empty, Empty, Heartbeat => 204 Empty;
    /// Kiosks the fleet has seen lately, for staff.
    GetKiosks: Get "/api/v1/staff/kiosks", Courier, true, Empty, Empty, Empty => 200 KioskList;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fill_their_parameters_in_order() {
        assert_eq!(GetOrder::path(&[&42]), "/api/v1/orders/42");
        assert_eq!(GetCategories::path(&[]), "/api/v1/categories");
        assert_eq!(fill("/a/{x}/b/{y}", &[&1]), "/a/1/b/{y}");
    }

    #[test]
    fn every_endpoint_has_its_own_name_and_route() {
        let mut names: Vec<_> = ALL.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        let mut routes: Vec<_> = ALL.iter().map(|r| (r.method, r.route)).collect();
        routes.sort_unstable_by_key(|(m, r)| (m.as_str(), *r));
        routes.dedup();
        assert_eq!(routes.len(), ALL.len());
        assert!(ALL.iter().all(|r| r.route.starts_with(crate::API_PREFIX)));
    }
}

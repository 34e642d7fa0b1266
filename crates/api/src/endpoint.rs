//! Every endpoint of the API as a type: its method, route template, query, request and
//! response bodies, who may call it and whether a retry is safe. The backend mounts each
//! handler at [`Endpoint::ROUTE`], clients and tests build URLs with [`Endpoint::path`], and
//! the list [`ALL`] is what the route and authorisation checks walk.

use crate::Health;
use crate::auth::{
    Account, ChangePasswordRequest, EmailRequest, ResetPasswordRequest, Session, SignInRequest,
    SignUpPending, SignUpRequest, VerifyRequest,
};
use crate::catalog::{Category, Product, ProductPage, ProductQuery, Recommendations};
use crate::city::CityMap;
use crate::kiosk::KioskList;
use crate::orders::{
    CreateOrderRequest, DeliveryInfo, Order, OrderList, OrderQuery, RateRequest, StatusUpdate,
};
use crate::payments::{
    BankNotification, CardPaymentRequest, ChangePaymentMethod, Payment, SavedCard,
};
use crate::settings::{AccountSettings, AddressInput, SavedAddress};
use crate::stats::{Dashboard, StatsQuery};
use crate::tracking::{CourierJobs, PositionReport, TrackRequest, Tracking};

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
    /// The bank, with the body's HMAC signature in `X-Signature`.
    Bank,
}

/// No body (a request without one, or a `204 No Content` answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Empty;

/// Bytes that are not JSON (a picture, a video, the event stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Binary;

/// One endpoint. Implemented by a unit type per endpoint below.
pub trait Endpoint {
    /// A name for it, unique in the API (the OpenAPI operation id).
    const NAME: &'static str;
    const METHOD: Method;
    /// The route, with `{name}` for each path parameter (axum's syntax and OpenAPI's).
    const ROUTE: &'static str;
    const CALLER: Caller;
    /// Sending it again after a lost answer changes nothing more: reads, and writes that a
    /// key or their own guard makes idempotent.
    const RETRY_SAFE: bool;
    /// The query string's fields ([`Empty`] for none).
    type Query;
    /// The JSON body sent ([`Empty`] for none).
    type Request;
    /// The JSON body of a success ([`Empty`] for none, [`Binary`] for bytes).
    type Response;

    /// The route with its parameters filled in, in order.
    fn path(params: &[&dyn std::fmt::Display]) -> String {
        fill(Self::ROUTE, params)
    }
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
        $(#[$doc:meta])*
        $name:ident: $method:ident $route:literal, $caller:ident, $retry:literal,
            $query:ty, $request:ty => $response:ty;
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl Endpoint for $name {
                const NAME: &'static str = stringify!($name);
                const METHOD: Method = Method::$method;
                const ROUTE: &'static str = $route;
                const CALLER: Caller = Caller::$caller;
                const RETRY_SAFE: bool = $retry;
                type Query = $query;
                type Request = $request;
                type Response = $response;
            }
        )*
        /// Every endpoint of the API.
        pub const ALL: &[Route] = &[$(Route::of::<$name>()),*];
    };
}

endpoints! {
    /// For load balancers: 200 while this instance can serve, 503 otherwise.
    GetHealth: Get "/api/v1/health", Anyone, true, Empty, Empty => Health;

    /// Starts a sign-up: the account waits for the e-mailed code.
    SignUp: Post "/api/v1/auth/signup", Anyone, false, Empty, SignUpRequest => SignUpPending;
    SignIn: Post "/api/v1/auth/signin", Anyone, false, Empty, SignInRequest => Session;
    /// Ends the session of the bearer token.
    SignOut: Post "/api/v1/auth/signout", Session, true, Empty, Empty => Empty;
    /// A session for ordering without an account.
    GuestSession: Post "/api/v1/auth/guest", Anyone, false, Empty, Empty => Session;
    GetMe: Get "/api/v1/auth/me", Session, true, Empty, Empty => Account;
    /// Confirms a sign-up with its code and opens a session.
    Verify: Post "/api/v1/auth/verify", Anyone, false, Empty, VerifyRequest => Session;
    ResendCode: Post "/api/v1/auth/resend", Anyone, false, Empty, EmailRequest => Empty;
    ForgotPassword: Post "/api/v1/auth/password/forgot", Anyone, false, Empty, EmailRequest => Empty;
    ResetPassword: Post "/api/v1/auth/password/reset", Anyone, false, Empty, ResetPasswordRequest => Empty;
    ChangePassword: Post "/api/v1/auth/password", Customer, false, Empty, ChangePasswordRequest => Empty;

    GetCategories: Get "/api/v1/categories", Anyone, true, Empty, Empty => Vec<Category>;
    GetProducts: Get "/api/v1/products", Anyone, true, ProductQuery, Empty => ProductPage;
    GetProduct: Get "/api/v1/products/{id}", Anyone, true, Empty, Empty => Product;
    /// "Customers also bought" for a product.
    GetAlsoBought: Get "/api/v1/products/{id}/also-bought", Anyone, true, Empty, Empty => Recommendations;
    /// A picture or video, with `ETag` and `Range`.
    GetFile: Get "/api/v1/files/{id}", Anyone, true, Empty, Empty => Binary;

    GetDelivery: Get "/api/v1/delivery", Anyone, true, Empty, Empty => DeliveryInfo;
    /// Places an order; an `Idempotency-Key` makes a retry return the same order.
    PlaceOrder: Post "/api/v1/orders", Session, true, Empty, CreateOrderRequest => Order;
    GetOrders: Get "/api/v1/orders", Session, true, OrderQuery, Empty => OrderList;
    GetOrder: Get "/api/v1/orders/{id}", Session, true, Empty, Empty => Order;
    CancelOrder: Post "/api/v1/orders/{id}/cancel", Session, true, Empty, Empty => Order;
    RateOrder: Post "/api/v1/orders/{id}/rating", Session, true, Empty, RateRequest => Order;
    /// The kitchen or courier moves an order on.
    SetOrderStatus: Post "/api/v1/courier/orders/{id}/status", Courier, false, Empty, StatusUpdate => Empty;

    /// Issues the order's QR code for a bank app (or shows the live one again).
    StartQrPayment: Post "/api/v1/orders/{id}/payments/qr", Session, true, Empty, Empty => Payment;
    /// Charges a card; the `Idempotency-Key` is required and makes a retry charge once.
    PayByCard: Post "/api/v1/orders/{id}/payments/card", Session, true, Empty, CardPaymentRequest => Payment;
    /// Switches an unpaid order to another way to pay.
    SetPaymentMethod: Post "/api/v1/orders/{id}/payment-method", Session, true, Empty, ChangePaymentMethod => Order;
    GetPayment: Get "/api/v1/payments/{id}", Session, true, Empty, Empty => Payment;
    /// The bank's signed notice that a QR payment was paid or rejected.
    BankWebhook: Post "/api/v1/bank/webhook", Bank, true, Empty, BankNotification => Payment;

    GetSettings: Get "/api/v1/account/settings", Customer, true, Empty, Empty => AccountSettings;
    PutSettings: Put "/api/v1/account/settings", Customer, true, Empty, AccountSettings => AccountSettings;
    GetAddresses: Get "/api/v1/account/addresses", Customer, true, Empty, Empty => Vec<SavedAddress>;
    AddAddress: Post "/api/v1/account/addresses", Customer, false, Empty, AddressInput => Vec<SavedAddress>;
    PutAddress: Put "/api/v1/account/addresses/{id}", Customer, true, Empty, AddressInput => Vec<SavedAddress>;
    DeleteAddress: Delete "/api/v1/account/addresses/{id}", Customer, true, Empty, Empty => Empty;
    GetCards: Get "/api/v1/account/cards", Customer, true, Empty, Empty => Vec<SavedCard>;
    DeleteCard: Delete "/api/v1/account/cards/{id}", Customer, true, Empty, Empty => Empty;

    /// The customer's (or guest's) dashboard: spending, favourites, deliveries.
    GetStats: Get "/api/v1/stats", Session, true, StatsQuery, Empty => Dashboard;

    /// The delivery district's streets.
    GetMap: Get "/api/v1/map", Anyone, true, Empty, Empty => CityMap;
    GetTracking: Get "/api/v1/orders/{id}/tracking", Session, true, Empty, Empty => Tracking;
    /// Tracking by order number and the phone's last four digits, without signing in.
    TrackByNumber: Post "/api/v1/track", Anyone, false, Empty, TrackRequest => Tracking;
    GetCourierJobs: Get "/api/v1/courier/orders", Courier, true, Empty, Empty => CourierJobs;
    ReportPosition: Post "/api/v1/courier/orders/{id}/position", Courier, true, Empty, PositionReport => Empty;

    /// The customer's push events as Server-Sent Events (`Last-Event-ID` resumes).
    GetEvents: Get "/api/v1/events", Session, true, Empty, Empty => Binary;

    /// Kiosks the fleet has seen lately, for staff.
    GetKiosks: Get "/api/v1/staff/kiosks", Courier, true, Empty, Empty => KioskList;
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

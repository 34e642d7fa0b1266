//! Orders (customer backend): delivery options, placing an order, own orders with history.

use crate::endpoint::Endpoint as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Money;
use crate::payments::{CardSummary, PaymentChange, PaymentState};

pub const DELIVERY_PATH: &str = crate::endpoint::GetDelivery::ROUTE;
pub const ORDERS_PATH: &str = crate::endpoint::GetOrders::ROUTE;

pub fn order_path(id: Uuid) -> String {
    crate::endpoint::GetOrder::path(&[&id])
}

/// Most lines and units per line one order may hold.
pub const MAX_LINES: usize = 50;
pub const MAX_QUANTITY: i64 = 99;

/// The seed system's three ways to deliver, each with its own price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    OnFoot,
    ElectricScooter,
    Car,
}

impl DeliveryMethod {
    pub const ALL: [DeliveryMethod; 3] = [Self::OnFoot, Self::ElectricScooter, Self::Car];

    pub fn label(self) -> &'static str {
        match self {
            Self::OnFoot => "On foot",
            Self::ElectricScooter => "E-scooter",
            Self::Car => "Car",
        }
    }
}

/// The seed's four ways to pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    CashOnDelivery,
    CardOnDelivery,
    QrBankApp,
    CardInApp,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 4] = [
        Self::CashOnDelivery,
        Self::CardOnDelivery,
        Self::QrBankApp,
        Self::CardInApp,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::CashOnDelivery => "Cash on delivery",
            Self::CardOnDelivery => "Card terminal on delivery",
            Self::QrBankApp => "QR code in bank app",
            Self::CardInApp => "Card here (with CVC)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Placed,
    Accepted,
    Preparing,
    CourierAssigned,
    OnTheWay,
    Delivered,
    Cancelled,
    Failed,
}

pub fn cancel_path(id: Uuid) -> String {
    crate::endpoint::CancelOrder::path(&[&id])
}

/// Where a courier (or the kitchen) reports an order's progress.
pub fn courier_status_path(id: Uuid) -> String {
    crate::endpoint::SetOrderStatus::path(&[&id])
}

/// Shared secret of the courier/kitchen apps.
pub const COURIER_TOKEN_HEADER: &str = "X-Courier-Token";

/// A status change reported by the kitchen or the courier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusUpdate {
    pub status: OrderStatus,
    #[serde(default)]
    pub note: String,
}

impl OrderStatus {
    /// The life cycle: placed → accepted → preparing → courier assigned → on the way →
    /// delivered; cancelled until preparation starts; failed from any open state.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Placed, Accepted | Cancelled | Failed)
                | (Accepted, Preparing | Cancelled | Failed)
                | (Preparing, CourierAssigned | Failed)
                | (CourierAssigned, OnTheWay | Failed)
                | (OnTheWay, Delivered | Failed)
        )
    }

    pub const ALL: [OrderStatus; 8] = [
        Self::Placed,
        Self::Accepted,
        Self::Preparing,
        Self::CourierAssigned,
        Self::OnTheWay,
        Self::Delivered,
        Self::Cancelled,
        Self::Failed,
    ];

    /// The stages of an order that reaches the customer, in order.
    pub const STAGES: [OrderStatus; 6] = [
        Self::Placed,
        Self::Accepted,
        Self::Preparing,
        Self::CourierAssigned,
        Self::OnTheWay,
        Self::Delivered,
    ];

    /// Still on its way to the customer.
    pub fn is_active(self) -> bool {
        !matches!(self, Self::Delivered | Self::Cancelled | Self::Failed)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Placed => "Placed",
            Self::Accepted => "Accepted",
            Self::Preparing => "Preparing",
            Self::CourierAssigned => "Courier assigned",
            Self::OnTheWay => "On the way",
            Self::Delivered => "Delivered",
            Self::Cancelled => "Cancelled",
            Self::Failed => "Failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryOption {
    pub method: DeliveryMethod,
    pub price: Money,
    /// Rough door-to-door estimate shown before ordering.
    pub eta_minutes: u32,
}

/// What the checkout needs before an order: where we deliver and how, zone by zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryInfo {
    pub zones: Vec<DeliveryZone>,
}

/// A city or district the store delivers to, with its own methods, prices and times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryZone {
    /// What the customer picks, e.g. `Moscow`; orders name it as their `city`.
    pub city: String,
    pub options: Vec<DeliveryOption>,
}

impl DeliveryInfo {
    pub fn cities(&self) -> impl Iterator<Item = &str> {
        self.zones.iter().map(|z| z.city.as_str())
    }

    pub fn zone(&self, city: &str) -> Option<&DeliveryZone> {
        self.zones.iter().find(|z| z.city == city)
    }

    /// The methods offered in `city` (none where the store does not deliver).
    pub fn options_in(&self, city: &str) -> &[DeliveryOption] {
        self.zone(city).map_or(&[], |z| z.options.as_slice())
    }

    pub fn option(&self, city: &str, method: DeliveryMethod) -> Option<&DeliveryOption> {
        self.options_in(city).iter().find(|o| o.method == method)
    }
}

/// One cart line. `quantity` is signed so that a negative value gets a clear validation
/// message rather than a parse error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderLineRequest {
    pub product_id: i64,
    #[schema(minimum = 1, maximum = 99)]
    pub quantity: i64,
}

/// Prices are not part of the request: the server computes every total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"lines": [{"product_id": 1, "quantity": 2}], "city": "Moscow", "address": "Arbat 1, flat 5", "phone": "+7 912 345-67-89", "delivery_method": "car", "payment_method": "cash_on_delivery"}))]
pub struct CreateOrderRequest {
    #[schema(min_items = 1, max_items = 50)]
    pub lines: Vec<OrderLineRequest>,
    pub city: String,
    pub address: String,
    pub phone: String,
    pub delivery_method: DeliveryMethod,
    pub payment_method: PaymentMethod,
    /// Where the receipt goes: a guest's address typed at the kiosk; a signed-in customer's
    /// own address when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 254)]
    pub receipt_email: Option<String>,
    /// The language of the receipt (the kiosk's on screen); the store's default when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<crate::settings::Language>,
}

/// Where an order's receipt was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReceiptSent {
    /// The customer's own address.
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderLine {
    pub product_id: i64,
    pub name: String,
    pub unit_price: Money,
    pub quantity: i64,
    pub line_total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    pub status: OrderStatus,
    /// Unix time in milliseconds.
    pub at: i64,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Order {
    pub id: Uuid,
    /// Short number the customer reads off the screen, e.g. `1042`.
    pub number: i64,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    pub products_total: Money,
    pub delivery_price: Money,
    pub total: Money,
    pub city: String,
    pub address: String,
    pub phone: String,
    pub delivery_method: DeliveryMethod,
    pub payment_method: PaymentMethod,
    pub created_at: i64,
    pub history: Vec<StatusChange>,
    pub payment_state: PaymentState,
    pub payment_history: Vec<PaymentChange>,
    /// The card that paid, masked (card payments only).
    pub card: Option<CardSummary>,
    /// The customer's rating, once delivered and rated.
    #[serde(default)]
    pub rating: Option<Rating>,
}

pub fn rating_path(id: Uuid) -> String {
    crate::endpoint::RateOrder::path(&[&id])
}

pub const MAX_COMMENT_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RateRequest {
    /// 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub stars: i64,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rating {
    pub stars: i64,
    pub comment: String,
    pub at: i64,
}

impl PaymentMethod {
    /// Paid at the kiosk (QR or card) rather than to the courier.
    pub fn is_prepaid(self) -> bool {
        matches!(self, PaymentMethod::QrBankApp | PaymentMethod::CardInApp)
    }
}

/// Query string of `GET /orders`: a page of the customer's orders, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderQuery {
    /// 1 to [`MAX_ORDER_PAGE`]; [`ORDER_PAGE`] when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderList {
    pub orders: Vec<Order>,
    /// The `offset` of the next page (`GET /orders?offset=…`), when there are more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<u64>,
}

/// Orders one page of `GET /orders` holds by default, and at most.
pub const ORDER_PAGE: u32 = 50;
pub const MAX_ORDER_PAGE: u32 = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_use_snake_case_on_the_wire() {
        let json = serde_json::to_string(&PaymentMethod::QrBankApp).unwrap();
        assert_eq!(json, "\"qr_bank_app\"");
        let m: DeliveryMethod = serde_json::from_str("\"electric_scooter\"").unwrap();
        assert_eq!(m, DeliveryMethod::ElectricScooter);
        assert!(serde_json::from_str::<DeliveryMethod>("\"bike\"").is_err());
    }
}

#[cfg(test)]
mod lifecycle_tests {
    use super::OrderStatus::*;

    #[test]
    fn orders_move_forward_and_cancel_only_before_preparation() {
        let path = [
            Placed,
            Accepted,
            Preparing,
            CourierAssigned,
            OnTheWay,
            Delivered,
        ];
        for pair in path.windows(2) {
            assert!(pair[0].can_become(pair[1]), "{:?} → {:?}", pair[0], pair[1]);
        }
        assert!(!Placed.can_become(Delivered));
        assert!(Accepted.can_become(Cancelled));
        assert!(!Preparing.can_become(Cancelled));
        assert!(!Delivered.can_become(Failed));
        assert!(!Cancelled.can_become(Accepted));
    }
}

/// A phone number as the courier dials it: optional leading `+`, then 7–15 digits (E.164);
/// spaces, dashes and brackets dropped. `None` if it is not one.
pub fn normalise_phone(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(r) => ("+", r),
        None => ("", trimmed),
    };
    let digits: String = rest
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    ((7..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("{plus}{digits}"))
}

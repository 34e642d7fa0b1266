//! What the store's methods take and return, the same for every engine.

use customerclient_api::Money;
use customerclient_api::city::Point;
use customerclient_api::orders::{DeliveryMethod, OrderLine, OrderStatus, PaymentMethod, Rating};
use customerclient_api::payments::{CardSummary, Payment, PaymentState};
use customerclient_api::tracking::CourierFix;
use uuid::Uuid;

use super::StoreError;
use crate::predict::DeliveryFeatures;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    SignUp,
    PasswordReset,
}

impl CodePurpose {
    pub(crate) fn text(self) -> &'static str {
        match self {
            CodePurpose::SignUp => "sign_up",
            CodePurpose::PasswordReset => "password_reset",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CodeRow {
    pub id: Uuid,
    pub code_hash: String,
    pub expires_at: i64,
    pub attempts: i64,
    pub consumed: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct QueuedMail {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    /// The order whose receipt the message carries.
    pub receipt: Option<uuid::Uuid>,
}

/// How a throttled subject backs off: `free` failures within `window_ms`, then a wait of
/// `base_ms` doubling with each further failure up to `max_ms`.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    pub free: i64,
    pub base_ms: i64,
    pub max_ms: i64,
    pub window_ms: i64,
}

/// Most events one read returns; a stream pages through longer gaps.
pub const EVENT_PAGE: i64 = 500;

pub struct HistoricOrder {
    pub account_id: Uuid,
    pub created_at: i64,
    pub lines: Vec<OrderLine>,
    pub city: String,
    pub address: String,
    pub phone: String,
    pub delivery_method: DeliveryMethod,
    pub payment_method: PaymentMethod,
    pub delivery_price: Money,
    /// Delivered or cancelled.
    pub status: OrderStatus,
    pub plan: DeliveryPlan,
    /// Real duration (delivered orders).
    pub actual_minutes: f64,
    pub rating: Option<Rating>,
}

#[derive(Debug, Clone)]
pub struct PaymentRecord {
    pub id: Uuid,
    pub order_id: Uuid,
    pub order_number: i64,
    pub account_id: Uuid,
    pub method: PaymentMethod,
    pub state: PaymentState,
    pub amount: Money,
    pub qr_payload: Option<String>,
    pub expires_at: Option<i64>,
    pub card: Option<CardSummary>,
    pub failure: Option<String>,
    pub failure_code: Option<String>,
    pub idempotency_key: Option<String>,
    pub gateway_charge_id: Option<String>,
    pub bank_transaction_id: Option<String>,
    pub created_at: i64,
    /// Last change, or the last time a retry took the attempt up again.
    pub updated_at: i64,
}

impl PaymentRecord {
    pub fn to_api(&self) -> Payment {
        Payment {
            id: self.id,
            order_id: self.order_id,
            order_number: self.order_number,
            method: self.method,
            state: self.state,
            amount: self.amount.clone(),
            qr_payload: self.qr_payload.clone(),
            expires_at: self.expires_at,
            card: self.card.clone(),
            failure: self.failure.clone(),
            failure_code: self.failure_code.clone(),
        }
    }

    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|t| now >= t)
    }
}

/// The order's side of a payment: who owns it, what it costs, where its payment stands.
#[derive(Debug, Clone)]
pub struct OrderPayment {
    pub account_id: Uuid,
    pub number: i64,
    pub method: PaymentMethod,
    pub state: PaymentState,
    pub status: OrderStatus,
    pub total: Money,
}

impl OrderPayment {
    /// Cancelled, failed or delivered orders take no new payment.
    pub fn closed(&self) -> bool {
        matches!(
            self.status,
            OrderStatus::Cancelled | OrderStatus::Delivered | OrderStatus::Failed
        )
    }

    pub fn settled(&self) -> bool {
        matches!(self.state, PaymentState::Paid | PaymentState::Refunded)
    }
}

/// Why a payment operation was refused; each becomes a 4xx with its own code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such order, or another customer's.
    NoOrder,
    AlreadyPaid,
    /// Cancelled, failed or delivered.
    OrderClosed(OrderStatus),
    /// A card charge of this order is being processed (another key).
    InProgress,
}

/// What a card charge came to at the gateway.
pub enum ChargeOutcome<'a> {
    Approved {
        token: &'a str,
        card: &'a CardSummary,
        charge_id: &'a str,
        /// Keep the card for this account.
        save_for: Option<Uuid>,
    },
    Failed {
        code: &'a str,
        message: &'a str,
        note: &'a str,
    },
}

/// The answer to a card attempt's start.
pub enum CardStart {
    /// A new attempt, committed before the gateway is called.
    Started(PaymentRecord),
    /// This key was used before for this order: its attempt, in whatever state it is.
    Existing(PaymentRecord),
}

/// The answer to a bank notice.
pub enum NoticeOutcome {
    /// Applied now, or the same notice delivered again: the payment as it stands.
    Applied(PaymentRecord),
    /// Money arrived for an attempt that can no longer take it (expired, replaced, the order
    /// cancelled): recorded as refunded, with the reason.
    Refunded(PaymentRecord, &'static str),
    /// The bank says rejected for an attempt that is not waiting.
    Ignored(PaymentRecord),
}

pub type Op<T> = Result<Result<T, Refusal>, StoreError>;

/// What is planned for a delivery when its order is placed.
#[derive(Debug, Clone)]
pub struct DeliveryPlan {
    pub route: Vec<Point>,
    pub distance_m: f64,
    pub items: i64,
    pub hour: u32,
    pub queue: i64,
    pub predicted_minutes: f64,
}

#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub order_id: Uuid,
    pub account_id: Uuid,
    pub number: i64,
    pub status: OrderStatus,
    pub method: DeliveryMethod,
    pub created_at: i64,
    pub route: Vec<Point>,
    pub features: DeliveryFeatures,
    pub predicted_minutes: f64,
    pub courier: Option<CourierFix>,
    pub on_the_way_at: Option<i64>,
}

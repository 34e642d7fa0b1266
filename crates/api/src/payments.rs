//! Payments: the payment state of an order, QR payments for bank apps, card payments through
//! the gateway, and the bank's webhook.

use crate::endpoint::Endpoint as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Money;
use crate::card::{Brand, CardDetails};
use crate::orders::PaymentMethod;

pub fn qr_payment_path(order_id: Uuid) -> String {
    crate::endpoint::StartQrPayment::path(&[&order_id])
}

pub fn card_payment_path(order_id: Uuid) -> String {
    crate::endpoint::PayByCard::path(&[&order_id])
}

pub fn payment_method_path(order_id: Uuid) -> String {
    crate::endpoint::SetPaymentMethod::path(&[&order_id])
}

pub fn payment_path(id: Uuid) -> String {
    crate::endpoint::GetPayment::path(&[&id])
}

/// Where the bank (or the bank simulator) reports a QR payment.
pub const BANK_WEBHOOK_PATH: &str = crate::endpoint::BankWebhook::ROUTE;
/// Hex HMAC-SHA256 of the raw webhook body under the shared secret.
pub const SIGNATURE_HEADER: &str = "X-Signature";

/// The payment state of an order. Transitions are checked by [`PaymentState::can_become`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Cash or card terminal: the courier collects.
    DueOnDelivery,
    /// Waiting for the bank app or the card.
    AwaitingPayment,
    Paid,
    Failed,
    /// The QR code's time ran out.
    Expired,
    Refunded,
}

impl PaymentState {
    pub fn can_become(self, next: PaymentState) -> bool {
        use PaymentState::*;
        matches!(
            (self, next),
            (AwaitingPayment, Paid | Failed | Expired | DueOnDelivery)
                // A new attempt (new QR code, another card) or a switch to paying on delivery.
                | (Failed | Expired, AwaitingPayment | DueOnDelivery)
                | (DueOnDelivery, AwaitingPayment | Paid)
                | (Paid, Refunded)
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentState::DueOnDelivery => "Pay on delivery",
            PaymentState::AwaitingPayment => "Awaiting payment",
            PaymentState::Paid => "Paid",
            PaymentState::Failed => "Payment failed",
            PaymentState::Expired => "Payment expired",
            PaymentState::Refunded => "Refunded",
        }
    }
}

/// What the order's history records of its payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentChange {
    pub state: PaymentState,
    /// Unix time in milliseconds.
    pub at: i64,
    pub note: String,
}

/// What anyone but the gateway ever knows of a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CardSummary {
    pub brand: Brand,
    pub last4: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Payment {
    pub id: Uuid,
    pub order_id: Uuid,
    pub order_number: i64,
    pub method: PaymentMethod,
    pub state: PaymentState,
    pub amount: Money,
    /// EMVCo payload to show as a QR code (QR payments).
    pub qr_payload: Option<String>,
    /// Unix ms after which the QR code is no longer accepted.
    pub expires_at: Option<i64>,
    pub card: Option<CardSummary>,
    /// Why it failed, in words for the customer.
    pub failure: Option<String>,
    /// The same as a stable code: `declined`, `insufficient_funds`, `gateway_timeout`,
    /// `unavailable`, `qr_expired`, `bank_rejected`, `replaced`.
    #[serde(default)]
    pub failure_code: Option<String>,
}

/// Either a card typed at the kiosk (`card`) or one the customer saved (`saved_card_id`).
#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"card": {"number": "4242424242424242", "expiry_month": 12, "expiry_year": 2031, "cvc": "737"}, "save_card": false}))]
pub struct CardPaymentRequest {
    #[serde(default)]
    pub card: Option<CardDetails>,
    /// Keep the gateway's token of a typed card for next time (signed-in customers).
    #[serde(default)]
    pub save_card: bool,
    #[serde(default)]
    pub saved_card_id: Option<Uuid>,
}

pub const SAVED_CARDS_PATH: &str = crate::endpoint::GetCards::ROUTE;

pub fn saved_card_path(id: Uuid) -> String {
    crate::endpoint::DeleteCard::path(&[&id])
}

/// A saved card as anyone sees it: brand and last four digits (the token stays on the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SavedCard {
    pub id: Uuid,
    pub brand: Brand,
    pub last4: String,
}

impl std::fmt::Debug for CardPaymentRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardPaymentRequest")
            .field("card", &self.card)
            .field("save_card", &self.save_card)
            .field("saved_card_id", &self.saved_card_id)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangePaymentMethod {
    pub method: PaymentMethod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BankStatus {
    Paid,
    Rejected,
}

/// The bank's notice that a QR payment went through (or not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BankNotification {
    /// The reference label (tag 62/05) of the paid QR code: our payment id.
    pub reference: String,
    pub status: BankStatus,
    /// Amount the customer paid, in minor units.
    pub amount_minor: i64,
    /// The bank's own transaction id.
    pub transaction_id: String,
}

#[cfg(test)]
mod tests {
    use super::PaymentState::*;

    #[test]
    fn only_sensible_transitions_are_allowed() {
        assert!(AwaitingPayment.can_become(Paid));
        assert!(Expired.can_become(AwaitingPayment));
        assert!(Failed.can_become(DueOnDelivery));
        assert!(Paid.can_become(Refunded));
        assert!(!Paid.can_become(Failed));
        assert!(!Paid.can_become(AwaitingPayment));
        assert!(!Refunded.can_become(Paid));
        assert!(
            !Expired.can_become(Paid),
            "a late bank notice cannot revive an expired code"
        );
    }
}

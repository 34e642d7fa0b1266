//! Payment service: QR payments for bank apps (EMVCo payload, confirmed by a signed bank
//! webhook), card payments through the [`gateway::PaymentGateway`], and switching an order to
//! paying on delivery. Every change of an order's payment state is checked and recorded.

pub mod bank;
pub mod gateway;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use customerclient_api::IDEMPOTENCY_KEY_HEADER;
use customerclient_api::card::{self, CardProblem};
use customerclient_api::emv::{MerchantQr, currency_numeric};
use customerclient_api::orders::{Order, PaymentMethod};
use customerclient_api::payments::{
    BANK_WEBHOOK_PATH, BankNotification, BankStatus, CardPaymentRequest, CardSummary,
    ChangePaymentMethod, Payment, PaymentState, SIGNATURE_HEADER,
};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::AppError;
use crate::extract::{ApiJson, ApiPath};
use crate::store::{NewPayment, OrderPayment, PaymentUpdate, StoreError, now_ms};
use gateway::{ChargeRequest, GatewayError, PaymentGateway, SandboxGateway};

/// Used when no secret is configured; fine for the embedded demo, never for production.
pub const DEMO_WEBHOOK_SECRET: &str = "demo-bank-webhook-secret";

#[derive(Debug, Clone)]
pub struct Merchant {
    pub gui: String,
    pub id: String,
    pub name: String,
    pub city: String,
    pub country: String,
    pub mcc: String,
}

impl Default for Merchant {
    fn default() -> Self {
        Self {
            gui: "ru.freshkitchen.pay".into(),
            id: "FK-0001".into(),
            name: "Fresh Kitchen".into(),
            city: "Moscow".into(),
            country: "RU".into(),
            // ISO 18245: fast food restaurants.
            mcc: "5814".into(),
        }
    }
}

#[derive(Clone)]
pub struct PaymentsConfig {
    pub merchant: Merchant,
    /// How long a QR code is accepted.
    pub qr_lifetime: Duration,
    /// Shared with the bank: HMAC-SHA256 key of the webhook.
    pub webhook_secret: String,
    pub gateway: Arc<dyn PaymentGateway>,
    /// A gateway answer slower than this counts as a failed attempt.
    pub gateway_timeout: Duration,
    /// Serve the bank simulator page at `/bank` (demo only).
    pub bank_simulator: bool,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        Self {
            merchant: Merchant::default(),
            qr_lifetime: Duration::from_secs(5 * 60),
            webhook_secret: DEMO_WEBHOOK_SECRET.into(),
            gateway: Arc::new(SandboxGateway::default()),
            gateway_timeout: Duration::from_secs(15),
            bank_simulator: true,
        }
    }
}

impl std::fmt::Debug for PaymentsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentsConfig")
            .field("merchant", &self.merchant)
            .field("qr_lifetime", &self.qr_lifetime)
            .field("gateway", &self.gateway.name())
            .field("bank_simulator", &self.bank_simulator)
            .finish_non_exhaustive()
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders/{id}/payments/qr", post(start_qr))
        .route("/api/v1/orders/{id}/payments/card", post(pay_by_card))
        .route("/api/v1/orders/{id}/payment-method", post(change_method))
        .route("/api/v1/payments/{id}", get(payment))
        .route(BANK_WEBHOOK_PATH, post(bank_webhook))
        .merge(bank::router())
}

fn store_err(e: StoreError) -> AppError {
    match e {
        StoreError::IllegalTransition { from, to } => AppError::Conflict {
            code: "illegal_transition",
            message: format!(
                "the payment cannot go from '{}' to '{}'",
                from.label(),
                to.label()
            ),
        },
        e => anyhow::Error::from(e).into(),
    }
}

/// The order, if it belongs to this account.
async fn own_order(
    state: &AppState,
    account: Uuid,
    order_id: Uuid,
) -> Result<OrderPayment, AppError> {
    match state
        .store
        .order_payment(order_id)
        .await
        .map_err(store_err)?
    {
        Some(o) if o.account_id == account => Ok(o),
        _ => Err(AppError::NotFound("order")),
    }
}

async fn load_order(state: &AppState, account: Uuid, order_id: Uuid) -> Result<Order, AppError> {
    state
        .store
        .order(account, order_id)
        .await
        .map_err(store_err)?
        .ok_or(AppError::NotFound("order"))
}

fn already_paid() -> AppError {
    AppError::Conflict {
        code: "already_paid",
        message: "this order is already paid".into(),
    }
}

/// Marks waiting QR codes of the order whose time is up as expired.
async fn expire_stale(state: &AppState, order_id: Uuid) -> Result<(), AppError> {
    let now = now_ms();
    for p in state
        .store
        .awaiting_payments(order_id)
        .await
        .map_err(store_err)?
    {
        if p.qr_payload.is_some() && p.is_expired(now) {
            state
                .store
                .update_payment(
                    p.id,
                    PaymentState::Expired,
                    &PaymentUpdate {
                        failure: Some("The QR code expired"),
                        failure_code: Some("qr_expired"),
                        ..Default::default()
                    },
                )
                .await
                .map_err(store_err)?;
            let order = state
                .store
                .order_payment(order_id)
                .await
                .map_err(store_err)?;
            if order.is_some_and(|o| o.state == PaymentState::AwaitingPayment) {
                state
                    .store
                    .transition_order_payment(
                        order_id,
                        PaymentState::Expired,
                        "QR code expired unpaid",
                        None,
                        None,
                    )
                    .await
                    .map_err(store_err)?;
            }
            tracing::info!(payment = %p.id, "QR payment expired");
        }
    }
    Ok(())
}

async fn start_qr(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiPath(order_id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<Payment>), AppError> {
    let _guard = state.store.payment_lock.lock().await;
    let order = own_order(&state, current.account.id, order_id).await?;
    if order.state == PaymentState::Paid || order.state == PaymentState::Refunded {
        return Err(already_paid());
    }
    expire_stale(&state, order_id).await?;
    // A code that is still valid is shown again rather than replaced.
    if let Some(live) = state
        .store
        .awaiting_payments(order_id)
        .await
        .map_err(store_err)?
        .into_iter()
        .find(|p| p.qr_payload.is_some())
    {
        return Ok((StatusCode::OK, Json(live.to_api())));
    }
    let cfg = &state.payments;
    let id = Uuid::new_v4();
    let currency = currency_numeric(&order.total.currency)
        .ok_or_else(|| anyhow::anyhow!("no ISO 4217 numeric code for {}", order.total.currency))?;
    let payload = MerchantQr {
        merchant_gui: cfg.merchant.gui.clone(),
        merchant_id: cfg.merchant.id.clone(),
        mcc: cfg.merchant.mcc.clone(),
        currency: currency.into(),
        amount: order.total.decimal(),
        country: cfg.merchant.country.clone(),
        merchant_name: cfg.merchant.name.clone(),
        merchant_city: cfg.merchant.city.clone(),
        bill_number: order.number.to_string(),
        reference: id.simple().to_string(),
    }
    .to_payload()
    .map_err(|e| anyhow::anyhow!("building the QR payload: {e}"))?;
    let expires_at = now_ms() + cfg.qr_lifetime.as_millis() as i64;
    state
        .store
        .insert_payment(&NewPayment {
            id,
            order_id,
            method: PaymentMethod::QrBankApp,
            state: PaymentState::AwaitingPayment,
            amount: &order.total,
            qr_payload: Some(&payload),
            expires_at: Some(expires_at),
            idempotency_key: None,
        })
        .await
        .map_err(store_err)?;
    state
        .store
        .transition_order_payment(
            order_id,
            PaymentState::AwaitingPayment,
            "QR code issued",
            Some(PaymentMethod::QrBankApp),
            None,
        )
        .await
        .map_err(store_err)?;
    tracing::info!(payment = %id, order = order.number, "QR payment issued");
    let created = state
        .store
        .payment(id)
        .await
        .map_err(store_err)?
        .ok_or_else(|| anyhow::anyhow!("payment vanished"))?;
    Ok((StatusCode::CREATED, Json(created.to_api())))
}

fn failure_code(e: &GatewayError) -> &'static str {
    match e {
        GatewayError::Declined => "declined",
        GatewayError::InsufficientFunds => "insufficient_funds",
        GatewayError::Timeout => "gateway_timeout",
        GatewayError::Unavailable(_) => "unavailable",
    }
}

fn customer_message(e: &GatewayError) -> &'static str {
    match e {
        GatewayError::Declined => "Your card was declined. Try another card or another way to pay.",
        GatewayError::InsufficientFunds => {
            "There is not enough money on this card. Try another card or another way to pay."
        }
        GatewayError::Timeout => {
            "Your bank did not answer in time. You were not charged — please try again."
        }
        GatewayError::Unavailable(_) => {
            "Card payments are unavailable right now. Please choose another way to pay."
        }
    }
}

async fn pay_by_card(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiPath(order_id): ApiPath<Uuid>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CardPaymentRequest>,
) -> Result<(StatusCode, Json<Payment>), AppError> {
    let key = headers
        .get(IDEMPOTENCY_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| {
            AppError::Validation(
                "card payments need an Idempotency-Key header (1–255 characters)".into(),
            )
        })?
        .to_owned();
    // A typed card is checked here; a saved card must be one of this customer's.
    let saved = match (&req.card, req.saved_card_id) {
        (Some(c), None) => {
            if let Some(problem) = card::validate(
                &c.number,
                c.expiry_month,
                c.expiry_year,
                &c.cvc,
                customerclient_api::clock::this_month(),
            )
            .into_iter()
            .next()
            {
                let message = match problem {
                    CardProblem::Number(m) | CardProblem::Expiry(m) | CardProblem::Cvc(m) => m,
                };
                return Err(AppError::Unprocessable {
                    code: "invalid_card",
                    message,
                });
            }
            None
        }
        (None, Some(id)) => {
            let found = if current.account.guest {
                None
            } else {
                state
                    .store
                    .saved_card_token(current.account.id, id)
                    .await
                    .map_err(store_err)?
            };
            Some(found.ok_or(AppError::NotFound("saved card"))?.0)
        }
        _ => {
            return Err(AppError::Validation(
                "give either a card or a saved card".into(),
            ));
        }
    };

    let (payment_id, amount, number) = {
        let _guard = state.store.payment_lock.lock().await;
        let order = own_order(&state, current.account.id, order_id).await?;
        if let Some(existing) = state
            .store
            .payment_by_key(order_id, &key)
            .await
            .map_err(store_err)?
        {
            // A retry: report the first attempt, never charge again.
            return Ok((StatusCode::OK, Json(existing.to_api())));
        }
        if order.state == PaymentState::Paid || order.state == PaymentState::Refunded {
            return Err(already_paid());
        }
        expire_stale(&state, order_id).await?;
        let id = Uuid::new_v4();
        state
            .store
            .insert_payment(&NewPayment {
                id,
                order_id,
                method: PaymentMethod::CardInApp,
                state: PaymentState::AwaitingPayment,
                amount: &order.total,
                qr_payload: None,
                expires_at: None,
                idempotency_key: Some(&key),
            })
            .await
            .map_err(store_err)?;
        state
            .store
            .transition_order_payment(
                order_id,
                PaymentState::AwaitingPayment,
                "Card payment started",
                Some(PaymentMethod::CardInApp),
                None,
            )
            .await
            .map_err(store_err)?;
        (id, order.total, order.number)
    };

    let cfg = &state.payments;
    let gateway_key = format!("{order_id}:{key}");
    let attempt = async {
        match (&req.card, &saved) {
            (Some(card), _) => {
                cfg.gateway
                    .charge(ChargeRequest {
                        card,
                        amount: &amount,
                        idempotency_key: &gateway_key,
                        description: format!("Fresh Kitchen order {number}"),
                    })
                    .await
            }
            (None, Some(token)) => cfg.gateway.charge_token(token, &amount, &gateway_key).await,
            (None, None) => Err(GatewayError::Unavailable("no card".into())),
        }
    };
    let charge = tokio::time::timeout(cfg.gateway_timeout, attempt)
        .await
        .unwrap_or(Err(GatewayError::Timeout));
    let save = req.save_card && req.card.is_some() && !current.account.guest;
    drop(req);

    let _guard = state.store.payment_lock.lock().await;
    match charge {
        Ok(ch) => {
            let summary = CardSummary {
                brand: ch.brand,
                last4: ch.last4.clone(),
            };
            state
                .store
                .update_payment(
                    payment_id,
                    PaymentState::Paid,
                    &PaymentUpdate {
                        card: Some((&ch.token, &summary)),
                        gateway_charge_id: Some(&ch.id),
                        ..Default::default()
                    },
                )
                .await
                .map_err(store_err)?;
            if save {
                state
                    .store
                    .save_card(current.account.id, &ch.token, ch.brand, &ch.last4)
                    .await
                    .map_err(store_err)?;
            }
            let note = format!("Paid by {} •••• {}", summary.brand.label(), summary.last4);
            state
                .store
                .transition_order_payment(order_id, PaymentState::Paid, &note, None, Some(&summary))
                .await
                .map_err(store_err)?;
            tracing::info!(order = number, payment = %payment_id, "card payment approved");
            let kind = customerclient_api::push::PushKind::Payment {
                state: PaymentState::Paid,
            };
            crate::push::publish(&state, current.account.id, order_id, number, kind).await;
        }
        Err(e) => {
            let message = customer_message(&e);
            state
                .store
                .update_payment(
                    payment_id,
                    PaymentState::Failed,
                    &PaymentUpdate {
                        failure: Some(message),
                        failure_code: Some(failure_code(&e)),
                        ..Default::default()
                    },
                )
                .await
                .map_err(store_err)?;
            state
                .store
                .transition_order_payment(
                    order_id,
                    PaymentState::Failed,
                    &format!("Card payment failed: {e}"),
                    None,
                    None,
                )
                .await
                .map_err(store_err)?;
            tracing::info!(order = number, payment = %payment_id, reason = %e, "card payment failed");
        }
    }
    let done = state
        .store
        .payment(payment_id)
        .await
        .map_err(store_err)?
        .ok_or_else(|| anyhow::anyhow!("payment vanished"))?;
    Ok((StatusCode::CREATED, Json(done.to_api())))
}

async fn change_method(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiPath(order_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ChangePaymentMethod>,
) -> Result<Json<Order>, AppError> {
    let _guard = state.store.payment_lock.lock().await;
    let order = own_order(&state, current.account.id, order_id).await?;
    if order.state == PaymentState::Paid || order.state == PaymentState::Refunded {
        return Err(already_paid());
    }
    if req.method.is_prepaid() {
        // Paying at the kiosk starts with the QR or card request itself.
        state
            .store
            .transition_order_payment(
                order_id,
                order.state,
                "Payment method changed",
                Some(req.method),
                None,
            )
            .await
            .map_err(store_err)?;
    } else {
        for p in state
            .store
            .awaiting_payments(order_id)
            .await
            .map_err(store_err)?
        {
            state
                .store
                .update_payment(
                    p.id,
                    PaymentState::Failed,
                    &PaymentUpdate {
                        failure: Some("Replaced by paying on delivery"),
                        failure_code: Some("replaced"),
                        ..Default::default()
                    },
                )
                .await
                .map_err(store_err)?;
        }
        let note = format!("{} chosen instead", req.method.label());
        state
            .store
            .transition_order_payment(
                order_id,
                PaymentState::DueOnDelivery,
                &note,
                Some(req.method),
                None,
            )
            .await
            .map_err(store_err)?;
    }
    Ok(Json(
        load_order(&state, current.account.id, order_id).await?,
    ))
}

async fn payment(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Payment>, AppError> {
    let found = state.store.payment(id).await.map_err(store_err)?;
    let Some(p) = found.filter(|p| p.account_id == current.account.id) else {
        return Err(AppError::NotFound("payment"));
    };
    if p.state == PaymentState::AwaitingPayment && p.is_expired(now_ms()) {
        let _guard = state.store.payment_lock.lock().await;
        expire_stale(&state, p.order_id).await?;
    }
    let p = state
        .store
        .payment(id)
        .await
        .map_err(store_err)?
        .ok_or(AppError::NotFound("payment"))?;
    Ok(Json(p.to_api()))
}

/// Hex HMAC-SHA256 of `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn signature_valid(secret: &str, body: &[u8], signature: &str) -> bool {
    let Ok(sig) = hex::decode(signature.trim()) else {
        return false;
    };
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    // Constant-time comparison.
    mac.verify_slice(&sig).is_ok()
}

async fn bank_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Payment>, AppError> {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !signature_valid(&state.payments.webhook_secret, &body, signature) {
        // The body may be an attacker's: log only that it came, never what it says.
        tracing::warn!(bytes = body.len(), "bank webhook rejected: bad signature");
        return Err(AppError::Unauthorized("invalid webhook signature"));
    }
    let notice: BankNotification =
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest {
            code: "malformed_json",
            message: e.to_string(),
        })?;
    let id = Uuid::parse_str(&notice.reference).map_err(|_| AppError::NotFound("payment"))?;
    let _guard = state.store.payment_lock.lock().await;
    let p = state
        .store
        .payment(id)
        .await
        .map_err(store_err)?
        .ok_or(AppError::NotFound("payment"))?;
    match (p.state, notice.status) {
        // Delivered again: already done, nothing changes.
        (PaymentState::Paid, BankStatus::Paid) => return Ok(Json(p.to_api())),
        (PaymentState::AwaitingPayment, _) if p.is_expired(now_ms()) => {
            expire_stale(&state, p.order_id).await?;
            return Err(AppError::Conflict {
                code: "payment_expired",
                message: "this QR code expired before it was paid; refund the customer".into(),
            });
        }
        (PaymentState::AwaitingPayment, _) => {}
        (other, _) => {
            return Err(AppError::Conflict {
                code: "illegal_transition",
                message: format!("the payment is '{}'", other.label()),
            });
        }
    }
    match notice.status {
        BankStatus::Paid => {
            if notice.amount_minor != p.amount.minor {
                return Err(AppError::Unprocessable {
                    code: "amount_mismatch",
                    message: format!("paid {} but {} is due", notice.amount_minor, p.amount.minor),
                });
            }
            state
                .store
                .update_payment(
                    id,
                    PaymentState::Paid,
                    &PaymentUpdate {
                        bank_transaction_id: Some(&notice.transaction_id),
                        ..Default::default()
                    },
                )
                .await
                .map_err(store_err)?;
            state
                .store
                .transition_order_payment(
                    p.order_id,
                    PaymentState::Paid,
                    "Paid in the bank app",
                    None,
                    None,
                )
                .await
                .map_err(store_err)?;
            tracing::info!(payment = %id, order = p.order_number, "QR payment confirmed by the bank");
            let kind = customerclient_api::push::PushKind::Payment {
                state: PaymentState::Paid,
            };
            crate::push::publish(&state, p.account_id, p.order_id, p.order_number, kind).await;
        }
        BankStatus::Rejected => {
            let why = "Your bank rejected the payment. Try again or choose another way to pay.";
            state
                .store
                .update_payment(
                    id,
                    PaymentState::Failed,
                    &PaymentUpdate {
                        failure: Some(why),
                        failure_code: Some("bank_rejected"),
                        bank_transaction_id: Some(&notice.transaction_id),
                        ..Default::default()
                    },
                )
                .await
                .map_err(store_err)?;
            state
                .store
                .transition_order_payment(
                    p.order_id,
                    PaymentState::Failed,
                    "Rejected by the bank",
                    None,
                    None,
                )
                .await
                .map_err(store_err)?;
        }
    }
    let p = state
        .store
        .payment(id)
        .await
        .map_err(store_err)?
        .ok_or(AppError::NotFound("payment"))?;
    Ok(Json(p.to_api()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_with_the_right_secret_and_body() {
        let sig = sign("s3cret", b"{\"a\":1}");
        assert!(signature_valid("s3cret", b"{\"a\":1}", &sig));
        assert!(!signature_valid("s3cret", b"{\"a\":2}", &sig));
        assert!(!signature_valid("other", b"{\"a\":1}", &sig));
        assert!(!signature_valid("s3cret", b"{\"a\":1}", "zz"));
    }
}

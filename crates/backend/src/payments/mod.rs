//! Payment service: QR payments for bank apps (EMVCo payload, confirmed by a signed bank
//! webhook), card payments through the [`gateway::PaymentGateway`], and switching an order to
//! paying on delivery. Every change of an order's payment state is checked and recorded.

pub mod bank;
pub mod gateway;

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use customerclient_api::IDEMPOTENCY_KEY_HEADER;
use customerclient_api::card;
use customerclient_api::emv::{MerchantQr, currency_numeric};
use customerclient_api::orders::Order;
use customerclient_api::payments::{
    BankNotification, BankStatus, CardPaymentRequest, CardSummary, ChangePaymentMethod, Payment,
    PaymentState, SIGNATURE_HEADER,
};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::AppError;
use crate::extract::{ApiJson, ApiPath};
use crate::store::{
    CardStart, ChargeOutcome, NoticeOutcome, PaymentRecord, Refusal, StoreError, now_ms,
};
use gateway::{ChargeRequest, GatewayError, PaymentGateway, SandboxGateway};

/// Used when no secret is configured; fine for the embedded demo, never for production.
pub const DEMO_WEBHOOK_SECRET: &str = "demo-bank-webhook-secret";

/// The payee of the store's QR codes, from the store profile's `[merchant]`.
#[derive(Debug, Clone)]
pub struct Merchant {
    pub gui: String,
    pub id: String,
    pub name: String,
    pub city: String,
    pub country: String,
    pub mcc: String,
}

#[derive(Clone)]
pub struct PaymentsConfig {
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
            .field("qr_lifetime", &self.qr_lifetime)
            .field("gateway", &self.gateway.name())
            .field("bank_simulator", &self.bank_simulator)
            .finish_non_exhaustive()
    }
}

pub fn router() -> crate::routes::Routes {
    use customerclient_api::endpoint as e;
    crate::routes::Routes::new()
        .at(e::StartQrPayment, start_qr)
        .at(e::PayByCard, pay_by_card)
        .at(e::SetPaymentMethod, change_method)
        .at(e::GetPayment, payment)
        .at(e::BankWebhook, bank_webhook)
        .pages(bank::router())
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
        // A unique index refused the write (a bank transaction id already recorded for
        // another payment): a conflict with what is stored, not a server fault.
        StoreError::Db(sqlx::Error::Database(e)) if e.is_unique_violation() => AppError::Conflict {
            code: "duplicate",
            message: "this conflicts with a payment already recorded (same transaction id)".into(),
        },
        e => anyhow::Error::from(e).into(),
    }
}

fn refused(r: Refusal) -> AppError {
    match r {
        Refusal::NoOrder => AppError::NotFound("order"),
        Refusal::AlreadyPaid => AppError::Conflict {
            code: "already_paid",
            message: "this order is already paid".into(),
        },
        Refusal::OrderClosed(status) => AppError::Conflict {
            code: "order_closed",
            message: format!(
                "the order is '{}' and takes no payment",
                status.label().to_lowercase()
            ),
        },
        Refusal::InProgress => AppError::Conflict {
            code: "payment_in_progress",
            message: "a card payment for this order is being processed; wait for its answer".into(),
        },
    }
}

async fn start_qr(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiPath(order_id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<Payment>), AppError> {
    let cfg = state.payments.clone();
    let merchant = state.merchant.clone();
    let issued = state
        .store
        .issue_qr(
            current.account.id,
            order_id,
            cfg.qr_lifetime.as_millis() as i64,
            |order, id| {
                let currency = currency_numeric(&order.total.currency).ok_or_else(|| {
                    anyhow::anyhow!("no ISO 4217 numeric code for {}", order.total.currency)
                })?;
                MerchantQr {
                    merchant_gui: merchant.gui.clone(),
                    merchant_id: merchant.id.clone(),
                    mcc: merchant.mcc.clone(),
                    currency: currency.into(),
                    amount: order.total.decimal(),
                    country: merchant.country.clone(),
                    merchant_name: merchant.name.clone(),
                    merchant_city: merchant.city.clone(),
                    bill_number: order.number.to_string(),
                    reference: id.simple().to_string(),
                }
                .to_payload()
                .map_err(|e| anyhow::anyhow!("building the QR payload: {e}"))
            },
        )
        .await?;
    let (payment, created) = issued.map_err(refused)?;
    if created {
        tracing::info!(payment = %payment.id, order = payment.order_number, "QR payment issued");
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(payment.to_api())))
}

fn failure_code(e: &GatewayError) -> &'static str {
    match e {
        GatewayError::Declined => "declined",
        GatewayError::InsufficientFunds => "insufficient_funds",
        GatewayError::Timeout => "gateway_timeout",
        GatewayError::Unavailable(_) => "unavailable",
        GatewayError::Interrupted => "interrupted",
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
        GatewayError::Interrupted => {
            "The card payment was interrupted. You were not charged — please try again."
        }
    }
}

/// The key the gateway sees for one attempt: the order and the kiosk's key together.
fn gateway_key(order_id: Uuid, key: &str) -> String {
    format!("{order_id}:{key}")
}

/// Records the gateway's answer for an attempt (the second phase); returns the attempt as it
/// stands afterwards.
async fn settle(
    state: &AppState,
    attempt: &PaymentRecord,
    charge: Result<gateway::Charge, GatewayError>,
    save_for: Option<Uuid>,
    driven_at: Option<i64>,
) -> Result<PaymentRecord, AppError> {
    let (done, woken) = match &charge {
        Ok(ch) => {
            let card = CardSummary {
                brand: ch.brand,
                last4: ch.last4.clone(),
            };
            let outcome = ChargeOutcome::Approved {
                token: &ch.token,
                card: &card,
                charge_id: &ch.id,
                save_for,
            };
            state
                .store
                .settle_card(attempt.id, &outcome, driven_at)
                .await
        }
        Err(e) => {
            let note = format!("Card payment failed: {e}");
            let outcome = ChargeOutcome::Failed {
                code: failure_code(e),
                message: customer_message(e),
                note: &note,
            };
            state
                .store
                .settle_card(attempt.id, &outcome, driven_at)
                .await
        }
    }
    .map_err(store_err)?;
    if let Some(woken) = woken {
        crate::push::wake(state, woken);
        // Paid: its receipt was queued with it.
        state.mail_wake.notify_one();
    }
    match (&charge, done.state) {
        (Ok(_), PaymentState::Paid) => {
            tracing::info!(order = done.order_number, payment = %done.id, "card payment approved");
        }
        (Ok(_), PaymentState::Refunded) => {
            tracing::warn!(order = done.order_number, payment = %done.id, "card charged after the attempt ended; refund queued");
            refund_owed(state).await;
        }
        (Err(e), _) => {
            tracing::info!(order = done.order_number, payment = %done.id, reason = %e, "card payment failed");
        }
        _ => {}
    }
    Ok(done)
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
    // A typed card is checked here (an unknown brand or a failed Luhn check never reaches
    // the gateway); a saved card must be one of this customer's.
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
                return Err(AppError::Unprocessable {
                    code: "invalid_card",
                    message: problem.message(),
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

    // Phase one: the attempt is committed before the gateway hears of it.
    let (attempt, status) = match state
        .store
        .start_card_attempt(current.account.id, order_id, &key)
        .await
        .map_err(store_err)?
        .map_err(refused)?
    {
        CardStart::Started(p) => (p, StatusCode::CREATED),
        // A retry of an attempt that has its answer: the answer, never a second charge.
        CardStart::Existing(p) if p.state != PaymentState::AwaitingPayment => {
            return Ok((StatusCode::OK, Json(p.to_api())));
        }
        // A retry of an attempt still pending (its first request died or is still running):
        // drive it again under the same gateway key, which the gateway charges at most once.
        CardStart::Existing(p) => (p, StatusCode::OK),
    };

    let gw_key = gateway_key(order_id, &key);
    let save = req.save_card && req.card.is_some() && !current.account.guest;
    let saver = save.then_some(current.account.id);
    // The charge and its recording run to the end in a task of their own: a kiosk that
    // hangs up (or a client timeout) must not cut a gateway call or its settlement short,
    // leaving an attempt only recovery could resolve.
    let charged = tokio::spawn({
        let state = state.clone();
        async move {
            let cfg = &state.payments;
            let charge = async {
                match (&req.card, &saved) {
                    (Some(card), _) => {
                        cfg.gateway
                            .charge(ChargeRequest {
                                card,
                                amount: &attempt.amount,
                                idempotency_key: &gw_key,
                                description: format!(
                                    "Fresh Kitchen order {}",
                                    attempt.order_number
                                ),
                            })
                            .await
                    }
                    (None, Some(token)) => {
                        cfg.gateway
                            .charge_token(token, &attempt.amount, &gw_key)
                            .await
                    }
                    (None, None) => Err(GatewayError::Unavailable("no card".into())),
                }
            };
            let charge = tokio::time::timeout(cfg.gateway_timeout, charge)
                .await
                .unwrap_or(Err(GatewayError::Timeout));
            // The card's number and CVC go as soon as the gateway has answered.
            drop(req);
            // Phase two.
            settle(&state, &attempt, charge, saver, None).await
        }
    });
    let done = charged
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("card payment task: {e}")))??;
    if done.state == PaymentState::Refunded {
        let message = if done.failure_code.as_deref() == Some("order_cancelled") {
            "the order was closed while the card was being charged; the charge is refunded"
        } else {
            "this payment attempt ended while the card was being charged; the charge is refunded, please pay again"
        };
        return Err(AppError::Conflict {
            code: "payment_superseded",
            message: message.into(),
        });
    }
    Ok((status, Json(done.to_api())))
}

/// Resolves card attempts a crash or a lost answer left pending, by asking the gateway what
/// became of each attempt's key; expires stale QR codes; sends refunds the gateway has not
/// confirmed. Runs at start and periodically; safe to run on several instances at once
/// (every change it makes is a guarded update).
pub async fn recover(state: &AppState) {
    let cfg = &state.payments;
    // Older than any request could still be waiting for its gateway answer.
    let before = now_ms() - 2 * cfg.gateway_timeout.as_millis() as i64;
    match state.store.stale_card_attempts(before).await {
        Ok(stale) => {
            for p in stale {
                let Some(key) = p.idempotency_key.as_deref() else {
                    continue;
                };
                let found = cfg.gateway.lookup(&gateway_key(p.order_id, key)).await;
                let charge = match found {
                    Ok(Some(outcome)) => outcome,
                    Ok(None) => Err(GatewayError::Interrupted),
                    // The gateway cannot say now: ask again next round.
                    Err(e) => {
                        tracing::warn!(payment = %p.id, error = %e, "gateway lookup failed");
                        continue;
                    }
                };
                // Only as it was read: a retry that took the attempt up meanwhile settles it.
                match settle(state, &p, charge, None, Some(p.updated_at)).await {
                    Err(e) => {
                        tracing::error!(payment = %p.id, error = %e, "resolving a pending card attempt")
                    }
                    Ok(done) if done.state == PaymentState::AwaitingPayment => {
                        tracing::info!(payment = %p.id, "pending card attempt taken up by a retry; left to it")
                    }
                    Ok(_) => tracing::info!(payment = %p.id, "pending card attempt resolved"),
                }
            }
        }
        Err(e) => tracing::error!(error = %e, "reading pending card attempts"),
    }
    match state.store.orders_with_stale_qr(now_ms()).await {
        Ok(orders) => {
            for order in orders {
                if let Err(e) = state.store.expire_stale(order).await {
                    tracing::error!(%order, error = %e, "expiring QR codes");
                }
            }
        }
        Err(e) => tracing::error!(error = %e, "reading stale QR codes"),
    }
    refund_owed(state).await;
}

/// Asks the gateway to refund every card charge the database says is refunded but not yet
/// given back. A refund is idempotent at the gateway, so a crash between the two is safe.
pub async fn refund_owed(state: &AppState) {
    let pending = match state.store.pending_refunds().await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "reading pending refunds");
            return;
        }
    };
    for (id, charge) in pending {
        match state.payments.gateway.refund(&charge).await {
            Ok(()) => {
                if let Err(e) = state.store.refund_done(id).await {
                    tracing::error!(payment = %id, error = %e, "recording a refund");
                }
            }
            Err(e) => tracing::warn!(payment = %id, error = %e, "refund failed; retried later"),
        }
    }
}

async fn change_method(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiPath(order_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ChangePaymentMethod>,
) -> Result<Json<Order>, AppError> {
    state
        .store
        .change_payment_method(current.account.id, order_id, req.method)
        .await
        .map_err(store_err)?
        .map_err(refused)?;
    // Switched to paying on delivery: its receipt was queued with the switch.
    state.mail_wake.notify_one();
    state
        .store
        .order(current.account.id, order_id)
        .await
        .map_err(store_err)?
        .map(Json)
        .ok_or(AppError::NotFound("order"))
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
        state
            .store
            .expire_stale(p.order_id)
            .await
            .map_err(store_err)?;
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
    let p = state
        .store
        .payment(id)
        .await
        .map_err(store_err)?
        .ok_or(AppError::NotFound("payment"))?;
    if notice.status == BankStatus::Paid && notice.amount_minor != p.amount.minor {
        return Err(AppError::Unprocessable {
            code: "amount_mismatch",
            message: format!("paid {} but {} is due", notice.amount_minor, p.amount.minor),
        });
    }
    let transaction = notice.transaction_id.trim();
    if transaction.is_empty() || transaction.len() > 128 {
        return Err(AppError::Validation(
            "transaction_id must be 1–128 characters".into(),
        ));
    }
    let (outcome, woken) = state
        .store
        .bank_notice(id, notice.status == BankStatus::Paid, transaction)
        .await
        .map_err(store_err)?
        .ok_or(AppError::NotFound("payment"))?;
    if let Some(woken) = woken {
        crate::push::wake(&state, woken);
        // Paid: its receipt was queued with it.
        state.mail_wake.notify_one();
    }
    match outcome {
        NoticeOutcome::Applied(p) => {
            tracing::info!(payment = %id, order = p.order_number, state = ?p.state, "bank notice applied");
            Ok(Json(p.to_api()))
        }
        NoticeOutcome::Refunded(p, why) => {
            tracing::warn!(payment = %id, order = p.order_number, why, "money for a payment that cannot take it; refund owed");
            let message = match why {
                "payment_expired" => "this QR code expired before it was paid",
                "order_cancelled" => "the order was cancelled before this payment arrived",
                "payment_superseded" => "the order was paid or switched another way",
                "duplicate_payment" => "this code was already paid by another transaction",
                _ => "this payment can no longer be accepted",
            };
            Err(AppError::Conflict {
                code: why,
                message: format!("{message}; refund the customer"),
            })
        }
        NoticeOutcome::Ignored(p) => Err(AppError::Conflict {
            code: "illegal_transition",
            message: format!("the payment is '{}'", p.state.label()),
        }),
    }
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

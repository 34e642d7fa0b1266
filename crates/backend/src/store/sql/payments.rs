// Payment rows and the order's payment state. Card attempts store the gateway's token, the
// brand and the last four digits; there is no column a card number or CVC could go into.
//
// Every public method here is one business operation in one write transaction: the order's
// state it depends on is read and changed inside that transaction, and every change of a
// payment row is an `UPDATE … WHERE state = <expected>` whose row count is checked. Two
// partial unique indexes make the database itself refuse a second attempt in flight or a
// second paid attempt for one order (migration 0008).

use customerclient_api::Money;
use customerclient_api::orders::PaymentMethod;
use customerclient_api::payments::{CardSummary, PaymentState};
use customerclient_api::push::{PushEvent, PushKind};
use sqlx::Row;
use uuid::Uuid;

use super::{Store, StoreError, enum_from_text, enum_to_text, now_ms, uuid_col};

const PAYMENT_COLUMNS: &str =
    "p.id, p.order_id, o.number, o.account_id, p.method, p.state, p.amount_minor,
    p.currency, p.qr_payload, p.expires_at, p.card_brand, p.card_last4, p.failure, p.failure_code,
    p.idempotency_key, p.gateway_charge_id, p.bank_transaction_id, p.created_at, p.updated_at";

const AWAITING: &str = "awaiting_payment";

fn record(row: &DbRow) -> Result<PaymentRecord, sqlx::Error> {
    let brand: Option<String> = row.try_get("card_brand")?;
    let last4: Option<String> = row.try_get("card_last4")?;
    Ok(PaymentRecord {
        id: uuid_col(row, "id")?,
        order_id: uuid_col(row, "order_id")?,
        order_number: row.try_get("number")?,
        account_id: uuid_col(row, "account_id")?,
        method: enum_from_text(&row.try_get::<String, _>("method")?)?,
        state: enum_from_text(&row.try_get::<String, _>("state")?)?,
        amount: Money::new(
            row.try_get("amount_minor")?,
            row.try_get::<String, _>("currency")?,
        ),
        qr_payload: row.try_get("qr_payload")?,
        expires_at: row.try_get("expires_at")?,
        card: match (brand, last4) {
            (Some(b), Some(l)) => Some(CardSummary {
                brand: enum_from_text(&b)?,
                last4: l,
            }),
            _ => None,
        },
        failure: row.try_get("failure")?,
        failure_code: row.try_get("failure_code")?,
        idempotency_key: row.try_get("idempotency_key")?,
        gateway_charge_id: row.try_get("gateway_charge_id")?,
        bank_transaction_id: row.try_get("bank_transaction_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn payment_in(
    conn: &mut Conn,
    id: Uuid,
) -> Result<Option<PaymentRecord>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(record).transpose()
}

/// The payment as it stands now, inside the caller's transaction (it must exist).
async fn payment_now(conn: &mut Conn, id: Uuid) -> Result<PaymentRecord, StoreError> {
    payment_in(conn, id)
        .await?
        .ok_or(StoreError::Db(sqlx::Error::RowNotFound))
}

/// The customer's "paid" push event for `p`, stored in the caller's transaction.
async fn paid_event_in(
    conn: &mut Conn,
    p: &PaymentRecord,
) -> Result<(Uuid, PushEvent), StoreError> {
    let kind = PushKind::Payment {
        state: PaymentState::Paid,
    };
    let e = super::events::append_in(conn, p.account_id, p.order_id, p.order_number, &kind).await?;
    Ok((p.account_id, e))
}

pub(crate) async fn order_payment_in(
    conn: &mut Conn,
    order_id: Uuid,
) -> Result<Option<OrderPayment>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT account_id, number, status, payment_method, payment_state, total_minor, currency
         FROM orders WHERE id = $1",
    )
    .bind(order_id.to_string())
    .fetch_optional(conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(OrderPayment {
        account_id: uuid_col(&r, "account_id")?,
        number: r.try_get("number")?,
        status: enum_from_text(&r.try_get::<String, _>("status")?)?,
        method: enum_from_text(&r.try_get::<String, _>("payment_method")?)?,
        state: enum_from_text(&r.try_get::<String, _>("payment_state")?)?,
        total: Money::new(
            r.try_get("total_minor")?,
            r.try_get::<String, _>("currency")?,
        ),
    }))
}

/// Moves the order's payment state (checked against the allowed transitions) and records it
/// in the order's payment history, inside the caller's transaction. Same state: only the
/// method and card are updated.
pub(crate) async fn set_order_payment(
    conn: &mut Conn,
    order_id: Uuid,
    to: PaymentState,
    note: &str,
    method: Option<PaymentMethod>,
    card: Option<&CardSummary>,
) -> Result<(), StoreError> {
    let from: String = sqlx::query_scalar("SELECT payment_state FROM orders WHERE id = $1")
        .bind(order_id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    let from: PaymentState = enum_from_text(&from)?;
    if from != to {
        if !from.can_become(to) {
            return Err(StoreError::IllegalTransition { from, to });
        }
        sqlx::query(
            "INSERT INTO payment_history (order_id, seq, state, at, note)
             SELECT $1, COALESCE(MAX(seq), -1) + 1, $2, $3, $4 FROM payment_history WHERE order_id = $1",
        )
        .bind(order_id.to_string())
        .bind(enum_to_text(&to))
        .bind(now_ms())
        .bind(note)
        .execute(&mut *conn)
        .await?;
    }
    let changed = sqlx::query(
        "UPDATE orders SET payment_state = $2,
            payment_method = COALESCE($3, payment_method),
            card_brand = COALESCE($4, card_brand),
            card_last4 = COALESCE($5, card_last4)
         WHERE id = $1 AND payment_state = $6",
    )
    .bind(order_id.to_string())
    .bind(enum_to_text(&to))
    .bind(method.map(|m| enum_to_text(&m)))
    .bind(card.map(|c| enum_to_text(&c.brand)))
    .bind(card.map(|c| c.last4.clone()))
    .bind(enum_to_text(&from))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(StoreError::IllegalTransition { from, to });
    }
    if from != to && matches!(to, PaymentState::Paid | PaymentState::DueOnDelivery) {
        // How it is paid is settled (the money came, or the courier collects): the receipt
        // goes, in this same transaction.
        queue_receipt_in(conn, order_id).await?;
    }
    Ok(())
}

/// Queues the order's receipt to the address given with it, if one was.
pub(crate) async fn queue_receipt_in(conn: &mut Conn, order_id: Uuid) -> Result<(), sqlx::Error> {
    let row = sqlx::query("SELECT receipt_email, number FROM orders WHERE id = $1")
        .bind(order_id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(()) };
    let to: Option<String> = row.try_get("receipt_email")?;
    if let Some(to) = to {
        let number: i64 = row.try_get("number")?;
        let mail = crate::mail::templates::receipt(&to, number, order_id);
        super::accounts::enqueue_mail(conn, &mail).await?;
    }
    Ok(())
}

/// Ends every attempt of the order still in flight with `code`; returns how many.
async fn end_in_flight(
    conn: &mut Conn,
    order_id: Uuid,
    code: &str,
    text: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE payments SET state = 'failed', failure_code = $2, failure = $3, updated_at = $4
         WHERE order_id = $1 AND state = $5",
    )
    .bind(order_id.to_string())
    .bind(code)
    .bind(text)
    .bind(now_ms())
    .bind(AWAITING)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Marks the order's waiting QR codes whose time is up as expired (and the order with them).
async fn expire_stale_in(
    conn: &mut Conn,
    order_id: Uuid,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE payments SET state = 'expired', failure_code = 'qr_expired',
            failure = 'The QR code expired', updated_at = $2
         WHERE order_id = $1 AND state = $3 AND expires_at IS NOT NULL AND expires_at <= $2",
    )
    .bind(order_id.to_string())
    .bind(now)
    .bind(AWAITING)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n > 0 {
        let order = order_payment_in(conn, order_id).await?;
        if order.is_some_and(|o| o.state == PaymentState::AwaitingPayment) {
            set_order_payment(
                conn,
                order_id,
                PaymentState::Expired,
                "QR code expired unpaid",
                None,
                None,
            )
            .await?;
        }
    }
    Ok(n > 0)
}

async fn in_flight_in(
    conn: &mut Conn,
    order_id: Uuid,
) -> Result<Option<PaymentRecord>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments p JOIN orders o ON o.id = p.order_id
         WHERE p.order_id = $1 AND p.state = $2"
    ))
    .bind(order_id.to_string())
    .bind(AWAITING)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(record).transpose()
}

pub struct NewAttempt<'a> {
    pub id: Uuid,
    pub order_id: Uuid,
    pub method: PaymentMethod,
    pub amount: &'a Money,
    pub qr_payload: Option<&'a str>,
    pub expires_at: Option<i64>,
    pub idempotency_key: Option<&'a str>,
}

async fn insert_attempt(
    conn: &mut Conn,
    p: &NewAttempt<'_>,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO payments (id, order_id, method, state, amount_minor, currency, qr_payload, expires_at,
            idempotency_key, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(p.id.to_string())
    .bind(p.order_id.to_string())
    .bind(enum_to_text(&p.method))
    .bind(AWAITING)
    .bind(p.amount.minor)
    .bind(&p.amount.currency)
    .bind(p.qr_payload)
    .bind(p.expires_at)
    .bind(p.idempotency_key)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Refunds what a paid order took, inside the caller's transaction: the paid attempt becomes
/// refunded (card charges are queued for the gateway's refund) and the order follows.
pub(crate) async fn refund_paid_in(
    conn: &mut Conn,
    order_id: Uuid,
    note: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE payments SET state = 'refunded', updated_at = $2,
            refund_pending = (gateway_charge_id IS NOT NULL)
         WHERE order_id = $1 AND state = 'paid'",
    )
    .bind(order_id.to_string())
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    set_order_payment(conn, order_id, PaymentState::Refunded, note, None, None).await
}

/// Why money that arrived for an ended attempt is given back, from how the attempt ended.
fn late_reason(failure_code: Option<&str>) -> &'static str {
    match failure_code {
        Some("qr_expired") => "payment_expired",
        Some("order_cancelled") => "order_cancelled",
        Some("superseded" | "replaced") => "payment_superseded",
        _ => "not_payable",
    }
}

fn check_order(order: Option<OrderPayment>, account: Uuid) -> Result<OrderPayment, Refusal> {
    match order {
        Some(o) if o.account_id == account => Ok(o),
        _ => Err(Refusal::NoOrder),
    }
}

fn check_payable(order: &OrderPayment) -> Result<(), Refusal> {
    if order.settled() {
        return Err(Refusal::AlreadyPaid);
    }
    if order.closed() {
        return Err(Refusal::OrderClosed(order.status));
    }
    Ok(())
}

impl Store {
    pub async fn order_payment(&self, order_id: Uuid) -> Result<Option<OrderPayment>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Ok(order_payment_in(&mut conn, order_id).await?)
    }

    pub async fn payment(&self, id: Uuid) -> Result<Option<PaymentRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Ok(payment_in(&mut conn, id).await?)
    }

    /// Shows the order's live QR code again, or issues a new one built by `payload` (given
    /// the new payment's id): one transaction, refused for paid or closed orders and while a
    /// card charge is in flight. Returns the payment and whether it was issued now.
    pub async fn issue_qr(
        &self,
        account: Uuid,
        order_id: Uuid,
        lifetime_ms: i64,
        payload: impl FnOnce(&OrderPayment, Uuid) -> anyhow::Result<String>,
    ) -> Result<Result<(PaymentRecord, bool), Refusal>, anyhow::Error> {
        let mut tx = self.order_tx(order_id).await?;
        let now = now_ms();
        let order = match check_order(order_payment_in(&mut tx, order_id).await?, account)
            .and_then(|o| check_payable(&o).map(|_| o))
        {
            Ok(o) => o,
            Err(r) => return Ok(Err(r)),
        };
        expire_stale_in(&mut tx, order_id, now).await?;
        if let Some(live) = in_flight_in(&mut tx, order_id).await? {
            if live.qr_payload.is_some() {
                // A code that is still valid is shown again rather than replaced.
                return Ok(Ok((live, false)));
            }
            return Ok(Err(Refusal::InProgress));
        }
        let id = Uuid::new_v4();
        let qr = payload(&order, id)?;
        insert_attempt(
            &mut tx,
            &NewAttempt {
                id,
                order_id,
                method: PaymentMethod::QrBankApp,
                amount: &order.total,
                qr_payload: Some(&qr),
                expires_at: Some(now + lifetime_ms),
                idempotency_key: None,
            },
        )
        .await?;
        set_order_payment(
            &mut tx,
            order_id,
            PaymentState::AwaitingPayment,
            "QR code issued",
            Some(PaymentMethod::QrBankApp),
            None,
        )
        .await?;
        let created = payment_now(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Ok((created, true)))
    }

    /// The first phase of a card charge: the attempt (key, amount, pending) is committed
    /// before the gateway is called. A key used before answers with its own attempt; a
    /// waiting QR code is replaced; a charge in flight under another key refuses this one.
    pub async fn start_card_attempt(
        &self,
        account: Uuid,
        order_id: Uuid,
        key: &str,
    ) -> Op<CardStart> {
        let mut tx = self.order_tx(order_id).await?;
        let order = match check_order(order_payment_in(&mut tx, order_id).await?, account) {
            Ok(o) => o,
            Err(r) => return Ok(Err(r)),
        };
        let existing = sqlx::query(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments p JOIN orders o ON o.id = p.order_id
             WHERE p.order_id = $1 AND p.idempotency_key = $2"
        ))
        .bind(order_id.to_string())
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = existing {
            let p = record(&row)?;
            if p.state == PaymentState::AwaitingPayment {
                // A retry drives this attempt again: recovery leaves it alone while it does.
                sqlx::query("UPDATE payments SET updated_at = $2 WHERE id = $1 AND state = $3")
                    .bind(p.id.to_string())
                    .bind(now_ms())
                    .bind(AWAITING)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            return Ok(Ok(CardStart::Existing(p)));
        }
        if let Err(r) = check_payable(&order) {
            return Ok(Err(r));
        }
        let now = now_ms();
        expire_stale_in(&mut tx, order_id, now).await?;
        if let Some(live) = in_flight_in(&mut tx, order_id).await? {
            if live.qr_payload.is_none() {
                return Ok(Err(Refusal::InProgress));
            }
            end_in_flight(
                &mut tx,
                order_id,
                "superseded",
                "Replaced by a card payment",
            )
            .await?;
        }
        let id = Uuid::new_v4();
        insert_attempt(
            &mut tx,
            &NewAttempt {
                id,
                order_id,
                method: PaymentMethod::CardInApp,
                amount: &order.total,
                qr_payload: None,
                expires_at: None,
                idempotency_key: Some(key),
            },
        )
        .await?;
        set_order_payment(
            &mut tx,
            order_id,
            PaymentState::AwaitingPayment,
            "Card payment started",
            Some(PaymentMethod::CardInApp),
            None,
        )
        .await?;
        let created = payment_now(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Ok(CardStart::Started(created)))
    }

    /// The second phase: the gateway's answer, applied only while the attempt is still in
    /// flight. Money taken for an attempt that was ended meanwhile (order cancelled) is
    /// recorded as refunded and queued for the gateway's refund. Returns the attempt as it
    /// stands, and the push event to wake streams with.
    /// Records a card attempt's answer. `driven_at` is for recovery: the attempt's
    /// `updated_at` as recovery read it, so an attempt a retry has taken up since (which bumps
    /// it) is left to the retry, whose own answer comes from the same gateway key.
    pub async fn settle_card(
        &self,
        payment_id: Uuid,
        outcome: &ChargeOutcome<'_>,
        driven_at: Option<i64>,
    ) -> Result<(PaymentRecord, Option<(Uuid, PushEvent)>), StoreError> {
        let mut tx = self.payment_tx(payment_id).await?;
        let now = now_ms();
        let mut event = None;
        match outcome {
            ChargeOutcome::Approved {
                token,
                card,
                charge_id,
                save_for,
            } => {
                let n = sqlx::query(
                    "UPDATE payments SET state = 'paid', updated_at = $2, card_token = $3,
                        card_brand = $4, card_last4 = $5, gateway_charge_id = $6
                     WHERE id = $1 AND state = $7 AND updated_at = COALESCE($8, updated_at)",
                )
                .bind(payment_id.to_string())
                .bind(now)
                .bind(token)
                .bind(enum_to_text(&card.brand))
                .bind(&card.last4)
                .bind(charge_id)
                .bind(AWAITING)
                .bind(driven_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let p = payment_now(&mut tx, payment_id).await?;
                if n == 1 {
                    let note = format!("Paid by {} •••• {}", card.brand.label(), card.last4);
                    set_order_payment(
                        &mut tx,
                        p.order_id,
                        PaymentState::Paid,
                        &note,
                        None,
                        Some(card),
                    )
                    .await?;
                    if let Some(account) = save_for {
                        super::accounts::save_card_in(&mut tx, *account, token, card).await?;
                    }
                    event = Some(paid_event_in(&mut tx, &p).await?);
                } else if !matches!(p.state, PaymentState::Paid | PaymentState::AwaitingPayment)
                    && p.gateway_charge_id.is_none()
                {
                    // Ended while the gateway was charging: the money goes back. (Still
                    // awaiting: a retry drives it and settles it with this same charge.)
                    sqlx::query(
                        "UPDATE payments SET state = 'refunded', refund_pending = TRUE, updated_at = $2,
                            card_token = $3, card_brand = $4, card_last4 = $5, gateway_charge_id = $6
                         WHERE id = $1 AND state <> 'paid' AND gateway_charge_id IS NULL",
                    )
                    .bind(payment_id.to_string())
                    .bind(now)
                    .bind(token)
                    .bind(enum_to_text(&card.brand))
                    .bind(&card.last4)
                    .bind(charge_id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            ChargeOutcome::Failed {
                code,
                message,
                note,
            } => {
                let n = sqlx::query(
                    "UPDATE payments SET state = 'failed', updated_at = $2, failure = $3, failure_code = $4
                     WHERE id = $1 AND state = $5 AND updated_at = COALESCE($6, updated_at)",
                )
                .bind(payment_id.to_string())
                .bind(now)
                .bind(message)
                .bind(code)
                .bind(AWAITING)
                .bind(driven_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 1 {
                    let p = payment_now(&mut tx, payment_id).await?;
                    let order = order_payment_in(&mut tx, p.order_id).await?;
                    if order.is_some_and(|o| o.state == PaymentState::AwaitingPayment) {
                        set_order_payment(
                            &mut tx,
                            p.order_id,
                            PaymentState::Failed,
                            note,
                            None,
                            None,
                        )
                        .await?;
                    }
                }
            }
        }
        let p = payment_now(&mut tx, payment_id).await?;
        tx.commit().await?;
        Ok((p, event))
    }

    /// The bank's notice for a QR payment, in one transaction. The same notice delivered
    /// again changes nothing; money for an attempt that can no longer take it is recorded
    /// as refunded.
    pub async fn bank_notice(
        &self,
        payment_id: Uuid,
        paid: bool,
        transaction_id: &str,
    ) -> Result<Option<(NoticeOutcome, Option<(Uuid, PushEvent)>)>, StoreError> {
        let mut tx = self.payment_tx(payment_id).await?;
        let now = now_ms();
        let Some(p) = payment_in(&mut tx, payment_id).await? else {
            return Ok(None);
        };
        if p.qr_payload.is_none() {
            return Ok(None);
        }
        if p.bank_transaction_id.as_deref() == Some(transaction_id) {
            // Delivered again: the same answer as the first time, nothing changes.
            if p.state == PaymentState::Refunded && p.failure_code.is_some() {
                let why = late_reason(p.failure_code.as_deref());
                return Ok(Some((NoticeOutcome::Refunded(p, why), None)));
            }
            return Ok(Some((NoticeOutcome::Applied(p), None)));
        }
        expire_stale_in(&mut tx, p.order_id, now).await?;
        let order = order_payment_in(&mut tx, p.order_id)
            .await?
            .ok_or(StoreError::Db(sqlx::Error::RowNotFound))?;
        let mut event = None;
        let outcome = if !paid {
            let n = sqlx::query(
                "UPDATE payments SET state = 'failed', updated_at = $2, bank_transaction_id = $3,
                    failure_code = 'bank_rejected',
                    failure = 'Your bank rejected the payment. Try again or choose another way to pay.'
                 WHERE id = $1 AND state = $4",
            )
            .bind(payment_id.to_string())
            .bind(now)
            .bind(transaction_id)
            .bind(AWAITING)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 && order.state == PaymentState::AwaitingPayment {
                set_order_payment(
                    &mut tx,
                    p.order_id,
                    PaymentState::Failed,
                    "Rejected by the bank",
                    None,
                    None,
                )
                .await?;
            }
            let p = payment_now(&mut tx, payment_id).await?;
            if n == 1 {
                NoticeOutcome::Applied(p)
            } else {
                NoticeOutcome::Ignored(p)
            }
        } else {
            let n = sqlx::query(
                "UPDATE payments SET state = 'paid', updated_at = $2, bank_transaction_id = $3
                 WHERE id = $1 AND state = $4",
            )
            .bind(payment_id.to_string())
            .bind(now)
            .bind(transaction_id)
            .bind(AWAITING)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                set_order_payment(
                    &mut tx,
                    p.order_id,
                    PaymentState::Paid,
                    "Paid in the bank app",
                    None,
                    None,
                )
                .await?;
                event = Some(paid_event_in(&mut tx, &p).await?);
                let p = payment_now(&mut tx, payment_id).await?;
                NoticeOutcome::Applied(p)
            } else {
                let current = payment_now(&mut tx, payment_id).await?;
                let why = late_reason(current.failure_code.as_deref());
                if current.bank_transaction_id.is_some() {
                    // Another transaction for the same code: the first one stands.
                    NoticeOutcome::Refunded(current, "duplicate_payment")
                } else {
                    sqlx::query(
                        "UPDATE payments SET state = 'refunded', refund_pending = TRUE, updated_at = $2,
                            bank_transaction_id = $3
                         WHERE id = $1 AND bank_transaction_id IS NULL AND state <> 'paid'",
                    )
                    .bind(payment_id.to_string())
                    .bind(now)
                    .bind(transaction_id)
                    .execute(&mut *tx)
                    .await?;
                    let p = payment_now(&mut tx, payment_id).await?;
                    NoticeOutcome::Refunded(p, why)
                }
            }
        };
        tx.commit().await?;
        Ok(Some((outcome, event)))
    }

    /// Switches the order to paying on delivery (or records a prepaid method for later), in
    /// one transaction; a waiting QR code is ended, a card charge in flight refuses it.
    pub async fn change_payment_method(
        &self,
        account: Uuid,
        order_id: Uuid,
        method: PaymentMethod,
    ) -> Op<()> {
        let mut tx = self.order_tx(order_id).await?;
        let order = match check_order(order_payment_in(&mut tx, order_id).await?, account)
            .and_then(|o| check_payable(&o).map(|_| o))
        {
            Ok(o) => o,
            Err(r) => return Ok(Err(r)),
        };
        expire_stale_in(&mut tx, order_id, now_ms()).await?;
        if method.is_prepaid() {
            set_order_payment(
                &mut tx,
                order_id,
                order.state,
                "Payment method changed",
                Some(method),
                None,
            )
            .await?;
        } else {
            if let Some(live) = in_flight_in(&mut tx, order_id).await? {
                if live.qr_payload.is_none() {
                    return Ok(Err(Refusal::InProgress));
                }
                end_in_flight(
                    &mut tx,
                    order_id,
                    "replaced",
                    "Replaced by paying on delivery",
                )
                .await?;
            }
            let note = format!("{} chosen instead", method.label());
            set_order_payment(
                &mut tx,
                order_id,
                PaymentState::DueOnDelivery,
                &note,
                Some(method),
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Expires the order's stale QR codes (one transaction).
    pub async fn expire_stale(&self, order_id: Uuid) -> Result<(), StoreError> {
        let mut tx = self.order_tx(order_id).await?;
        expire_stale_in(&mut tx, order_id, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Card attempts still pending that nobody has driven since `before`: a crash or a lost
    /// answer left them; recovery asks the gateway what became of each.
    pub async fn stale_card_attempts(&self, before: i64) -> Result<Vec<PaymentRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments p JOIN orders o ON o.id = p.order_id
             WHERE p.state = $1 AND p.qr_payload IS NULL AND p.updated_at < $2
             ORDER BY p.created_at LIMIT 200"
        ))
        .bind(AWAITING)
        .bind(before)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(record).collect::<Result<_, _>>()?)
    }

    /// Orders with QR codes past their time that are still waiting.
    pub async fn orders_with_stale_qr(&self, now: i64) -> Result<Vec<Uuid>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT order_id FROM payments
             WHERE state = $1 AND expires_at IS NOT NULL AND expires_at <= $2 LIMIT 500",
        )
        .bind(AWAITING)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(uuid_col(r, "order_id")?)).collect()
    }

    /// Card charges refunded in the database whose refund the gateway has not confirmed.
    pub async fn pending_refunds(&self) -> Result<Vec<(Uuid, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, gateway_charge_id FROM payments
             WHERE refund_pending = TRUE AND gateway_charge_id IS NOT NULL LIMIT 200",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((uuid_col(r, "id")?, r.try_get("gateway_charge_id")?)))
            .collect()
    }

    pub async fn refund_done(&self, payment_id: Uuid) -> Result<(), StoreError> {
        sqlx::query("UPDATE payments SET refund_pending = FALSE WHERE id = $1")
            .bind(payment_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// QR payments still waiting (for the bank simulator page), newest first.
    pub async fn awaiting_qr_payments(&self, limit: i64) -> Result<Vec<PaymentRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments p JOIN orders o ON o.id = p.order_id
             WHERE p.state = $1 AND p.qr_payload IS NOT NULL AND p.expires_at > $2
             ORDER BY p.created_at DESC LIMIT $3"
        ))
        .bind(AWAITING)
        .bind(now_ms())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(record).collect::<Result<_, _>>()?)
    }
}

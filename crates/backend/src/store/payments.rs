//! Payment rows and the order's payment state. Card attempts store the gateway's token, the
//! brand and the last four digits; there is no column a card number or CVC could go into.

use customerclient_api::Money;
use customerclient_api::orders::PaymentMethod;
use customerclient_api::payments::{CardSummary, Payment, PaymentState};
use sqlx::Row;
use uuid::Uuid;

use super::{Store, StoreError, enum_from_text, enum_to_text, now_ms, uuid_col};

pub struct NewPayment<'a> {
    pub id: Uuid,
    pub order_id: Uuid,
    pub method: PaymentMethod,
    pub state: PaymentState,
    pub amount: &'a Money,
    pub qr_payload: Option<&'a str>,
    pub expires_at: Option<i64>,
    pub idempotency_key: Option<&'a str>,
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

/// The outcome of an attempt.
#[derive(Default)]
pub struct PaymentUpdate<'a> {
    pub failure: Option<&'a str>,
    pub failure_code: Option<&'a str>,
    /// Gateway token and the masked card.
    pub card: Option<(&'a str, &'a CardSummary)>,
    pub gateway_charge_id: Option<&'a str>,
    pub bank_transaction_id: Option<&'a str>,
}

/// The order's side of a payment: who owns it, what it costs, where its payment stands.
pub struct OrderPayment {
    pub account_id: Uuid,
    pub number: i64,
    pub method: PaymentMethod,
    pub state: PaymentState,
    pub total: Money,
}

const PAYMENT_COLUMNS: &str =
    "p.id, p.order_id, o.number, o.account_id, p.method, p.state, p.amount_minor,
    p.currency, p.qr_payload, p.expires_at, p.card_brand, p.card_last4, p.failure, p.failure_code";

fn record(row: &sqlx::sqlite::SqliteRow) -> Result<PaymentRecord, sqlx::Error> {
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
    })
}

impl Store {
    pub async fn order_payment(&self, order_id: Uuid) -> Result<Option<OrderPayment>, StoreError> {
        let row = sqlx::query(
            "SELECT account_id, number, payment_method, payment_state, total_minor, currency FROM orders WHERE id = $1",
        )
        .bind(order_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(OrderPayment {
            account_id: uuid_col(&r, "account_id")?,
            number: r.try_get("number")?,
            method: enum_from_text(&r.try_get::<String, _>("payment_method")?)?,
            state: enum_from_text(&r.try_get::<String, _>("payment_state")?)?,
            total: Money::new(
                r.try_get("total_minor")?,
                r.try_get::<String, _>("currency")?,
            ),
        }))
    }

    /// Moves the order's payment state to `to` (checked against the allowed transitions) and
    /// records it in the order's payment history. Staying in the same state is a no-op.
    pub async fn transition_order_payment(
        &self,
        order_id: Uuid,
        to: PaymentState,
        note: &str,
        method: Option<PaymentMethod>,
        card: Option<&CardSummary>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        let from: String = sqlx::query_scalar("SELECT payment_state FROM orders WHERE id = $1")
            .bind(order_id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let from: PaymentState = enum_from_text(&from)?;
        if from != to {
            if !from.can_become(to) {
                return Err(StoreError::IllegalTransition { from, to });
            }
            let seq: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(seq), -1) + 1 FROM payment_history WHERE order_id = $1",
            )
            .bind(order_id.to_string())
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO payment_history (order_id, seq, state, at, note) VALUES ($1, $2, $3, $4, $5)")
                .bind(order_id.to_string())
                .bind(seq)
                .bind(enum_to_text(&to))
                .bind(now_ms())
                .bind(note)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE orders SET payment_state = $2,
                payment_method = COALESCE($3, payment_method),
                card_brand = COALESCE($4, card_brand),
                card_last4 = COALESCE($5, card_last4)
             WHERE id = $1",
        )
        .bind(order_id.to_string())
        .bind(enum_to_text(&to))
        .bind(method.map(|m| enum_to_text(&m)))
        .bind(card.map(|c| enum_to_text(&c.brand)))
        .bind(card.map(|c| c.last4.clone()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn insert_payment(&self, p: &NewPayment<'_>) -> Result<(), StoreError> {
        let now = now_ms();
        let res = sqlx::query(
            "INSERT INTO payments (id, order_id, method, state, amount_minor, currency, qr_payload, expires_at,
                idempotency_key, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(p.id.to_string())
        .bind(p.order_id.to_string())
        .bind(enum_to_text(&p.method))
        .bind(enum_to_text(&p.state))
        .bind(p.amount.minor)
        .bind(&p.amount.currency)
        .bind(p.qr_payload)
        .bind(p.expires_at)
        .bind(p.idempotency_key)
        .bind(now)
        .execute(&self.pool)
        .await;
        match res {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Duplicate(e.message().to_owned()))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn payment(&self, id: Uuid) -> Result<Option<PaymentRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(record).transpose()?)
    }

    pub async fn payment_by_key(
        &self,
        order_id: Uuid,
        key: &str,
    ) -> Result<Option<PaymentRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments p JOIN orders o ON o.id = p.order_id
             WHERE p.order_id = $1 AND p.idempotency_key = $2"
        ))
        .bind(order_id.to_string())
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(record).transpose()?)
    }

    /// Attempts of one order still waiting for money, newest first.
    pub async fn awaiting_payments(
        &self,
        order_id: Uuid,
    ) -> Result<Vec<PaymentRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments p JOIN orders o ON o.id = p.order_id
             WHERE p.order_id = $1 AND p.state = $2 ORDER BY p.created_at DESC"
        ))
        .bind(order_id.to_string())
        .bind(enum_to_text(&PaymentState::AwaitingPayment))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(record).collect::<Result<_, _>>()?)
    }

    /// QR payments still waiting (for the bank simulator page), newest first.
    pub async fn awaiting_qr_payments(&self, limit: i64) -> Result<Vec<PaymentRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments p JOIN orders o ON o.id = p.order_id
             WHERE p.state = $1 AND p.qr_payload IS NOT NULL AND p.expires_at > $2
             ORDER BY p.created_at DESC LIMIT $3"
        ))
        .bind(enum_to_text(&PaymentState::AwaitingPayment))
        .bind(now_ms())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(record).collect::<Result<_, _>>()?)
    }

    pub async fn update_payment(
        &self,
        id: Uuid,
        state: PaymentState,
        update: &PaymentUpdate<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE payments SET state = $2, updated_at = $3,
                failure = COALESCE($4, failure),
                card_token = COALESCE($5, card_token),
                card_brand = COALESCE($6, card_brand),
                card_last4 = COALESCE($7, card_last4),
                gateway_charge_id = COALESCE($8, gateway_charge_id),
                bank_transaction_id = COALESCE($9, bank_transaction_id),
                failure_code = COALESCE($10, failure_code)
             WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(enum_to_text(&state))
        .bind(now_ms())
        .bind(update.failure)
        .bind(update.card.map(|(token, _)| token))
        .bind(update.card.map(|(_, c)| enum_to_text(&c.brand)))
        .bind(update.card.map(|(_, c)| c.last4.clone()))
        .bind(update.gateway_charge_id)
        .bind(update.bank_transaction_id)
        .bind(update.failure_code)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

// Push events: written in the same transaction as the change they report, numbered by the
// database in commit order, read back by id. The in-process broadcast only wakes streams.

use customerclient_api::push::{PushEvent, PushKind};
use uuid::Uuid;

use super::{NEXT_EVENT_ID, Store, StoreError, notify_event, now_ms};

/// Stores an event for the account inside the caller's transaction, which holds the
/// account's write lock (`Store::account_tx`). Ids come from the database while that lock is
/// held, so one account's ids increase in commit order: a reader of the account's events
/// that has seen id N never later finds a new one below N. (Across accounts they need not:
/// nothing reads events across accounts.)
pub(crate) async fn append_in(
    conn: &mut Conn,
    account_id: Uuid,
    order_id: Uuid,
    order_number: i64,
    kind: &PushKind,
) -> Result<PushEvent, StoreError> {
    let id: i64 = sqlx::query_scalar(NEXT_EVENT_ID)
        .fetch_one(&mut *conn)
        .await?;
    let event = PushEvent {
        id,
        order_id,
        order_number,
        at: now_ms(),
        kind: kind.clone(),
    };
    let payload = serde_json::to_string(&event)
        .map_err(|e| StoreError::Db(sqlx::Error::Encode(Box::new(e))))?;
    sqlx::query("INSERT INTO events (id, account_id, payload, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(account_id.to_string())
        .bind(payload)
        .bind(event.at)
        .execute(&mut *conn)
        .await?;
    // Other instances' streams hear of it when this transaction commits.
    notify_event(conn, account_id).await?;
    Ok(event)
}

impl Store {
    /// Stores an event on its own (for changes that are not a transaction of their own).
    pub async fn append_event(
        &self,
        account_id: Uuid,
        order_id: Uuid,
        order_number: i64,
        kind: &PushKind,
    ) -> Result<PushEvent, StoreError> {
        let mut tx = self.account_tx(account_id).await?;
        let event = append_in(&mut tx, account_id, order_id, order_number, kind).await?;
        tx.commit().await?;
        Ok(event)
    }

    /// Up to [`EVENT_PAGE`] of this account's events after `after`, oldest first.
    pub async fn events_after(
        &self,
        account_id: Uuid,
        after: i64,
    ) -> Result<Vec<PushEvent>, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT payload FROM events WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(account_id.to_string())
        .bind(after)
        .bind(EVENT_PAGE)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|p| {
                serde_json::from_str(p)
                    .map_err(|e| StoreError::Db(sqlx::Error::Decode(Box::new(e))))
            })
            .collect()
    }
}

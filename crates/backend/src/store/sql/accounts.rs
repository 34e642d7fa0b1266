// Verification codes, sign-in failures, the mail outbox, settings and saved addresses.

use customerclient_api::auth::Account;
use customerclient_api::card::Brand;
use customerclient_api::payments::SavedCard;
use customerclient_api::settings::{AccountSettings, AddressInput, SavedAddress};
use sqlx::Row;
use uuid::Uuid;

use super::{Store, StoreError, enum_from_text, enum_to_text, now_ms, uuid_col};
use crate::mail::NewMail;

pub(crate) async fn enqueue_mail(
    conn: &mut Conn,
    mail: &NewMail,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO mail_outbox (id, to_addr, subject, body, created_at, attempts, next_attempt_at, receipt_order)
         VALUES ($1, $2, $3, $4, $5, 0, $5, $6)",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.body)
    .bind(now)
    .bind(mail.receipt.map(|id| id.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

async fn insert_code(
    conn: &mut Conn,
    account_id: Uuid,
    purpose: CodePurpose,
    code_hash: &str,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    // A new code replaces any earlier one.
    sqlx::query(
        "UPDATE verification_codes SET consumed = TRUE WHERE account_id = $1 AND purpose = $2",
    )
    .bind(account_id.to_string())
    .bind(purpose.text())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO verification_codes (id, account_id, purpose, code_hash, expires_at, attempts, consumed, created_at)
         VALUES ($1, $2, $3, $4, $5, 0, FALSE, $6)",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(account_id.to_string())
    .bind(purpose.text())
    .bind(code_hash)
    .bind(expires_at)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn save_card_in(
    conn: &mut Conn,
    account_id: Uuid,
    token: &str,
    card: &customerclient_api::payments::CardSummary,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO saved_cards (id, account_id, token, brand, last4, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (account_id, token) DO NOTHING",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(account_id.to_string())
    .bind(token)
    .bind(enum_to_text(&card.brand))
    .bind(&card.last4)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes one attempt for `subject` inside the caller's transaction (see
/// [`Store::take_attempt`]); `Err(wait_ms)` when refused.
pub(crate) async fn take_attempt_in(
    conn: &mut Conn,
    subject: &str,
    rule: &Throttle,
) -> Result<Result<(), i64>, sqlx::Error> {
    let now = now_ms();
    // After the `free`-th failure each attempt waits base × 2^(failures − free), capped.
    let taken: Option<i64> = sqlx::query_scalar(
        "INSERT INTO throttles AS t (subject, failures, next_at, updated_at)
         VALUES ($1, 1, CASE WHEN 1 < $3 THEN 0 ELSE $2 + $4 END, $2)
         ON CONFLICT (subject) DO UPDATE SET
            failures = CASE WHEN $2 - t.updated_at > $6 THEN 1 ELSE t.failures + 1 END,
            next_at = CASE
                WHEN $2 - t.updated_at > $6 OR t.failures + 1 < $3 THEN 0
                ELSE $2 + CASE WHEN $4 * (CAST(1 AS BIGINT) << CAST(
                        CASE WHEN t.failures + 1 - $3 < 20 THEN t.failures + 1 - $3 ELSE 20 END
                        AS INTEGER)) < $5
                    THEN $4 * (CAST(1 AS BIGINT) << CAST(
                        CASE WHEN t.failures + 1 - $3 < 20 THEN t.failures + 1 - $3 ELSE 20 END
                        AS INTEGER))
                    ELSE $5 END END,
            updated_at = $2
         WHERE $2 - t.updated_at > $6 OR t.next_at <= $2
         RETURNING failures",
    )
    .bind(subject)
    .bind(now)
    .bind(rule.free)
    .bind(rule.base_ms)
    .bind(rule.max_ms)
    .bind(rule.window_ms)
    .fetch_optional(&mut *conn)
    .await?;
    if taken.is_some() {
        return Ok(Ok(()));
    }
    let next: Option<i64> = sqlx::query_scalar("SELECT next_at FROM throttles WHERE subject = $1")
        .bind(subject)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(Err(next.map_or(1000, |n| (n - now).max(1000))))
}

async fn consume_code_in(conn: &mut Conn, code_id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE verification_codes SET consumed = TRUE WHERE id = $1 AND consumed = FALSE",
    )
    .bind(code_id.to_string())
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

fn address_from_row(r: &DbRow) -> Result<SavedAddress, sqlx::Error> {
    Ok(SavedAddress {
        id: uuid_col(r, "id")?,
        label: r.try_get("label")?,
        city: r.try_get("city")?,
        address: r.try_get("address")?,
        is_default: r.try_get("is_default")?,
    })
}

impl Store {
    /// Writes a new, unverified account with its sign-up code and the mail carrying it, in one
    /// transaction. An earlier unverified sign-up with the same login or e-mail is replaced.
    pub async fn create_unverified_account(
        &self,
        account: &Account,
        password_hash: &str,
        code_hash: &str,
        code_expires_at: i64,
        mail: &NewMail,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "DELETE FROM accounts WHERE verified = FALSE AND (login_key = $1 OR email = $2)",
        )
        .bind(account.login.as_deref().map(super::login_key))
        .bind(&account.email)
        .execute(&mut *tx)
        .await?;
        let res = sqlx::query(
            "INSERT INTO accounts (id, login, email, phone, password_hash, guest, created_at, verified, login_key)
             VALUES ($1, $2, $3, $4, $5, FALSE, $6, FALSE, $7)",
        )
        .bind(account.id.to_string())
        .bind(&account.login)
        .bind(&account.email)
        .bind(&account.phone)
        .bind(password_hash)
        .bind(now_ms())
        .bind(account.login.as_deref().map(super::login_key))
        .execute(&mut *tx)
        .await;
        match res {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::Duplicate(e.message().to_owned()));
            }
            Err(e) => return Err(e.into()),
        }
        insert_code(
            &mut tx,
            account.id,
            CodePurpose::SignUp,
            code_hash,
            code_expires_at,
        )
        .await?;
        enqueue_mail(&mut tx, mail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A fresh code (replacing earlier ones) and its mail, in one transaction.
    pub async fn issue_code(
        &self,
        account_id: Uuid,
        purpose: CodePurpose,
        code_hash: &str,
        expires_at: i64,
        mail: &NewMail,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        insert_code(&mut tx, account_id, purpose, code_hash, expires_at).await?;
        enqueue_mail(&mut tx, mail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Any account (guest accounts have no e-mail) with this e-mail, and whether it is verified.
    pub async fn account_by_email(
        &self,
        email: &str,
    ) -> Result<Option<(Account, bool)>, StoreError> {
        let row = sqlx::query(
            "SELECT id, login, email, phone, guest, verified FROM accounts WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some((
            Account {
                id: uuid_col(&r, "id")?,
                login: r.try_get("login")?,
                email: r.try_get("email")?,
                phone: r.try_get("phone")?,
                guest: r.try_get("guest")?,
            },
            r.try_get("verified")?,
        )))
    }

    pub async fn latest_code(
        &self,
        account_id: Uuid,
        purpose: CodePurpose,
    ) -> Result<Option<CodeRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, code_hash, expires_at, attempts, consumed, created_at FROM verification_codes
             WHERE account_id = $1 AND purpose = $2 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(account_id.to_string())
        .bind(purpose.text())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(CodeRow {
            id: uuid_col(&r, "id")?,
            code_hash: r.try_get("code_hash")?,
            expires_at: r.try_get("expires_at")?,
            attempts: r.try_get("attempts")?,
            consumed: r.try_get("consumed")?,
            created_at: r.try_get("created_at")?,
        }))
    }

    /// Counts one try of the code if it has tries left and is still usable; returns the
    /// tries used including this one, or `None` when none is left (one guarded statement).
    pub async fn count_code_attempt(
        &self,
        code_id: Uuid,
        max: i64,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "UPDATE verification_codes SET attempts = attempts + 1
             WHERE id = $1 AND attempts < $2 AND consumed = FALSE RETURNING attempts",
        )
        .bind(code_id.to_string())
        .bind(max)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Uses the sign-up code up and verifies the account, in one transaction; false when
    /// another request used the code first.
    pub async fn verify_with_code(
        &self,
        code_id: Uuid,
        account_id: Uuid,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        if !consume_code_in(&mut tx, code_id).await? {
            return Ok(false);
        }
        sqlx::query("UPDATE accounts SET verified = TRUE WHERE id = $1")
            .bind(account_id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Uses the reset code up, sets the new password, ends every session of the account and
    /// clears its sign-in throttle, in one transaction; false when the code was used already.
    pub async fn reset_with_code(
        &self,
        code_id: Uuid,
        account_id: Uuid,
        hash: &str,
        throttle_subject: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        if !consume_code_in(&mut tx, code_id).await? {
            return Ok(false);
        }
        sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
            .bind(account_id.to_string())
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(account_id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM throttles WHERE subject = $1")
            .bind(throttle_subject)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// New password; every session of the account ends (except `keep`, the caller's own).
    pub async fn set_password(
        &self,
        account_id: Uuid,
        hash: &str,
        keep: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
            .bind(account_id.to_string())
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM sessions WHERE account_id = $1 AND token_hash <> COALESCE($2, '')",
        )
        .bind(account_id.to_string())
        .bind(keep)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn password_hash_by_id(
        &self,
        account_id: Uuid,
    ) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
                .bind(account_id.to_string())
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }

    pub async fn is_verified(&self, account_id: Uuid) -> Result<bool, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT verified FROM accounts WHERE id = $1")
                .bind(account_id.to_string())
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(false),
        )
    }

    // ---- throttles ----

    /// Takes one attempt for `subject` if its back-off allows it now, counting it as a
    /// failure in the same statement (a success clears it afterwards). Returns `Err(wait_ms)`
    /// when refused. One guarded upsert: concurrent attempts cannot all pass a count of one.
    pub async fn take_attempt(
        &self,
        subject: &str,
        rule: &Throttle,
    ) -> Result<Result<(), i64>, StoreError> {
        // In the writers' queue like every write; one guarded statement, so no lock beyond it.
        let mut tx = self.atomic_tx().await?;
        let taken = take_attempt_in(&mut tx, subject, rule).await?;
        tx.commit().await?;
        Ok(taken)
    }

    /// Gives back one attempt taken for `subject` (it succeeded), never below zero.
    pub async fn release_attempt(&self, subject: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE throttles SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END WHERE subject = $1")
            .bind(subject)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets the failures of `subject` (after a success).
    pub async fn clear_throttle(&self, subject: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM throttles WHERE subject = $1")
            .bind(subject)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- mail outbox ----

    pub async fn enqueue(&self, mail: &NewMail) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        enqueue_mail(&mut conn, mail).await?;
        Ok(())
    }

    /// Claims up to `limit` messages due at `now` for `worker` until `lease_until`, in one
    /// statement: two workers (two instances) never claim the same message, and a message
    /// whose worker died mid-lease is due again once the lease ends. Each claim counts as an
    /// attempt.
    pub async fn claim_mail(
        &self,
        worker: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<QueuedMail>, StoreError> {
        let sql = format!(
            "UPDATE mail_outbox SET claimed_by = $1, next_attempt_at = $2, attempts = attempts + 1
             WHERE sent_at IS NULL AND next_attempt_at <= $3 AND id IN (
                 SELECT id FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= $3
                 ORDER BY created_at LIMIT $4{SKIP_LOCKED})
             RETURNING id, to_addr, subject, body, attempts, receipt_order"
        );
        let rows = sqlx::query(&sql)
            .bind(worker)
            .bind(lease_until)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(QueuedMail {
                    id: r.try_get("id")?,
                    to: r.try_get("to_addr")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    attempts: r.try_get("attempts")?,
                    receipt: r
                        .try_get::<Option<String>, _>("receipt_order")?
                        .and_then(|id| id.parse().ok()),
                })
            })
            .collect()
    }

    pub async fn next_mail_due(&self) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar(
                "SELECT MIN(next_attempt_at) FROM mail_outbox WHERE sent_at IS NULL",
            )
            .fetch_one(&self.pool)
            .await?,
        )
    }

    /// Records a delivery by the worker holding the claim (a worker whose lease ran out and
    /// was taken over changes nothing).
    pub async fn mark_mail_sent(&self, id: &str, worker: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE mail_outbox SET sent_at = $2, claimed_by = NULL
             WHERE id = $1 AND claimed_by = $3 AND sent_at IS NULL",
        )
        .bind(id)
        .bind(now_ms())
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Releases the claim and sets when the message is tried again.
    pub async fn mark_mail_failed(
        &self,
        id: &str,
        worker: &str,
        error: &str,
        next_attempt_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE mail_outbox SET claimed_by = NULL, last_error = $2, next_attempt_at = $3
             WHERE id = $1 AND claimed_by = $4 AND sent_at IS NULL",
        )
        .bind(id)
        .bind(error)
        .bind(next_attempt_at)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Mail not yet delivered.
    pub async fn unsent_mail(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    // ---- settings and addresses ----

    pub async fn settings(&self, account_id: Uuid) -> Result<AccountSettings, StoreError> {
        let json: Option<String> =
            sqlx::query_scalar("SELECT settings FROM account_settings WHERE account_id = $1")
                .bind(account_id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        // Unknown or missing fields fall back to defaults, so old rows keep working.
        Ok(json
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    pub async fn put_settings(
        &self,
        account_id: Uuid,
        settings: &AccountSettings,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(settings)
            .map_err(|e| StoreError::Db(sqlx::Error::Encode(Box::new(e))))?;
        sqlx::query(
            "INSERT INTO account_settings (account_id, settings, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (account_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
        )
        .bind(account_id.to_string())
        .bind(json)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn addresses(&self, account_id: Uuid) -> Result<Vec<SavedAddress>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, label, city, address, is_default FROM addresses WHERE account_id = $1 ORDER BY created_at",
        )
        .bind(account_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(address_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Adds (`id` None) or replaces an address of this account; returns its id, or `None` if
    /// the account has no such address. One default at most.
    pub async fn save_address(
        &self,
        account_id: Uuid,
        id: Option<Uuid>,
        input: &AddressInput,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut tx = self.write_tx().await?;
        let first: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM addresses WHERE account_id = $1")
            .bind(account_id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let is_default = input.is_default || first == 0;
        if is_default {
            sqlx::query("UPDATE addresses SET is_default = FALSE WHERE account_id = $1")
                .bind(account_id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let id = match id {
            Some(id) => {
                let n = sqlx::query(
                    "UPDATE addresses SET label = $3, city = $4, address = $5, is_default = $6 WHERE id = $1 AND account_id = $2",
                )
                .bind(id.to_string())
                .bind(account_id.to_string())
                .bind(&input.label)
                .bind(&input.city)
                .bind(&input.address)
                .bind(is_default)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Ok(None);
                }
                id
            }
            None => {
                let id = Uuid::new_v4();
                sqlx::query(
                    "INSERT INTO addresses (id, account_id, label, city, address, is_default, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id.to_string())
                .bind(account_id.to_string())
                .bind(&input.label)
                .bind(&input.city)
                .bind(&input.address)
                .bind(is_default)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                id
            }
        };
        tx.commit().await?;
        Ok(Some(id))
    }

    pub async fn delete_address(&self, account_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
        let n = sqlx::query("DELETE FROM addresses WHERE id = $1 AND account_id = $2")
            .bind(id.to_string())
            .bind(account_id.to_string())
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    // ---- saved cards ----

    /// Keeps a card's gateway token for the account (once per token).
    pub async fn save_card(
        &self,
        account_id: Uuid,
        token: &str,
        brand: Brand,
        last4: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        let card = customerclient_api::payments::CardSummary {
            brand,
            last4: last4.to_owned(),
        };
        save_card_in(&mut conn, account_id, token, &card).await
    }

    pub async fn saved_cards(&self, account_id: Uuid) -> Result<Vec<SavedCard>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, brand, last4 FROM saved_cards WHERE account_id = $1 ORDER BY created_at",
        )
        .bind(account_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SavedCard {
                    id: uuid_col(r, "id")?,
                    brand: enum_from_text(&r.try_get::<String, _>("brand")?)?,
                    last4: r.try_get("last4")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The token and masked card of one of this account's saved cards.
    pub async fn saved_card_token(
        &self,
        account_id: Uuid,
        id: Uuid,
    ) -> Result<Option<(String, SavedCard)>, StoreError> {
        let row = sqlx::query(
            "SELECT token, brand, last4 FROM saved_cards WHERE id = $1 AND account_id = $2",
        )
        .bind(id.to_string())
        .bind(account_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some((
            r.try_get("token")?,
            SavedCard {
                id,
                brand: enum_from_text(&r.try_get::<String, _>("brand")?)?,
                last4: r.try_get("last4")?,
            },
        )))
    }

    pub async fn delete_saved_card(&self, account_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
        let n = sqlx::query("DELETE FROM saved_cards WHERE id = $1 AND account_id = $2")
            .bind(id.to_string())
            .bind(account_id.to_string())
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n > 0)
    }
}

// The engine's store: the same SQL for SQLite and PostgreSQL, compiled once per engine with
// that engine's `Db`, `Conn`, `DbRow` and `DbPool` (`store/sqlite.rs`, `store/postgres.rs`).

use customerclient_api::Money;
use customerclient_api::auth::Account;
use customerclient_api::catalog::{Category, LocalText, Product};
use std::collections::HashMap;
use customerclient_api::orders::{
    Order, OrderLine, OrderStatus, StatusChange,
};
use customerclient_api::payments::{CardSummary, PaymentChange, PaymentState};
use customerclient_api::push::PushEvent;
use sqlx::Row;
use uuid::Uuid;

#[derive(Clone)]
pub struct Store {
    pool: DbPool,
    /// The catalog's version as last read from `catalog_state` (bumped in the transaction of
    /// every write to categories or products, by any instance), and when it was read. A
    /// cache key only: nothing is kept correct by it.
    catalog_version: std::sync::Arc<(std::sync::atomic::AtomicU64, std::sync::atomic::AtomicI64)>,
    /// The queue of this process's writers (see [`Store::write_tx`]); not a correctness guard.
    writers: std::sync::Arc<tokio::sync::Semaphore>,
}

/// A write transaction and its place in the writers' queue; derefs to the connection.
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, Db>,
    _permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = Conn;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

pub(crate) fn uuid_col(row: &DbRow, col: &str) -> Result<Uuid, sqlx::Error> {
    let s: String = row.try_get(col)?;
    Uuid::parse_str(&s).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

pub(crate) fn opt_uuid_col(
    row: &DbRow,
    col: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    let s: Option<String> = row.try_get(col)?;
    s.map(|s| Uuid::parse_str(&s).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .transpose()
}

/// Accounts written before login keys existed get theirs (a look-alike pair keeps the older).
async fn backfill_login_keys(pool: &DbPool) -> Result<(), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, login FROM accounts WHERE login IS NOT NULL AND login_key IS NULL ORDER BY created_at",
    )
    .fetch_all(pool)
    .await?;
    for r in rows {
        let id: String = r.try_get("id")?;
        let login: String = r.try_get("login")?;
        let res = sqlx::query("UPDATE accounts SET login_key = $2 WHERE id = $1")
            .bind(&id)
            .bind(login_key(&login))
            .execute(pool)
            .await;
        if let Err(e) = res {
            tracing::warn!(account = %id, error = %e, "login looks like another; left without a key");
        }
    }
    Ok(())
}

const PRODUCT_COLUMNS: &str =
    "id, category_id, name, description, price_minor, currency, image_id, video_id, available";

/// A language of the menu's texts by its code (`en`, `ru`); others are not served.
fn language_of(code: &str) -> Option<customerclient_api::settings::Language> {
    customerclient_api::settings::Language::ALL
        .into_iter()
        .find(|l| l.code() == code)
}

fn product_from_row(row: &DbRow) -> Result<Product, sqlx::Error> {
    Ok(Product {
        id: row.try_get("id")?,
        category_id: row.try_get("category_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        price: Money::new(
            row.try_get("price_minor")?,
            row.try_get::<String, _>("currency")?,
        ),
        image_ids: opt_uuid_col(row, "image_id")?.into_iter().collect(),
        video_id: opt_uuid_col(row, "video_id")?,
        available: row.try_get("available")?,
        texts: Vec::new(),
    })
}

fn account_from_row(row: &DbRow) -> Result<AccountRow, sqlx::Error> {
    Ok(AccountRow {
        account: Account {
            id: uuid_col(row, "id")?,
            login: row.try_get("login")?,
            email: row.try_get("email")?,
            phone: row.try_get("phone")?,
            guest: row.try_get("guest")?,
        },
        password_hash: row.try_get("password_hash")?,
        verified: row.try_get("verified")?,
    })
}

impl Store {
    /// Opens (creating if needed) the database and applies the engine's migrations.
    pub async fn connect(database_url: &str) -> Result<Self, StoreError> {
        let pool = open_pool(database_url).await?;
        backfill_login_keys(&pool).await?;
        Ok(Self {
            pool,
            catalog_version: std::sync::Arc::new((
                std::sync::atomic::AtomicU64::new(0),
                std::sync::atomic::AtomicI64::new(i64::MIN),
            )),
            writers: std::sync::Arc::new(tokio::sync::Semaphore::new(WRITERS)),
        })
    }

    /// A transaction that holds the engine's write lock from its start (see `begin_write`):
    /// every writing business operation runs in one, so what it reads stays true until it
    /// commits, whichever instance runs it.
    ///
    /// This process's writers also queue for a permit before they ask the database: waiting
    /// in SQLite's busy handler means sleeping and polling (up to 100 ms a nap), which made the
    /// p99 of concurrent writes hundreds of milliseconds. The permit is only a queue: what
    /// keeps data right is the database's lock and the guarded statements, and another
    /// process on the same database is still serialised by the database.
    pub(crate) async fn write_tx(&self) -> Result<WriteTx, sqlx::Error> {
        let permit = self.writers.clone().acquire_owned().await.ok();
        let tx = begin_write(&self.pool).await?;
        Ok(WriteTx {
            tx,
            _permit: permit,
        })
    }

    /// A write transaction on one account's orders, payments and events: it holds that
    /// account's lock from its start (see `begin_account_write`), so what it reads of the
    /// account stays true until it commits, while other accounts' writers run beside it.
    /// What it may touch beyond the account is only what single statements keep right by
    /// themselves: rows with fresh ids, upserts (throttles, saved cards), sequences.
    pub(crate) async fn account_tx(&self, account: Uuid) -> Result<WriteTx, sqlx::Error> {
        let permit = self.writers.clone().acquire_owned().await.ok();
        let mut tx = begin_account_write(&self.pool).await?;
        lock_account(&mut tx, account).await?;
        Ok(WriteTx {
            tx,
            _permit: permit,
        })
    }

    /// [`Store::account_tx`] for the account that owns the order. An order's owner never
    /// changes, so it is read before the lock; an order that does not exist takes no account
    /// lock and the operation finds nothing.
    pub(crate) async fn order_tx(&self, order_id: Uuid) -> Result<WriteTx, sqlx::Error> {
        self.owner_tx("SELECT account_id FROM orders WHERE id = $1", order_id)
            .await
    }

    /// [`Store::order_tx`] for the order a payment attempt belongs to.
    pub(crate) async fn payment_tx(&self, payment_id: Uuid) -> Result<WriteTx, sqlx::Error> {
        self.owner_tx(
            "SELECT o.account_id FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.id = $1",
            payment_id,
        )
        .await
    }

    /// A write whose statements are each right by themselves (a guarded upsert): it queues
    /// like every writer and excludes only the database-wide writers, no account.
    pub(crate) async fn atomic_tx(&self) -> Result<WriteTx, sqlx::Error> {
        let permit = self.writers.clone().acquire_owned().await.ok();
        let tx = begin_account_write(&self.pool).await?;
        Ok(WriteTx {
            tx,
            _permit: permit,
        })
    }

    async fn owner_tx(&self, owner_sql: &str, id: Uuid) -> Result<WriteTx, sqlx::Error> {
        let permit = self.writers.clone().acquire_owned().await.ok();
        let mut tx = begin_account_write(&self.pool).await?;
        let owner: Option<String> = sqlx::query_scalar(owner_sql)
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(owner) = owner.and_then(|o| Uuid::parse_str(&o).ok()) {
            lock_account(&mut tx, owner).await?;
        }
        Ok(WriteTx {
            tx,
            _permit: permit,
        })
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// What is wrong with the database's schema for this build, if anything: a migration it
    /// ships not applied (or failed, or changed since), or one applied that it does not know
    /// (a newer build migrated the database).
    pub async fn schema_problem(&self) -> Result<Option<String>, StoreError> {
        let rows = sqlx::query("SELECT version, success, checksum FROM _sqlx_migrations")
            .fetch_all(&self.pool)
            .await?;
        let mut applied = std::collections::HashMap::new();
        for r in &rows {
            let version: i64 = r.try_get("version")?;
            let success: bool = r.try_get("success")?;
            let checksum: Vec<u8> = r.try_get("checksum")?;
            applied.insert(version, (success, checksum));
        }
        let shipped = self.migrator();
        for m in shipped.iter() {
            match applied.get(&m.version) {
                None => return Ok(Some(format!("migration {} is not applied", m.version))),
                Some((false, _)) => return Ok(Some(format!("migration {} failed", m.version))),
                Some((true, sum)) if sum[..] != m.checksum[..] => {
                    return Ok(Some(format!("migration {} was changed after it ran", m.version)));
                }
                Some(_) => {}
            }
        }
        if let Some(v) = applied
            .keys()
            .filter(|v| !shipped.iter().any(|m| m.version == **v))
            .max()
        {
            return Ok(Some(format!("the database has migration {v}, newer than this build")));
        }
        Ok(None)
    }

    // ---- accounts and sessions ----

    pub async fn insert_account(
        &self,
        account: &Account,
        password_hash: Option<&str>,
    ) -> Result<(), StoreError> {
        let res = sqlx::query(
            "INSERT INTO accounts (id, login, email, phone, password_hash, guest, created_at, login_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(account.id.to_string())
        .bind(&account.login)
        .bind(&account.email)
        .bind(&account.phone)
        .bind(password_hash)
        .bind(account.guest)
        .bind(now_ms())
        .bind(account.login.as_deref().map(login_key))
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

    /// Finds a registered (non-guest) account by login or e-mail.
    pub async fn account_by_login_or_email(
        &self,
        login: &str,
    ) -> Result<Option<AccountRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, login, email, phone, password_hash, guest, verified FROM accounts
             WHERE guest = FALSE AND (login_key = $1 OR email = $2)",
        )
        .bind(login_key(login))
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(account_from_row).transpose()?)
    }

    pub async fn insert_session(
        &self,
        token_hash: &str,
        account_id: Uuid,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(account_id.to_string())
        .bind(now_ms())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The account behind a live (unexpired) session.
    pub async fn session_account(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(Account, i64)>, StoreError> {
        let row = sqlx::query(
            "SELECT a.id, a.login, a.email, a.phone, a.password_hash, a.guest, a.verified, s.expires_at
             FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => {
                let expires: i64 = row.try_get("expires_at")?;
                Ok(Some((account_from_row(&row)?.account, expires)))
            }
            None => Ok(None),
        }
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn password_hash_of(&self, login: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT password_hash FROM accounts WHERE login = $1")
                .bind(login)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }

    // ---- files ----

    pub async fn insert_file(
        &self,
        id: Uuid,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.put_file(id, content_type, bytes, "").await
    }

    /// Stores a file under an id made from its content; already there, nothing changes.
    pub async fn insert_file_once(
        &self,
        id: Uuid,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.put_file(id, content_type, bytes, " ON CONFLICT (id) DO NOTHING")
            .await
    }

    async fn put_file(
        &self,
        id: Uuid,
        content_type: &str,
        bytes: &[u8],
        on_conflict: &str,
    ) -> Result<(), StoreError> {
        use sha2::Digest;
        let sha = hex::encode(sha2::Sha256::digest(bytes));
        sqlx::query(&format!(
            "INSERT INTO files (id, content_type, sha256, size, bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6){on_conflict}"
        ))
        .bind(id.to_string())
        .bind(content_type)
        .bind(sha)
        .bind(bytes.len() as i64)
        .bind(bytes)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ---- links to follow an order on a phone ----

    /// Keeps a phone link's token (its hash) for `order_id`, if that order exists.
    pub async fn insert_tracking_link(
        &self,
        token_hash: &str,
        order_id: Uuid,
        language: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO tracking_links (token_hash, order_id, language, created_at) \
             SELECT $1, id, $3, $4 FROM orders WHERE id = $2",
        )
        .bind(token_hash)
        .bind(order_id.to_string())
        .bind(language)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The order and language of the phone link whose token hashes to `token_hash`.
    pub async fn tracking_link(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Uuid, String)>, StoreError> {
        let row = sqlx::query("SELECT order_id, language FROM tracking_links WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.and_then(|r| {
            let id: String = r.get(0);
            Some((Uuid::parse_str(&id).ok()?, r.get(1)))
        }))
    }

    pub async fn file(&self, id: Uuid) -> Result<Option<StoredFile>, StoreError> {
        let row = sqlx::query("SELECT content_type, sha256, bytes FROM files WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(StoredFile {
                content_type: r.try_get("content_type")?,
                sha256: r.try_get("sha256")?,
                bytes: r.try_get("bytes")?,
            })
        })
        .transpose()
    }

    // ---- catalog ----

    pub async fn product_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM products")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn insert_category(
        &self,
        category: &Category,
        position: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO categories (id, slug, name, description, image_id, position) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(category.id)
        .bind(&category.slug)
        .bind(&category.name)
        .bind(&category.description)
        .bind(category.image_id.map(|u| u.to_string()))
        .bind(position)
        .execute(&mut *tx)
        .await?;
        bump_catalog_in(&mut tx).await?;
        tx.commit().await?;
        self.catalog_changed();
        Ok(())
    }

    /// The catalog's version, for caches of catalog answers: read from the database at
    /// most once per [`CATALOG_VERSION_TTL_MS`], so a change made through another instance
    /// shows within that time (and one made through this instance at once).
    pub async fn catalog_version(&self) -> Result<u64, StoreError> {
        use std::sync::atomic::Ordering;
        let (version, read_at) = &*self.catalog_version;
        let now = now_ms();
        if now.saturating_sub(read_at.load(Ordering::Acquire)) < CATALOG_VERSION_TTL_MS {
            return Ok(version.load(Ordering::Acquire));
        }
        let v: i64 = sqlx::query_scalar("SELECT version FROM catalog_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        version.store(v as u64, Ordering::Release);
        read_at.store(now, Ordering::Release);
        Ok(v as u64)
    }

    /// After this instance changed the catalog: its next read of the version goes to the
    /// database.
    fn catalog_changed(&self) {
        self.catalog_version
            .1
            .store(i64::MIN, std::sync::atomic::Ordering::Release);
    }

    pub async fn insert_product(&self, p: &NewProduct<'_>) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        insert_product_in(&mut tx, p).await?;
        bump_catalog_in(&mut tx).await?;
        tx.commit().await?;
        self.catalog_changed();
        Ok(())
    }

    /// Many products in one transaction (large generated catalogs for benchmarks).
    pub async fn insert_products(&self, products: &[NewProduct<'_>]) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        for p in products {
            insert_product_in(&mut tx, p).await?;
        }
        bump_catalog_in(&mut tx).await?;
        tx.commit().await?;
        self.catalog_changed();
        Ok(())
    }

    /// The highest product id (0 for an empty catalog).
    pub async fn product_max_id(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM products")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

async fn insert_product_in(
    tx: &mut Conn,
    p: &NewProduct<'_>,
) -> Result<(), StoreError> {
    let search = format!("{} {}", p.name, p.description).to_lowercase();
    sqlx::query(
            "INSERT INTO products (id, category_id, name, description, price_minor, currency, image_id, video_id, available, position, search_text)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(p.id)
        .bind(p.category_id)
        .bind(p.name)
        .bind(p.description)
        .bind(p.price.minor)
        .bind(&p.price.currency)
        .bind(p.image_id.map(|u| u.to_string()))
        .bind(p.video_id.map(|u| u.to_string()))
        .bind(p.available)
        .bind(p.position)
        .bind(search)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

impl Store {
    pub async fn categories(&self) -> Result<Vec<Category>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, slug, name, description, image_id FROM categories WHERE listed ORDER BY position, id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut categories = rows
            .iter()
            .map(|r| {
                Ok(Category {
                    id: r.try_get("id")?,
                    slug: r.try_get("slug")?,
                    name: r.try_get("name")?,
                    description: r.try_get("description")?,
                    image_id: opt_uuid_col(r, "image_id")?,
                    texts: Vec::new(),
                })
            })
            .collect::<Result<Vec<Category>, StoreError>>()?;
        let mut texts: HashMap<i64, Vec<LocalText>> = HashMap::new();
        for r in sqlx::query(
            "SELECT category_id, language, name FROM category_texts ORDER BY category_id, language",
        )
        .fetch_all(&self.pool)
        .await?
        {
            if let Some(language) = language_of(&r.try_get::<String, _>("language")?) {
                texts.entry(r.try_get("category_id")?).or_default().push(LocalText {
                    language,
                    name: r.try_get("name")?,
                    description: String::new(),
                });
            }
        }
        for c in &mut categories {
            c.texts = texts.remove(&c.id).unwrap_or_default();
        }
        Ok(categories)
    }

    /// The names and descriptions in every language the menu gave, of these products.
    async fn attach_texts(&self, products: &mut [Product]) -> Result<(), StoreError> {
        if products.is_empty() {
            return Ok(());
        }
        let list = (1..=products.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT product_id, language, name, description FROM product_texts
             WHERE product_id IN ({list}) ORDER BY product_id, language"
        );
        let mut query = sqlx::query(&sql);
        for p in products.iter() {
            query = query.bind(p.id);
        }
        let mut texts: HashMap<i64, Vec<LocalText>> = HashMap::new();
        for r in query.fetch_all(&self.pool).await? {
            if let Some(language) = language_of(&r.try_get::<String, _>("language")?) {
                texts.entry(r.try_get("product_id")?).or_default().push(LocalText {
                    language,
                    name: r.try_get("name")?,
                    description: r.try_get("description")?,
                });
            }
        }
        for p in products {
            p.texts = texts.remove(&p.id).unwrap_or_default();
        }
        Ok(())
    }

    /// Resolves a category given as slug or numeric id.
    pub async fn category_id(&self, slug_or_id: &str) -> Result<Option<i64>, StoreError> {
        let id: Option<i64> = slug_or_id.parse().ok();
        Ok(
            sqlx::query_scalar("SELECT id FROM categories WHERE slug = $1 OR id = $2")
                .bind(slug_or_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// One page of products in catalog order, and the number matching over all pages.
    pub async fn products(&self, f: &ProductFilter<'_>) -> Result<(Vec<Product>, u64), StoreError> {
        let pattern = f.text.map(escape_like);
        let filter = "FROM products p JOIN categories c ON c.id = p.category_id
             WHERE p.listed AND c.listed AND ($1 IS NULL OR p.category_id = $1)
               AND ($2 IS NULL OR p.search_text LIKE $2 ESCAPE '\\')";
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {filter}"))
            .bind(f.category_id)
            .bind(&pattern)
            .fetch_one(&self.pool)
            .await?;
        let cols = PRODUCT_COLUMNS
            .split(", ")
            .map(|c| format!("p.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT {cols} {filter} ORDER BY c.position, p.position, p.id LIMIT $3 OFFSET $4"
        ))
        .bind(f.category_id)
        .bind(&pattern)
        .bind(i64::from(f.limit))
        .bind(f.offset as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut items: Vec<Product> = rows
            .iter()
            .map(product_from_row)
            .collect::<Result<_, _>>()?;
        self.attach_texts(&mut items).await?;
        Ok((items, total.max(0) as u64))
    }

    pub async fn product(&self, id: i64) -> Result<Option<Product>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products WHERE id = $1 AND listed"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let mut product: Vec<Product> = row.as_ref().map(product_from_row).transpose()?.into_iter().collect();
        self.attach_texts(&mut product).await?;
        Ok(product.pop())
    }

    // ---- orders ----

    /// Writes a priced order with its first status, or — when `idempotency` names a key
    /// this account already used for the same request — returns the order made then.
    /// Returns the order id and whether it was created now.
    pub async fn create_order(
        &self,
        order: &NewOrder,
        idempotency: Option<(&str, &str)>,
        limit: &Throttle,
    ) -> Result<(Uuid, bool), StoreError> {
        let account = order.account_id.to_string();
        // The key is looked up inside the account's write transaction: two requests with one
        // key serialise on it, and the second finds the first one's order.
        let mut tx = self.account_tx(order.account_id).await?;
        if let Some((key, hash)) = idempotency {
            let existing = sqlx::query(
                "SELECT request_hash, order_id FROM idempotency_keys WHERE account_id = $1 AND key = $2",
            )
            .bind(&account)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = existing {
                let stored: String = row.try_get("request_hash")?;
                if stored != hash {
                    return Err(StoreError::KeyReused);
                }
                return Ok((uuid_col(&row, "order_id")?, false));
            }
        }
        // Counted in the order's own transaction: a retry of an order (found above) is not
        // counted, and the count costs no write of its own.
        let subject = format!("orders:account:{account}");
        if let Err(wait_ms) = accounts::take_attempt_in(&mut tx, &subject, limit).await? {
            tx.commit().await?;
            return Err(StoreError::Throttled(wait_ms));
        }

        let id = Uuid::new_v4();
        let now = now_ms();
        let payment_state = if order.payment_method.is_prepaid() {
            PaymentState::AwaitingPayment
        } else {
            PaymentState::DueOnDelivery
        };
        // From the engine's counter (a sequence, or MAX + 1 under SQLite's one writer), so
        // two orders never share a number.
        let number: i64 = sqlx::query_scalar(NEXT_ORDER_NUMBER)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO orders (id, number, account_id, status, city, address, phone, delivery_method,
                payment_method, currency, products_minor, delivery_minor, total_minor, created_at, payment_state,
                kiosk_id, receipt_email, language)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        )
        .bind(id.to_string())
        .bind(number)
        .bind(&account)
        .bind(enum_to_text(&OrderStatus::Placed))
        .bind(&order.city)
        .bind(&order.address)
        .bind(&order.phone)
        .bind(enum_to_text(&order.delivery_method))
        .bind(enum_to_text(&order.payment_method))
        .bind(&order.total.currency)
        .bind(order.products_total.minor)
        .bind(order.delivery_price.minor)
        .bind(order.total.minor)
        .bind(now)
        .bind(enum_to_text(&payment_state))
        .bind(order.kiosk.as_deref())
        .bind(order.receipt_email.as_deref())
        .bind(order.language.code())
        .execute(&mut *tx)
        .await?;
        let note = if payment_state == PaymentState::DueOnDelivery {
            "The courier collects the payment"
        } else {
            "Waiting for payment at the kiosk"
        };
        sqlx::query(
            "INSERT INTO payment_history (order_id, seq, state, at, note) VALUES ($1, 0, $2, $3, $4)",
        )
        .bind(id.to_string())
        .bind(enum_to_text(&payment_state))
        .bind(now)
        .bind(note)
        .execute(&mut *tx)
        .await?;
        for (i, line) in order.lines.iter().enumerate() {
            // Guarded in the statement itself: a dish marked sold out since the order was
            // priced (by any instance) is not sold, and the whole order rolls back.
            let inserted = sqlx::query(
                "INSERT INTO order_lines (order_id, line_no, product_id, name, unit_price_minor, quantity)
                 SELECT $1, $2, $3, $4, $5, $6
                 WHERE EXISTS (SELECT 1 FROM products WHERE id = $3 AND listed AND available)",
            )
            .bind(id.to_string())
            .bind(i as i64)
            .bind(line.product_id)
            .bind(&line.name)
            .bind(line.unit_price.minor)
            .bind(line.quantity)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Err(StoreError::Unavailable(line.product_id));
            }
        }
        sqlx::query(
            "INSERT INTO order_status_history (order_id, seq, status, at, note) VALUES ($1, 0, $2, $3, $4)",
        )
        .bind(id.to_string())
        .bind(enum_to_text(&OrderStatus::Placed))
        .bind(now)
        .bind("Order placed at the kiosk")
        .execute(&mut *tx)
        .await?;
        tracking::insert_delivery(&mut tx, id, &order.plan, None).await?;
        if payment_state == PaymentState::DueOnDelivery {
            // Settled as to how it is paid: the receipt goes now (one paid at the kiosk gets
            // its own when the money comes). Queued in the order's transaction: sent after
            // commit, never lost, never blocking.
            payments::queue_receipt_in(&mut tx, id).await?;
        }
        if let Some((key, hash)) = idempotency {
            sqlx::query(
                "INSERT INTO idempotency_keys (account_id, key, request_hash, order_id, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&account)
            .bind(key)
            .bind(hash)
            .bind(id.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok((id, true))
    }

    /// The owner, status and number of an order, whoever asks.
    pub async fn order_status(
        &self,
        order_id: Uuid,
    ) -> Result<Option<(Uuid, OrderStatus, i64)>, StoreError> {
        let row = sqlx::query("SELECT account_id, status, number FROM orders WHERE id = $1")
            .bind(order_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some((
                uuid_col(&r, "account_id")?,
                enum_from_text(&r.try_get::<String, _>("status")?)?,
                r.try_get("number")?,
            ))),
            None => Ok(None),
        }
    }

    /// Moves an order to `to` if its life cycle allows it, recording the change with its
    /// time and the customer's push event, in one transaction. A guarded update: two
    /// concurrent changes from the same status cannot both apply. A closed order's attempts
    /// in flight are ended; a paid order that fails or is cancelled is refunded.
    pub async fn transition_order_status(
        &self,
        order_id: Uuid,
        to: OrderStatus,
        note: &str,
        account: Option<Uuid>,
        time_scale: f64,
    ) -> Result<Option<(Uuid, PushEvent)>, StoreError> {
        let mut tx = self.order_tx(order_id).await?;
        let row = sqlx::query("SELECT status, account_id, number FROM orders WHERE id = $1")
            .bind(order_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let owner = uuid_col(&row, "account_id")?;
        if account.is_some_and(|a| a != owner) {
            return Ok(None);
        }
        let number: i64 = row.try_get("number")?;
        let from: OrderStatus = enum_from_text(&row.try_get::<String, _>("status")?)?;
        if !from.can_become(to) {
            return Err(StoreError::IllegalStatus { from, to });
        }
        let changed = sqlx::query("UPDATE orders SET status = $2 WHERE id = $1 AND status = $3")
            .bind(order_id.to_string())
            .bind(enum_to_text(&to))
            .bind(enum_to_text(&from))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed != 1 {
            return Err(StoreError::IllegalStatus { from, to });
        }
        sqlx::query(
            "INSERT INTO order_status_history (order_id, seq, status, at, note)
             SELECT $1, COALESCE(MAX(seq), -1) + 1, $2, $3, $4 FROM order_status_history WHERE order_id = $1",
        )
        .bind(order_id.to_string())
        .bind(enum_to_text(&to))
        .bind(now_ms())
        .bind(note)
        .execute(&mut *tx)
        .await?;
        let now = now_ms();
        match to {
            OrderStatus::OnTheWay => {
                sqlx::query("UPDATE deliveries SET on_the_way_at = $2 WHERE order_id = $1")
                    .bind(order_id.to_string())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            OrderStatus::Delivered => {
                // How long it really took, in the demo world's minutes (training data).
                sqlx::query(
                    "UPDATE deliveries SET actual_minutes =
                        ($2 - (SELECT created_at FROM orders WHERE id = $1)) / 60000.0 * $3
                     WHERE order_id = $1",
                )
                .bind(order_id.to_string())
                .bind(now)
                .bind(time_scale)
                .execute(&mut *tx)
                .await?;
            }
            _ => {}
        }
        if matches!(
            to,
            OrderStatus::Cancelled | OrderStatus::Failed | OrderStatus::Delivered
        ) {
            let why = if to == OrderStatus::Delivered {
                "The order was delivered"
            } else {
                "The order was cancelled"
            };
            let ended = sqlx::query(
                "UPDATE payments SET state = 'failed', failure_code = 'order_cancelled', failure = $2, updated_at = $3
                 WHERE order_id = $1 AND state = 'awaiting_payment'",
            )
            .bind(order_id.to_string())
            .bind(why)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let order = payments::order_payment_in(&mut tx, order_id).await?;
            match order.map(|o| o.state) {
                Some(PaymentState::Paid) if to != OrderStatus::Delivered => {
                    let note = if to == OrderStatus::Cancelled {
                        "Refunded after cancellation"
                    } else {
                        "Refunded: the order could not be delivered"
                    };
                    payments::refund_paid_in(&mut tx, order_id, note).await?;
                }
                Some(PaymentState::AwaitingPayment) if ended > 0 => {
                    payments::set_order_payment(
                        &mut tx,
                        order_id,
                        PaymentState::Failed,
                        "Payment ended with the order",
                        None,
                        None,
                    )
                    .await?;
                }
                _ => {}
            }
        }
        let kind = customerclient_api::push::PushKind::OrderStatus { status: to };
        let event = events::append_in(&mut tx, owner, order_id, number, &kind).await?;
        tx.commit().await?;
        Ok(Some((owner, event)))
    }

    /// The order's status changes, oldest first.
    pub async fn status_history(&self, order_id: Uuid) -> Result<Vec<StatusChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT status, at, note FROM order_status_history WHERE order_id = $1 ORDER BY seq",
        )
        .bind(order_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|h| {
                Ok(StatusChange {
                    status: enum_from_text(&h.try_get::<String, _>("status")?)?,
                    at: h.try_get("at")?,
                    note: h.try_get("note")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Whose an order is and the language its receipt is written in (`None` for an order
    /// placed before receipts had one); `None`: no such order.
    pub async fn receipt_owner(
        &self,
        order_id: Uuid,
    ) -> Result<Option<(Uuid, Option<customerclient_api::settings::Language>)>, StoreError> {
        let row = sqlx::query("SELECT account_id, language FROM orders WHERE id = $1")
            .bind(order_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let language: Option<String> = row.try_get("language")?;
        Ok(Some((
            uuid_col(&row, "account_id")?,
            language.and_then(|c| customerclient_api::settings::Language::from_code(&c)),
        )))
    }

    /// Queues this account's order's receipt to `to`, counted by `limit` in the same
    /// transaction. `false`: no such order of this account.
    pub async fn email_receipt(
        &self,
        account_id: Uuid,
        order_id: Uuid,
        to: &str,
        limit: &Throttle,
    ) -> Result<bool, StoreError> {
        let mut tx = self.account_tx(account_id).await?;
        let number: Option<i64> =
            sqlx::query_scalar("SELECT number FROM orders WHERE id = $1 AND account_id = $2")
                .bind(order_id.to_string())
                .bind(account_id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(number) = number else {
            return Ok(false);
        };
        let subject = format!("receipts:account:{account_id}");
        if let Err(wait_ms) = accounts::take_attempt_in(&mut tx, &subject, limit).await? {
            tx.commit().await?;
            return Err(StoreError::Throttled(wait_ms));
        }
        let mail = crate::mail::templates::receipt(to, number, order_id);
        accounts::enqueue_mail(&mut tx, &mail).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// An order of this account; another account's order reads as absent.
    pub async fn order(&self, account_id: Uuid, id: Uuid) -> Result<Option<Order>, StoreError> {
        let rows = self
            .order_rows("WHERE account_id = $1 AND id = $2", account_id, Some(id))
            .await?;
        Ok(rows.into_iter().next())
    }

    /// One page of this account's orders, newest first.
    pub async fn orders(
        &self,
        account_id: Uuid,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<Order>, StoreError> {
        self.order_rows(
            &format!("WHERE account_id = $1 ORDER BY created_at DESC, number DESC LIMIT {limit} OFFSET {offset}"),
            account_id,
            None,
        )
        .await
    }

    async fn order_rows(
        &self,
        filter: &str,
        account_id: Uuid,
        id: Option<Uuid>,
    ) -> Result<Vec<Order>, StoreError> {
        let sql = format!(
            "SELECT id, number, status, city, address, phone, delivery_method, payment_method, currency,
                    products_minor, delivery_minor, total_minor, created_at, payment_state, card_brand, card_last4
             FROM orders {filter}"
        );
        let mut q = sqlx::query(&sql).bind(account_id.to_string());
        if let Some(id) = id {
            q = q.bind(id.to_string());
        }
        let rows = q.fetch_all(&self.pool).await?;
        let mut orders = Vec::with_capacity(rows.len());
        for r in rows {
            let id = uuid_col(&r, "id")?;
            let currency: String = r.try_get("currency")?;
            let lines = sqlx::query(
                "SELECT product_id, name, unit_price_minor, quantity FROM order_lines
                 WHERE order_id = $1 ORDER BY line_no",
            )
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|l| {
                let unit: i64 = l.try_get("unit_price_minor")?;
                let qty: i64 = l.try_get("quantity")?;
                Ok(OrderLine {
                    product_id: l.try_get("product_id")?,
                    name: l.try_get("name")?,
                    unit_price: Money::new(unit, &*currency),
                    quantity: qty,
                    line_total: Money::new(unit * qty, &*currency),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
            let history = self.status_history(id).await?;
            let payment_history = sqlx::query(
                "SELECT state, at, note FROM payment_history WHERE order_id = $1 ORDER BY seq",
            )
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|h| {
                Ok(PaymentChange {
                    state: enum_from_text(&h.try_get::<String, _>("state")?)?,
                    at: h.try_get("at")?,
                    note: h.try_get("note")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
            let brand: Option<String> = r.try_get("card_brand")?;
            let last4: Option<String> = r.try_get("card_last4")?;
            let card = match (brand, last4) {
                (Some(b), Some(l)) => Some(CardSummary {
                    brand: enum_from_text(&b)?,
                    last4: l,
                }),
                _ => None,
            };
            orders.push(Order {
                id,
                number: r.try_get("number")?,
                status: enum_from_text(&r.try_get::<String, _>("status")?)?,
                lines,
                products_total: Money::new(r.try_get("products_minor")?, &*currency),
                delivery_price: Money::new(r.try_get("delivery_minor")?, &*currency),
                total: Money::new(r.try_get("total_minor")?, &*currency),
                city: r.try_get("city")?,
                address: r.try_get("address")?,
                phone: r.try_get("phone")?,
                delivery_method: enum_from_text(&r.try_get::<String, _>("delivery_method")?)?,
                payment_method: enum_from_text(&r.try_get::<String, _>("payment_method")?)?,
                created_at: r.try_get("created_at")?,
                history,
                payment_state: enum_from_text(&r.try_get::<String, _>("payment_state")?)?,
                payment_history,
                card,
                rating: self.rating(id).await?,
            });
        }
        Ok(orders)
    }
}


/// How long a catalog version read from the database is taken as current.
pub(crate) const CATALOG_VERSION_TTL_MS: i64 = 1_000;

/// Every write to categories or products bumps the catalog's version in its transaction;
/// one that changes the menu itself (not only what is sold out) bumps the menu's version too,
/// which tells kiosks to load the menu again.
async fn bump_catalog_in(conn: &mut Conn) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE catalog_state SET version = version + 1, menu_version = menu_version + 1 WHERE id = 1",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A dish sold out or back: the catalog's version moves, the menu's stays.
async fn bump_availability_in(conn: &mut Conn) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE catalog_state SET version = version + 1 WHERE id = 1")
        .execute(conn)
        .await?;
    Ok(())
}

//! The repository layer: every SQL statement of the backend lives here, behind one `Store`.
//!
//! Two engines, chosen by the database URL at run time: SQLite (`sqlite://…`, the embedded
//! default) and PostgreSQL (`postgres://…`, for a fleet of backend instances). The SQL is
//! written once in `sql/` (numbered `$n` parameters, no AUTOINCREMENT, integer money and Unix
//! millisecond times, casts where the engines' result types differ) and compiled once per
//! engine with that engine's types (`sqlite.rs`, `postgres.rs`); what differs between them —
//! connecting, migrations (`migrations/{sqlite,postgres}`), how a write transaction takes its
//! lock — stays in those two files. The services above see only these methods and the
//! `customerclient_api` types.

mod model;
mod postgres;
mod sqlite;

pub use model::*;

use customerclient_api::Money;
use customerclient_api::auth::Account;
use customerclient_api::card::Brand;
use customerclient_api::catalog::{Category, Product};
use customerclient_api::orders::{
    DeliveryMethod, Order, OrderLine, OrderStatus, PaymentMethod, Rating, StatusChange,
};
use customerclient_api::payments::{PaymentState, SavedCard};
use customerclient_api::push::{PushEvent, PushKind};
use customerclient_api::settings::{AccountSettings, AddressInput, SavedAddress};
use customerclient_api::stats::{Dashboard, Period};
use customerclient_api::tracking::{CourierFix, CourierJob};
use uuid::Uuid;

use crate::mail::NewMail;
use crate::predict::DeliveryFeatures;

pub use customerclient_api::clock::now_ms;

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// `sqlite:…` or `postgres://…` / `postgresql://…`; anything else is refused.
    pub fn of_url(url: &str) -> Option<Engine> {
        if url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }
}

/// The store, on whichever engine it was opened with.
#[derive(Clone)]
pub struct Store(Inner);

#[derive(Clone)]
enum Inner {
    Sqlite(sqlite::Store),
    Postgres(postgres::Store),
}

/// A role at most one instance of the fleet holds at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Runs the periodic jobs ([`crate::jobs`]).
    Jobs,
    /// Seeds the demo data into an empty database: instances started together wait for the
    /// first rather than writing the catalog twice.
    Seeding,
}

impl Role {
    /// The SQLite lease row's name.
    fn lease(self) -> &'static str {
        match self {
            Role::Jobs => "jobs",
            Role::Seeding => "seeding",
        }
    }

    /// How long a SQLite lease lasts unless renewed (every second). Seeding writes long
    /// transactions that can hold up a renewal for seconds; an instance killed while seeding
    /// keeps the next one waiting this long.
    fn lease_ms(self) -> i64 {
        match self {
            Role::Jobs => 5_000,
            Role::Seeding => 60_000,
        }
    }
}

/// One instance's claim on a [`Role`]: at most one instance of the fleet holds it at a
/// time (a PostgreSQL advisory lock; a renewed lease row on SQLite).
pub struct LeaderCandidate(Candidate);

enum Candidate {
    Sqlite(sqlite::LeaderCandidate),
    Postgres(postgres::LeaderCandidate),
}

impl LeaderCandidate {
    /// Takes the role if it is free and keeps it if held; `true` while this instance leads.
    /// Called about once a second.
    pub async fn lead(&mut self) -> Result<bool, StoreError> {
        match &mut self.0 {
            Candidate::Sqlite(c) => c.lead().await,
            Candidate::Postgres(c) => c.lead().await,
        }
    }

    /// Gives the role up at once (a graceful shutdown).
    pub async fn resign(self) {
        match self.0 {
            Candidate::Sqlite(c) => c.resign().await,
            Candidate::Postgres(c) => c.resign().await,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("already exists: {0}")]
    Duplicate(String),
    #[error("idempotency key was already used for a different request")]
    KeyReused,
    #[error("product {0} is not available")]
    Unavailable(i64),
    #[error("too many attempts; allowed again in {0} ms")]
    Throttled(i64),
    #[error("order cannot go from {from:?} to {to:?}")]
    IllegalStatus { from: OrderStatus, to: OrderStatus },
    #[error("payment cannot go from {from:?} to {to:?}")]
    IllegalTransition {
        from: PaymentState,
        to: PaymentState,
    },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub struct AccountRow {
    pub account: Account,
    pub password_hash: Option<String>,
    pub verified: bool,
}

pub struct StoredFile {
    pub content_type: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

pub struct NewProduct<'a> {
    pub id: i64,
    pub category_id: i64,
    pub name: &'a str,
    pub description: &'a str,
    pub price: &'a Money,
    pub image_id: Option<Uuid>,
    pub video_id: Option<Uuid>,
    pub available: bool,
    pub position: i64,
}

/// The listed catalog as an operator's menu (`menu export`).
#[derive(Debug, Clone, PartialEq)]
pub struct ListedMenu {
    pub currency: String,
    pub categories: Vec<crate::menu::MenuCategory>,
    pub products: Vec<ListedProduct>,
}

/// A listed product as a menu gives it, with its files by id.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedProduct {
    /// Its SKU, or `P<id>` for a product that never had one (the demo's).
    pub sku: String,
    pub category: String,
    pub names: std::collections::BTreeMap<String, String>,
    pub descriptions: std::collections::BTreeMap<String, String>,
    pub price_minor: i64,
    pub tags: Vec<String>,
    pub available: bool,
    pub image_id: Option<Uuid>,
    pub video_id: Option<Uuid>,
}

/// A fully priced order, ready to be written.
pub struct NewOrder {
    pub account_id: Uuid,
    pub lines: Vec<OrderLine>,
    pub city: String,
    pub address: String,
    pub phone: String,
    pub delivery_method: DeliveryMethod,
    pub payment_method: PaymentMethod,
    pub products_total: Money,
    pub delivery_price: Money,
    pub total: Money,
    pub plan: DeliveryPlan,
    /// Where its receipt goes (none: no receipt is mailed).
    pub receipt_email: Option<String>,
    /// The language its receipt is written in.
    pub language: customerclient_api::settings::Language,
    /// The kiosk it was placed at (its `X-Kiosk-Id`, a label for the operator's figures).
    pub kiosk: Option<String>,
}

/// One kiosk's orders and takings over a span (`kiosk` is `None` for orders placed with no
/// kiosk id, e.g. through the API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskTakings {
    pub kiosk: Option<String>,
    pub orders: i64,
    pub total_minor: i64,
}

pub struct ProductFilter<'a> {
    pub category_id: Option<i64>,
    /// Already lower-cased.
    pub text: Option<&'a str>,
    pub limit: u32,
    pub offset: u64,
}

pub(crate) fn enum_to_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(crate) fn enum_from_text<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// The form a login is compared in: compatibility-normalised (fullwidth letters become
/// plain ones), lower-cased, and reduced to its confusable skeleton (Unicode TR39), so that
/// logins that look alike on the screen are one login.
pub fn login_key(login: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_security::confusable_detection::skeleton;
    let folded: String = login.trim().nfkc().collect::<String>().to_lowercase();
    skeleton(&folded).collect::<String>().to_lowercase()
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl Store {
    /// Opens the database the URL names, applying that engine's migrations.
    pub async fn connect(database_url: &str) -> Result<Self, StoreError> {
        match Engine::of_url(database_url) {
            Some(Engine::Sqlite) => Ok(Store(Inner::Sqlite(
                sqlite::Store::connect(database_url).await?,
            ))),
            Some(Engine::Postgres) => Ok(Store(Inner::Postgres(
                postgres::Store::connect(database_url).await?,
            ))),
            None => Err(StoreError::Db(sqlx::Error::Configuration(
                "the database URL must start with sqlite: or postgres://".into(),
            ))),
        }
    }

    pub fn engine(&self) -> Engine {
        match &self.0 {
            Inner::Sqlite(_) => Engine::Sqlite,
            Inner::Postgres(_) => Engine::Postgres,
        }
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.0 {
            Inner::Sqlite(s) => s.ping().await,
            Inner::Postgres(s) => s.ping().await,
        }
    }

    pub async fn close(&self) {
        match &self.0 {
            Inner::Sqlite(s) => s.close().await,
            Inner::Postgres(s) => s.close().await,
        }
    }

    /// See the engine's `schema_problem`.
    pub async fn schema_problem(&self) -> Result<Option<String>, StoreError> {
        match &self.0 {
            Inner::Sqlite(s) => s.schema_problem().await,
            Inner::Postgres(s) => s.schema_problem().await,
        }
    }

    /// A claim on the leader role of the fleet's periodic jobs, for the instance `holder`.
    pub fn leader_candidate(&self, role: Role, holder: &str) -> LeaderCandidate {
        LeaderCandidate(match &self.0 {
            Inner::Sqlite(s) => Candidate::Sqlite(s.leader_candidate(role, holder)),
            Inner::Postgres(s) => Candidate::Postgres(s.leader_candidate(role, holder)),
        })
    }

    /// Calls `wake` with the account of every event another instance stores (PostgreSQL's
    /// LISTEN/NOTIFY); on SQLite there is no other instance to hear.
    pub fn follow_events(&self, wake: impl Fn(Uuid) + Send + 'static) {
        match &self.0 {
            Inner::Sqlite(s) => s.follow_events(wake),
            Inner::Postgres(s) => s.follow_events(wake),
        }
    }

    /// The catalog's version (see the engine's `catalog_version`): a cache key only.
    pub async fn catalog_version(&self) -> Result<u64, StoreError> {
        match &self.0 {
            Inner::Sqlite(s) => s.catalog_version().await,
            Inner::Postgres(s) => s.catalog_version().await,
        }
    }
}

/// Each business operation, handed to the engine the store was opened with. Its
/// documentation is on the engine's method (`sql/`).
macro_rules! dispatch {
    ($(pub async fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty;)*) => {
        impl Store {
            $(
                #[allow(missing_docs)]
                pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match &self.0 {
                        Inner::Sqlite(s) => s.$name($($arg),*).await,
                        Inner::Postgres(s) => s.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

dispatch! {
    pub async fn create_unverified_account(&self, account: &Account, password_hash: &str, code_hash: &str, code_expires_at: i64, mail: &NewMail) -> Result<(), StoreError>;
    pub async fn issue_code(&self, account_id: Uuid, purpose: CodePurpose, code_hash: &str, expires_at: i64, mail: &NewMail) -> Result<(), StoreError>;
    pub async fn account_by_email(&self, email: &str) -> Result<Option<(Account, bool)>, StoreError>;
    pub async fn latest_code(&self, account_id: Uuid, purpose: CodePurpose) -> Result<Option<CodeRow>, StoreError>;
    pub async fn count_code_attempt(&self, code_id: Uuid, max: i64) -> Result<Option<i64>, StoreError>;
    pub async fn verify_with_code(&self, code_id: Uuid, account_id: Uuid) -> Result<bool, StoreError>;
    pub async fn reset_with_code(&self, code_id: Uuid, account_id: Uuid, hash: &str, throttle_subject: &str) -> Result<bool, StoreError>;
    pub async fn set_password(&self, account_id: Uuid, hash: &str, keep: Option<&str>) -> Result<(), StoreError>;
    pub async fn password_hash_by_id(&self, account_id: Uuid) -> Result<Option<String>, StoreError>;
    pub async fn is_verified(&self, account_id: Uuid) -> Result<bool, StoreError>;
    pub async fn take_attempt(&self, subject: &str, rule: &Throttle) -> Result<Result<(), i64>, StoreError>;
    pub async fn release_attempt(&self, subject: &str) -> Result<(), StoreError>;
    pub async fn clear_throttle(&self, subject: &str) -> Result<(), StoreError>;
    pub async fn enqueue(&self, mail: &NewMail) -> Result<(), StoreError>;
    pub async fn claim_mail(&self, worker: &str, now: i64, lease_until: i64, limit: i64) -> Result<Vec<QueuedMail>, StoreError>;
    pub async fn next_mail_due(&self) -> Result<Option<i64>, StoreError>;
    pub async fn mark_mail_sent(&self, id: &str, worker: &str) -> Result<(), StoreError>;
    pub async fn mark_mail_failed(&self, id: &str, worker: &str, error: &str, next_attempt_at: i64) -> Result<(), StoreError>;
    pub async fn unsent_mail(&self) -> Result<i64, StoreError>;
    pub async fn settings(&self, account_id: Uuid) -> Result<AccountSettings, StoreError>;
    pub async fn put_settings(&self, account_id: Uuid, settings: &AccountSettings) -> Result<(), StoreError>;
    pub async fn addresses(&self, account_id: Uuid) -> Result<Vec<SavedAddress>, StoreError>;
    pub async fn save_address(&self, account_id: Uuid, id: Option<Uuid>, input: &AddressInput) -> Result<Option<Uuid>, StoreError>;
    pub async fn delete_address(&self, account_id: Uuid, id: Uuid) -> Result<bool, StoreError>;
    pub async fn save_card(&self, account_id: Uuid, token: &str, brand: Brand, last4: &str) -> Result<(), StoreError>;
    pub async fn saved_cards(&self, account_id: Uuid) -> Result<Vec<SavedCard>, StoreError>;
    pub async fn saved_card_token(&self, account_id: Uuid, id: Uuid) -> Result<Option<(String, SavedCard)>, StoreError>;
    pub async fn delete_saved_card(&self, account_id: Uuid, id: Uuid) -> Result<bool, StoreError>;
    pub async fn insert_account(&self, account: &Account, password_hash: Option<&str>) -> Result<(), StoreError>;
    pub async fn account_by_login_or_email(&self, login: &str) -> Result<Option<AccountRow>, StoreError>;
    pub async fn insert_session(&self, token_hash: &str, account_id: Uuid, expires_at: i64) -> Result<(), StoreError>;
    pub async fn session_account(&self, token_hash: &str, now: i64) -> Result<Option<(Account, i64)>, StoreError>;
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
    pub async fn password_hash_of(&self, login: &str) -> Result<Option<String>, StoreError>;
    pub async fn insert_file(&self, id: Uuid, content_type: &str, bytes: &[u8]) -> Result<(), StoreError>;
    pub async fn insert_tracking_link(&self, token_hash: &str, order_id: Uuid, language: &str) -> Result<bool, StoreError>;
    pub async fn tracking_link(&self, token_hash: &str) -> Result<Option<(Uuid, String)>, StoreError>;
    pub async fn insert_file_once(&self, id: Uuid, content_type: &str, bytes: &[u8]) -> Result<(), StoreError>;
    pub async fn file(&self, id: Uuid) -> Result<Option<StoredFile>, StoreError>;
    pub async fn product_count(&self) -> Result<i64, StoreError>;
    pub async fn insert_category(&self, category: &Category, position: i64) -> Result<(), StoreError>;
    pub async fn insert_product(&self, p: &NewProduct<'_>) -> Result<(), StoreError>;
    pub async fn insert_products(&self, products: &[NewProduct<'_>]) -> Result<(), StoreError>;
    pub async fn product_max_id(&self) -> Result<i64, StoreError>;
    pub async fn categories(&self) -> Result<Vec<Category>, StoreError>;
    pub async fn category_id(&self, slug_or_id: &str) -> Result<Option<i64>, StoreError>;
    pub async fn products(&self, f: &ProductFilter<'_>) -> Result<(Vec<Product>, u64), StoreError>;
    pub async fn product(&self, id: i64) -> Result<Option<Product>, StoreError>;
    pub async fn import_menu(&self, menu: &crate::menu::Menu) -> Result<crate::menu::ImportSummary, StoreError>;
    pub async fn listed_menu(&self) -> Result<ListedMenu, StoreError>;
    pub async fn set_available(&self, sku: &str, available: bool) -> Result<bool, StoreError>;
    pub async fn sold_out(&self) -> Result<(u64, u64, Vec<i64>), StoreError>;
    pub async fn catalog_version_now(&self) -> Result<u64, StoreError>;
    pub async fn catalog_currency(&self) -> Result<Option<String>, StoreError>;
    pub async fn create_order(&self, order: &NewOrder, idempotency: Option<(&str, &str)>, limit: &Throttle) -> Result<(Uuid, bool), StoreError>;
    pub async fn order_status(&self, order_id: Uuid) -> Result<Option<(Uuid, OrderStatus, i64)>, StoreError>;
    pub async fn transition_order_status(&self, order_id: Uuid, to: OrderStatus, note: &str, account: Option<Uuid>, time_scale: f64) -> Result<Option<(Uuid, PushEvent)>, StoreError>;
    pub async fn status_history(&self, order_id: Uuid) -> Result<Vec<StatusChange>, StoreError>;
    pub async fn order(&self, account_id: Uuid, id: Uuid) -> Result<Option<Order>, StoreError>;
    pub async fn receipt_owner(&self, order_id: Uuid) -> Result<Option<(Uuid, Option<customerclient_api::settings::Language>)>, StoreError>;
    pub async fn email_receipt(&self, account_id: Uuid, order_id: Uuid, to: &str, limit: &Throttle) -> Result<bool, StoreError>;
    pub async fn orders(&self, account_id: Uuid, limit: u32, offset: u64) -> Result<Vec<Order>, StoreError>;
    pub async fn append_event(&self, account_id: Uuid, order_id: Uuid, order_number: i64, kind: &PushKind) -> Result<PushEvent, StoreError>;
    pub async fn events_after(&self, account_id: Uuid, after: i64) -> Result<Vec<PushEvent>, StoreError>;
    pub async fn insert_history(&self, orders: &[HistoricOrder]) -> Result<(), StoreError>;
    pub async fn order_payment(&self, order_id: Uuid) -> Result<Option<OrderPayment>, StoreError>;
    pub async fn payment(&self, id: Uuid) -> Result<Option<PaymentRecord>, StoreError>;
    pub async fn issue_qr(&self, account: Uuid, order_id: Uuid, lifetime_ms: i64, payload: impl FnOnce(&OrderPayment, Uuid) -> anyhow::Result<String>) -> Result<Result<(PaymentRecord, bool), Refusal>, anyhow::Error>;
    pub async fn start_card_attempt(&self, account: Uuid, order_id: Uuid, key: &str) -> Op<CardStart>;
    pub async fn settle_card(&self, payment_id: Uuid, outcome: &ChargeOutcome<'_>, driven_at: Option<i64>) -> Result<(PaymentRecord, Option<(Uuid, PushEvent)>), StoreError>;
    pub async fn bank_notice(&self, payment_id: Uuid, paid: bool, transaction_id: &str) -> Result<Option<(NoticeOutcome, Option<(Uuid, PushEvent)>)>, StoreError>;
    pub async fn change_payment_method(&self, account: Uuid, order_id: Uuid, method: PaymentMethod) -> Op<()>;
    pub async fn expire_stale(&self, order_id: Uuid) -> Result<(), StoreError>;
    pub async fn stale_card_attempts(&self, before: i64) -> Result<Vec<PaymentRecord>, StoreError>;
    pub async fn orders_with_stale_qr(&self, now: i64) -> Result<Vec<Uuid>, StoreError>;
    pub async fn pending_refunds(&self) -> Result<Vec<(Uuid, String)>, StoreError>;
    pub async fn refund_done(&self, payment_id: Uuid) -> Result<(), StoreError>;
    pub async fn awaiting_qr_payments(&self, limit: i64) -> Result<Vec<PaymentRecord>, StoreError>;
    pub async fn dashboard(&self, account_id: Uuid, period: Period, now: i64, currency: &str) -> Result<Dashboard, StoreError>;
    pub async fn active_order_count(&self) -> Result<i64, StoreError>;
    pub async fn delivery(&self, order_id: Uuid) -> Result<Option<DeliveryRow>, StoreError>;
    pub async fn order_by_number_and_phone(&self, number: i64, last4: &str) -> Result<Option<Uuid>, StoreError>;
    pub async fn record_position(&self, order_id: Uuid, fix: &CourierFix) -> Result<(), StoreError>;
    pub async fn delivery_history(&self) -> Result<Vec<(DeliveryFeatures, f64)>, StoreError>;
    pub async fn courier_jobs(&self, limit: i64) -> Result<Vec<CourierJob>, StoreError>;
    pub async fn rate_order(&self, order_id: Uuid, rating: &Rating) -> Result<(), StoreError>;
    pub async fn record_kiosk(&self, id: &str, store: Option<&str>, version: Option<&str>, now: i64) -> Result<(), StoreError>;
    pub async fn takings_since(&self, since: i64) -> Result<Vec<KioskTakings>, StoreError>;
    pub async fn record_heartbeat(&self, id: &str, store: Option<&str>, version: Option<&str>, screen: &str, errors: &[String], now: i64) -> Result<(), StoreError>;
    pub async fn kiosks(&self, limit: i64) -> Result<Vec<customerclient_api::kiosk::KioskSeen>, StoreError>;
    pub async fn also_bought(&self, product_id: i64, limit: i64) -> Result<Vec<i64>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(escape_like("50%_off"), "%50\\%\\_off%");
        assert_eq!(escape_like("rice"), "%rice%");
    }
}

// Kiosks the backend has heard from (a label for operators, never a credential).

use customerclient_api::kiosk::KioskSeen;

impl Store {
    /// Records that kiosk `id` called at `now`, with the store and build it named. One
    /// statement; an older report arriving late changes nothing.
    pub async fn record_kiosk(
        &self,
        id: &str,
        store: Option<&str>,
        version: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO kiosks (id, store, version, first_seen, last_seen) VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (id) DO UPDATE SET store = excluded.store, version = excluded.version,
                 last_seen = excluded.last_seen
             WHERE kiosks.last_seen < excluded.last_seen",
        )
        .bind(id)
        .bind(store)
        .bind(version)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A kiosk's heartbeat at `now`: one upsert (a late one changes nothing but the count).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_heartbeat(
        &self,
        id: &str,
        store: Option<&str>,
        version: Option<&str>,
        screen: &str,
        errors: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO kiosks (id, store, version, first_seen, last_seen, heartbeat_at, screen,
                                 last_errors, errors_total)
             VALUES ($1, $2, $3, $4, $4, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET store = excluded.store, version = excluded.version,
                 last_seen = CASE WHEN kiosks.last_seen < excluded.last_seen
                                  THEN excluded.last_seen ELSE kiosks.last_seen END,
                 heartbeat_at = excluded.heartbeat_at, screen = excluded.screen,
                 last_errors = excluded.last_errors,
                 errors_total = kiosks.errors_total + excluded.errors_total
             WHERE kiosks.heartbeat_at IS NULL OR kiosks.heartbeat_at < excluded.heartbeat_at",
        )
        .bind(id)
        .bind(store)
        .bind(version)
        .bind(now)
        .bind(screen)
        .bind(errors.join("\n"))
        .bind(errors.len() as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Orders placed since `since` (Unix ms) and their takings, per kiosk; cancelled and
    /// failed orders left out.
    pub async fn takings_since(&self, since: i64) -> Result<Vec<KioskTakings>, StoreError> {
        let rows = sqlx::query(
            "SELECT kiosk_id, COUNT(*) AS orders, SUM(total_minor) AS total_minor FROM orders
             WHERE created_at >= $1 AND status NOT IN ('cancelled', 'failed')
             GROUP BY kiosk_id ORDER BY kiosk_id",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(KioskTakings {
                    kiosk: r.try_get("kiosk_id")?,
                    orders: r.try_get("orders")?,
                    total_minor: r.try_get::<Option<i64>, _>("total_minor")?.unwrap_or(0),
                })
            })
            .collect()
    }

    /// The kiosks seen, most recently seen first.
    pub async fn kiosks(&self, limit: i64) -> Result<Vec<KioskSeen>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, store, version, first_seen, last_seen, heartbeat_at, screen, last_errors,
                    errors_total
             FROM kiosks ORDER BY last_seen DESC, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(KioskSeen {
                    id: r.try_get("id")?,
                    store: r.try_get("store")?,
                    version: r.try_get("version")?,
                    first_seen: r.try_get("first_seen")?,
                    last_seen: r.try_get("last_seen")?,
                    heartbeat_at: r.try_get("heartbeat_at")?,
                    screen: r.try_get("screen")?,
                    last_errors: r
                        .try_get::<String, _>("last_errors")?
                        .lines()
                        .map(str::to_owned)
                        .collect(),
                    errors_total: r.try_get("errors_total")?,
                })
            })
            .collect()
    }
}

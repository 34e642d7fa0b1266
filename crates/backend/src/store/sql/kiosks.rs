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

    /// The kiosks seen, most recently seen first.
    pub async fn kiosks(&self, limit: i64) -> Result<Vec<KioskSeen>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, store, version, first_seen, last_seen FROM kiosks
             ORDER BY last_seen DESC, id LIMIT $1",
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
                })
            })
            .collect()
    }
}

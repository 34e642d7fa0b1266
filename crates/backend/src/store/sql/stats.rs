// The statistics backend's queries: every dashboard number is computed by the database.

use customerclient_api::Money;
use customerclient_api::stats::{
    CategorySpend, Dashboard, DeliveryPoint, HistogramBin, Period, ProductCount, SpendPoint,
};
use sqlx::Row;
use uuid::Uuid;

use super::{Store, StoreError, floor_int};

/// Orders that count: neither cancelled nor failed, of this account, since the period began.
const COUNTED: &str =
    "o.account_id = $1 AND o.created_at >= $2 AND o.status NOT IN ('cancelled', 'failed')";

impl Store {
    pub async fn dashboard(
        &self,
        account_id: Uuid,
        period: Period,
        now: i64,
        currency: &str,
    ) -> Result<Dashboard, StoreError> {
        let from = period.span_ms().map_or(0, |s| now - s);
        let account = account_id.to_string();
        let pool = &self.pool;
        // Every query below filters with COUNTED, so takes the account and the start.
        let rows = async |sql: &str| {
            sqlx::query(sql)
                .bind(&account)
                .bind(from)
                .fetch_all(pool)
                .await
        };

        let totals = sqlx::query(&format!(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(o.total_minor), 0) AS BIGINT) AS spent FROM orders o WHERE {COUNTED}"
        ))
        .bind(&account)
        .bind(from)
        .fetch_one(pool)
        .await?;
        let item_count: i64 = sqlx::query_scalar(&format!(
            "SELECT CAST(COALESCE(SUM(l.quantity), 0) AS BIGINT) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE {COUNTED}"
        ))
        .bind(&account)
        .bind(from)
        .fetch_one(pool)
        .await?;
        let per_category = rows(&format!(
            "SELECT c.name AS category, CAST(SUM(l.unit_price_minor * l.quantity) AS BIGINT) AS spent
             FROM order_lines l JOIN orders o ON o.id = l.order_id
             JOIN products p ON p.id = l.product_id JOIN categories c ON c.id = p.category_id
             WHERE {COUNTED} GROUP BY c.id, c.name ORDER BY spent DESC, c.name"
        ))
        .await?
        .iter()
        .map(|r| {
            Ok(CategorySpend {
                category: r.try_get("category")?,
                spent_minor: r.try_get("spent")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let top_products = rows(&format!(
            "SELECT l.product_id, MAX(l.name) AS name, CAST(SUM(l.quantity) AS BIGINT) AS qty
             FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE {COUNTED} GROUP BY l.product_id ORDER BY qty DESC, l.product_id LIMIT 5"
        ))
        .await?
        .iter()
        .map(|r| {
            Ok(ProductCount {
                product_id: r.try_get("product_id")?,
                name: r.try_get("name")?,
                quantity: r.try_get("qty")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let mut orders_by_hour = vec![0i64; 24];
        for r in rows(&format!(
            "SELECT (o.created_at / 3600000) % 24 AS hour, COUNT(*) AS n FROM orders o
             WHERE {COUNTED} GROUP BY (o.created_at / 3600000) % 24"
        ))
        .await?
        {
            let hour: i64 = r.try_get("hour")?;
            if let Some(slot) = orders_by_hour.get_mut(hour as usize) {
                *slot = r.try_get("n")?;
            }
        }
        let bucket_ms = period.bucket_ms();
        let spending = sqlx::query(&format!(
            "SELECT (o.created_at / $3) * $3 AS bucket, CAST(SUM(o.total_minor) AS BIGINT) AS spent FROM orders o
             WHERE {COUNTED} GROUP BY (o.created_at / $3) ORDER BY bucket"
        ))
        .bind(&account)
        .bind(from)
        .bind(bucket_ms)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(SpendPoint {
                at: r.try_get("bucket")?,
                spent_minor: r.try_get("spent")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let delivered = "o.status = 'delivered' AND d.actual_minutes IS NOT NULL";
        let avg_delivery_minutes: Option<f64> = sqlx::query_scalar(&format!(
            "SELECT AVG(d.actual_minutes) FROM deliveries d JOIN orders o ON o.id = d.order_id
             WHERE {COUNTED} AND {delivered}"
        ))
        .bind(&account)
        .bind(from)
        .fetch_one(pool)
        .await?;
        let delivery_minutes = rows(&format!(
            "SELECT {bin} * 5 AS bin, COUNT(*) AS n
             FROM deliveries d JOIN orders o ON o.id = d.order_id
             WHERE {COUNTED} AND {delivered} GROUP BY {bin} ORDER BY bin",
            bin = floor_int("d.actual_minutes / 5")
        ))
        .await?
        .iter()
        .map(|r| {
            Ok(HistogramBin {
                from_minutes: r.try_get("bin")?,
                count: r.try_get("n")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let deliveries = rows(&format!(
            "SELECT d.distance_m / 1000.0 AS km, d.actual_minutes AS minutes
             FROM deliveries d JOIN orders o ON o.id = d.order_id
             WHERE {COUNTED} AND {delivered} ORDER BY o.created_at"
        ))
        .await?
        .iter()
        .map(|r| {
            Ok(DeliveryPoint {
                distance_km: r.try_get("km")?,
                minutes: r.try_get("minutes")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;

        Ok(Dashboard {
            period,
            from,
            total_spent: Money::new(totals.try_get("spent")?, currency),
            order_count: totals.try_get("n")?,
            item_count,
            avg_delivery_minutes,
            per_category,
            top_products,
            orders_by_hour,
            bucket_ms,
            spending,
            delivery_minutes,
            deliveries,
        })
    }
}

// Deliveries (route, prediction inputs, courier fixes), ratings and recommendations.

use customerclient_api::city::Point;
use customerclient_api::orders::{DeliveryMethod, Rating};
use customerclient_api::payments::PaymentState;
use customerclient_api::tracking::{CourierFix, CourierJob};
use sqlx::Row;
use uuid::Uuid;

use super::{Store, StoreError, enum_from_text, uuid_col};
use crate::predict::DeliveryFeatures;

fn route_from_json(s: &str) -> Result<Vec<Point>, sqlx::Error> {
    serde_json::from_str(s).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

pub(crate) async fn insert_delivery(
    tx: &mut Conn,
    order_id: Uuid,
    plan: &DeliveryPlan,
    actual_minutes: Option<f64>,
) -> Result<(), StoreError> {
    let route = serde_json::to_string(&plan.route)
        .map_err(|e| StoreError::Db(sqlx::Error::Encode(Box::new(e))))?;
    sqlx::query(
        "INSERT INTO deliveries (order_id, route, distance_m, items, hour, queue, predicted_minutes, actual_minutes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(order_id.to_string())
    .bind(route)
    .bind(plan.distance_m)
    .bind(plan.items)
    .bind(plan.hour as i64)
    .bind(plan.queue)
    .bind(plan.predicted_minutes)
    .bind(actual_minutes)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

const DELIVERY_COLUMNS: &str =
    "o.id, o.account_id, o.number, o.status, o.delivery_method, o.created_at,
    d.route, d.distance_m, d.items, d.hour, d.queue, d.predicted_minutes,
    d.courier_x, d.courier_y, d.courier_progress, d.courier_at, d.on_the_way_at";

fn delivery_row(r: &DbRow) -> Result<DeliveryRow, sqlx::Error> {
    let method: DeliveryMethod = enum_from_text(&r.try_get::<String, _>("delivery_method")?)?;
    let x: Option<f64> = r.try_get("courier_x")?;
    let y: Option<f64> = r.try_get("courier_y")?;
    let progress: Option<f64> = r.try_get("courier_progress")?;
    let at: Option<i64> = r.try_get("courier_at")?;
    let courier = match (x, y, progress, at) {
        (Some(x), Some(y), Some(progress_m), Some(at)) => Some(CourierFix {
            point: Point::new(x, y),
            progress_m,
            at,
        }),
        _ => None,
    };
    Ok(DeliveryRow {
        order_id: uuid_col(r, "id")?,
        account_id: uuid_col(r, "account_id")?,
        number: r.try_get("number")?,
        status: enum_from_text(&r.try_get::<String, _>("status")?)?,
        method,
        created_at: r.try_get("created_at")?,
        route: route_from_json(&r.try_get::<String, _>("route")?)?,
        features: DeliveryFeatures {
            distance_m: r.try_get("distance_m")?,
            items: r.try_get("items")?,
            hour: r.try_get::<i64, _>("hour")? as u32,
            queue: r.try_get("queue")?,
            method,
        },
        predicted_minutes: r.try_get("predicted_minutes")?,
        courier,
        on_the_way_at: r.try_get("on_the_way_at")?,
    })
}

impl Store {
    /// Orders placed and not yet delivered, cancelled or failed: the kitchen's queue.
    pub async fn active_order_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE status IN {OPEN_STATUSES}"
        ))
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn delivery(&self, order_id: Uuid) -> Result<Option<DeliveryRow>, StoreError> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM orders o JOIN deliveries d ON d.order_id = o.id WHERE o.id = $1"
        );
        let row = sqlx::query(&sql)
            .bind(order_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(delivery_row).transpose()?)
    }

    /// The order with this number whose phone ends in `last4`, for tracking without signing in.
    pub async fn order_by_number_and_phone(
        &self,
        number: i64,
        last4: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        let row = sqlx::query("SELECT id, phone FROM orders WHERE number = $1")
            .bind(number)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => {
                let phone: String = r.try_get("phone")?;
                Ok(phone
                    .ends_with(last4)
                    .then(|| uuid_col(&r, "id"))
                    .transpose()?)
            }
            None => Ok(None),
        }
    }

    pub async fn record_position(
        &self,
        order_id: Uuid,
        fix: &CourierFix,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET courier_x = $2, courier_y = $3, courier_progress = $4, courier_at = $5
             WHERE order_id = $1",
        )
        .bind(order_id.to_string())
        .bind(fix.point.x)
        .bind(fix.point.y)
        .bind(fix.progress_m)
        .bind(fix.at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every finished delivery with what was known when it was ordered.
    pub async fn delivery_history(&self) -> Result<Vec<(DeliveryFeatures, f64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT o.delivery_method, d.distance_m, d.items, d.hour, d.queue, d.actual_minutes
             FROM deliveries d JOIN orders o ON o.id = d.order_id
             WHERE d.actual_minutes IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    DeliveryFeatures {
                        distance_m: r.try_get("distance_m")?,
                        items: r.try_get("items")?,
                        hour: r.try_get::<i64, _>("hour")? as u32,
                        queue: r.try_get("queue")?,
                        method: enum_from_text(&r.try_get::<String, _>("delivery_method")?)?,
                    },
                    r.try_get("actual_minutes")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Open orders for the kitchen and the couriers, oldest first.
    pub async fn courier_jobs(&self, limit: i64) -> Result<Vec<CourierJob>, StoreError> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS}, o.payment_state,
                (SELECT MAX(at) FROM order_status_history h WHERE h.order_id = o.id) AS since
             FROM orders o JOIN deliveries d ON d.order_id = o.id
             WHERE o.status IN {OPEN_STATUSES}
             ORDER BY o.created_at LIMIT $1"
        );
        let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let d = delivery_row(r)?;
                let payment: PaymentState =
                    enum_from_text(&r.try_get::<String, _>("payment_state")?)?;
                Ok(CourierJob {
                    order_id: d.order_id,
                    number: d.number,
                    status: d.status,
                    since: r.try_get("since")?,
                    delivery_method: d.method,
                    items: d.features.items,
                    route: d.route,
                    payment_settled: matches!(
                        payment,
                        PaymentState::Paid | PaymentState::DueOnDelivery
                    ),
                    kitchen_minutes: crate::predict::true_prep_minutes(&d.features),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    // ---- ratings ----

    /// Rates a delivered order (again, replacing the earlier rating).
    pub async fn rate_order(&self, order_id: Uuid, rating: &Rating) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO order_ratings (order_id, stars, comment, at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (order_id) DO UPDATE SET stars = excluded.stars, comment = excluded.comment, at = excluded.at",
        )
        .bind(order_id.to_string())
        .bind(rating.stars)
        .bind(&rating.comment)
        .bind(rating.at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn rating(&self, order_id: Uuid) -> Result<Option<Rating>, StoreError> {
        let row = sqlx::query("SELECT stars, comment, at FROM order_ratings WHERE order_id = $1")
            .bind(order_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| -> Result<Rating, sqlx::Error> {
                Ok(Rating {
                    stars: r.try_get("stars")?,
                    comment: r.try_get("comment")?,
                    at: r.try_get("at")?,
                })
            })
            .transpose()?)
    }

    // ---- recommendations ----

    /// Available products that share the most orders with `product_id` (not cancelled ones).
    pub async fn also_bought(&self, product_id: i64, limit: i64) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT other.product_id
             FROM order_lines mine
             JOIN order_lines other ON other.order_id = mine.order_id AND other.product_id <> mine.product_id
             JOIN orders o ON o.id = mine.order_id
             JOIN products p ON p.id = other.product_id
             WHERE mine.product_id = $1 AND o.status NOT IN ('cancelled', 'failed') AND p.available
             GROUP BY other.product_id
             ORDER BY COUNT(DISTINCT mine.order_id) DESC, other.product_id
             LIMIT $2",
        )
        .bind(product_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// The statuses of orders still under way, by name: an index lookup each, where `NOT IN` the
/// closed ones would walk every order ever placed.
const OPEN_STATUSES: &str = "('placed', 'accepted', 'preparing', 'courier_assigned', 'on_the_way')";

#[cfg(test)]
mod tests {
    use customerclient_api::orders::OrderStatus;

    #[test]
    fn the_open_statuses_are_exactly_the_active_ones() {
        let active: Vec<String> = OrderStatus::ALL
            .into_iter()
            .filter(|s| s.is_active())
            .map(|s| format!("'{}'", super::super::enum_to_text(&s)))
            .collect();
        assert_eq!(super::OPEN_STATUSES, format!("({})", active.join(", ")));
    }
}

// Past orders written in bulk: the demo's order history that trains the prediction model,
// feeds recommendations and fills the demo customer's dashboard.

use customerclient_api::orders::OrderStatus;
use customerclient_api::payments::PaymentState;
use uuid::Uuid;

use super::tracking::insert_delivery;
use super::{NEXT_ORDER_NUMBER, Store, StoreError, enum_to_text};

impl Store {
    /// Writes finished orders with their status history and deliveries, numbered in
    /// order of time, in one transaction.
    pub async fn insert_history(&self, orders: &[HistoricOrder]) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        for o in orders {
            let number: i64 = sqlx::query_scalar(NEXT_ORDER_NUMBER)
                .fetch_one(&mut *tx)
                .await?;
            let id = Uuid::new_v4();
            let currency = o.delivery_price.currency.clone();
            let products: i64 = o.lines.iter().map(|l| l.line_total.minor).sum();
            let delivered = o.status == OrderStatus::Delivered;
            let payment = match (o.payment_method.is_prepaid(), delivered) {
                (true, true) => PaymentState::Paid,
                (true, false) => PaymentState::Refunded,
                (false, _) => PaymentState::DueOnDelivery,
            };
            sqlx::query(
                "INSERT INTO orders (id, number, account_id, status, city, address, phone, delivery_method,
                    payment_method, currency, products_minor, delivery_minor, total_minor, created_at, payment_state)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            )
            .bind(id.to_string())
            .bind(number)
            .bind(o.account_id.to_string())
            .bind(enum_to_text(&o.status))
            .bind(&o.city)
            .bind(&o.address)
            .bind(&o.phone)
            .bind(enum_to_text(&o.delivery_method))
            .bind(enum_to_text(&o.payment_method))
            .bind(&currency)
            .bind(products)
            .bind(o.delivery_price.minor)
            .bind(products + o.delivery_price.minor)
            .bind(o.created_at)
            .bind(enum_to_text(&payment))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO payment_history (order_id, seq, state, at, note) VALUES ($1, 0, $2, $3, $4)",
            )
            .bind(id.to_string())
            .bind(enum_to_text(&payment))
            .bind(o.created_at)
            .bind("Order history")
            .execute(&mut *tx)
            .await?;
            for (i, line) in o.lines.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO order_lines (order_id, line_no, product_id, name, unit_price_minor, quantity)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id.to_string())
                .bind(i as i64)
                .bind(line.product_id)
                .bind(&line.name)
                .bind(line.unit_price.minor)
                .bind(line.quantity)
                .execute(&mut *tx)
                .await?;
            }
            let minute = 60_000.0;
            let prep = crate::predict::true_prep_minutes(&crate::predict::DeliveryFeatures {
                distance_m: o.plan.distance_m,
                items: o.plan.items,
                hour: o.plan.hour,
                queue: o.plan.queue,
                method: o.delivery_method,
            });
            let steps: Vec<(OrderStatus, f64)> = if delivered {
                vec![
                    (OrderStatus::Placed, 0.0),
                    (OrderStatus::Accepted, 0.5),
                    (OrderStatus::Preparing, 1.0),
                    (OrderStatus::CourierAssigned, (prep - 1.0).max(1.5)),
                    (OrderStatus::OnTheWay, prep.min(o.actual_minutes - 0.5)),
                    (OrderStatus::Delivered, o.actual_minutes),
                ]
            } else {
                vec![(OrderStatus::Placed, 0.0), (OrderStatus::Cancelled, 0.4)]
            };
            for (seq, (status, after)) in steps.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO order_status_history (order_id, seq, status, at, note) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id.to_string())
                .bind(seq as i64)
                .bind(enum_to_text(status))
                .bind(o.created_at + (after * minute) as i64)
                .bind(status.label())
                .execute(&mut *tx)
                .await?;
            }
            insert_delivery(&mut tx, id, &o.plan, delivered.then_some(o.actual_minutes)).await?;
            if let Some(r) = &o.rating {
                sqlx::query(
                    "INSERT INTO order_ratings (order_id, stars, comment, at) VALUES ($1, $2, $3, $4)",
                )
                .bind(id.to_string())
                .bind(r.stars)
                .bind(&r.comment)
                .bind(r.at)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

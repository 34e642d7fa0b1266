//! Orders service (customer backend): delivery options, placing orders (server-side pricing,
//! idempotent), and the customer's own orders with their status history.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use customerclient_api::orders::{
    self as api, CreateOrderRequest, DeliveryInfo, DeliveryMethod, MAX_COMMENT_CHARS, MAX_LINES,
    MAX_QUANTITY, Order, OrderLine, OrderList, OrderStatus, RateRequest, Rating, StatusUpdate,
};
use customerclient_api::{IDEMPOTENCY_KEY_HEADER, Money};
use sha2::Digest;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::AppError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::predict::DeliveryFeatures;
use crate::store::{DeliveryPlan, NewOrder, StoreError, now_ms};

/// Orders one account may place: twenty in ten minutes, then a back-off. A kiosk customer
/// places one or two; a script with a stolen guest token cannot flood the kitchen.
pub const ORDERS_PER_ACCOUNT: crate::store::Throttle = crate::store::Throttle {
    free: 20,
    base_ms: 2_000,
    max_ms: 60_000,
    window_ms: 10 * 60 * 1000,
};

pub fn router() -> crate::routes::Routes {
    use customerclient_api::endpoint as e;
    crate::routes::Routes::new()
        .at(e::GetDelivery, delivery)
        .at(e::GetOrders, list)
        .at(e::PlaceOrder, create)
        .at(e::GetOrder, one)
        .at(e::CancelOrder, cancel)
        .at(e::RateOrder, rate)
        .at(e::SetOrderStatus, courier_status)
}

fn status_err(e: StoreError) -> AppError {
    match e {
        StoreError::IllegalStatus { from, to } => AppError::Conflict {
            code: "illegal_transition",
            message: format!(
                "the order cannot go from '{}' to '{}'",
                from.label(),
                to.label()
            ),
        },
        e => anyhow::Error::from(e).into(),
    }
}

/// The customer cancels; allowed until preparation starts. One transaction: the status,
/// its history, ending any payment in flight, the refund of a paid order, the push event.
async fn cancel(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Order>, AppError> {
    let changed = state
        .store
        .transition_order_status(
            id,
            OrderStatus::Cancelled,
            "Cancelled by the customer",
            Some(current.account.id),
            state.time_scale,
        )
        .await;
    match changed {
        Ok(Some(woken)) => {
            crate::push::wake(&state, woken);
            // A paid order's refund is owed from the commit on; ask the gateway now rather
            // than at the next recovery round.
            crate::payments::refund_owed(&state).await;
        }
        Ok(None) => return Err(AppError::NotFound("order")),
        Err(StoreError::IllegalStatus { from, .. }) => {
            return Err(AppError::Conflict {
                code: "too_late_to_cancel",
                message: format!(
                    "the order is already '{}' and can no longer be cancelled",
                    from.label()
                ),
            });
        }
        Err(e) => return Err(anyhow::Error::from(e).into()),
    }
    tracing::info!(order = %id, "order cancelled by the customer");
    Ok(Json(
        state
            .store
            .order(current.account.id, id)
            .await
            .map_err(anyhow::Error::from)?
            .ok_or(AppError::NotFound("order"))?,
    ))
}

/// A 1–5 rating with an optional comment, once the order is delivered (a new one replaces it).
async fn rate(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<RateRequest>,
) -> Result<Json<Order>, AppError> {
    if !(1..=5).contains(&req.stars) {
        return Err(bad("rating must be 1 to 5 stars"));
    }
    let comment = req.comment.trim();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(bad(format!(
            "a comment is limited to {MAX_COMMENT_CHARS} characters"
        )));
    }
    let owner = state
        .store
        .order_status(id)
        .await
        .map_err(anyhow::Error::from)?;
    let Some((_, status, _)) = owner.filter(|(a, _, _)| *a == current.account.id) else {
        return Err(AppError::NotFound("order"));
    };
    if status != OrderStatus::Delivered {
        return Err(AppError::Conflict {
            code: "not_delivered",
            message: "an order can be rated once it has been delivered".into(),
        });
    }
    let rating = Rating {
        stars: req.stars,
        comment: comment.to_owned(),
        at: now_ms(),
    };
    state
        .store
        .rate_order(id, &rating)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(Json(
        state
            .store
            .order(current.account.id, id)
            .await
            .map_err(anyhow::Error::from)?
            .ok_or(AppError::NotFound("order"))?,
    ))
}

/// The kitchen or the courier reports progress (authenticated by the shared courier token).
async fn courier_status(
    State(state): State<AppState>,
    _courier: crate::tracking::Courier,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(update): ApiJson<StatusUpdate>,
) -> Result<StatusCode, AppError> {
    let note = if update.note.trim().is_empty() {
        update.status.label().to_owned()
    } else {
        update.note.trim().chars().take(200).collect()
    };
    let woken = state
        .store
        .transition_order_status(id, update.status, &note, None, state.time_scale)
        .await
        .map_err(status_err)?
        .ok_or(AppError::NotFound("order"))?;
    crate::push::wake(&state, woken);
    if update.status == OrderStatus::Failed {
        crate::payments::refund_owed(&state).await;
    }
    tracing::info!(order = %id, status = ?update.status, "order status changed");
    // A delivery's own time joins the ETA model at its next refit (every instance refits
    // each minute, `jobs::REFIT_EVERY`): refitting on every delivery would read the whole
    // history once per delivery at a busy hour.
    Ok(StatusCode::NO_CONTENT)
}

async fn delivery(State(state): State<AppState>) -> Json<DeliveryInfo> {
    Json(state.profile.delivery.clone())
}

/// The shared phone rule, as a validation error.
pub fn normalise_phone(raw: &str) -> Result<String, AppError> {
    api::normalise_phone(raw)
        .ok_or_else(|| AppError::Validation("phone number must have 7 to 15 digits".into()))
}

fn api_weekday(day: u8) -> &'static str {
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ][usize::from(day.clamp(1, 7) - 1)]
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::Validation(message.into())
}

/// Checks the request and prices it from the catalog; the client's idea of prices is never used.
async fn price_order(
    state: &AppState,
    account_id: Uuid,
    req: &CreateOrderRequest,
) -> Result<NewOrder, AppError> {
    let hours = &state.profile.hours;
    let now = now_ms();
    if !hours.is_open(now) {
        let opens = hours
            .next_opening(now)
            .map_or(String::new(), |(day, minute)| {
                format!(
                    "; ordering opens {} at {}",
                    api_weekday(day),
                    customerclient_api::profile::clock_time(minute)
                )
            });
        return Err(AppError::Conflict {
            code: "store_closed",
            message: format!("the store is not taking orders now{opens}"),
        });
    }
    if req.lines.is_empty() {
        return Err(bad("the cart is empty"));
    }
    if req.lines.len() > MAX_LINES {
        return Err(bad(format!("an order holds at most {MAX_LINES} lines")));
    }
    let city = req.city.trim();
    let delivery = &state.profile.delivery;
    let Some(zone) = delivery.zone(city) else {
        return Err(bad(format!(
            "we deliver only to {}",
            delivery.cities().collect::<Vec<_>>().join(", ")
        )));
    };
    let address = req.address.trim();
    if address.chars().count() < 3 {
        return Err(bad("delivery address is required"));
    }
    if address.chars().count() > 200 {
        return Err(bad("delivery address is limited to 200 characters"));
    }
    let phone = normalise_phone(&req.phone)?;
    let option = zone
        .options
        .iter()
        .find(|o| o.method == req.delivery_method)
        .ok_or_else(|| {
            bad(format!(
                "{} delivery is not offered in {city}",
                req.delivery_method.label()
            ))
        })?;

    let currency = state.profile.currency.clone();
    let mut lines: Vec<OrderLine> = Vec::with_capacity(req.lines.len());
    let mut products_total = Money::zero(&*currency);
    let overflow = || bad("order total is too large");
    for line in &req.lines {
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            return Err(bad(format!(
                "quantity of product {} must be between 1 and {MAX_QUANTITY}",
                line.product_id
            )));
        }
        let product = state
            .store
            .product(line.product_id)
            .await
            .map_err(anyhow::Error::from)?
            .ok_or_else(|| AppError::Unprocessable {
                code: "unknown_product",
                message: format!("product {} does not exist", line.product_id),
            })?;
        if !product.available {
            return Err(AppError::Unprocessable {
                code: "product_unavailable",
                message: format!("{} is not available right now", product.name),
            });
        }
        if product.price.currency != currency {
            return Err(anyhow::anyhow!(
                "product {} priced in {}",
                product.id,
                product.price.currency
            )
            .into());
        }
        // The same product twice in the request becomes one line.
        if let Some(existing) = lines.iter_mut().find(|l| l.product_id == product.id) {
            existing.quantity += line.quantity;
            if existing.quantity > MAX_QUANTITY {
                return Err(bad(format!("at most {MAX_QUANTITY} of one product")));
            }
            existing.line_total = existing
                .unit_price
                .checked_mul(existing.quantity)
                .ok_or_else(overflow)?;
        } else {
            lines.push(OrderLine {
                product_id: product.id,
                name: product.name.clone(),
                line_total: product
                    .price
                    .checked_mul(line.quantity)
                    .ok_or_else(overflow)?,
                unit_price: product.price,
                quantity: line.quantity,
            });
        }
    }
    for l in &lines {
        products_total = products_total
            .checked_add(&l.line_total)
            .ok_or_else(overflow)?;
    }
    let delivery_price = option.price.clone();
    let plan = plan_delivery(state, city, address, req.delivery_method, &lines).await?;
    let total = products_total
        .checked_add(&delivery_price)
        .ok_or_else(overflow)?;
    Ok(NewOrder {
        account_id,
        lines,
        city: city.to_owned(),
        address: address.to_owned(),
        phone,
        delivery_method: req.delivery_method,
        payment_method: req.payment_method,
        products_total,
        delivery_price,
        total,
        plan,
        receipt_email: None,
        language: req
            .language
            .unwrap_or_else(|| state.profile.default_language()),
        kiosk: None,
    })
}

/// Routes the delivery through the district and predicts its duration.
async fn plan_delivery(
    state: &AppState,
    city: &str,
    address: &str,
    method: DeliveryMethod,
    lines: &[OrderLine],
) -> Result<DeliveryPlan, AppError> {
    let map = &state.map;
    let node = map.address_node(city, address);
    let route = map
        .route(map.store, node)
        .ok_or_else(|| anyhow::anyhow!("no route from the store to node {node}"))?;
    let features = DeliveryFeatures {
        distance_m: customerclient_api::city::route_length(&route),
        items: lines.iter().map(|l| l.quantity).sum(),
        hour: ((now_ms() / 3_600_000) % 24) as u32,
        queue: state
            .store
            .active_order_count()
            .await
            .map_err(anyhow::Error::from)?,
        method,
    };
    let predicted_minutes = state
        .model
        .read()
        .map(|m| m.predict(&features))
        .unwrap_or_else(|_| crate::predict::Model::default().predict(&features));
    Ok(DeliveryPlan {
        route,
        distance_m: features.distance_m,
        items: features.items,
        hour: features.hour,
        queue: features.queue,
        predicted_minutes,
    })
}

async fn create(
    State(state): State<AppState>,
    current: CurrentAccount,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateOrderRequest>,
) -> Result<(StatusCode, Json<Order>), AppError> {
    let key = match headers.get(IDEMPOTENCY_KEY_HEADER) {
        Some(v) => {
            let k = v
                .to_str()
                .map_err(|_| bad("Idempotency-Key must be ASCII"))?
                .trim();
            if k.is_empty() || k.len() > 255 {
                return Err(bad("Idempotency-Key must be 1–255 characters"));
            }
            Some(k.to_owned())
        }
        None => None,
    };
    let mut order = price_order(&state, current.account.id, &req).await?;
    order.kiosk = headers
        .get(customerclient_api::kiosk::KIOSK_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| customerclient_api::kiosk::valid_id(id))
        .map(str::to_owned);

    let request_hash = hex::encode(sha2::Sha256::digest(
        serde_json::to_vec(&req).map_err(anyhow::Error::from)?,
    ));
    let idem = key.as_deref().map(|k| (k, request_hash.as_str()));
    order.receipt_email = receipt_address(&req, &current)?;
    let (id, created) = match state
        .store
        .create_order(&order, idem, &state.orders_per_account)
        .await
    {
        Ok(r) => r,
        Err(StoreError::Throttled(wait_ms)) => {
            let wait = (wait_ms as u64).div_ceil(1000).max(1);
            return Err(AppError::TooManyRequests {
                message: format!("too many orders; try again in {wait} s"),
                retry_after_secs: wait,
            });
        }
        Err(StoreError::KeyReused) => {
            return Err(AppError::Unprocessable {
                code: "idempotency_key_reused",
                message: "this Idempotency-Key was already used for a different order".into(),
            });
        }
        Err(StoreError::Unavailable(product)) => {
            let name = order
                .lines
                .iter()
                .find(|l| l.product_id == product)
                .map_or_else(|| format!("product {product}"), |l| l.name.clone());
            return Err(AppError::Unprocessable {
                code: "product_unavailable",
                message: format!("{name} is not available right now"),
            });
        }
        Err(e) => return Err(anyhow::Error::from(e).into()),
    };
    let saved = state
        .store
        .order(current.account.id, id)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or_else(|| anyhow::anyhow!("order {id} vanished after insert"))?;
    if created {
        tracing::info!(order = saved.number, total = %saved.total, "order placed");
        state.mail_wake.notify_one();
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(saved)))
}

/// Where the order's receipt goes: the address typed with it (a guest's at the kiosk), else
/// a signed-in customer's own; a guest who left none gets none.
fn receipt_address(
    req: &CreateOrderRequest,
    current: &CurrentAccount,
) -> Result<Option<String>, AppError> {
    match req.receipt_email.as_deref().map(str::trim) {
        Some(typed) if !typed.is_empty() => {
            if !customerclient_api::auth::valid_email(typed)
                || typed.parse::<lettre::Address>().is_err()
            {
                return Err(bad("the e-mail address for the receipt is not valid"));
            }
            Ok(Some(typed.to_owned()))
        }
        _ => Ok(current
            .account
            .email
            .clone()
            .filter(|_| !current.account.guest)),
    }
}

/// The customer's orders, newest first, a page at a time.
async fn list(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiQuery(page): ApiQuery<api::OrderQuery>,
) -> Result<Json<OrderList>, AppError> {
    let limit = page.limit.unwrap_or(api::ORDER_PAGE);
    if !(1..=api::MAX_ORDER_PAGE).contains(&limit) {
        return Err(bad(format!("limit must be 1 to {}", api::MAX_ORDER_PAGE)));
    }
    let offset = page.offset.unwrap_or(0).min(1 << 40);
    // One more than asked tells whether another page follows.
    let mut orders = state
        .store
        .orders(current.account.id, limit + 1, offset)
        .await
        .map_err(anyhow::Error::from)?;
    let next_offset = (orders.len() > limit as usize).then(|| offset + u64::from(limit));
    orders.truncate(limit as usize);
    Ok(Json(OrderList {
        orders,
        next_offset,
    }))
}

async fn one(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Order>, AppError> {
    state
        .store
        .order(current.account.id, id)
        .await
        .map_err(anyhow::Error::from)?
        .map(Json)
        .ok_or(AppError::NotFound("order"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_normalised_or_refused() {
        assert_eq!(
            normalise_phone(" +7 (912) 345-67-89 ").unwrap(),
            "+79123456789"
        );
        assert_eq!(normalise_phone("5551234").unwrap(), "5551234");
        assert!(normalise_phone("12345").is_err());
        assert!(normalise_phone("+7 912 abc 67 89").is_err());
        assert!(normalise_phone("1234567890123456").is_err());
    }
}

//! A year of the demo store's past orders: an archive of other customers' deliveries (which
//! trains the ETA model and feeds "customers also bought") and the demo customer's own orders
//! (which fill the dashboard). Baskets follow habits — each main dish has a favourite juice
//! and cake — so recommendations have something real to find.

use customerclient_api::Money;
use customerclient_api::auth::Account;
use customerclient_api::city::{CityMap, SplitMix, route_length};
use customerclient_api::orders::{DeliveryMethod, OrderLine, OrderStatus, PaymentMethod, Rating};
use uuid::Uuid;

use super::menu::MENU;
use crate::predict::{DeliveryFeatures, synthetic_minutes};
use crate::store::{DeliveryPlan, HistoricOrder, Store, StoreError};
use customerclient_api::profile::StoreProfile;

/// The demo customer, for trying the orders list and dashboard at the kiosk.
pub const DEMO_LOGIN: &str = "demo";
pub const DEMO_PASSWORD: &str = "demo-kiosk";
pub const DEMO_EMAIL: &str = "demo@customerclient.example";

pub const ARCHIVE_ORDERS: usize = 540;
pub const DEMO_ORDERS: usize = 60;

const DAY: i64 = 86_400_000;
const STREETS: &[&str] = &[
    "River Rd",
    "Oak Lane",
    "Market St",
    "Station Sq",
    "Garden Ave",
    "Mill St",
    "Park Row",
    "Bridge St",
    "Lime Walk",
    "Harbour Way",
];

struct Dish {
    name: &'static str,
    price: i64,
}

fn dishes() -> Vec<Dish> {
    MENU.iter()
        .flat_map(|c| c.dishes.iter())
        .map(|d| Dish {
            name: d.name,
            price: d.price,
        })
        .collect()
}

/// Product ids of the habitual juice and cake that go with a main dish.
pub fn partners(main_id: i64) -> (i64, i64) {
    (50 + (main_id * 3) % 7, 43 + (main_id * 5) % 7)
}

/// Main dishes are the first six categories (ids 1–42).
const MAINS: i64 = 42;

fn basket(rng: &mut SplitMix, all: &[Dish], currency: &str) -> Vec<OrderLine> {
    let main = 1 + rng.below(MAINS as usize) as i64;
    let (juice, cake) = partners(main);
    let mut ids = vec![(main, 1 + (rng.unit() < 0.25) as i64)];
    if rng.unit() < 0.75 {
        ids.push((juice, 1));
    }
    if rng.unit() < 0.4 {
        ids.push((cake, 1));
    }
    if rng.unit() < 0.2 {
        let extra = 1 + rng.below(all.len()) as i64;
        if ids.iter().all(|(id, _)| *id != extra) {
            ids.push((extra, 1));
        }
    }
    ids.into_iter()
        .map(|(id, quantity)| {
            let d = &all[(id - 1) as usize];
            OrderLine {
                product_id: id,
                name: d.name.into(),
                unit_price: Money::new(d.price, currency),
                quantity,
                line_total: Money::new(d.price * quantity, currency),
            }
        })
        .collect()
}

/// Order hour (UTC) with lunch and dinner peaks.
fn hour(rng: &mut SplitMix) -> u32 {
    const WEIGHTS: [u32; 15] = [2, 3, 3, 4, 8, 9, 5, 4, 4, 6, 9, 10, 8, 5, 3]; // 08:00–22:00
    let total: u32 = WEIGHTS.iter().sum();
    let mut pick = (rng.unit() * total as f64) as u32;
    for (i, w) in WEIGHTS.iter().enumerate() {
        if pick < *w {
            return 8 + i as u32;
        }
        pick -= w;
    }
    21
}

#[allow(clippy::too_many_arguments)]
fn order(
    rng: &mut SplitMix,
    all: &[Dish],
    map: &CityMap,
    profile: &StoreProfile,
    account_id: Uuid,
    day_start: i64,
    address: &str,
    cancel_chance: f64,
) -> HistoricOrder {
    let h = hour(rng);
    let created_at = day_start + h as i64 * 3_600_000 + (rng.unit() * 3_600_000.0) as i64;
    let lines = basket(rng, all, &profile.currency);
    let city = profile.delivery.cities().next().unwrap_or("Moscow");
    let method = DeliveryMethod::ALL[rng.below(3)];
    let node = map.address_node(city, address);
    let route = map.route(map.store, node).unwrap_or_default();
    let distance_m = route_length(&route);
    let items: i64 = lines.iter().map(|l| l.quantity).sum();
    let features = DeliveryFeatures {
        distance_m,
        items,
        hour: h,
        queue: rng.below(5) as i64,
        method,
    };
    let actual_minutes = synthetic_minutes(&features, rng);
    let delivery_price = profile
        .delivery
        .option(city, method)
        .map_or(Money::zero(&*profile.currency), |o| o.price.clone());
    let cancelled = rng.unit() < cancel_chance;
    let rating = (!cancelled && rng.unit() < 0.5).then(|| Rating {
        stars: 3 + rng.below(3) as i64,
        comment: String::new(),
        at: created_at + (actual_minutes * 60_000.0) as i64 + 600_000,
    });
    HistoricOrder {
        account_id,
        created_at,
        lines,
        city: city.into(),
        address: address.into(),
        phone: format!("+7912{:07}", rng.below(10_000_000)),
        delivery_method: method,
        payment_method: PaymentMethod::ALL[rng.below(4)],
        delivery_price,
        status: if cancelled {
            OrderStatus::Cancelled
        } else {
            OrderStatus::Delivered
        },
        plan: DeliveryPlan {
            route,
            distance_m,
            items,
            hour: h,
            queue: features.queue,
            // What a dispatcher's rule of thumb said at the time.
            predicted_minutes: crate::predict::Model::default().predict(&features),
        },
        actual_minutes,
        rating,
    }
}

/// Seeds the demo customer and the order history, `now` being the present (Unix ms).
pub async fn seed_history(
    store: &Store,
    map: &CityMap,
    profile: &StoreProfile,
    now: i64,
) -> Result<(), StoreError> {
    let all = dishes();
    let mut rng = SplitMix(0x5eed_2026);
    let archive = Account {
        id: Uuid::new_v4(),
        login: None,
        email: None,
        phone: None,
        guest: true,
    };
    store.insert_account(&archive, None).await?;
    let demo = Account {
        id: Uuid::new_v4(),
        login: Some(DEMO_LOGIN.into()),
        email: Some(DEMO_EMAIL.into()),
        phone: Some("+79120000000".into()),
        guest: false,
    };
    let hash = crate::auth::hash_password(DEMO_PASSWORD)
        .map_err(|_| StoreError::Db(sqlx::Error::Protocol("hashing the demo password".into())))?;
    store.insert_account(&demo, Some(&hash)).await?;

    let today = now - now.rem_euclid(DAY);
    let mut orders = Vec::with_capacity(ARCHIVE_ORDERS + DEMO_ORDERS);
    for _ in 0..ARCHIVE_ORDERS {
        let day = today - (1 + rng.below(180) as i64) * DAY;
        let address = format!(
            "{} {}",
            1 + rng.below(80),
            STREETS[rng.below(STREETS.len())]
        );
        orders.push(order(
            &mut rng, &all, map, profile, archive.id, day, &address, 0.04,
        ));
    }
    // The demo customer orders home, to work and to their parents', more often lately.
    let homes = ["12 Garden Ave", "3 Station Sq", "40 Harbour Way"];
    for i in 0..DEMO_ORDERS {
        let back = if i < 12 {
            1 + rng.below(7) as i64
        } else if i < 24 {
            7 + rng.below(23) as i64
        } else {
            30 + rng.below(335) as i64
        };
        let address = homes[match rng.unit() {
            u if u < 0.6 => 0,
            u if u < 0.85 => 1,
            _ => 2,
        }];
        orders.push(order(
            &mut rng,
            &all,
            map,
            profile,
            demo.id,
            today - back * DAY,
            address,
            0.05,
        ));
    }
    orders.sort_by_key(|o| o.created_at);
    store.insert_history(&orders).await
}

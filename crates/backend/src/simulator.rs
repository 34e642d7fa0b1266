//! The delivery simulator: the demo's kitchen and couriers. It works through the same HTTP API a
//! courier app would (`GET /courier/orders`, `POST …/status`, `POST …/position`), moving every
//! open order through its stages and driving its courier along the route, one fix per tick.
//! Its timing is the demo world's (see [`crate::predict`]), sped up by `speed`.

use std::time::Duration;

use customerclient_api::city::{self, Point};
use customerclient_api::orders::{
    COURIER_TOKEN_HEADER, OrderStatus, StatusUpdate, courier_status_path,
};
use customerclient_api::tracking::{
    COURIER_ORDERS_PATH, CourierJob, CourierJobs, PositionReport, courier_position_path,
};

use futures_util::StreamExt;

use crate::predict::true_pace;
use crate::store::now_ms;

#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    /// Simulated minutes per real minute.
    pub speed: f64,
    /// How often couriers report and the kitchen looks at its queue.
    pub tick: Duration,
}

impl SimulatorConfig {
    pub fn new(speed: f64) -> Self {
        Self {
            speed: speed.max(0.01),
            tick: Duration::from_secs(1),
        }
    }
}

/// What the kitchen or courier does next for one order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Status(OrderStatus),
    Position(Point),
}

/// Decides the next step of `job` at `now` (Unix ms), the world running `speed` times faster.
pub fn next_actions(job: &CourierJob, now: i64, speed: f64) -> Vec<Action> {
    let minutes = (now - job.since).max(0) as f64 / 60_000.0 * speed;
    let start = job.route.first().copied();
    match job.status {
        OrderStatus::Placed if job.payment_settled && minutes >= 0.5 => {
            vec![Action::Status(OrderStatus::Accepted)]
        }
        OrderStatus::Accepted if minutes >= 0.5 => vec![Action::Status(OrderStatus::Preparing)],
        // Accepting and starting took a minute; the courier is called a minute before leaving.
        OrderStatus::Preparing if minutes >= (job.kitchen_minutes - 3.0).max(0.5) => {
            vec![Action::Status(OrderStatus::CourierAssigned)]
        }
        OrderStatus::CourierAssigned if minutes >= 1.0 => {
            let mut a = vec![Action::Status(OrderStatus::OnTheWay)];
            a.extend(start.map(Action::Position));
            a
        }
        OrderStatus::OnTheWay => {
            let metres_per_minute = 1000.0 / true_pace(job.delivery_method);
            let along = minutes * metres_per_minute;
            let length = city::route_length(&job.route);
            if along >= length {
                let mut a: Vec<Action> = job
                    .route
                    .last()
                    .copied()
                    .map(Action::Position)
                    .into_iter()
                    .collect();
                a.push(Action::Status(OrderStatus::Delivered));
                a
            } else {
                vec![Action::Position(city::point_along(&job.route, along))]
            }
        }
        _ => Vec::new(),
    }
}

pub fn spawn(base: String, token: String, config: SimulatorConfig) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = match reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "delivery simulator cannot start");
                return;
            }
        };
        let mut tick = tokio::time::interval(config.tick);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            if let Err(e) = step(&client, &base, &token, config.speed).await {
                tracing::warn!(error = %e, "delivery simulator step failed; retrying next tick");
            }
        }
    })
}

async fn step(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    speed: f64,
) -> Result<(), reqwest::Error> {
    let jobs: CourierJobs = client
        .get(format!("{base}{COURIER_ORDERS_PATH}"))
        .header(COURIER_TOKEN_HEADER, token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let now = now_ms();
    // Each order's steps in order; several orders at once, as a kitchen and couriers work.
    futures_util::stream::iter(&jobs.jobs)
        .for_each_concurrent(16, |job| async move {
            for action in next_actions(job, now, speed) {
                let req = match action {
                    Action::Status(status) => client
                        .post(format!("{base}{}", courier_status_path(job.order_id)))
                        .json(&StatusUpdate {
                            status,
                            note: String::new(),
                        }),
                    Action::Position(p) => client
                        .post(format!("{base}{}", courier_position_path(job.order_id)))
                        .json(&PositionReport { x: p.x, y: p.y }),
                };
                match req.header(COURIER_TOKEN_HEADER, token).send().await {
                    Ok(res) if res.status().is_success() => {}
                    Ok(res) => {
                        // e.g. the customer cancelled in between: the next tick sees the new state.
                        tracing::debug!(order = job.number, status = %res.status(), "simulator step refused");
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(order = job.number, error = %e, "simulator step failed; retrying next tick");
                        break;
                    }
                }
            }
        })
        .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use customerclient_api::orders::DeliveryMethod;

    fn job(status: OrderStatus, since: i64) -> CourierJob {
        CourierJob {
            order_id: uuid::Uuid::nil(),
            number: 1,
            status,
            since,
            delivery_method: DeliveryMethod::OnFoot,
            items: 2,
            route: vec![Point::new(0.0, 0.0), Point::new(1200.0, 0.0)],
            payment_settled: true,
            kitchen_minutes: 8.0,
        }
    }

    #[test]
    fn unpaid_orders_wait_and_couriers_walk_at_their_pace() {
        let mut j = job(OrderStatus::Placed, 0);
        j.payment_settled = false;
        assert!(next_actions(&j, 600_000, 1.0).is_empty());
        // On foot: 12 min/km, so after 6 minutes the courier is 500 m along.
        let j = job(OrderStatus::OnTheWay, 0);
        assert_eq!(
            next_actions(&j, 360_000, 1.0),
            vec![Action::Position(Point::new(500.0, 0.0))]
        );
        // The same 6 simulated minutes take 36 real seconds at 10×.
        assert_eq!(
            next_actions(&j, 36_000, 10.0),
            vec![Action::Position(Point::new(500.0, 0.0))]
        );
        let done = next_actions(&j, 15 * 60_000, 1.0);
        assert_eq!(done.last(), Some(&Action::Status(OrderStatus::Delivered)));
    }
}

//! The prediction backend: delivery time from a linear model fitted by least squares on past
//! deliveries (the seeded history plus every order delivered since), and the demo world's
//! own timing, which the seeded history and the courier simulator both follow.

use customerclient_api::city::SplitMix;
use customerclient_api::orders::DeliveryMethod;

/// What is known about a delivery when it is ordered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeliveryFeatures {
    pub distance_m: f64,
    pub items: i64,
    /// Hour of day the order was placed, UTC.
    pub hour: u32,
    /// Orders in progress when it was placed.
    pub queue: i64,
    pub method: DeliveryMethod,
}

/// Lunch and dinner rush.
pub fn is_peak(hour: u32) -> bool {
    matches!(hour, 12..=13 | 18..=20)
}

const N: usize = 7;

/// `minutes ≈ w · x` with x = [1, km on foot, km by scooter, km by car, items, rush hour, queue].
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub weights: [f64; N],
    /// Deliveries it was fitted on (0 for the prior).
    pub samples: usize,
}

fn features(f: &DeliveryFeatures) -> [f64; N] {
    let km = f.distance_m / 1000.0;
    let by = |m: DeliveryMethod| if f.method == m { km } else { 0.0 };
    [
        1.0,
        by(DeliveryMethod::OnFoot),
        by(DeliveryMethod::ElectricScooter),
        by(DeliveryMethod::Car),
        f.items as f64,
        if is_peak(f.hour) { 1.0 } else { 0.0 },
        f.queue as f64,
    ]
}

impl Default for Model {
    /// Before any history: the paces and kitchen time a dispatcher would guess.
    fn default() -> Self {
        Self {
            weights: [6.0, 12.0, 4.0, 3.0, 0.5, 3.0, 1.0],
            samples: 0,
        }
    }
}

impl Model {
    /// Ordinary least squares with a whisper of ridge so a method missing from the history
    /// keeps its prior pace instead of making the system singular.
    pub fn fit(samples: &[(DeliveryFeatures, f64)]) -> Self {
        const RIDGE: f64 = 1e-3;
        let prior = Model::default();
        let mut a = [[0.0f64; N]; N];
        let mut b = [0.0f64; N];
        for (f, y) in samples {
            let x = features(f);
            for i in 0..N {
                b[i] += x[i] * y;
                for j in 0..N {
                    a[i][j] += x[i] * x[j];
                }
            }
        }
        // Shrink towards the prior, not towards zero.
        for i in 0..N {
            a[i][i] += RIDGE;
            b[i] += RIDGE * prior.weights[i];
        }
        match solve(a, b) {
            Some(weights) if weights.iter().all(|w| w.is_finite()) => Self {
                weights,
                samples: samples.len(),
            },
            _ => prior,
        }
    }

    /// Minutes from placing the order to the door.
    pub fn predict(&self, f: &DeliveryFeatures) -> f64 {
        let x = features(f);
        let m: f64 = x.iter().zip(&self.weights).map(|(x, w)| x * w).sum();
        m.max(1.0)
    }

    /// Minutes the courier needs for `distance_m` with this method, from the fitted pace.
    pub fn travel_minutes(&self, method: DeliveryMethod, distance_m: f64) -> f64 {
        let pace = match method {
            DeliveryMethod::OnFoot => self.weights[1],
            DeliveryMethod::ElectricScooter => self.weights[2],
            DeliveryMethod::Car => self.weights[3],
        };
        (pace.max(0.5) * distance_m / 1000.0).max(0.0)
    }
}

/// Gaussian elimination with partial pivoting.
fn solve(mut a: [[f64; N]; N], mut b: [f64; N]) -> Option<[f64; N]> {
    for col in 0..N {
        let pivot = (col..N).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (pivot_row, b_pivot) = (a[col], b[col]);
        for (row, b_row) in a.iter_mut().zip(b.iter_mut()).skip(col + 1) {
            let k = row[col] / pivot_row[col];
            for (r, p) in row.iter_mut().zip(pivot_row).skip(col) {
                *r -= k * p;
            }
            *b_row -= k * b_pivot;
        }
    }
    let mut x = [0.0; N];
    for row in (0..N).rev() {
        let s: f64 = (row + 1..N).map(|c| a[row][c] * x[c]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// Mean absolute error in minutes.
pub fn mae(predict: impl Fn(&DeliveryFeatures) -> f64, data: &[(DeliveryFeatures, f64)]) -> f64 {
    data.iter()
        .map(|(f, y)| (predict(f) - y).abs())
        .sum::<f64>()
        / data.len().max(1) as f64
}

// ---- the demo world ----

/// Minutes per kilometre of each way to deliver, in the demo world.
pub fn true_pace(method: DeliveryMethod) -> f64 {
    match method {
        DeliveryMethod::OnFoot => 12.0,
        DeliveryMethod::ElectricScooter => 4.0,
        DeliveryMethod::Car => 2.5,
    }
}

/// Minutes from placing to the courier leaving the store, in the demo world.
pub fn true_prep_minutes(f: &DeliveryFeatures) -> f64 {
    4.0 + 0.6 * f.items as f64 + if is_peak(f.hour) { 3.0 } else { 0.0 } + 1.5 * f.queue as f64
}

/// A past delivery's real duration: kitchen, road, and the day's noise (σ = 2 min).
pub fn synthetic_minutes(f: &DeliveryFeatures, rng: &mut SplitMix) -> f64 {
    let travel = true_pace(f.method) * f.distance_m / 1000.0;
    (true_prep_minutes(f) + travel + 2.0 * rng.normal()).max(2.0)
}

/// Random deliveries as the district produces them, for seeding and for tests.
pub fn synthetic_deliveries(count: usize, seed: u64) -> Vec<(DeliveryFeatures, f64)> {
    let mut rng = SplitMix(seed);
    (0..count)
        .map(|_| {
            let f = DeliveryFeatures {
                distance_m: 400.0 + rng.unit() * 2200.0,
                items: 1 + rng.below(6) as i64,
                hour: 8 + rng.below(15) as u32,
                queue: rng.below(5) as i64,
                method: DeliveryMethod::ALL[rng.below(3)],
            };
            let y = synthetic_minutes(&f, &mut rng);
            (f, y)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_known_weights_without_noise() {
        let truth = [5.0, 11.0, 4.5, 2.0, 0.7, 2.5, 1.2];
        let mut rng = SplitMix(3);
        let data: Vec<_> = (0..200)
            .map(|_| {
                let f = DeliveryFeatures {
                    distance_m: 300.0 + rng.unit() * 2000.0,
                    items: 1 + rng.below(5) as i64,
                    hour: rng.below(24) as u32,
                    queue: rng.below(4) as i64,
                    method: DeliveryMethod::ALL[rng.below(3)],
                };
                let y: f64 = features(&f).iter().zip(truth).map(|(x, w)| x * w).sum();
                (f, y)
            })
            .collect();
        let m = Model::fit(&data);
        for (got, want) in m.weights.iter().zip(truth) {
            assert!((got - want).abs() < 0.01, "{:?}", m.weights);
        }
    }

    #[test]
    fn empty_history_keeps_the_prior() {
        assert_eq!(Model::fit(&[]).weights, Model::default().weights);
    }
}

//! The delivery district: a generated road graph (metres, x east, y north) shared by the
//! backend (routing, the courier simulator) and the kiosk (the tracking map).
//! It is generated from a seed, so both sides and every test see the same streets.

use crate::endpoint::Endpoint as _;
use serde::{Deserialize, Serialize};

pub const MAP_PATH: &str = crate::endpoint::GetMap::ROUTE;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    pub fn dist(self, o: Point) -> f64 {
        ((self.x - o.x).powi(2) + (self.y - o.y).powi(2)).sqrt()
    }

    pub fn lerp(self, o: Point, t: f64) -> Point {
        Point::new(self.x + (o.x - self.x) * t, self.y + (o.y - self.y) * t)
    }
}

/// A street between two intersections; `major` streets are drawn wider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Street {
    pub a: usize,
    pub b: usize,
    pub major: bool,
}

/// A park or square: an axis-aligned block drawn green, with no streets through it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Park {
    pub min: Point,
    pub max: Point,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CityMap {
    pub name: String,
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<Point>,
    pub streets: Vec<Street>,
    pub parks: Vec<Park>,
    /// Intersection the store (and every courier) starts from.
    pub store: usize,
}

const COLS: usize = 10;
const ROWS: usize = 7;
const BLOCK: f64 = 220.0;

/// SplitMix64: small, seedable, the same everywhere.
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

impl CityMap {
    /// The demo district: a slightly irregular grid of blocks with two avenues and a park.
    pub fn generate(seed: u64) -> Self {
        let mut rng = SplitMix(seed);
        let mut nodes = Vec::with_capacity(COLS * ROWS);
        for r in 0..ROWS {
            for c in 0..COLS {
                let edge = r == 0 || c == 0 || r == ROWS - 1 || c == COLS - 1;
                let jitter = if edge { 0.0 } else { 45.0 };
                nodes.push(Point::new(
                    c as f64 * BLOCK + (rng.unit() - 0.5) * jitter,
                    r as f64 * BLOCK + (rng.unit() - 0.5) * jitter,
                ));
            }
        }
        let idx = |c: usize, r: usize| r * COLS + c;
        // The park fills the block between columns 6–7 and rows 3–4 (blocks have no streets inside).
        let park = (6usize, 3usize);
        let mut streets = Vec::new();
        for r in 0..ROWS {
            for c in 0..COLS {
                let major_row = r == ROWS / 2;
                let major_col = c == 3;
                if c + 1 < COLS {
                    // A few side streets are missing, as in a real district.
                    let missing = !major_row && r > 0 && r < ROWS - 1 && rng.unit() < 0.08;
                    if !missing {
                        streets.push(Street {
                            a: idx(c, r),
                            b: idx(c + 1, r),
                            major: major_row,
                        });
                    }
                }
                if r + 1 < ROWS {
                    let missing = !major_col && c > 0 && c < COLS - 1 && rng.unit() < 0.08;
                    if !missing {
                        streets.push(Street {
                            a: idx(c, r),
                            b: idx(c, r + 1),
                            major: major_col,
                        });
                    }
                }
            }
        }
        // A diagonal avenue across the lower-left quarter.
        for k in 0..3 {
            streets.push(Street {
                a: idx(k, k),
                b: idx(k + 1, k + 1),
                major: true,
            });
        }
        let p0 = nodes[idx(park.0, park.1)];
        let p1 = nodes[idx(park.0 + 1, park.1 + 1)];
        let parks = vec![Park {
            min: Point::new(p0.x + 18.0, p0.y + 18.0),
            max: Point::new(p1.x - 18.0, p1.y - 18.0),
        }];
        Self {
            name: "Riverside".into(),
            width: (COLS - 1) as f64 * BLOCK,
            height: (ROWS - 1) as f64 * BLOCK,
            nodes,
            streets,
            parks,
            store: idx(3, 3),
        }
    }

    /// Neighbours with street lengths.
    fn adjacency(&self) -> Vec<Vec<(usize, f64)>> {
        let mut adj = vec![Vec::new(); self.nodes.len()];
        for s in &self.streets {
            let d = self.nodes[s.a].dist(self.nodes[s.b]);
            adj[s.a].push((s.b, d));
            adj[s.b].push((s.a, d));
        }
        adj
    }

    /// Shortest route along the streets (Dijkstra), as the points to drive through.
    pub fn route(&self, from: usize, to: usize) -> Option<Vec<Point>> {
        use std::cmp::Ordering;
        use std::collections::BinaryHeap;
        #[derive(PartialEq)]
        struct Item(f64, usize);
        impl Eq for Item {}
        impl PartialOrd for Item {
            fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
                Some(self.cmp(o))
            }
        }
        impl Ord for Item {
            fn cmp(&self, o: &Self) -> Ordering {
                o.0.total_cmp(&self.0)
            }
        }
        let adj = self.adjacency();
        let mut dist = vec![f64::INFINITY; self.nodes.len()];
        let mut prev = vec![usize::MAX; self.nodes.len()];
        let mut heap = BinaryHeap::new();
        dist[from] = 0.0;
        heap.push(Item(0.0, from));
        while let Some(Item(d, n)) = heap.pop() {
            if n == to {
                break;
            }
            if d > dist[n] {
                continue;
            }
            for &(m, w) in &adj[n] {
                if d + w < dist[m] {
                    dist[m] = d + w;
                    prev[m] = n;
                    heap.push(Item(d + w, m));
                }
            }
        }
        if !dist[to].is_finite() {
            return None;
        }
        let mut path = vec![to];
        while *path.last()? != from {
            path.push(prev[*path.last()?]);
        }
        path.reverse();
        Some(path.into_iter().map(|n| self.nodes[n]).collect())
    }

    /// The intersection a delivery address maps to: stable for the same address, never the
    /// store's own corner, and spread over the district.
    pub fn address_node(&self, city: &str, address: &str) -> usize {
        let key = format!(
            "{}|{}",
            city.trim().to_lowercase(),
            address.trim().to_lowercase()
        );
        // FNV-1a, then mixed, so similar addresses land far apart.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in key.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let mut rng = SplitMix(h);
        let store = self.nodes[self.store];
        loop {
            let n = rng.below(self.nodes.len());
            if self.nodes[n].dist(store) > 350.0 {
                return n;
            }
        }
    }
}

/// Length of a polyline.
pub fn route_length(route: &[Point]) -> f64 {
    route.windows(2).map(|w| w[0].dist(w[1])).sum()
}

/// The point `along` metres from the start of a route (clamped to its ends).
pub fn point_along(route: &[Point], along: f64) -> Point {
    let mut left = along.max(0.0);
    for w in route.windows(2) {
        let d = w[0].dist(w[1]);
        if left <= d && d > 0.0 {
            return w[0].lerp(w[1], left / d);
        }
        left -= d;
    }
    route.last().copied().unwrap_or(Point::new(0.0, 0.0))
}

/// How far along the route (metres) the point nearest to `p` lies, and how far `p` is off it.
/// Searching from `not_before` keeps progress monotonic where the route doubles back.
pub fn project(route: &[Point], p: Point, not_before: f64) -> (f64, f64) {
    let mut best = (not_before.max(0.0), f64::INFINITY);
    let mut start = 0.0;
    for w in route.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = a.dist(b);
        if len > 0.0 {
            let t = (((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / (len * len))
                .clamp(0.0, 1.0);
            let along = start + t * len;
            let off = a.lerp(b, t).dist(p);
            if along + 1e-6 >= not_before && off < best.1 {
                best = (along, off);
            }
        }
        start += len;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_address_is_reachable_from_the_store() {
        let map = CityMap::generate(7);
        for (i, addr) in ["1 Main St", "22 Oak Lane", "Flat 3, 9 River Rd", "x"]
            .iter()
            .enumerate()
        {
            let n = map.address_node("Moscow", addr);
            assert_ne!(n, map.store, "address {i} maps to the store");
            let route = map.route(map.store, n).expect("reachable");
            assert_eq!(route[0], map.nodes[map.store]);
            assert_eq!(*route.last().unwrap(), map.nodes[n]);
            // Along streets, never shorter than the straight line.
            assert!(route_length(&route) + 1e-6 >= map.nodes[map.store].dist(map.nodes[n]));
        }
        assert_eq!(
            map.address_node("Moscow", "1 Main St"),
            map.address_node(" moscow", "1 main st ")
        );
    }

    #[test]
    fn projection_inverts_point_along() {
        let route = vec![
            Point::new(0.0, 0.0),
            Point::new(100.0, 0.0),
            Point::new(100.0, 50.0),
        ];
        assert_eq!(route_length(&route), 150.0);
        for along in [0.0, 30.0, 100.0, 120.0, 150.0] {
            let p = point_along(&route, along);
            let (got, off) = project(&route, p, 0.0);
            assert!((got - along).abs() < 1e-6 && off < 1e-6, "{along} → {got}");
        }
        assert_eq!(point_along(&route, 500.0), Point::new(100.0, 50.0));
    }
}

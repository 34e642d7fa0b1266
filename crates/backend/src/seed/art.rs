//! Food pictures drawn by code, so the demo catalog ships real images under our own licence
//! and needs no network. Shapes are signed-distance fields, which gives anti-aliased edges
//! without supersampling.

use image::{ImageBuffer, Rgb};

pub const SIZE: u32 = 384;

#[derive(Clone, Copy)]
struct Color([f32; 3]);

impl Color {
    fn hex(v: u32) -> Self {
        Color([
            ((v >> 16) & 0xff) as f32 / 255.0,
            ((v >> 8) & 0xff) as f32 / 255.0,
            (v & 0xff) as f32 / 255.0,
        ])
    }
    fn mix(self, other: Color, t: f32) -> Color {
        let [a, b, c] = self.0;
        let [x, y, z] = other.0;
        Color([a + (x - a) * t, b + (y - b) * t, c + (z - c) * t])
    }
    fn darker(self, t: f32) -> Color {
        self.mix(Color([0.0; 3]), t)
    }
    fn lighter(self, t: f32) -> Color {
        self.mix(Color([1.0; 3]), t)
    }
}

enum Shape {
    Circle {
        cx: f32,
        cy: f32,
        r: f32,
    },
    Ellipse {
        cx: f32,
        cy: f32,
        rx: f32,
        ry: f32,
    },
    /// Rounded rectangle rotated by `angle` radians about its centre.
    RoundRect {
        cx: f32,
        cy: f32,
        hw: f32,
        hh: f32,
        r: f32,
        angle: f32,
    },
    Capsule {
        ax: f32,
        ay: f32,
        bx: f32,
        by: f32,
        r: f32,
    },
    /// Points of `a` that are also in `b`.
    Intersect(Box<Shape>, Box<Shape>),
}

impl Shape {
    fn dist(&self, x: f32, y: f32) -> f32 {
        match *self {
            Shape::Circle { cx, cy, r } => ((x - cx).hypot(y - cy)) - r,
            Shape::Ellipse { cx, cy, rx, ry } => {
                let (nx, ny) = ((x - cx) / rx, (y - cy) / ry);
                let k = nx.hypot(ny);
                // First-order distance estimate: exact on circles, close enough on ellipses.
                let grad = (nx / rx).hypot(ny / ry).max(1e-6);
                (k * k - 1.0) / (2.0 * k.max(1e-3) * grad)
            }
            Shape::RoundRect {
                cx,
                cy,
                hw,
                hh,
                r,
                angle,
            } => {
                let (s, c) = angle.sin_cos();
                let (dx, dy) = (x - cx, y - cy);
                let (lx, ly) = (dx * c + dy * s, -dx * s + dy * c);
                let qx = lx.abs() - (hw - r);
                let qy = ly.abs() - (hh - r);
                qx.max(0.0).hypot(qy.max(0.0)) + qx.max(qy).min(0.0) - r
            }
            Shape::Capsule { ax, ay, bx, by, r } => {
                let (px, py, vx, vy) = (x - ax, y - ay, bx - ax, by - ay);
                let h = ((px * vx + py * vy) / (vx * vx + vy * vy).max(1e-6)).clamp(0.0, 1.0);
                (px - vx * h).hypot(py - vy * h) - r
            }
            Shape::Intersect(ref a, ref b) => a.dist(x, y).max(b.dist(x, y)),
        }
    }

    fn bounds(&self) -> (f32, f32, f32, f32) {
        match *self {
            Shape::Circle { cx, cy, r } => (cx - r, cy - r, cx + r, cy + r),
            Shape::Ellipse { cx, cy, rx, ry } => (cx - rx, cy - ry, cx + rx, cy + ry),
            Shape::RoundRect { cx, cy, hw, hh, .. } => {
                let e = hw.hypot(hh);
                (cx - e, cy - e, cx + e, cy + e)
            }
            Shape::Capsule { ax, ay, bx, by, r } => (
                ax.min(bx) - r,
                ay.min(by) - r,
                ax.max(bx) + r,
                ay.max(by) + r,
            ),
            Shape::Intersect(ref a, ref b) => {
                let (a0, a1, a2, a3) = a.bounds();
                let (b0, b1, b2, b3) = b.bounds();
                (a0.max(b0), a1.max(b1), a2.min(b2), a3.min(b3))
            }
        }
    }
}

fn circle(cx: f32, cy: f32, r: f32) -> Shape {
    Shape::Circle { cx, cy, r }
}
fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32) -> Shape {
    Shape::Ellipse { cx, cy, rx, ry }
}
fn rect(cx: f32, cy: f32, hw: f32, hh: f32, r: f32) -> Shape {
    Shape::RoundRect {
        cx,
        cy,
        hw,
        hh,
        r,
        angle: 0.0,
    }
}
fn rect_rot(cx: f32, cy: f32, hw: f32, hh: f32, r: f32, angle: f32) -> Shape {
    Shape::RoundRect {
        cx,
        cy,
        hw,
        hh,
        r,
        angle,
    }
}
fn capsule(ax: f32, ay: f32, bx: f32, by: f32, r: f32) -> Shape {
    Shape::Capsule { ax, ay, bx, by, r }
}
fn clip(a: Shape, b: Shape) -> Shape {
    Shape::Intersect(Box::new(a), Box::new(b))
}

struct Canvas {
    px: Vec<[f32; 3]>,
    n: usize,
    /// Deterministic per-dish randomness for scattered details.
    rng: u64,
}

impl Canvas {
    fn new(top: Color, bottom: Color) -> Self {
        let n = SIZE as usize;
        let mut px = Vec::with_capacity(n * n);
        for y in 0..n {
            for x in 0..n {
                let t = y as f32 / n as f32;
                let (dx, dy) = (x as f32 / n as f32 - 0.5, y as f32 / n as f32 - 0.45);
                let vignette = (dx * dx + dy * dy).sqrt() * 0.35;
                px.push(top.mix(bottom, t).darker(vignette).0);
            }
        }
        Self { px, n, rng: 0 }
    }

    fn random(&mut self) -> f32 {
        // xorshift64*: tiny and deterministic.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Fills `shape` with `color` at `alpha`; `soft` widens the edge (for shadows).
    fn fill_soft(&mut self, shape: &Shape, color: Color, alpha: f32, soft: f32) {
        let (x0, y0, x1, y1) = shape.bounds();
        let pad = soft + 1.0;
        let clampi = |v: f32| (v.max(0.0) as usize).min(self.n);
        let (xs, xe) = (clampi(x0 - pad), clampi(x1 + pad + 1.0));
        let (ys, ye) = (clampi(y0 - pad), clampi(y1 + pad + 1.0));
        for y in ys..ye {
            for x in xs..xe {
                let d = shape.dist(x as f32 + 0.5, y as f32 + 0.5);
                let cov = (0.5 - d / soft.max(1.0)).clamp(0.0, 1.0) * alpha;
                if cov > 0.0 {
                    let p = &mut self.px[y * self.n + x];
                    for (c, target) in p.iter_mut().zip(color.0) {
                        *c += (target - *c) * cov;
                    }
                }
            }
        }
    }

    fn fill(&mut self, shape: &Shape, color: Color) {
        self.fill_soft(shape, color, 1.0, 1.0);
    }

    fn shadow(&mut self, shape: &Shape) {
        self.fill_soft(shape, Color([0.0; 3]), 0.28, 18.0);
    }

    fn into_png(self) -> Vec<u8> {
        let n = self.n as u32;
        let img = ImageBuffer::<Rgb<u8>, Vec<u8>>::from_fn(n, n, |x, y| {
            let p = self.px[(y * n + x) as usize];
            Rgb(p.map(|c| (c.clamp(0.0, 1.0) * 255.0 + 0.5) as u8))
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .expect("encoding a PNG into memory cannot fail");
        out.into_inner()
    }
}

const PLATE: u32 = 0xfbfcfc;

fn plate(c: &mut Canvas) {
    c.shadow(&circle(196.0, 206.0, 150.0));
    c.fill(&circle(192.0, 196.0, 150.0), Color::hex(PLATE).darker(0.06));
    c.fill(&circle(192.0, 196.0, 118.0), Color::hex(PLATE));
}

fn bowl(c: &mut Canvas, rim: Color) {
    c.shadow(&circle(196.0, 208.0, 148.0));
    c.fill(&circle(192.0, 196.0, 148.0), rim);
    c.fill(&circle(192.0, 196.0, 130.0), rim.darker(0.25));
    c.fill(&circle(192.0, 196.0, 124.0), Color::hex(0xf8f9f9));
}

fn rice_grains(c: &mut Canvas, cx: f32, cy: f32, r: f32, count: usize) {
    for _ in 0..count {
        let a = c.random() * std::f32::consts::TAU;
        let d = c.random().sqrt() * r;
        let (x, y) = (cx + a.cos() * d, cy + a.sin() * d);
        let g = rect_rot(x, y, 5.0, 2.2, 2.2, c.random() * std::f32::consts::PI);
        c.fill(&g, Color::hex(0xe5e7e9));
    }
}

fn leaves(c: &mut Canvas, cx: f32, cy: f32, r: f32, base: Color, count: usize) {
    for _ in 0..count {
        let a = c.random() * std::f32::consts::TAU;
        let d = c.random().sqrt() * r;
        let (x, y) = (cx + a.cos() * d, cy + a.sin() * d);
        let shade = 0.1 + c.random() * 0.3;
        let leaf = rect_rot(x, y, 22.0, 11.0, 10.0, c.random() * std::f32::consts::PI);
        c.fill(&leaf, base.darker(shade));
        let vein = rect_rot(x, y, 16.0, 1.2, 1.2, 0.0);
        c.fill_soft(&vein, base.lighter(0.4), 0.5, 1.0);
    }
}

fn draw_breakfast(c: &mut Canvas, accent: Color, variant: usize) {
    plate(c);
    match variant % 3 {
        0 => {
            // eggs and bacon / toast
            for (x, y) in [(150.0, 170.0), (232.0, 200.0)] {
                c.fill_soft(
                    &ellipse(x + 3.0, y + 4.0, 52.0, 44.0),
                    Color([0.0; 3]),
                    0.18,
                    8.0,
                );
                c.fill(&ellipse(x, y, 52.0, 44.0), Color::hex(0xfffbf2));
                c.fill(&circle(x + 4.0, y - 2.0, 19.0), Color::hex(0xf5b041));
                c.fill(&circle(x - 1.0, y - 7.0, 6.0), Color::hex(0xfad7a0));
            }
            for i in 0..3 {
                let y = 250.0 + i as f32 * 16.0;
                c.fill(&rect_rot(180.0, y, 56.0, 6.0, 5.0, 0.12), accent);
                c.fill(
                    &rect_rot(180.0, y + 2.0, 50.0, 2.0, 2.0, 0.12),
                    accent.lighter(0.5),
                );
            }
        }
        1 => {
            // pancakes / syrniki stack seen from above: round cakes with syrup or topping
            for i in 0..3 {
                let (x, y) = (160.0 + i as f32 * 30.0, 180.0 + (i % 2) as f32 * 36.0);
                c.fill(&circle(x, y, 58.0), accent.darker(0.25));
                c.fill(&circle(x - 3.0, y - 3.0, 52.0), accent);
            }
            c.fill(
                &ellipse(205.0, 205.0, 38.0, 26.0),
                Color::hex(0xb9770e).mix(accent, 0.3),
            );
            c.fill(&rect(210.0, 198.0, 14.0, 10.0, 3.0), Color::hex(0xfcf3cf));
        }
        _ => {
            // bowl-style dish: sauce or oats with toppings
            c.fill(&circle(192.0, 196.0, 104.0), accent.darker(0.1));
            for _ in 0..14 {
                let (x, y) = (130.0 + c.random() * 124.0, 134.0 + c.random() * 124.0);
                let r = 8.0 + c.random() * 10.0;
                let col = accent.lighter(0.35 + c.random() * 0.3);
                c.fill(&circle(x, y, r), col);
            }
            for (x, y) in [(170.0, 180.0), (222.0, 220.0)] {
                c.fill(&circle(x, y, 24.0), Color::hex(0xfdfefe));
                c.fill(&circle(x, y, 11.0), Color::hex(0xf5b041));
            }
        }
    }
}

fn draw_rice_bowl(c: &mut Canvas, accent: Color) {
    bowl(c, Color::hex(0x1b2631));
    rice_grains(c, 192.0, 196.0, 118.0, 260);
    // toppings in wedges, as a poke bowl is laid out
    let colors = [
        accent,
        Color::hex(0x58d68d),
        Color::hex(0xf5cba7),
        accent.lighter(0.3),
    ];
    for (i, col) in colors.iter().enumerate() {
        let a = i as f32 * std::f32::consts::FRAC_PI_2 + 0.4;
        for _ in 0..7 {
            let aa = a + (c.random() - 0.5) * 0.9;
            let d = 30.0 + c.random() * 60.0;
            let (x, y) = (192.0 + aa.cos() * d, 196.0 + aa.sin() * d);
            let piece = rect_rot(x, y, 13.0, 9.0, 5.0, c.random() * 3.0);
            let shade = c.random() * 0.2;
            c.fill(&piece, col.darker(shade));
        }
    }
    for _ in 0..40 {
        let (x, y) = (110.0 + c.random() * 164.0, 114.0 + c.random() * 164.0);
        c.fill(&ellipse(x, y, 2.0, 1.2), Color::hex(0x17202a));
    }
}

fn draw_salad(c: &mut Canvas, accent: Color) {
    bowl(c, Color::hex(0xd5dbdb));
    leaves(c, 192.0, 196.0, 100.0, Color::hex(0x58d68d), 34);
    for _ in 0..9 {
        let (x, y) = (128.0 + c.random() * 128.0, 132.0 + c.random() * 128.0);
        c.fill(&circle(x, y, 13.0), accent.darker(0.15));
        c.fill(&circle(x - 3.0, y - 3.0, 5.0), accent.lighter(0.4));
    }
    for _ in 0..6 {
        let (x, y) = (130.0 + c.random() * 124.0, 134.0 + c.random() * 124.0);
        let angle = c.random();
        c.fill(&rect_rot(x, y, 9.0, 9.0, 3.0, angle), Color::hex(0xfdebd0));
    }
}

fn draw_chicken(c: &mut Canvas, accent: Color, variant: usize) {
    plate(c);
    if variant.is_multiple_of(2) {
        for (i, (x, y, a)) in [
            (160.0, 170.0, 0.5),
            (225.0, 190.0, -0.4),
            (180.0, 240.0, 0.1),
        ]
        .into_iter()
        .enumerate()
        {
            let (s, co) = f32::sin_cos(a);
            let (bx, by) = (x + co * 70.0, y + s * 70.0);
            c.fill_soft(
                &capsule(x, y + 3.0, bx, by + 3.0, 9.0),
                Color([0.0; 3]),
                0.2,
                5.0,
            );
            c.fill(&capsule(x, y, bx, by, 7.0), Color::hex(0xf6ddcc));
            c.fill(&circle(bx, by, 10.0), Color::hex(0xf6ddcc));
            c.fill(
                &ellipse(x, y, 46.0, 34.0),
                accent.darker(0.2 + i as f32 * 0.05),
            );
            c.fill(&ellipse(x - 6.0, y - 6.0, 30.0, 20.0), accent.lighter(0.15));
        }
    } else {
        c.fill(
            &rect_rot(180.0, 190.0, 78.0, 48.0, 40.0, -0.3),
            accent.darker(0.2),
        );
        c.fill(&rect_rot(176.0, 186.0, 70.0, 40.0, 34.0, -0.3), accent);
        for i in 0..4 {
            let o = i as f32 * 24.0 - 36.0;
            c.fill(
                &rect_rot(176.0 + o, 186.0 - o * 0.3, 3.0, 36.0, 3.0, 0.6),
                accent.darker(0.5),
            );
        }
        leaves(c, 250.0, 250.0, 22.0, Color::hex(0x52be80), 6);
        c.fill(&circle(120.0, 250.0, 22.0), Color::hex(0xf4d03f));
        c.fill(&circle(120.0, 250.0, 17.0), Color::hex(0xf9e79f));
    }
}

fn draw_beef(c: &mut Canvas, accent: Color, variant: usize) {
    plate(c);
    match variant % 3 {
        0 => {
            c.fill(
                &rect_rot(185.0, 190.0, 86.0, 58.0, 46.0, 0.25),
                accent.darker(0.25),
            );
            c.fill(&rect_rot(182.0, 186.0, 80.0, 52.0, 42.0, 0.25), accent);
            c.fill(&ellipse(200.0, 180.0, 20.0, 12.0), Color::hex(0xfae5d3));
            for i in 0..5 {
                let o = i as f32 * 26.0 - 52.0;
                c.fill(
                    &rect_rot(182.0 + o, 186.0 + o * 0.25, 3.5, 44.0, 3.0, 0.9),
                    Color::hex(0x17202a),
                );
            }
        }
        1 => {
            c.fill(&circle(192.0, 196.0, 100.0), accent.lighter(0.1));
            for _ in 0..10 {
                let (x, y) = (130.0 + c.random() * 124.0, 134.0 + c.random() * 124.0);
                c.fill(&circle(x, y, 18.0), Color::hex(0x6e2c00));
                c.fill(&circle(x - 5.0, y - 5.0, 6.0), Color::hex(0x935116));
            }
            leaves(c, 192.0, 196.0, 60.0, Color::hex(0x27ae60), 5);
        }
        _ => {
            for i in 0..2 {
                let y = 160.0 + i as f32 * 70.0;
                c.fill(
                    &capsule(90.0, y + 20.0, 300.0, y - 10.0, 3.0),
                    Color::hex(0xa04000),
                );
                for k in 0..5 {
                    let x = 120.0 + k as f32 * 38.0;
                    let yy = y + 16.0 - k as f32 * 6.0;
                    let col = if k % 2 == 0 {
                        accent
                    } else {
                        Color::hex(0x229954)
                    };
                    c.fill(&rect(x, yy, 16.0, 16.0, 6.0), col);
                }
            }
        }
    }
}

fn draw_burger(c: &mut Canvas, accent: Color) {
    c.shadow(&ellipse(196.0, 300.0, 140.0, 26.0));
    c.fill(
        &rect(192.0, 300.0, 160.0, 16.0, 10.0),
        Color::hex(0xa0522d).darker(0.2),
    );
    let bun = Color::hex(0xe59866);
    c.fill(&rect(192.0, 270.0, 118.0, 22.0, 18.0), bun.darker(0.1));
    c.fill(&rect(192.0, 238.0, 126.0, 20.0, 14.0), Color::hex(0x5d4037));
    c.fill(&rect(192.0, 222.0, 130.0, 10.0, 8.0), accent);
    c.fill(
        &clip(
            rect(192.0, 226.0, 134.0, 12.0, 4.0),
            rect(192.0, 232.0, 120.0, 22.0, 2.0),
        ),
        accent.darker(0.1),
    );
    for i in 0..7 {
        let x = 90.0 + i as f32 * 34.0;
        c.fill(&circle(x, 208.0, 17.0), Color::hex(0x58d68d));
    }
    c.fill(&rect(192.0, 204.0, 122.0, 9.0, 6.0), Color::hex(0xe74c3c));
    let dome = clip(
        ellipse(192.0, 200.0, 128.0, 96.0),
        rect(192.0, 150.0, 140.0, 50.0, 0.0),
    );
    c.fill(&dome, bun);
    c.fill(
        &clip(ellipse(170.0, 150.0, 70.0, 40.0), dome_top()),
        bun.lighter(0.25),
    );
    for _ in 0..16 {
        let (x, y) = (110.0 + c.random() * 160.0, 125.0 + c.random() * 60.0);
        if ellipse(192.0, 200.0, 120.0, 88.0).dist(x, y) < 0.0 {
            c.fill(&ellipse(x, y, 4.0, 2.0), Color::hex(0xfdf2e9));
        }
    }
}

fn dome_top() -> Shape {
    ellipse(192.0, 200.0, 124.0, 92.0)
}

fn draw_cake(c: &mut Canvas, accent: Color) {
    plate(c);
    let sponge = accent;
    let cream = Color::hex(0xfdf2e9);
    // a slice seen from the side: layers of sponge and cream under a glaze
    let (cx, top, w) = (192.0, 130.0, 110.0);
    c.fill(&rect(cx, top + 75.0, w, 75.0, 10.0), sponge.darker(0.15));
    for i in 0..3 {
        let y = top + 30.0 + i as f32 * 42.0;
        c.fill(&rect(cx, y, w - 2.0, 6.0, 3.0), cream);
    }
    c.fill(
        &rect(cx, top + 6.0, w + 4.0, 12.0, 10.0),
        sponge.darker(0.35).mix(cream, 0.15),
    );
    for i in 0..5 {
        let x = cx - w + 20.0 + i as f32 * 45.0;
        c.fill(
            &ellipse(x, top + 17.0, 10.0, 13.0),
            sponge.darker(0.35).mix(cream, 0.15),
        );
    }
    c.fill(&circle(cx + 10.0, top - 10.0, 16.0), Color::hex(0xc0392b));
    c.fill(&circle(cx + 5.0, top - 15.0, 5.0), Color::hex(0xf5b7b1));
    c.fill(
        &capsule(cx + 10.0, top - 24.0, cx + 24.0, top - 44.0, 2.0),
        Color::hex(0x1e8449),
    );
}

fn draw_juice(c: &mut Canvas, accent: Color) {
    c.shadow(&ellipse(196.0, 330.0, 90.0, 18.0));
    let glass = rect(192.0, 210.0, 78.0, 122.0, 18.0);
    c.fill_soft(&glass, Color::hex(0xfdfefe), 0.55, 1.0);
    c.fill(
        &clip(
            rect(192.0, 222.0, 70.0, 108.0, 14.0),
            rect(192.0, 262.0, 80.0, 90.0, 0.0),
        ),
        accent,
    );
    c.fill_soft(
        &rect(165.0, 220.0, 8.0, 90.0, 8.0),
        Color::hex(0xffffff),
        0.35,
        1.0,
    );
    c.fill(
        &capsule(222.0, 80.0, 206.0, 230.0, 7.0),
        Color::hex(0xe74c3c),
    );
    c.fill(
        &capsule(222.0, 80.0, 206.0, 230.0, 3.0),
        Color::hex(0xfadbd8),
    );
    // fruit slice on the rim
    c.fill(&circle(262.0, 100.0, 36.0), accent.darker(0.1));
    c.fill(&circle(262.0, 100.0, 30.0), accent.lighter(0.35));
    for k in 0..8 {
        let a = k as f32 * std::f32::consts::TAU / 8.0;
        c.fill(
            &capsule(
                262.0,
                100.0,
                262.0 + a.cos() * 26.0,
                100.0 + a.sin() * 26.0,
                1.2,
            ),
            accent.lighter(0.7),
        );
    }
    for _ in 0..14 {
        let (x, y) = (140.0 + c.random() * 104.0, 190.0 + c.random() * 120.0);
        c.fill_soft(&circle(x, y, 3.0), Color::hex(0xffffff), 0.4, 1.0);
    }
}

/// A PNG picture of one dish. `variant` is the dish's index within its category.
pub fn dish_png(category_slug: &str, variant: usize, accent: u32, seed: u64) -> Vec<u8> {
    let accent = Color::hex(accent);
    let (top, bottom) = match category_slug {
        "juices" => (Color::hex(0xfef9e7), accent.lighter(0.55)),
        "cakes" => (Color::hex(0xfdedec), Color::hex(0xf5cba7)),
        "burgers" => (Color::hex(0xfef5e7), Color::hex(0xf0b27a)),
        "salads" | "rice-bowls" => (Color::hex(0xeafaf1), Color::hex(0xa9dfbf)),
        _ => (Color::hex(0xfdf2e9), Color::hex(0xe59866)),
    };
    let mut c = Canvas::new(top, bottom.lighter(0.2));
    c.rng = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    match category_slug {
        "breakfast" => draw_breakfast(&mut c, accent, variant),
        "rice-bowls" => draw_rice_bowl(&mut c, accent),
        "salads" => draw_salad(&mut c, accent),
        "chicken" => draw_chicken(&mut c, accent, variant),
        "beef" => draw_beef(&mut c, accent, variant),
        "burgers" => draw_burger(&mut c, accent),
        "cakes" => draw_cake(&mut c, accent),
        _ => draw_juice(&mut c, accent),
    }
    c.into_png()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dish_pictures_decode_and_differ() {
        let a = dish_png("juices", 0, 0xf39c12, 1);
        let b = dish_png("juices", 1, 0x52be80, 2);
        let ia = image::load_from_memory(&a).unwrap().to_rgb8();
        let ib = image::load_from_memory(&b).unwrap().to_rgb8();
        assert_eq!(ia.dimensions(), (SIZE, SIZE));
        assert_ne!(ia.as_raw(), ib.as_raw());
        // the picture is not one flat colour
        let first = ia.get_pixel(0, 0);
        assert!(ia.pixels().filter(|p| *p != first).count() > (SIZE * SIZE / 2) as usize);
    }
}

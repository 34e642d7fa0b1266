//! The menu's gallery as the customer moves through it: the chosen category, the products
//! under it, where the grid is scrolled to and how a flung grid glides; the grid's geometry as
//! pure functions. Drawn by `scenes/gallery.rs`, which keeps only a small pool of card
//! entities, so the cost of a frame does not depend on the size of the catalog.

use std::ops::Range;

use bevy::prelude::*;

use crate::catalog::Catalog;
use crate::schedule::KioskSet;
use crate::screen::Screen;

pub const PAD: f32 = 40.0;
pub const GAP: f32 = 28.0;
pub const MIN_CARD_WIDTH: f32 = 300.0;
const TEXT_BLOCK: f32 = 176.0;
/// Extra rows kept alive above and below the visible ones.
const OVERSCAN_ROWS: usize = 1;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<GalleryView>()
        .add_message::<GalleryAction>()
        .add_systems(
            OnEnter(Screen::Attract),
            forget.run_if(crate::screen::changed_screen),
        )
        .add_systems(
            Update,
            (apply, refresh_items)
                .chain()
                .in_set(KioskSet::Apply)
                .run_if(in_state(Screen::Gallery)),
        );
}

/// What the customer does to the gallery itself (opening and adding dishes are the shop's).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GalleryAction {
    /// Show one category (`None`: all of them), from the top.
    ChooseCategory(Option<i64>),
}

/// Geometry of the card grid for a given viewport width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridMetrics {
    pub cols: usize,
    pub card_w: f32,
    pub image_h: f32,
    pub card_h: f32,
    pub row_h: f32,
}

pub fn grid_metrics(viewport_w: f32) -> GridMetrics {
    let usable = (viewport_w - 2.0 * PAD).max(MIN_CARD_WIDTH);
    let cols = (((usable + GAP) / (MIN_CARD_WIDTH + GAP)).floor() as usize).max(1);
    let card_w = (usable - GAP * (cols as f32 - 1.0)) / cols as f32;
    let image_h = (card_w * 0.68).round();
    let card_h = image_h + TEXT_BLOCK;
    GridMetrics {
        cols,
        card_w,
        image_h,
        card_h,
        row_h: card_h + GAP,
    }
}

/// Height of all rows of `total` items.
pub fn content_height(m: &GridMetrics, total: usize) -> f32 {
    let rows = total.div_ceil(m.cols);
    PAD * 2.0 + rows as f32 * m.row_h - if rows > 0 { GAP } else { 0.0 }
}

/// Item indices that need a card at this scroll offset (visible plus overscan rows).
pub fn visible_range(m: &GridMetrics, scroll: f32, viewport_h: f32, total: usize) -> Range<usize> {
    let first_row = ((scroll - PAD) / m.row_h).floor().max(0.0) as usize;
    let first_row = first_row.saturating_sub(OVERSCAN_ROWS);
    let rows = (viewport_h / m.row_h).ceil() as usize + 1 + 2 * OVERSCAN_ROWS;
    let start = (first_row * m.cols).min(total);
    let end = ((first_row + rows) * m.cols).min(total);
    start..end
}

/// Number of card entities the pool needs for this viewport.
pub fn pool_size(m: &GridMetrics, viewport_h: f32) -> usize {
    ((viewport_h / m.row_h).ceil() as usize + 1 + 2 * OVERSCAN_ROWS) * m.cols
}

#[derive(Resource, Default)]
pub struct GalleryView {
    pub category: Option<i64>,
    /// Indices into `Catalog::products` shown under the current tab.
    pub items: Vec<usize>,
    pub scroll: f32,
    /// UI pixels a second, while flung.
    pub velocity: f32,
    pub dragging: bool,
    pub viewport: Vec2,
    items_for: Option<(Option<i64>, usize)>,
}

impl GalleryView {
    pub fn max_scroll(&self) -> f32 {
        let m = grid_metrics(self.viewport.x);
        (content_height(&m, self.items.len()) - self.viewport.y).max(0.0)
    }

    /// A finger came down on the grid: whatever glide there was stops.
    pub fn hold(&mut self) {
        self.dragging = true;
        self.velocity = 0.0;
    }

    /// The finger moved `dy` pixels down in `dt` seconds: the grid follows it, and the
    /// smoothed finger speed is kept for the glide after release.
    pub fn drag(&mut self, dy: f32, dt: f32) {
        self.scroll = (self.scroll - dy).clamp(0.0, self.max_scroll());
        let dt = dt.max(1.0 / 240.0);
        self.velocity = self.velocity * 0.6 + (-dy / dt) * 0.4;
    }

    pub fn release(&mut self) {
        self.dragging = false;
    }

    /// A wheel or other direct scroll by `by` pixels (down is positive).
    pub fn scroll_by(&mut self, by: f32) {
        self.velocity = 0.0;
        self.scroll = (self.scroll + by).clamp(0.0, self.max_scroll());
    }

    /// Moves a released, flung grid on by `dt` seconds, slowing it down. Returns whether it
    /// is still gliding (the next frame must come without a touch).
    pub fn glide(&mut self, dt: f32) -> bool {
        if self.dragging || self.velocity.abs() <= 1.0 {
            return false;
        }
        let max = self.max_scroll();
        let v = self.velocity;
        self.scroll = (self.scroll + v * dt).clamp(0.0, max);
        // Friction: the fling dies out in about a second.
        self.velocity = v * (-4.0 * dt).exp();
        // At the end of the list, or too slow to see: the glide is over.
        if self.scroll <= 0.0 || self.scroll >= max || self.velocity.abs() <= 1.0 {
            self.velocity = 0.0;
        }
        self.velocity.abs() > 1.0
    }
}

/// The next customer starts on "All", at the top.
fn forget(mut view: ResMut<GalleryView>) {
    *view = GalleryView::default();
}

fn apply(mut actions: MessageReader<GalleryAction>, mut view: ResMut<GalleryView>) {
    for action in actions.read() {
        match *action {
            GalleryAction::ChooseCategory(category) => {
                view.category = category;
                view.scroll = 0.0;
                view.velocity = 0.0;
            }
        }
    }
}

/// The products under the chosen category, in the catalog's order.
fn refresh_items(catalog: Res<Catalog>, mut view: ResMut<GalleryView>) {
    let key = (view.category, catalog.products.len());
    if view.items_for == Some(key) && !catalog.is_changed() {
        return;
    }
    let category = view.category;
    view.items = catalog
        .products
        .iter()
        .enumerate()
        .filter(|(_, p)| category.is_none_or(|c| p.category_id == c))
        .map(|(i, _)| i)
        .collect();
    view.items_for = Some(key);
    let max = view.max_scroll();
    view.scroll = view.scroll.min(max);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_fits_the_width() {
        let m = grid_metrics(1920.0);
        assert_eq!(m.cols, 5);
        let used = 2.0 * PAD + m.cols as f32 * m.card_w + (m.cols as f32 - 1.0) * GAP;
        assert!((used - 1920.0).abs() < 0.01);
        assert_eq!(grid_metrics(1080.0).cols, 3);
        assert_eq!(grid_metrics(200.0).cols, 1);
    }

    #[test]
    fn visible_cards_do_not_grow_with_the_catalog() {
        let m = grid_metrics(1920.0);
        let pool = pool_size(&m, 850.0);
        for total in [100, 1_000, 10_000, 1_000_000] {
            let max_scroll = content_height(&m, total) - 850.0;
            for scroll in [0.0, max_scroll / 3.0, max_scroll] {
                let r = visible_range(&m, scroll, 850.0, total);
                assert!(r.len() <= pool, "{} cards for {total} products", r.len());
                assert!(!r.is_empty());
            }
        }
        // The last item is reachable.
        let total = 10_000;
        let r = visible_range(&m, content_height(&m, total) - 850.0, 850.0, total);
        assert_eq!(r.end, total);
    }

    fn long_view() -> GalleryView {
        GalleryView {
            items: (0..500).collect(),
            viewport: Vec2::new(1920.0, 850.0),
            ..default()
        }
    }

    #[test]
    fn a_fling_glides_on_slows_down_and_stops_by_itself() {
        let mut view = long_view();
        view.hold();
        for _ in 0..5 {
            view.drag(-40.0, 1.0 / 60.0);
        }
        let held_at = view.scroll;
        assert_eq!(held_at, 200.0);
        view.release();
        let mut frames = 0;
        while view.glide(1.0 / 60.0) {
            frames += 1;
            assert!(frames < 600, "still gliding after ten seconds");
        }
        assert!(view.scroll > held_at, "the glide carried the grid on");
        assert!(frames > 10, "stopped at once ({frames} frames)");
        assert_eq!(view.velocity, 0.0);
    }

    #[test]
    fn the_grid_never_scrolls_past_either_end() {
        let mut view = long_view();
        view.scroll_by(-100.0);
        assert_eq!(view.scroll, 0.0);
        view.scroll_by(1e9);
        assert_eq!(view.scroll, view.max_scroll());
        view.hold();
        view.drag(-1e6, 1.0 / 60.0);
        view.release();
        assert!(!view.glide(1.0 / 60.0), "no glide past the end");
        assert_eq!(view.scroll, view.max_scroll());
    }

    #[test]
    fn a_held_grid_does_not_glide() {
        let mut view = long_view();
        view.hold();
        view.drag(-40.0, 1.0 / 60.0);
        assert!(!view.glide(1.0 / 60.0));
    }
}

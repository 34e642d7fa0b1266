//! Product gallery: category tabs over a virtualised grid of product cards.
//!
//! Only the cards on and next to the screen exist as entities; scrolling moves a small pool
//! of card slots and gives each the product now under it, so the cost of a frame does not
//! depend on the size of the catalog. Scrolls by touch drag (with inertia) and mouse wheel.

use std::ops::Range;

use bevy::diagnostic::FrameCount;
use bevy::input::mouse::{MouseScrollUnit, MouseWheel};
use bevy::picking::events::{Click, Drag, DragEnd, DragStart, Pointer};
use bevy::prelude::*;

use crate::schedule::KioskSet;
use bevy::window::{PrimaryWindow, RequestRedraw};

use crate::bridge::Bridge;
use crate::catalog::{Catalog, LoadState, ProductImages};
use crate::i18n::{I18n, arg};
use crate::screen::Screen;
use crate::session::{CustomerSession, ShopAction};
use crate::ui::redraw::KeepAwake;
use crate::ui::theme::{self, RADIUS, TOUCH, size};
use crate::ui::widgets::{self, TAP_SLOP, TapGuard};

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<GalleryView>()
        .add_systems(OnEnter(Screen::Gallery), spawn)
        .add_systems(OnEnter(Screen::Attract), forget)
        .add_systems(
            Update,
            (
                build_tabs,
                refresh_items,
                measure_viewport,
                scroll,
                layout_cards,
                show_status,
                highlight_tabs,
            )
                .chain()
                .run_if(in_state(Screen::Gallery))
                .in_set(KioskSet::Draw),
        )
        .init_resource::<FirstPaint>()
        .add_systems(Update, report_first_paint.in_set(KioskSet::Draw));
}

/// When the first cards with products were laid out, and whether the frame showing them has
/// reached the screen (the start-up benchmark waits for that log line).
#[derive(Resource, Default)]
pub struct FirstPaint {
    laid_out_in: Option<u32>,
    presented: bool,
}

/// With pipelined rendering a frame is drawn while the next one updates; once two more frames
/// have begun, the one with the first cards has been rendered and presented.
fn report_first_paint(
    frame: Res<FrameCount>,
    mut first_paint: ResMut<FirstPaint>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let Some(laid_out) = first_paint.laid_out_in else {
        return;
    };
    if first_paint.presented {
        return;
    }
    if frame.0.wrapping_sub(laid_out) >= 2 {
        first_paint.presented = true;
        info!("gallery: first frame with products presented");
    } else {
        redraw.write(RequestRedraw);
    }
}

pub const PAD: f32 = 40.0;
pub const GAP: f32 = 28.0;
pub const MIN_CARD_WIDTH: f32 = 300.0;
const TEXT_BLOCK: f32 = 176.0;
/// Extra rows kept alive above and below the visible ones.
const OVERSCAN_ROWS: usize = 1;

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

/// The next customer starts on "All", at the top.
fn forget(mut view: ResMut<GalleryView>) {
    *view = GalleryView::default();
}

#[derive(Resource, Default)]
pub struct GalleryView {
    pub category: Option<i64>,
    /// Indices into `Catalog::products` shown under the current tab.
    pub items: Vec<usize>,
    pub scroll: f32,
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
}

#[derive(Component)]
struct Viewport;

#[derive(Component)]
struct TabRow;

#[derive(Component)]
struct Tab(Option<i64>);

#[derive(Component)]
struct StatusBanner;

/// One recycled card; `product` is what it shows now.
#[derive(Component)]
pub struct CardSlot {
    pub product: Option<i64>,
    image: Entity,
    name: Entity,
    price: Entity,
    add: Entity,
    image_shown: bool,
}

fn spawn(
    mut commands: Commands,
    session: Res<CustomerSession>,
    i18n: Res<I18n>,
    mut view: ResMut<GalleryView>,
    window: Query<&Window, With<PrimaryWindow>>,
) {
    view.velocity = 0.0;
    view.dragging = false;
    // The grid is measured only after its first layout; until then the window's size lets the
    // first frame already show cards (a frame or two sooner, each 50–100 ms in software).
    if view.viewport.x <= 0.0
        && let Ok(window) = window.single()
    {
        view.viewport = Vec2::new(window.width(), window.height());
    }
    commands
        .spawn((
            widgets::scene_root("Gallery"),
            DespawnOnExit(Screen::Gallery),
        ))
        .with_children(|root| {
            widgets::spawn_header(root, &session, &i18n, &i18n.t("gallery-hint"));
            root.spawn((
                TabRow,
                Name::new("Tabs"),
                Node {
                    width: Val::Percent(100.0),
                    flex_shrink: 0.0,
                    padding: UiRect::new(Val::Px(PAD), Val::Px(PAD), Val::Px(24.0), Val::Px(0.0)),
                    column_gap: Val::Px(12.0),
                    // Every category stays reachable: tabs that do not fit (Russian, large
                    // text) go on a second row rather than being squeezed or cut off.
                    flex_wrap: FlexWrap::Wrap,
                    row_gap: Val::Px(12.0),
                    ..default()
                },
            ));
            root.spawn((
                Viewport,
                Name::new("Grid viewport"),
                Node {
                    width: Val::Percent(100.0),
                    flex_grow: 1.0,
                    overflow: Overflow::clip(),
                    ..default()
                },
            ))
            .observe(|_: On<Pointer<DragStart>>, mut view: ResMut<GalleryView>| {
                view.dragging = true;
                view.velocity = 0.0;
            })
            .observe(
                |drag: On<Pointer<Drag>>, mut view: ResMut<GalleryView>, time: Res<Time>| {
                    let dy = drag.event.delta.y;
                    let max = view.max_scroll();
                    view.scroll = (view.scroll - dy).clamp(0.0, max);
                    let dt = time.delta_secs().max(1.0 / 240.0);
                    // Smoothed finger speed, used for inertia after release.
                    view.velocity = view.velocity * 0.6 + (-dy / dt) * 0.4;
                },
            )
            .observe(|_: On<Pointer<DragEnd>>, mut view: ResMut<GalleryView>| {
                view.dragging = false;
            })
            .with_children(|vp| {
                vp.spawn((
                    StatusBanner,
                    Node {
                        position_type: PositionType::Absolute,
                        left: Val::Px(PAD),
                        top: Val::Px(PAD),
                        ..default()
                    },
                    theme::text("", size::HEADING, theme::MUTED),
                ));
            });
        });
}

fn build_tabs(
    mut commands: Commands,
    catalog: Res<Catalog>,
    i18n: Res<I18n>,
    rows: Query<(Entity, Option<&Children>), With<TabRow>>,
) {
    let Ok((row, children)) = rows.single() else {
        return;
    };
    if children.is_some_and(|c| !c.is_empty()) || catalog.categories.is_empty() {
        return;
    }
    let tabs =
        std::iter::once((None, i18n.t("category-all"))).chain(catalog.categories.iter().map(|c| {
            // Categories of the demo menu have translations; others show the backend's name.
            let key = format!("category-{}", c.slug);
            let name = i18n.t(&key);
            (Some(c.id), if name == key { c.name.clone() } else { name })
        }));
    commands.entity(row).with_children(|r| {
        for (id, name) in tabs {
            r.spawn((
                Tab(id),
                widgets::button(Val::Auto, Val::Px(TOUCH), widgets::SECONDARY),
            ))
            .with_child(theme::bold_text(name, size::BODY, theme::TEXT))
            .observe(
                move |mut click: On<Pointer<Click>>,
                      mut view: ResMut<GalleryView>,
                      guard: Res<TapGuard>| {
                    click.propagate(false);
                    if guard.dragged <= TAP_SLOP {
                        view.category = id;
                        view.scroll = 0.0;
                        view.velocity = 0.0;
                    }
                },
            );
        }
    });
}

fn highlight_tabs(
    view: Res<GalleryView>,
    new_tabs: Query<(), Added<Tab>>,
    mut tabs: Query<(
        &Tab,
        &mut widgets::ButtonColors,
        &mut BackgroundColor,
        &Children,
    )>,
    mut texts: Query<&mut TextColor>,
) {
    if !view.is_changed() && new_tabs.is_empty() {
        return;
    }
    for (tab, mut colors, mut bg, children) in &mut tabs {
        let active = tab.0 == view.category;
        *colors = if active {
            widgets::PRIMARY
        } else {
            widgets::SECONDARY
        };
        bg.0 = colors.normal;
        for c in children.iter() {
            if let Ok(mut t) = texts.get_mut(c) {
                t.0 = if active {
                    theme::ON_PRIMARY
                } else {
                    theme::TEXT
                };
            }
        }
    }
}

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

fn measure_viewport(mut view: ResMut<GalleryView>, viewport: Query<&ComputedNode, With<Viewport>>) {
    if let Ok(node) = viewport.single() {
        let size = node.size() * node.inverse_scale_factor();
        if size != view.viewport && size.x > 0.0 {
            view.viewport = size;
        }
    }
}

fn scroll(
    mut view: ResMut<GalleryView>,
    mut wheel: MessageReader<MouseWheel>,
    time: Res<Time>,
    mut awake: MessageWriter<KeepAwake>,
) {
    let mut delta = 0.0;
    for w in wheel.read() {
        delta -= match w.unit {
            MouseScrollUnit::Line => w.y * 90.0,
            MouseScrollUnit::Pixel => w.y,
        };
    }
    let max = view.max_scroll();
    if delta != 0.0 {
        view.velocity = 0.0;
        view.scroll = (view.scroll + delta).clamp(0.0, max);
    } else if !view.dragging && view.velocity.abs() > 1.0 {
        let dt = time.delta_secs();
        let v = view.velocity;
        view.scroll = (view.scroll + v * dt).clamp(0.0, max);
        // Friction: the fling dies out in about a second.
        view.velocity = v * (-4.0 * dt).exp();
        // At the end of the list, or too slow to see: the glide is over.
        if view.scroll <= 0.0 || view.scroll >= max || view.velocity.abs() <= 1.0 {
            view.velocity = 0.0;
        }
    }
    // Still gliding: the next frame must come even with no touch.
    if !view.dragging && view.velocity.abs() > 1.0 {
        awake.write(KeepAwake);
    }
}

fn spawn_card(commands: &mut Commands, viewport: Entity, i18n: &I18n) -> Entity {
    let mut image = Entity::PLACEHOLDER;
    let mut name = Entity::PLACEHOLDER;
    let mut price = Entity::PLACEHOLDER;
    let mut add = Entity::PLACEHOLDER;
    let card = commands
        .spawn((
            Name::new("Card"),
            Node {
                position_type: PositionType::Absolute,
                flex_direction: FlexDirection::Column,
                overflow: Overflow::clip(),
                border_radius: BorderRadius::all(Val::Px(RADIUS)),
                ..default()
            },
            BackgroundColor(theme::SURFACE),
            BoxShadow::new(
                theme::SHADOW,
                Val::Px(0.0),
                Val::Px(6.0),
                Val::Px(0.0),
                Val::Px(18.0),
            ),
            Visibility::Hidden,
        ))
        .with_children(|c| {
            image = c
                .spawn((
                    Node {
                        width: Val::Percent(100.0),
                        flex_shrink: 0.0,
                        ..default()
                    },
                    BackgroundColor(theme::SECONDARY),
                    ImageNode::default(),
                ))
                .id();
            c.spawn(Node {
                flex_direction: FlexDirection::Column,
                flex_grow: 1.0,
                padding: UiRect::new(Val::Px(22.0), Val::Px(22.0), Val::Px(16.0), Val::Px(18.0)),
                justify_content: JustifyContent::SpaceBetween,
                ..default()
            })
            .with_children(|t| {
                name = t.spawn(theme::bold_text("", size::BODY, theme::TEXT)).id();
                t.spawn(Node {
                    justify_content: JustifyContent::SpaceBetween,
                    align_items: AlignItems::Center,
                    ..default()
                })
                .with_children(|row| {
                    price = row
                        .spawn(theme::bold_text("", size::BODY + 4.0, theme::PRIMARY))
                        .id();
                    // The button keeps its label whole ("+ В корзину" is long); the price
                    // beside it gives way.
                    add = row
                        .spawn(widgets::button(Val::Auto, Val::Px(TOUCH), widgets::PRIMARY))
                        .insert(Node {
                            flex_shrink: 0.0,
                            padding: UiRect::horizontal(Val::Px(18.0)),
                            ..widgets::button_node()
                        })
                        .with_child((
                            theme::bold_text(i18n.t("gallery-add"), size::BODY, theme::ON_PRIMARY),
                            TextLayout::no_wrap(),
                        ))
                        .id();
                });
            });
        })
        .id();
    commands.entity(viewport).add_child(card);
    commands.entity(card).insert(CardSlot {
        product: None,
        image,
        name,
        price,
        add,
        image_shown: false,
    });
    commands.entity(card).observe(
        move |mut click: On<Pointer<Click>>,
              slots: Query<&CardSlot>,
              guard: Res<TapGuard>,
              mut out: MessageWriter<ShopAction>| {
            click.propagate(false);
            if guard.dragged > TAP_SLOP {
                return;
            }
            if let Some(id) = slots.get(card).ok().and_then(|s| s.product) {
                out.write(ShopAction::OpenProduct(id));
            }
        },
    );
    commands.entity(add).observe(
        move |mut click: On<Pointer<Click>>,
              slots: Query<&CardSlot>,
              guard: Res<TapGuard>,
              mut out: MessageWriter<ShopAction>| {
            click.propagate(false);
            if guard.dragged > TAP_SLOP {
                return;
            }
            if let Some(id) = slots.get(card).ok().and_then(|s| s.product) {
                out.write(ShopAction::AddToCart {
                    product_id: id,
                    quantity: 1,
                });
            }
        },
    );
    card
}

/// Crops a picture to the card's image box, keeping its centre (like CSS `object-fit: cover`).
pub fn cover_rect(image: UVec2, box_size: Vec2) -> Rect {
    let (iw, ih) = (image.x as f32, image.y as f32);
    let want = box_size.x / box_size.y.max(1.0);
    if iw / ih > want {
        let w = ih * want;
        Rect::new((iw - w) / 2.0, 0.0, (iw + w) / 2.0, ih)
    } else {
        let h = iw / want;
        Rect::new(0.0, (ih - h) / 2.0, iw, (ih + h) / 2.0)
    }
}

#[allow(clippy::too_many_arguments)]
fn layout_cards(
    mut commands: Commands,
    view: Res<GalleryView>,
    catalog: Res<Catalog>,
    i18n: Res<I18n>,
    bridge: Res<Bridge>,
    mut images: ResMut<ProductImages>,
    image_assets: Res<Assets<Image>>,
    viewport: Query<Entity, With<Viewport>>,
    mut cards: Query<(Entity, &mut CardSlot, &mut Node, &mut Visibility)>,
    mut nodes: Query<(&mut Node, Option<&mut ImageNode>), Without<CardSlot>>,
    mut texts: Query<&mut Text>,
    mut add_colors: Query<(&mut widgets::ButtonColors, &mut BackgroundColor)>,
    frame: Res<FrameCount>,
    mut first_paint: ResMut<FirstPaint>,
) {
    let Ok(viewport) = viewport.single() else {
        return;
    };
    if view.viewport.x <= 0.0 {
        return;
    }
    let m = grid_metrics(view.viewport.x);
    let want = pool_size(&m, view.viewport.y);
    let have = cards.iter().count();
    if have < want {
        for _ in have..want {
            spawn_card(&mut commands, viewport, &i18n);
        }
        // New slots get their content next frame, once they exist.
        return;
    }
    let range = visible_range(&m, view.scroll, view.viewport.y, view.items.len());
    let mut slots: Vec<_> = cards.iter_mut().collect();
    // Each item goes to slot (index mod pool): a card keeps its product while it stays on screen.
    let pool = slots.len();
    let mut used = vec![false; pool];
    for index in range.clone() {
        let s = index % pool;
        used[s] = true;
        let (_, slot, node, vis) = &mut slots[s];
        let product = &catalog.products[view.items[index]];
        let (row, col) = (index / m.cols, index % m.cols);
        let left = PAD + col as f32 * (m.card_w + GAP);
        let top = PAD + row as f32 * m.row_h - view.scroll;
        if node.left != Val::Px(left) || node.top != Val::Px(top) || node.width != Val::Px(m.card_w)
        {
            node.left = Val::Px(left);
            node.top = Val::Px(top);
            node.width = Val::Px(m.card_w);
            node.height = Val::Px(m.card_h);
        }
        if **vis != Visibility::Inherited {
            **vis = Visibility::Inherited;
        }
        if slot.product != Some(product.id) {
            slot.product = Some(product.id);
            slot.image_shown = false;
            if let Ok(mut t) = texts.get_mut(slot.name) {
                t.0 = if product.available {
                    product.name.clone()
                } else {
                    i18n.t_args("gallery-sold-out", &[arg("name", product.name.clone())])
                };
            }
            if let Ok(mut t) = texts.get_mut(slot.price) {
                t.0 = product.price.display();
            }
            if let Ok((mut colors, mut bg)) = add_colors.get_mut(slot.add) {
                *colors = if product.available {
                    widgets::PRIMARY
                } else {
                    widgets::SECONDARY
                };
                bg.0 = colors.normal;
            }
            if let Ok((mut n, _)) = nodes.get_mut(slot.add) {
                n.display = if product.available {
                    Display::Flex
                } else {
                    Display::None
                };
            }
            if let Ok((mut n, Some(mut img))) = nodes.get_mut(slot.image) {
                n.height = Val::Px(m.image_h);
                img.image = Handle::default();
                img.color = Color::NONE;
            }
        }
        if !slot.image_shown
            && let Some(&file) = product.image_ids.first()
            && let Some(handle) = images.get_or_request(file, &bridge)
            && let Ok((mut n, Some(mut img))) = nodes.get_mut(slot.image)
        {
            n.height = Val::Px(m.image_h);
            let size = image_assets
                .get(&handle)
                .map(|i| i.size())
                .unwrap_or(UVec2::splat(1));
            img.rect = Some(cover_rect(size, Vec2::new(m.card_w, m.image_h)));
            img.image = handle;
            img.color = if product.available {
                Color::WHITE
            } else {
                Color::srgba(1.0, 1.0, 1.0, 0.45)
            };
            slot.image_shown = true;
        }
    }
    if first_paint.laid_out_in.is_none() && !range.is_empty() {
        first_paint.laid_out_in = Some(frame.0);
        info!(
            cards = range.len(),
            products = view.items.len(),
            "gallery: first frame with products"
        );
    }
    for (s, (_, slot, _, vis)) in slots.iter_mut().enumerate() {
        if !used[s] && **vis != Visibility::Hidden {
            **vis = Visibility::Hidden;
            slot.product = None;
        }
    }
}

fn show_status(
    catalog: Res<Catalog>,
    view: Res<GalleryView>,
    i18n: Res<I18n>,
    mut banner: Query<&mut Text, With<StatusBanner>>,
    time: Res<Time>,
) {
    let msg = match &catalog.state {
        LoadState::Connecting => i18n.t("attract-connecting"),
        LoadState::Loading if catalog.products.is_empty() => i18n.t("attract-loading"),
        // The technical reason (with its URL) goes to the log, not to the customer.
        LoadState::Failed { retry_at, .. } => {
            let wait = (retry_at - time.elapsed_secs_f64()).max(0.0).ceil();
            if wait.is_finite() {
                i18n.t_args("gallery-failed", &[arg("seconds", wait)])
            } else {
                i18n.t("gallery-failed-final")
            }
        }
        _ if view.items.is_empty() && catalog.is_ready() => i18n.t("gallery-empty"),
        _ => String::new(),
    };
    for mut t in &mut banner {
        if t.0 != msg {
            t.0 = msg.clone();
        }
    }
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

    #[test]
    fn cover_crop_keeps_the_centre() {
        let r = cover_rect(UVec2::new(400, 400), Vec2::new(200.0, 100.0));
        assert_eq!(r, Rect::new(0.0, 100.0, 400.0, 300.0));
        let r = cover_rect(UVec2::new(400, 200), Vec2::new(100.0, 100.0));
        assert_eq!(r, Rect::new(100.0, 0.0, 300.0, 200.0));
    }
}

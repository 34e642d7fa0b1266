//! Product gallery: category tabs over a virtualised grid of product cards.
//!
//! Only the cards on and next to the screen exist as entities; scrolling moves a small pool
//! of card slots and gives each the product now under it, so the cost of a frame does not
//! depend on the size of the catalog. Scrolls by touch drag (with inertia) and mouse wheel.

use bevy::diagnostic::FrameCount;
use bevy::input::mouse::{MouseScrollUnit, MouseWheel};
use bevy::picking::events::{Drag, DragEnd, DragStart, Pointer};
use bevy::prelude::*;

use crate::schedule::KioskSet;
use bevy::window::{PrimaryWindow, RequestRedraw};

use crate::bridge::Bridge;
use crate::catalog::{Catalog, LoadState, ProductImages};
use crate::gallery::{
    GAP, GalleryAction, GalleryView, PAD, grid_metrics, pool_size, visible_range,
};
use crate::i18n::{I18n, arg};
use crate::screen::Screen;
use crate::session::{CustomerSession, ShopAction};
use crate::ui::redraw::KeepAwake;
use crate::ui::theme::{self, RADIUS, TOUCH, size};
use crate::ui::widgets::{self, Tap};

pub(crate) fn plugin(app: &mut App) {
    app.add_observer(hold_grid)
        .add_observer(drag_grid)
        .add_observer(release_grid)
        .add_systems(OnEnter(Screen::Gallery), spawn)
        .add_systems(
            Update,
            (
                build_tabs,
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
    /// Whether the card shows its product on sale (it is redone when that changes).
    on_sale: bool,
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
    commands.spawn((
        widgets::scene_root("Gallery"),
        DespawnOnExit(Screen::Gallery),
        children![
            widgets::header(&session, &i18n, &i18n.t("gallery-hint")),
            tab_row(),
            grid_viewport(),
        ],
    ));
}

/// The category tabs, filled in once the catalog has its categories. Every category stays
/// reachable: tabs that do not fit (Russian, large text) go on a second row rather than being
/// squeezed or cut off.
fn tab_row() -> impl Bundle {
    (
        TabRow,
        Name::new("Tabs"),
        Node {
            width: Val::Percent(100.0),
            flex_shrink: 0.0,
            padding: UiRect::new(Val::Px(PAD), Val::Px(PAD), Val::Px(24.0), Val::Px(0.0)),
            column_gap: Val::Px(12.0),
            flex_wrap: FlexWrap::Wrap,
            row_gap: Val::Px(12.0),
            ..default()
        },
    )
}

/// Where the cards are laid out (by `layout_cards`, over a pool of card entities) and dragged;
/// the status line (loading, failed, empty) sits in its corner.
fn grid_viewport() -> impl Bundle {
    (
        Viewport,
        Name::new("Grid viewport"),
        Node {
            width: Val::Percent(100.0),
            flex_grow: 1.0,
            overflow: Overflow::clip(),
            ..default()
        },
        children![(
            StatusBanner,
            Node {
                position_type: PositionType::Absolute,
                left: Val::Px(PAD),
                top: Val::Px(PAD),
                ..default()
            },
            theme::text("", size::HEADING, theme::MUTED),
        )],
    )
}

/// The finger on the grid moves it; the view keeps the speed for the glide after release.
fn hold_grid(
    start: On<Pointer<DragStart>>,
    viewports: Query<(), With<Viewport>>,
    mut view: ResMut<GalleryView>,
) {
    if viewports.contains(start.entity) {
        view.hold();
    }
}

fn drag_grid(
    drag: On<Pointer<Drag>>,
    viewports: Query<(), With<Viewport>>,
    mut view: ResMut<GalleryView>,
    time: Res<Time>,
) {
    if viewports.contains(drag.entity) {
        view.drag(drag.event.delta.y, time.delta_secs());
    }
}

fn release_grid(
    end: On<Pointer<DragEnd>>,
    viewports: Query<(), With<Viewport>>,
    mut view: ResMut<GalleryView>,
) {
    if viewports.contains(end.entity) {
        view.release();
    }
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
    let tabs = std::iter::once((None, i18n.t("category-all"))).chain(
        catalog
            .categories
            .iter()
            .map(|c| (Some(c.id), category_name(c, &i18n))),
    );
    for (id, name) in tabs {
        commands.spawn((
            Tab(id),
            widgets::tap_button(
                Val::Auto,
                Val::Px(TOUCH),
                widgets::SECONDARY,
                GalleryAction::ChooseCategory(id),
                theme::bold_text(name, size::BODY, theme::TEXT),
            ),
            ChildOf(row),
        ));
    }
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

fn measure_viewport(mut view: ResMut<GalleryView>, viewport: Query<&ComputedNode, With<Viewport>>) {
    if let Ok(node) = viewport.single() {
        let size = node.size() * node.inverse_scale_factor();
        if size != view.viewport && size.x > 0.0 {
            view.viewport = size;
        }
    }
}

/// The wheel scrolls the grid; a flung grid glides on by itself, frame after frame.
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
    if delta != 0.0 {
        view.scroll_by(delta);
    } else if !view.dragging && view.velocity != 0.0 && view.glide(time.delta_secs()) {
        awake.write(KeepAwake);
    }
}

/// One card of the pool, empty and hidden until `layout_cards` gives it a product. Its parts
/// are spawned first so the slot can name them; the card and its *Add* button carry the
/// product's taps (`Tap`), set with the product.
fn spawn_card(commands: &mut Commands, viewport: Entity, i18n: &I18n) -> Entity {
    let image = commands
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
    let name = commands
        .spawn(theme::bold_text("", size::BODY, theme::TEXT))
        .id();
    let price = commands
        .spawn(theme::bold_text("", size::BODY + 4.0, theme::PRIMARY))
        .id();
    // The button keeps its label whole ("+ В корзину" is long); the price beside it gives way.
    let add = commands
        .spawn((
            Button,
            Node {
                flex_shrink: 0.0,
                padding: UiRect::horizontal(Val::Px(18.0)),
                ..widgets::button_node()
            },
            BackgroundColor(widgets::PRIMARY.normal),
            widgets::PRIMARY,
            children![(
                theme::bold_text(i18n.t("gallery-add"), size::BODY, theme::ON_PRIMARY),
                TextLayout::no_wrap(),
            )],
        ))
        .id();
    commands
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
            theme::shadow(6.0, 18.0),
            Visibility::Hidden,
            CardSlot {
                product: None,
                image,
                name,
                price,
                add,
                image_shown: false,
                on_sale: false,
            },
            ChildOf(viewport),
            Children::spawn((
                WithOneRelated(image),
                Spawn((
                    Node {
                        flex_direction: FlexDirection::Column,
                        flex_grow: 1.0,
                        padding: UiRect::new(
                            Val::Px(22.0),
                            Val::Px(22.0),
                            Val::Px(16.0),
                            Val::Px(18.0),
                        ),
                        justify_content: JustifyContent::SpaceBetween,
                        ..default()
                    },
                    Children::spawn((
                        WithOneRelated(name),
                        Spawn((
                            Node {
                                justify_content: JustifyContent::SpaceBetween,
                                align_items: AlignItems::Center,
                                ..default()
                            },
                            Children::spawn(WithRelated::new([price, add])),
                        )),
                    )),
                )),
            )),
        ))
        .id()
}

/// A category's name in the customer's language: the menu's own translation, else the demo
/// menu's (in the translation files), else the default name.
pub fn category_name(c: &customerclient_api::catalog::Category, i18n: &I18n) -> String {
    if let Some(name) = c.name_in(i18n.language) {
        return name.to_owned();
    }
    let key = format!("category-{}", c.slug);
    if i18n.has(&key) {
        i18n.t(&key)
    } else {
        c.name.clone()
    }
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
        let (card, slot, node, vis) = &mut slots[s];
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
        if slot.product != Some(product.id) || slot.on_sale != product.available {
            slot.product = Some(product.id);
            slot.on_sale = product.available;
            slot.image_shown = false;
            commands
                .entity(*card)
                .insert(Tap(ShopAction::OpenProduct(product.id)));
            commands.entity(slot.add).insert(Tap(ShopAction::AddToCart {
                product_id: product.id,
                quantity: 1,
            }));
            if let Ok(mut t) = texts.get_mut(slot.name) {
                t.0 = if product.available {
                    product.name_in(i18n.language).to_owned()
                } else {
                    let name = product.name_in(i18n.language).to_owned();
                    i18n.t_args("gallery-sold-out", &[arg("name", name)])
                };
            }
            if let Ok(mut t) = texts.get_mut(slot.price) {
                t.0 = i18n.price(&product.price);
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
    fn cover_crop_keeps_the_centre() {
        let r = cover_rect(UVec2::new(400, 400), Vec2::new(200.0, 100.0));
        assert_eq!(r, Rect::new(0.0, 100.0, 400.0, 300.0));
        let r = cover_rect(UVec2::new(400, 200), Vec2::new(100.0, 100.0));
        assert_eq!(r, Rect::new(100.0, 0.0, 300.0, 200.0));
    }
}

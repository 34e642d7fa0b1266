//! Touch widgets as plain bundle functions, the tap → [`ShopAction`] wiring, and the header
//! every shopping scene shares.

use bevy::ecs::hierarchy::ChildSpawner;
use bevy::ecs::spawn::SpawnWith;
use bevy::input::mouse::{MouseButtonInput, MouseWheel};
use bevy::input::touch::TouchInput;
use bevy::picking::events::{Click, Drag, DragEnd, DragStart, Pointer, Press};
use bevy::prelude::*;

use crate::cart::Cart;

use crate::schedule::KioskSet;
use bevy::window::RequestRedraw;

use super::theme::{self, RADIUS, TOUCH, size};
use crate::i18n::{I18n, arg};
use crate::session::{CustomerSession, ShopAction};
use customerclient_api::settings::Language;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<TapGuard>()
        .add_observer(reset_tap_guard)
        .add_observer(track_drag)
        .add_observer(start_touch_scroll)
        .add_observer(touch_scroll)
        .add_observer(end_touch_scroll)
        // One observer per kind of action a `Tap` may carry (two would send it twice).
        .add_observer(send_taps::<ShopAction>)
        .add_observer(send_taps::<crate::tracking::TrackAction>)
        .add_observer(send_taps::<crate::orders::OrdersAction>)
        .add_observer(send_taps::<crate::account::AccountAction>)
        .add_observer(send_taps::<crate::payment::PayAction>)
        .add_observer(send_taps::<crate::gallery::GalleryAction>)
        .add_observer(send_taps::<crate::product::ProductAction>)
        .add_observer(send_taps::<crate::staff::StaffAction>)
        .add_systems(
            Update,
            (
                report_touches.in_set(KioskSet::Input),
                (
                    press_feedback,
                    update_cart_badges,
                    header_title,
                    (fling, show_more_below).chain(),
                )
                    .in_set(KioskSet::Draw),
            ),
        );
}

/// A press that travelled further than this is a drag (scrolling), not a tap.
pub const TAP_SLOP: f32 = 24.0;

/// Distance the current press has been dragged.
#[derive(Resource, Default)]
pub struct TapGuard {
    pub dragged: f32,
}

fn reset_tap_guard(_press: On<Pointer<Press>>, mut guard: ResMut<TapGuard>) {
    guard.dragged = 0.0;
}

fn track_drag(drag: On<Pointer<Drag>>, mut guard: ResMut<TapGuard>) {
    guard.dragged = guard.dragged.max(drag.event.distance.length());
}

pub use super::theme::ButtonColors;

pub const PRIMARY: ButtonColors = ButtonColors {
    normal: theme::PRIMARY,
    pressed: theme::PRIMARY_PRESSED,
};
pub const SECONDARY: ButtonColors = ButtonColors {
    normal: theme::SECONDARY,
    pressed: theme::SECONDARY_PRESSED,
};

/// A rounded, touch-sized button; put its label in as a child.
pub fn button(width: Val, height: Val, colors: ButtonColors) -> impl Bundle {
    (
        Button,
        Node {
            width,
            height,
            ..button_node()
        },
        BackgroundColor(colors.normal),
        colors,
    )
}

/// The layout every button shares. A button never shrinks below its label: the row it is
/// in must wrap or give way elsewhere.
pub fn button_node() -> Node {
    Node {
        flex_shrink: 0.0,
        height: Val::Px(TOUCH),
        min_height: Val::Px(TOUCH),
        min_width: Val::Px(TOUCH),
        justify_content: JustifyContent::Center,
        align_items: AlignItems::Center,
        padding: UiRect::horizontal(Val::Px(28.0)),
        column_gap: Val::Px(12.0),
        border_radius: BorderRadius::all(Val::Px(RADIUS)),
        ..default()
    }
}

/// Tapping the entity sends this message (not when the finger dragged): a button's action as
/// a component, so a button is a plain bundle with its label in `children![]` and nothing to
/// attach after spawning. The kinds of message are registered in this module's plugin.
#[derive(Component, Debug, Clone)]
pub struct Tap<M: Message + Clone>(pub M);

/// A touch-sized button that sends `message` when tapped, labelled with `label`.
pub fn tap_button<M: Message + Clone>(
    width: Val,
    height: Val,
    colors: ButtonColors,
    message: M,
    label: impl Bundle,
) -> impl Bundle {
    (
        button(width, height, colors),
        Tap(message),
        children![label],
    )
}

/// Sends the [`Tap`] message of the entity a click reaches first on its way up from what was
/// under the finger (the label, then its button), and stops the click there.
fn send_taps<M: Message + Clone>(
    mut click: On<Pointer<Click>>,
    taps: Query<&Tap<M>>,
    mut out: MessageWriter<M>,
    guard: Res<TapGuard>,
) {
    let Ok(tap) = taps.get(click.entity) else {
        return;
    };
    click.propagate(false);
    if guard.dragged <= TAP_SLOP {
        out.write(tap.0.clone());
    }
}

/// An observer that sends `action` when the entity is tapped (not dragged).
pub fn on_tap(
    action: ShopAction,
) -> impl FnMut(On<Pointer<Click>>, MessageWriter<ShopAction>, Res<TapGuard>) {
    move |mut click, mut out, guard| {
        click.propagate(false);
        if guard.dragged <= TAP_SLOP {
            out.write(action.clone());
        }
    }
}

/// Like [`on_tap`], for any message (orders, tracking, account actions).
pub fn on_tap_send<M: Message + Clone>(
    message: M,
) -> impl FnMut(On<Pointer<Click>>, MessageWriter<M>, Res<TapGuard>) {
    move |mut click, mut out, guard| {
        click.propagate(false);
        if guard.dragged <= TAP_SLOP {
            out.write(message.clone());
        }
    }
}

fn press_feedback(
    mut buttons: Query<(&Interaction, &ButtonColors, &mut BackgroundColor), Changed<Interaction>>,
) {
    for (interaction, colors, mut bg) in &mut buttons {
        bg.0 = match interaction {
            Interaction::Pressed => colors.pressed,
            _ => colors.normal,
        };
    }
}

/// Any touch, click or wheel keeps the customer's session alive.
fn report_touches(
    mut touches: MessageReader<TouchInput>,
    mut clicks: MessageReader<MouseButtonInput>,
    mut wheels: MessageReader<MouseWheel>,
    mut out: MessageWriter<ShopAction>,
) {
    let any = touches.read().count() + clicks.read().count() + wheels.read().count();
    if any > 0 {
        out.write(ShopAction::Touched);
    }
}

/// The header's title slot, which is also where news appears: the screen's name; the newest
/// toast while one shows; that the kiosk is offline while it is. The slot is laid out with the
/// header, so what it says never covers a heading or a button.
#[derive(Component)]
pub struct HeaderTitle(pub String);

fn header_title(
    conn: Res<crate::connectivity::Connectivity>,
    toasts: Res<crate::notify::Toasts>,
    i18n: Res<I18n>,
    time: Res<Time>,
    mut titles: Query<(&HeaderTitle, &mut Text, &mut TextColor, &mut TextFont)>,
) {
    let now = time.elapsed_secs_f64();
    let news = toasts.visible(now).last();
    // Runs every frame (a toast ends by time): compare borrowed text, allocate only on change.
    let offline = (!conn.online).then(|| i18n.t("offline-banner"));
    for (title, mut text, mut color, mut font) in &mut titles {
        let (want, c, f): (&str, _, _) = match (&offline, news) {
            (Some(o), _) => (o, theme::DANGER, theme::bold(size::SMALL)),
            (None, Some(t)) => (
                &t.text,
                if t.good_news {
                    theme::SUCCESS
                } else {
                    theme::DANGER
                },
                theme::bold(size::BODY),
            ),
            (None, None) => (&title.0, theme::MUTED, theme::font(size::SMALL)),
        };
        if text.0 != want {
            text.0 = want.to_owned();
            color.0 = c;
            *font = f;
        }
    }
}

/// The label of a header's cart button.
#[derive(Component)]
pub struct CartBadge;

fn cart_badge_text(cart: &Cart, i18n: &I18n) -> String {
    match (cart.item_count(), cart.subtotal()) {
        (0, _) | (_, None) => i18n.t("header-cart-empty"),
        (n, Some(total)) => i18n.t_args(
            "header-cart",
            &[arg("count", n), arg("total", i18n.price(&total))],
        ),
    }
}

/// A header's cart button says what is in the cart from the frame it appears, and follows it.
fn update_cart_badges(
    cart: Res<Cart>,
    i18n: Res<I18n>,
    mut badges: Query<(&mut Text, Ref<CartBadge>)>,
) {
    let changed = cart.is_changed() || i18n.is_changed();
    for (mut t, badge) in &mut badges {
        if !changed && !badge.is_added() {
            continue;
        }
        let want = cart_badge_text(&cart, &i18n);
        if t.0 != want {
            t.0 = want;
        }
    }
}

pub const HEADER_HEIGHT: f32 = 112.0;

/// The button that switches between English and Russian.
pub fn language_button(i18n: &I18n) -> impl Bundle {
    let other = match i18n.language {
        Language::En => Language::Ru,
        Language::Ru => Language::En,
    };
    (
        Name::new("Language"),
        tap_button(
            Val::Auto,
            Val::Px(TOUCH),
            SECONDARY,
            ShopAction::SetLanguage(other),
            theme::text(i18n.t("language-other"), size::BODY, theme::TEXT),
        ),
    )
}

/// A header button: never shrinks, its label on one line.
fn header_button(name: &'static str, label: String, colors: ButtonColors) -> impl Bundle {
    let text_color = if colors.normal == PRIMARY.normal {
        theme::ON_PRIMARY
    } else {
        theme::TEXT
    };
    (
        Name::new(name),
        Button,
        Node {
            flex_shrink: 0.0,
            padding: UiRect::horizontal(Val::Px(22.0)),
            ..button_node()
        },
        BackgroundColor(colors.normal),
        colors,
        children![(
            theme::text(label, size::BODY, text_color),
            TextLayout::no_wrap()
        )],
    )
}

/// Store name on the left; language, "Start over" and the cart on the right. Buttons keep
/// their one-line labels; the screen's title between them takes what room is left and wraps
/// or is cut there, never pushing a button off or breaking its label (long Russian labels).
pub fn header(session: &CustomerSession, i18n: &I18n, title: &str) -> impl Bundle {
    let other = match i18n.language {
        Language::En => Language::Ru,
        Language::Ru => Language::En,
    };
    // Who is here decides the two middle buttons: my orders and my settings, or sign in and
    // settings for a guest.
    let (first, second) = match session.signed_in() {
        Some(a) => {
            let name = a.login.clone().unwrap_or_default();
            (
                (
                    "My orders",
                    i18n.t("header-orders"),
                    HeaderTap::Orders(crate::orders::OrdersAction::Open),
                ),
                (
                    "Header button",
                    i18n.t_args("account-welcome", &[arg("name", name)]),
                    HeaderTap::Shop(ShopAction::OpenSettings),
                ),
            )
        }
        None => (
            (
                "Header button",
                i18n.t("header-sign-in"),
                HeaderTap::Account(crate::account::AccountAction::Open),
            ),
            (
                "Header button",
                i18n.t("header-settings"),
                HeaderTap::Shop(ShopAction::OpenSettings),
            ),
        ),
    };
    (
        Name::new("Header"),
        Node {
            width: Val::Percent(100.0),
            height: Val::Px(HEADER_HEIGHT),
            flex_shrink: 0.0,
            padding: UiRect::horizontal(Val::Px(32.0)),
            align_items: AlignItems::Center,
            column_gap: Val::Px(14.0),
            ..default()
        },
        BackgroundColor(theme::SURFACE),
        theme::shadow(4.0, 16.0),
        Children::spawn((
            Spawn((
                super::store_mark::store_mark(i18n, HEADER_HEIGHT - 40.0, size::HEADING),
                Tap(crate::staff::StaffAction::NameTapped),
            )),
            Spawn((
                Name::new("Header title"),
                HeaderTitle(title.to_owned()),
                theme::text(title, size::SMALL, theme::MUTED),
                Node {
                    flex_grow: 1.0,
                    flex_shrink: 1.0,
                    min_width: Val::Px(0.0),
                    max_height: Val::Px(HEADER_HEIGHT - 16.0),
                    margin: UiRect::left(Val::Px(8.0)),
                    overflow: Overflow::clip(),
                    ..default()
                },
            )),
            Spawn((
                header_button("Language", i18n.t("language-other"), SECONDARY),
                Tap(ShopAction::SetLanguage(other)),
            )),
            SpawnWith(move |h: &mut ChildSpawner| {
                for (name, label, tap) in [first, second] {
                    let mut b = h.spawn(header_button(name, label, SECONDARY));
                    match tap {
                        HeaderTap::Shop(m) => b.insert(Tap(m)),
                        HeaderTap::Orders(m) => b.insert(Tap(m)),
                        HeaderTap::Account(m) => b.insert(Tap(m)),
                    };
                }
            }),
            Spawn((
                header_button("Header button", i18n.t("header-start-over"), SECONDARY),
                Tap(ShopAction::StartOver),
            )),
            Spawn((
                Name::new("Cart button"),
                Button,
                Node {
                    flex_shrink: 0.0,
                    padding: UiRect::horizontal(Val::Px(22.0)),
                    ..button_node()
                },
                BackgroundColor(PRIMARY.normal),
                PRIMARY,
                Tap(ShopAction::OpenCart),
                children![(
                    CartBadge,
                    // Filled in by `update_cart_badges` before the frame is drawn.
                    theme::bold_text("", size::BODY, theme::ON_PRIMARY),
                    TextLayout::no_wrap(),
                )],
            )),
        )),
    )
}

/// What a header button in the middle sends.
enum HeaderTap {
    Shop(ShopAction),
    Orders(crate::orders::OrdersAction),
    Account(crate::account::AccountAction),
}

/// The full-screen root node of a scene.
pub fn scene_root(name: &'static str) -> impl Bundle {
    (
        theme::SceneRoot,
        Name::new(name),
        Node {
            width: Val::Percent(100.0),
            height: Val::Percent(100.0),
            flex_direction: FlexDirection::Column,
            ..default()
        },
        BackgroundColor(theme::BACKGROUND),
    )
}

/// A column that follows a finger when its content is taller than it, with a fling when the
/// finger lets go, like the gallery. Its [`MoreBelow`] hint shows while content is hidden below.
#[derive(Component, Debug, Default)]
pub struct TouchScroll {
    /// UI pixels a second, while flung.
    velocity: f32,
    held: bool,
}

/// A scrolling column: content in rows, clipped, scrolled by drags.
pub fn scroll_column(row_gap: f32) -> impl Bundle {
    (
        Node {
            flex_direction: FlexDirection::Column,
            flex_grow: 1.0,
            min_height: Val::Px(0.0),
            row_gap: Val::Px(row_gap),
            overflow: Overflow::scroll_y(),
            ..default()
        },
        ScrollPosition::default(),
        TouchScroll::default(),
    )
}

/// The part of a scene below its header, for a scene that centres one block: when the block is
/// taller than the room (reach mode gives a scene half the screen) it scrolls by touch instead
/// of running off the screen. Put the block in [`centred_in_body`] so its top stays reachable.
pub fn scene_body() -> impl Bundle {
    (
        Node {
            flex_grow: 1.0,
            min_height: Val::Px(0.0),
            flex_direction: FlexDirection::Column,
            overflow: Overflow::scroll_y(),
            ..default()
        },
        ScrollPosition::default(),
        TouchScroll::default(),
    )
}

/// A block centred in a [`scene_body`] with auto margins, not `justify_content`: a centred
/// block taller than its scroller would overflow at the top, out of scrolling's reach.
pub fn centred_in_body(node: Node) -> Node {
    Node {
        margin: UiRect::all(Val::Auto),
        flex_shrink: 0.0,
        ..node
    }
}

/// The "more below" hint of the scroll column `of`; put it over the column's lower edge.
#[derive(Component)]
pub struct MoreBelow {
    pub of: Entity,
}

/// A fading strip with a chevron, for the bottom of a [`scroll_column`]'s container.
pub fn more_below(of: Entity) -> impl Bundle {
    (
        MoreBelow { of },
        Node {
            position_type: PositionType::Absolute,
            left: Val::Px(0.0),
            right: Val::Px(0.0),
            bottom: Val::Px(0.0),
            height: Val::Px(64.0),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::End,
            ..default()
        },
        BackgroundGradient::from(LinearGradient::to_bottom(vec![
            ColorStop::auto(theme::BACKGROUND.with_alpha(0.0)),
            ColorStop::auto(theme::BACKGROUND),
        ])),
        Pickable::IGNORE,
        Visibility::Hidden,
        children![(
            theme::bold_text("↓", size::TITLE, theme::MUTED),
            Pickable::IGNORE
        )],
    )
}

/// The nearest [`TouchScroll`] at or above `entity`.
fn scroller_of(
    entity: Entity,
    scrollers: &Query<(), With<TouchScroll>>,
    parents: &Query<&ChildOf>,
) -> Option<Entity> {
    std::iter::once(entity)
        .chain(parents.iter_ancestors(entity))
        .find(|e| scrollers.contains(*e))
}

fn start_touch_scroll(
    start: On<Pointer<DragStart>>,
    scrollers: Query<(), With<TouchScroll>>,
    parents: Query<&ChildOf>,
    mut scroll: Query<&mut TouchScroll>,
) {
    if let Some(e) = scroller_of(start.entity, &scrollers, &parents)
        && let Ok(mut s) = scroll.get_mut(e)
    {
        s.held = true;
        s.velocity = 0.0;
    }
}

/// Moves the column under the finger. The event bubbles up from what was touched (a line, a
/// button); the nearest column takes it once.
fn touch_scroll(
    mut drag: On<Pointer<Drag>>,
    scrollers: Query<(), With<TouchScroll>>,
    parents: Query<&ChildOf>,
    mut scroll: Query<(&mut ScrollPosition, &mut TouchScroll, &ComputedNode)>,
    ui_scale: Res<UiScale>,
    time: Res<Time>,
) {
    let Some(e) = scroller_of(drag.entity, &scrollers, &parents) else {
        return;
    };
    let Ok((mut pos, mut s, node)) = scroll.get_mut(e) else {
        return;
    };
    drag.propagate(false);
    // Pointer deltas are window pixels; the scroll position is in UI pixels.
    let dy = -drag.event.delta.y / ui_scale.0.max(0.01);
    let max = max_scroll(node);
    pos.y = (pos.y + dy).clamp(0.0, max);
    let dt = time.delta_secs().max(1.0 / 240.0);
    // Smoothed, so one uneven frame does not decide the fling.
    s.velocity = 0.6 * (dy / dt) + 0.4 * s.velocity;
}

fn end_touch_scroll(
    end: On<Pointer<DragEnd>>,
    scrollers: Query<(), With<TouchScroll>>,
    parents: Query<&ChildOf>,
    mut scroll: Query<&mut TouchScroll>,
) {
    if let Some(e) = scroller_of(end.entity, &scrollers, &parents)
        && let Ok(mut s) = scroll.get_mut(e)
    {
        s.held = false;
    }
}

/// How far a column can scroll, in UI pixels.
fn max_scroll(node: &ComputedNode) -> f32 {
    ((node.content_size.y - node.size.y) * node.inverse_scale_factor).max(0.0)
}

/// Friction of a fling, UI pixels a second per second; below the stop speed it ends.
const FLING_FRICTION: f32 = 2400.0;
const FLING_STOP: f32 = 30.0;

fn fling(
    mut scroll: Query<(&mut ScrollPosition, &mut TouchScroll, &ComputedNode)>,
    time: Res<Time>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let dt = time.delta_secs().min(0.1);
    for (mut pos, mut s, node) in &mut scroll {
        if s.held || s.velocity.abs() < FLING_STOP {
            if !s.held {
                s.velocity = 0.0;
            }
            continue;
        }
        let max = max_scroll(node);
        let y = (pos.y + s.velocity * dt).clamp(0.0, max);
        if y == pos.y {
            s.velocity = 0.0;
            continue;
        }
        pos.y = y;
        s.velocity -= s.velocity.signum() * (FLING_FRICTION * dt).min(s.velocity.abs());
        redraw.write(RequestRedraw);
    }
}

fn show_more_below(
    scroll: Query<(&ScrollPosition, &ComputedNode), With<TouchScroll>>,
    mut hints: Query<(&MoreBelow, &mut Visibility)>,
) {
    for (hint, mut vis) in &mut hints {
        let more = scroll
            .get(hint.of)
            .is_ok_and(|(pos, node)| max_scroll(node) - pos.y > 1.0);
        let want = if more {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
        vis.set_if_neq(want);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::camera::NormalizedRenderTarget;
    use bevy::picking::backend::HitData;
    use bevy::picking::pointer::{Location, PointerButton, PointerId};

    fn pointer<E: std::fmt::Debug + Clone + Reflect>(e: E, target: Entity) -> Pointer<E> {
        let location = Location {
            target: NormalizedRenderTarget::None {
                width: 1920,
                height: 1080,
            },
            position: Vec2::ZERO,
        };
        Pointer::new(PointerId::Mouse, location, e, target)
    }

    #[test]
    fn a_drag_on_a_line_scrolls_its_column_once_and_a_fling_carries_on() {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            // Frames of a 60 Hz screen, whatever the test machine's speed.
            .insert_resource(bevy::time::TimeUpdateStrategy::ManualDuration(
                std::time::Duration::from_millis(16),
            ))
            .init_resource::<UiScale>()
            .add_message::<RequestRedraw>()
            .add_observer(start_touch_scroll)
            .add_observer(touch_scroll)
            .add_observer(end_touch_scroll)
            .add_systems(Update, fling);
        let column = app
            .world_mut()
            .spawn((
                ScrollPosition::default(),
                TouchScroll::default(),
                ComputedNode {
                    size: Vec2::new(800.0, 600.0),
                    content_size: Vec2::new(800.0, 2000.0),
                    inverse_scale_factor: 1.0,
                    ..default()
                },
            ))
            .id();
        let row = app.world_mut().spawn(ChildOf(column)).id();
        let line = app.world_mut().spawn(ChildOf(row)).id();
        app.update();
        let hit = HitData::new(Entity::PLACEHOLDER, 0.0, None, None);
        app.world_mut().trigger(pointer(
            DragStart {
                button: PointerButton::Primary,
                hit,
            },
            line,
        ));
        for i in 1..=5 {
            app.world_mut().trigger(pointer(
                Drag {
                    button: PointerButton::Primary,
                    distance: Vec2::new(0.0, -50.0 * i as f32),
                    delta: Vec2::new(0.0, -50.0),
                },
                line,
            ));
            app.update();
        }
        let y = |app: &App| app.world().get::<ScrollPosition>(column).unwrap().y;
        // Bubbling from the line through its row reaches the column; it moves once a drag.
        assert_eq!(y(&app), 250.0);
        app.world_mut().trigger(pointer(
            DragEnd {
                button: PointerButton::Primary,
                distance: Vec2::new(0.0, -250.0),
            },
            line,
        ));
        for _ in 0..5 {
            app.update();
        }
        let flung = y(&app);
        assert!(flung > 250.0, "the fling carried on: {flung}");
        // Dragged far past the end, it stops at the end.
        app.world_mut().trigger(pointer(
            Drag {
                button: PointerButton::Primary,
                distance: Vec2::new(0.0, -5000.0),
                delta: Vec2::new(0.0, -5000.0),
            },
            line,
        ));
        assert_eq!(y(&app), 1400.0);
    }
}

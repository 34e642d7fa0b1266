//! Cart: each line with its picture, quantity stepper and removal; the running subtotal and
//! the way on to checkout.

use bevy::prelude::*;

use crate::schedule::KioskSet;

use crate::bridge::Bridge;
use crate::cart::{Cart, CartLine};
use crate::catalog::ProductImages;
use crate::i18n::{I18n, arg};
use crate::screen::Screen;
use crate::session::{CustomerSession, ShopAction};
use crate::ui::recommend::{self, SuggestFor};
use crate::ui::theme::{self, RADIUS, TOUCH, size};
use crate::ui::widgets;

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Cart), spawn).add_systems(
        Update,
        (rebuild_lines, show_thumbnails)
            .chain()
            .run_if(in_state(Screen::Cart))
            .in_set(KioskSet::Draw),
    );
}

#[derive(Component)]
struct Lines;

#[derive(Component)]
struct Summary;

/// A line's picture: the product's first image, when it has one.
#[derive(Component)]
struct Thumbnail(Option<uuid::Uuid>);

fn spawn(mut commands: Commands, session: Res<CustomerSession>, i18n: Res<I18n>) {
    // The scrollers are spawned first: the hint over each one's lower edge names it.
    let lines = commands.spawn((Lines, widgets::scroll_column(18.0))).id();
    let side = commands.spawn(side_column()).id();
    commands.spawn((
        widgets::scene_root("Cart"),
        DespawnOnExit(Screen::Cart),
        children![
            widgets::header(&session, &i18n, &i18n.t("cart-title")),
            (
                Node {
                    flex_grow: 1.0,
                    padding: UiRect::all(Val::Px(48.0)),
                    column_gap: Val::Px(48.0),
                    min_height: Val::Px(0.0),
                    ..default()
                },
                children![lines_column(lines), side_wrapper(side)],
            ),
        ],
    ));
}

/// The lines, scrolling under a finger, with the hint over their lower edge that says when
/// there are more below. min_width 0: a long line shrinks (its name wraps) instead of pushing
/// the summary off the screen.
fn lines_column(lines: Entity) -> impl Bundle {
    (
        Node {
            flex_grow: 1.0,
            flex_direction: FlexDirection::Column,
            min_height: Val::Px(0.0),
            min_width: Val::Px(0.0),
            ..default()
        },
        Children::spawn((WithOneRelated(lines), Spawn(widgets::more_below(lines)))),
    )
}

/// The summary, and under it what goes with the cart; it scrolls when they are taller than
/// the room (large text, a short screen).
fn side_column() -> impl Bundle {
    (
        Node {
            flex_direction: FlexDirection::Column,
            flex_grow: 1.0,
            min_height: Val::Px(0.0),
            row_gap: Val::Px(24.0),
            overflow: Overflow::scroll_y(),
            ..default()
        },
        ScrollPosition::default(),
        widgets::TouchScroll::default(),
        children![
            (
                Summary,
                Node {
                    width: Val::Percent(100.0),
                    flex_shrink: 0.0,
                    flex_direction: FlexDirection::Column,
                    row_gap: Val::Px(24.0),
                    padding: UiRect::all(Val::Px(36.0)),
                    align_self: AlignSelf::FlexStart,
                    border_radius: BorderRadius::all(Val::Px(RADIUS)),
                    ..default()
                },
                BackgroundColor(theme::SURFACE),
                theme::shadow(6.0, 18.0),
            ),
            recommend::also_bought(SuggestFor::Cart),
        ],
    )
}

/// The side column at its fixed width, with its more-below hint.
fn side_wrapper(side: Entity) -> impl Bundle {
    (
        Node {
            width: Val::Px(560.0),
            flex_shrink: 0.0,
            flex_direction: FlexDirection::Column,
            min_height: Val::Px(0.0),
            ..default()
        },
        Children::spawn((WithOneRelated(side), Spawn(widgets::more_below(side)))),
    )
}

/// A square − or + beside a line's quantity.
fn step_button(label: &str, action: ShopAction) -> impl Bundle {
    widgets::tap_button(
        Val::Px(TOUCH),
        Val::Px(TOUCH),
        widgets::SECONDARY,
        action,
        theme::bold_text(label.to_owned(), size::HEADING, theme::TEXT),
    )
}

/// What an empty cart says in place of its lines.
fn empty_note(i18n: &I18n) -> impl Bundle {
    (
        Node {
            flex_direction: FlexDirection::Column,
            row_gap: Val::Px(18.0),
            ..default()
        },
        children![
            theme::bold_text(i18n.t("cart-empty"), size::TITLE, theme::TEXT),
            theme::text(i18n.t("cart-empty-hint"), size::HEADING, theme::MUTED),
        ],
    )
}

/// One line of the cart: picture, name and unit price, − quantity +, its total, Remove. On a
/// narrow column (Russian, large text) the quantity, total and Remove go to a second line
/// rather than out of the row.
fn cart_line(line: &CartLine, i18n: &I18n) -> impl Bundle {
    let p = &line.product;
    let total = p
        .price
        .checked_mul(i64::from(line.quantity))
        .map(|m| i18n.price(&m))
        .unwrap_or_default();
    (
        Node {
            align_items: AlignItems::Center,
            column_gap: Val::Px(24.0),
            row_gap: Val::Px(12.0),
            flex_wrap: FlexWrap::Wrap,
            padding: UiRect::all(Val::Px(16.0)),
            flex_shrink: 0.0,
            border_radius: BorderRadius::all(Val::Px(RADIUS)),
            ..default()
        },
        BackgroundColor(theme::SURFACE),
        children![
            (
                Thumbnail(p.image_ids.first().copied()),
                Node {
                    width: Val::Px(120.0),
                    height: Val::Px(120.0),
                    flex_shrink: 0.0,
                    border_radius: BorderRadius::all(Val::Px(14.0)),
                    ..default()
                },
                BackgroundColor(theme::SECONDARY),
                ImageNode::default(),
            ),
            (
                Node {
                    flex_direction: FlexDirection::Column,
                    flex_grow: 1.0,
                    row_gap: Val::Px(8.0),
                    ..default()
                },
                children![
                    theme::bold_text(
                        p.name_in(i18n.language).to_owned(),
                        size::HEADING,
                        theme::TEXT
                    ),
                    if p.available {
                        theme::text(
                            i18n.t_args("cart-each", &[arg("price", i18n.price(&p.price))]),
                            size::BODY,
                            theme::MUTED,
                        )
                    } else {
                        theme::text(i18n.t("cart-line-sold-out"), size::BODY, theme::DANGER)
                    },
                ],
            ),
            step_button(
                "−",
                ShopAction::SetQuantity {
                    product_id: p.id,
                    quantity: line.quantity - 1,
                },
            ),
            (
                Node {
                    min_width: Val::Px(64.0),
                    justify_content: JustifyContent::Center,
                    ..default()
                },
                theme::bold_text(line.quantity.to_string(), size::HEADING, theme::TEXT),
            ),
            step_button(
                "+",
                ShopAction::SetQuantity {
                    product_id: p.id,
                    quantity: line.quantity + 1,
                },
            ),
            (
                Node {
                    min_width: Val::Px(150.0),
                    justify_content: JustifyContent::FlexEnd,
                    ..default()
                },
                theme::bold_text(total, size::HEADING, theme::TEXT),
            ),
            widgets::tap_button(
                Val::Auto,
                Val::Px(TOUCH),
                widgets::SECONDARY,
                ShopAction::Remove(p.id),
                theme::text(i18n.t("cart-remove"), size::BODY, theme::DANGER),
            ),
        ],
    )
}

/// The subtotal beside its label.
fn subtotal_row(subtotal: String, i18n: &I18n) -> impl Bundle {
    (
        Node {
            justify_content: JustifyContent::SpaceBetween,
            ..default()
        },
        children![
            theme::text(i18n.t("cart-subtotal"), size::HEADING, theme::TEXT),
            theme::bold_text(subtotal, size::HEADING, theme::TEXT),
        ],
    )
}

fn rebuild_lines(
    mut commands: Commands,
    cart: Res<Cart>,
    i18n: Res<I18n>,
    lines: Query<Entity, With<Lines>>,
    summary: Query<Entity, With<Summary>>,
    added: Query<(), Added<Lines>>,
) {
    if !cart.is_changed() && !i18n.is_changed() && added.is_empty() {
        return;
    }
    let (Ok(lines), Ok(summary)) = (lines.single(), summary.single()) else {
        return;
    };
    commands.entity(lines).despawn_related::<Children>();
    commands.entity(summary).despawn_related::<Children>();
    if cart.is_empty() {
        commands.spawn((empty_note(&i18n), ChildOf(lines)));
    }
    for line in &cart.lines {
        commands.spawn((cart_line(line, &i18n), ChildOf(lines)));
    }
    // The summary: count, subtotal and the way on to checkout (only with something to pay
    // for), and back to the menu.
    let title = theme::bold_text(i18n.t("cart-summary"), size::HEADING, theme::TEXT);
    commands.spawn((title, ChildOf(summary)));
    let count = i18n.t_args("cart-items", &[arg("count", cart.item_count())]);
    commands.spawn((
        theme::text(count, size::BODY, theme::MUTED),
        ChildOf(summary),
    ));
    if let Some(sub) = cart.subtotal() {
        commands.spawn((subtotal_row(i18n.price(&sub), &i18n), ChildOf(summary)));
        let note = theme::text(i18n.t("cart-delivery-note"), size::SMALL, theme::MUTED);
        commands.spawn((note, ChildOf(summary)));
    }
    if cart.has_sold_out() {
        // No way on while a sold-out dish is in the cart: the customer learns it here,
        // not from a refused order after paying.
        let note = theme::bold_text(i18n.t("cart-has-sold-out"), size::BODY, theme::DANGER);
        commands.spawn((note, ChildOf(summary)));
    } else if cart.subtotal().is_some() {
        commands.spawn((
            widgets::tap_button(
                Val::Percent(100.0),
                Val::Px(TOUCH * 1.2),
                widgets::PRIMARY,
                ShopAction::Checkout,
                theme::bold_text(i18n.t("cart-checkout"), size::HEADING, theme::ON_PRIMARY),
            ),
            ChildOf(summary),
        ));
    }
    commands.spawn((
        widgets::tap_button(
            Val::Percent(100.0),
            Val::Px(TOUCH),
            widgets::SECONDARY,
            ShopAction::ShowGallery,
            theme::text(i18n.t("cart-continue"), size::BODY, theme::TEXT),
        ),
        ChildOf(summary),
    ));
}

fn show_thumbnails(
    bridge: Res<Bridge>,
    mut images: ResMut<ProductImages>,
    mut thumbs: Query<(&Thumbnail, &mut ImageNode)>,
) {
    for (t, mut node) in &mut thumbs {
        if let Some(id) = t.0
            && let Some(h) = images.get_or_request(id, &bridge)
            && node.image != h
        {
            node.image = h;
        }
    }
}

//! Cart: each line with its picture, quantity stepper and removal; the running subtotal and
//! the way on to checkout.

use bevy::prelude::*;

use crate::schedule::KioskSet;

use crate::bridge::Bridge;
use crate::cart::Cart;
use crate::catalog::ProductImages;
use crate::i18n::{I18n, arg};
use crate::screen::Screen;
use crate::session::{CustomerSession, ShopAction};
use crate::ui::theme::{self, RADIUS, TOUCH, size};
use crate::ui::widgets;

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Cart), spawn)
        .add_systems(
            Update,
            (rebuild_lines, show_thumbnails)
                .chain()
                .run_if(in_state(Screen::Cart))
                .in_set(KioskSet::Draw),
        )
        .add_systems(
            bevy_egui::EguiPrimaryContextPass,
            draw_also_bought.run_if(in_state(Screen::Cart)),
        );
}

/// Suggestions that go with the cart, under the order summary; a tap adds one.
fn draw_also_bought(
    mut contexts: bevy_egui::EguiContexts,
    cart: Res<Cart>,
    recs: Res<crate::orders::Recommendations>,
    i18n: Res<I18n>,
    mut out: MessageWriter<ShopAction>,
    mut slots: widgets::SlotQuery,
) -> Result {
    let in_cart: Vec<i64> = cart.lines.iter().map(|l| l.product.id).collect();
    let products = recs.for_cart(&in_cart, 3);
    if products.is_empty() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let shown = widgets::show_in_slot(ctx, &mut slots, "cart-also-bought", |ui| {
        crate::ui::recommend::also_bought(ui, &i18n, &products, true, true)
    });
    if let Some(Some(a)) = shown {
        out.write(a);
    }
    Ok(())
}

#[derive(Component)]
struct Lines;

#[derive(Component)]
struct Summary;

#[derive(Component)]
struct Thumbnail(uuid::Uuid);

fn spawn(mut commands: Commands, session: Res<CustomerSession>, i18n: Res<I18n>) {
    commands
        .spawn((widgets::scene_root("Cart"), DespawnOnExit(Screen::Cart)))
        .with_children(|root| {
            widgets::spawn_header(root, &session, &i18n, &i18n.t("cart-title"));
            root.spawn(Node {
                flex_grow: 1.0,
                padding: UiRect::all(Val::Px(48.0)),
                column_gap: Val::Px(48.0),
                min_height: Val::Px(0.0),
                ..default()
            })
            .with_children(|body| {
                // The lines scroll under a finger; the hint over their lower edge says when
                // there are more below.
                // min_width 0: a long line shrinks (its name wraps) instead of pushing the
                // summary off the screen.
                body.spawn(Node {
                    flex_grow: 1.0,
                    flex_direction: FlexDirection::Column,
                    min_height: Val::Px(0.0),
                    min_width: Val::Px(0.0),
                    ..default()
                })
                .with_children(|column| {
                    let lines = column.spawn((Lines, widgets::scroll_column(18.0))).id();
                    column.spawn(widgets::more_below(lines));
                });
                // The summary, and under it the suggestions' egui panel in a slot the
                // layout keeps for it.
                body.spawn(Node {
                    width: Val::Px(560.0),
                    flex_shrink: 0.0,
                    flex_direction: FlexDirection::Column,
                    row_gap: Val::Px(24.0),
                    ..default()
                })
                .with_children(|side| {
                    side.spawn((
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
                        BoxShadow::new(
                            theme::SHADOW,
                            Val::Px(0.0),
                            Val::Px(6.0),
                            Val::Px(0.0),
                            Val::Px(18.0),
                        ),
                    ));
                    side.spawn(widgets::egui_slot("cart-also-bought"));
                });
            });
        });
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
    let cart = &*cart;
    commands.entity(lines).with_children(|list| {
        if cart.is_empty() {
            list.spawn(theme::bold_text(
                i18n.t("cart-empty"),
                size::TITLE,
                theme::TEXT,
            ));
            list.spawn(theme::text(
                i18n.t("cart-empty-hint"),
                size::HEADING,
                theme::MUTED,
            ));
        }
        for line in &cart.lines {
            let p = &line.product;
            list.spawn((
                // On a narrow column (Russian, large text) the quantity, total and Remove go
                // to a second line rather than out of the row.
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
            ))
            .with_children(|row| {
                let mut thumb = row.spawn((
                    Node {
                        width: Val::Px(120.0),
                        height: Val::Px(120.0),
                        flex_shrink: 0.0,
                        border_radius: BorderRadius::all(Val::Px(14.0)),
                        ..default()
                    },
                    BackgroundColor(theme::SECONDARY),
                    ImageNode::default(),
                ));
                if let Some(&id) = p.image_ids.first() {
                    thumb.insert(Thumbnail(id));
                }
                row.spawn(Node {
                    flex_direction: FlexDirection::Column,
                    flex_grow: 1.0,
                    row_gap: Val::Px(8.0),
                    ..default()
                })
                .with_children(|c| {
                    c.spawn(theme::bold_text(p.name.clone(), size::HEADING, theme::TEXT));
                    c.spawn(theme::text(
                        i18n.t_args("cart-each", &[arg("price", p.price.display())]),
                        size::BODY,
                        theme::MUTED,
                    ));
                });
                row.spawn(step_button(
                    "−",
                    ShopAction::SetQuantity {
                        product_id: p.id,
                        quantity: line.quantity - 1,
                    },
                ));
                row.spawn((
                    Node {
                        min_width: Val::Px(64.0),
                        justify_content: JustifyContent::Center,
                        ..default()
                    },
                    theme::bold_text(line.quantity.to_string(), size::HEADING, theme::TEXT),
                ));
                row.spawn(step_button(
                    "+",
                    ShopAction::SetQuantity {
                        product_id: p.id,
                        quantity: line.quantity + 1,
                    },
                ));
                let total = p
                    .price
                    .checked_mul(i64::from(line.quantity))
                    .map(|m| m.display())
                    .unwrap_or_default();
                row.spawn((
                    Node {
                        min_width: Val::Px(150.0),
                        justify_content: JustifyContent::FlexEnd,
                        ..default()
                    },
                    theme::bold_text(total, size::HEADING, theme::TEXT),
                ));
                row.spawn(widgets::tap_button(
                    Val::Auto,
                    Val::Px(TOUCH),
                    widgets::SECONDARY,
                    ShopAction::Remove(p.id),
                    theme::text(i18n.t("cart-remove"), size::BODY, theme::DANGER),
                ));
            });
        }
    });
    commands.entity(summary).with_children(|s| {
        s.spawn(theme::bold_text(
            i18n.t("cart-summary"),
            size::HEADING,
            theme::TEXT,
        ));
        s.spawn(theme::text(
            i18n.t_args("cart-items", &[arg("count", cart.item_count())]),
            size::BODY,
            theme::MUTED,
        ));
        if let Some(sub) = cart.subtotal() {
            s.spawn(Node {
                justify_content: JustifyContent::SpaceBetween,
                ..default()
            })
            .with_children(|r| {
                r.spawn(theme::text(
                    i18n.t("cart-subtotal"),
                    size::HEADING,
                    theme::TEXT,
                ));
                r.spawn(theme::bold_text(sub.display(), size::HEADING, theme::TEXT));
            });
            s.spawn(theme::text(
                i18n.t("cart-delivery-note"),
                size::SMALL,
                theme::MUTED,
            ));
            s.spawn(widgets::tap_button(
                Val::Percent(100.0),
                Val::Px(TOUCH * 1.2),
                widgets::PRIMARY,
                ShopAction::Checkout,
                theme::bold_text(i18n.t("cart-checkout"), size::HEADING, theme::ON_PRIMARY),
            ));
        }
        s.spawn(widgets::tap_button(
            Val::Percent(100.0),
            Val::Px(TOUCH),
            widgets::SECONDARY,
            ShopAction::ShowGallery,
            theme::text(i18n.t("cart-continue"), size::BODY, theme::TEXT),
        ));
    });
}

fn show_thumbnails(
    bridge: Res<Bridge>,
    mut images: ResMut<ProductImages>,
    mut thumbs: Query<(&Thumbnail, &mut ImageNode)>,
) {
    for (t, mut node) in &mut thumbs {
        if let Some(h) = images.get_or_request(t.0, &bridge)
            && node.image != h
        {
            node.image = h;
        }
    }
}

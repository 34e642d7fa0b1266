//! "Customers also bought": a row (product detail) or column (cart) of tappable suggestions,
//! filled from the recommendations the backend sent for what the customer is looking at.

use bevy::prelude::*;
use customerclient_api::catalog::Product;

use super::theme::{self, ButtonColors, RADIUS, TOUCH, size};
use super::widgets::{Tap, button_node};
use crate::cart::Cart;
use crate::i18n::I18n;
use crate::orders::Recommendations;
use crate::schedule::KioskSet;
use crate::session::{CustomerSession, ShopAction};

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(Update, show_suggestions.in_set(KioskSet::Draw));
}

/// What the suggestions go with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestFor {
    /// The dish on the product screen: a tap opens a suggestion.
    Product,
    /// The cart's lines, up to three not already in it, in a column: a tap adds one.
    Cart,
}

/// Where the suggestions are shown; empty (and taking no room) while there are none.
#[derive(Component, Debug)]
pub struct AlsoBought {
    pub suggest_for: SuggestFor,
    shown: Option<Vec<i64>>,
}

/// A place for suggestions in a scene's layout.
pub fn also_bought(suggest_for: SuggestFor) -> impl Bundle {
    (
        Name::new("Customers also bought"),
        AlsoBought {
            suggest_for,
            shown: None,
        },
        Node {
            width: Val::Percent(100.0),
            flex_direction: FlexDirection::Column,
            flex_shrink: 0.0,
            row_gap: Val::Px(10.0),
            ..default()
        },
    )
}

const CHIP: ButtonColors = ButtonColors {
    normal: theme::SURFACE,
    pressed: theme::SECONDARY,
};

/// One suggestion: its name and price; the cart's say "+" and fill the column's width.
fn chip(p: &Product, suggest_for: SuggestFor, i18n: &I18n) -> impl Bundle {
    let (label, action, width) = match suggest_for {
        SuggestFor::Product => (
            format!("{}   {}", p.name_in(i18n.language), i18n.price(&p.price)),
            ShopAction::OpenProduct(p.id),
            Val::Auto,
        ),
        SuggestFor::Cart => (
            format!("+ {}   {}", p.name_in(i18n.language), i18n.price(&p.price)),
            ShopAction::AddToCart {
                product_id: p.id,
                quantity: 1,
            },
            Val::Percent(100.0),
        ),
    };
    (
        Name::new("Suggestion"),
        Button,
        Node {
            width,
            height: Val::Auto,
            min_height: Val::Px(TOUCH * 0.85),
            padding: UiRect::axes(Val::Px(20.0), Val::Px(8.0)),
            justify_content: JustifyContent::FlexStart,
            border: UiRect::all(Val::Px(1.0)),
            border_radius: BorderRadius::all(Val::Px(RADIUS / 2.0)),
            ..button_node()
        },
        BorderColor::all(theme::SECONDARY),
        BackgroundColor(CHIP.normal),
        CHIP,
        Tap(action),
        children![theme::text(label, size::BODY, theme::TEXT)],
    )
}

/// Fills each place with the suggestions for what it goes with, when they change.
fn show_suggestions(
    mut commands: Commands,
    recs: Res<Recommendations>,
    cart: Res<Cart>,
    session: Res<CustomerSession>,
    i18n: Res<I18n>,
    mut places: Query<(Entity, &mut AlsoBought, &mut Node)>,
) {
    // Nothing it shows changed and no new place: no work this frame.
    let changed = recs.is_changed() || cart.is_changed() || session.is_changed();
    let new_place = places.iter_mut().any(|(_, place, _)| place.is_added());
    if !changed && !i18n.is_changed() && !new_place {
        return;
    }
    for (entity, mut place, mut node) in &mut places {
        let products = match place.suggest_for {
            SuggestFor::Product => session
                .selected_product
                .and_then(|id| recs.by_product.get(&id))
                .cloned()
                .unwrap_or_default(),
            SuggestFor::Cart => {
                let in_cart: Vec<i64> = cart.lines.iter().map(|l| l.product.id).collect();
                recs.for_cart(&in_cart, 3)
            }
        };
        let ids: Vec<i64> = products.iter().map(|p| p.id).collect();
        if place.shown.as_ref() == Some(&ids) && !i18n.is_changed() {
            continue;
        }
        commands.entity(entity).despawn_related::<Children>();
        node.display = if ids.is_empty() {
            Display::None
        } else {
            Display::Flex
        };
        if !ids.is_empty() {
            let heading = theme::text(i18n.t("also-bought"), size::BODY, theme::MUTED);
            commands.spawn((heading, ChildOf(entity)));
            let chips = commands
                .spawn((
                    Node {
                        flex_direction: match place.suggest_for {
                            SuggestFor::Product => FlexDirection::Row,
                            SuggestFor::Cart => FlexDirection::Column,
                        },
                        flex_wrap: FlexWrap::Wrap,
                        column_gap: Val::Px(10.0),
                        row_gap: Val::Px(10.0),
                        ..default()
                    },
                    ChildOf(entity),
                ))
                .id();
            for p in &products {
                commands.spawn((chip(p, place.suggest_for, &i18n), ChildOf(chips)));
            }
        }
        place.shown = Some(ids);
    }
}

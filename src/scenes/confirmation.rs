//! Order confirmation: the order number in large type, what was ordered, what to have ready
//! for the courier, the QR code that takes the order home on the customer's phone, and a
//! button (or a timeout) back to the attract screen.

use bevy::prelude::*;
use customerclient_api::orders::{Order, PaymentMethod};
use customerclient_api::payments::PaymentState;

use crate::i18n::{I18n, arg, delivery_key};
use crate::screen::Screen;
use crate::session::{CustomerSession, ShopAction};
use crate::tracking::TrackAction;
use crate::ui::theme::{self, RADIUS, TOUCH, size};
use crate::ui::widgets;

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Confirmation), spawn);
}

fn spawn(mut commands: Commands, session: Res<CustomerSession>, i18n: Res<I18n>) {
    let root = commands
        .spawn((
            widgets::scene_root("Confirmation"),
            DespawnOnExit(Screen::Confirmation),
        ))
        .id();
    let body = commands.spawn((widgets::scene_body(), ChildOf(root))).id();
    let card = commands.spawn((card(), ChildOf(body))).id();
    match &session.last_order {
        Some(order) => {
            commands.entity(card).insert(children![
                (
                    Node {
                        align_items: AlignItems::Center,
                        column_gap: Val::Px(56.0),
                        ..default()
                    },
                    children![
                        (
                            Node {
                                flex_direction: FlexDirection::Column,
                                align_items: AlignItems::Center,
                                flex_shrink: 1.0,
                                row_gap: Val::Px(22.0),
                                ..default()
                            },
                            children![
                                tick(),
                                centred(theme::bold_text(
                                    i18n.t("confirm-thanks"),
                                    size::TITLE,
                                    theme::TEXT
                                )),
                                theme::text(i18n.t("confirm-number"), size::BODY, theme::MUTED),
                                theme::bold_text(
                                    format!("#{}", order.number),
                                    120.0,
                                    theme::PRIMARY
                                ),
                                centred(theme::text(
                                    what_was_ordered(order, &i18n),
                                    size::BODY,
                                    theme::TEXT
                                )),
                                centred(theme::text(
                                    where_it_goes(order, &i18n),
                                    size::BODY,
                                    theme::MUTED
                                )),
                                centred(theme::bold_text(
                                    how_it_is_paid(order, &i18n),
                                    size::HEADING,
                                    theme::TEXT
                                )),
                            ],
                        ),
                        // Beside it, once the backend has made the link.
                        crate::ui::phone_qr::phone_qr(&i18n, order.id),
                    ],
                ),
                next_steps(order.id, &i18n),
            ]);
        }
        None => {
            commands.entity(card).insert(children![theme::bold_text(
                i18n.t("confirm-none"),
                size::TITLE,
                theme::TEXT
            )]);
        }
    }
    commands.spawn((widgets::more_below(body), ChildOf(root)));
}

/// A text centred on its lines when it wraps.
fn centred(text: impl Bundle) -> impl Bundle {
    (text, TextLayout::justify(Justify::Center))
}

/// The white card in the middle of the screen that holds everything.
fn card() -> impl Bundle {
    (
        widgets::centred_in_body(Node {
            flex_direction: FlexDirection::Column,
            align_items: AlignItems::Center,
            row_gap: Val::Px(22.0),
            padding: UiRect::all(Val::Px(56.0)),
            max_width: Val::Px(1640.0),
            min_width: Val::Px(1100.0),
            border_radius: BorderRadius::all(Val::Px(RADIUS * 1.5)),
            ..default()
        }),
        BackgroundColor(theme::SURFACE),
        theme::shadow(12.0, 36.0),
    )
}

/// The green tick above the thanks.
fn tick() -> impl Bundle {
    (
        Node {
            width: Val::Px(120.0),
            height: Val::Px(120.0),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            border_radius: BorderRadius::all(Val::Px(60.0)),
            ..default()
        },
        BackgroundColor(theme::SUCCESS),
        children![theme::bold_text("✓", 72.0, theme::ON_PRIMARY)],
    )
}

fn what_was_ordered(order: &Order, i18n: &I18n) -> String {
    let items: u32 = order.lines.iter().map(|l| l.quantity as u32).sum();
    let names = order
        .lines
        .iter()
        .map(|l| format!("{} × {}", l.quantity, l.name))
        .collect::<Vec<_>>()
        .join(", ");
    i18n.t_args("confirm-items", &[arg("count", items), arg("names", names)])
}

fn where_it_goes(order: &Order, i18n: &I18n) -> String {
    format!(
        "{} · {}, {}",
        i18n.t(delivery_key(order.delivery_method)),
        order.address,
        order.city
    )
}

/// Paid (and with which card), or what to have ready for the courier.
fn how_it_is_paid(order: &Order, i18n: &I18n) -> String {
    let total = || arg("total", i18n.price(&order.total));
    match (order.payment_method, order.payment_state) {
        (_, PaymentState::Paid) => match &order.card {
            Some(c) => i18n.t_args(
                "confirm-paid-card",
                &[
                    total(),
                    arg("brand", c.brand.label()),
                    arg("last4", c.last4.clone()),
                ],
            ),
            None => i18n.t_args("confirm-paid-qr", &[total()]),
        },
        (PaymentMethod::CashOnDelivery, _) => i18n.t_args("confirm-cash", &[total()]),
        (PaymentMethod::CardOnDelivery, _) => i18n.t_args("confirm-terminal", &[total()]),
        _ => i18n.t_args("confirm-total", &[total()]),
    }
}

/// Follow the delivery, or start a new order.
fn next_steps(order: uuid::Uuid, i18n: &I18n) -> impl Bundle {
    let big = Val::Px(TOUCH * 1.2);
    (
        Node {
            column_gap: Val::Px(24.0),
            ..default()
        },
        children![
            (
                Name::new("Track delivery"),
                widgets::tap_button(
                    Val::Px(460.0),
                    big,
                    widgets::SECONDARY,
                    TrackAction::Follow(order),
                    theme::bold_text(i18n.t("confirm-track"), size::HEADING, theme::TEXT),
                ),
            ),
            widgets::tap_button(
                Val::Px(460.0),
                big,
                widgets::PRIMARY,
                ShopAction::StartOver,
                theme::bold_text(
                    i18n.t("confirm-new-order"),
                    size::HEADING,
                    theme::ON_PRIMARY
                ),
            ),
        ],
    )
}

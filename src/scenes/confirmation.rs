//! Order confirmation: the order number in large type, what was ordered, what to have ready
//! for the courier, and a button (or a timeout) back to the attract screen.

use bevy::prelude::*;
use customerclient_api::orders::PaymentMethod;
use customerclient_api::payments::PaymentState;

use crate::i18n::{I18n, arg, delivery_key};
use crate::screen::Screen;
use crate::session::{CustomerSession, ShopAction};
use crate::tracking::TrackAction;
use crate::ui::theme::{self, RADIUS, TOUCH, size};
use crate::ui::widgets::{self, on_tap};

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Confirmation), spawn);
}

fn spawn(mut commands: Commands, session: Res<CustomerSession>, i18n: Res<I18n>) {
    let order = session.last_order.clone();
    commands
        .spawn((
            widgets::scene_root("Confirmation"),
            DespawnOnExit(Screen::Confirmation),
        ))
        .with_children(|root| {
            let body =
                root.spawn(widgets::scene_body())
                    .with_children(|center| {
                        center
                            .spawn((
                                widgets::centred_in_body(Node {
                                    flex_direction: FlexDirection::Column,
                                    align_items: AlignItems::Center,
                                    row_gap: Val::Px(22.0),
                                    padding: UiRect::all(Val::Px(56.0)),
                                    width: Val::Px(1100.0),
                                    border_radius: BorderRadius::all(Val::Px(RADIUS * 1.5)),
                                    ..default()
                                }),
                                BackgroundColor(theme::SURFACE),
                                BoxShadow::new(
                                    theme::SHADOW,
                                    Val::Px(0.0),
                                    Val::Px(12.0),
                                    Val::Px(0.0),
                                    Val::Px(36.0),
                                ),
                            ))
                            .with_children(|card| {
                                let Some(order) = order else {
                                    card.spawn(theme::bold_text(
                                        i18n.t("confirm-none"),
                                        size::TITLE,
                                        theme::TEXT,
                                    ));
                                    return;
                                };
                                card.spawn((
                                    Node {
                                        width: Val::Px(120.0),
                                        height: Val::Px(120.0),
                                        justify_content: JustifyContent::Center,
                                        align_items: AlignItems::Center,
                                        border_radius: BorderRadius::all(Val::Px(60.0)),
                                        ..default()
                                    },
                                    BackgroundColor(theme::SUCCESS),
                                ))
                                .with_child(theme::bold_text("✓", 72.0, theme::ON_PRIMARY));
                                card.spawn(theme::bold_text(
                                    i18n.t("confirm-thanks"),
                                    size::TITLE,
                                    theme::TEXT,
                                ));
                                card.spawn(theme::text(
                                    i18n.t("confirm-number"),
                                    size::BODY,
                                    theme::MUTED,
                                ));
                                card.spawn(theme::bold_text(
                                    format!("#{}", order.number),
                                    120.0,
                                    theme::PRIMARY,
                                ));
                                let items: u32 =
                                    order.lines.iter().map(|l| l.quantity as u32).sum();
                                let names = order
                                    .lines
                                    .iter()
                                    .map(|l| format!("{} × {}", l.quantity, l.name))
                                    .collect::<Vec<_>>()
                                    .join(", ");
                                card.spawn(theme::text(
                                    i18n.t_args(
                                        "confirm-items",
                                        &[arg("count", items), arg("names", names)],
                                    ),
                                    size::BODY,
                                    theme::TEXT,
                                ));
                                card.spawn(theme::text(
                                    format!(
                                        "{} · {}, {}",
                                        i18n.t(delivery_key(order.delivery_method)),
                                        order.address,
                                        order.city
                                    ),
                                    size::BODY,
                                    theme::MUTED,
                                ));
                                let total = || arg("total", order.total.display());
                                let pay = match (order.payment_method, order.payment_state) {
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
                                    (PaymentMethod::CashOnDelivery, _) => {
                                        i18n.t_args("confirm-cash", &[total()])
                                    }
                                    (PaymentMethod::CardOnDelivery, _) => {
                                        i18n.t_args("confirm-terminal", &[total()])
                                    }
                                    _ => i18n.t_args("confirm-total", &[total()]),
                                };
                                card.spawn(theme::bold_text(pay, size::HEADING, theme::TEXT));
                                card.spawn(Node {
                                    column_gap: Val::Px(24.0),
                                    ..default()
                                })
                                .with_children(|row| {
                                    row.spawn((
                                        Name::new("Track delivery"),
                                        widgets::button(
                                            Val::Px(460.0),
                                            Val::Px(TOUCH * 1.2),
                                            widgets::SECONDARY,
                                        ),
                                    ))
                                    .with_child(theme::bold_text(
                                        i18n.t("confirm-track"),
                                        size::HEADING,
                                        theme::TEXT,
                                    ))
                                    .observe(widgets::on_tap_send(TrackAction::Follow(order.id)));
                                    row.spawn(widgets::button(
                                        Val::Px(460.0),
                                        Val::Px(TOUCH * 1.2),
                                        widgets::PRIMARY,
                                    ))
                                    .with_child(theme::bold_text(
                                        i18n.t("confirm-new-order"),
                                        size::HEADING,
                                        theme::ON_PRIMARY,
                                    ))
                                    .observe(on_tap(ShopAction::StartOver));
                                });
                            });
                    })
                    .id();
            root.spawn(widgets::more_below(body));
        });
}

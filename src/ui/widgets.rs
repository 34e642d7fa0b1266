//! Touch widgets as plain bundle functions, the tap → [`ShopAction`] wiring, and the header
//! every shopping scene shares.

use bevy::input::mouse::{MouseButtonInput, MouseWheel};
use bevy::input::touch::TouchInput;
use bevy::picking::events::{Click, Drag, Pointer, Press};
use bevy::prelude::*;

use super::theme::{self, RADIUS, TOUCH, size};
use crate::i18n::{I18n, arg};
use crate::session::{CustomerSession, ShopAction};
use customerclient_api::settings::Language;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<TapGuard>()
        .add_observer(reset_tap_guard)
        .add_observer(track_drag)
        .add_systems(Update, (press_feedback, report_touches, update_cart_badges));
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

/// Colours of a button at rest and under a finger.
#[derive(Component, Clone, Copy)]
pub struct ButtonColors {
    pub normal: Color,
    pub pressed: Color,
}

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
            min_height: Val::Px(TOUCH),
            min_width: Val::Px(TOUCH),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            padding: UiRect::horizontal(Val::Px(28.0)),
            column_gap: Val::Px(12.0),
            border_radius: BorderRadius::all(Val::Px(RADIUS)),
            ..default()
        },
        BackgroundColor(colors.normal),
        colors,
    )
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

/// The label of a header's cart button.
#[derive(Component)]
pub struct CartBadge;

fn cart_badge_text(session: &CustomerSession, i18n: &I18n) -> String {
    match (session.cart.item_count(), session.cart.subtotal()) {
        (0, _) | (_, None) => i18n.t("header-cart-empty"),
        (n, Some(total)) => i18n.t_args(
            "header-cart",
            &[arg("count", n), arg("total", total.display())],
        ),
    }
}

fn update_cart_badges(
    session: Res<CustomerSession>,
    i18n: Res<I18n>,
    mut badges: Query<&mut Text, With<CartBadge>>,
) {
    if !session.is_changed() && !i18n.is_changed() {
        return;
    }
    for mut t in &mut badges {
        let want = cart_badge_text(&session, &i18n);
        if t.0 != want {
            t.0 = want;
        }
    }
}

pub const HEADER_HEIGHT: f32 = 112.0;

/// The button that switches between English and Russian.
pub fn spawn_language_button(parent: &mut ChildSpawnerCommands, i18n: &I18n) {
    let other = match i18n.language {
        Language::En => Language::Ru,
        Language::Ru => Language::En,
    };
    parent
        .spawn((
            Name::new("Language"),
            button(Val::Auto, Val::Px(TOUCH), SECONDARY),
        ))
        .with_child(theme::text(
            i18n.t("language-other"),
            size::BODY,
            theme::TEXT,
        ))
        .observe(on_tap(ShopAction::SetLanguage(other)));
}

/// Store name on the left; language, "Start over" and the cart on the right.
pub fn spawn_header(
    parent: &mut ChildSpawnerCommands,
    session: &CustomerSession,
    i18n: &I18n,
    title: &str,
) {
    parent
        .spawn((
            Name::new("Header"),
            Node {
                width: Val::Percent(100.0),
                height: Val::Px(HEADER_HEIGHT),
                flex_shrink: 0.0,
                padding: UiRect::horizontal(Val::Px(40.0)),
                align_items: AlignItems::Center,
                column_gap: Val::Px(20.0),
                ..default()
            },
            BackgroundColor(theme::SURFACE),
            BoxShadow::new(
                theme::SHADOW,
                Val::Px(0.0),
                Val::Px(4.0),
                Val::Px(0.0),
                Val::Px(16.0),
            ),
        ))
        .with_children(|h| {
            h.spawn(theme::bold_text(
                i18n.t("store-name"),
                size::HEADING,
                theme::PRIMARY,
            ));
            h.spawn((
                theme::text(title, size::BODY, theme::MUTED),
                Node {
                    flex_grow: 1.0,
                    margin: UiRect::left(Val::Px(16.0)),
                    ..default()
                },
            ));
            spawn_language_button(h, i18n);
            match crate::account::signed_in(session) {
                Some(a) => {
                    h.spawn((Name::new("My orders"), button(Val::Auto, Val::Px(TOUCH), SECONDARY)))
                        .with_child(theme::text(i18n.t("header-orders"), size::BODY, theme::TEXT))
                        .observe(on_tap_send(crate::orders::OrdersAction::Open));
                    let name = a.login.clone().unwrap_or_default();
                    h.spawn(button(Val::Auto, Val::Px(TOUCH), SECONDARY))
                        .with_child(theme::text(i18n.t_args("account-welcome", &[arg("name", name)]), size::SMALL, theme::TEXT))
                        .observe(on_tap(ShopAction::OpenSettings));
                }
                None => {
                    h.spawn(button(Val::Auto, Val::Px(TOUCH), SECONDARY))
                        .with_child(theme::text(i18n.t("header-sign-in"), size::BODY, theme::TEXT))
                        .observe(|mut c: On<Pointer<Click>>, mut out: MessageWriter<crate::account::AccountAction>| {
                            c.propagate(false);
                            out.write(crate::account::AccountAction::Open);
                        });
                    h.spawn(button(Val::Auto, Val::Px(TOUCH), SECONDARY))
                        .with_child(theme::text(i18n.t("header-settings"), size::BODY, theme::TEXT))
                        .observe(on_tap(ShopAction::OpenSettings));
                }
            }
            h.spawn(button(Val::Auto, Val::Px(TOUCH), SECONDARY))
                .with_child(theme::text(
                    i18n.t("header-start-over"),
                    size::BODY,
                    theme::TEXT,
                ))
                .observe(on_tap(ShopAction::StartOver));
            h.spawn((
                Name::new("Cart button"),
                button(Val::Auto, Val::Px(TOUCH), PRIMARY),
            ))
            .with_child((
                CartBadge,
                theme::bold_text(
                    cart_badge_text(session, i18n),
                    size::BODY,
                    theme::ON_PRIMARY,
                ),
            ))
            .observe(on_tap(ShopAction::OpenCart));
        });
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

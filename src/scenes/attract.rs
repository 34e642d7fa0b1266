//! Attract screen: the store's name, a slowly changing dish and "Touch to start". Any tap
//! anywhere starts a session.

use bevy::picking::events::{Click, Pointer};
use bevy::prelude::*;

use super::Screen;
use crate::bridge::Bridge;
use crate::catalog::{Catalog, LoadState, ProductImages};
use crate::i18n::{I18n, arg};
use crate::session::ShopAction;
use crate::ui::theme::{self, size};
use crate::ui::widgets;

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Attract), spawn)
        .add_systems(
            Update,
            (rotate_showcase, pulse_prompt, show_status).run_if(in_state(Screen::Attract)),
        );
}

#[derive(Component)]
struct Showcase {
    index: usize,
    since: f32,
}

#[derive(Component)]
struct ShowcaseCaption;

#[derive(Component)]
struct Prompt;

#[derive(Component)]
struct StatusLine;

/// Seconds each dish stays on the attract screen.
const SHOWCASE_SECONDS: f32 = 4.0;

fn spawn(mut commands: Commands, i18n: Res<I18n>) {
    commands
        .spawn((
            Name::new("Attract"),
            theme::SceneRoot,
            DespawnOnExit(Screen::Attract),
            Node {
                width: Val::Percent(100.0),
                height: Val::Percent(100.0),
                align_items: AlignItems::Center,
                justify_content: JustifyContent::SpaceEvenly,
                padding: UiRect::all(Val::Px(60.0)),
                ..default()
            },
            BackgroundColor(theme::BACKGROUND),
        ))
        .observe(
            |mut click: On<Pointer<Click>>, mut out: MessageWriter<ShopAction>| {
                click.propagate(false);
                out.write(ShopAction::Start);
            },
        )
        .with_children(|root| {
            root.spawn(Node {
                flex_direction: FlexDirection::Column,
                row_gap: Val::Px(28.0),
                max_width: Val::Px(820.0),
                ..default()
            })
            .with_children(|col| {
                col.spawn(theme::bold_text(
                    i18n.t("store-name"),
                    110.0,
                    theme::PRIMARY,
                ));
                col.spawn(theme::text(
                    i18n.t("attract-tagline"),
                    size::HEADING,
                    theme::TEXT,
                ));
                col.spawn((
                    Prompt,
                    Node {
                        margin: UiRect::top(Val::Px(40.0)),
                        padding: UiRect::axes(Val::Px(48.0), Val::Px(28.0)),
                        align_self: AlignSelf::FlexStart,
                        border_radius: BorderRadius::all(Val::Px(60.0)),
                        ..default()
                    },
                    BackgroundColor(theme::PRIMARY),
                ))
                .with_child(theme::bold_text(
                    i18n.t("attract-touch"),
                    size::TITLE,
                    theme::ON_PRIMARY,
                ));
                col.spawn((StatusLine, theme::text("", size::BODY, theme::MUTED)));
                col.spawn(Node {
                    margin: UiRect::top(Val::Px(24.0)),
                    ..default()
                })
                .with_children(|row| widgets::spawn_language_button(row, &i18n));
            });
            root.spawn(Node {
                flex_direction: FlexDirection::Column,
                align_items: AlignItems::Center,
                row_gap: Val::Px(24.0),
                ..default()
            })
            .with_children(|col| {
                col.spawn((
                    Showcase {
                        index: 0,
                        since: 0.0,
                    },
                    Node {
                        width: Val::Px(620.0),
                        height: Val::Px(620.0),
                        border_radius: BorderRadius::all(Val::Px(310.0)),
                        ..default()
                    },
                    BackgroundColor(theme::SECONDARY),
                    ImageNode::default(),
                    BoxShadow::new(
                        theme::SHADOW,
                        Val::Px(0.0),
                        Val::Px(20.0),
                        Val::Px(0.0),
                        Val::Px(40.0),
                    ),
                ));
                col.spawn((
                    ShowcaseCaption,
                    theme::bold_text("", size::HEADING, theme::TEXT),
                ));
            });
        });
}

fn rotate_showcase(
    time: Res<Time>,
    catalog: Res<Catalog>,
    bridge: Res<Bridge>,
    mut images: ResMut<ProductImages>,
    mut showcase: Query<(&mut Showcase, &mut ImageNode)>,
    mut caption: Query<&mut Text, With<ShowcaseCaption>>,
) {
    let Ok((mut show, mut node)) = showcase.single_mut() else {
        return;
    };
    let available: Vec<_> = catalog
        .products
        .iter()
        .filter(|p| p.available && !p.image_ids.is_empty())
        .collect();
    if available.is_empty() {
        return;
    }
    show.since += time.delta_secs();
    // Show a dish from a different category each time: step by a prime.
    let product = available[(show.index * 7) % available.len()];
    let next = available[((show.index + 1) * 7) % available.len()];
    // Warm up the next picture so the switch never shows a blank.
    let _ = images.get_or_request(next.image_ids[0], &bridge);
    if let Some(handle) = images.get_or_request(product.image_ids[0], &bridge) {
        if node.image != handle {
            node.image = handle;
            if let Ok(mut t) = caption.single_mut() {
                t.0 = format!("{} · {}", product.name, product.price);
            }
        }
        if show.since >= SHOWCASE_SECONDS {
            show.since = 0.0;
            show.index += 1;
        }
    }
}

fn pulse_prompt(time: Res<Time>, mut prompt: Query<&mut UiTransform, With<Prompt>>) {
    let s = 1.0 + 0.04 * (time.elapsed_secs() * 2.5).sin();
    for mut t in &mut prompt {
        t.scale = Vec2::splat(s);
    }
}

fn show_status(
    catalog: Res<Catalog>,
    i18n: Res<I18n>,
    mut line: Query<&mut Text, With<StatusLine>>,
) {
    let msg = match &catalog.state {
        LoadState::Connecting => i18n.t("attract-connecting"),
        LoadState::Loading => i18n.t("attract-loading"),
        LoadState::Ready => {
            let count = catalog.products.iter().filter(|p| p.available).count();
            i18n.t_args("attract-dishes", &[arg("count", count)])
        }
        LoadState::Failed { .. } => i18n.t("attract-unavailable"),
    };
    for mut t in &mut line {
        if t.0 != msg {
            t.0 = msg.clone();
        }
    }
}

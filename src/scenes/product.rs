//! Product detail: the big picture, description, price, quantity and "Add to cart".

use bevy::picking::events::{Click, Pointer};
use bevy::prelude::*;

use crate::schedule::KioskSet;

use crate::bridge::Bridge;
use crate::catalog::{Catalog, ProductImages};
use crate::i18n::I18n;
use crate::product::{ProductAction, ProductChoice};
use crate::screen::Screen;
use crate::session::{CustomerSession, ShopAction};
use crate::ui::recommend::{self, SuggestFor};
use crate::ui::theme::{self, RADIUS, TOUCH, size};
use crate::ui::widgets;
use crate::video::{PlayerState, VideoAction, VideoPlayer};
use customerclient_api::catalog::Product;

pub(crate) fn plugin(app: &mut App) {
    app.add_observer(pause_on_tap)
        .add_systems(OnEnter(Screen::Product), spawn)
        .add_systems(
            Update,
            (show_picture, show_quantity, follow_availability)
                .run_if(in_state(Screen::Product))
                .in_set(KioskSet::Draw),
        )
        .add_systems(
            bevy_egui::EguiPrimaryContextPass,
            draw_video_controls.run_if(in_state(Screen::Product)),
        );
}

/// The dish on screen sold out (or came back) while the customer looks at it: the page is
/// built again, greyed with no way to add it (or with one).
fn follow_availability(
    catalog: Res<Catalog>,
    session: Res<CustomerSession>,
    mut shown: Local<Option<(i64, bool)>>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
) {
    let now = session
        .selected_product
        .and_then(|id| catalog.product(id))
        .map(|p| (p.id, p.available));
    if let (Some((was_id, was)), Some((id, available))) = (*shown, now)
        && was_id == id
        && was != available
        && matches!(*next, NextState::Unchanged)
    {
        next.set(*screen.get());
    }
    *shown = now;
}

/// Play/pause, scrubber, time and mute along the bottom edge of the playing picture.
fn draw_video_controls(
    mut contexts: bevy_egui::EguiContexts,
    players: Query<(Entity, &VideoPlayer, &ComputedNode, &UiGlobalTransform)>,
    i18n: Res<I18n>,
    mut out: MessageWriter<VideoAction>,
) -> Result {
    use bevy_egui::egui;
    let Ok((entity, player, node, at)) = players.single() else {
        return Ok(());
    };
    let ctx = contexts.ctx_mut()?;
    let scale = node.inverse_scale_factor();
    let size = node.size() * scale;
    if size.x < 400.0 {
        // Not laid out yet.
        return Ok(());
    }
    let centre = at.translation * scale;
    let width = size.x - 48.0;
    egui::Area::new(egui::Id::new("video-controls"))
        .fixed_pos(egui::pos2(
            centre.x - size.x / 2.0 + 16.0,
            centre.y + size.y / 2.0 - theme::TOUCH * 0.75 - 28.0,
        ))
        .show(ctx, |ui| {
            egui::Frame::new()
                .fill(egui::Color32::from_black_alpha(120))
                .corner_radius(egui::CornerRadius::same(16))
                .inner_margin(egui::Margin::same(6))
                .show(ui, |ui| {
                    ui.set_width(width - 12.0);
                    if let Some(a) =
                        crate::ui::video_view::controls(ui, &i18n, entity, player, width - 12.0)
                    {
                        out.write(a);
                    }
                });
        });
    Ok(())
}

#[derive(Component)]
struct Picture(Option<uuid::Uuid>);

#[derive(Component)]
struct QuantityLabel;

fn spawn(
    mut commands: Commands,
    session: Res<CustomerSession>,
    catalog: Res<Catalog>,
    i18n: Res<I18n>,
) {
    let root = commands
        .spawn((
            widgets::scene_root("Product"),
            DespawnOnExit(Screen::Product),
            children![widgets::header(&session, &i18n, "")],
        ))
        .id();
    let Some(p) = session.selected_product.and_then(|id| catalog.product(id)) else {
        let gone = theme::text(i18n.t("product-gone"), size::HEADING, theme::MUTED);
        commands.spawn((gone, ChildOf(root)));
        return;
    };
    let reach = session.settings.accessibility.reach_mode;
    let category = catalog
        .categories
        .iter()
        .find(|c| c.id == p.category_id)
        .map(|c| super::gallery::category_name(c, &i18n))
        .unwrap_or_default();
    let picture = commands.spawn(picture(p, reach)).id();
    // A dish with a video plays it (muted, looped) over its picture; a tap pauses.
    if let Some(video) = p.video_id {
        commands
            .entity(picture)
            .insert((VideoPlayer::new(video, true), PauseOnTap));
    }
    let scroller = commands
        .spawn((
            widgets::scene_body(),
            ChildOf(root),
            children![(
                widgets::centred_in_body(Node {
                    width: Val::Percent(100.0),
                    padding: UiRect::all(Val::Px(if reach { 32.0 } else { 60.0 })),
                    column_gap: Val::Px(64.0),
                    align_items: AlignItems::Center,
                    ..default()
                }),
                Children::spawn((WithOneRelated(picture), Spawn(details(p, category, &i18n)),)),
            )],
        ))
        .id();
    commands.spawn((widgets::more_below(scroller), ChildOf(root)));
}

/// The dish's picture: square, at most 680 px, smaller on a short screen or in reach mode
/// (which gives the scene half the screen) so the details beside it fit.
fn picture(p: &Product, reach: bool) -> impl Bundle {
    (
        Picture(p.image_ids.first().copied()),
        Node {
            width: Val::Vh(if reach { 26.0 } else { 52.0 }),
            max_width: Val::Px(680.0),
            aspect_ratio: Some(1.0),
            flex_shrink: 0.0,
            border_radius: BorderRadius::all(Val::Px(RADIUS * 2.0)),
            ..default()
        },
        BackgroundColor(theme::SECONDARY),
        ImageNode::default(),
        theme::shadow(12.0, 30.0),
    )
}

/// Beside the picture: category, name, description, price; then the quantity and *Add to
/// cart* (or that it is sold out), the way back, and what customers also bought.
fn details(p: &Product, category: String, i18n: &I18n) -> impl Bundle {
    let sold_out = (!p.available)
        .then(|| theme::bold_text(i18n.t("product-sold-out"), size::HEADING, theme::DANGER));
    let quantity = p.available.then(quantity_row);
    let add = p.available.then(|| {
        widgets::tap_button(
            Val::Px(520.0),
            Val::Px(TOUCH * 1.2),
            widgets::PRIMARY,
            ProductAction::AddToCart,
            theme::bold_text(i18n.t("product-add"), size::HEADING, theme::ON_PRIMARY),
        )
    });
    (
        Node {
            flex_direction: FlexDirection::Column,
            row_gap: Val::Px(28.0),
            flex_grow: 1.0,
            max_width: Val::Px(900.0),
            ..default()
        },
        Children::spawn((
            Spawn(theme::text(
                category.to_uppercase(),
                size::SMALL,
                theme::MUTED,
            )),
            Spawn(theme::bold_text(
                p.name_in(i18n.language).to_owned(),
                size::HERO,
                theme::TEXT,
            )),
            Spawn(theme::text(
                p.description_in(i18n.language).to_owned(),
                size::HEADING,
                theme::MUTED,
            )),
            Spawn(theme::bold_text(
                i18n.price(&p.price),
                size::TITLE,
                theme::PRIMARY,
            )),
            SpawnIter(sold_out.into_iter()),
            SpawnIter(quantity.into_iter()),
            SpawnIter(add.into_iter()),
            Spawn(widgets::tap_button(
                Val::Px(520.0),
                Val::Px(TOUCH),
                widgets::SECONDARY,
                ShopAction::ShowGallery,
                theme::text(i18n.t("product-back"), size::BODY, theme::TEXT),
            )),
            Spawn(recommend::also_bought(SuggestFor::Product)),
        )),
    )
}

/// − quantity +
fn quantity_row() -> impl Bundle {
    let step = |label: &str, action| {
        widgets::tap_button(
            Val::Px(TOUCH),
            Val::Px(TOUCH),
            widgets::SECONDARY,
            action,
            theme::bold_text(label.to_owned(), size::TITLE, theme::TEXT),
        )
    };
    (
        Node {
            align_items: AlignItems::Center,
            column_gap: Val::Px(24.0),
            ..default()
        },
        children![
            step("−", ProductAction::Fewer),
            (
                QuantityLabel,
                Node {
                    min_width: Val::Px(80.0),
                    justify_content: JustifyContent::Center,
                    ..default()
                },
                theme::bold_text("1", size::TITLE, theme::TEXT),
            ),
            step("+", ProductAction::More),
        ],
    )
}

/// A tap on a playing picture pauses it (and plays it again).
#[derive(Component)]
struct PauseOnTap;

fn pause_on_tap(
    mut click: On<Pointer<Click>>,
    pictures: Query<(), With<PauseOnTap>>,
    mut out: MessageWriter<VideoAction>,
) {
    if pictures.contains(click.entity) {
        click.propagate(false);
        out.write(VideoAction::TogglePlay(click.entity));
    }
}
fn show_picture(
    bridge: Res<Bridge>,
    mut images: ResMut<ProductImages>,
    mut pictures: Query<(&Picture, &mut ImageNode, Option<&VideoPlayer>)>,
) {
    for (pic, mut node, video) in &mut pictures {
        // Once the video shows a frame it owns the picture.
        if video.is_some_and(|v| v.frame.is_some() && !matches!(v.state, PlayerState::Failed(_))) {
            continue;
        }
        if let Some(id) = pic.0
            && let Some(handle) = images.get_or_request(id, &bridge)
            && node.image != handle
        {
            node.image = handle;
        }
    }
}

fn show_quantity(choice: Res<ProductChoice>, mut labels: Query<(&mut Text, Ref<QuantityLabel>)>) {
    for (mut t, label) in &mut labels {
        if choice.is_changed() || label.is_added() {
            t.0 = choice.quantity.to_string();
        }
    }
}

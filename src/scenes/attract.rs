//! Attract screen: the store's name, a slowly changing dish and "Touch to start". Any tap
//! anywhere starts a session.

use bevy::picking::events::{Click, Pointer};
use bevy::prelude::*;

use crate::schedule::KioskSet;

use crate::bridge::Bridge;
use crate::catalog::{Catalog, LoadState, ProductImages};
use crate::i18n::{I18n, arg};
use crate::screen::Screen;
use crate::session::ShopAction;
use crate::ui::egui_kit;
use crate::ui::theme::{self, size};
use crate::ui::video_view::VideoTexture;
use crate::ui::widgets::{self, Tap};
use crate::video::VideoPlayer;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<TrackForm>()
        .add_observer(open_track_form)
        .add_systems(OnEnter(Screen::Attract), spawn)
        .add_systems(
            Update,
            (rotate_showcase, pulse_prompt, show_status)
                .run_if(in_state(Screen::Attract))
                .in_set(KioskSet::Draw),
        )
        .add_systems(
            bevy_egui::EguiPrimaryContextPass,
            draw_track_form.run_if(in_state(Screen::Attract)),
        );
}

/// "Track my order" without signing in: the order number and the phone's last four digits,
/// typed on a keypad.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct TrackForm {
    pub open: bool,
    pub number: String,
    pub digits: String,
    /// Typing the phone digits (else the number).
    pub on_digits: bool,
}

/// What a keypad tap does to the form; `Some` when the customer asks to find the order.
pub fn track_form_key(form: &mut TrackForm, key: char) -> Option<crate::tracking::TrackAction> {
    let field = if form.on_digits {
        &mut form.digits
    } else {
        &mut form.number
    };
    let limit = if form.on_digits { 4 } else { 9 };
    match key {
        '0'..='9' if field.len() < limit => field.push(key),
        '⌫' => {
            field.pop();
        }
        '→' => {
            if !form.on_digits {
                form.on_digits = true;
            } else if let (Ok(number), 4) = (form.number.parse::<i64>(), form.digits.len()) {
                let action = crate::tracking::TrackAction::ByNumber {
                    number,
                    phone_last4: form.digits.clone(),
                };
                *form = TrackForm::default();
                return Some(action);
            }
        }
        _ => {}
    }
    None
}

fn draw_track_form(
    mut contexts: bevy_egui::EguiContexts,
    mut form: ResMut<TrackForm>,
    i18n: Res<I18n>,
    mut out: MessageWriter<crate::tracking::TrackAction>,
) -> Result {
    use bevy_egui::egui;
    if !form.open {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    egui_kit::modal_dim(ctx, "track-dim");
    egui::Area::new(egui::Id::new("track-form"))
        .order(egui::Order::Tooltip)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            egui::Frame::new()
                .fill(theme::to_egui(ui, theme::SURFACE))
                .corner_radius(egui::CornerRadius::same(24))
                .inner_margin(egui::Margin::same(36))
                .show(ui, |ui| {
                    // A fixed width: the keys must not move under the finger as digits or a
                    // message appear (long lines wrap instead).
                    ui.set_width(640.0);
                    ui.set_max_width(640.0);
                    ui.label(
                        egui::RichText::new(i18n.t("trackform-title"))
                            .size(size::TITLE)
                            .strong(),
                    );
                    ui.add_space(12.0);
                    for (digits, key, value) in [
                        (false, "trackform-number", form.number.clone()),
                        (true, "trackform-phone", form.digits.clone()),
                    ] {
                        let active = form.on_digits == digits;
                        ui.label(egui::RichText::new(i18n.t(key)).size(size::SMALL));
                        let shown = if digits {
                            format!("{value:_<4}")
                        } else {
                            value
                        };
                        let b = egui_kit::key(ui, shown, size::TITLE, active)
                            .min_size(egui::vec2(ui.available_width(), theme::TOUCH));
                        if ui.add(b).clicked() {
                            form.on_digits = digits;
                        }
                        ui.add_space(6.0);
                    }
                    ui.add_space(8.0);
                    let keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '⌫', '0', '→'];
                    let w = (ui.available_width() - 24.0) / 3.0;
                    for row in keys.chunks(3) {
                        ui.horizontal(|ui| {
                            for &k in row {
                                let label = if k == '→' {
                                    if form.on_digits {
                                        i18n.t("trackform-find")
                                    } else {
                                        "→".to_owned()
                                    }
                                } else {
                                    k.to_string()
                                };
                                // The way on stands out on the brand colour.
                                let b = egui_kit::choice(ui, label, size::HEADING, k == '→')
                                    .min_size(egui::vec2(w, theme::TOUCH));
                                if ui.add(b).clicked()
                                    && let Some(a) = track_form_key(&mut form, k)
                                {
                                    out.write(a);
                                }
                            }
                        });
                    }
                    ui.add_space(10.0);
                    let cancel = egui_kit::button(i18n.t("trackform-cancel"), size::BODY)
                        .min_size(egui::vec2(ui.available_width(), theme::TOUCH * 0.8));
                    if ui.add(cancel).clicked() {
                        *form = TrackForm::default();
                    }
                });
        });
    Ok(())
}

#[derive(Component)]
struct Showcase {
    index: usize,
    since: f32,
    /// The dish the caption names.
    captioned: Option<i64>,
}

#[derive(Component)]
struct ShowcaseCaption;

#[derive(Component)]
struct Prompt;

#[derive(Component)]
struct StatusLine;

/// Seconds each dish stays on the attract screen.
const SHOWCASE_SECONDS: f32 = 4.0;

fn spawn(mut commands: Commands, i18n: Res<I18n>, mut form: ResMut<TrackForm>) {
    *form = TrackForm::default();
    commands.spawn((
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
        // A tap anywhere that no button takes starts a session.
        Tap(ShopAction::Start),
        children![welcome(&i18n), showcase()],
    ));
}

/// The store's name and tagline, the pulsing "Touch to start", what the kiosk is doing, and
/// the language and "Track my order" buttons.
fn welcome(i18n: &I18n) -> impl Bundle {
    (
        Node {
            flex_direction: FlexDirection::Column,
            row_gap: Val::Px(28.0),
            max_width: Val::Px(820.0),
            ..default()
        },
        children![
            // Five quick taps open the staff keypad; the tap never starts a session.
            (
                crate::ui::store_mark::store_mark(i18n, 220.0, 110.0),
                Tap(crate::staff::StaffAction::NameTapped),
            ),
            theme::text(i18n.tagline(), size::HEADING, theme::TEXT),
            (
                Prompt,
                Node {
                    margin: UiRect::top(Val::Px(40.0)),
                    padding: UiRect::axes(Val::Px(48.0), Val::Px(28.0)),
                    align_self: AlignSelf::FlexStart,
                    border_radius: BorderRadius::all(Val::Px(60.0)),
                    ..default()
                },
                BackgroundColor(theme::PRIMARY),
                children![theme::bold_text(
                    i18n.t("attract-touch"),
                    size::TITLE,
                    theme::ON_PRIMARY,
                )],
            ),
            (StatusLine, theme::text("", size::BODY, theme::MUTED)),
            (
                Node {
                    margin: UiRect::top(Val::Px(24.0)),
                    column_gap: Val::Px(20.0),
                    ..default()
                },
                children![
                    widgets::language_button(i18n),
                    (
                        Name::new("Track my order"),
                        OpensTrackForm,
                        widgets::button(Val::Auto, Val::Px(theme::TOUCH), widgets::SECONDARY),
                        children![theme::text(
                            i18n.t("attract-track"),
                            size::BODY,
                            theme::TEXT,
                        )],
                    ),
                ],
            ),
        ],
    )
}

/// The dish of the moment, round, with its name under it.
fn showcase() -> impl Bundle {
    (
        Node {
            flex_direction: FlexDirection::Column,
            align_items: AlignItems::Center,
            row_gap: Val::Px(24.0),
            ..default()
        },
        children![
            (
                Showcase {
                    index: 0,
                    since: 0.0,
                    captioned: None,
                },
                Node {
                    width: Val::Px(620.0),
                    height: Val::Px(620.0),
                    border_radius: BorderRadius::all(Val::Px(310.0)),
                    ..default()
                },
                BackgroundColor(theme::SECONDARY),
                ImageNode::default(),
                theme::shadow(20.0, 40.0),
            ),
            (
                ShowcaseCaption,
                theme::bold_text("", size::HEADING, theme::TEXT)
            ),
        ],
    )
}

/// "Track my order": opens the order-number keypad instead of starting a session.
#[derive(Component)]
struct OpensTrackForm;

fn open_track_form(
    mut click: On<Pointer<Click>>,
    buttons: Query<(), With<OpensTrackForm>>,
    mut form: ResMut<TrackForm>,
) {
    if buttons.contains(click.entity) {
        click.propagate(false);
        form.open = true;
    }
}

#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn rotate_showcase(
    mut commands: Commands,
    time: Res<Time>,
    catalog: Res<Catalog>,
    bridge: Res<Bridge>,
    mut images: ResMut<ProductImages>,
    mut showcase: Query<(Entity, &mut Showcase, &mut ImageNode, Option<&VideoPlayer>)>,
    mut caption: Query<&mut Text, With<ShowcaseCaption>>,
    i18n: Res<I18n>,
) {
    let Ok((entity, mut show, mut node, playing)) = showcase.single_mut() else {
        return;
    };
    // The attract loop: the dishes with videos, each playing (looped) in turn; without any
    // videos, every dish's picture.
    let with_video: Vec<_> = catalog
        .products
        .iter()
        .filter(|p| p.available && p.video_id.is_some() && !p.image_ids.is_empty())
        .collect();
    let available: Vec<_> = if with_video.is_empty() {
        catalog
            .products
            .iter()
            .filter(|p| p.available && !p.image_ids.is_empty())
            .collect()
    } else {
        with_video
    };
    if available.is_empty() {
        return;
    }
    show.since += time.delta_secs();
    // Show a dish from a different category each time: step by a prime.
    let product = available[(show.index * 7) % available.len()];
    let next = available[((show.index + 1) * 7) % available.len()];
    if show.captioned != Some(product.id)
        && let Ok(mut t) = caption.single_mut()
    {
        t.0 = format!(
            "{} · {}",
            product.name_in(i18n.language),
            i18n.price(&product.price)
        );
        show.captioned = Some(product.id);
    }
    if let Some(video) = product.video_id
        && playing.is_none_or(|p| p.file != video)
    {
        commands
            .entity(entity)
            .remove::<VideoTexture>()
            .insert(VideoPlayer::new(video, true));
    }
    if playing.is_some_and(|p| p.frame.is_some() && Some(p.file) == product.video_id) {
        // The video draws itself; keep the caption in step and move on in time.
        if show.since >= SHOWCASE_SECONDS {
            show.since = 0.0;
            show.index += 1;
        }
        return;
    }
    // Warm up the next picture so the switch never shows a blank.
    let _ = images.get_or_request(next.image_ids[0], &bridge);
    if let Some(handle) = images.get_or_request(product.image_ids[0], &bridge) {
        if node.image != handle {
            node.image = handle;
        }
        if show.since >= SHOWCASE_SECONDS {
            show.since = 0.0;
            show.index += 1;
        }
    }
}

/// "Touch to start" pulses while there is a menu to start with; with none (no backend, no
/// saved copy) the screen only says that it waits, and invites nobody in.
fn pulse_prompt(
    time: Res<Time>,
    catalog: Res<Catalog>,
    mut prompt: Query<(&mut UiTransform, &mut Visibility), With<Prompt>>,
) {
    let s = 1.0 + 0.04 * (time.elapsed_secs() * 2.5).sin();
    let shown = if catalog.products.is_empty() && matches!(catalog.state, LoadState::Failed { .. })
    {
        Visibility::Hidden
    } else {
        Visibility::Inherited
    };
    for (mut t, mut visible) in &mut prompt {
        t.scale = Vec2::splat(s);
        visible.set_if_neq(shown);
    }
}

/// The status line: what the kiosk is doing, or that the store is closed and when it opens.
fn show_status(
    catalog: Res<Catalog>,
    store: Res<crate::store_profile::Store>,
    i18n: Res<I18n>,
    conn: Res<crate::connectivity::Connectivity>,
    mut line: Query<&mut Text, With<StatusLine>>,
) {
    let now = customerclient_api::clock::now_ms();
    let msg = match &catalog.state {
        // Nothing to show yet: that, not the cart (there is none), is what matters.
        LoadState::Failed { .. } if catalog.products.is_empty() => i18n.t("attract-unavailable"),
        _ if !conn.online => i18n.t("offline-banner"),
        LoadState::Ready if !store.is_open(now) => closed_text(&store, &i18n, now),
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

/// "Ordering opens on Tuesday at 10:00" (or "today at …").
pub fn closed_text(store: &crate::store_profile::Store, i18n: &I18n, now: i64) -> String {
    let today = store
        .profile
        .as_ref()
        .map(|p| p.hours.weekday_at(now))
        .unwrap_or_default();
    match store.next_opening(now) {
        Some((day, minute)) if day == today => i18n.t_args(
            "attract-closed-today",
            &[arg("time", customerclient_api::profile::clock_time(minute))],
        ),
        Some((day, minute)) => i18n.t_args(
            "attract-closed",
            &[
                arg("day", i18n.t(&format!("weekday-on-{day}"))),
                arg("time", customerclient_api::profile::clock_time(minute)),
            ],
        ),
        None => i18n.t("attract-unavailable"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keypad_fills_number_then_digits_then_finds() {
        let mut f = TrackForm {
            open: true,
            ..Default::default()
        };
        for k in "1042".chars() {
            assert!(track_form_key(&mut f, k).is_none());
        }
        assert!(track_form_key(&mut f, '→').is_none());
        for k in "67899".chars() {
            track_form_key(&mut f, k);
        }
        assert_eq!(f.digits, "6789", "four digits at most");
        track_form_key(&mut f, '⌫');
        assert!(
            track_form_key(&mut f, '→').is_none(),
            "three digits are not enough"
        );
        track_form_key(&mut f, '9');
        assert_eq!(
            track_form_key(&mut f, '→'),
            Some(crate::tracking::TrackAction::ByNumber {
                number: 1042,
                phone_last4: "6789".into()
            })
        );
        assert!(!f.open, "the form closes once it is sent");
    }
}

//! Live tracking: a stylised map of the district drawn with Bevy 2D meshes (blocks, parks,
//! streets, the store, the customer's door), the route in a custom WGSL material whose dashes
//! flow towards the customer, and the courier gliding between fixes. Beside it the order's
//! stages with the current one highlighted and the ETA as a clock time and minutes.

use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;

use crate::schedule::KioskSet;
use bevy::render::render_resource::{AsBindGroup, ShaderType};
use bevy::shader::{Shader, ShaderRef};
use bevy::sprite_render::{Material2d, Material2dPlugin};
use customerclient_api::city::{self, CityMap, Point};
use customerclient_api::orders::OrderStatus;

use crate::i18n::{I18n, arg, clock_time, delivery_key};
use crate::notify::status_key;
use crate::screen::Screen;
use crate::session::CustomerSession;
use crate::tracking::{TrackAction, TrackingState};
use crate::ui::theme::{self, size};
use crate::ui::widgets::{self, HEADER_HEIGHT};

/// The route shader, compiled into the binary from `shaders/route.wgsl`.
const ROUTE_SHADER: Handle<Shader> =
    bevy::asset::uuid_handle!("6d1f4a8e-2b7c-4e59-9a0d-3c5b8e7f1a24");

pub(crate) fn plugin(app: &mut App) {
    let _ = app.world_mut().resource_mut::<Assets<Shader>>().insert(
        ROUTE_SHADER.id(),
        Shader::from_wgsl(
            include_str!("../../shaders/route.wgsl"),
            "shaders/route.wgsl",
        ),
    );
    app.add_plugins(Material2dPlugin::<RouteMaterial>::default())
        .add_systems(OnEnter(Screen::Tracking), spawn)
        .add_systems(
            Update,
            (build_map, move_courier, show_panel)
                .chain()
                .run_if(in_state(Screen::Tracking))
                .in_set(KioskSet::Draw),
        );
}

#[derive(ShaderType, Debug, Clone)]
pub struct RouteParams {
    pub ahead: Vec4,
    pub gap: Vec4,
    pub done: Vec4,
    /// x: metres travelled, y: dash period (m), z: flow speed (m/s).
    pub motion: Vec4,
}

#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct RouteMaterial {
    #[uniform(0)]
    pub params: RouteParams,
}

impl Material2d for RouteMaterial {
    fn fragment_shader() -> ShaderRef {
        ShaderRef::Handle(ROUTE_SHADER)
    }
}

fn linear(c: Color) -> Vec4 {
    c.to_linear().to_vec4()
}

/// Where the map sits on screen: world position of district (0, 0) and pixels per metre.
#[derive(Resource, Debug, Clone, Copy)]
pub struct MapView {
    pub origin: Vec2,
    pub scale: f32,
}

impl MapView {
    /// Fits `map` into the screen area left of the panel, below the header.
    pub fn fit(map: &CityMap, window: Vec2) -> Self {
        const MARGIN_M: f64 = 90.0;
        let panel = 660.0;
        let (left, top, right, bottom) = (24.0, HEADER_HEIGHT + 24.0, window.x - panel, 24.0);
        let area = Vec2::new(right - left, window.y - top - bottom);
        let scale = (area.x / (map.width + 2.0 * MARGIN_M) as f32)
            .min(area.y / (map.height + 2.0 * MARGIN_M) as f32);
        // Screen (y down, from the top-left) to world (y up, from the centre).
        let centre_screen = Vec2::new(left + area.x / 2.0, top + area.y / 2.0);
        let centre_world = Vec2::new(
            centre_screen.x - window.x / 2.0,
            window.y / 2.0 - centre_screen.y,
        );
        let half = Vec2::new(map.width as f32, map.height as f32) * scale / 2.0;
        Self {
            origin: centre_world - half,
            scale,
        }
    }

    pub fn world(&self, p: Point) -> Vec2 {
        self.origin + Vec2::new(p.x as f32, p.y as f32) * self.scale
    }
}

#[derive(Component, Clone, Copy)]
struct MapPart;

#[derive(Component)]
struct CourierMarker;

#[derive(Component)]
struct CourierHalo;

#[derive(Resource)]
struct RouteHandle(Handle<RouteMaterial>);

fn spawn(
    mut commands: Commands,
    session: Res<CustomerSession>,
    state: Res<TrackingState>,
    i18n: Res<I18n>,
) {
    // The customer's own order can go home on their phone.
    let own = match &state.target {
        Some(crate::tracking::Target::Own(id)) => Some(*id),
        _ => None,
    };
    // No background on the root: the map is drawn by the 2D camera beneath the UI.
    commands.spawn((
        theme::SceneRoot,
        Name::new("Tracking"),
        Node {
            width: Val::Percent(100.0),
            height: Val::Percent(100.0),
            flex_direction: FlexDirection::Column,
            ..default()
        },
        DespawnOnExit(Screen::Tracking),
        children![
            widgets::header(&session, &i18n, &i18n.t("track-title")),
            panel(),
            crate::ui::phone_qr::phone_qr_card(&i18n, own),
        ],
    ));
}

/// A polyline as a strip of quads, `width` metres wide; uv.x is metres along, uv.y across.
pub fn route_mesh(route: &[Point], view: &MapView, width: f32) -> Mesh {
    let mut positions: Vec<[f32; 3]> = Vec::new();
    let mut uvs: Vec<[f32; 2]> = Vec::new();
    let mut indices: Vec<u32> = Vec::new();
    let mut along = 0.0f32;
    let half = width * view.scale / 2.0;
    for w in route.windows(2) {
        let (a, b) = (view.world(w[0]), view.world(w[1]));
        let len_m = w[0].dist(w[1]) as f32;
        let dir = (b - a).normalize_or_zero();
        let n = Vec2::new(-dir.y, dir.x) * half;
        // Each segment overhangs by half a width so corners close.
        let (a, b) = (a - dir * half, b + dir * half);
        let base = positions.len() as u32;
        let ext = width / 2.0;
        for (p, u, v) in [
            (a + n, along - ext, 0.0),
            (a - n, along - ext, 1.0),
            (b + n, along + len_m + ext, 0.0),
            (b - n, along + len_m + ext, 1.0),
        ] {
            positions.push([p.x, p.y, 0.0]);
            uvs.push([u, v]);
        }
        indices.extend([base, base + 1, base + 2, base + 2, base + 1, base + 3]);
        along += len_m;
    }
    let normals = vec![[0.0, 0.0, 1.0]; positions.len()];
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_UV_0, uvs)
    .with_inserted_indices(Indices::U32(indices))
}

const LAND: Color = Color::srgb(0.925, 0.902, 0.859);
const BLOCK: Color = Color::srgb(0.965, 0.945, 0.910);
const PARK: Color = Color::srgb(0.706, 0.851, 0.608);
const STREET: Color = Color::WHITE;
const ROUTE_AHEAD: Color = Color::srgb(0.902, 0.353, 0.102);
const ROUTE_GAP: Color = Color::srgb(0.992, 0.741, 0.549);
const ROUTE_DONE: Color = Color::srgb(0.62, 0.58, 0.55);

#[allow(clippy::too_many_arguments)]
fn build_map(
    mut commands: Commands,
    state: Res<TrackingState>,
    parts: Query<(), With<MapPart>>,
    windows: Query<&Window>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut colors: ResMut<Assets<ColorMaterial>>,
    mut routes: ResMut<Assets<RouteMaterial>>,
    i18n: Res<I18n>,
) {
    if !parts.is_empty() {
        return;
    }
    let (Some(map), Some(tracking)) = (&state.map, &state.tracking) else {
        return;
    };
    let size = windows
        .iter()
        .next()
        .map_or(Vec2::new(1920.0, 1080.0), |w| {
            Vec2::new(w.width(), w.height())
        });
    let view = MapView::fit(map, size);
    commands.insert_resource(view);
    let part = (MapPart, DespawnOnExit(Screen::Tracking));
    let at = |p: Vec2, z: f32| Transform::from_xyz(p.x, p.y, z);

    // Land with a margin, then the blocks between streets as pale tiles.
    let land = Vec2::new(map.width as f32 + 180.0, map.height as f32 + 180.0) * view.scale;
    let centre = view.world(Point::new(map.width / 2.0, map.height / 2.0));
    commands.spawn((
        part.clone(),
        Mesh2d(meshes.add(Rectangle::new(land.x, land.y))),
        MeshMaterial2d(colors.add(LAND)),
        at(centre, 0.0),
    ));
    let block_mat = colors.add(BLOCK);
    let park_mat = colors.add(PARK);
    for park in &map.parks {
        let (a, b) = (view.world(park.min), view.world(park.max));
        commands.spawn((
            part.clone(),
            Mesh2d(meshes.add(Rectangle::new(b.x - a.x, b.y - a.y))),
            MeshMaterial2d(park_mat.clone()),
            at((a + b) / 2.0, 0.2),
        ));
    }
    let street_mat = colors.add(STREET);
    for s in &map.streets {
        let (a, b) = (view.world(map.nodes[s.a]), view.world(map.nodes[s.b]));
        let width = if s.major { 26.0 } else { 15.0 } * view.scale;
        let d = b - a;
        commands.spawn((
            part.clone(),
            Mesh2d(meshes.add(Rectangle::new(d.length() + width, width))),
            MeshMaterial2d(street_mat.clone()),
            Transform::from_xyz((a.x + b.x) / 2.0, (a.y + b.y) / 2.0, 0.3)
                .with_rotation(Quat::from_rotation_z(d.y.atan2(d.x))),
        ));
    }
    // Blocks: a soft tile under every street grid cell gives the map its texture.
    let tile = meshes.add(Rectangle::new(150.0 * view.scale, 150.0 * view.scale));
    let cols = (map.width / 220.0).round() as usize;
    let rows = (map.height / 220.0).round() as usize;
    for r in 0..rows {
        for c in 0..cols {
            let p = Point::new(c as f64 * 220.0 + 110.0, r as f64 * 220.0 + 110.0);
            if map
                .parks
                .iter()
                .any(|k| p.x > k.min.x && p.x < k.max.x && p.y > k.min.y && p.y < k.max.y)
            {
                continue;
            }
            commands.spawn((
                part.clone(),
                Mesh2d(tile.clone()),
                MeshMaterial2d(block_mat.clone()),
                at(view.world(p), 0.1),
            ));
        }
    }

    let route = routes.add(RouteMaterial {
        params: RouteParams {
            ahead: linear(ROUTE_AHEAD),
            gap: linear(ROUTE_GAP),
            done: linear(ROUTE_DONE),
            motion: Vec4::new(0.0, 60.0, 25.0, 0.0),
        },
    });
    commands.insert_resource(RouteHandle(route.clone()));
    commands.spawn((
        part.clone(),
        Mesh2d(meshes.add(route_mesh(&tracking.route, &view, 12.0))),
        MeshMaterial2d(route),
        at(Vec2::ZERO, 0.5),
    ));

    // The store and the customer's door, with labels.
    let mut pin = |commands: &mut Commands, p: Point, color: Color, label: String| {
        let w = view.world(p);
        commands.spawn((
            part.clone(),
            Mesh2d(meshes.add(Circle::new(46.0 * view.scale))),
            MeshMaterial2d(colors.add(Color::WHITE)),
            at(w, 0.6),
        ));
        commands.spawn((
            part.clone(),
            Mesh2d(meshes.add(Circle::new(36.0 * view.scale))),
            MeshMaterial2d(colors.add(color)),
            at(w, 0.61),
        ));
        commands.spawn((
            part.clone(),
            Text2d::new(label),
            theme::bold(size::SMALL),
            TextColor(theme::TEXT),
            at(w + Vec2::new(0.0, 40.0), 0.62),
        ));
    };
    pin(
        &mut commands,
        tracking.store,
        theme::PRIMARY,
        i18n.t("track-store"),
    );
    pin(
        &mut commands,
        tracking.destination,
        theme::SUCCESS,
        i18n.t("track-you"),
    );

    // The courier: a dark disc with a white rim and a pulsing halo.
    let start = view.world(tracking.store);
    commands.spawn((
        part.clone(),
        CourierHalo,
        Mesh2d(meshes.add(Circle::new(60.0 * view.scale))),
        MeshMaterial2d(colors.add(Color::srgba(0.161, 0.122, 0.094, 0.18))),
        at(start, 0.8),
        Visibility::Hidden,
    ));
    commands.spawn((
        part.clone(),
        CourierMarker,
        Mesh2d(meshes.add(Circle::new(30.0 * view.scale))),
        MeshMaterial2d(colors.add(Color::WHITE)),
        at(start, 0.9),
        Visibility::Hidden,
        children![(
            Mesh2d(meshes.add(Circle::new(22.0 * view.scale))),
            MeshMaterial2d(colors.add(theme::TEXT)),
            Transform::from_xyz(0.0, 0.0, 0.01),
        )],
    ));
}

/// Draws the courier where the marker says (interpolated) and the route travelled so far.
#[allow(clippy::type_complexity)]
fn move_courier(
    state: Res<TrackingState>,
    view: Option<Res<MapView>>,
    route: Option<Res<RouteHandle>>,
    mut routes: ResMut<Assets<RouteMaterial>>,
    mut courier: Query<
        (&mut Transform, &mut Visibility),
        (With<CourierMarker>, Without<CourierHalo>),
    >,
    mut halo: Query<(&mut Transform, &mut Visibility), With<CourierHalo>>,
    time: Res<Time>,
) {
    let (Some(view), Some(tracking)) = (view, &state.tracking) else {
        return;
    };
    let now = time.elapsed_secs_f64();
    let out = matches!(
        tracking.status,
        OrderStatus::CourierAssigned | OrderStatus::OnTheWay | OrderStatus::Delivered
    );
    let pos = state.marker.position(now).filter(|_| out);
    let world = pos.map(|p| view.world(p));
    let pulse = 1.0 + 0.25 * (time.elapsed_secs() * 3.0).sin();
    for (mut t, mut v) in &mut courier {
        if let Some(w) = world {
            t.translation.x = w.x;
            t.translation.y = w.y;
        }
        *v = if world.is_some() {
            Visibility::Visible
        } else {
            Visibility::Hidden
        };
    }
    for (mut t, mut v) in &mut halo {
        if let Some(w) = world {
            t.translation.x = w.x;
            t.translation.y = w.y;
            t.scale = Vec3::splat(pulse);
        }
        *v = if world.is_some() {
            Visibility::Visible
        } else {
            Visibility::Hidden
        };
    }
    if let (Some(route), Some(p)) = (route, pos)
        && let Some(mut m) = routes.get_mut(&route.0)
    {
        let (along, _) = city::project(&tracking.route, p, 0.0);
        m.params.motion.x = along as f32;
    }
}

/// The stages shown on the timeline, in order.
const STAGES: [OrderStatus; 6] = OrderStatus::STAGES;

/// What the panel beside the map says, as plain data: rebuilt only when it changes (a new
/// stage, a new ETA, a minute gone by), never each frame.
#[derive(Debug, Clone, PartialEq)]
pub enum PanelView {
    Loading(String),
    Failed(String),
    Order {
        title: String,
        subtitle: String,
        eta: Eta,
        stages: Vec<StageLine>,
    },
}

/// The big block under the order's name.
#[derive(Debug, Clone, PartialEq)]
pub enum Eta {
    Delivered(String),
    Expected {
        label: String,
        clock: String,
        minutes: String,
    },
    /// No estimate (cancelled): the status itself.
    Status(String),
}

/// One stage of the timeline: its name, when it was reached, and how far along it is.
#[derive(Debug, Clone, PartialEq)]
pub struct StageLine {
    pub label: String,
    pub reached_at: Option<String>,
    pub progress: StageProgress,
    /// The line down to the next stage is drawn (not after the last).
    pub leads_on: bool,
    /// The order has gone past this stage, so the line below it is coloured.
    pub passed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageProgress {
    Done,
    Current,
    Ahead,
}

/// The panel's content for `state` at `now_ms`.
pub fn panel_view(state: &TrackingState, i18n: &I18n, now_ms: i64) -> PanelView {
    let t = match (&state.tracking, &state.failure) {
        (Some(t), _) => t,
        (None, Some(f)) => {
            return PanelView::Failed(match f {
                crate::failure::Failure::Rejected { code, .. } if code == "not_found" => {
                    i18n.t("track-not-found")
                }
                f => crate::i18n::failure_text(i18n, f),
            });
        }
        (None, None) => return PanelView::Loading(i18n.t("track-loading")),
    };
    let eta = match (t.status, t.eta) {
        (OrderStatus::Delivered, _) => {
            let at = t
                .history
                .iter()
                .find(|h| h.status == OrderStatus::Delivered)
                .map_or(now_ms, |h| h.at);
            Eta::Delivered(i18n.t_args("track-delivered-at", &[arg("time", clock_time(at))]))
        }
        (_, Some(eta)) => {
            let minutes = ((eta.at - now_ms).max(0) as f64 / 60_000.0).ceil() as i64;
            Eta::Expected {
                label: i18n.t("track-eta"),
                clock: clock_time(eta.at),
                minutes: i18n.t_args("track-minutes-left", &[arg("minutes", minutes)]),
            }
        }
        (status, None) => Eta::Status(i18n.t(status_key(status))),
    };
    let current = STAGES.iter().position(|s| *s == t.status);
    let stages = STAGES
        .iter()
        .enumerate()
        .map(|(i, stage)| StageLine {
            label: i18n.t(status_key(*stage)),
            reached_at: t
                .history
                .iter()
                .find(|h| h.status == *stage)
                .map(|h| clock_time(h.at)),
            progress: match current {
                Some(c) if i == c => StageProgress::Current,
                Some(c) if i < c => StageProgress::Done,
                _ => StageProgress::Ahead,
            },
            leads_on: i + 1 < STAGES.len(),
            passed: current.is_some_and(|c| i < c),
        })
        .collect();
    PanelView::Order {
        title: i18n.t_args("track-order", &[arg("number", t.number)]),
        subtitle: format!(
            "{} · {}",
            i18n.t(delivery_key(t.delivery_method)),
            i18n.t_args(
                "track-distance",
                &[arg("km", format!("{:.1}", t.distance_m / 1000.0))]
            )
        ),
        eta,
        stages,
    }
}

/// The panel's box, right of the map below the header; its content is a [`PanelView`].
#[derive(Component, Default)]
struct Panel {
    shown: Option<PanelView>,
    /// The second `shown` was worked out in: its minutes left change no faster.
    second: i64,
}

fn panel() -> impl Bundle {
    // The wrapper spans the height below the header; the panel inside is as tall as what it
    // says, and scrolls by touch when that is taller than the room (large text).
    (
        Node {
            position_type: PositionType::Absolute,
            right: Val::Px(24.0),
            top: Val::Px(HEADER_HEIGHT + 24.0),
            bottom: Val::Px(24.0),
            width: Val::Px(PANEL_WIDTH),
            flex_direction: FlexDirection::Column,
            ..default()
        },
        children![(
            Name::new("Tracking panel"),
            Panel::default(),
            Node {
                max_height: Val::Percent(100.0),
                min_height: Val::Px(0.0),
                flex_direction: FlexDirection::Column,
                padding: UiRect::all(Val::Px(24.0)),
                border_radius: BorderRadius::all(Val::Px(24.0)),
                overflow: Overflow::scroll_y(),
                ..default()
            },
            ScrollPosition::default(),
            widgets::TouchScroll::default(),
            BackgroundColor(theme::SURFACE),
        )],
    )
}

const PANEL_WIDTH: f32 = 608.0;

/// Rebuilds the panel when what it says changes.
fn show_panel(
    mut commands: Commands,
    state: Res<TrackingState>,
    i18n: Res<I18n>,
    mut panels: Query<(Entity, &mut Panel)>,
) {
    let now = customerclient_api::clock::now_ms();
    for (entity, mut panel) in &mut panels {
        // The map animates every frame; the panel's text changes at most once a second.
        let second = now / 1000;
        let current = panel.shown.is_some() && panel.second == second;
        if current && !state.is_changed() && !i18n.is_changed() {
            continue;
        }
        panel.second = second;
        let view = panel_view(&state, &i18n, now);
        if panel.shown.as_ref() == Some(&view) {
            continue;
        }
        commands.entity(entity).despawn_related::<Children>();
        // One column at its full height inside the scrolling panel: nothing in it is squeezed.
        let content = commands
            .spawn((
                Node {
                    flex_direction: FlexDirection::Column,
                    flex_shrink: 0.0,
                    row_gap: Val::Px(10.0),
                    ..default()
                },
                ChildOf(entity),
            ))
            .id();
        let back = || {
            widgets::tap_button(
                Val::Percent(100.0),
                Val::Px(theme::TOUCH),
                widgets::PRIMARY,
                TrackAction::Close,
                theme::bold_text(i18n.t("track-back"), size::HEADING, theme::ON_PRIMARY),
            )
        };
        match &view {
            PanelView::Loading(text) => {
                commands.spawn((
                    theme::text(text.clone(), size::HEADING, theme::TEXT),
                    ChildOf(content),
                ));
            }
            PanelView::Failed(text) => {
                commands.spawn((
                    theme::text(text.clone(), size::HEADING, theme::DANGER),
                    ChildOf(content),
                ));
                commands.spawn((back(), ChildOf(content)));
            }
            PanelView::Order {
                title,
                subtitle,
                eta,
                stages,
            } => {
                commands.spawn((
                    theme::bold_text(title.clone(), size::HEADING, theme::TEXT),
                    ChildOf(content),
                ));
                commands.spawn((
                    theme::text(subtitle.clone(), size::BODY, theme::MUTED),
                    ChildOf(content),
                ));
                commands.spawn((eta_block(eta), ChildOf(content)));
                let timeline = commands
                    .spawn((
                        Node {
                            flex_direction: FlexDirection::Column,
                            ..default()
                        },
                        ChildOf(content),
                    ))
                    .id();
                for stage in stages {
                    commands.spawn((stage_line(stage), ChildOf(timeline)));
                }
                commands.spawn((back(), ChildOf(content)));
            }
        }
        panel.shown = Some(view);
    }
}

/// When the order comes, large, on a tinted block.
fn eta_block(eta: &Eta) -> impl Bundle {
    let lines: Vec<(String, f32, Color, bool)> = match eta {
        Eta::Delivered(text) => vec![(text.clone(), size::HEADING, theme::SUCCESS, true)],
        Eta::Expected {
            label,
            clock,
            minutes,
        } => vec![
            (label.clone(), size::SMALL, theme::MUTED, false),
            (clock.clone(), 60.0, theme::PRIMARY, true),
            (minutes.clone(), size::HEADING, theme::TEXT, false),
        ],
        Eta::Status(text) => vec![(text.clone(), size::HEADING, theme::DANGER, true)],
    };
    (
        Node {
            flex_direction: FlexDirection::Column,
            padding: UiRect::axes(Val::Px(22.0), Val::Px(14.0)),
            border_radius: BorderRadius::all(Val::Px(18.0)),
            ..default()
        },
        BackgroundColor(theme::SECONDARY),
        Children::spawn(SpawnIter(lines.into_iter().map(
            |(text, size, color, bold)| {
                (
                    Text::new(text),
                    if bold {
                        theme::bold(size)
                    } else {
                        theme::font(size)
                    },
                    TextColor(color),
                )
            },
        ))),
    )
}

/// Height of a stage's row on the timeline, and so the length of the line between two dots.
const STAGE_ROW: f32 = 70.0;

/// A stage of the timeline: a dot (larger, with a halo, for the current one) on the line that
/// runs down to the next stage, the stage's name, and when it was reached.
fn stage_line(stage: &StageLine) -> impl Bundle {
    let (dot, text_color, bold) = match stage.progress {
        StageProgress::Current => (theme::PRIMARY, theme::PRIMARY, true),
        StageProgress::Done => (theme::PRIMARY, theme::TEXT, false),
        StageProgress::Ahead => (theme::SECONDARY_PRESSED, theme::MUTED, false),
    };
    let current = stage.progress == StageProgress::Current;
    let dot_size = if current { 26.0 } else { 20.0 };
    let line_color = if stage.passed {
        theme::PRIMARY
    } else {
        theme::SECONDARY_PRESSED
    };
    let connector = stage.leads_on.then(|| {
        (
            Node {
                position_type: PositionType::Absolute,
                left: Val::Px(20.0),
                top: Val::Px(STAGE_ROW / 2.0),
                width: Val::Px(4.0),
                height: Val::Px(STAGE_ROW),
                ..default()
            },
            BackgroundColor(line_color),
        )
    });
    let halo = current.then(|| {
        (
            Node {
                position_type: PositionType::Absolute,
                left: Val::Px(2.0),
                top: Val::Px(STAGE_ROW / 2.0 - 20.0),
                width: Val::Px(40.0),
                height: Val::Px(40.0),
                border_radius: BorderRadius::all(Val::Px(20.0)),
                ..default()
            },
            BackgroundColor(theme::PRIMARY.with_alpha(0.25)),
        )
    });
    let at = stage
        .reached_at
        .clone()
        .map(|at| theme::text(at, size::SMALL, theme::MUTED));
    (
        Node {
            height: Val::Px(STAGE_ROW),
            align_items: AlignItems::Center,
            column_gap: Val::Px(8.0),
            ..default()
        },
        Children::spawn((
            SpawnIter(connector.into_iter()),
            SpawnIter(halo.into_iter()),
            Spawn((
                Node {
                    width: Val::Px(44.0),
                    flex_shrink: 0.0,
                    justify_content: JustifyContent::Center,
                    ..default()
                },
                children![(
                    Node {
                        width: Val::Px(dot_size),
                        height: Val::Px(dot_size),
                        border_radius: BorderRadius::all(Val::Px(dot_size / 2.0)),
                        ..default()
                    },
                    BackgroundColor(dot),
                )],
            )),
            Spawn((
                Text::new(stage.label.clone()),
                if bold {
                    theme::bold(size::BODY)
                } else {
                    theme::font(size::BODY)
                },
                TextColor(text_color),
                Node {
                    flex_grow: 1.0,
                    ..default()
                },
            )),
            SpawnIter(at.into_iter()),
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use customerclient_api::orders::{DeliveryMethod, StatusChange};
    use customerclient_api::tracking::{Eta as Arrival, Tracking};

    fn on_the_way(now: i64) -> TrackingState {
        let reached = |status, at| StatusChange {
            status,
            at,
            note: String::new(),
        };
        let mut state = TrackingState::default();
        state.tracking = Some(Tracking {
            order_id: uuid::Uuid::nil(),
            number: 1042,
            status: OrderStatus::OnTheWay,
            history: vec![
                reached(OrderStatus::Placed, now - 20 * 60_000),
                reached(OrderStatus::OnTheWay, now - 5 * 60_000),
            ],
            delivery_method: DeliveryMethod::ElectricScooter,
            route: vec![],
            distance_m: 2_400.0,
            store: Point { x: 0.0, y: 0.0 },
            destination: Point { x: 1.0, y: 1.0 },
            courier: None,
            eta: Some(Arrival {
                at: now + 7 * 60_000 - 30_000,
                minutes_left: 7.0,
            }),
            time_scale: 1.0,
        });
        state
    }

    #[test]
    fn the_panel_shows_the_current_stage_and_minutes_left_and_changes_only_with_them() {
        let i18n = I18n::default();
        let now = 1_700_000_000_000;
        let state = on_the_way(now);
        let PanelView::Order { eta, stages, .. } = panel_view(&state, &i18n, now) else {
            panic!("an order on its way shows the order");
        };
        let Eta::Expected { minutes, .. } = eta else {
            panic!("{eta:?}");
        };
        assert!(minutes.contains('7'), "{minutes}");
        let progress: Vec<StageProgress> = stages.iter().map(|s| s.progress).collect();
        use StageProgress::*;
        assert_eq!(progress, [Done, Done, Done, Done, Current, Ahead]);
        assert!(stages[0].reached_at.is_some() && stages[1].reached_at.is_none());
        assert!(stages[3].passed && !stages[4].passed && !stages[5].leads_on);
        // The same moment is the same panel (nothing rebuilt); a minute later it is not.
        assert_eq!(
            panel_view(&state, &i18n, now + 1_000),
            panel_view(&state, &i18n, now)
        );
        assert_ne!(
            panel_view(&state, &i18n, now + 60_000),
            panel_view(&state, &i18n, now)
        );
    }

    #[test]
    fn an_order_that_cannot_be_found_says_so() {
        let i18n = I18n::default();
        let mut state = TrackingState::default();
        state.failure = Some(crate::failure::Failure::Rejected {
            code: "not_found".into(),
            message: "No such order".into(),
        });
        assert_eq!(
            panel_view(&state, &i18n, 0),
            PanelView::Failed(i18n.t("track-not-found"))
        );
        assert!(matches!(
            panel_view(&TrackingState::default(), &i18n, 0),
            PanelView::Loading(_)
        ));
    }
}

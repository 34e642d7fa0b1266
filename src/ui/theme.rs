//! Palette, type scale and touch sizes, and the shipped font (Inter, OFL) for Bevy and egui.

use bevy::prelude::*;
use bevy::text::{FontSource, FontWeight};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Contrast>()
        .init_resource::<Brand>()
        .add_systems(PreStartup, load_fonts)
        .add_systems(Update, follow_brand)
        .add_systems(
            EguiPrimaryContextPass,
            (
                style_egui.run_if(run_once),
                apply_large_text,
                egui_contrast,
                egui_brand,
            )
                .chain(),
        )
        .add_systems(PostUpdate, (bevy_contrast, bevy_brand).chain());
}

pub const INTER_REGULAR: &[u8] = include_bytes!("../../assets/fonts/Inter-Regular.otf");
pub const INTER_BOLD: &[u8] = include_bytes!("../../assets/fonts/Inter-Bold.otf");
pub const FAMILY: &str = "Inter";

pub const BACKGROUND: Color = Color::srgb(0.992, 0.969, 0.941);
pub const SURFACE: Color = Color::WHITE;
pub const PRIMARY: Color = Color::srgb(0.902, 0.353, 0.102);
pub const PRIMARY_PRESSED: Color = Color::srgb(0.741, 0.259, 0.051);
pub const SECONDARY: Color = Color::srgb(0.953, 0.910, 0.863);
pub const SECONDARY_PRESSED: Color = Color::srgb(0.886, 0.820, 0.749);
pub const TEXT: Color = Color::srgb(0.161, 0.122, 0.094);
pub const MUTED: Color = Color::srgb(0.478, 0.420, 0.373);
pub const ON_PRIMARY: Color = Color::WHITE;
pub const SUCCESS: Color = Color::srgb(0.196, 0.600, 0.329);
pub const DANGER: Color = Color::srgb(0.784, 0.180, 0.157);
pub const SHADOW: Color = Color::srgba(0.25, 0.15, 0.05, 0.16);

/// Smallest side of anything a finger must hit, in logical pixels (well above WCAG's 44).
pub const TOUCH: f32 = 88.0;
pub const RADIUS: f32 = 20.0;

pub mod size {
    pub const HERO: f32 = 72.0;
    pub const TITLE: f32 = 48.0;
    pub const HEADING: f32 = 34.0;
    pub const BODY: f32 = 26.0;
    pub const SMALL: f32 = 21.0;
}

/// Keeps the font assets alive.
#[derive(Resource)]
pub struct UiFonts {
    pub regular: Handle<Font>,
    pub bold: Handle<Font>,
}

fn load_fonts(mut commands: Commands, mut fonts: ResMut<Assets<Font>>) {
    let regular = Font::from_bytes(INTER_REGULAR.to_vec());
    // Replace Bevy's built-in default so every text without a font is Inter too.
    let _ = fonts.insert(AssetId::default(), Font::from_bytes(INTER_REGULAR.to_vec()));
    let regular = fonts.add(regular);
    let bold = fonts.add(Font::from_bytes(INTER_BOLD.to_vec()));
    commands.insert_resource(UiFonts { regular, bold });
}

pub fn font(size: f32) -> TextFont {
    TextFont {
        font: FontSource::Family(FAMILY.into()),
        font_size: bevy::text::FontSize::Px(size),
        ..default()
    }
}

pub fn bold(size: f32) -> TextFont {
    TextFont {
        weight: FontWeight::BOLD,
        ..font(size)
    }
}

/// Text with the theme's font, size and colour.
/// The soft shadow under a card or panel: `y` pixels down, blurred over `blur`.
pub fn shadow(y: f32, blur: f32) -> BoxShadow {
    BoxShadow::new(
        SHADOW,
        Val::Px(0.0),
        Val::Px(y),
        Val::Px(0.0),
        Val::Px(blur),
    )
}

pub fn text(value: impl Into<String>, size: f32, color: Color) -> impl Bundle {
    (Text::new(value), font(size), TextColor(color))
}

pub fn bold_text(value: impl Into<String>, size: f32, color: Color) -> impl Bundle {
    (Text::new(value), bold(size), TextColor(color))
}

/// egui in the same font, sizes and colours as the Bevy scenes.
pub fn egui_style(ctx: &egui::Context) {
    let mut defs = egui::FontDefinitions::default();
    defs.font_data.insert(
        "inter".into(),
        std::sync::Arc::new(egui::FontData::from_static(INTER_REGULAR)),
    );
    defs.font_data.insert(
        "inter-bold".into(),
        std::sync::Arc::new(egui::FontData::from_static(INTER_BOLD)),
    );
    if let Some(f) = defs.families.get_mut(&egui::FontFamily::Proportional) {
        f.insert(0, "inter".into());
    }
    defs.families.insert(
        egui::FontFamily::Name("bold".into()),
        vec!["inter-bold".into(), "inter".into()],
    );
    ctx.set_fonts(defs);
    ctx.global_style_mut(|style| {
        use egui::{FontFamily, FontId, TextStyle};
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(size::HEADING, FontFamily::Name("bold".into())),
            ),
            (
                TextStyle::Body,
                FontId::new(size::BODY, FontFamily::Proportional),
            ),
            (
                TextStyle::Button,
                FontId::new(size::BODY, FontFamily::Proportional),
            ),
            (
                TextStyle::Small,
                FontId::new(size::SMALL, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(size::BODY, FontFamily::Monospace),
            ),
        ]
        .into();
        style.spacing.button_padding = egui::vec2(20.0, 14.0);
        style.spacing.item_spacing = egui::vec2(14.0, 14.0);
        style.spacing.interact_size = egui::vec2(TOUCH, TOUCH * 0.75);
        // Scroll bars beside the content, not floating over it: nothing tappable lies under
        // a bar, and a finger on a row never grabs the bar instead.
        style.spacing.scroll = egui::style::ScrollStyle::solid();
        // A finger on a label scrolls its panel; text is never selected on a kiosk.
        style.interaction.selectable_labels = false;
        style.visuals = egui::Visuals::light();
        style.visuals.panel_fill = color32(SURFACE);
        style.visuals.window_fill = color32(SURFACE);
        style.visuals.override_text_color = Some(color32(TEXT));
        style.visuals.selection.bg_fill = color32(PRIMARY);
        style.visuals.selection.stroke.color = color32(ON_PRIMARY);
        let r = egui::CornerRadius::same(14);
        style.visuals.widgets.inactive.corner_radius = r;
        style.visuals.widgets.hovered.corner_radius = r;
        style.visuals.widgets.active.corner_radius = r;
        style.visuals.widgets.inactive.weak_bg_fill = color32(SECONDARY);
        style.visuals.widgets.hovered.weak_bg_fill = color32(SECONDARY);
        style.visuals.widgets.active.weak_bg_fill = color32(SECONDARY_PRESSED);
    });
}

fn style_egui(mut contexts: EguiContexts) -> Result {
    egui_style(contexts.ctx_mut()?);
    Ok(())
}

/// How the customer asked to see the kiosk, for egui drawing code (plain functions that get
/// a `Ui`, not the ECS): a copy of [`Contrast`] and the reach setting kept in the egui
/// context's memory by the theme's systems, read through whatever the code draws on.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub high_contrast: bool,
    pub reach: bool,
    /// The store's brand colour and its pressed shade, when not the demo's orange.
    pub brand: Option<(egui::Color32, egui::Color32)>,
}

/// The store's brand colour (its profile's `brand_colour`) and a darker shade for a pressed
/// button; `None` draws in the demo's orange. Applied by mapping the palette's [`PRIMARY`]
/// and [`PRIMARY_PRESSED`] wherever scenes put them, as high contrast maps its colours (and
/// high contrast, when on, wins).
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct Brand {
    pub primary: Option<(Color, Color)>,
}

/// `#rrggbb` as the brand colour and its pressed shade; `None` for the demo's own orange or
/// what is not a colour.
pub fn brand_colours(hex: &str) -> Option<(Color, Color)> {
    let hex = hex.trim().strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    let (r, g, b) = (byte(0)?, byte(2)?, byte(4)?);
    let colour = Color::srgb_u8(r, g, b);
    if color32(colour) == color32(PRIMARY) {
        return None;
    }
    let shade = |v: u8| (f32::from(v) * 0.82).round() as u8;
    Some((colour, Color::srgb_u8(shade(r), shade(g), shade(b))))
}

/// A palette colour in the store's brand: the primary and its pressed shade replaced.
pub fn branded(c: Color, brand: Option<(Color, Color)>) -> Color {
    match brand {
        Some((primary, _)) if c == PRIMARY => primary,
        Some((_, pressed)) if c == PRIMARY_PRESSED => pressed,
        _ => c,
    }
}

/// The brand colour from the store's profile, when it comes or changes (the profile's
/// arrival rebuilds the screen, which the mapping then colours).
fn follow_brand(store: Res<crate::store_profile::Store>, mut brand: ResMut<Brand>) {
    if !store.is_changed() {
        return;
    }
    let want = store
        .profile
        .as_ref()
        .and_then(|p| brand_colours(&p.brand_colour));
    if brand.primary != want {
        brand.primary = want;
    }
}

/// Maps the palette's primary colours to the brand's on what scenes just set (not in high
/// contrast, whose palette stands).
fn bevy_brand(
    brand: Res<Brand>,
    contrast: Res<Contrast>,
    mut backgrounds: Query<&mut BackgroundColor, Changed<BackgroundColor>>,
    mut texts: Query<&mut TextColor, Changed<TextColor>>,
    mut buttons: Query<&mut ButtonColors, Changed<ButtonColors>>,
) {
    let Some(colours) = brand.primary.filter(|_| !contrast.high) else {
        return;
    };
    let brand = Some(colours);
    for mut bg in &mut backgrounds {
        let mapped = branded(bg.0, brand);
        if mapped != bg.0 {
            bg.0 = mapped;
        }
    }
    for mut t in &mut texts {
        let mapped = branded(t.0, brand);
        if mapped != t.0 {
            t.0 = mapped;
        }
    }
    for mut b in &mut buttons {
        let (n, p) = (branded(b.normal, brand), branded(b.pressed, brand));
        if n != b.normal || p != b.pressed {
            b.normal = n;
            b.pressed = p;
        }
    }
}

/// The brand for egui: kept in the look its drawing code reads, and its selection colour.
fn egui_brand(brand: Res<Brand>, contrast: Res<Contrast>, mut contexts: EguiContexts) -> Result {
    let ctx = contexts.ctx_mut()?;
    let want = brand.primary.map(|(p, q)| (color32(p), color32(q)));
    // Leaving high contrast restyles egui in the demo's colours: brand it again then too.
    if look(ctx).brand != want || contrast.is_changed() {
        set_look(ctx, |l| l.brand = want);
        if !look(ctx).high_contrast {
            ctx.global_style_mut(|style| {
                style.visuals.selection.bg_fill = want.map_or(color32(PRIMARY), |(p, _)| p);
            });
        }
    }
    Ok(())
}

fn look_id() -> egui::Id {
    egui::Id::new("customerclient-look")
}

/// What egui drawing code draws on: a `Ui` or the whole context.
pub trait DrawsOn {
    fn context(&self) -> &egui::Context;
}

impl DrawsOn for egui::Ui {
    fn context(&self) -> &egui::Context {
        self.ctx()
    }
}

impl DrawsOn for egui::Context {
    fn context(&self) -> &egui::Context {
        self
    }
}

/// The look egui draws in now.
pub fn look(on: &impl DrawsOn) -> Look {
    on.context()
        .data(|d| d.get_temp::<Look>(look_id()))
        .unwrap_or_default()
}

fn set_look(ctx: &egui::Context, change: impl FnOnce(&mut Look)) {
    let mut look = look(ctx);
    change(&mut look);
    ctx.data_mut(|d| d.insert_temp(look_id(), look));
}

/// A palette colour for egui, in the high-contrast palette when that is on.
pub fn to_egui(on: &impl DrawsOn, c: Color) -> egui::Color32 {
    let look = look(on);
    if look.high_contrast {
        return color32(contrast_egui(c));
    }
    match look.brand {
        Some((primary, _)) if c == PRIMARY => primary,
        Some((_, pressed)) if c == PRIMARY_PRESSED => pressed,
        _ => color32(c),
    }
}

/// A colour as egui's, as it is (inside egui's own style closures, which must not read the
/// context again).
fn color32(c: Color) -> egui::Color32 {
    let s = c.to_srgba();
    egui::Color32::from_rgba_unmultiplied(
        (s.red * 255.0) as u8,
        (s.green * 255.0) as u8,
        (s.blue * 255.0) as u8,
        (s.alpha * 255.0) as u8,
    )
}

/// How much larger everything gets with the "large text" setting.
pub const LARGE_TEXT_SCALE: f32 = 1.2;

/// In reach mode the whole interface moves into the lower half of the screen, shrunk by this
/// much: scenes lay out wider and shorter there and scroll what does not fit. Not by half,
/// which fitted the screen unchanged but left body text at 13 px; at 0.8 the smallest text
/// stays above 16 px (`layout_audit::MIN_TEXT_PX`) and touch targets at 70 px.
pub const REACH_SCALE: f32 = 0.8;

/// Whether reach mode is on, for egui drawing code.
pub fn reach_mode(on: &impl DrawsOn) -> bool {
    look(on).reach
}

/// How far down egui overlays move in reach mode: half the screen, in egui points.
pub fn reach_offset(ctx: &egui::Context) -> f32 {
    if reach_mode(ctx) {
        ctx.content_rect().height() / 2.0
    } else {
        0.0
    }
}

/// Marks the full-screen root of a scene, which reach mode moves into the lower half.
#[derive(Component)]
pub struct SceneRoot;

/// "Large text" and "reach mode" scale the Bevy scenes and the egui overlays alike; reach mode
/// also puts every scene into the lower half of the screen.
fn apply_large_text(
    session: Res<crate::session::CustomerSession>,
    scale: Option<ResMut<UiScale>>,
    mut roots: Query<&mut Node, With<SceneRoot>>,
    mut contexts: EguiContexts,
) -> Result {
    let a11y = session.settings.accessibility;
    let want = if a11y.large_text {
        LARGE_TEXT_SCALE
    } else {
        1.0
    } * if a11y.reach_mode { REACH_SCALE } else { 1.0 };
    for mut node in &mut roots {
        let (top, height) = if a11y.reach_mode {
            (Val::Percent(50.0), Val::Percent(50.0))
        } else {
            (Val::Auto, Val::Percent(100.0))
        };
        if node.top != top || node.height != height {
            node.position_type = PositionType::Absolute;
            node.top = top;
            node.height = height;
        }
    }
    if let Some(mut scale) = scale
        && scale.0 != want
    {
        scale.0 = want;
    }
    let ctx = contexts.ctx_mut()?;
    if look(ctx).reach != a11y.reach_mode {
        set_look(ctx, |l| l.reach = a11y.reach_mode);
    }
    if (ctx.zoom_factor() - want).abs() > f32::EPSILON {
        ctx.set_zoom_factor(want);
    }
    Ok(())
}

/// Whether the high-contrast palette is on (follows the customer's setting).
#[derive(Resource, Default, PartialEq, Eq)]
pub struct Contrast {
    pub high: bool,
}

pub const HC_BACKGROUND: Color = Color::BLACK;
pub const HC_BUTTON: Color = Color::srgb(0.16, 0.16, 0.16);
pub const HC_ACCENT: Color = Color::srgb(1.0, 0.84, 0.0);

/// The high-contrast counterpart of a palette colour used as a background.
pub fn contrast_background(c: Color) -> Color {
    if c == PRIMARY || c == PRIMARY_PRESSED || c == SUCCESS {
        HC_ACCENT
    } else if c == SECONDARY || c == SECONDARY_PRESSED {
        HC_BUTTON
    } else if c == BACKGROUND || c == SURFACE {
        HC_BACKGROUND
    } else {
        c
    }
}

/// One step for egui, where a colour may be a fill or a text: white (surface, text on accent)
/// turns black, dark text turns white.
fn contrast_egui(c: Color) -> Color {
    if c == TEXT || c == MUTED || c == DANGER {
        contrast_text(c)
    } else if c == Color::WHITE {
        Color::BLACK
    } else {
        contrast_background(c)
    }
}

/// The high-contrast counterpart of a text colour.
pub fn contrast_text(c: Color) -> Color {
    if c == ON_PRIMARY {
        Color::BLACK
    } else if c == TEXT || c == MUTED {
        Color::WHITE
    } else if c == PRIMARY {
        HC_ACCENT
    } else if c == DANGER {
        Color::srgb(1.0, 0.55, 0.5)
    } else {
        c
    }
}

/// The text colour this entity was given by the high-contrast mapping, so a second pass (our
/// own write shows up as a change) leaves it alone.
/// Colours of a button at rest and under a finger (the palette maps them in high contrast).
#[derive(Component, Clone, Copy)]
pub struct ButtonColors {
    pub normal: Color,
    pub pressed: Color,
}

#[derive(Component, Clone, Copy, PartialEq)]
pub struct ContrastApplied {
    pub text: Color,
}

#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn bevy_contrast(
    mut commands: Commands,
    session: Res<crate::session::CustomerSession>,
    mut contrast: ResMut<Contrast>,
    mut clear: ResMut<ClearColor>,
    mut backgrounds: Query<&mut BackgroundColor, Changed<BackgroundColor>>,
    mut texts: Query<(Entity, &mut TextColor, Option<&ContrastApplied>), Changed<TextColor>>,
    mut buttons: Query<&mut ButtonColors, Changed<ButtonColors>>,
    screen: Res<State<crate::screen::Screen>>,
    mut next: ResMut<NextState<crate::screen::Screen>>,
) {
    let want = session.settings.accessibility.high_contrast;
    if contrast.high != want {
        contrast.high = want;
        clear.0 = if want { HC_BACKGROUND } else { BACKGROUND };
        // Rebuild the scene in the other palette, unless a scene change is already on its way.
        if matches!(*next, NextState::Unchanged) {
            next.set(*screen.get());
        }
        return;
    }
    if !contrast.high {
        return;
    }
    // Scenes set palette colours as they go (tabs, cards); map whatever they changed.
    // Background mapping is idempotent (its results are not palette colours).
    for mut bg in &mut backgrounds {
        let mapped = contrast_background(bg.0);
        if mapped != bg.0 {
            bg.0 = mapped;
        }
    }
    // Text mapping is not (white is both a palette colour and a result): remember what we set.
    for (e, mut t, applied) in &mut texts {
        if applied.is_some_and(|a| a.text == t.0) {
            continue;
        }
        t.0 = contrast_text(t.0);
        commands.entity(e).insert(ContrastApplied { text: t.0 });
    }
    for mut b in &mut buttons {
        let (n, p) = (
            contrast_background(b.normal),
            contrast_background(b.pressed),
        );
        if n != b.normal || p != b.pressed {
            b.normal = n;
            b.pressed = p;
        }
    }
}

fn egui_contrast(contrast: Res<Contrast>, mut contexts: EguiContexts) -> Result {
    if !contrast.is_changed() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    set_look(ctx, |l| l.high_contrast = contrast.high);
    if contrast.high {
        ctx.global_style_mut(|style| {
            style.visuals = egui::Visuals::dark();
            style.visuals.panel_fill = egui::Color32::BLACK;
            style.visuals.window_fill = egui::Color32::BLACK;
            style.visuals.override_text_color = Some(egui::Color32::WHITE);
            style.visuals.selection.bg_fill = color32(HC_ACCENT);
            style.visuals.widgets.inactive.weak_bg_fill = color32(HC_BUTTON);
            style.visuals.widgets.inactive.bg_stroke = egui::Stroke::new(2.0, egui::Color32::WHITE);
        });
    } else {
        egui_style(ctx);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_brand_colour_replaces_only_the_primary_colours() {
        let (blue, pressed) = brand_colours("#2a6f97").unwrap();
        assert_eq!(color32(blue), egui::Color32::from_rgb(0x2a, 0x6f, 0x97));
        assert_eq!(color32(pressed), egui::Color32::from_rgb(34, 91, 124));
        assert_eq!(brand_colours("#E65A1A"), None, "the demo's own orange");
        assert_eq!(brand_colours("blue"), None);
        let brand = brand_colours("#2a6f97");
        assert_eq!(branded(PRIMARY, brand), blue);
        assert_eq!(branded(PRIMARY_PRESSED, brand), pressed);
        for c in [SURFACE, SECONDARY, TEXT, DANGER, SUCCESS, BACKGROUND] {
            assert_eq!(branded(c, brand), c);
        }
        assert_eq!(branded(PRIMARY, None), PRIMARY);
    }

    #[test]
    fn touch_targets_stay_finger_sized_in_reach_mode() {
        // WCAG 2.5.5: 44 CSS px. Reach mode shrinks everything; buttons must not go below it.
        const { assert!(TOUCH * REACH_SCALE >= 44.0) };
        // And its smallest text stays readable (the layout audit checks every rendered text).
        const { assert!(size::SMALL * REACH_SCALE >= crate::ui::layout_audit::MIN_TEXT_PX) };
    }

    #[test]
    fn high_contrast_maps_the_palette_and_only_the_palette() {
        assert_eq!(contrast_background(PRIMARY), HC_ACCENT);
        assert_eq!(contrast_background(SURFACE), HC_BACKGROUND);
        assert_eq!(contrast_text(TEXT), Color::WHITE);
        assert_eq!(contrast_text(ON_PRIMARY), Color::BLACK);
        let other = Color::srgb(0.1, 0.2, 0.3);
        assert_eq!(contrast_background(other), other);
        // Mapping a mapped background again changes nothing.
        assert_eq!(
            contrast_background(contrast_background(SECONDARY)),
            HC_BUTTON
        );
    }
}

//! Checks a laid-out screen the way a customer would notice it, from the layout itself (Bevy
//! UI's computed nodes and egui's widget rectangles), not from pixels: text that runs out of
//! its box, two tappable things on top of each other, a tappable thing off the screen, and an
//! egui overlay covering a Bevy button (it would take the taps meant for the button), and
//! text too small to read at arm's length (reach mode once shrank it to 12 px).
//! The screenshot mode runs it on every scene it renders; the test script renders every scene
//! in both languages and at both text sizes and fails on any finding.

use bevy::prelude::*;
use bevy::ui::{CalculatedClip, UiGlobalTransform};
use bevy_egui::{EguiContext, PrimaryEguiContext, egui};

/// What is wrong, one line each, in physical pixels.
pub type Findings = Vec<String>;

/// Slack for rounding: layout positions are rounded to whole pixels.
const SLACK: f32 = 1.5;
/// The smallest text a customer reads comfortably at a kiosk, in physical pixels.
pub const MIN_TEXT_PX: f32 = 16.0;
/// Overlaps smaller than this (px²) are anti-aliased edges, not a covered target.
const MIN_OVERLAP: f32 = 16.0;

#[derive(Debug, Clone)]
struct Box2 {
    entity: Entity,
    rect: Rect,
    /// What is visible of it after clipping by scrolling containers.
    visible: Rect,
    label: String,
}

/// Audits the current frame's layout. Call after layout (a frame or more after a change).
pub fn audit(world: &mut World) -> Findings {
    let mut findings = Vec::new();
    let Some(window) = world
        .query_filtered::<&Window, With<bevy::window::PrimaryWindow>>()
        .iter(world)
        .next()
    else {
        return findings;
    };
    let screen = Rect::new(
        0.0,
        0.0,
        window.physical_width() as f32,
        window.physical_height() as f32,
    );
    let scale = window.scale_factor();

    let mut nodes = world.query::<(
        Entity,
        &ComputedNode,
        &UiGlobalTransform,
        &InheritedVisibility,
        Option<&CalculatedClip>,
    )>();
    let rect_of = |node: &ComputedNode, t: &UiGlobalTransform| {
        Rect::from_center_size(t.translation, node.size)
    };
    let mut shown = std::collections::HashMap::new();
    for (e, node, t, vis, clip) in nodes.iter(world) {
        if !vis.get() || node.size.x < 1.0 || node.size.y < 1.0 {
            continue;
        }
        let rect = rect_of(node, t);
        let visible = clip.map_or(rect, |c| rect.intersect(c.clip));
        shown.insert(e, (rect, visible, *node));
    }
    let parents: std::collections::HashMap<Entity, Entity> = world
        .query::<(Entity, &ChildOf)>()
        .iter(world)
        .map(|(e, c)| (e, c.parent()))
        .collect();
    let is_ancestor = |of: Entity, maybe: Entity| {
        let mut e = of;
        while let Some(p) = parents.get(&e) {
            if *p == maybe {
                return true;
            }
            e = *p;
        }
        false
    };

    // Text out of its box, or too small.
    let ui_scale = world.get_resource::<UiScale>().map_or(1.0, |s| s.0);
    let mut texts = world.query::<(Entity, &Text, &TextFont)>();
    let texts: Vec<(Entity, String, f32)> = texts
        .iter(world)
        .map(|(e, t, f)| {
            let px = f.font_size.eval(screen.size() / scale, 16.0) * ui_scale * scale;
            (e, t.0.clone(), px)
        })
        .collect();
    for (e, text, px) in &texts {
        let Some((rect, visible, _)) = shown.get(e) else {
            continue;
        };
        if text.trim().is_empty() || visible.is_empty() {
            continue;
        }
        if *px + 0.05 < MIN_TEXT_PX {
            findings.push(format!(
                "text '{}' is {px:.1} px high (under {MIN_TEXT_PX})",
                short(text)
            ));
        }
        let Some((parent_rect, _, parent)) = parents.get(e).and_then(|p| shown.get(p)) else {
            continue;
        };
        let inset = parent.content_inset();
        let inner = Rect {
            min: parent_rect.min + inset.min_inset,
            max: parent_rect.max - inset.max_inset,
        };
        let over = overflow(*rect, inner);
        if over > SLACK {
            findings.push(format!(
                "text '{}' runs {over:.0} px out of its box",
                short(text)
            ));
        }
    }

    // Tappable things: Bevy buttons.
    let label_of = |world: &mut World, e: Entity| -> String {
        let mut q = world.query::<(&Text, &ChildOf)>();
        q.iter(world)
            .find(|(_, c)| c.parent() == e)
            .map(|(t, _)| short(&t.0))
            .unwrap_or_else(|| format!("{e}"))
    };
    let mut buttons_q = world.query_filtered::<Entity, With<Interaction>>();
    let button_entities: Vec<Entity> = buttons_q.iter(world).collect();
    let mut buttons = Vec::new();
    for e in button_entities {
        let Some((rect, visible, _)) = shown.get(&e) else {
            continue;
        };
        if visible.is_empty() {
            continue;
        }
        let label = label_of(world, e);
        buttons.push(Box2 {
            entity: e,
            rect: *rect,
            visible: *visible,
            label,
        });
    }
    for b in &buttons {
        // Off screen (and not merely scrolled out of a container's view).
        if b.rect == b.visible && overflow(b.rect, screen) > SLACK {
            findings.push(format!("button '{}' is partly off the screen", b.label));
        }
    }
    for (i, a) in buttons.iter().enumerate() {
        for b in &buttons[i + 1..] {
            let nested = is_ancestor(a.entity, b.entity) || is_ancestor(b.entity, a.entity);
            if nested {
                continue;
            }
            let area = area(a.visible.intersect(b.visible));
            if area > MIN_OVERLAP {
                findings.push(format!(
                    "buttons '{}' and '{}' overlap ({area:.0} px²)",
                    a.label, b.label
                ));
            }
        }
    }

    // egui: its tappable widgets, per layer; and over Bevy buttons.
    let Some(ctx) = world
        .query_filtered::<&mut EguiContext, With<PrimaryEguiContext>>()
        .iter_mut(world)
        .next()
        .map(|mut c| c.get_mut().clone())
    else {
        return findings;
    };
    let ppp = ctx.pixels_per_point();
    // egui's text comes in its styles (and a few explicit sizes above Small).
    let smallest = ctx
        .global_style()
        .text_styles
        .values()
        .map(|f| f.size)
        .fold(f32::MAX, f32::min)
        * ppp;
    if smallest + 0.05 < MIN_TEXT_PX {
        findings.push(format!(
            "egui text is {smallest:.1} px high (under {MIN_TEXT_PX})"
        ));
    }
    let to_px =
        |r: egui::Rect| Rect::new(r.min.x * ppp, r.min.y * ppp, r.max.x * ppp, r.max.y * ppp);
    let screen_points = ctx.content_rect();
    let area_rects: std::collections::HashMap<egui::LayerId, egui::Rect> = ctx.memory(|m| {
        m.layer_ids()
            .filter_map(|l| m.area_rect(l.id).map(|r| (l, r)))
            .collect()
    });
    let is_area = |layer: &egui::LayerId, r: &egui::Rect| {
        area_rects
            .get(layer)
            .is_some_and(|a| (a.min - r.min).length() < 1.0 && (a.max - r.max).length() < 1.0)
    };
    // (layer, id, parent, tappable rect clipped to what shows, whole rect)
    type Widget = (egui::LayerId, egui::Id, egui::Id, egui::Rect, egui::Rect);
    let widgets: Vec<Widget> = ctx.viewport(|v| {
        v.prev_pass
            .widgets
            .layers()
            .flat_map(|(layer, ws)| {
                // An area's own rectangle (egui's "move" widget: it takes taps on the panel's
                // background) is the panel, not a widget on it.
                ws.iter()
                    .filter(|w| {
                        w.sense.senses_click()
                            && w.enabled
                            && w.id != layer.id
                            && w.id != layer.id.with("move")
                            && !is_area(layer, &w.rect)
                    })
                    .map(|w| (*layer, w.id, w.parent_id, w.interact_rect, w.rect))
                    .collect::<Vec<_>>()
            })
            .collect()
    });
    // A dimmed backdrop that takes every tap outside a dialog is meant to cover everything.
    let backdrop = |r: &egui::Rect| r.area() >= 0.9 * screen_points.area();
    for (i, (la, ia, pa, ra, whole)) in widgets.iter().enumerate() {
        if backdrop(ra) || ra.area() < 1.0 {
            continue;
        }
        for (lb, ib, pb, rb, _) in &widgets[i + 1..] {
            if la != lb || backdrop(rb) || pa == ib || pb == ia {
                continue;
            }
            let overlap = ra.intersect(*rb);
            let px = area(to_px(overlap));
            if overlap.is_positive() && px > MIN_OVERLAP {
                findings.push(format!(
                    "egui widgets at {:?} and {:?} overlap ({px:.0} px²)",
                    rect_str(to_px(*ra)),
                    rect_str(to_px(*rb))
                ));
            }
        }
        let r = to_px(*ra);
        // egui clips tappable rectangles to the screen, so the whole one tells: sideways off
        // the screen is out of reach (up and down may only be scrolled out of view).
        let w = to_px(*whole);
        if w.max.x - screen.max.x > SLACK || screen.min.x - w.min.x > SLACK {
            findings.push(format!(
                "an egui widget at {} is partly off the screen",
                rect_str(w)
            ));
        }
        for b in &buttons {
            let px = area(r.intersect(b.visible));
            if px > MIN_OVERLAP {
                findings.push(format!(
                    "an egui widget at {} covers button '{}' ({px:.0} px²)",
                    rect_str(r),
                    b.label
                ));
            }
        }
    }
    let _ = scale;
    findings.sort();
    findings.dedup();
    findings
}

/// How far `inner` sticks out of `outer` on its worst side (0 when inside).
fn overflow(inner: Rect, outer: Rect) -> f32 {
    [
        outer.min.x - inner.min.x,
        outer.min.y - inner.min.y,
        inner.max.x - outer.max.x,
        inner.max.y - outer.max.y,
    ]
    .into_iter()
    .fold(0.0, f32::max)
}

fn area(r: Rect) -> f32 {
    if r.is_empty() {
        0.0
    } else {
        r.width() * r.height()
    }
}

fn rect_str(r: Rect) -> String {
    format!(
        "({:.0},{:.0} {:.0}×{:.0})",
        r.min.x,
        r.min.y,
        r.width(),
        r.height()
    )
}

fn short(s: &str) -> String {
    let s = s.replace('\n', " ");
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_measures_the_worst_side() {
        let outer = Rect::new(0.0, 0.0, 100.0, 50.0);
        assert_eq!(overflow(Rect::new(10.0, 10.0, 90.0, 40.0), outer), 0.0);
        assert_eq!(overflow(Rect::new(10.0, 10.0, 130.0, 40.0), outer), 30.0);
        assert_eq!(overflow(Rect::new(-5.0, 10.0, 90.0, 52.0), outer), 5.0);
        assert_eq!(
            area(Rect::new(0.0, 0.0, 10.0, 10.0).intersect(outer)),
            100.0
        );
        assert_eq!(
            area(Rect::new(200.0, 0.0, 210.0, 10.0).intersect(outer)),
            0.0
        );
    }
}

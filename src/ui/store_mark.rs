//! The store's mark: its logo where the profile has one, else its name in the brand colour —
//! in every header and, large, on the attract screen. Where it stands, five quick taps on it
//! open the staff keypad (`staff.rs`); one does nothing.

use bevy::prelude::*;
use bevy::window::RequestRedraw;

use super::theme;
use crate::bridge::Bridge;
use crate::catalog::ProductImages;
use crate::i18n::I18n;
use crate::store_profile::Store;

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(Update, show_logo);
}

/// The name's place; its logo child shows instead once the picture is in.
#[derive(Component)]
pub struct StoreMark;

#[derive(Component)]
struct Logo;

#[derive(Component)]
struct MarkName;

/// The mark `height` pixels high (the logo's), with the name at `text_size` until a logo shows.
pub fn store_mark(i18n: &I18n, height: f32, text_size: f32) -> impl Bundle {
    (
        Name::new("Store mark"),
        StoreMark,
        Node {
            flex_shrink: 0.0,
            align_items: AlignItems::Center,
            min_height: Val::Px(height.min(text_size * 1.3)),
            ..default()
        },
        children![
            (
                MarkName,
                theme::bold_text(i18n.store_name(), text_size, theme::PRIMARY),
                TextLayout::no_wrap(),
            ),
            (
                Logo,
                ImageNode::default(),
                Node {
                    display: Display::None,
                    height: Val::Px(height),
                    ..default()
                },
            ),
        ],
    )
}

/// Puts the logo in every mark that still shows the name (marks come with each screen drawn),
/// fetching it once; a profile without a logo leaves the names.
fn show_logo(
    store: Res<Store>,
    bridge: Res<Bridge>,
    mut images: ResMut<ProductImages>,
    mut logos: Query<(&mut ImageNode, &mut Node), With<Logo>>,
    mut names: Query<&mut Node, (With<MarkName>, Without<Logo>)>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let Some(id) = store.profile.as_ref().and_then(|p| p.logo) else {
        return;
    };
    if logos.iter().all(|(_, node)| node.display != Display::None) {
        return;
    }
    let Some(handle) = images.get_or_request(id, &bridge) else {
        return;
    };
    for (mut image, mut node) in &mut logos {
        if node.display == Display::None {
            image.image = handle.clone();
            node.display = Display::Flex;
        }
    }
    for mut node in &mut names {
        node.display = Display::None;
    }
    redraw.write(RequestRedraw);
}

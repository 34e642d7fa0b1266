//! "Follow it on your phone": the QR code of the order's phone link and the link written out,
//! in a place scenes leave for it (confirmation, tracking). The place stays empty until the
//! backend has made the link (`phone_link.rs`), then fills in by itself.

use bevy::prelude::*;
use bevy::window::RequestRedraw;

use super::theme::{self, size};
use crate::i18n::I18n;
use crate::phone_link::PhoneLink;

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(Update, fill_phone_qr);
}

/// Side of the code on screen, at most.
const QR_SIDE: u32 = 220;

/// The place for the code of one order's link; hidden until that link is there.
#[derive(Component)]
pub struct PhoneQr(Option<uuid::Uuid>);

#[derive(Component)]
struct PhoneQrImage;

#[derive(Component)]
struct PhoneQrUrl;

/// The code above its words, a column beside a card's main content.
pub fn phone_qr(i18n: &I18n, order: uuid::Uuid) -> impl Bundle {
    phone_qr_in(
        i18n,
        Some(order),
        Node {
            flex_direction: FlexDirection::Column,
            width: Val::Px(420.0),
            flex_shrink: 0.0,
            row_gap: Val::Px(16.0),
            ..default()
        },
        Color::NONE,
        Justify::Center,
    )
}

/// The code beside its words on a card of its own over the tracking map, at its bottom left.
pub fn phone_qr_card(i18n: &I18n, order: Option<uuid::Uuid>) -> impl Bundle {
    phone_qr_in(
        i18n,
        order,
        Node {
            position_type: PositionType::Absolute,
            left: Val::Px(24.0),
            bottom: Val::Px(24.0),
            width: Val::Px(820.0),
            padding: UiRect::all(Val::Px(24.0)),
            column_gap: Val::Px(24.0),
            border_radius: BorderRadius::all(Val::Px(24.0)),
            ..default()
        },
        theme::SURFACE,
        Justify::Left,
    )
}

fn phone_qr_in(
    i18n: &I18n,
    order: Option<uuid::Uuid>,
    node: Node,
    background: Color,
    justify: Justify,
) -> impl Bundle {
    (
        Name::new("Phone link"),
        PhoneQr(order),
        Node {
            display: Display::None,
            align_items: AlignItems::Center,
            ..node
        },
        BackgroundColor(background),
        children![
            (
                PhoneQrImage,
                ImageNode::default(),
                Node {
                    width: Val::Px(QR_SIDE as f32),
                    height: Val::Px(QR_SIDE as f32),
                    flex_shrink: 0.0,
                    ..default()
                },
            ),
            (
                Node {
                    flex_direction: FlexDirection::Column,
                    flex_grow: 1.0,
                    flex_shrink: 1.0,
                    min_width: Val::Px(0.0),
                    row_gap: Val::Px(8.0),
                    ..default()
                },
                children![
                    (
                        theme::bold_text(i18n.t("phone-follow"), size::HEADING, theme::TEXT),
                        TextLayout::justify(justify),
                    ),
                    (
                        theme::text(i18n.t("phone-scan"), size::BODY, theme::MUTED),
                        TextLayout::justify(justify),
                    ),
                    (
                        PhoneQrUrl,
                        theme::text("", size::SMALL, theme::MUTED),
                        // A link has no spaces: it wraps anywhere rather than run out.
                        TextLayout::new(justify, LineBreak::AnyCharacter),
                    ),
                ],
            ),
        ],
    )
}

/// The code's picture and its box.
type QrPicture = (&'static mut ImageNode, &'static mut Node);

/// Shows the link in every empty place for it, the code drawn once per link.
fn fill_phone_qr(
    phone: Res<PhoneLink>,
    mut places: Query<(&PhoneQr, &mut Node)>,
    mut pictures: Query<QrPicture, (With<PhoneQrImage>, Without<PhoneQr>)>,
    mut urls: Query<&mut Text, With<PhoneQrUrl>>,
    mut images: ResMut<Assets<Image>>,
    mut drawn: Local<Option<(String, Handle<Image>, u32)>>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let Some(link) = &phone.link else {
        return;
    };
    let waiting = |(qr, node): &(&PhoneQr, Mut<Node>)| {
        qr.0.is_some() && qr.0 == phone.order && node.display == Display::None
    };
    if !places.iter_mut().any(|p| waiting(&p)) {
        return;
    }
    if drawn.as_ref().is_none_or(|(url, _, _)| *url != link.url) {
        let Some((image, side)) = super::qr::qr_image(&link.url, QR_SIDE) else {
            return;
        };
        *drawn = Some((link.url.clone(), images.add(image), side));
    }
    let Some((_, handle, side)) = drawn.as_ref() else {
        return;
    };
    for (mut picture, mut node) in &mut pictures {
        picture.image = handle.clone();
        node.width = Val::Px(*side as f32);
        node.height = Val::Px(*side as f32);
    }
    for mut text in &mut urls {
        text.0 = link.url.clone();
    }
    for (qr, mut node) in &mut places {
        if qr.0.is_some() && qr.0 == phone.order {
            node.display = Display::Flex;
        }
    }
    redraw.write(RequestRedraw);
}

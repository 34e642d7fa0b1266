//! "Customers also bought": a row (product detail) or column (cart) of tappable suggestions.

use bevy::prelude::*;
use bevy_egui::egui;
use customerclient_api::catalog::Product;

use crate::i18n::I18n;
use crate::session::ShopAction;
use crate::ui::theme::{self, size};

/// Draws the suggestions; tapping one opens it (`add` false) or adds it to the cart.
pub fn also_bought(
    ui: &mut egui::Ui,
    i18n: &I18n,
    products: &[Product],
    vertical: bool,
    add: bool,
) -> Option<ShopAction> {
    let mut action = None;
    ui.label(
        egui::RichText::new(i18n.t("also-bought"))
            .size(size::BODY)
            .strong()
            .color(theme::to_egui(ui, theme::MUTED)),
    );
    let mut chip = |ui: &mut egui::Ui, p: &Product| {
        let label = format!(
            "{}{}   {}",
            if add { "+ " } else { "" },
            p.name,
            p.price.display()
        );
        let b = egui::Button::new(egui::RichText::new(label).size(size::BODY))
            .wrap_mode(egui::TextWrapMode::Wrap)
            .fill(theme::to_egui(ui, theme::SURFACE))
            .min_size(egui::vec2(
                if vertical { ui.available_width() } else { 0.0 },
                theme::TOUCH * 0.85,
            ));
        if ui.add(b).clicked() {
            action = Some(if add {
                ShopAction::AddToCart {
                    product_id: p.id,
                    quantity: 1,
                }
            } else {
                ShopAction::OpenProduct(p.id)
            });
        }
    };
    if vertical {
        // As many as there is room for below (a short screen, large text).
        for p in products {
            if ui.available_height() < theme::TOUCH * 0.85 {
                break;
            }
            chip(ui, p);
        }
    } else {
        // As many to a row as fit; the rest on the next.
        ui.horizontal_wrapped(|ui| {
            for p in products {
                chip(ui, p);
            }
        });
    }
    action
}

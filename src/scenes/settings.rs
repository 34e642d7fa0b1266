//! Settings: language, notifications, contact channel, preferred payment, saved addresses,
//! saved cards and accessibility. Saved on the backend for a signed-in customer; a guest's
//! last until the session is wiped.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use customerclient_api::orders::PaymentMethod;
use customerclient_api::settings::{AccountSettings, AddressInput, ContactChannel, Language};

use crate::account::{AccountAction, AccountFlow};
use crate::catalog::Catalog;
use crate::i18n::{I18n, payment_key};
use crate::screen::Screen;
use crate::session::{CustomerSession, ShopAction};
use crate::ui::egui_kit::{self, error_label, field_box, toggle};
use crate::ui::keyboard::{self, KeyOutcome, KeyboardState, Layout, Placement};
use crate::ui::theme::{self, size};
use crate::ui::{touch, widgets};
use zeroize::Zeroizing;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<NewAddress>()
        .add_systems(OnEnter(Screen::Settings), spawn)
        .add_systems(
            EguiPrimaryContextPass,
            draw.run_if(in_state(Screen::Settings)),
        );
}

/// An address being typed.
#[derive(Resource, Default)]
pub struct NewAddress {
    pub open: bool,
    pub label: String,
    pub address: String,
    /// 0 label, 1 address, 2 current password, 3 new password.
    pub typing: Option<u8>,
    pub keyboard: KeyboardState,
    pub current_password: Zeroizing<String>,
    pub new_password: Zeroizing<String>,
    /// The address being edited (None: a new one), and its city and default flag.
    pub editing: Option<uuid::Uuid>,
    pub city: Option<String>,
    pub is_default: bool,
    /// The field last scrolled into view.
    pub revealed: Option<u8>,
}

fn spawn(
    mut commands: Commands,
    session: Res<CustomerSession>,
    i18n: Res<I18n>,
    mut new: ResMut<NewAddress>,
) {
    *new = NewAddress::default();
    commands.spawn((
        widgets::scene_root("Settings"),
        DespawnOnExit(Screen::Settings),
        children![widgets::header(&session, &i18n, &i18n.t("settings-title"))],
    ));
}

fn pick<T: PartialEq + Copy>(ui: &mut egui::Ui, value: &mut T, option: T, label: &str) -> bool {
    let chosen = egui_kit::choice(ui, label, size::BODY, *value == option);
    let clicked = ui
        .add(chosen.min_size(egui::vec2(0.0, theme::TOUCH * 0.8)))
        .clicked();
    if clicked {
        *value = option;
    }
    clicked
}

/// The settings form. Returns the edited settings when something changed.
pub fn settings_form(
    ui: &mut egui::Ui,
    i18n: &I18n,
    settings: &AccountSettings,
    guest: bool,
) -> Option<AccountSettings> {
    let mut s = settings.clone();
    let mut changed = false;
    if guest {
        ui.label(
            egui::RichText::new(i18n.t("settings-guest-note"))
                .color(theme::to_egui(ui, theme::MUTED)),
        );
    }
    ui.heading(i18n.t("settings-language"));
    ui.horizontal(|ui| {
        changed |= pick(ui, &mut s.language, Language::En, "English");
        changed |= pick(ui, &mut s.language, Language::Ru, "Русский");
    });
    ui.heading(i18n.t("settings-notifications"));
    ui.horizontal_wrapped(|ui| {
        changed |= toggle(
            ui,
            &mut s.notifications.order_status,
            &i18n.t("settings-notif-order"),
        );
        changed |= toggle(
            ui,
            &mut s.notifications.payments,
            &i18n.t("settings-notif-payments"),
        );
        changed |= toggle(
            ui,
            &mut s.notifications.promotions,
            &i18n.t("settings-notif-promotions"),
        );
    });
    ui.heading(i18n.t("settings-contact"));
    ui.horizontal_wrapped(|ui| {
        changed |= pick(
            ui,
            &mut s.contact_channel,
            ContactChannel::Email,
            &i18n.t("settings-contact-email"),
        );
        changed |= pick(
            ui,
            &mut s.contact_channel,
            ContactChannel::Phone,
            &i18n.t("settings-contact-phone"),
        );
        changed |= pick(
            ui,
            &mut s.contact_channel,
            ContactChannel::Messenger,
            &i18n.t("settings-contact-messenger"),
        );
    });
    ui.heading(i18n.t("settings-payment"));
    ui.horizontal_wrapped(|ui| {
        changed |= pick(ui, &mut s.preferred_payment, None, &i18n.t("settings-none"));
        for m in PaymentMethod::ALL {
            changed |= pick(
                ui,
                &mut s.preferred_payment,
                Some(m),
                &i18n.t(payment_key(m)),
            );
        }
    });
    ui.heading(i18n.t("settings-accessibility"));
    ui.horizontal_wrapped(|ui| {
        changed |= toggle(
            ui,
            &mut s.accessibility.large_text,
            &i18n.t("settings-large-text"),
        );
        changed |= toggle(
            ui,
            &mut s.accessibility.high_contrast,
            &i18n.t("settings-high-contrast"),
        );
        changed |= toggle(
            ui,
            &mut s.accessibility.reach_mode,
            &i18n.t("settings-reach-mode"),
        );
    });
    changed.then_some(s)
}

/// What the customer's taps on the settings screen asked for.
#[derive(Debug, Default)]
pub struct SettingsTaps {
    pub account: Vec<AccountAction>,
    pub shop: Vec<ShopAction>,
}

#[allow(clippy::too_many_arguments)]
fn draw(
    mut contexts: EguiContexts,
    session: Res<CustomerSession>,
    catalog: Res<Catalog>,
    i18n: Res<I18n>,
    mut new: ResMut<NewAddress>,
    flow: Res<AccountFlow>,
    mut account: MessageWriter<AccountAction>,
    mut shop: MessageWriter<ShopAction>,
    time: Res<Time>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let taps = settings_panels(
        ctx,
        &i18n,
        &session,
        &catalog,
        &mut new,
        &flow,
        time.elapsed_secs_f64(),
    );
    account.write_batch(taps.account);
    shop.write_batch(taps.shop);
    Ok(())
}

/// Both columns of the settings screen (each scrolls under a finger when it is taller than the
/// screen, as with large text) and the keyboard when a field is being typed in.
pub fn settings_panels(
    ctx: &egui::Context,
    i18n: &I18n,
    session: &CustomerSession,
    catalog: &Catalog,
    new: &mut NewAddress,
    flow: &AccountFlow,
    now: f64,
) -> SettingsTaps {
    let mut taps = SettingsTaps::default();
    let guest = session.signed_in().is_none();
    let frame = egui::Frame::new()
        .fill(theme::to_egui(ctx, theme::SURFACE))
        .corner_radius(egui::CornerRadius::same(20))
        .inner_margin(egui::Margin::same(28));
    // The frame's margins and a gap at the bottom of the screen; above the docked keyboard
    // while one is open.
    let (top, bottom) = keyboard::form_band(ctx, new.typing.is_some());
    let panel_height = (bottom - top - 56.0).max(200.0);
    // A field just chosen is scrolled into view above the keyboard, once.
    let reveal = new.typing.filter(|t| Some(*t) != new.revealed);
    new.revealed = new.typing;
    // Two columns over the screen's width (in points: narrower with large text), a margin
    // of 40 each side and between.
    let column = ((ctx.content_rect().width() - 120.0) / 2.0).clamp(400.0, 900.0);
    egui::Area::new(egui::Id::new("settings-left"))
        .fixed_pos(egui::pos2(40.0, top))
        .constrain(false)
        .show(ctx, |ui| {
            ui.set_width(column - 56.0);
            frame.show(ui, |ui| {
                touch::scroll_panel(ui, "settings-left", panel_height, |ui| {
                    if let Some(s) = settings_form(ui, i18n, &session.settings, guest) {
                        taps.account.push(AccountAction::SaveSettings(s));
                    }
                });
            });
        });
    egui::Area::new(egui::Id::new("settings-right"))
        .fixed_pos(egui::pos2(80.0 + column, top))
        .constrain(false)
        .show(ctx, |ui| {
            ui.set_width(column - 56.0);
            frame.show(ui, |ui| {
                touch::scroll_panel(ui, "settings-right", panel_height, |ui| {
                    ui.heading(i18n.t("settings-addresses"));
                    for a in &session.addresses {
                        ui.horizontal(|ui| {
                            let mark = if a.is_default {
                                format!(" · {}", i18n.t("settings-address-default"))
                            } else {
                                String::new()
                            };
                            ui.label(
                                egui::RichText::new(format!(
                                    "{}: {}, {}{mark}",
                                    a.label, a.address, a.city
                                ))
                                .size(size::BODY),
                            );
                            let del =
                                egui_kit::danger_button(ui, i18n.t("settings-address-delete"));
                            if ui
                                .add(del.min_size(egui::vec2(0.0, theme::TOUCH * 0.7)))
                                .clicked()
                            {
                                taps.account.push(AccountAction::DeleteAddress(a.id));
                            }
                            let edit =
                                egui_kit::button(i18n.t("settings-address-edit"), size::BODY);
                            if ui
                                .add(edit.min_size(egui::vec2(0.0, theme::TOUCH * 0.7)))
                                .clicked()
                            {
                                new.open = true;
                                new.editing = Some(a.id);
                                new.label = a.label.clone();
                                new.address = a.address.clone();
                                new.city = Some(a.city.clone());
                                new.is_default = a.is_default;
                                new.typing = Some(1);
                            }
                            if !a.is_default {
                                let make = egui_kit::button(
                                    i18n.t("settings-address-make-default"),
                                    size::BODY,
                                );
                                if ui
                                    .add(make.min_size(egui::vec2(0.0, theme::TOUCH * 0.7)))
                                    .clicked()
                                {
                                    taps.account.push(AccountAction::SaveAddress {
                                        id: Some(a.id),
                                        address: AddressInput {
                                            label: a.label.clone(),
                                            city: a.city.clone(),
                                            address: a.address.clone(),
                                            is_default: true,
                                        },
                                    });
                                }
                            }
                        });
                    }
                    if new.open {
                        let field = field_box(
                            ui,
                            &i18n.t("settings-address-label"),
                            &new.label,
                            "",
                            new.typing == Some(0),
                            false,
                        );
                        if field.clicked() {
                            new.typing = Some(0);
                        }
                        if reveal == Some(0) {
                            field.scroll_to_me(Some(egui::Align::Center));
                        }
                        let field = field_box(
                            ui,
                            &i18n.t("checkout-address"),
                            &new.address,
                            "",
                            new.typing == Some(1),
                            false,
                        );
                        if field.clicked() {
                            new.typing = Some(1);
                        }
                        if reveal == Some(1) {
                            field.scroll_to_me(Some(egui::Align::Center));
                        }
                        let save = egui_kit::brand_button(ui, i18n.t("settings-save"));
                        if ui
                            .add(save.min_size(egui::vec2(240.0, theme::TOUCH)))
                            .clicked()
                            && new.address.trim().len() >= 3
                        {
                            let city = new.city.clone().unwrap_or_else(|| {
                                catalog
                                    .delivery
                                    .as_ref()
                                    .and_then(|d| d.cities().next().map(str::to_owned))
                                    .unwrap_or_default()
                            });
                            let label = if new.label.trim().is_empty() {
                                "Home".to_owned()
                            } else {
                                new.label.trim().to_owned()
                            };
                            taps.account.push(AccountAction::SaveAddress {
                                id: new.editing,
                                address: AddressInput {
                                    label,
                                    city,
                                    address: new.address.trim().to_owned(),
                                    is_default: new.is_default,
                                },
                            });
                            *new = NewAddress::default();
                        }
                    } else if ui
                        .add(
                            egui_kit::button(i18n.t("settings-address-add"), size::BODY)
                                .min_size(egui::vec2(0.0, theme::TOUCH)),
                        )
                        .clicked()
                    {
                        new.open = true;
                        new.typing = Some(1);
                    }
                    ui.add_space(10.0);
                    ui.heading(i18n.t("settings-cards"));
                    for c in &session.cards {
                        ui.horizontal(|ui| {
                            ui.label(
                                egui::RichText::new(format!(
                                    "{} •••• {}",
                                    c.brand.label(),
                                    c.last4
                                ))
                                .size(size::BODY),
                            );
                            let del =
                                egui_kit::danger_button(ui, i18n.t("settings-address-delete"));
                            if ui
                                .add(del.min_size(egui::vec2(0.0, theme::TOUCH * 0.7)))
                                .clicked()
                            {
                                taps.account.push(AccountAction::DeleteCard(c.id));
                            }
                        });
                    }
                    let note = if session.cards.is_empty() {
                        "settings-no-cards"
                    } else {
                        "settings-cards-note"
                    };
                    ui.label(
                        egui::RichText::new(i18n.t(note)).color(theme::to_egui(ui, theme::MUTED)),
                    );
                    ui.add_space(10.0);
                    if !guest {
                        ui.heading(i18n.t("settings-password"));
                        let dots = |s: &str| "•".repeat(s.chars().count());
                        let field = field_box(
                            ui,
                            &i18n.t("settings-current-password"),
                            &dots(&new.current_password),
                            "",
                            new.typing == Some(2),
                            false,
                        );
                        if field.clicked() {
                            new.typing = Some(2);
                        }
                        if reveal == Some(2) {
                            field.scroll_to_me(Some(egui::Align::Center));
                        }
                        let field = field_box(
                            ui,
                            &i18n.t("account-new-password"),
                            &dots(&new.new_password),
                            "",
                            new.typing == Some(3),
                            false,
                        );
                        if field.clicked() {
                            new.typing = Some(3);
                        }
                        if reveal == Some(3) {
                            field.scroll_to_me(Some(egui::Align::Center));
                        }
                        let change = egui_kit::button(i18n.t("settings-save"), size::BODY);
                        if ui
                            .add_enabled(
                                !flow.is_busy(),
                                change.min_size(egui::vec2(240.0, theme::TOUCH)),
                            )
                            .clicked()
                            && new.new_password.chars().count() >= 8
                        {
                            taps.account.push(AccountAction::ChangePassword {
                                current: new.current_password.to_string(),
                                new: new.new_password.to_string(),
                            });
                            new.current_password = Default::default();
                            new.new_password = Default::default();
                            new.typing = None;
                        }
                        if !new.new_password.is_empty() && new.new_password.chars().count() < 8 {
                            error_label(ui, Some(i18n.t("account-password-short")));
                        }
                        if let Some(f) = &flow.failure {
                            let text = crate::i18n::failure_text(i18n, f);
                            error_label(ui, Some(text));
                        }
                        if let Some(n) = flow.notice {
                            ui.label(
                                egui::RichText::new(i18n.t(n))
                                    .color(theme::to_egui(ui, theme::SUCCESS)),
                            );
                        }
                        ui.add_space(10.0);
                    }
                    if !guest
                        && ui
                            .add(
                                egui_kit::button(i18n.t("account-sign-out"), size::BODY)
                                    .min_size(egui::vec2(0.0, theme::TOUCH)),
                            )
                            .clicked()
                    {
                        taps.account.push(AccountAction::SignOut);
                    }
                    let close = egui_kit::button(i18n.t("settings-close"), size::HEADING);
                    if ui
                        .add(close.min_size(egui::vec2(ui.available_width(), theme::TOUCH)))
                        .clicked()
                    {
                        taps.shop.push(ShopAction::ShowGallery);
                    }
                });
            });
        });
    if let Some(which) = new.typing {
        let (layout, text): (Layout, &mut String) = match which {
            0 => (Layout::Letters, &mut new.label),
            1 => (Layout::Letters, &mut new.address),
            2 => (Layout::Plain, &mut new.current_password),
            _ => (Layout::Plain, &mut new.new_password),
        };
        let place = Placement::docked("settings-keyboard", egui::Align2::RIGHT_BOTTOM);
        let outcome =
            keyboard::keyboard_overlay(ctx, place, i18n, layout, &mut new.keyboard, text, 200, now);
        match outcome {
            Some(KeyOutcome::Done) => new.typing = None,
            Some(KeyOutcome::Next) => new.typing = matches!(which, 0 | 2).then_some(which + 1),
            _ => {}
        }
    }
    taps
}

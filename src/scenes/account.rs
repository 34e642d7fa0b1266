//! The account screen: sign in, create an account, type the e-mailed code, reset a forgotten
//! password — an egui form over the scene with the on-screen keyboard under it.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::account::{AccountAction, AccountField, AccountFlow, AccountMode};
use crate::i18n::{I18n, arg};
use crate::schedule::KioskSet;
use crate::screen::Screen;
use crate::session::CustomerSession;
use crate::ui::egui_kit;
use crate::ui::egui_kit::{error_label, field_box};
use crate::ui::keyboard::{self, KeyOutcome, KeyboardState, Layout, Placement};
use crate::ui::theme::{self, size};
use crate::ui::{touch, widgets};

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Typing>()
        // The next customer's keyboard starts on the kiosk's own letters, closed.
        .add_systems(OnEnter(Screen::Attract), |mut t: ResMut<Typing>| {
            *t = Typing::default()
        })
        .add_systems(OnEnter(Screen::Account), spawn)
        .add_systems(
            Update,
            keyboard_follows_the_step
                .run_if(state_changed::<AccountMode>)
                .in_set(KioskSet::Draw),
        )
        .add_systems(
            EguiPrimaryContextPass,
            draw.run_if(in_state(Screen::Account)),
        );
}

/// On a new step the keyboard never types into a field the step does not show: it moves to
/// the step's first field if it was open, and opens on the code when a code was just mailed.
fn keyboard_follows_the_step(step: Option<Res<State<AccountMode>>>, mut typing: ResMut<Typing>) {
    let Some(step) = step else { return };
    let first = fields(*step.get()).first().copied();
    let code_mailed = matches!(step.get(), AccountMode::Verify | AccountMode::Reset);
    if typing.0.is_some() || code_mailed {
        typing.0 = first;
    }
}

/// The field the keyboard types into.
#[derive(Resource, Default)]
pub struct Typing(pub Option<AccountField>, pub KeyboardState);

fn spawn(
    mut commands: Commands,
    session: Res<CustomerSession>,
    i18n: Res<I18n>,
    mut typing: ResMut<Typing>,
) {
    typing.0 = None;
    commands.spawn((
        widgets::scene_root("Account"),
        DespawnOnExit(Screen::Account),
        children![widgets::header(&session, &i18n, "")],
    ));
}

fn fields(mode: AccountMode) -> &'static [AccountField] {
    use AccountField::*;
    match mode {
        AccountMode::SignIn => &[Login, Password],
        AccountMode::SignUp => &[Login, Email, Phone, Password, PasswordAgain],
        AccountMode::Verify => &[Code],
        AccountMode::Forgot => &[Email],
        AccountMode::Reset => &[Code, Password, PasswordAgain],
    }
}

fn layout(field: AccountField) -> (Layout, usize) {
    match field {
        AccountField::Login => (Layout::Plain, 64),
        AccountField::Email => (Layout::Email, 254),
        AccountField::Phone => (Layout::Phone, 16),
        AccountField::Password | AccountField::PasswordAgain => (Layout::Plain, 64),
        AccountField::Code => (Layout::Phone, 6),
    }
}

/// Draws the form of the current mode. Returns what the customer asked for.
pub fn account_form(
    ui: &mut egui::Ui,
    i18n: &I18n,
    flow: &mut AccountFlow,
    typing: &mut Option<AccountField>,
) -> Option<AccountAction> {
    let mut action = None;
    let busy = flow.is_busy();
    let title = match flow.mode {
        AccountMode::SignIn => i18n.t("account-sign-in-title"),
        AccountMode::SignUp => i18n.t("account-sign-up-title"),
        AccountMode::Verify => i18n.t_args(
            "account-verify-title",
            &[arg("email", flow.form.email.clone())],
        ),
        AccountMode::Forgot | AccountMode::Reset => i18n.t("account-reset-title"),
    };
    ui.heading(title);
    ui.add_space(6.0);
    for &field in fields(flow.mode) {
        let (label, error) = match field {
            AccountField::Login if flow.mode == AccountMode::SignIn => {
                ("account-login-or-email", flow.errors.login)
            }
            AccountField::Login => ("account-login", flow.errors.login),
            AccountField::Email => ("account-email", flow.errors.email),
            AccountField::Phone => ("account-phone", flow.errors.phone),
            AccountField::Password if flow.mode == AccountMode::Reset => {
                ("account-new-password", flow.errors.password)
            }
            AccountField::Password => ("account-password", flow.errors.password),
            AccountField::PasswordAgain => ("account-password-again", flow.errors.password_again),
            AccountField::Code => ("account-code", flow.errors.code),
        };
        let value = flow.form.field_mut(field).clone();
        // Passwords show as dots; everything else as typed.
        let shown = match field {
            AccountField::Password | AccountField::PasswordAgain => {
                "•".repeat(value.chars().count())
            }
            _ => value,
        };
        if field_box(
            ui,
            &i18n.t(label),
            &shown,
            "",
            *typing == Some(field),
            error.is_some(),
        )
        .clicked()
            && !busy
        {
            *typing = Some(field);
        }
        error_label(ui, error.map(|k| i18n.t(k)));
    }
    ui.add_space(8.0);
    let submit_label = match flow.mode {
        AccountMode::SignIn => "account-sign-in",
        AccountMode::SignUp => "account-create",
        AccountMode::Verify => "account-verify",
        AccountMode::Forgot => "account-reset-send",
        AccountMode::Reset => "account-reset",
    };
    let label = if busy {
        i18n.t("account-working")
    } else {
        i18n.t(submit_label)
    };
    let submit = egui_kit::primary_button(ui, label);
    if ui
        .add_enabled(
            !busy,
            submit.min_size(egui::vec2(ui.available_width(), theme::TOUCH * 1.2)),
        )
        .clicked()
    {
        *typing = None;
        action = Some(AccountAction::Submit);
    }
    if let Some(f) = &flow.failure {
        let text = crate::i18n::failure_text(i18n, f);
        ui.label(
            egui::RichText::new(text)
                .color(theme::to_egui(ui, theme::DANGER))
                .size(size::BODY),
        );
    }
    if let Some(n) = flow.notice {
        ui.label(
            egui::RichText::new(i18n.t(n))
                .color(theme::to_egui(ui, theme::SUCCESS))
                .size(size::BODY),
        );
    }
    ui.add_space(6.0);
    let link = |ui: &mut egui::Ui, key: &str| {
        ui.add_enabled(
            !busy,
            egui_kit::button(i18n.t(key), size::BODY).min_size(egui::vec2(0.0, theme::TOUCH * 0.8)),
        )
        .clicked()
    };
    ui.horizontal_wrapped(|ui| match flow.mode {
        AccountMode::SignIn => {
            if link(ui, "account-no-account") {
                action = Some(AccountAction::SetMode(AccountMode::SignUp));
            }
            if link(ui, "account-forgot") {
                action = Some(AccountAction::SetMode(AccountMode::Forgot));
            }
        }
        AccountMode::SignUp => {
            if link(ui, "account-have-account") {
                action = Some(AccountAction::SetMode(AccountMode::SignIn));
            }
        }
        AccountMode::Verify => {
            if link(ui, "account-resend") {
                action = Some(AccountAction::ResendCode);
            }
        }
        AccountMode::Forgot | AccountMode::Reset => {
            if link(ui, "account-sign-in-title") {
                action = Some(AccountAction::SetMode(AccountMode::SignIn));
            }
        }
    });
    if link(ui, "account-guest") {
        action = Some(AccountAction::Close);
    }
    action
}

fn draw(
    mut contexts: EguiContexts,
    mut flow: ResMut<AccountFlow>,
    mut typing: ResMut<Typing>,
    i18n: Res<I18n>,
    mut out: MessageWriter<AccountAction>,
    time: Res<Time>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let typing = &mut *typing;
    let flow = &mut *flow;
    let mut action = None;
    let top = widgets::HEADER_HEIGHT + 24.0 + theme::reach_offset(ctx);
    // A long form (sign-up, Russian, large text) scrolls rather than running off the screen.
    let height = ctx.content_rect().bottom() - top - 64.0 - 24.0;
    egui::Area::new(egui::Id::new("account-form"))
        .fixed_pos(egui::pos2(40.0, top))
        .constrain(false)
        .show(ctx, |ui| {
            // Left half: the keyboard takes the right half, so it never covers a field.
            ui.set_width(780.0 - 64.0);
            egui::Frame::new()
                .fill(theme::to_egui(ui, theme::SURFACE))
                .corner_radius(egui::CornerRadius::same(20))
                .inner_margin(egui::Margin::same(32))
                .show(ui, |ui| {
                    touch::scroll_panel(ui, "account-form", height, |ui| {
                        action = account_form(ui, &i18n, flow, &mut typing.0)
                    });
                });
        });
    if let Some(field) = typing.0 {
        let (layout, max) = layout(field);
        let list = fields(flow.mode);
        let text = flow.form.field_mut(field);
        // The form is on the left half; the keyboard stays on the right, clear of every field.
        let place = Placement::docked("account-keyboard", egui::Align2::RIGHT_BOTTOM);
        match keyboard::keyboard_overlay(
            ctx,
            place,
            &i18n,
            layout,
            &mut typing.1,
            text,
            max,
            time.elapsed_secs_f64(),
        ) {
            Some(KeyOutcome::Done) => typing.0 = None,
            Some(KeyOutcome::Next) => {
                let i = list.iter().position(|f| *f == field).unwrap_or(0);
                typing.0 = list.get(i + 1).copied();
            }
            _ => {}
        }
    }
    if let Some(a) = action {
        out.write(a);
    }
    Ok(())
}

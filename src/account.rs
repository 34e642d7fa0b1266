//! Signing up (with the e-mailed code), signing in and out, resetting a forgotten password,
//! and the signed-in customer's settings and addresses. Guests keep settings for the session.

use bevy::prelude::*;
use customerclient_api::auth::{Account, SignUpRequest};
use customerclient_api::settings::{AccountSettings, AddressInput, SavedAddress};
use zeroize::Zeroizing;

use crate::bridge::{ApiCall, ApiReply, BackendReply, Bridge, BridgeError, CallKind, RequestId};
use crate::scenes::Screen;
use crate::session::{CustomerSession, Failure};

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<AccountFlow>()
        .add_message::<AccountAction>()
        .add_systems(
            Update,
            (apply_account_actions, receive_account_replies).chain(),
        );
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccountMode {
    #[default]
    SignIn,
    SignUp,
    /// Typing the code mailed after sign-up.
    Verify,
    /// Asking for a password-reset code.
    Forgot,
    /// Typing the reset code and the new password.
    Reset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountField {
    Login,
    Email,
    Phone,
    Password,
    PasswordAgain,
    Code,
}

/// What the customer typed. Passwords are zeroised when the form is cleared.
#[derive(Default)]
pub struct AccountForm {
    pub login: String,
    pub email: String,
    pub phone: String,
    pub password: Zeroizing<String>,
    pub password_again: Zeroizing<String>,
    pub code: String,
}

impl AccountForm {
    pub fn field_mut(&mut self, field: AccountField) -> &mut String {
        match field {
            AccountField::Login => &mut self.login,
            AccountField::Email => &mut self.email,
            AccountField::Phone => &mut self.phone,
            AccountField::Password => &mut self.password,
            AccountField::PasswordAgain => &mut self.password_again,
            AccountField::Code => &mut self.code,
        }
    }
}

/// Problems next to each field (translation keys).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountErrors {
    pub login: Option<&'static str>,
    pub email: Option<&'static str>,
    pub phone: Option<&'static str>,
    pub password: Option<&'static str>,
    pub password_again: Option<&'static str>,
    pub code: Option<&'static str>,
}

impl AccountErrors {
    pub fn is_empty(&self) -> bool {
        *self == AccountErrors::default()
    }
}

#[derive(Message, Debug, Clone, PartialEq)]
pub enum AccountAction {
    /// Show the sign-in screen, coming back to the current one afterwards.
    Open,
    SetMode(AccountMode),
    Submit,
    ResendCode,
    SignOut,
    /// Leave the account screen without signing in.
    Close,
    SaveSettings(AccountSettings),
    /// Adds (`id` None) or replaces an address.
    SaveAddress {
        id: Option<uuid::Uuid>,
        address: AddressInput,
    },
    DeleteAddress(uuid::Uuid),
    ChangePassword {
        current: String,
        new: String,
    },
    DeleteCard(uuid::Uuid),
}

#[derive(Resource, Default)]
pub struct AccountFlow {
    pub mode: AccountMode,
    pub form: AccountForm,
    pub errors: AccountErrors,
    /// The backend's answer to the last attempt, if it failed.
    pub failure: Option<Failure>,
    /// A translation key to show as good news ("code sent").
    pub notice: Option<&'static str>,
    pub pending: Option<RequestId>,
    pub return_to: Option<Screen>,
}

impl AccountFlow {
    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    fn clear(&mut self) {
        let return_to = self.return_to;
        *self = AccountFlow {
            return_to,
            ..default()
        };
    }
}

fn valid_email(e: &str) -> bool {
    let e = e.trim();
    e.split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.ends_with('.'))
        && !e.contains(' ')
}

/// Checks the fields the current mode needs; the server checks again.
pub fn validate(mode: AccountMode, f: &AccountForm) -> AccountErrors {
    let mut e = AccountErrors::default();
    let required = |s: &str| s.trim().is_empty().then_some("account-required");
    match mode {
        AccountMode::SignIn => {
            e.login = required(&f.login);
            e.password = required(&f.password);
        }
        AccountMode::SignUp => {
            e.login = required(&f.login);
            e.email = (!valid_email(&f.email)).then_some("account-email-invalid");
            e.phone = customerclient_api::orders::normalise_phone(&f.phone)
                .is_none()
                .then_some("error-phone");
            e.password = (f.password.chars().count() < 8).then_some("account-password-short");
            e.password_again =
                (*f.password != *f.password_again).then_some("account-passwords-differ");
        }
        AccountMode::Verify => {
            e.code = (f.code.len() != 6 || !f.code.chars().all(|c| c.is_ascii_digit()))
                .then_some("account-code");
        }
        AccountMode::Forgot => {
            e.email = (!valid_email(&f.email)).then_some("account-email-invalid");
        }
        AccountMode::Reset => {
            e.code = (f.code.len() != 6).then_some("account-code");
            e.password = (f.password.chars().count() < 8).then_some("account-password-short");
            e.password_again =
                (*f.password != *f.password_again).then_some("account-passwords-differ");
        }
    }
    e
}

fn apply_account_actions(
    mut actions: MessageReader<AccountAction>,
    mut flow: ResMut<AccountFlow>,
    mut session: ResMut<CustomerSession>,
    bridge: Res<Bridge>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
) {
    for action in actions.read() {
        match action {
            AccountAction::Open => {
                if *screen.get() != Screen::Account {
                    flow.clear();
                    flow.return_to = Some(*screen.get());
                }
                next.set(Screen::Account);
            }
            AccountAction::SetMode(mode) => {
                flow.mode = *mode;
                flow.errors = AccountErrors::default();
                flow.failure = None;
                flow.notice = None;
            }
            AccountAction::Close => {
                next.set(
                    flow.return_to
                        .take()
                        .filter(|s| *s != Screen::Account)
                        .unwrap_or(Screen::Gallery),
                );
                flow.clear();
            }
            AccountAction::Submit => {
                if flow.is_busy() {
                    continue;
                }
                let errors = validate(flow.mode, &flow.form);
                flow.errors = errors.clone();
                flow.failure = None;
                flow.notice = None;
                if !errors.is_empty() {
                    continue;
                }
                let f = &flow.form;
                let call = match flow.mode {
                    AccountMode::SignIn => ApiCall::SignIn {
                        login: f.login.trim().to_owned(),
                        password: f.password.to_string(),
                    },
                    AccountMode::SignUp => ApiCall::SignUp(SignUpRequest {
                        login: f.login.trim().to_owned(),
                        email: f.email.trim().to_owned(),
                        phone: f.phone.trim().to_owned(),
                        password: f.password.to_string(),
                    }),
                    AccountMode::Verify => ApiCall::Verify {
                        email: f.email.trim().to_owned(),
                        code: f.code.clone(),
                    },
                    AccountMode::Forgot => ApiCall::ForgotPassword {
                        email: f.email.trim().to_owned(),
                    },
                    AccountMode::Reset => ApiCall::ResetPassword {
                        email: f.email.trim().to_owned(),
                        code: f.code.clone(),
                        new_password: f.password.to_string(),
                    },
                };
                flow.pending = Some(bridge.send(call));
            }
            AccountAction::ResendCode => {
                if !flow.is_busy() {
                    let email = flow.form.email.trim().to_owned();
                    flow.pending = Some(bridge.send(ApiCall::ResendCode { email }));
                }
            }
            AccountAction::SignOut => {
                if let (Some(token), Some(_)) = (session.token.clone(), session.account.as_ref()) {
                    bridge.send(ApiCall::SignOut { token });
                }
                // The cart stays; the next order opens a guest session.
                session.token = None;
                session.account = None;
                // The customer is still here: the interface stays in their language.
                session.settings = AccountSettings {
                    language: session.settings.language,
                    ..AccountSettings::default()
                };
                session.addresses.clear();
                session.cards.clear();
            }
            AccountAction::SaveSettings(settings) => {
                session.settings = settings.clone();
                if let (Some(token), Some(_)) = (session.token.clone(), session.account.as_ref()) {
                    bridge.send(ApiCall::SaveSettings {
                        token,
                        settings: settings.clone(),
                    });
                }
            }
            AccountAction::SaveAddress { id, address } => {
                if let (Some(token), Some(_)) = (session.token.clone(), session.account.as_ref()) {
                    flow.pending = Some(bridge.send(ApiCall::SaveAddress {
                        token,
                        id: *id,
                        address: address.clone(),
                    }));
                } else {
                    // Guests keep addresses for the session only, with the backend's rules:
                    // the first is the default, and there is one default at most.
                    let first = session.addresses.is_empty();
                    let saved = SavedAddress {
                        id: id.unwrap_or_else(uuid::Uuid::new_v4),
                        label: address.label.clone(),
                        city: address.city.clone(),
                        address: address.address.clone(),
                        is_default: first || address.is_default,
                    };
                    if saved.is_default {
                        for a in &mut session.addresses {
                            a.is_default = false;
                        }
                    }
                    match session.addresses.iter_mut().find(|a| a.id == saved.id) {
                        Some(existing) => *existing = saved,
                        None => session.addresses.push(saved),
                    }
                }
            }
            AccountAction::ChangePassword { current, new } => {
                if let (Some(token), Some(_)) = (session.token.clone(), session.account.as_ref()) {
                    flow.failure = None;
                    flow.notice = None;
                    flow.pending = Some(bridge.send(ApiCall::ChangePassword {
                        token,
                        current: current.clone(),
                        new: new.clone(),
                    }));
                }
            }
            AccountAction::DeleteCard(id) => {
                session.cards.retain(|c| c.id != *id);
                if let Some(token) = session.token.clone() {
                    bridge.send(ApiCall::DeleteCard { token, id: *id });
                }
            }
            AccountAction::DeleteAddress(id) => {
                session.addresses.retain(|a| a.id != *id);
                if let (Some(token), Some(_)) = (session.token.clone(), session.account.as_ref()) {
                    bridge.send(ApiCall::DeleteAddress { token, id: *id });
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn receive_account_replies(
    mut replies: MessageReader<BackendReply>,
    mut flow: ResMut<AccountFlow>,
    mut session: ResMut<CustomerSession>,
    bridge: Res<Bridge>,
    mut next: ResMut<NextState<Screen>>,
) {
    for reply in replies.read() {
        if reply.call != CallKind::Account {
            continue;
        }
        if let Ok(ApiReply::Settings(s)) = &reply.result {
            if session.account.is_some() {
                // The interface follows (session::follow_language).
                session.settings = s.clone();
            }
            continue;
        }
        if let Ok(ApiReply::Cards(c)) = &reply.result {
            if session.account.is_some() {
                session.cards = c.clone();
            }
            continue;
        }
        if let Ok(ApiReply::Addresses(a)) = &reply.result {
            session.addresses = a.clone();
            if flow.pending == Some(reply.id) {
                flow.pending = None;
            }
            continue;
        }
        if flow.pending != Some(reply.id) {
            continue;
        }
        flow.pending = None;
        match &reply.result {
            Ok(ApiReply::SessionOpened(s)) => {
                info!("signed in");
                session.token = Some(s.token.clone());
                session.account = Some(s.account.clone());
                bridge.send(ApiCall::LoadSettings {
                    token: s.token.clone(),
                });
                bridge.send(ApiCall::LoadAddresses {
                    token: s.token.clone(),
                });
                bridge.send(ApiCall::LoadCards {
                    token: s.token.clone(),
                });
                next.set(
                    flow.return_to
                        .take()
                        .filter(|s| *s != Screen::Account)
                        .unwrap_or(Screen::Gallery),
                );
                flow.clear();
            }
            Ok(ApiReply::SignUpPending(p)) => {
                flow.form.email = p.email.clone();
                flow.mode = AccountMode::Verify;
                flow.form.code.clear();
            }
            Ok(ApiReply::Done) => match flow.mode {
                AccountMode::Forgot => {
                    flow.mode = AccountMode::Reset;
                    flow.form.password = Default::default();
                    flow.form.password_again = Default::default();
                }
                AccountMode::Reset => {
                    flow.mode = AccountMode::SignIn;
                    flow.form.password = Default::default();
                    flow.form.password_again = Default::default();
                    flow.notice = Some("account-reset-done");
                }
                AccountMode::Verify => flow.notice = Some("account-code-sent"),
                _ => flow.notice = Some("settings-saved"),
            },
            Ok(_) => {}
            Err(e) => {
                flow.failure = Some(match e {
                    BridgeError::Rejected { body, .. } => {
                        // The account exists but was never confirmed: go and type the code.
                        if body.error == "not_verified"
                            && flow.mode == AccountMode::SignIn
                            && flow.form.login.contains('@')
                        {
                            flow.form.email = flow.form.login.clone();
                            flow.mode = AccountMode::Verify;
                        }
                        Failure::Rejected {
                            code: body.error.clone(),
                            message: body.message.clone(),
                        }
                    }
                    _ => Failure::Unreachable,
                });
            }
        }
    }
}

/// The account the kiosk is signed in to, if any (not a guest).
pub fn signed_in(session: &CustomerSession) -> Option<&Account> {
    session.account.as_ref().filter(|a| !a.guest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_up_fields_are_checked_before_sending() {
        let mut f = AccountForm {
            login: "anna".into(),
            email: "anna@example".into(),
            phone: "123".into(),
            ..Default::default()
        };
        *f.password = "short".into();
        *f.password_again = "other".into();
        let e = validate(AccountMode::SignUp, &f);
        assert_eq!(e.email, Some("account-email-invalid"));
        assert_eq!(e.phone, Some("error-phone"));
        assert_eq!(e.password, Some("account-password-short"));
        assert_eq!(e.password_again, Some("account-passwords-differ"));
        f.email = "anna@example.com".into();
        f.phone = "+7 900 111 22 33".into();
        *f.password = "long enough".into();
        *f.password_again = "long enough".into();
        assert!(validate(AccountMode::SignUp, &f).is_empty());
        f.code = "12a456".into();
        assert_eq!(validate(AccountMode::Verify, &f).code, Some("account-code"));
    }
}

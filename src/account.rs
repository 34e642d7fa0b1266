//! Signing up (with the e-mailed code), signing in and out, resetting a forgotten password,
//! and the signed-in customer's settings and addresses. Guests keep settings for the session.

use bevy::prelude::*;

use crate::schedule::KioskSet;
use customerclient_api::auth::{
    ChangePasswordRequest, EmailRequest, ResetPasswordRequest, Session, SignInRequest,
    SignUpPending, SignUpRequest, VerifyRequest, valid_email,
};
use customerclient_api::endpoint as e;
use customerclient_api::settings::{AccountSettings, AddressInput, SavedAddress};
use zeroize::Zeroizing;

use crate::bridge::{Bridge, BridgeError, Call, Reply, RequestId};
use crate::failure::Failure;
use crate::screen::{self, Screen};
use crate::session::CustomerSession;

pub(crate) fn plugin(app: &mut App) {
    screen::add_screen_step::<AccountMode>(app);
    app.init_resource::<AccountFlow>()
        .add_message::<AccountAction>()
        .add_systems(
            Update,
            (
                (receive_account_data, receive_account_replies)
                    .chain()
                    .in_set(KioskSet::Receive),
                (
                    apply_account_actions,
                    follow_mode.run_if(in_state(Screen::Account)),
                )
                    .chain()
                    .in_set(KioskSet::Apply),
            ),
        );
}

/// The account screen's steps, also its sub-state: [`AccountFlow::mode`] is what the logic
/// reads and writes in a frame, and the state follows it at the next transition, so the
/// drawing can act on entering a step (the keyboard moves to the step's first field).
#[derive(SubStates, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[source(Screen = Screen::Account)]
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

fn follow_mode(
    flow: Res<AccountFlow>,
    step: Res<State<AccountMode>>,
    mut next: ResMut<NextState<AccountMode>>,
) {
    if *step.get() != flow.mode {
        next.set(flow.mode);
    } else {
        *next = NextState::Unchanged;
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
                let email = || f.email.trim().to_owned();
                let sent = match flow.mode {
                    AccountMode::SignIn => bridge.send(Call::<e::SignIn>::new(SignInRequest {
                        login: f.login.trim().to_owned(),
                        password: f.password.to_string(),
                    })),
                    AccountMode::SignUp => bridge.send(Call::<e::SignUp>::new(SignUpRequest {
                        login: f.login.trim().to_owned(),
                        email: email(),
                        phone: f.phone.trim().to_owned(),
                        password: f.password.to_string(),
                    })),
                    AccountMode::Verify => bridge.send(Call::<e::Verify>::new(VerifyRequest {
                        email: email(),
                        code: f.code.clone(),
                    })),
                    AccountMode::Forgot => {
                        bridge.send(Call::<e::ForgotPassword>::new(EmailRequest {
                            email: email(),
                        }))
                    }
                    AccountMode::Reset => {
                        bridge.send(Call::<e::ResetPassword>::new(ResetPasswordRequest {
                            email: email(),
                            code: f.code.clone(),
                            new_password: f.password.to_string(),
                        }))
                    }
                };
                flow.pending = Some(sent);
            }
            AccountAction::ResendCode => {
                if !flow.is_busy() {
                    let email = flow.form.email.trim().to_owned();
                    flow.pending =
                        Some(bridge.send(Call::<e::ResendCode>::new(EmailRequest { email })));
                }
            }
            AccountAction::SignOut => {
                if let (Some(token), Some(_)) = (session.token.clone(), session.account.as_ref()) {
                    bridge.send(Call::<e::SignOut>::empty().token(token));
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
                    bridge.send(Call::<e::PutSettings>::new(settings.clone()).token(token));
                }
            }
            AccountAction::SaveAddress { id, address } => {
                if let (Some(token), Some(_)) = (session.token.clone(), session.account.as_ref()) {
                    flow.pending = Some(match id {
                        None => {
                            bridge.send(Call::<e::AddAddress>::new(address.clone()).token(token))
                        }
                        Some(id) => bridge.send(
                            Call::<e::PutAddress>::new(address.clone())
                                .at(id)
                                .token(token),
                        ),
                    });
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
                    flow.pending = Some(
                        bridge.send(
                            Call::<e::ChangePassword>::new(ChangePasswordRequest {
                                current_password: current.clone(),
                                new_password: new.clone(),
                            })
                            .token(token),
                        ),
                    );
                }
            }
            AccountAction::DeleteCard(id) => {
                session.cards.retain(|c| c.id != *id);
                if let Some(token) = session.token.clone() {
                    bridge.send(Call::<e::DeleteCard>::empty().at(id).token(token));
                }
            }
            AccountAction::DeleteAddress(id) => {
                session.addresses.retain(|a| a.id != *id);
                if let (Some(token), Some(_)) = (session.token.clone(), session.account.as_ref()) {
                    bridge.send(Call::<e::DeleteAddress>::empty().at(id).token(token));
                }
            }
        }
    }
}

/// What the signed-in customer keeps on the backend, whoever asked for it: settings,
/// saved cards and addresses (an address saved from the form also ends its wait).
#[allow(clippy::too_many_arguments)]
fn receive_account_data(
    mut settings: MessageReader<Reply<e::GetSettings>>,
    mut saved_settings: MessageReader<Reply<e::PutSettings>>,
    mut cards: MessageReader<Reply<e::GetCards>>,
    mut addresses: MessageReader<Reply<e::GetAddresses>>,
    mut added: MessageReader<Reply<e::AddAddress>>,
    mut edited: MessageReader<Reply<e::PutAddress>>,
    mut flow: ResMut<AccountFlow>,
    mut session: ResMut<CustomerSession>,
) {
    let settings = settings
        .read()
        .map(|r| &r.result)
        .chain(saved_settings.read().map(|r| &r.result));
    for result in settings {
        if let (Ok(s), Some(_)) = (result, &session.account) {
            // The interface follows (session::follow_language).
            session.settings = s.clone();
        }
    }
    for reply in cards.read() {
        if let (Ok(c), Some(_)) = (&reply.result, &session.account) {
            session.cards = c.clone();
        }
    }
    let address_replies = addresses
        .read()
        .map(|r| (r.id, &r.result))
        .chain(added.read().map(|r| (r.id, &r.result)))
        .chain(edited.read().map(|r| (r.id, &r.result)));
    for (id, result) in address_replies {
        let mine = flow.pending == Some(id);
        match result {
            Ok(a) => {
                session.addresses = a.clone();
                if mine {
                    flow.pending = None;
                }
            }
            Err(e) if mine => {
                flow.pending = None;
                flow.failure = Some(account_failure(&mut flow, e));
            }
            Err(_) => {}
        }
    }
}

/// What a form's request came back with.
enum Answer<'a> {
    Session(&'a Session),
    Pending(&'a SignUpPending),
    Done,
}

#[allow(clippy::too_many_arguments)]
fn receive_account_replies(
    mut signed_in: MessageReader<Reply<e::SignIn>>,
    mut verified: MessageReader<Reply<e::Verify>>,
    mut signed_up: MessageReader<Reply<e::SignUp>>,
    mut forgot: MessageReader<Reply<e::ForgotPassword>>,
    mut reset: MessageReader<Reply<e::ResetPassword>>,
    mut resent: MessageReader<Reply<e::ResendCode>>,
    mut changed: MessageReader<Reply<e::ChangePassword>>,
    mut flow: ResMut<AccountFlow>,
    mut session: ResMut<CustomerSession>,
    bridge: Res<Bridge>,
    mut next: ResMut<NextState<Screen>>,
) {
    let answers = signed_in
        .read()
        .map(|r| r.map(Answer::Session))
        .chain(verified.read().map(|r| r.map(Answer::Session)))
        .chain(signed_up.read().map(|r| r.map(Answer::Pending)))
        .chain(forgot.read().map(|r| r.map(|_| Answer::Done)))
        .chain(reset.read().map(|r| r.map(|_| Answer::Done)))
        .chain(resent.read().map(|r| r.map(|_| Answer::Done)))
        .chain(changed.read().map(|r| r.map(|_| Answer::Done)));
    for (id, answer) in answers {
        if flow.pending != Some(id) {
            continue;
        }
        flow.pending = None;
        match answer {
            Ok(Answer::Session(s)) => {
                info!("signed in");
                session.token = Some(s.token.clone());
                session.account = Some(s.account.clone());
                bridge.send(Call::<e::GetSettings>::empty().token(&s.token));
                bridge.send(Call::<e::GetAddresses>::empty().token(&s.token));
                bridge.send(Call::<e::GetCards>::empty().token(&s.token));
                next.set(
                    flow.return_to
                        .take()
                        .filter(|s| *s != Screen::Account)
                        .unwrap_or(Screen::Gallery),
                );
                flow.clear();
            }
            Ok(Answer::Pending(p)) => {
                flow.form.email = p.email.clone();
                flow.mode = AccountMode::Verify;
                flow.form.code.clear();
            }
            Ok(Answer::Done) => match flow.mode {
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
            Err(e) => {
                let failure = account_failure(&mut flow, e);
                flow.failure = Some(failure);
            }
        }
    }
}

/// What the form says about a failed request; an account that exists but was never
/// confirmed goes on to typing its code.
fn account_failure(flow: &mut AccountFlow, e: &BridgeError) -> Failure {
    if let BridgeError::Rejected { body, .. } = e
        && body.error == "not_verified"
        && flow.mode == AccountMode::SignIn
        && flow.form.login.contains('@')
    {
        flow.form.email = flow.form.login.clone();
        flow.mode = AccountMode::Verify;
    }
    Failure::from(e)
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

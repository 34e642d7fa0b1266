//! Authentication service: sign up, sign in/out, guests, `GET /me`, and the `CurrentAccount`
//! extractor the other services use. Tokens are random and opaque; only their SHA-256 is stored.

use std::net::IpAddr;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use customerclient_api::auth::{
    Account, CODE_ATTEMPTS, CODE_LIFETIME_MINUTES, ChangePasswordRequest, EmailRequest,
    ResetPasswordRequest, Session, SignInRequest, SignUpPending, SignUpRequest, VerifyRequest,
};
use sha2::Digest;
use uuid::Uuid;

use crate::AppState;
use crate::error::AppError;
use crate::extract::ApiJson;
use crate::mail::templates;
use crate::store::{CodePurpose, StoreError, Throttle, now_ms};

/// The seed system's session lifetime.
pub const SESSION_LIFETIME_MS: i64 = 5 * 60 * 60 * 1000;

pub fn router() -> crate::routes::Routes {
    use customerclient_api::endpoint as e;
    crate::routes::Routes::new()
        .at(e::SignUp, sign_up)
        .at(e::SignIn, sign_in)
        .at(e::SignOut, sign_out)
        .at(e::GuestSession, guest)
        .at(e::GetMe, me)
        .at(e::Verify, verify)
        .at(e::ResendCode, resend)
        .at(e::ForgotPassword, forgot_password)
        .at(e::ResetPassword, reset_password)
        .at(e::ChangePassword, change_password)
}

/// Sign-in failures per account: five free, then a wait doubling from 1 s up to a minute —
/// a back-off that slows guessing to under 60 an hour without locking the owner out.
pub const SIGN_IN_PER_ACCOUNT: Throttle = Throttle {
    free: 5,
    base_ms: 1_000,
    max_ms: 60_000,
    window_ms: 15 * 60 * 1000,
};
/// Sign-in failures per peer address (a whole store's kiosks may share one).
pub const SIGN_IN_PER_PEER: Throttle = Throttle {
    free: 30,
    base_ms: 1_000,
    max_ms: 60_000,
    window_ms: 15 * 60 * 1000,
};
/// E-mailed codes asked for, per account and per peer address.
pub const CODES_PER_ACCOUNT: Throttle = Throttle {
    free: 5,
    base_ms: 60_000,
    max_ms: 15 * 60 * 1000,
    window_ms: 60 * 60 * 1000,
};
pub const CODES_PER_PEER: Throttle = Throttle {
    free: 20,
    base_ms: 10_000,
    max_ms: 15 * 60 * 1000,
    window_ms: 60 * 60 * 1000,
};
/// Guest sessions started per peer address.
pub const GUESTS_PER_PEER: Throttle = Throttle {
    free: 300,
    base_ms: 1_000,
    max_ms: 60_000,
    window_ms: 10 * 60 * 1000,
};
/// The header a kiosk names itself with ([`crate::kiosks`]) is logged and recorded, never
/// used to key a throttle: the client chooses it.
pub use customerclient_api::kiosk::KIOSK_ID_HEADER;
/// Lifetimes of e-mailed codes; shorter in tests.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub code_lifetime: std::time::Duration,
    /// A new code can be asked for at most this often.
    pub resend_interval: std::time::Duration,
    /// Sign-ups and code requests per peer address (a load test loosens it).
    pub codes_per_peer: Throttle,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            code_lifetime: std::time::Duration::from_secs(CODE_LIFETIME_MINUTES as u64 * 60),
            resend_interval: std::time::Duration::from_secs(30),
            codes_per_peer: CODES_PER_PEER,
        }
    }
}

fn new_code() -> Result<String, AppError> {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!("{:06}", u32::from_le_bytes(b) % 1_000_000))
}

/// Codes are short; binding the hash to the account keeps equal codes of two accounts apart.
fn hash_code(account: Uuid, code: &str) -> String {
    hex::encode(sha2::Sha256::digest(
        format!("{account}:{}", code.trim()).as_bytes(),
    ))
}

fn code_expiry(state: &AppState) -> i64 {
    now_ms() + state.auth.code_lifetime.as_millis() as i64
}

fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

async fn hash_in_background(state: &AppState, password: String) -> Result<String, AppError> {
    Ok(state.passwords.hash(password).await?)
}

/// The subject a throttle keys a peer on: its IP address, which the client cannot choose
/// (the TCP peer's, or the one a trusted load balancer forwarded for: [`crate::peers`]).
pub(crate) fn peer_subject(kind: &str, peer: Option<IpAddr>) -> String {
    match peer {
        Some(ip) => format!("{kind}:peer:{ip}"),
        None => format!("{kind}:peer:unknown"),
    }
}

pub(crate) type Peer = Option<axum::Extension<crate::peers::ClientAddr>>;

pub(crate) fn peer_addr(peer: &Peer) -> Option<IpAddr> {
    peer.as_ref().map(|c| (c.0).0)
}

/// Takes an attempt for `subject` or refuses with 429 and how long to wait.
pub(crate) async fn throttle(
    state: &AppState,
    subject: &str,
    rule: &Throttle,
) -> Result<(), AppError> {
    match state
        .store
        .take_attempt(subject, rule)
        .await
        .map_err(anyhow::Error::from)?
    {
        Ok(()) => Ok(()),
        Err(wait_ms) => {
            let wait = (wait_ms as u64).div_ceil(1000).max(1);
            let message = if wait < 120 {
                format!("too many attempts; try again in {wait} s")
            } else {
                format!("too many attempts; try again in {} min", wait.div_ceil(60))
            };
            Err(AppError::TooManyRequests {
                message,
                retry_after_secs: wait,
            })
        }
    }
}

/// Asking for an e-mailed code: limited per account and per peer address.
async fn throttle_code_request(
    state: &AppState,
    account: Uuid,
    peer: &Peer,
) -> Result<(), AppError> {
    throttle(
        state,
        &peer_subject("code", peer_addr(peer)),
        &state.auth.codes_per_peer,
    )
    .await?;
    throttle(
        state,
        &format!("code:account:{account}"),
        &CODES_PER_ACCOUNT,
    )
    .await
}

fn validate_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < 8 {
        return Err(AppError::Validation(
            "password must be at least 8 characters".into(),
        ));
    }
    if password.len() > 256 {
        return Err(AppError::Validation("password is too long".into()));
    }
    Ok(())
}

/// Checks `code` against the latest code of `purpose` and counts the try; returns the code's
/// id, which the operation it unlocks uses up in its own transaction.
async fn check_code(
    state: &AppState,
    account: Uuid,
    purpose: CodePurpose,
    code: &str,
) -> Result<Uuid, AppError> {
    let row = state
        .store
        .latest_code(account, purpose)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or_else(|| AppError::Unprocessable {
            code: "code_invalid",
            message: "no code was sent; ask for a new one".into(),
        })?;
    if row.consumed {
        return Err(AppError::Unprocessable {
            code: "code_invalid",
            message: "this code was replaced or used; ask for a new one".into(),
        });
    }
    if now_ms() >= row.expires_at {
        return Err(AppError::Unprocessable {
            code: "code_expired",
            message: "the code has expired; ask for a new one".into(),
        });
    }
    // The try is counted before the comparison, in one guarded statement: concurrent
    // guesses cannot get more than CODE_ATTEMPTS of them checked.
    let Some(used) = state
        .store
        .count_code_attempt(row.id, CODE_ATTEMPTS)
        .await
        .map_err(anyhow::Error::from)?
    else {
        return Err(AppError::TooManyRequests {
            message: "too many wrong codes; ask for a new code".into(),
            retry_after_secs: 0,
        });
    };
    if hash_code(account, code) != row.code_hash {
        let left = CODE_ATTEMPTS - used;
        if left <= 0 {
            return Err(AppError::TooManyRequests {
                message: "too many wrong codes; ask for a new code".into(),
                retry_after_secs: 0,
            });
        }
        return Err(AppError::Unprocessable {
            code: "wrong_code",
            message: format!("incorrect code; {left} tries left"),
        });
    }
    Ok(row.id)
}

fn code_used() -> AppError {
    AppError::Unprocessable {
        code: "code_invalid",
        message: "this code was replaced or used; ask for a new one".into(),
    }
}

async fn verify(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<Json<Session>, AppError> {
    let email = normalise_email(&req.email);
    let (account, verified) = state
        .store
        .account_by_email(&email)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or(AppError::NotFound("sign-up"))?;
    if verified {
        return Err(AppError::Conflict {
            code: "already_verified",
            message: "this account is already confirmed; sign in".into(),
        });
    }
    let code = check_code(&state, account.id, CodePurpose::SignUp, &req.code).await?;
    // The code is used up and the account verified in one transaction.
    if !state
        .store
        .verify_with_code(code, account.id)
        .await
        .map_err(anyhow::Error::from)?
    {
        return Err(code_used());
    }
    tracing::info!(account = %account.id, "account verified");
    Ok(Json(open_session(&state, account).await?))
}

async fn resend(
    State(state): State<AppState>,
    peer: Peer,
    ApiJson(req): ApiJson<EmailRequest>,
) -> Result<StatusCode, AppError> {
    let email = normalise_email(&req.email);
    let found = state
        .store
        .account_by_email(&email)
        .await
        .map_err(anyhow::Error::from)?;
    if let Some((account, false)) = found {
        let last = state
            .store
            .latest_code(account.id, CodePurpose::SignUp)
            .await
            .map_err(anyhow::Error::from)?;
        let interval = state.auth.resend_interval.as_millis() as i64;
        if let Some(last) = last.filter(|l| now_ms() - l.created_at < interval) {
            let wait = ((interval - (now_ms() - last.created_at)) / 1000).max(1) as u64;
            return Err(AppError::TooManyRequests {
                message: format!("a code was just sent; ask again in {wait} s"),
                retry_after_secs: wait,
            });
        }
        throttle_code_request(&state, account.id, &peer).await?;
        let code = new_code()?;
        state
            .store
            .issue_code(
                account.id,
                CodePurpose::SignUp,
                &hash_code(account.id, &code),
                code_expiry(&state),
                &templates::sign_up_code(&email, &code),
            )
            .await
            .map_err(anyhow::Error::from)?;
        state.mail_wake.notify_one();
    }
    // The same answer whether or not the address is known.
    Ok(StatusCode::ACCEPTED)
}

async fn forgot_password(
    State(state): State<AppState>,
    peer: Peer,
    ApiJson(req): ApiJson<EmailRequest>,
) -> Result<StatusCode, AppError> {
    let email = normalise_email(&req.email);
    // Every request counts against the address, known e-mail or not, so the answer says
    // nothing about which addresses have accounts.
    throttle(
        &state,
        &peer_subject("code", peer_addr(&peer)),
        &state.auth.codes_per_peer,
    )
    .await?;
    if let Some((account, true)) = state
        .store
        .account_by_email(&email)
        .await
        .map_err(anyhow::Error::from)?
    {
        throttle(
            &state,
            &format!("code:account:{}", account.id),
            &CODES_PER_ACCOUNT,
        )
        .await?;
        let code = new_code()?;
        state
            .store
            .issue_code(
                account.id,
                CodePurpose::PasswordReset,
                &hash_code(account.id, &code),
                code_expiry(&state),
                &templates::password_reset(&email, &code),
            )
            .await
            .map_err(anyhow::Error::from)?;
        state.mail_wake.notify_one();
    }
    Ok(StatusCode::ACCEPTED)
}

async fn reset_password(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ResetPasswordRequest>,
) -> Result<StatusCode, AppError> {
    validate_password(&req.new_password)?;
    let email = normalise_email(&req.email);
    let Some((account, true)) = state
        .store
        .account_by_email(&email)
        .await
        .map_err(anyhow::Error::from)?
    else {
        return Err(AppError::Unprocessable {
            code: "code_invalid",
            message: "no code was sent; ask for a new one".into(),
        });
    };
    let code = check_code(&state, account.id, CodePurpose::PasswordReset, &req.code).await?;
    let hash = hash_in_background(&state, req.new_password).await?;
    // Using the code, the new password, ending every session and forgetting the sign-in
    // failures: one transaction.
    if !state
        .store
        .reset_with_code(code, account.id, &hash, &account_subject(account.id))
        .await
        .map_err(anyhow::Error::from)?
    {
        return Err(code_used());
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn change_password(
    State(state): State<AppState>,
    Registered(current): Registered,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, AppError> {
    validate_password(&req.new_password)?;
    let hash = state
        .store
        .password_hash_by_id(current.account.id)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or(AppError::Forbidden {
            code: "guest",
            message: "guests have no password".into(),
        })?;
    // Guessing the current password is sign-in guessing: the same throttle.
    let subject = account_subject(current.account.id);
    throttle(&state, &subject, &SIGN_IN_PER_ACCOUNT).await?;
    if !state
        .passwords
        .verify(req.current_password.clone(), hash)
        .await
    {
        return Err(AppError::Unauthorized("the current password is wrong"));
    }
    state
        .store
        .clear_throttle(&subject)
        .await
        .map_err(anyhow::Error::from)?;
    let new_hash = hash_in_background(&state, req.new_password).await?;
    state
        .store
        .set_password(current.account.id, &new_hash, Some(&current.token_hash))
        .await
        .map_err(anyhow::Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}

fn hash_token(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(hex::encode(bytes))
}

/// Hashes on the calling thread (seeding); requests go through [`crate::passwords`].
pub fn hash_password(password: &str) -> Result<String, AppError> {
    Ok(crate::passwords::hash_now(password)?)
}

fn account_subject(account: Uuid) -> String {
    format!("sign-in:account:{account}")
}

async fn open_session(state: &AppState, account: Account) -> Result<Session, AppError> {
    let token = new_token()?;
    let expires_at = now_ms() + SESSION_LIFETIME_MS;
    state
        .store
        .insert_session(&hash_token(&token), account.id, expires_at)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(Session {
        token,
        expires_at,
        account,
    })
}

fn validate_sign_up(req: &SignUpRequest) -> Result<(), AppError> {
    let login = req.login.trim();
    if !(3..=32).contains(&login.chars().count())
        || !login
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(AppError::Validation(
            "login must be 3–32 letters, digits, '.', '_' or '-'".into(),
        ));
    }
    if !customerclient_api::auth::valid_email(&req.email) {
        return Err(AppError::Validation("e-mail address is not valid".into()));
    }
    crate::orders::normalise_phone(&req.phone)?;
    validate_password(&req.password)
}

async fn sign_up(
    State(state): State<AppState>,
    peer: Peer,
    ApiJson(req): ApiJson<SignUpRequest>,
) -> Result<(StatusCode, Json<SignUpPending>), AppError> {
    validate_sign_up(&req)?;
    // Each sign-up costs a hash and a mail: limited per peer address like code requests.
    throttle(
        &state,
        &peer_subject("code", peer_addr(&peer)),
        &state.auth.codes_per_peer,
    )
    .await?;
    let email = normalise_email(&req.email);
    let account = Account {
        id: Uuid::new_v4(),
        login: Some(req.login.trim().to_owned()),
        email: Some(email.clone()),
        phone: Some(crate::orders::normalise_phone(&req.phone)?),
        guest: false,
    };
    let hash = hash_in_background(&state, req.password).await?;
    let code = new_code()?;
    let expires = code_expiry(&state);
    let mail = templates::sign_up_code(&email, &code);
    match state
        .store
        .create_unverified_account(
            &account,
            &hash,
            &hash_code(account.id, &code),
            expires,
            &mail,
        )
        .await
    {
        Ok(()) => {}
        Err(StoreError::Duplicate(_)) => {
            return Err(AppError::Conflict {
                code: "account_exists",
                message: "an account with this login or e-mail already exists".into(),
            });
        }
        Err(e) => return Err(anyhow::Error::from(e).into()),
    }
    state.mail_wake.notify_one();
    tracing::info!(account = %account.id, "sign-up started; code sent");
    Ok((
        StatusCode::ACCEPTED,
        Json(SignUpPending {
            account_id: account.id,
            email,
            code_expires_at: expires,
        }),
    ))
}

async fn sign_in(
    State(state): State<AppState>,
    peer: Peer,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Json<Session>, AppError> {
    const INVALID: AppError = AppError::Unauthorized("invalid login or password");
    // Each attempt is taken (and counted) before the password is checked, per peer address
    // and per account, so concurrent guesses cannot outrun the count.
    let peer_key = peer_subject("sign-in", peer_addr(&peer));
    throttle(&state, &peer_key, &SIGN_IN_PER_PEER).await?;
    let login = req.login.trim();
    let key = if login.contains('@') {
        login.to_lowercase()
    } else {
        login.to_owned()
    };
    let row = state
        .store
        .account_by_login_or_email(&key)
        .await
        .map_err(anyhow::Error::from)?;
    let Some(row) = row else {
        return Err(INVALID);
    };
    let subject = account_subject(row.account.id);
    throttle(&state, &subject, &SIGN_IN_PER_ACCOUNT).await?;
    let Some(hash) = row.password_hash else {
        return Err(INVALID);
    };
    if !state.passwords.verify(req.password, hash).await {
        return Err(INVALID);
    }
    if !row.verified {
        return Err(AppError::Forbidden {
            code: "not_verified",
            message: "confirm your e-mail first: type the code we sent".into(),
        });
    }
    // The owner proved the password: the account's count starts again; the address gets
    // back only this attempt, so successes elsewhere cannot wash out failures.
    state
        .store
        .clear_throttle(&subject)
        .await
        .map_err(anyhow::Error::from)?;
    state
        .store
        .release_attempt(&peer_key)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(Json(open_session(&state, row.account).await?))
}

async fn guest(
    State(state): State<AppState>,
    peer: Peer,
) -> Result<(StatusCode, Json<Session>), AppError> {
    throttle(
        &state,
        &peer_subject("guest", peer_addr(&peer)),
        &GUESTS_PER_PEER,
    )
    .await?;
    let account = Account {
        id: Uuid::new_v4(),
        login: None,
        email: None,
        phone: None,
        guest: true,
    };
    state
        .store
        .insert_account(&account, None)
        .await
        .map_err(anyhow::Error::from)?;
    Ok((
        StatusCode::CREATED,
        Json(open_session(&state, account).await?),
    ))
}

async fn sign_out(
    State(state): State<AppState>,
    current: CurrentAccount,
) -> Result<StatusCode, AppError> {
    state
        .store
        .delete_session(&current.token_hash)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(current: CurrentAccount) -> Json<Account> {
    Json(current.account)
}

/// A signed-in customer's account: 401 without a live session, 403 for a guest's — checked
/// before the request's body is read.
pub struct Registered(pub CurrentAccount);

impl FromRequestParts<AppState> for Registered {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let current = CurrentAccount::from_request_parts(parts, state).await?;
        if current.account.guest {
            return Err(AppError::Forbidden {
                code: "guest",
                message: "sign in to an account for this".into(),
            });
        }
        Ok(Registered(current))
    }
}

/// The account behind the request's `Authorization: Bearer` token; 401 without a live one.
pub struct CurrentAccount {
    pub account: Account,
    pub(crate) token_hash: String,
}

impl FromRequestParts<AppState> for CurrentAccount {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthorized(
                "sign in or start a guest session first",
            ))?;
        let token_hash = hash_token(token);
        let found = state
            .store
            .session_account(&token_hash, now_ms())
            .await
            .map_err(anyhow::Error::from)?;
        match found {
            Some((account, _)) => Ok(CurrentAccount {
                account,
                token_hash,
            }),
            None => Err(AppError::Unauthorized("session expired or signed out")),
        }
    }
}

/// Whether a secret given by a client (a courier's, the operator's token) is the expected
/// one. Compared as hashes, so the time taken does not depend on how much of it matched; an
/// empty one never matches.
pub(crate) fn same_secret(given: &str, expected: &str) -> bool {
    use sha2::Digest;
    !given.is_empty()
        && sha2::Sha256::digest(given.as_bytes()) == sha2::Sha256::digest(expected.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(hash_token(&a), a);
        assert_eq!(hash_token(&a), hash_token(&a));
    }
}

//! Authentication service: sign up, sign in/out, guests, `GET /me`, and the `CurrentAccount`
//! extractor the other services use. Tokens are random and opaque; only their SHA-256 is stored.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use customerclient_api::auth::{self as api, Account, Session, SignInRequest, SignUpRequest};
use sha2::Digest;
use uuid::Uuid;

use crate::AppState;
use crate::error::AppError;
use crate::extract::ApiJson;
use crate::store::{StoreError, now_ms};

/// The seed system's session lifetime.
pub const SESSION_LIFETIME_MS: i64 = 5 * 60 * 60 * 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(api::SIGN_UP_PATH, post(sign_up))
        .route(api::SIGN_IN_PATH, post(sign_in))
        .route(api::SIGN_OUT_PATH, post(sign_out))
        .route(api::GUEST_PATH, post(guest))
        .route(api::ME_PATH, get(me))
}

fn hash_token(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(hex::encode(bytes))
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}").into())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
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
    let email = req.email.trim();
    let valid_email = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.contains(char::is_whitespace);
    if !valid_email {
        return Err(AppError::Validation("e-mail address is not valid".into()));
    }
    crate::orders::normalise_phone(&req.phone)?;
    if req.password.chars().count() < 8 {
        return Err(AppError::Validation(
            "password must be at least 8 characters".into(),
        ));
    }
    if req.password.len() > 256 {
        return Err(AppError::Validation("password is too long".into()));
    }
    Ok(())
}

async fn sign_up(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SignUpRequest>,
) -> Result<(StatusCode, Json<Session>), AppError> {
    validate_sign_up(&req)?;
    let account = Account {
        id: Uuid::new_v4(),
        login: Some(req.login.trim().to_owned()),
        email: Some(req.email.trim().to_lowercase()),
        phone: Some(crate::orders::normalise_phone(&req.phone)?),
        guest: false,
    };
    let password = req.password;
    // Hashing is deliberately slow; keep it off the async workers.
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(anyhow::Error::from)??;
    match state.store.insert_account(&account, Some(&hash)).await {
        Ok(()) => {}
        Err(StoreError::Duplicate(_)) => {
            return Err(AppError::Conflict {
                code: "account_exists",
                message: "an account with this login or e-mail already exists".into(),
            });
        }
        Err(e) => return Err(anyhow::Error::from(e).into()),
    }
    tracing::info!(account = %account.id, "account created");
    Ok((
        StatusCode::CREATED,
        Json(open_session(&state, account).await?),
    ))
}

async fn sign_in(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Json<Session>, AppError> {
    const INVALID: AppError = AppError::Unauthorized("invalid login or password");
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
    let Some(hash) = row.password_hash else {
        return Err(INVALID);
    };
    let password = req.password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(anyhow::Error::from)?;
    if !ok {
        return Err(INVALID);
    }
    Ok(Json(open_session(&state, row.account).await?))
}

async fn guest(State(state): State<AppState>) -> Result<(StatusCode, Json<Session>), AppError> {
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

/// The account behind the request's `Authorization: Bearer` token; 401 without a live one.
pub struct CurrentAccount {
    pub account: Account,
    token_hash: String,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsE", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

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

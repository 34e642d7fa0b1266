//! Authentication service: accounts, bearer sessions, guests.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const SIGN_UP_PATH: &str = "/api/v1/auth/signup";
pub const SIGN_IN_PATH: &str = "/api/v1/auth/signin";
pub const SIGN_OUT_PATH: &str = "/api/v1/auth/signout";
pub const GUEST_PATH: &str = "/api/v1/auth/guest";
pub const ME_PATH: &str = "/api/v1/auth/me";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignUpRequest {
    pub login: String,
    pub email: String,
    pub phone: String,
    pub password: String,
}

/// `login` may be the account's login or its e-mail.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInRequest {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: Uuid,
    /// `None` for guests.
    pub login: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub guest: bool,
}

/// An opaque bearer token; the backend keeps only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    /// Unix time in milliseconds after which the token is refused.
    pub expires_at: i64,
    pub account: Account,
}

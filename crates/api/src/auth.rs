//! Authentication service: accounts, bearer sessions, guests.

use crate::endpoint::Endpoint as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const SIGN_UP_PATH: &str = crate::endpoint::SignUp::ROUTE;
pub const SIGN_IN_PATH: &str = crate::endpoint::SignIn::ROUTE;
pub const SIGN_OUT_PATH: &str = crate::endpoint::SignOut::ROUTE;
pub const GUEST_PATH: &str = crate::endpoint::GuestSession::ROUTE;
pub const ME_PATH: &str = crate::endpoint::GetMe::ROUTE;
pub const VERIFY_PATH: &str = crate::endpoint::Verify::ROUTE;
pub const RESEND_PATH: &str = crate::endpoint::ResendCode::ROUTE;
pub const FORGOT_PASSWORD_PATH: &str = crate::endpoint::ForgotPassword::ROUTE;
pub const RESET_PASSWORD_PATH: &str = crate::endpoint::ResetPassword::ROUTE;
pub const CHANGE_PASSWORD_PATH: &str = crate::endpoint::ChangePassword::ROUTE;

/// Whether `email` (trimmed) looks like an address mail can go to: one `@` with something
/// before it and a dotted domain after, at most 254 characters, none of the characters an
/// address would need quoting for. The kiosk checks as the customer types; the backend again.
pub fn valid_email(email: &str) -> bool {
    let email = email.trim();
    email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        })
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c))
}

#[cfg(test)]
mod email_tests {
    use super::valid_email;

    #[test]
    fn addresses() {
        for ok in ["a@b.co", " anna.k+food@mail.example.ru ", "ёж@почта.рф"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@b.co",
            "a@b",
            "a@.b",
            "a@b.",
            "a b@c.d",
            "a@b@c.d",
            "a<b@c.d",
            "a@b..c",
            "\"a\"@b.c",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }
}

/// Minutes an e-mailed code stays valid, and tries it allows.
pub const CODE_LIFETIME_MINUTES: i64 = 10;
pub const CODE_ATTEMPTS: i64 = 5;

/// Sign-up accepted: a 6-digit code is on its way to `email`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SignUpPending {
    pub account_id: Uuid,
    pub email: String,
    /// Unix ms after which the code is refused.
    pub code_expires_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"email": "anna@example.com", "code": "123456"}))]
pub struct VerifyRequest {
    pub email: String,
    pub code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EmailRequest {
    pub email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResetPasswordRequest {
    pub email: String,
    pub code: String,
    pub new_password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"login": "anna", "email": "anna@example.com", "phone": "+79001112233", "password": "correct-horse-battery"}))]
pub struct SignUpRequest {
    pub login: String,
    pub email: String,
    pub phone: String,
    pub password: String,
}

/// `login` may be the account's login or its e-mail.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"login": "anna", "password": "correct-horse-battery"}))]
pub struct SignInRequest {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Account {
    pub id: Uuid,
    /// `None` for guests.
    pub login: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub guest: bool,
}

/// An opaque bearer token; the backend keeps only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Session {
    pub token: String,
    /// Unix time in milliseconds after which the token is refused.
    pub expires_at: i64,
    pub account: Account,
}

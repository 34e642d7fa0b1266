//! The body of every 4xx/5xx response.

use serde::{Deserialize, Serialize};

/// `{ "error": code, "message": text }`: `code` is stable and machine-readable,
/// `message` is for people (and may change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.error)
    }
}

//! What went wrong with a request, as a flow keeps it and a screen says it: the one
//! conversion from the bridge's errors, for every flow.

use crate::bridge::BridgeError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The network or the server failed; the same request may be sent again.
    Unreachable,
    /// The backend refused, with its error code and (English) reason; shown translated by
    /// [`crate::i18n::failure_text`].
    Rejected { code: String, message: String },
}

impl From<&BridgeError> for Failure {
    fn from(e: &BridgeError) -> Self {
        match e {
            BridgeError::Rejected { body, .. } => Failure::Rejected {
                code: body.error.clone(),
                message: body.message.clone(),
            },
            e if e.is_transient() => Failure::Unreachable,
            // An answer the kiosk could not read: sending it again would not help.
            e => Failure::Rejected {
                code: "invalid".into(),
                message: e.to_string(),
            },
        }
    }
}

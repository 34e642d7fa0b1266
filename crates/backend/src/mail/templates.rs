//! The texts of the messages we send.

use super::NewMail;

pub fn sign_up_code(to: &str, code: &str) -> NewMail {
    NewMail {
        to: to.to_owned(),
        subject: format!("Your Fresh Kitchen code: {code}"),
        body: format!(
            "Welcome to Fresh Kitchen!\n\nType this code at the kiosk to finish signing up:\n\n    {code}\n\n\
             It works for 10 minutes. If you did not sign up, ignore this message.\n"
        ),
        receipt: None,
    }
}

pub fn password_reset(to: &str, code: &str) -> NewMail {
    NewMail {
        to: to.to_owned(),
        subject: format!("Reset your Fresh Kitchen password: {code}"),
        body: format!(
            "Type this code at the kiosk to choose a new password:\n\n    {code}\n\n\
             It works for 10 minutes. If you did not ask for it, your password is unchanged.\n"
        ),
        receipt: None,
    }
}

/// An order's receipt, drawn from the order when it is sent (see `crate::receipt`).
pub fn receipt(to: &str, number: i64, order: uuid::Uuid) -> NewMail {
    NewMail {
        to: to.to_owned(),
        subject: format!("Receipt for order #{number}"),
        body: String::new(),
        receipt: Some(order),
    }
}

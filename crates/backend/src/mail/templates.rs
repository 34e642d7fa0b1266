//! The texts of the messages we send.

use crate::store::NewOrder;

use super::NewMail;

pub fn sign_up_code(to: &str, code: &str) -> NewMail {
    NewMail {
        to: to.to_owned(),
        subject: format!("Your Fresh Kitchen code: {code}"),
        body: format!(
            "Welcome to Fresh Kitchen!\n\nType this code at the kiosk to finish signing up:\n\n    {code}\n\n\
             It works for 10 minutes. If you did not sign up, ignore this message.\n"
        ),
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
    }
}

pub fn order_confirmation(to: &str, number: i64, order: &NewOrder) -> NewMail {
    let mut lines = String::new();
    for l in &order.lines {
        lines.push_str(&format!(
            "  {} × {:<32} {}\n",
            l.quantity, l.name, l.line_total
        ));
    }
    NewMail {
        to: to.to_owned(),
        subject: format!("Fresh Kitchen order #{number}"),
        body: format!(
            "Thank you for your order #{number}.\n\n{lines}\n  Delivery ({}): {}\n  Total: {}\n\n\
             Delivering to {}, {}.\nPayment: {}.\n",
            order.delivery_method.label(),
            order.delivery_price,
            order.total,
            order.address,
            order.city,
            order.payment_method.label(),
        ),
    }
}

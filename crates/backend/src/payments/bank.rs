//! The bank simulator: pays (or rejects) an issued QR payload the way a customer's bank would,
//! by sending the signed webhook. Used by the `bank-pay` command, the `/bank` demo page and
//! the tests, so all three take the same path as a real bank.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use customerclient_api::emv::MerchantQr;
use customerclient_api::payments::{
    BANK_WEBHOOK_PATH, BankNotification, BankStatus, SIGNATURE_HEADER,
};

use crate::AppState;
use crate::error::AppError;
use crate::extract::ApiPath;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bank", get(page))
        .route("/bank/{id}/{action}", post(act))
}

/// Amount of a payload (`12.50`) in minor units.
fn minor_units(amount: &str) -> Option<i64> {
    let (whole, frac) = amount.split_once('.').unwrap_or((amount, "0"));
    let frac = format!("{frac:0<2}");
    Some(whole.parse::<i64>().ok()? * 100 + frac.get(..2)?.parse::<i64>().ok()?)
}

/// Reads `payload` as a bank app would and sends the bank's notice for it to `base_url`.
/// Returns the webhook's HTTP status and body.
pub async fn simulate(
    http: &reqwest::Client,
    base_url: &str,
    secret: &str,
    payload: &str,
    status: BankStatus,
) -> anyhow::Result<(u16, String)> {
    let qr = MerchantQr::from_payload(payload)
        .map_err(|e| anyhow::anyhow!("not a payable code: {e}"))?;
    let reference = uuid::Uuid::parse_str(&qr.reference)
        .map(|u| u.to_string())
        .unwrap_or(qr.reference.clone());
    let notice = BankNotification {
        reference,
        status,
        amount_minor: minor_units(&qr.amount)
            .ok_or_else(|| anyhow::anyhow!("bad amount {}", qr.amount))?,
        transaction_id: format!("sim-{}", uuid::Uuid::new_v4().simple()),
    };
    let body = serde_json::to_vec(&notice)?;
    let resp = http
        .post(format!(
            "{}{BANK_WEBHOOK_PATH}",
            base_url.trim_end_matches('/')
        ))
        .header(SIGNATURE_HEADER, super::sign(secret, &body))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    let code = resp.status().as_u16();
    Ok((code, resp.text().await.unwrap_or_default()))
}

/// Text made safe inside HTML and its quoted attributes (the backend's pages: this one and
/// the operator's).
pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

async fn page(State(state): State<AppState>) -> Result<Response, AppError> {
    if !state.payments.bank_simulator {
        return Err(AppError::NotFound("page"));
    }
    let waiting = state
        .store
        .awaiting_qr_payments(20)
        .await
        .map_err(anyhow::Error::from)?;
    let mut rows = String::new();
    for p in &waiting {
        let id = p.id;
        rows.push_str(&format!(
            "<tr><td>#{}</td><td>{}</td><td><code>{}</code></td><td>\
             <form method=post action=/bank/{id}/pay><button>Pay</button></form>\
             <form method=post action=/bank/{id}/reject><button>Reject</button></form></td></tr>",
            p.order_number,
            html_escape(&p.amount.display()),
            html_escape(p.qr_payload.as_deref().unwrap_or("")),
        ));
    }
    if waiting.is_empty() {
        rows.push_str("<tr><td colspan=4>No QR code is waiting. Choose “QR code in bank app” at the kiosk.</td></tr>");
    }
    Ok(Html(format!(
        "<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=3>\
         <title>Bank simulator</title><style>body{{font:18px sans-serif;margin:2em}}td{{padding:.4em;border-bottom:1px solid #ddd}}\
         code{{font-size:12px;word-break:break-all}}form{{display:inline}}button{{font-size:18px;margin:0 .3em}}</style>\
         <h1>Bank simulator</h1><p>Pays a kiosk's QR code as a customer's bank app would, through the signed webhook.</p>\
         <table><tr><th>Order</th><th>Amount</th><th>Payload</th><th></th></tr>{rows}</table>"
    ))
    .into_response())
}

async fn act(
    State(state): State<AppState>,
    ApiPath((id, action)): ApiPath<(uuid::Uuid, String)>,
) -> Result<Response, AppError> {
    if !state.payments.bank_simulator {
        return Err(AppError::NotFound("page"));
    }
    // The webhook goes to this backend's own address, fixed at start; a request's `Host:`
    // could name anyone's listener.
    let target = state
        .self_url
        .get()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("bank simulator used before the backend listened"))?;
    let status = match action.as_str() {
        "pay" => BankStatus::Paid,
        "reject" => BankStatus::Rejected,
        _ => return Err(AppError::NotFound("action")),
    };
    let p = state
        .store
        .payment(id)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or(AppError::NotFound("payment"))?;
    let payload = p.qr_payload.ok_or(AppError::NotFound("QR payment"))?;
    let (code, body) = simulate(
        &reqwest::Client::new(),
        &target,
        &state.payments.webhook_secret,
        &payload,
        status,
    )
    .await
    .map_err(AppError::Internal)?;
    if code >= 400 {
        return Ok((
            StatusCode::BAD_GATEWAY,
            Html(format!(
                "<p>The shop answered {code}: {}</p><a href=/bank>back</a>",
                html_escape(&body)
            )),
        )
            .into_response());
    }
    Ok(Redirect::to("/bank").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_convert_to_minor_units() {
        assert_eq!(minor_units("45.79"), Some(4579));
        assert_eq!(minor_units("45.7"), Some(4570));
        assert_eq!(minor_units("45"), Some(4500));
        assert_eq!(minor_units("x"), None);
    }
}

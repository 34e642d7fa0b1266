//! The operator's fleet page (`/operator`): plain server-rendered HTML for an ordinary
//! browser. Signed in with the operator's token (kept in an HttpOnly, SameSite=Strict cookie
//! as a keyed hash, never the token itself); shows every kiosk online or offline (three
//! missed heartbeats), its version and when it was last heard from, today's orders and
//! takings per kiosk in the store's own day, and the menu with sold-out switches (plain forms:
//! the same guarded store operation as the operator API). It reloads itself every few
//! seconds.

use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use customerclient_api::kiosk::KioskSeen;
use customerclient_api::settings::Language;
use hmac::Mac;
use serde::Deserialize;

use crate::AppState;
use crate::error::AppError;
use crate::extract::ApiPath;
use crate::store::now_ms;

const COOKIE: &str = "cc_operator";
/// How often the page reloads itself.
const RELOAD_SECONDS: u32 = 5;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/operator", get(page))
        .route("/operator/sign-in", post(sign_in))
        .route("/operator/sign-out", post(sign_out))
        .route("/operator/menu/{sku}", post(switch))
}

/// What the cookie holds: the token keyed-hashed, so the cookie never carries the token and
/// changes when the token does.
fn cookie_value(token: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(token.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(b"customerclient operator page");
    hex::encode(mac.finalize().into_bytes())
}

fn signed_in(state: &AppState, headers: &HeaderMap) -> bool {
    let expected = cookie_value(&state.operator_token);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .any(|(name, value)| name == COOKIE && crate::auth::same_secret(value, &expected))
}

use crate::payments::bank::html_escape as escape;

const STYLE: &str = "body{font:16px system-ui,sans-serif;margin:0;background:#fdf7f0;color:#291f18}\
header{background:#fff;padding:16px 32px;display:flex;align-items:center;gap:24px;box-shadow:0 2px 12px #0001}\
h1{font-size:24px;margin:0;color:#e65a1a}h2{font-size:20px;margin:28px 0 10px}\
main{padding:0 32px 40px}table{border-collapse:collapse;background:#fff;width:100%;border-radius:12px;overflow:hidden}\
th,td{text-align:left;padding:10px 14px;border-bottom:1px solid #eee}th{background:#f3e8dc;font-weight:600}\
.on{color:#fff;background:#32994f;padding:3px 10px;border-radius:10px}.off{color:#fff;background:#c82e28;padding:3px 10px;border-radius:10px}\
.sold{color:#c82e28;font-weight:600}.muted{color:#7a6b5f}button{font:inherit;padding:8px 16px;border-radius:10px;border:0;background:#f3e8dc;cursor:pointer}\
button.primary{background:#e65a1a;color:#fff}input{font:inherit;padding:10px;border-radius:10px;border:1px solid #ccc;width:320px}\
.error{color:#c82e28}form{display:inline;margin:0}.right{text-align:right}";

fn document(title: &str, body: &str, reload: bool) -> String {
    let refresh = if reload {
        // A little JavaScript: reload while nobody is typing.
        format!(
            "<script>setInterval(()=>{{if(!document.activeElement||document.activeElement.tagName!=='INPUT')location.reload()}},{});</script>",
            RELOAD_SECONDS * 1000
        )
    } else {
        String::new()
    };
    format!(
        "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>\
         <title>{}</title><style>{STYLE}</style>{body}{refresh}</html>",
        escape(title)
    )
}

fn sign_in_page(state: &AppState, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=error id=error>{}</p>", escape(e)))
        .unwrap_or_default();
    document(
        "Operator · sign in",
        &format!(
            "<header><h1>{}</h1><span class=muted>Operator</span></header><main><h2>Sign in</h2>\
             <form method=post action=/operator/sign-in><p><input type=password name=token id=token \
             placeholder='Operator token' autocomplete=current-password autofocus></p>\
             <p><button class=primary id=sign-in>Sign in</button></p></form>{error}</main>",
            escape(&state.profile.name)
        ),
        false,
    )
}

#[derive(Deserialize)]
struct SignIn {
    token: String,
}

async fn sign_in(State(state): State<AppState>, Form(form): Form<SignIn>) -> Response {
    if !crate::auth::same_secret(&form.token, &state.operator_token) {
        tracing::warn!("operator page: wrong token");
        return (
            StatusCode::UNAUTHORIZED,
            Html(sign_in_page(
                &state,
                Some("That is not the operator token."),
            )),
        )
            .into_response();
    }
    let cookie = format!(
        "{COOKIE}={}; Path=/operator; HttpOnly; SameSite=Strict; Max-Age=43200",
        cookie_value(&state.operator_token)
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to("/operator")).into_response()
}

async fn sign_out() -> Response {
    let cookie = format!("{COOKIE}=; Path=/operator; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/operator")).into_response()
}

#[derive(Deserialize)]
struct Switch {
    available: bool,
}

async fn switch(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(sku): ApiPath<String>,
    Form(form): Form<Switch>,
) -> Result<Response, AppError> {
    if !signed_in(&state, &headers) {
        return Ok(Redirect::to("/operator").into_response());
    }
    let found = state
        .store
        .set_available(&sku, form.available)
        .await
        .map_err(anyhow::Error::from)?;
    if !found {
        return Err(AppError::NotFound("menu item"));
    }
    tracing::info!(%sku, available = form.available, "availability changed on the operator page");
    crate::catalog_news::look_now(&state).await;
    Ok(Redirect::to("/operator#menu").into_response())
}

/// `12 s ago`, `4 min ago`, `3 h ago`.
fn ago(ms: i64) -> String {
    let s = (ms / 1000).max(0);
    match s {
        0..=119 => format!("{s} s ago"),
        120..=7199 => format!("{} min ago", s / 60),
        _ => format!("{} h ago", s / 3600),
    }
}

/// Midnight of the store's day (its profile's UTC offset) before `now`, in Unix ms.
fn start_of_day(state: &AppState, now: i64) -> i64 {
    let offset = i64::from(state.profile.hours.utc_offset_minutes) * 60_000;
    let day = 86_400_000;
    (now + offset).div_euclid(day) * day - offset
}

fn online(state: &AppState, k: &KioskSeen, now: i64) -> bool {
    let limit =
        (state.heartbeat_seconds * customerclient_api::kiosk::MISSED_FOR_OFFLINE * 1000) as i64;
    k.heartbeat_at.is_some_and(|at| now - at < limit)
}

async fn page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    if !signed_in(&state, &headers) {
        return Ok(Html(sign_in_page(&state, None)).into_response());
    }
    let now = now_ms();
    let kiosks = state.store.kiosks(500).await.map_err(anyhow::Error::from)?;
    let takings = state
        .store
        .takings_since(start_of_day(&state, now))
        .await
        .map_err(anyhow::Error::from)?;
    let menu = state
        .store
        .listed_menu()
        .await
        .map_err(anyhow::Error::from)?;
    let price = |minor: i64| {
        state
            .profile
            .price_format(Language::En)
            .map_or_else(|| format!("{minor}"), |f| f.write(minor))
    };

    let up = kiosks.iter().filter(|k| online(&state, k, now)).count();
    let mut rows = String::new();
    for k in &kiosks {
        let on = online(&state, k, now);
        let t = takings.iter().find(|t| t.kiosk.as_deref() == Some(&k.id));
        rows.push_str(&format!(
            "<tr data-kiosk='{id}'><td><span class={class}>{status}</span></td><td><b>{id}</b></td><td>{store}</td>\
             <td>{version}</td><td>{screen}</td><td>{heard}</td><td class=right>{orders}</td><td class=right>{total}</td>\
             <td class=muted>{errors}</td></tr>",
            id = escape(&k.id),
            class = if on { "on" } else { "off" },
            status = if on { "online" } else { "offline" },
            store = escape(k.store.as_deref().unwrap_or("—")),
            version = escape(k.version.as_deref().unwrap_or("—")),
            screen = escape(k.screen.as_deref().unwrap_or("—")),
            heard = k
                .heartbeat_at
                .map_or_else(|| "no heartbeat".to_owned(), |at| ago(now - at)),
            orders = t.map_or(0, |t| t.orders),
            total = price(t.map_or(0, |t| t.total_minor)),
            errors = escape(&k.last_errors.join("; ")),
        ));
    }
    if kiosks.is_empty() {
        rows.push_str("<tr><td colspan=9 class=muted>No kiosk has called yet.</td></tr>");
    }
    let elsewhere = takings.iter().find(|t| t.kiosk.is_none());
    let all_orders: i64 = takings.iter().map(|t| t.orders).sum();
    let all_total: i64 = takings.iter().map(|t| t.total_minor).sum();

    let mut menu_rows = String::new();
    for c in &menu.categories {
        let cname = c.names.get("en").cloned().unwrap_or_else(|| c.slug.clone());
        menu_rows.push_str(&format!("<tr><th colspan=5>{}</th></tr>", escape(&cname)));
        for p in menu.products.iter().filter(|p| p.category == c.slug) {
            let name = p
                .names
                .get("en")
                .or(p.names.values().next())
                .cloned()
                .unwrap_or_default();
            let (status, label, next) = if p.available {
                ("on sale", "Mark sold out", "false")
            } else {
                ("<span class=sold>sold out</span>", "Back on sale", "true")
            };
            menu_rows.push_str(&format!(
                "<tr data-sku='{sku}'><td>{name}</td><td class=muted>{sku}</td><td class=right>{price}</td><td>{status}</td>\
                 <td><form method=post action='/operator/menu/{sku}'><input type=hidden name=available value={next}>\
                 <button>{label}</button></form></td></tr>",
                sku = escape(&p.sku),
                name = escape(&name),
                price = price(p.price_minor),
            ));
        }
    }
    let body = format!(
        "<header><h1>{store}</h1><span class=muted>Operator · {up} of {n} kiosks online · today {all_orders} {noun}, {all_total}</span>\
         <span style='flex:1'></span><form method=post action=/operator/sign-out><button id=sign-out>Sign out</button></form></header>\
         <main><h2>Kiosks</h2><table id=kiosks><tr><th>Status</th><th>Kiosk</th><th>Store</th><th>Version</th><th>Screen</th>\
         <th>Last heartbeat</th><th class=right>Orders today</th><th class=right>Takings today</th><th>Last errors</th></tr>{rows}</table>\
         <p class=muted>Offline: {missed} heartbeats missed ({every} s apart). {elsewhere}</p>\
         <h2 id=menu>Menu</h2><table id=menu-table><tr><th>Dish</th><th>SKU</th><th class=right>Price</th><th>Now</th><th></th></tr>{menu_rows}</table></main>",
        store = escape(&state.profile.name),
        n = kiosks.len(),
        noun = if all_orders == 1 { "order" } else { "orders" },
        all_total = price(all_total),
        missed = customerclient_api::kiosk::MISSED_FOR_OFFLINE,
        every = state.heartbeat_seconds,
        elsewhere = elsewhere.map_or(String::new(), |t| format!(
            "Orders with no kiosk named today: {}, {}.",
            t.orders,
            price(t.total_minor)
        )),
    );
    Ok(Html(document("Operator · fleet", &body, true)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_people_say_them() {
        assert_eq!(ago(12_400), "12 s ago");
        assert_eq!(ago(300_000), "5 min ago");
        assert_eq!(ago(3 * 3_600_000), "3 h ago");
        assert_eq!(escape("<a href='x'>&"), "&lt;a href=&#39;x&#39;&gt;&amp;");
    }
}

//! Following an order on the customer's own phone: the kiosk asks for a link for the order it
//! just placed (`POST /orders/{id}/share`) and shows it as a QR code; the phone opens
//! `/t/{token}`, a small page that draws the delivery district, the route and the courier, the
//! stages and the ETA, live over `GET /shared/{token}/events`.
//!
//! The token is 128 random bits made for that order (never its number); the database keeps
//! only its SHA-256. The page shows what the customer needs — stages, ETA, the map and the
//! order's number — and never the address or the phone. A link stops working an hour after the
//! delivery ends (delivered, cancelled or failed); an unknown, forged or spent one gets the
//! same plain "this link has expired" page, with nothing of any order on it.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use customerclient_api::settings::Language;
use customerclient_api::tracking::{ShareRequest, Tracking, TrackingLink, phone_page_path};
use futures_util::Stream;
use sha2::Digest;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::AppError;
use crate::extract::{ApiJson, ApiPath};
use crate::payments::bank::html_escape as escape;
use crate::store::now_ms;

/// How long a link keeps working after the delivery ends.
pub const LINK_AFTER_END_MS: i64 = 60 * 60 * 1000;

pub fn router() -> crate::routes::Routes {
    use customerclient_api::endpoint as e;
    crate::routes::Routes::new()
        .at(e::ShareTracking, share)
        .at(e::GetSharedTracking, shared)
        .at(e::GetSharedEvents, shared_events)
        .pages(axum::Router::new().route("/t/{token}", get(page)))
}

fn token_hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// A link for the caller's own order (another customer's is "not found", as everywhere).
async fn share(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ShareRequest>,
) -> Result<(StatusCode, Json<TrackingLink>), AppError> {
    crate::tracking::own_order(&state, &current, id).await?;
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let token = hex::encode(bytes);
    let stored = state
        .store
        .insert_tracking_link(&token_hash(&token), id, request.language.code())
        .await
        .map_err(anyhow::Error::from)?;
    if !stored {
        return Err(AppError::NotFound("order"));
    }
    let path = phone_page_path(&token);
    let base = state
        .public_url
        .as_deref()
        .map(str::to_owned)
        .or_else(|| state.self_url.get().cloned())
        .unwrap_or_default();
    Ok((
        StatusCode::CREATED,
        Json(TrackingLink {
            url: format!("{}{path}", base.trim_end_matches('/')),
            path,
            token,
        }),
    ))
}

/// The order a link follows and the language it speaks, while the link works.
async fn follow(state: &AppState, token: &str) -> Result<Option<(Uuid, Language)>, AppError> {
    // Ours are 32 lowercase hex digits; anything else is not looked up.
    if token.len() != 32
        || !token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Ok(None);
    }
    let Some((order, language)) = state
        .store
        .tracking_link(&token_hash(token))
        .await
        .map_err(anyhow::Error::from)?
    else {
        return Ok(None);
    };
    let Some((_, status, _)) = state
        .store
        .order_status(order)
        .await
        .map_err(anyhow::Error::from)?
    else {
        return Ok(None);
    };
    if !status.is_active() {
        let history = state
            .store
            .status_history(order)
            .await
            .map_err(anyhow::Error::from)?;
        let ended = history.last().map_or(0, |c| c.at);
        if now_ms() - ended > LINK_AFTER_END_MS {
            return Ok(None);
        }
    }
    let language = Language::from_code(&language).unwrap_or_default();
    Ok(Some((order, language)))
}

async fn shared(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<Tracking>, AppError> {
    let (order, _) = follow(&state, &token)
        .await?
        .ok_or(AppError::NotFound("tracking link"))?;
    Ok(Json(crate::tracking::tracking_of(&state, order).await?))
}

/// What one phone's stream holds between events.
struct Feed {
    state: AppState,
    token: String,
    order: Uuid,
    wakeups: crate::push::Wakeups,
    shutdown: tokio::sync::watch::Receiver<bool>,
    poll: Duration,
    last: Option<Tracking>,
    done: bool,
}

impl Feed {
    /// The next change of the order's tracking; `None` once the delivery has ended (after
    /// its last state was sent), the link stops working, or the instance shuts down.
    async fn next(&mut self) -> Option<Tracking> {
        loop {
            if self.done {
                return None;
            }
            if self.last.is_some() && !self.wakeups.wait(self.poll, &mut self.shutdown).await {
                return None;
            }
            follow(&self.state, &self.token).await.ok()??;
            let now = crate::tracking::tracking_of(&self.state, self.order)
                .await
                .ok()?;
            if self.last.as_ref() != Some(&now) {
                self.done = !now.status.is_active();
                self.last = Some(now.clone());
                return Some(now);
            }
        }
    }
}

async fn shared_events(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let (order, _) = follow(&state, &token)
        .await?
        .ok_or(AppError::NotFound("tracking link"))?;
    let (account, _, _) = state
        .store
        .order_status(order)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or(AppError::NotFound("tracking link"))?;
    // Status changes and courier fixes wake the order's account: subscribed before the
    // first read, so nothing between the two is missed.
    let feed = Feed {
        wakeups: state.hub.subscribe(account),
        shutdown: state.shutdown.subscribe(),
        poll: crate::push::poll_every(&state).min(Duration::from_secs(2)),
        state,
        token,
        order,
        last: None,
        done: false,
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let tracking = feed.next().await?;
        let event = Event::default()
            .event("tracking")
            .data(serde_json::to_string(&tracking).unwrap_or_default());
        Some((Ok(event), feed))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The page's words in one language.
struct Words {
    lang: &'static str,
    title: &'static str,
    order: &'static str,
    eta: &'static str,
    arrives: &'static str,
    stages: [&'static str; 6],
    cancelled: &'static str,
    failed: &'static str,
    delivered: &'static str,
    expires: &'static str,
    offline: &'static str,
}

const EN: Words = Words {
    lang: "en",
    title: "Your delivery",
    order: "Order",
    eta: "about {n} min",
    arrives: "arrives at {t}",
    stages: [
        "Order placed",
        "Accepted",
        "Being prepared",
        "Courier assigned",
        "On the way",
        "Delivered",
    ],
    cancelled: "The order was cancelled",
    failed: "The delivery could not be made",
    delivered: "Delivered. Enjoy your meal!",
    expires: "This link stops working an hour after the delivery ends.",
    offline: "Reconnecting…",
};

const RU: Words = Words {
    lang: "ru",
    title: "Ваша доставка",
    order: "Заказ",
    eta: "примерно {n} мин",
    arrives: "будет в {t}",
    stages: [
        "Заказ принят",
        "Подтверждён",
        "Готовится",
        "Курьер назначен",
        "В пути",
        "Доставлен",
    ],
    cancelled: "Заказ отменён",
    failed: "Доставка не удалась",
    delivered: "Доставлено. Приятного аппетита!",
    expires: "Ссылка перестанет работать через час после доставки.",
    offline: "Переподключаемся…",
};

fn words(language: Language) -> &'static Words {
    match language {
        Language::Ru => &RU,
        Language::En => &EN,
    }
}

/// The same answer for a link that never was, was forged, or has run out: nothing of any
/// order, in both languages (a forged link has none).
fn expired() -> Response {
    let body = r#"<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Link expired</title>
<style>body{font-family:system-ui,sans-serif;margin:0;padding:48px 24px;background:#fdf6f0;color:#2b2b2b;text-align:center}
h1{font-size:22px;margin:0 0 12px}p{color:#6b6b6b;margin:4px 0}</style></head>
<body id="expired"><h1>This link has expired</h1><p>Ссылка больше не действует</p>
<p>Ask at the store, or follow the order at the kiosk with its number.</p></body></html>"#;
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Html(body),
    )
        .into_response()
}

async fn page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Ok(Some((order, language))) = follow(&state, &token).await else {
        return expired();
    };
    let Ok(tracking) = crate::tracking::tracking_of(&state, order).await else {
        return expired();
    };
    let w = words(language);
    let map = map_svg(&state.map);
    let data = serde_json::to_string(&tracking).unwrap_or_default();
    let texts = serde_json::json!({
        "eta": w.eta, "arrives": w.arrives, "stages": w.stages, "cancelled": w.cancelled,
        "failed": w.failed, "delivered": w.delivered, "offline": w.offline, "lang": w.lang,
    });
    let store = escape(&state.profile.name);
    let colour = escape(&state.profile.brand_colour);
    let events = <customerclient_api::endpoint::GetSharedEvents as customerclient_api::endpoint::Endpoint>::path(&[&token]);
    let stages: String = w
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| format!(r#"<li data-stage="{i}"><span class="dot"></span><span class="name">{}</span><span class="at"></span></li>"#, escape(s)))
        .collect();
    let html = format!(
        r##"<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title} · {store}</title>
<style>
:root{{--brand:{colour}}}
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#fdf6f0;color:#2b2b2b}}
header{{padding:14px 18px 8px;display:flex;justify-content:space-between;align-items:baseline}}
header b{{color:var(--brand);font-size:18px}}header span{{color:#6b6b6b;font-size:14px}}
#status{{padding:4px 18px 0;font-size:22px;font-weight:700}}
#eta{{padding:2px 18px 10px;color:#6b6b6b;font-size:16px;min-height:20px}}
#map{{display:block;width:100%;height:auto;background:#f3ede4;border-top:1px solid #eadfd2;border-bottom:1px solid #eadfd2}}
ol{{list-style:none;margin:0;padding:10px 18px}}
li{{display:flex;align-items:center;gap:12px;padding:8px 0;color:#9a948c;font-size:16px}}
li .dot{{width:14px;height:14px;border-radius:50%;border:2px solid #cfc6bb;flex:none}}
li .name{{flex:1}}li .at{{font-size:14px}}
li.done{{color:#2b2b2b}}li.done .dot{{background:var(--brand);border-color:var(--brand)}}
li.now{{color:#2b2b2b;font-weight:700}}li.now .dot{{border-color:var(--brand);box-shadow:0 0 0 4px color-mix(in srgb,var(--brand) 25%,transparent)}}
footer{{padding:6px 18px 24px;color:#9a948c;font-size:13px}}
#offline{{display:none;background:#fff3cd;color:#6b5200;padding:6px 18px;font-size:14px}}
</style></head><body>
<header><b>{store}</b><span>{order_word} №<span id="number">{number}</span></span></header>
<div id="offline">{offline}</div>
<div id="status"></div><div id="eta"></div>
{map}
<ol id="stages">{stages}</ol>
<footer>{expires}</footer>
<script>
const T={texts};
let t={data};
const stageOf=(s)=>({{placed:0,accepted:1,preparing:2,courier_assigned:3,on_the_way:4,delivered:5}})[s];
const clock=(ms)=>new Date(ms).toLocaleTimeString(T.lang,{{hour:'2-digit',minute:'2-digit'}});
function draw(){{
  const at=stageOf(t.status);
  document.querySelectorAll('#stages li').forEach((li)=>{{
    const i=+li.dataset.stage;
    li.className=at===undefined?'':(i<at||(i===at&&i===5)?'done':(i===at?'now':''));
    const when=t.history.filter((h)=>stageOf(h.status)===i).pop();
    li.querySelector('.at').textContent=when?clock(when.at):'';
  }});
  const status=document.getElementById('status');
  status.textContent=t.status==='cancelled'?T.cancelled:t.status==='failed'?T.failed:t.status==='delivered'?T.delivered:T.stages[at];
  status.dataset.status=t.status;
  const eta=document.getElementById('eta');
  eta.textContent=t.eta?T.eta.replace('{{n}}',Math.max(1,Math.round(t.eta.minutes_left)))+' · '+T.arrives.replace('{{t}}',clock(t.eta.at)):'';
  const route=document.getElementById('route');
  route.setAttribute('points',t.route.map((p)=>p.x+','+p.y).join(' '));
  const home=document.getElementById('home');
  home.setAttribute('cx',t.destination.x);home.setAttribute('cy',t.destination.y);
  const c=document.getElementById('courier');
  if(t.courier){{c.setAttribute('cx',t.courier.point.x);c.setAttribute('cy',t.courier.point.y);c.style.display='';c.dataset.progress=t.courier.progress_m;}}
  else c.style.display='none';
  fit();
}}
function fit(){{
  const pts=t.route.length?t.route:[t.store,t.destination];
  const xs=pts.map((p)=>p.x),ys=pts.map((p)=>p.y),pad=160;
  let x0=Math.min(...xs)-pad,y0=Math.min(...ys)-pad,w=Math.max(...xs)-x0+pad,h=Math.max(...ys)-y0+pad;
  const want=1.1;if(w/h>want){{const nh=w/want;y0-=(nh-h)/2;h=nh;}}else{{const nw=h*want;x0-=(nw-w)/2;w=nw;}}
  document.getElementById('map').setAttribute('viewBox',x0+' '+y0+' '+w+' '+h);
}}
draw();
const source=new EventSource('{events}');
source.addEventListener('tracking',(e)=>{{t=JSON.parse(e.data);draw();document.getElementById('offline').style.display='none';}});
source.onerror=()=>{{if(source.readyState!==2)document.getElementById('offline').style.display='block';}};
</script></body></html>"##,
        lang = w.lang,
        title = escape(w.title),
        order_word = escape(w.order),
        number = tracking.number,
        offline = escape(w.offline),
        expires = escape(w.expires),
        texts = texts,
        data = data.replace("</", "<\\/"),
    );
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Html(html),
    )
        .into_response()
}

/// The district as SVG: parks, streets (major ones wider), the route, the store, the
/// destination and the courier (moved by the page's script).
fn map_svg(map: &customerclient_api::city::CityMap) -> String {
    let mut out = format!(
        r##"<svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" preserveAspectRatio="xMidYMid slice" width="360" height="327">"##,
        map.width, map.height
    );
    out.push_str(&format!(
        r##"<rect x="-2000" y="-2000" width="{}" height="{}" fill="#f3ede4"/>"##,
        map.width + 4000.0,
        map.height + 4000.0
    ));
    for p in &map.parks {
        out.push_str(&format!(
            r##"<rect x="{}" y="{}" width="{}" height="{}" rx="16" fill="#cfe5c0"/>"##,
            p.min.x,
            p.min.y,
            p.max.x - p.min.x,
            p.max.y - p.min.y
        ));
    }
    for s in &map.streets {
        let (a, b) = (map.nodes[s.a], map.nodes[s.b]);
        let width = if s.major { 22 } else { 12 };
        out.push_str(&format!(
            r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ffffff" stroke-width="{width}" stroke-linecap="round"/>"##,
            a.x, a.y, b.x, b.y
        ));
    }
    let store = map.nodes[map.store];
    out.push_str(&format!(
        r##"<polyline id="route" points="" fill="none" stroke="var(--brand)" stroke-width="14" stroke-linejoin="round" stroke-linecap="round" opacity="0.85"/>
<rect id="store" x="{}" y="{}" width="56" height="56" rx="12" fill="#2b2b2b"/>
<circle id="home" cx="0" cy="0" r="30" fill="#ffffff" stroke="#2b2b2b" stroke-width="10"/>
<circle id="courier" cx="0" cy="0" r="34" fill="var(--brand)" stroke="#ffffff" stroke-width="10"/></svg>"##,
        store.x - 28.0,
        store.y - 28.0
    ));
    out
}

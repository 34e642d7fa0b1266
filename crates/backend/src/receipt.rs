//! Receipts (the seed's per-order report): an order's lines, delivery, total, how it was paid
//! (a card by its last four only), its number and the store — as a page, as a PDF and as the
//! confirmation e-mail that carries both. One [`Receipt`] is drawn from the order as it stands
//! in the database, in the order's language, with the store's price format.
//!
//! The confirmation goes when the order's payment is settled — at once for paying on delivery,
//! when the money comes for paying at the kiosk — queued in that same transaction (see
//! `store::sql::payments::queue_receipt_in`) and drawn when the outbox sends it.

use std::sync::{Arc, LazyLock};

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, response::Html};
use customerclient_api::money::Money;
use customerclient_api::orders::{DeliveryMethod, Order, PaymentMethod, ReceiptSent};
use customerclient_api::payments::PaymentState;
use customerclient_api::profile::StoreProfile;
use customerclient_api::settings::Language;
use printpdf::{
    Color, Line, LinePoint, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rgb, TextItem,
};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::AppError;
use crate::extract::ApiPath;
use crate::payments::bank::html_escape as escape;
use crate::store::{Store, StoreError, Throttle};

pub fn router() -> crate::routes::Routes {
    use customerclient_api::endpoint as e;
    crate::routes::Routes::new()
        .at(e::GetReceipt, page)
        .at(e::GetReceiptPdf, download)
        .at(e::EmailReceipt, email)
}

/// Receipts a customer may have e-mailed again: a few a minute, then slower (each is a mail
/// to their own address, but a mail all the same).
pub const EMAILS_PER_ACCOUNT: Throttle = Throttle {
    free: 5,
    base_ms: 10_000,
    max_ms: 10 * 60 * 1000,
    window_ms: 60 * 60 * 1000,
};

/// One order's receipt in every form it is sent in.
pub struct Receipt {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub pdf: Vec<u8>,
    pub file_name: String,
}

struct Words {
    receipt: &'static str,
    order: &'static str,
    placed: &'static str,
    dishes: &'static str,
    delivery: &'static str,
    total: &'static str,
    payment: &'static str,
    deliver_to: &'static str,
    thanks: &'static str,
    store_line: &'static str,
    subject: &'static str,
}

const EN: Words = Words {
    receipt: "Receipt",
    order: "Order",
    placed: "Placed",
    dishes: "Dishes",
    delivery: "Delivery",
    total: "Total",
    payment: "Payment",
    deliver_to: "Delivering to",
    thanks: "Thank you for your order!",
    store_line: "Ordered at the kiosk of",
    subject: "receipt for order",
};

const RU: Words = Words {
    receipt: "Чек",
    order: "Заказ",
    placed: "Оформлен",
    dishes: "Блюда",
    delivery: "Доставка",
    total: "Итого",
    payment: "Оплата",
    deliver_to: "Адрес доставки",
    thanks: "Спасибо за заказ!",
    store_line: "Заказ сделан на киоске",
    subject: "чек по заказу",
};

fn words(language: Language) -> &'static Words {
    match language {
        Language::Ru => &RU,
        Language::En => &EN,
    }
}

fn delivery_label(method: DeliveryMethod, language: Language) -> &'static str {
    match language {
        Language::En => method.label(),
        Language::Ru => match method {
            DeliveryMethod::OnFoot => "пешком",
            DeliveryMethod::ElectricScooter => "на электросамокате",
            DeliveryMethod::Car => "на машине",
        },
    }
}

fn payment_label(method: PaymentMethod, language: Language) -> &'static str {
    match (language, method) {
        (Language::En, PaymentMethod::CardInApp) => "Card at the kiosk",
        (Language::En, m) => m.label(),
        (Language::Ru, PaymentMethod::CashOnDelivery) => "Наличными курьеру",
        (Language::Ru, PaymentMethod::CardOnDelivery) => "Картой курьеру",
        (Language::Ru, PaymentMethod::QrBankApp) => "QR-код в приложении банка",
        (Language::Ru, PaymentMethod::CardInApp) => "Картой на киоске",
    }
}

fn payment_state_label(state: PaymentState, language: Language) -> &'static str {
    use PaymentState::*;
    match (language, state) {
        (Language::En, DueOnDelivery) => "to pay on delivery",
        (Language::En, AwaitingPayment) => "awaiting payment",
        (Language::En, Paid) => "paid",
        (Language::En, Failed) => "not paid",
        (Language::En, Expired) => "not paid (the QR code expired)",
        (Language::En, Refunded) => "refunded",
        (Language::Ru, DueOnDelivery) => "оплата при получении",
        (Language::Ru, AwaitingPayment) => "ожидает оплаты",
        (Language::Ru, Paid) => "оплачено",
        (Language::Ru, Failed) => "не оплачено",
        (Language::Ru, Expired) => "не оплачено (QR-код истёк)",
        (Language::Ru, Refunded) => "деньги возвращены",
    }
}

/// The receipt's facts, in words, shared by the page, the PDF and the plain text.
struct Facts {
    store: String,
    title: String,
    placed: String,
    lines: Vec<(String, String)>,
    totals: Vec<(String, String)>,
    total: (String, String),
    payment: String,
    deliver_to: String,
    thanks: &'static str,
    store_line: String,
}

fn facts(order: &Order, profile: &StoreProfile, language: Language) -> Facts {
    let w = words(language);
    let price = |m: &Money| match profile.price_format(language) {
        Some(f) if m.currency == profile.currency => f.write(m.minor),
        _ => m.display(),
    };
    let placed = jiff::Timestamp::from_millisecond(order.created_at)
        .ok()
        .zip(jiff::tz::Offset::from_seconds(profile.hours.utc_offset_minutes * 60).ok())
        .map(|(t, offset)| {
            t.to_zoned(jiff::tz::TimeZone::fixed(offset))
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    let mut payment = format!(
        "{}: {}",
        payment_label(order.payment_method, language),
        payment_state_label(order.payment_state, language)
    );
    if let Some(card) = &order.card {
        // Only ever the brand and the last four: the full number is never kept anywhere.
        payment.push_str(&format!(" — {} •••• {}", card.brand.label(), card.last4));
    }
    Facts {
        store: profile.name.clone(),
        title: format!("{} · {} #{}", w.receipt, w.order, order.number),
        placed: format!("{}: {placed}", w.placed),
        lines: order
            .lines
            .iter()
            .map(|l| (format!("{} × {}", l.quantity, l.name), price(&l.line_total)))
            .collect(),
        totals: vec![
            (w.dishes.to_owned(), price(&order.products_total)),
            (
                format!(
                    "{} ({})",
                    w.delivery,
                    delivery_label(order.delivery_method, language)
                ),
                price(&order.delivery_price),
            ),
        ],
        total: (w.total.to_owned(), price(&order.total)),
        payment: format!("{}: {payment}", w.payment),
        deliver_to: format!("{}: {}, {}", w.deliver_to, order.address, order.city),
        thanks: w.thanks,
        store_line: format!("{} {}", w.store_line, profile.name),
    }
}

/// The receipt of `order` in `language`.
pub fn render(order: &Order, profile: &StoreProfile, language: Language) -> Receipt {
    let f = facts(order, profile, language);
    Receipt {
        subject: format!("{}: {} #{}", f.store, words(language).subject, order.number),
        text: text(&f),
        html: html(&f, &profile.brand_colour),
        pdf: pdf(&f, &profile.brand_colour),
        file_name: format!("receipt-{}.pdf", order.number),
    }
}

fn text(f: &Facts) -> String {
    let mut out = format!("{}\n{}\n{}\n\n", f.store, f.title, f.placed);
    for (what, amount) in f.lines.iter().chain(&f.totals) {
        out.push_str(&format!("  {what:<40} {amount:>12}\n"));
    }
    out.push_str(&format!("  {:<40} {:>12}\n\n", f.total.0, f.total.1));
    out.push_str(&format!(
        "{}\n{}\n\n{}\n{}\n",
        f.payment, f.deliver_to, f.thanks, f.store_line
    ));
    out
}

fn html(f: &Facts, brand: &str) -> String {
    let brand = escape(brand);
    let row = |what: &str, amount: &str, class: &str| {
        format!(
            "<tr class=\"{class}\"><td>{}</td><td class=\"amount\">{}</td></tr>\n",
            escape(what),
            escape(amount)
        )
    };
    let mut rows = String::new();
    for (what, amount) in &f.lines {
        rows.push_str(&row(what, amount, "line"));
    }
    for (what, amount) in &f.totals {
        rows.push_str(&row(what, amount, "sum"));
    }
    rows.push_str(&row(&f.total.0, &f.total.1, "total"));
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>\
         body{{font-family:Inter,Arial,sans-serif;max-width:36em;margin:1.5em auto;padding:0 1em;color:#222}}\
         h1{{color:{brand};margin:0 0 .2em}} h2{{font-size:1.1em;margin:0 0 .2em}}\
         table{{width:100%;border-collapse:collapse;margin:1em 0}} td{{padding:.3em 0}}\
         td.amount{{text-align:right;white-space:nowrap}} tr.sum td{{color:#555}}\
         tr.total td{{font-weight:bold;font-size:1.15em;border-top:2px solid {brand}}}\
         tr.line+tr.sum td{{border-top:1px solid #ccc}} .muted{{color:#666}}\
         </style></head><body>\n<h1>{store}</h1>\n<h2>{title}</h2>\n<p class=\"muted\">{placed}</p>\n\
         <table>\n{rows}</table>\n<p>{payment}</p>\n<p>{deliver_to}</p>\n<p><strong>{thanks}</strong><br>\
         <span class=\"muted\">{store_line}</span></p>\n</body></html>\n",
        title = escape(&f.title),
        store = escape(&f.store),
        placed = escape(&f.placed),
        payment = escape(&f.payment),
        deliver_to = escape(&f.deliver_to),
        thanks = escape(f.thanks),
        store_line = escape(&f.store_line),
    )
}

// One face, embedded whole (printpdf subsets only with its layout engine, which we leave
// out): bold is the same glyphs filled and outlined, which keeps a receipt near 150 KB.
static REGULAR: LazyLock<ParsedFont> = LazyLock::new(|| font(FONT_REGULAR));
const FONT_REGULAR: &[u8] = include_bytes!("../../../assets/fonts/Inter-Regular.otf");

fn font(bytes: &[u8]) -> ParsedFont {
    // The fonts are the project's own files, built in: one that does not parse is a bug here.
    ParsedFont::from_bytes(bytes, 0, &mut Vec::new()).expect("the built-in font parses")
}

/// How wide `text` is in `font` at `size` points (for amounts set flush right).
fn width(font: &ParsedFont, text: &str, size: f32) -> f32 {
    let em = f32::from(font.units_per_em.max(1));
    let units: u32 = text
        .chars()
        .map(|c| {
            font.lookup_glyph_index(c as u32)
                .and_then(|g| font.get_glyph_width(g))
                .map_or(0, u32::from)
        })
        .sum();
    units as f32 / em * size
}

/// How wide `text` is at `size` points, in millimetres.
fn mm(text: &str, size: f32) -> f32 {
    width(&REGULAR, text, size) * 25.4 / 72.0
}

/// `text` broken between words into lines at most `room` mm wide (a word wider than that
/// stands on a line of its own).
fn wrap(text: &str, size: f32, room: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && mm(&candidate, size) > room {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        } else {
            line = candidate;
        }
    }
    lines.push(line);
    lines
}

fn colour(hex: &str) -> Color {
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(0.2, |v| f32::from(v) / 255.0)
    };
    Color::Rgb(Rgb {
        r: channel(1),
        g: channel(3),
        b: channel(5),
        icc_profile: None,
    })
}

/// An A5 page's worth of drawing at a time; a long order goes on over more pages.
struct Pages {
    font: printpdf::FontId,
    done: Vec<PdfPage>,
    ops: Vec<Op>,
    /// The next baseline, in millimetres from the page's foot.
    y: f32,
}

const PAGE_W: f32 = 148.0;
const PAGE_H: f32 = 210.0;
const MARGIN: f32 = 14.0;

impl Pages {
    fn need(&mut self, mm: f32) {
        if self.y - mm < MARGIN {
            let ops = std::mem::take(&mut self.ops);
            self.done.push(PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops));
            self.y = PAGE_H - MARGIN;
        }
    }

    fn text(&mut self, text: &str, x: f32, size: f32, bold: bool, col: Option<Color>) {
        let col = col.unwrap_or(Color::Rgb(Rgb {
            r: 0.13,
            g: 0.13,
            b: 0.13,
            icc_profile: None,
        }));
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetFillColor { col: col.clone() });
        if bold {
            self.ops.extend([
                Op::SetOutlineColor { col },
                Op::SetOutlineThickness {
                    pt: Pt(size * 0.045),
                },
                Op::SetTextRenderingMode {
                    mode: printpdf::TextRenderingMode::FillStroke,
                },
            ]);
        }
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(self.font.clone()),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point::new(Mm(x), Mm(self.y)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
            Op::RestoreGraphicsState,
        ]);
    }

    /// `what` at the left and `amount` flush right, on one line.
    /// A long `what` wraps in its column, clear of the amount.
    fn row(&mut self, what: &str, amount: &str, size: f32, bold: bool) {
        let w = mm(amount, size);
        let lines = wrap(what, size, PAGE_W - 2.0 * MARGIN - w - 6.0);
        self.need(size * 0.55 * lines.len() as f32);
        self.text(amount, PAGE_W - MARGIN - w, size, bold, None);
        for line in lines {
            self.text(&line, MARGIN, size, bold, None);
            self.y -= size * 0.55;
        }
    }

    /// A line across, under the last row, with room below it.
    fn rule(&mut self, thickness: f32, col: Color) {
        self.need(12.0);
        self.y += 3.0;
        self.ops.extend([
            Op::SaveGraphicsState,
            Op::SetOutlineColor { col },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: Point::new(Mm(MARGIN), Mm(self.y)),
                            bezier: false,
                        },
                        LinePoint {
                            p: Point::new(Mm(PAGE_W - MARGIN), Mm(self.y)),
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
            Op::RestoreGraphicsState,
        ]);
        self.y -= 7.0;
    }

    /// A paragraph wrapped to the page's width.
    fn paragraph(&mut self, text: &str, size: f32) {
        for l in wrap(text, size, PAGE_W - 2.0 * MARGIN) {
            self.need(size * 0.5);
            self.text(&l, MARGIN, size, false, None);
            self.y -= size * 0.5;
        }
    }
}

fn pdf(f: &Facts, brand: &str) -> Vec<u8> {
    let mut doc = PdfDocument::new(&f.title);
    let mut pages = Pages {
        font: doc.add_font(&REGULAR),
        done: Vec::new(),
        ops: Vec::new(),
        y: PAGE_H - MARGIN - 6.0,
    };
    let brand = colour(brand);
    pages.text(&f.store, MARGIN, 20.0, true, Some(brand.clone()));
    pages.y -= 10.0;
    pages.text(&f.title, MARGIN, 13.0, true, None);
    pages.y -= 6.0;
    pages.text(&f.placed, MARGIN, 10.0, false, None);
    pages.y -= 10.0;
    for (what, amount) in &f.lines {
        pages.row(what, amount, 11.0, false);
    }
    pages.rule(0.5, colour("#bbbbbb"));
    for (what, amount) in &f.totals {
        pages.row(what, amount, 10.5, false);
    }
    pages.rule(1.2, brand);
    pages.row(&f.total.0, &f.total.1, 13.0, true);
    pages.y -= 4.0;
    pages.paragraph(&f.payment, 10.5);
    pages.paragraph(&f.deliver_to, 10.5);
    pages.y -= 4.0;
    pages.need(12.0);
    pages.text(f.thanks, MARGIN, 11.0, true, None);
    pages.y -= 6.0;
    pages.paragraph(&f.store_line, 9.5);
    let Pages { mut done, ops, .. } = pages;
    done.push(PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops));
    doc.with_pages(done)
        .save(&PdfSaveOptions::default(), &mut Vec::new())
}

/// The receipt of order `id` as it stands, in its language; with `owner`, only that
/// account's (another's reads as absent). For the pages and the outbox alike.
pub async fn draw(
    store: &Store,
    profile: &Arc<StoreProfile>,
    id: Uuid,
    owner: Option<Uuid>,
) -> anyhow::Result<Option<Receipt>> {
    let Some((account, language)) = store.receipt_owner(id).await? else {
        return Ok(None);
    };
    if owner.is_some_and(|o| o != account) {
        return Ok(None);
    }
    let Some(order) = store.order(account, id).await? else {
        return Ok(None);
    };
    let language = language.unwrap_or_else(|| profile.default_language());
    // Drawing the PDF is a few milliseconds of CPU: off the async threads.
    let profile = profile.clone();
    Ok(Some(
        tokio::task::spawn_blocking(move || render(&order, &profile, language)).await?,
    ))
}

/// The caller's own order's receipt.
async fn own_receipt(
    state: &AppState,
    current: &CurrentAccount,
    id: Uuid,
) -> Result<Receipt, AppError> {
    draw(&state.store, &state.profile, id, Some(current.account.id))
        .await?
        .ok_or(AppError::NotFound("order"))
}

fn private(mut response: Response) -> Response {
    // A customer's receipt: never kept by a shared cache.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

async fn page(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, AppError> {
    let receipt = own_receipt(&state, &current, id).await?;
    Ok(private(Html(receipt.html).into_response()))
}

async fn download(
    State(state): State<AppState>,
    current: CurrentAccount,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, AppError> {
    let receipt = own_receipt(&state, &current, id).await?;
    let disposition = format!("inline; filename=\"{}\"", receipt.file_name);
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/pdf"),
        )],
        receipt.pdf,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(private(response))
}

/// Queues the receipt to the customer's own (verified) address, in one transaction with the
/// throttle's count.
async fn email(
    State(state): State<AppState>,
    crate::auth::Registered(current): crate::auth::Registered,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<ReceiptSent>), AppError> {
    crate::tracking::own_order(&state, &current, id).await?;
    let Some(to) = current.account.email.clone() else {
        return Err(AppError::Unprocessable {
            code: "no_email",
            message: "this account has no e-mail address".into(),
        });
    };
    match state
        .store
        .email_receipt(current.account.id, id, &to, &EMAILS_PER_ACCOUNT)
        .await
    {
        Ok(true) => {}
        Ok(false) => return Err(AppError::NotFound("order")),
        Err(StoreError::Throttled(wait_ms)) => {
            let wait = (wait_ms as u64).div_ceil(1000).max(1);
            return Err(AppError::TooManyRequests {
                message: format!("too many receipts sent; try again in {wait} s"),
                retry_after_secs: wait,
            });
        }
        Err(e) => return Err(anyhow::Error::from(e).into()),
    }
    state.mail_wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(ReceiptSent { to })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_measured_in_the_font() {
        let one = width(&REGULAR, "1", 10.0);
        let four = width(&REGULAR, "1111", 10.0);
        assert!(one > 1.0 && one < 10.0, "{one}");
        assert!((four - 4.0 * one).abs() < 0.01);
        assert!(
            width(&REGULAR, "₽", 10.0) > 0.0,
            "the rouble sign is in the font"
        );
    }

    #[test]
    fn long_names_wrap_clear_of_the_amounts() {
        let name = "2 × Slow-roasted pumpkin and chickpea salad with feta, pomegranate and mint";
        let lines = wrap(name, 11.0, 80.0);
        assert!(lines.len() >= 2, "{lines:?}");
        assert!(lines.iter().all(|l| mm(l, 11.0) <= 80.0), "{lines:?}");
        assert_eq!(lines.join(" "), name);
    }
}

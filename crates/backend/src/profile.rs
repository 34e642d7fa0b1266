//! The store profile: the operator's TOML file (`--store PATH`) saying who the store is, what
//! currency it sells in and how prices are written, where it delivers at what price, when it
//! takes orders, how long kiosks wait, and the merchant fields of its payment QR codes.
//! Checked whole at start (a bad file stops the backend with every problem named), then served
//! to kiosks at `GET /api/v1/store`. The demo's own profile is [`DEMO`], the commented sample.

use std::collections::HashMap;
use std::path::Path;

use axum::Json;
use axum::extract::State;
use customerclient_api::Money;
use customerclient_api::orders::{DeliveryInfo, DeliveryMethod, DeliveryOption, DeliveryZone};
use customerclient_api::profile::{DayHours, OpeningHours, PriceFormat, StoreProfile, Tagline};
use customerclient_api::settings::Language;
use serde::Deserialize;

use crate::AppState;
use crate::payments::Merchant;

/// The demo store's profile, which is also the documented sample (`docs/store-profile.md`).
pub const DEMO: &str = include_str!("../store.toml");

/// What the backend takes from a profile: what kiosks are told, and the merchant of the QR
/// codes (never sent to kiosks).
#[derive(Debug, Clone)]
pub struct StoreSetup {
    pub profile: StoreProfile,
    pub merchant: Merchant,
    /// The logo as kiosks get it (a PNG no larger than [`LOGO_MAX`]); stored in the files at
    /// start, which gives the profile its id.
    pub logo: Option<Vec<u8>>,
    /// The file the profile names, until [`StoreSetup::load`] reads it.
    logo_name: Option<String>,
}

/// The largest logo kiosks are sent, in pixels (wide and high); a bigger picture is scaled down.
pub const LOGO_MAX: (u32, u32) = (640, 320);

impl StoreSetup {
    pub fn demo() -> Self {
        parse(DEMO, "the demo profile").expect("the demo profile is valid")
    }

    /// Reads and checks the operator's file, and the logo it names (beside it).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!("cannot read the store profile {}: {e}", path.display())
        })?;
        let source = path.display().to_string();
        let mut setup = parse(&text, &source).map_err(anyhow::Error::msg)?;
        if let Some(name) = setup.logo_name.take() {
            let file = path.parent().unwrap_or(Path::new(".")).join(&name);
            let bytes = std::fs::read(&file).map_err(|e| {
                anyhow::anyhow!("{source}: logo: cannot read {}: {e}", file.display())
            })?;
            setup.logo = Some(logo(&bytes).map_err(|e| {
                anyhow::anyhow!(
                    "{source}: logo: {} is not a PNG or JPEG picture: {e}",
                    file.display()
                )
            })?);
        }
        Ok(setup)
    }

    /// Puts the logo among the files (once, whichever instance starts first) and names it in
    /// the profile. Its id is made from its content, so every instance names the same file.
    pub async fn store_logo(&mut self, store: &crate::store::Store) -> anyhow::Result<()> {
        let Some(bytes) = &self.logo else {
            return Ok(());
        };
        use sha2::Digest;
        let digest = sha2::Sha256::digest(bytes);
        let id = uuid::Builder::from_random_bytes(digest[..16].try_into()?).into_uuid();
        store.insert_file_once(id, "image/png", bytes).await?;
        self.profile.logo = Some(id);
        Ok(())
    }
}

/// Decodes a logo (PNG or JPEG) and re-encodes it as a PNG, keeping its transparency, scaled
/// down to fit [`LOGO_MAX`].
pub fn logo(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut image = image::load_from_memory(bytes).map_err(|e| e.to_string())?;
    let (w, h) = LOGO_MAX;
    if image.width() > w || image.height() > h {
        image = image.resize(w, h, image::imageops::FilterType::Triangle);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .to_rgba8()
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

pub fn router() -> crate::routes::Routes {
    crate::routes::Routes::new().at(customerclient_api::endpoint::GetStoreProfile, profile)
}

async fn profile(State(state): State<AppState>) -> Json<StoreProfile> {
    Json((*state.profile).clone())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    #[serde(default = "default_colour")]
    brand_colour: String,
    /// A PNG or JPEG beside the profile.
    #[serde(default)]
    logo: Option<String>,
    #[serde(default)]
    tagline: HashMap<Language, String>,
    currency: String,
    languages: Vec<Language>,
    #[serde(default)]
    prices: HashMap<Language, PriceFile>,
    #[serde(default)]
    hours: HoursFile,
    #[serde(default)]
    idle: IdleFile,
    merchant: MerchantFile,
    #[serde(rename = "zone")]
    zones: Vec<ZoneFile>,
}

fn default_colour() -> String {
    "#e65a1a".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceFile {
    pattern: String,
    #[serde(default)]
    group: String,
    #[serde(default = "dot")]
    decimal: String,
    #[serde(default = "two")]
    minor_digits: u8,
    #[serde(default = "yes")]
    hide_zero_minor: bool,
}

fn dot() -> String {
    ".".into()
}
fn two() -> u8 {
    2
}
fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct HoursFile {
    #[serde(default)]
    utc_offset: Option<String>,
    every_day: Option<String>,
    monday: Option<String>,
    tuesday: Option<String>,
    wednesday: Option<String>,
    thursday: Option<String>,
    friday: Option<String>,
    saturday: Option<String>,
    sunday: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdleFile {
    #[serde(default = "idle_seconds")]
    seconds: u32,
    #[serde(default = "warning_seconds")]
    warning_seconds: u32,
}

fn idle_seconds() -> u32 {
    90
}
fn warning_seconds() -> u32 {
    20
}

impl Default for IdleFile {
    fn default() -> Self {
        Self {
            seconds: idle_seconds(),
            warning_seconds: warning_seconds(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MerchantFile {
    name: String,
    city: String,
    country: String,
    mcc: String,
    /// The account the bank app pays into.
    account: String,
    /// The payment system's identifier in the QR code (EMVCo tag 26, sub-tag 00).
    gui: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ZoneFile {
    city: String,
    delivery: Vec<OptionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionFile {
    method: DeliveryMethod,
    /// In the currency's minor unit.
    price: i64,
    minutes: u32,
}

/// The profile in `text`, or every problem found in it, one a line, each naming `source`.
pub fn parse(text: &str, source: &str) -> Result<StoreSetup, String> {
    let file: File = toml::from_str(text).map_err(|e| format!("{source}: {e}"))?;
    let mut problems = Vec::new();
    let mut problem =
        |field: &str, message: String| problems.push(format!("{source}: {field}: {message}"));

    let name = file.name.trim().to_owned();
    if !(1..=40).contains(&name.chars().count()) {
        problem("name", "needs 1 to 40 characters".into());
    }
    let colour = file.brand_colour.trim().to_ascii_lowercase();
    if !(colour.len() == 7
        && colour.starts_with('#')
        && colour[1..].chars().all(|c| c.is_ascii_hexdigit()))
    {
        problem(
            "brand_colour",
            format!("'{colour}' is not a colour such as #e65a1a"),
        );
    }
    let currency = file.currency.trim().to_owned();
    if customerclient_api::emv::currency_numeric(&currency).is_none() {
        problem(
            "currency",
            format!(
                "'{currency}' is not an ISO 4217 code the payment QR code knows (RUB, USD, EUR…)"
            ),
        );
    }
    let mut languages = Vec::new();
    for l in &file.languages {
        if languages.contains(l) {
            problem("languages", format!("'{}' is listed twice", l.code()));
        }
        languages.push(*l);
    }
    if languages.is_empty() {
        problem("languages", "name at least one, the default first".into());
    }
    let mut taglines = Vec::new();
    for language in Language::ALL {
        let Some(text) = file.tagline.get(&language) else {
            continue;
        };
        let text = text.trim().to_owned();
        let field = format!("tagline.{}", language.code());
        if !languages.contains(&language) {
            problem(&field, "a language the store does not offer".into());
        } else if !(1..=120).contains(&text.chars().count()) {
            problem(&field, "needs 1 to 120 characters".into());
        }
        taglines.push(Tagline { language, text });
    }
    let mut price_formats = Vec::new();
    for language in &languages {
        let Some(p) = file.prices.get(language) else {
            problem(
                &format!("prices.{}", language.code()),
                "missing: say how prices are written in each offered language".into(),
            );
            continue;
        };
        if p.pattern.matches("{amount}").count() != 1 {
            problem(
                &format!("prices.{}.pattern", language.code()),
                "must hold {amount} once, e.g. \"{amount} ₽\"".into(),
            );
        }
        if p.minor_digits > 4 {
            problem(
                &format!("prices.{}.minor_digits", language.code()),
                "at most 4".into(),
            );
        }
        price_formats.push(PriceFormat {
            language: *language,
            pattern: p.pattern.clone(),
            group: p.group.clone(),
            decimal: p.decimal.clone(),
            minor_digits: p.minor_digits,
            hide_zero_minor: p.hide_zero_minor,
        });
    }

    let hours = match hours(&file.hours) {
        Ok(h) => h,
        Err((field, message)) => {
            problem(&format!("hours.{field}"), message);
            OpeningHours::default()
        }
    };
    if !(30..=3600).contains(&file.idle.seconds) {
        problem("idle.seconds", "between 30 and 3600".into());
    }
    if !(5..=120).contains(&file.idle.warning_seconds) {
        problem("idle.warning_seconds", "between 5 and 120".into());
    }

    let m = &file.merchant;
    let merchant = Merchant {
        gui: m.gui.trim().into(),
        id: m.account.trim().into(),
        name: m.name.trim().into(),
        city: m.city.trim().into(),
        country: m.country.trim().to_ascii_uppercase(),
        mcc: m.mcc.trim().into(),
    };
    // EMVCo limits (Merchant-Presented Mode 1.1, tags 26, 52, 58, 59, 60).
    for (field, value, max) in [
        ("merchant.name", &merchant.name, 25),
        ("merchant.city", &merchant.city, 15),
        ("merchant.account", &merchant.id, 60),
        ("merchant.gui", &merchant.gui, 32),
    ] {
        if value.is_empty() || value.chars().count() > max {
            problem(field, format!("needs 1 to {max} characters"));
        }
    }
    if !(merchant.mcc.len() == 4 && merchant.mcc.chars().all(|c| c.is_ascii_digit())) {
        problem("merchant.mcc", "four digits (ISO 18245), e.g. 5814".into());
    }
    if !(merchant.country.len() == 2 && merchant.country.chars().all(|c| c.is_ascii_alphabetic())) {
        problem("merchant.country", "two letters (ISO 3166), e.g. RU".into());
    }

    let mut zones: Vec<DeliveryZone> = Vec::new();
    if file.zones.is_empty() {
        problem(
            "zone",
            "add at least one [[zone]] the store delivers to".into(),
        );
    }
    for (i, z) in file.zones.iter().enumerate() {
        let field = |f: &str| format!("zone[{}] ({}).{f}", i + 1, z.city.trim());
        let city = z.city.trim().to_owned();
        if !(1..=60).contains(&city.chars().count()) {
            problem(&field("city"), "needs 1 to 60 characters".into());
        }
        if zones.iter().any(|seen| seen.city == city) {
            problem(&field("city"), "named twice".into());
        }
        if z.delivery.is_empty() {
            problem(
                &field("delivery"),
                "offer at least one way to deliver".into(),
            );
        }
        let mut options: Vec<DeliveryOption> = Vec::new();
        for o in &z.delivery {
            if options.iter().any(|seen| seen.method == o.method) {
                problem(
                    &field("delivery"),
                    format!("{} listed twice", o.method.label()),
                );
            }
            if !(0..=100_000_000).contains(&o.price) {
                problem(
                    &field("delivery.price"),
                    format!("{} is not a price in minor units", o.price),
                );
            }
            if !(1..=600).contains(&o.minutes) {
                problem(&field("delivery.minutes"), "between 1 and 600".into());
            }
            options.push(DeliveryOption {
                method: o.method,
                price: Money::new(o.price, &*currency),
                eta_minutes: o.minutes,
            });
        }
        zones.push(DeliveryZone { city, options });
    }

    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    Ok(StoreSetup {
        profile: StoreProfile {
            name,
            brand_colour: colour,
            logo: None,
            taglines,
            currency,
            languages,
            price_formats,
            delivery: DeliveryInfo { zones },
            hours,
            idle_seconds: file.idle.seconds,
            idle_warning_seconds: file.idle.warning_seconds,
        },
        merchant,
        logo: None,
        logo_name: file
            .logo
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty()),
    })
}

/// `[hours]` as opening times; `Err((field, message))` for the first bad one.
fn hours(file: &HoursFile) -> Result<OpeningHours, (String, String)> {
    let offset = match &file.utc_offset {
        None => 0,
        Some(text) => utc_offset(text).ok_or_else(|| {
            (
                "utc_offset".to_owned(),
                format!("'{text}' is not an offset such as +03:00"),
            )
        })?,
    };
    let named = [
        ("monday", &file.monday),
        ("tuesday", &file.tuesday),
        ("wednesday", &file.wednesday),
        ("thursday", &file.thursday),
        ("friday", &file.friday),
        ("saturday", &file.saturday),
        ("sunday", &file.sunday),
    ];
    let mut days = Vec::new();
    for (i, (field, own)) in named.iter().enumerate() {
        let (field, text) = match (own, &file.every_day) {
            (Some(t), _) => (*field, t),
            (None, Some(t)) => ("every_day", t),
            (None, None) => continue,
        };
        if text.trim().eq_ignore_ascii_case("closed") {
            continue;
        }
        let (opens, closes) = span(text).ok_or_else(|| {
            (
                field.to_owned(),
                format!("'{text}' is not a span such as 10:00-22:00 (or \"closed\")"),
            )
        })?;
        days.push(DayHours {
            weekday: i as u8 + 1,
            opens_minute: opens,
            closes_minute: closes,
        });
    }
    let any_listed = file.every_day.is_some() || named.iter().any(|(_, t)| t.is_some());
    if any_listed && days.is_empty() {
        return Err((
            "every_day".into(),
            "the store is closed every day: no kiosk could take an order".into(),
        ));
    }
    Ok(OpeningHours {
        utc_offset_minutes: offset,
        days,
    })
}

fn utc_offset(text: &str) -> Option<i32> {
    let t = text.trim();
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let minutes = clock(rest)? as i32;
    (minutes <= 14 * 60).then_some(sign * minutes)
}

fn clock(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

/// `10:00-22:00`; a close at or before the opening runs past midnight (`18:00-02:00`).
fn span(text: &str) -> Option<(u32, u32)> {
    let (a, b) = text.split_once('-')?;
    let (opens, closes) = (clock(a)?, clock(b)?);
    if opens >= 24 * 60 {
        return None;
    }
    Some(if closes <= opens {
        (opens, closes + 24 * 60)
    } else {
        (opens, closes)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_profile_is_coherent() {
        let demo = StoreSetup::demo();
        let p = &demo.profile;
        assert_eq!(p.currency, "RUB");
        for zone in &p.delivery.zones {
            for o in &zone.options {
                assert_eq!(o.price.currency, p.currency, "{}", zone.city);
            }
        }
        assert_eq!(
            p.price_format(Language::Ru).unwrap().write(125_000),
            "1 250 ₽"
        );
        assert_eq!(
            p.price_format(Language::En).unwrap().write(125_000),
            "₽1,250"
        );
        assert_eq!(demo.merchant.country, "RU");
    }

    #[test]
    fn names_every_problem_with_its_field() {
        let broken = DEMO
            .replace("currency = \"RUB\"", "currency = \"XYZ\"")
            .replace("mcc = \"5814\"", "mcc = \"58\"")
            .replace(
                "utc_offset = \"+03:00\"",
                "utc_offset = \"+03:00\"\nevery_day = \"9 to 5\"",
            );
        let e = parse(&broken, "store.toml").unwrap_err();
        assert!(e.contains("store.toml: currency: 'XYZ'"), "{e}");
        assert!(e.contains("store.toml: merchant.mcc"), "{e}");
        assert!(e.contains("store.toml: hours.every_day: '9 to 5'"), "{e}");
        // A TOML error names its line.
        let e = parse("name = \"A\"\ncurrency = RUB\n", "store.toml").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = parse(&DEMO.replace("[idle]", "[idle]\nsecnds = 3"), "store.toml").unwrap_err();
        assert!(e.contains("unknown field `secnds`"), "{e}");
    }

    #[test]
    fn spans_past_midnight() {
        assert_eq!(span("10:00-22:00"), Some((600, 1320)));
        assert_eq!(span("18:00-02:00"), Some((1080, 1560)));
        assert_eq!(span("00:00-24:00"), Some((0, 1440)));
        assert_eq!(span("25:00-26:00"), None);
        assert_eq!(utc_offset("+03:00"), Some(180));
        assert_eq!(utc_offset("-05:30"), Some(-330));
        assert_eq!(utc_offset("03:00"), None);
    }
}

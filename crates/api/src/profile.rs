//! The store's profile: who the kiosk says it is, how it writes prices, when it takes orders
//! and how long it waits for a customer. The operator writes it as a TOML file given to the
//! backend (`--store`); kiosks read it at one endpoint, at start and when it changes.

use serde::{Deserialize, Serialize};

use crate::endpoint::Endpoint as _;
use crate::orders::DeliveryInfo;
use crate::settings::Language;

pub const PROFILE_PATH: &str = crate::endpoint::GetStoreProfile::ROUTE;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoreProfile {
    /// The store's name as customers see it, e.g. on the attract screen.
    pub name: String,
    /// The brand colour of buttons and headings, `#rrggbb`.
    pub brand_colour: String,
    /// The store's logo, a PNG served at `/api/v1/files/{id}` (the id changes with the
    /// picture); `None` writes the name alone.
    #[serde(default)]
    pub logo: Option<uuid::Uuid>,
    /// A line under the name on the attract screen, in the languages it is given in (the
    /// kiosk's own plain line in the others).
    #[serde(default)]
    pub taglines: Vec<Tagline>,
    /// ISO 4217 code every price of the store is in.
    pub currency: String,
    /// Languages offered, the default first.
    pub languages: Vec<Language>,
    /// How prices are written in each offered language.
    pub price_formats: Vec<PriceFormat>,
    /// Where the store delivers and how, with prices and times per zone.
    pub delivery: DeliveryInfo,
    pub hours: OpeningHours,
    /// With no touch for this long the kiosk asks whether the customer is still there...
    pub idle_seconds: u32,
    /// ...and forgets them this long after asking.
    pub idle_warning_seconds: u32,
}

impl StoreProfile {
    pub fn default_language(&self) -> Language {
        self.languages.first().copied().unwrap_or_default()
    }

    /// How a price is written in `language` (the first format when that one has none).
    pub fn price_format(&self, language: Language) -> Option<&PriceFormat> {
        self.price_formats
            .iter()
            .find(|f| f.language == language)
            .or(self.price_formats.first())
    }
}

/// The store's tagline in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tagline {
    pub language: Language,
    pub text: String,
}

/// How amounts are written in one language: `{amount} ₽` with a space between thousands in
/// Russian, `₽{amount}` with commas in English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PriceFormat {
    pub language: Language,
    /// The amount's place in the text: `{amount}` stands for the number.
    pub pattern: String,
    /// Between groups of three digits (may be empty).
    pub group: String,
    /// Between the whole units and the minor ones.
    pub decimal: String,
    /// Digits of the minor unit (2 for kopecks and cents, 0 for yen).
    pub minor_digits: u8,
    /// Whole amounts without their minor digits: `1 250 ₽`, not `1 250,00 ₽`.
    pub hide_zero_minor: bool,
}

impl PriceFormat {
    /// `minor` units written this way, e.g. `125000` → `1 250 ₽`.
    pub fn write(&self, minor: i64) -> String {
        let digits = u32::from(self.minor_digits.min(6));
        let scale = 10u64.pow(digits);
        let abs = minor.unsigned_abs();
        let (whole, frac) = (abs / scale, abs % scale);
        let whole = group_thousands(whole, &self.group);
        let number = if digits == 0 || (frac == 0 && self.hide_zero_minor) {
            whole
        } else {
            format!(
                "{whole}{}{frac:0width$}",
                self.decimal,
                width = digits as usize
            )
        };
        let text = self.pattern.replace("{amount}", &number);
        if minor < 0 { format!("-{text}") } else { text }
    }
}

fn group_thousands(n: u64, sep: &str) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + sep.len() * (s.len() / 3));
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

/// When the store takes orders, in its own local time. No days at all: always open.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpeningHours {
    /// The store's local time minus UTC, in minutes (Moscow: 180).
    pub utc_offset_minutes: i32,
    /// Opening times by weekday; a day not listed is closed (unless none is listed).
    pub days: Vec<DayHours>,
}

/// One weekday's hours, `opens` to `closes` in minutes after local midnight; a `closes` past
/// midnight (e.g. 26:00 = 1560) runs on into the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DayHours {
    /// 1 = Monday … 7 = Sunday (ISO 8601).
    pub weekday: u8,
    pub opens_minute: u32,
    pub closes_minute: u32,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl OpeningHours {
    pub fn always_open(&self) -> bool {
        self.days.is_empty()
    }

    /// The store's local weekday (1 = Monday) at `unix_ms`.
    pub fn weekday_at(&self, unix_ms: i64) -> u8 {
        self.local(unix_ms).0
    }

    /// Local weekday (1–7) and minute of the day at `unix_ms`.
    fn local(&self, unix_ms: i64) -> (u8, u32) {
        let local = unix_ms + i64::from(self.utc_offset_minutes) * 60_000;
        let days = local.div_euclid(DAY_MS);
        let minute = (local.rem_euclid(DAY_MS) / 60_000) as u32;
        // 1970-01-01 was a Thursday (ISO weekday 4).
        let weekday = ((days + 3).rem_euclid(7) + 1) as u8;
        (weekday, minute)
    }

    /// Whether orders are taken at `unix_ms`.
    pub fn is_open(&self, unix_ms: i64) -> bool {
        if self.always_open() {
            return true;
        }
        let (weekday, minute) = self.local(unix_ms);
        let yesterday = if weekday == 1 { 7 } else { weekday - 1 };
        self.days.iter().any(|d| {
            (d.weekday == weekday && (d.opens_minute..d.closes_minute).contains(&minute))
                || (d.weekday == yesterday && minute + 24 * 60 < d.closes_minute)
        })
    }

    /// When the store next opens after `unix_ms`, as (weekday, minute of the day) in local
    /// time; `None` when it never does (or is always open).
    pub fn next_opening(&self, unix_ms: i64) -> Option<(u8, u32)> {
        if self.always_open() {
            return None;
        }
        let (weekday, minute) = self.local(unix_ms);
        (0..8u8).find_map(|ahead| {
            let day = (weekday - 1 + ahead) % 7 + 1;
            self.days
                .iter()
                .filter(|d| d.weekday == day && d.opens_minute < d.closes_minute)
                .filter(|d| ahead > 0 || d.opens_minute > minute)
                .map(|d| d.opens_minute)
                .min()
                .map(|m| (day, m))
        })
    }
}

/// `HH:MM` of a minute of the day (24 h clock; past midnight wraps).
pub fn clock_time(minute: u32) -> String {
    format!("{:02}:{:02}", (minute / 60) % 24, minute % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rub(language: Language) -> PriceFormat {
        match language {
            Language::Ru => PriceFormat {
                language,
                pattern: "{amount} ₽".into(),
                group: " ".into(),
                decimal: ",".into(),
                minor_digits: 2,
                hide_zero_minor: true,
            },
            Language::En => PriceFormat {
                language,
                pattern: "₽{amount}".into(),
                group: ",".into(),
                decimal: ".".into(),
                minor_digits: 2,
                hide_zero_minor: true,
            },
        }
    }

    #[test]
    fn writes_roubles_as_each_language_does() {
        assert_eq!(rub(Language::Ru).write(125_000), "1 250 ₽");
        assert_eq!(rub(Language::En).write(125_000), "₽1,250");
        assert_eq!(rub(Language::Ru).write(125_050), "1 250,50 ₽");
        assert_eq!(rub(Language::Ru).write(99_900), "999 ₽");
        assert_eq!(rub(Language::Ru).write(123_456_700), "1 234 567 ₽");
        assert_eq!(rub(Language::En).write(-5), "-₽0.05");
        let yen = PriceFormat {
            minor_digits: 0,
            pattern: "¥{amount}".into(),
            ..rub(Language::En)
        };
        assert_eq!(yen.write(1250), "¥1,250");
    }

    #[test]
    fn opening_hours_in_local_time() {
        // Moscow, 10:00–22:00 on weekdays, 12:00–02:00 on Saturday.
        let hours = OpeningHours {
            utc_offset_minutes: 180,
            days: (1..=5)
                .map(|weekday| DayHours {
                    weekday,
                    opens_minute: 600,
                    closes_minute: 1320,
                })
                .chain([DayHours {
                    weekday: 6,
                    opens_minute: 720,
                    closes_minute: 1560,
                }])
                .collect(),
        };
        // 2026-12-07 is a Monday; 07:00 UTC is 10:00 in Moscow.
        let monday_utc_7 = 1_796_626_800_000;
        assert!(hours.is_open(monday_utc_7));
        assert!(!hours.is_open(monday_utc_7 - 60_000));
        assert_eq!(hours.next_opening(monday_utc_7 - 60_000), Some((1, 600)));
        // 21:59 open, 22:00 closed; next opening Tuesday 10:00.
        let monday_22 = monday_utc_7 + 12 * 3_600_000;
        assert!(hours.is_open(monday_22 - 60_000));
        assert!(!hours.is_open(monday_22));
        assert_eq!(hours.next_opening(monday_22), Some((2, 600)));
        // Saturday night runs into Sunday: 01:30 Sunday open, 02:00 closed, Sunday has no
        // hours of its own, so the next opening is Monday.
        let sunday_0130 = monday_utc_7 - DAY_MS - 8 * 3_600_000 - 30 * 60_000;
        assert!(hours.is_open(sunday_0130));
        assert!(!hours.is_open(sunday_0130 + 30 * 60_000));
        assert_eq!(
            hours.next_opening(sunday_0130 + 30 * 60_000),
            Some((1, 600))
        );
        assert!(OpeningHours::default().is_open(0));
        assert_eq!(clock_time(1560), "02:00");
    }
}

//! Every string the customer reads comes from `assets/i18n/<language>.ftl` (Fluent), English and
//! Russian, compiled into the binary. [`I18n::t`] looks a key up in the current language.

use std::collections::HashMap;

use bevy::prelude::*;
use customerclient_api::Money;
use customerclient_api::profile::{PriceFormat, StoreProfile};
use customerclient_api::settings::Language;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

pub const EN_FTL: &str = include_str!("../assets/i18n/en.ftl");
pub const RU_FTL: &str = include_str!("../assets/i18n/ru.ftl");

pub fn source(language: Language) -> &'static str {
    match language {
        Language::En => EN_FTL,
        Language::Ru => RU_FTL,
    }
}

#[derive(Resource)]
pub struct I18n {
    pub language: Language,
    bundles: HashMap<Language, FluentBundle<FluentResource>>,
    /// The store's name and price formats, from its profile ([`Self::set_store`]).
    store_name: Option<String>,
    taglines: HashMap<Language, String>,
    currency: Option<String>,
    prices: HashMap<Language, PriceFormat>,
}

impl Default for I18n {
    fn default() -> Self {
        let mut bundles = HashMap::new();
        for lang in Language::ALL {
            let id = match lang {
                Language::En => unic_langid::langid!("en-US"),
                Language::Ru => unic_langid::langid!("ru-RU"),
            };
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // No Unicode isolation marks around arguments: our fonts would draw them as boxes.
            bundle.set_use_isolating(false);
            let resource =
                FluentResource::try_new(source(lang).to_owned()).unwrap_or_else(|(res, errors)| {
                    error!("translation file for {lang:?} has errors: {errors:?}");
                    res
                });
            if let Err(errors) = bundle.add_resource(resource) {
                error!("translation file for {lang:?} repeats keys: {errors:?}");
            }
            bundles.insert(lang, bundle);
        }
        Self {
            language: Language::En,
            bundles,
            store_name: None,
            taglines: HashMap::new(),
            currency: None,
            prices: HashMap::new(),
        }
    }
}

impl I18n {
    /// Takes the store's name and how it writes prices from its profile.
    pub fn set_store(&mut self, profile: &StoreProfile) {
        self.store_name = Some(profile.name.clone());
        self.taglines = profile
            .taglines
            .iter()
            .map(|t| (t.language, t.text.clone()))
            .collect();
        self.currency = Some(profile.currency.clone());
        self.prices = profile
            .price_formats
            .iter()
            .map(|f| (f.language, f.clone()))
            .collect();
    }

    /// The store's name as its profile gives it (the demo's until the profile comes).
    pub fn store_name(&self) -> String {
        self.store_name
            .clone()
            .unwrap_or_else(|| self.t("store-name"))
    }

    /// The line under the store's name: the profile's in this language, else the kiosk's own.
    pub fn tagline(&self) -> String {
        self.taglines
            .get(&self.language)
            .cloned()
            .unwrap_or_else(|| self.t("attract-tagline"))
    }

    /// An amount as the store writes it in the current language (`1 250 ₽` in Russian,
    /// `₽1,250` in English); an amount in another currency, or before the profile, plainly.
    pub fn price(&self, money: &Money) -> String {
        let format = self
            .prices
            .get(&self.language)
            .or_else(|| self.prices.values().next());
        match format {
            Some(f) if self.currency.as_deref() == Some(money.currency.as_str()) => {
                f.write(money.minor)
            }
            _ => money.display(),
        }
    }

    /// Whether the current language has a text for `key` (for keys made at run time, such
    /// as a demo category's).
    pub fn has(&self, key: &str) -> bool {
        self.bundles
            .get(&self.language)
            .is_some_and(|b| b.has_message(key))
    }

    /// The text of `key`; the key itself if it is missing (tests make sure none is).
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The text of `key` with arguments, e.g. `("count", 3.into())`.
    pub fn t_args(&self, key: &str, args: &[(&str, FluentValue)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, v.clone());
        }
        self.format(key, Some(&fa))
    }

    fn format(&self, key: &str, args: Option<&FluentArgs>) -> String {
        let Some(bundle) = self.bundles.get(&self.language) else {
            return key.to_owned();
        };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            warn!("missing translation: {key} ({:?})", self.language);
            return key.to_owned();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }
}

/// The message keys a translation file defines.
pub fn keys(ftl: &str) -> Vec<String> {
    ftl.lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .collect()
}

/// Shorthand for Fluent arguments.
pub fn arg(name: &str, value: impl Into<FluentValue<'static>>) -> (&str, FluentValue<'static>) {
    (name, value.into())
}

/// Translation keys of the delivery and payment methods.
pub fn delivery_key(m: customerclient_api::orders::DeliveryMethod) -> &'static str {
    use customerclient_api::orders::DeliveryMethod::*;
    match m {
        OnFoot => "delivery-on-foot",
        ElectricScooter => "delivery-scooter",
        Car => "delivery-car",
    }
}

pub fn payment_key(m: customerclient_api::orders::PaymentMethod) -> &'static str {
    use customerclient_api::orders::PaymentMethod::*;
    match m {
        CashOnDelivery => "pay-cash",
        CardOnDelivery => "pay-terminal",
        QrBankApp => "pay-qr",
        CardInApp => "pay-card",
    }
}

/// Where an order's money stands, as the customer reads it.
pub fn payment_state_key(s: customerclient_api::payments::PaymentState) -> &'static str {
    use customerclient_api::payments::PaymentState::*;
    match s {
        DueOnDelivery => "paystate-due",
        AwaitingPayment => "paystate-awaiting",
        Paid => "paystate-paid",
        Failed => "paystate-failed",
        Expired => "paystate-expired",
        Refunded => "paystate-refunded",
    }
}

pub fn payment_detail_key(m: customerclient_api::orders::PaymentMethod) -> &'static str {
    use customerclient_api::orders::PaymentMethod::*;
    match m {
        CashOnDelivery => "pay-cash-detail",
        CardOnDelivery => "pay-terminal-detail",
        QrBankApp => "pay-qr-detail",
        CardInApp => "pay-card-detail",
    }
}

/// The first number in `text`, e.g. the tries left in "incorrect code; 3 tries left".
fn first_number(text: &str) -> Option<u64> {
    let digits: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// What went wrong, in the customer's language. The backend's codes are stable; its messages
/// are English and only shown for codes the kiosk does not know.
pub fn failure_text(i18n: &I18n, failure: &crate::failure::Failure) -> String {
    use crate::failure::Failure;
    let (code, message) = match failure {
        Failure::Unreachable => return i18n.t("checkout-unreachable"),
        Failure::Rejected { code, message } => (code.as_str(), message.as_str()),
    };
    match code {
        "wrong_code" => i18n.t_args(
            "err-wrong-code",
            &[arg("tries", first_number(message).unwrap_or(0))],
        ),
        "code_expired" => i18n.t("err-code-expired"),
        "code_invalid" => i18n.t("err-code-invalid"),
        "too_many_attempts" if message.contains("code") => i18n.t("err-code-locked"),
        "too_many_attempts" if message.contains(" s") => i18n.t_args(
            "err-too-many-seconds",
            &[arg("seconds", first_number(message).unwrap_or(60))],
        ),
        "too_many_attempts" => i18n.t_args(
            "err-too-many",
            &[arg("minutes", first_number(message).unwrap_or(15))],
        ),
        "unauthorized" if message.contains("current password") => i18n.t("err-wrong-password"),
        "unauthorized" => i18n.t("err-invalid-login"),
        "account_exists" => i18n.t("err-account-exists"),
        "not_verified" => i18n.t("err-not-verified"),
        "already_verified" => i18n.t("err-already-verified"),
        "already_paid" => i18n.t("err-already-paid"),
        "declined" => i18n.t("err-card-declined"),
        "insufficient_funds" => i18n.t("err-insufficient-funds"),
        "gateway_timeout" => i18n.t("err-gateway-timeout"),
        "unavailable" => i18n.t("err-payments-unavailable"),
        "qr_expired" | "payment_expired" => i18n.t("err-qr-expired"),
        "bank_rejected" => i18n.t("err-bank-rejected"),
        "payment_in_progress" => i18n.t("err-payment-in-progress"),
        "order_closed" => i18n.t("err-order-closed"),
        "payment_superseded" | "duplicate_payment" | "order_cancelled" => {
            i18n.t("err-payment-superseded")
        }
        "interrupted" => i18n.t("err-payment-interrupted"),
        _ => message.to_owned(),
    }
}

/// "14:05" in the kiosk's time zone.
pub fn clock_time(ms: i64) -> String {
    local(ms, "%H:%M")
}

/// "26.11.2026 14:05" in the kiosk's time zone.
pub fn date_time(ms: i64) -> String {
    local(ms, "%d.%m.%Y %H:%M")
}

fn local(ms: i64, format: &str) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime(format)
            .to_string(),
        Err(_) => "—".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_define_the_same_keys_and_parse() {
        let en = keys(EN_FTL);
        let ru = keys(RU_FTL);
        assert!(en.len() > 100, "{} keys", en.len());
        let missing_ru: Vec<_> = en.iter().filter(|k| !ru.contains(k)).collect();
        let missing_en: Vec<_> = ru.iter().filter(|k| !en.contains(k)).collect();
        assert!(missing_ru.is_empty(), "missing in ru.ftl: {missing_ru:?}");
        assert!(missing_en.is_empty(), "missing in en.ftl: {missing_en:?}");
        for list in [&en, &ru] {
            let mut seen = std::collections::HashSet::new();
            let repeated: Vec<_> = list.iter().filter(|k| !seen.insert(*k)).collect();
            assert!(repeated.is_empty(), "keys defined twice: {repeated:?}");
        }
        for lang in Language::ALL {
            assert!(
                FluentResource::try_new(source(lang).to_owned()).is_ok(),
                "{lang:?} parses"
            );
        }
    }

    #[test]
    fn every_key_used_in_the_code_exists() {
        // Keys appear in the code as string literals passed to t/t_args/tr.
        let en = keys(EN_FTL);
        let mut missing = Vec::new();
        for file in source_files(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("src")
                .as_path(),
        ) {
            let text = std::fs::read_to_string(&file).unwrap();
            for call in [".t(\"", ".t_args(\""] {
                for part in text.split(call).skip(1) {
                    let key = part.split('"').next().unwrap_or("");
                    if !key.is_empty() && !en.iter().any(|k| k == key) {
                        missing.push(format!("{}: {key}", file.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys used but not defined: {missing:?}");
    }

    fn source_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(source_files(&p));
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn every_text_differs_between_the_languages() {
        // The same in both: the brand, and words Russian borrows as they are.
        const SAME: [&str; 4] = [
            "store-name",
            "account-email",
            "settings-contact-email",
            "key-symbols",
        ];
        let mut i = I18n::default();
        let mut same = Vec::new();
        for key in keys(EN_FTL) {
            i.language = Language::En;
            let en = i.t(&key);
            i.language = Language::Ru;
            let ru = i.t(&key);
            if en == ru && !SAME.contains(&key.as_str()) {
                same.push(key);
            }
        }
        assert!(same.is_empty(), "not translated: {same:?}");
    }

    #[test]
    fn backend_failures_are_told_in_the_customers_language() {
        use crate::failure::Failure;
        let i = I18n {
            language: Language::Ru,
            ..Default::default()
        };
        let wrong = Failure::Rejected {
            code: "wrong_code".into(),
            message: "incorrect code; 3 tries left".into(),
        };
        let text = failure_text(&i, &wrong);
        assert!(text.contains('3') && text.contains("Неверный"), "{text}");
        let throttled = Failure::Rejected {
            code: "too_many_attempts".into(),
            message: "too many failed sign-ins; try again in 12 min".into(),
        };
        assert!(failure_text(&i, &throttled).contains("12"));
        let declined = Failure::Rejected {
            code: "declined".into(),
            message: "Your card was declined.".into(),
        };
        assert!(!failure_text(&i, &declined).contains("declined"));
        let unknown = Failure::Rejected {
            code: "something_new".into(),
            message: "raw".into(),
        };
        assert_eq!(failure_text(&i, &unknown), "raw");
    }

    #[test]
    fn switching_language_changes_the_text() {
        let mut i = I18n::default();
        let en = i.t_args("header-cart", &[arg("count", 3), arg("total", "$4.00")]);
        i.language = Language::Ru;
        let ru = i.t_args("header-cart", &[arg("count", 3), arg("total", "$4.00")]);
        assert_ne!(en, ru);
        assert!(ru.contains('3') && ru.contains("$4.00"));
        assert!(
            ru.chars()
                .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap_or(c)))
        );
    }
}

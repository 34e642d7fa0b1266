//! Every string the customer reads comes from `assets/i18n/<language>.ftl` (Fluent), English and
//! Russian, compiled into the binary. [`I18n::t`] looks a key up in the current language.

use std::collections::HashMap;

use bevy::prelude::*;
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
        }
    }
}

impl I18n {
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

pub fn payment_detail_key(m: customerclient_api::orders::PaymentMethod) -> &'static str {
    use customerclient_api::orders::PaymentMethod::*;
    match m {
        CashOnDelivery => "pay-cash-detail",
        CardOnDelivery => "pay-terminal-detail",
        QrBankApp => "pay-qr-detail",
        CardInApp => "pay-card-detail",
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

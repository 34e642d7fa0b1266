//! Card number, expiry and CVC checks shared by the kiosk's card form and the backend:
//! Luhn (ISO/IEC 7812-1), brand by IIN range, lengths per brand, expiry not in the past.
//!
//! [`CardDetails`] never prints its number or CVC: its `Debug` shows the last four only.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Brand {
    Visa,
    Mastercard,
    Amex,
    Mir,
    Unknown,
}

impl Brand {
    pub fn label(self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::Mastercard => "Mastercard",
            Brand::Amex => "American Express",
            Brand::Mir => "Mir",
            Brand::Unknown => "Card",
        }
    }

    /// Valid numbers of digits for this brand.
    pub fn lengths(self) -> &'static [usize] {
        match self {
            Brand::Visa => &[13, 16, 19],
            Brand::Mastercard => &[16],
            Brand::Amex => &[15],
            Brand::Mir => &[16, 17, 18, 19],
            Brand::Unknown => &[12, 13, 14, 15, 16, 17, 18, 19],
        }
    }

    pub fn cvc_len(self) -> usize {
        if self == Brand::Amex { 4 } else { 3 }
    }

    /// Where to put spaces while the number is typed: Amex 4-6-5, others groups of four.
    pub fn groups(self) -> &'static [usize] {
        if self == Brand::Amex {
            &[4, 6, 5]
        } else {
            &[4, 4, 4, 4, 3]
        }
    }
}

/// The brand from the leading digits (works on a partly typed number).
pub fn brand(digits: &str) -> Brand {
    let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok());
    if digits.starts_with('4') {
        return Brand::Visa;
    }
    if matches!(prefix(2), Some(34 | 37)) {
        return Brand::Amex;
    }
    if matches!(prefix(2), Some(51..=55)) || matches!(prefix(4), Some(2221..=2720)) {
        return Brand::Mastercard;
    }
    if matches!(prefix(4), Some(2200..=2204)) {
        return Brand::Mir;
    }
    Brand::Unknown
}

pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// `4111111111111111` → `4111 1111 1111 1111`, by the brand's grouping.
pub fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + 4);
    let mut rest = digits;
    for &g in brand(digits).groups() {
        if rest.is_empty() {
            break;
        }
        // By characters, not bytes: whatever is typed, a group never splits a character.
        let cut = rest.char_indices().nth(g).map_or(rest.len(), |(i, _)| i);
        let (head, tail) = rest.split_at(cut);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(head);
        rest = tail;
    }
    if !rest.is_empty() {
        out.push(' ');
        out.push_str(rest);
    }
    out
}

/// `•••• 4242`: all anyone sees of a number after it has been entered.
pub fn mask(digits: &str) -> String {
    let last4 = last4(digits);
    format!("•••• {last4}")
}

pub fn last4(digits: &str) -> &str {
    digits.get(digits.len().saturating_sub(4)..).unwrap_or("")
}

/// What is wrong with a card as typed. Typed, so the kiosk says each in the customer's
/// language without reading English text; [`CardProblem::message`] is the backend's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardProblem {
    /// Not a count of digits this brand issues (or not digits at all).
    NumberLength(Brand),
    /// The Luhn check digit is wrong: a digit was mistyped.
    NumberLuhn,
    /// A well-formed number from no network we take (an all-zero number passes Luhn).
    UnknownBrand,
    Month,
    Expired,
    Year,
    /// The security code has the wrong number of digits for the brand.
    Cvc(Brand),
}

/// Which field of the card form a problem belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardPart {
    Number,
    Expiry,
    Cvc,
}

impl CardProblem {
    pub fn part(self) -> CardPart {
        match self {
            CardProblem::NumberLength(_) | CardProblem::NumberLuhn | CardProblem::UnknownBrand => {
                CardPart::Number
            }
            CardProblem::Month | CardProblem::Expired | CardProblem::Year => CardPart::Expiry,
            CardProblem::Cvc(_) => CardPart::Cvc,
        }
    }

    /// The problem in English, for API error bodies.
    pub fn message(self) -> String {
        match self {
            CardProblem::NumberLength(b) => {
                let want = b
                    .lengths()
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(" or ");
                format!("{} numbers have {want} digits", b.label())
            }
            CardProblem::NumberLuhn => "This card number is not valid — check the digits".into(),
            CardProblem::UnknownBrand => {
                "We take Visa, Mastercard, Mir and American Express cards".into()
            }
            CardProblem::Month => "Month must be 01 to 12".into(),
            CardProblem::Expired => "This card has expired".into(),
            CardProblem::Year => "Check the expiry year".into(),
            CardProblem::Cvc(b) => format!("The security code has {} digits", b.cvc_len()),
        }
    }
}

/// Checks a card as typed. `today` is (year, month), e.g. (2026, 11). At most one problem
/// per part, number first.
pub fn validate(
    number: &str,
    month: u32,
    year: u32,
    cvc: &str,
    today: (u32, u32),
) -> Vec<CardProblem> {
    let mut problems = Vec::new();
    let b = brand(number);
    if !number.bytes().all(|c| c.is_ascii_digit()) || !b.lengths().contains(&number.len()) {
        problems.push(CardProblem::NumberLength(b));
    } else if !luhn_valid(number) {
        problems.push(CardProblem::NumberLuhn);
    } else if b == Brand::Unknown {
        // Never sent to the gateway: an all-zero number passes Luhn, and no network we take
        // issues it.
        problems.push(CardProblem::UnknownBrand);
    }
    if !(1..=12).contains(&month) {
        problems.push(CardProblem::Month);
    } else if (year, month) < today {
        problems.push(CardProblem::Expired);
    } else if year > today.0 + 20 {
        problems.push(CardProblem::Year);
    }
    if cvc.len() != b.cvc_len() || !cvc.bytes().all(|c| c.is_ascii_digit()) {
        problems.push(CardProblem::Cvc(b));
    }
    problems
}

/// Card data on its way to the payment gateway. Never stored, never logged.
#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CardDetails {
    pub number: String,
    pub expiry_month: u32,
    /// Four digits, e.g. 2028.
    pub expiry_year: u32,
    pub cvc: String,
    #[serde(default)]
    pub holder: Option<String>,
}

impl Drop for CardDetails {
    // Overwrite the number and CVC in memory as soon as the attempt is over.
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.number.zeroize();
        self.cvc.zeroize();
    }
}

impl std::fmt::Debug for CardDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardDetails")
            .field("number", &mask(&self.number))
            .field(
                "expiry",
                &format_args!("{:02}/{}", self.expiry_month, self.expiry_year),
            )
            .field("cvc", &"***")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_brand_is_refused_even_when_luhn_passes() {
        let p = validate("0000000000000000", 12, 2031, "123", (2026, 12));
        assert_eq!(p, [CardProblem::UnknownBrand]);
        assert!(p[0].message().contains("We take"));
        assert!(validate("4242424242424242", 12, 2031, "123", (2026, 12)).is_empty());
    }

    #[test]
    fn luhn_table() {
        for good in [
            "4111111111111111",
            "4003600000000014",
            "378282246310005",
            "2221000000000009",
            "5555555555554444",
            "4242424242424242",
            "79927398713",
        ] {
            assert!(luhn_valid(good), "{good}");
        }
        for bad in [
            "4111111111111112",
            "1234567812345678",
            "",
            "4242 4242",
            "79927398710",
        ] {
            assert!(!luhn_valid(bad), "{bad}");
        }
    }

    #[test]
    fn brands_by_prefix() {
        assert_eq!(brand("4"), Brand::Visa);
        assert_eq!(brand("378282246310005"), Brand::Amex);
        assert_eq!(brand("2221000000000009"), Brand::Mastercard);
        assert_eq!(brand("5555"), Brand::Mastercard);
        assert_eq!(brand("2200123"), Brand::Mir);
        assert_eq!(brand("9"), Brand::Unknown);
    }

    #[test]
    fn expiry_and_cvc_table() {
        let today = (2026, 11);
        let ok = |m, y, cvc: &str, n: &str| validate(n, m, y, cvc, today);
        assert!(
            ok(11, 2026, "123", "4242424242424242").is_empty(),
            "valid through the end of this month"
        );
        assert!(ok(12, 2030, "1234", "378282246310005").is_empty());
        use Brand::*;
        use CardProblem::*;
        for (m, y, cvc, n, want) in [
            (10, 2026, "123", "4242424242424242", vec![Expired]),
            (13, 2027, "123", "4242424242424242", vec![Month]),
            (1, 2050, "123", "4242424242424242", vec![Year]),
            (1, 2027, "12", "4242424242424242", vec![Cvc(Visa)]),
            (1, 2027, "123", "378282246310005", vec![Cvc(Amex)]),
            // 16 digits Visa takes, one mistyped: Luhn, never "Visa numbers have … digits".
            (1, 2027, "123", "4111111111111112", vec![NumberLuhn]),
            (1, 2027, "123", "42424242", vec![NumberLength(Visa)]),
            (1, 2027, "123", "0000000000000000", vec![UnknownBrand]),
        ] {
            assert_eq!(ok(m, y, cvc, n), want, "{m}/{y} {n}");
        }
        assert_eq!(
            NumberLength(Visa).message(),
            "Visa numbers have 13 or 16 or 19 digits"
        );
        assert_eq!(NumberLuhn.part(), CardPart::Number);
        assert_eq!(Expired.part(), CardPart::Expiry);
    }

    #[test]
    fn grouping_and_masking() {
        assert_eq!(group("4111111111111111"), "4111 1111 1111 1111");
        assert_eq!(group("378282246310005"), "3782 822463 10005");
        assert_eq!(group("41111"), "4111 1");
        assert_eq!(mask("4111111111111111"), "•••• 1111");
        let card = CardDetails {
            number: "4111111111111111".into(),
            expiry_month: 1,
            expiry_year: 2030,
            cvc: "123".into(),
            holder: None,
        };
        let debug = format!("{card:?}");
        assert!(
            !debug.contains("4111111111111111") && !debug.contains("123\""),
            "{debug}"
        );
    }
}

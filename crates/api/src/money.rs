//! Prices in minor units (cents, kopecks) with an ISO 4217 currency code, never floats.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Money {
    /// Amount in the currency's minor unit (1/100 for every currency we sell in).
    pub minor: i64,
    /// ISO 4217 alphabetic code, e.g. `USD`.
    pub currency: String,
}

impl Money {
    pub fn new(minor: i64, currency: impl Into<String>) -> Self {
        Self {
            minor,
            currency: currency.into(),
        }
    }

    pub fn zero(currency: impl Into<String>) -> Self {
        Self::new(0, currency)
    }

    /// Sum of `self` and `other`; `None` if the currencies differ or the sum overflows.
    pub fn checked_add(&self, other: &Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        Some(Money::new(
            self.minor.checked_add(other.minor)?,
            &*self.currency,
        ))
    }

    /// `self × n`; `None` on overflow.
    pub fn checked_mul(&self, n: i64) -> Option<Money> {
        Some(Money::new(self.minor.checked_mul(n)?, &*self.currency))
    }

    /// Plain decimal amount, e.g. `12.50`, as payment payloads want it.
    pub fn decimal(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// Display form for the customer: `$12.50`, `12.50 EUR`.
    pub fn display(&self) -> String {
        match self.currency.as_str() {
            "USD" => {
                let d = self.decimal();
                match d.strip_prefix('-') {
                    Some(rest) => format!("-${rest}"),
                    None => format!("${d}"),
                }
            }
            code => format!("{} {code}", self.decimal()),
        }
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_dollars_and_cents() {
        assert_eq!(Money::new(1250, "USD").display(), "$12.50");
        assert_eq!(Money::new(5, "USD").display(), "$0.05");
        assert_eq!(Money::new(-199, "USD").display(), "-$1.99");
        assert_eq!(Money::new(100_000, "RUB").display(), "1000.00 RUB");
    }

    #[test]
    fn refuses_to_add_different_currencies() {
        let usd = Money::new(100, "USD");
        assert_eq!(
            usd.checked_add(&Money::new(1, "USD")),
            Some(Money::new(101, "USD"))
        );
        assert_eq!(usd.checked_add(&Money::new(1, "EUR")), None);
        assert_eq!(Money::new(i64::MAX, "USD").checked_mul(2), None);
    }
}

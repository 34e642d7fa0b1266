//! Time in the shapes both sides use: Unix milliseconds, and the current (year, month) that card
//! expiry is checked against.

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `(year, month)` of the UTC day containing `ms` (Howard Hinnant's civil-from-days).
pub fn year_month(ms: i64) -> (u32, u32) {
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        (yoe + era * 400 + i64::from(month <= 2)) as u32,
        month as u32,
    )
}

/// `(year, month)` now.
pub fn this_month() -> (u32, u32) {
    year_month(now_ms())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_of_known_instants() {
        assert_eq!(year_month(0), (1970, 1));
        assert_eq!(year_month(951_782_400_000), (2000, 2)); // 2000-02-29
        assert_eq!(year_month(1_798_761_599_000), (2026, 12)); // 2026-12-31 23:59:59
        assert_eq!(year_month(1_798_761_600_000), (2027, 1));
    }
}

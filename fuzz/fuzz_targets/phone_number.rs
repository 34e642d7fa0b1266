//! Any text as a phone number: never a panic, and a number that normalises normalises to
//! itself (E.164: an optional '+' and 7 to 15 digits).
#![no_main]

use customerclient_api::orders::normalise_phone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Some(n) = normalise_phone(text) {
        let digits = n.strip_prefix('+').unwrap_or(&n);
        assert!((7..=15).contains(&digits.len()));
        assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(normalise_phone(&n).as_deref(), Some(n.as_str()));
    }
});

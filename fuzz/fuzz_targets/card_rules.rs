//! Any card entry checked by the shared card rules: never a panic; a card they accept passes
//! the Luhn check, and its mask shows only the last four digits.
#![no_main]

use customerclient_api::card;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, u32, u32, &str, (u32, u32))| {
    let (number, month, year, cvc, today) = input;
    let problems = card::validate(number, month, year, cvc, today);
    let _ = card::brand(number);
    let _ = card::group(number);
    if problems.is_empty() {
        assert!(card::luhn_valid(number));
        let masked = card::mask(number);
        assert!(masked.ends_with(card::last4(number)));
        assert_eq!(
            masked.chars().filter(char::is_ascii_digit).count(),
            4,
            "{masked}"
        );
    }
});

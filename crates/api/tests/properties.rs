//! Property tests of the rules and parsers the kiosk and the backend share: whatever the
//! input, the EMVCo payload round-trips and its CRC catches a changed character, card rules
//! agree with the Luhn check, money's decimal form reads back to its minor units, a phone
//! number normalises the same however it is written, and the event-stream decoder gives the
//! same events however the bytes are cut into chunks.

use customerclient_api::card;
use customerclient_api::emv::{self, MerchantQr};
use customerclient_api::money::Money;
use customerclient_api::orders::{OrderStatus, normalise_phone};
use customerclient_api::payments::PaymentState;
use customerclient_api::push::{PushEvent, PushKind, SseDecoder};
use proptest::prelude::*;

/// Printable ASCII without spaces at the ends (a payload is trimmed).
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[!-~][ -~]{{0,{}}}[!-~]", max.saturating_sub(2)))
        .unwrap()
}

fn qr() -> impl Strategy<Value = MerchantQr> {
    (
        (
            text(30),
            text(20),
            "[0-9]{4}",
            "[0-9]{3}",
            0u64..10_000_000,
            "[A-Z]{2}",
        ),
        (text(25), text(15), "[0-9]{1,10}", text(36)),
    )
        .prop_map(
            |((gui, id, mcc, currency, cents, country), (name, city, bill, reference))| {
                MerchantQr {
                    merchant_gui: gui,
                    merchant_id: id,
                    mcc,
                    currency,
                    amount: format!("{}.{:02}", cents / 100, cents % 100),
                    country,
                    merchant_name: name,
                    merchant_city: city,
                    bill_number: bill,
                    reference,
                }
            },
        )
}

proptest! {
    #[test]
    fn a_merchant_qr_reads_back_as_written(q in qr()) {
        let payload = q.to_payload().unwrap();
        prop_assert_eq!(MerchantQr::from_payload(&payload).unwrap(), q);
    }

    /// CRC-16 catches every change of one character (an error burst of at most 8 bits).
    #[test]
    fn the_crc_catches_any_one_changed_character(
        q in qr(),
        at in any::<prop::sample::Index>(),
        to in 0x21u8..0x7f,
    ) {
        let payload = q.to_payload().unwrap();
        // Up to and including the CRC's own tag: the CRC covers all of it.
        let i = at.index(payload.len() - 4);
        let mut bytes = payload.clone().into_bytes();
        prop_assume!(bytes[i] != to);
        bytes[i] = to;
        let changed = String::from_utf8(bytes).unwrap();
        prop_assert!(emv::parse(&changed).is_err(), "{changed} passed");
    }

    /// Any text at all: an answer, never a panic.
    #[test]
    fn parsing_any_text_never_panics(s in "\\PC{0,200}") {
        let _ = emv::parse(&s);
        let _ = emv::split(&s);
        let _ = MerchantQr::from_payload(&s);
    }

    #[test]
    fn a_check_digit_makes_any_number_pass_luhn_and_any_change_fails_it(
        body in "[0-9]{11,18}",
        at in any::<prop::sample::Index>(),
        bump in 1u8..10,
    ) {
        let check = (0..10)
            .map(|d| format!("{body}{d}"))
            .find(|n| card::luhn_valid(n))
            .expect("exactly one check digit fits");
        prop_assert_eq!((0..10).filter(|d| card::luhn_valid(&format!("{body}{d}"))).count(), 1);
        let mut digits = check.clone().into_bytes();
        let i = at.index(digits.len());
        digits[i] = b'0' + (digits[i] - b'0' + bump) % 10;
        prop_assert!(!card::luhn_valid(&String::from_utf8(digits).unwrap()));
    }

    #[test]
    fn grouping_and_masking_keep_the_digits(number in "[0-9]{0,19}") {
        prop_assert_eq!(card::group(&number).replace(' ', ""), number.clone());
        let masked = card::mask(&number);
        prop_assert!(masked.ends_with(card::last4(&number)));
        prop_assert!(card::last4(&number).len() == number.len().min(4));
        // Nothing of the number but its last four shows.
        prop_assert_eq!(masked.chars().filter(char::is_ascii_digit).count(), number.len().min(4));
    }

    #[test]
    fn grouping_any_text_keeps_every_character(text in "\\PC{0,30}") {
        prop_assert_eq!(card::group(&text).replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn card_checks_answer_any_input(
        number in "\\PC{0,25}",
        month in any::<u32>(),
        year in any::<u32>(),
        cvc in "\\PC{0,6}",
    ) {
        let problems = card::validate(&number, month, year, &cvc, (2026, 12));
        // A number the checks accept is one the gateway could take.
        if !problems.iter().any(|p| p.part() == card::CardPart::Number) {
            prop_assert!(card::luhn_valid(&number));
            prop_assert!(card::brand(&number) != card::Brand::Unknown);
        }
    }

    #[test]
    fn the_decimal_form_reads_back_to_the_minor_units(minor in any::<i64>()) {
        let d = Money::new(minor, "RUB").decimal();
        let (sign, digits) = match d.strip_prefix('-') {
            Some(rest) => (-1i128, rest),
            None => (1, d.as_str()),
        };
        let (units, cents) = digits.split_once('.').unwrap();
        prop_assert_eq!(cents.len(), 2);
        let back = sign * (units.parse::<i128>().unwrap() * 100 + cents.parse::<i128>().unwrap());
        prop_assert_eq!(back, i128::from(minor));
    }

    #[test]
    fn money_adds_like_integers_or_refuses(a in any::<i64>(), b in any::<i64>(), n in any::<i64>()) {
        let (x, y) = (Money::new(a, "USD"), Money::new(b, "USD"));
        prop_assert_eq!(x.checked_add(&y).map(|m| m.minor), a.checked_add(b));
        prop_assert_eq!(x.checked_add(&y), y.checked_add(&x));
        prop_assert_eq!(x.checked_mul(n).map(|m| m.minor), a.checked_mul(n));
        prop_assert!(x.checked_add(&Money::new(b, "EUR")).is_none());
    }

    #[test]
    fn a_phone_number_normalises_the_same_however_it_is_written(
        plus in any::<bool>(),
        digits in "[0-9]{1,20}",
        seps in prop::collection::vec(prop::sample::select(vec!["", "", " ", "-", "(", ")", " - "]), 20),
        pad in prop::sample::select(vec!["", " ", "  ", "\t"]),
    ) {
        let plain = format!("{}{digits}", if plus { "+" } else { "" });
        let mut written = format!("{pad}{}", if plus { "+" } else { "" });
        for (i, d) in digits.chars().enumerate() {
            written.push_str(seps[i]);
            written.push(d);
        }
        written.push_str(pad);
        let normalised = normalise_phone(&written);
        prop_assert_eq!(&normalised, &normalise_phone(&plain));
        // E.164: 7 to 15 digits, nothing else.
        prop_assert_eq!(normalised.is_some(), (7..=15).contains(&digits.len()));
        if let Some(n) = normalised {
            prop_assert_eq!(&n, &plain);
            prop_assert_eq!(normalise_phone(&n), Some(n.clone()));
        }
    }

    #[test]
    fn a_phone_number_with_anything_but_digits_and_separators_is_refused(
        s in "\\PC{0,40}",
    ) {
        let n = normalise_phone(&s);
        let kept: String = s.trim().trim_start_matches('+').chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        if kept.chars().any(|c| !c.is_ascii_digit()) {
            prop_assert_eq!(n, None);
        } else if let Some(n) = n {
            prop_assert!(n.trim_start_matches('+').chars().all(|c| c.is_ascii_digit()));
            prop_assert!((7..=15).contains(&n.trim_start_matches('+').len()));
        }
    }

    #[test]
    fn events_come_out_whole_and_in_order_however_the_stream_is_cut(
        events in prop::collection::vec(event(), 0..8),
        crlf in any::<bool>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut wire = format!(": keep-alive{nl}{nl}");
        for e in &events {
            wire.push_str(&format!(
                "id: {}{nl}event: push{nl}data: {}{nl}{nl}",
                e.id,
                serde_json::to_string(e).unwrap()
            ));
        }
        let bytes = wire.as_bytes();
        let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        at.push(0);
        at.push(bytes.len());
        at.sort_unstable();
        let mut decoder = SseDecoder::default();
        let mut got = Vec::new();
        for w in at.windows(2) {
            got.extend(decoder.feed(&bytes[w[0]..w[1]]));
        }
        prop_assert_eq!(got, events);
    }
}

fn event() -> impl Strategy<Value = PushEvent> {
    let statuses = [
        OrderStatus::Placed,
        OrderStatus::Accepted,
        OrderStatus::OnTheWay,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ];
    let kind = prop_oneof![
        prop::sample::select(statuses.to_vec()).prop_map(|status| PushKind::OrderStatus { status }),
        Just(PushKind::Payment {
            state: PaymentState::Paid
        }),
        (
            0i32..5000,
            0i32..5000,
            0i32..20_000,
            prop::option::of(0i64..1 << 45)
        )
            .prop_map(|(x, y, p, eta_at)| PushKind::CourierPosition {
                x: f64::from(x),
                y: f64::from(y),
                progress_m: f64::from(p),
                eta_at,
            }),
    ];
    (
        any::<i64>(),
        any::<u128>(),
        1000i64..1_000_000,
        0i64..1 << 45,
        kind,
    )
        .prop_map(|(id, order, order_number, at, kind)| PushEvent {
            id,
            order_id: uuid::Uuid::from_u128(order),
            order_number,
            at,
            kind,
        })
}

//! Any text read as an EMVCo merchant QR payload: never a panic, and a payload that reads
//! back as a merchant QR writes out to a payload that reads back the same.
#![no_main]

use customerclient_api::emv::{self, MerchantQr};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = emv::split(text);
    let _ = emv::parse(text);
    if let Ok(qr) = MerchantQr::from_payload(text)
        && let Ok(again) = qr.to_payload()
    {
        assert_eq!(MerchantQr::from_payload(&again).ok(), Some(qr));
    }
});

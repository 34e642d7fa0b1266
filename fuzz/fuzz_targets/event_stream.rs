//! Any bytes fed to the event-stream decoder, cut at any points: never a panic, and the same
//! events whether the stream arrives whole or in pieces.
#![no_main]

use customerclient_api::push::SseDecoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<u8>, Vec<u16>)| {
    let (bytes, cuts) = input;
    let whole = SseDecoder::default().feed(&bytes);
    let mut at: Vec<usize> = cuts
        .iter()
        .map(|c| usize::from(*c) % (bytes.len() + 1))
        .collect();
    at.extend([0, bytes.len()]);
    at.sort_unstable();
    let mut decoder = SseDecoder::default();
    let mut pieces = Vec::new();
    for w in at.windows(2) {
        pieces.extend(decoder.feed(&bytes[w[0]..w[1]]));
    }
    assert_eq!(whole, pieces);
});

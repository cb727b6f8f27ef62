//! Arbitrary bytes into the in-memory parser (first byte picks the read buffer
//! size, so that tokens are cut everywhere); what parses is fully analysed.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&b, text)) = data.split_first() else {
        return;
    };
    let buffer = match b {
        0..=127 => 1 + b as usize % 16,
        _ => 1 << 20,
    };
    heap_snapshot_fuzz::parse_and_run(text, buffer, None);
});

//! Structurally valid but adversarial snapshots (damaged field lists, bad edge
//! indices, cycles, huge header counts, truncation, stray bytes), generated with
//! `arbitrary`, parsed and run through the whole analysis and a diff between two.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    let Ok(a) = heap_snapshot_fuzz::snap_from(&mut u) else {
        return;
    };
    let buffer = u.int_in_range(1..=64usize).unwrap_or(64);
    let before = heap_snapshot_fuzz::snap_from(&mut u)
        .ok()
        .map(|s| s.to_json());
    heap_snapshot_fuzz::parse_and_run(&a.to_json(), buffer, before.as_deref());
});

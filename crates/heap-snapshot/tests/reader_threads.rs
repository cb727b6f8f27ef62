//! Fuzz regression parse_file/prefetch-thread-outlives-failed-parse: a corrupt
//! gzip stream ended the parse with an error while the read-ahead thread was still
//! running, holding a 1 MiB buffer (LeakSanitizer reported it as leaked). Now the
//! reader stops and joins its thread when dropped. A separate test binary (its own
//! process, one test) so that no other test's reader threads are counted.
use std::io::Write;

use heap_snapshot::{Control, HeapSnapshot};

/// Parser read-ahead threads still listed after up to 2 s: a joined thread can stay in
/// /proc/self/task for a moment after `join()` returns (the kernel clears its tid
/// before the task is gone), which a loaded machine makes visible; one that outlives
/// the parse stays.
fn reader_threads_after_exit() -> usize {
    for _ in 0..200 {
        if reader_threads() == 0 {
            return 0;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    reader_threads()
}

/// Names of this process's threads that are parser read-ahead threads.
fn reader_threads() -> usize {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    dir.filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|c| c.starts_with("heap-snapshot-r"))
        .count()
}

#[test]
fn no_reader_thread_outlives_a_failed_parse() {
    let dir = std::env::temp_dir().join(format!("hs-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("x.heapsnapshot");
    // The fuzzer's input (after its mode byte): a damaged gzip stream.
    let found =
        include_bytes!("../fuzz/regressions/parse_file/prefetch-thread-outlives-failed-parse");
    // And a large one that fails early: the read-ahead thread has chunks queued and
    // is blocked handing over the next one when the parse gives up.
    let mut big = b"{\"snapshot\":{\"meta\":{}},\"nodes\":[".to_vec();
    big.extend(std::iter::repeat_n(b'1', 1).chain(b",x".iter().copied()));
    big.extend(std::iter::repeat_n(b' ', 12 << 20));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&big).unwrap();
    let big_gz = gz.finish().unwrap();
    for (name, bytes) in [
        ("fuzz input", &found[1..]),
        ("large gzip", &big_gz[..]),
        ("large plain", &big[..]),
    ] {
        std::fs::write(&p, bytes).unwrap();
        for _ in 0..20 {
            let r = HeapSnapshot::from_file(&p, &mut Control::none());
            assert!(r.is_err(), "{name}: parsed");
            assert_eq!(
                reader_threads_after_exit(),
                0,
                "{name}: a reader thread is still running after the parse returned"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

//! The file path of the parser (what the addon calls): plain, gzip-compressed and
//! the two-thread split, plus the diff of two files and `analyze_file`.
#![no_main]
use std::io::Write;
use std::path::PathBuf;

use heap_snapshot::{analyze_file, diff_files, AnalyzeOptions, Control, DiffOptions, HeapSnapshot};
use libfuzzer_sys::fuzz_target;

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("heap-snapshot-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, text)) = data.split_first() else {
        return;
    };
    let path = tmp("a.heapsnapshot");
    let bytes = if mode & 1 == 1 {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text).unwrap();
        let mut z = e.finish().unwrap();
        if mode & 2 == 2 && z.len() > 12 {
            // A truncated or damaged gzip stream.
            let k = z.len() - 1 - (mode as usize >> 2) % 8;
            z.truncate(k);
        }
        z
    } else {
        text.to_vec()
    };
    std::fs::write(&path, &bytes).unwrap();
    let split = HeapSnapshot::from_file_split(&path);
    let whole = HeapSnapshot::from_file(&path, &mut Control::none());
    // The two-thread parse and the sequential parse agree on success (gzip never splits).
    if mode & 1 == 0 {
        assert_eq!(
            split.is_ok(),
            whole.is_ok(),
            "split and sequential parses disagree"
        );
    }
    if let Ok(s) = &whole {
        let r = analyze_file(
            &path,
            &AnalyzeOptions { top: 0, largest: 8 },
            &mut Control::none(),
        )
        .expect("analyze_file fails on a parsed snapshot");
        assert_eq!(r.statistics.node_count, s.node_count() as u64);
        let d = diff_files(
            &path,
            &path,
            &DiffOptions { top: 0, paths: 8 },
            &mut Control::none(),
        )
        .expect("diff_files fails on a parsed snapshot");
        assert!(d.classes.is_empty(), "self-diff not empty");
    }
});

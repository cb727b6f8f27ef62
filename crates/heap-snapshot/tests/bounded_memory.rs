//! A gzip bomb of digits: 256 MiB of `1`s inside `nodes` compress to a few hundred
//! KB. The number scanner used to grow its buffer over the whole digit run before
//! finding the number too large; now it stops after 16 digits. Measured by the peak
//! RSS of this test binary (its own process, one test), Linux only.
use std::io::Write;

use heap_snapshot::{Control, HeapSnapshot};

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_digit_run_from_a_gzip_bomb_does_not_grow_the_buffer() {
    let dir = std::env::temp_dir().join(format!("hs-bomb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("bomb.heapsnapshot.gz");
    let head = br#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["object"]],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["property"]]},"node_count":1,"edge_count":0},"nodes":[0,0,1,"#;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(head).unwrap();
    let block = vec![b'1'; 1 << 20];
    for _ in 0..256 {
        gz.write_all(&block).unwrap();
    }
    std::fs::write(&p, gz.finish().unwrap()).unwrap();
    let before = peak_rss_kib();
    let e = HeapSnapshot::from_file(&p, &mut Control::none())
        .unwrap_err()
        .to_string();
    let after = peak_rss_kib();
    assert!(e.contains("number too large in `nodes`"), "{e}");
    assert!(e.contains(&format!("at byte {}", head.len())), "{e}");
    if let (Some(b), Some(a)) = (before, after) {
        assert!(
            a.saturating_sub(b) < 64 * 1024,
            "peak RSS grew by {} KiB",
            a - b
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

//! `cargo run --example render -- TARGET INPUT`: prints the snapshot text a fuzz
//! input stands for (for analyze_structured: the generated JSON, `after` then
//! `before`; for parse_bytes / parse_file: the bytes after the mode byte).
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = std::fs::read(&args[1]).expect("read input");
    if args[0] == "analyze_structured" {
        let mut u = arbitrary::Unstructured::new(&data);
        let a = heap_snapshot_fuzz::snap_from(&mut u).expect("snapshot description");
        let buffer = u.int_in_range(1..=64usize).unwrap_or(64);
        println!("{}", String::from_utf8_lossy(&a.to_json()));
        println!("-- read buffer {buffer}");
        if let Ok(b) = heap_snapshot_fuzz::snap_from(&mut u) {
            println!("-- before:\n{}", String::from_utf8_lossy(&b.to_json()));
        }
    } else {
        println!("-- mode byte {}", data.first().copied().unwrap_or(0));
        println!("{}", String::from_utf8_lossy(data.get(1..).unwrap_or(&[])));
    }
}

//! `cargo run --release -p heap-snapshot --example analyze -- FILE [BEFORE]`:
//! prints the summary (or the diff BEFORE → FILE) and stage timings; `--parse FILE` only parses.
use heap_snapshot::{analyze_file, diff_files, AnalyzeOptions, Control, DiffOptions};
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprintln!("usage: analyze FILE [BEFORE]");
        std::process::exit(2);
    }
    let mut ctl = Control::none();
    if args[0] == "--parse" {
        let t = std::time::Instant::now();
        let s =
            heap_snapshot::HeapSnapshot::from_file(Path::new(&args[1]), &mut ctl).expect("parse");
        println!(
            "{} nodes, {} edges, parsed in {:?}",
            s.node_count(),
            s.edge_count(),
            t.elapsed()
        );
        return;
    }
    if args.len() == 1 {
        match analyze_file(Path::new(&args[0]), &AnalyzeOptions::default(), &mut ctl) {
            Ok(r) => {
                println!("{:?}", r.statistics);
                for a in &r.aggregates {
                    println!(
                        "{:>12} {:>12} {:>12} {:>8} {}",
                        a.retained_size, a.self_size, a.max_retained, a.count, a.name
                    );
                }
                for n in &r.largest {
                    println!(
                        "{:>12} {} @{} :: {}",
                        n.retained_size, n.class_name, n.id, n.retainer_path.text
                    );
                }
                println!("{:?}", r.timings);
            }
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    } else {
        match diff_files(
            Path::new(&args[1]),
            Path::new(&args[0]),
            &DiffOptions::default(),
            &mut ctl,
        ) {
            Ok(r) => {
                for c in &r.classes {
                    let d = &c.diff;
                    println!(
                        "{:>8} {:>8} {:>10} {}",
                        d.added_count, d.removed_count, d.size_delta, d.name
                    );
                    if let Some(n) = &c.representative {
                        println!("    {}", n.retainer_path.text);
                    }
                }
                println!("{:?}", r.timings);
            }
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
}

//! Unit tests on hand-built snapshots with hand-computed answers.
use std::io::Write;

use crate::aggregate::{Aggregates, Statistics};
use crate::*;

const NODE_TYPES: &str = r#"["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"]"#;
const EDGE_TYPES: &str =
    r#"["context","element","property","internal","hidden","shortcut","weak"]"#;

/// Builds snapshot JSON. Nodes: (type, name, id, self_size); edges: (from, type, name or index, to).
fn build(nodes: &[(&str, &str, u32, u32)], edges: &[(usize, &str, &str, usize)]) -> String {
    let nt: Vec<String> = serde_json::from_str(NODE_TYPES).unwrap();
    let et: Vec<String> = serde_json::from_str(EDGE_TYPES).unwrap();
    let mut strings: Vec<String> = Vec::new();
    let mut intern = |s: &str| -> usize {
        if let Some(p) = strings.iter().position(|x| x == s) {
            return p;
        }
        strings.push(s.to_string());
        strings.len() - 1
    };
    let mut node_nums = Vec::new();
    for (i, (t, name, id, size)) in nodes.iter().enumerate() {
        let ec = edges.iter().filter(|e| e.0 == i).count();
        let ti = nt.iter().position(|x| x == t).unwrap_or(200);
        node_nums.extend([ti, intern(name), *id as usize, *size as usize, ec, 0, 0]);
    }
    let mut edge_nums = Vec::new();
    for i in 0..nodes.len() {
        for (_, t, name, to) in edges.iter().filter(|e| e.0 == i) {
            let ti = et.iter().position(|x| x == t).unwrap();
            let n = if *t == "element" || *t == "hidden" {
                name.parse().unwrap()
            } else {
                intern(name)
            };
            edge_nums.extend([ti, n, to * 7]);
        }
    }
    let join = |v: &[usize]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        r#"{{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[{NODE_TYPES},"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[{EDGE_TYPES},"string_or_number","node"],"trace_function_info_fields":[],"trace_node_fields":[],"sample_fields":[],"location_fields":[]}},"node_count":{},"edge_count":{},"trace_function_count":0}},
"nodes":[{}],
"edges":[{}],
"trace_function_infos":[],"trace_tree":[],"samples":[],"locations":[],
"strings":{}}}"#,
        nodes.len(),
        edge_nums.len() / 3,
        join(&node_nums),
        join(&edge_nums),
        serde_json::to_string(&strings).unwrap()
    )
}

fn sample() -> String {
    build(
        &[
            ("synthetic", "", 1, 0),
            ("synthetic", "(GC roots)", 3, 0),
            ("object", "global", 5, 10),
            ("object", "A", 7, 20),
            ("object", "B", 9, 30),
            ("object", "C", 11, 40),
            ("object", "C", 13, 50),
            ("object", "E", 15, 5),
        ],
        &[
            (0, "shortcut", "1", 2),
            (0, "element", "1", 1),
            (1, "element", "0", 3),
            (2, "property", "a", 3),
            (2, "property", "b", 4),
            (3, "property", "c", 5),
            (4, "property", "c", 5),
            (4, "weak", "w", 7),
            (5, "property", "d", 6),
        ],
    )
}

fn analyse(json: &str) -> (HeapSnapshot, Analysis) {
    let s = HeapSnapshot::from_slice(json.as_bytes()).expect("parse");
    let a = Analysis::compute(&s, &mut Control::none()).expect("analysis");
    (s, a)
}

#[test]
fn parses_columns_by_field_name() {
    let s = HeapSnapshot::from_slice(sample().as_bytes()).unwrap();
    assert_eq!(s.node_count(), 8);
    assert_eq!(s.edge_count(), 9);
    assert_eq!(s.node_id, vec![1, 3, 5, 7, 9, 11, 13, 15]);
    assert_eq!(s.node_self_size[6], 50);
    assert_eq!(s.first_edge, vec![0, 2, 3, 5, 6, 8, 9, 9, 9]);
    assert_eq!(s.edge_to[0], 2);
    assert_eq!(s.node_name_str(3), "A");
    assert_eq!(s.edge_name_str(3), "a");
    assert_eq!(s.edge_name_str(1), "1");
    assert_eq!(s.edge_source(7), 4);
    assert_eq!(s.edge_source(8), 5);
}

#[test]
fn dominators_retained_sizes_and_distances_match_hand_computed_values() {
    let (_s, a) = analyse(&sample());
    // (GC roots) -> A is from a non-page-owned node to a page-owned one: not used.
    assert_eq!(a.dominators, vec![0, 0, 0, 2, 2, 2, 5, 0]);
    assert_eq!(a.retained_sizes, vec![155, 0, 150, 20, 30, 90, 50, 5]);
    assert_eq!(a.distances[2], 1);
    assert_eq!(a.distances[3], 2);
    assert_eq!(a.distances[5], 3);
    assert_eq!(a.distances[6], 4);
    assert_eq!(a.distances[0], BASE_SYSTEM_DISTANCE);
    assert_eq!(a.distances[1], BASE_SYSTEM_DISTANCE + 1);
    assert_eq!(
        a.distances[7], NO_DISTANCE,
        "only reachable through a weak edge"
    );
}

#[test]
fn class_retained_size_does_not_double_count_nested_instances() {
    let (s, a) = analyse(&sample());
    let g = Aggregates::compute(&s, &a, &mut Control::none()).unwrap();
    let c = g.classes.iter().find(|c| c.name == "C").unwrap();
    assert_eq!(c.count, 2);
    assert_eq!(c.self_size, 90);
    assert_eq!(
        c.retained_size, 90,
        "the inner C is dominated by the outer C"
    );
    assert_eq!(c.max_retained, 90);
    assert_eq!(c.distance, 3);
    let gl = g.classes.iter().find(|c| c.name == "global").unwrap();
    assert_eq!(gl.retained_size, 150);
    // Zero-sized synthetic nodes are not counted.
    assert_eq!(
        g.classes
            .iter()
            .find(|c| c.name == "(synthetic)")
            .map(|c| c.count),
        Some(0)
    );
    let st = Statistics::compute(&s, &a);
    assert_eq!(st.total, 155);
    assert_eq!(st.node_count, 8);
}

#[test]
fn retainer_path_is_the_shortest_non_weak_path() {
    let (s, a) = analyse(&sample());
    let p = retainer_path(&s, &a, 6);
    assert_eq!(p.text, "(GC roots) → global → a (A) → c (C) → d (C)");
    assert_eq!(p.steps.len(), 4);
    assert_eq!(p.steps[3].edge_name, "d");
    assert_eq!(p.steps[3].node_id, 13);
    assert!(
        retainer_path(&s, &a, 7).steps.is_empty(),
        "weakly held node has no path"
    );
}

#[test]
fn diff_by_id_and_class() {
    let before = build(
        &[
            ("synthetic", "", 1, 0),
            ("object", "A", 3, 10),
            ("object", "B", 5, 20),
            ("object", "B", 7, 20),
        ],
        &[
            (0, "element", "1", 1),
            (0, "element", "2", 2),
            (0, "element", "3", 3),
        ],
    );
    let after = build(
        &[
            ("synthetic", "", 1, 0),
            ("object", "A", 3, 10),
            ("object", "B", 7, 20),
            ("object", "C", 9, 100),
            ("object", "C", 11, 100),
            ("object", "A", 13, 12),
        ],
        &[
            (0, "element", "1", 1),
            (0, "element", "2", 2),
            (0, "element", "3", 3),
            (3, "property", "x", 4),
            (0, "element", "4", 5),
        ],
    );
    let b = HeapSnapshot::from_slice(before.as_bytes()).unwrap();
    let (s, a) = analyse(&after);
    let d = diff_snapshots(&b, &s, Some(&a.retained_sizes), &mut Control::none()).unwrap();
    let names: Vec<&str> = d.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["C", "A", "B"], "sorted by size delta");
    let c = &d.classes[0];
    assert_eq!((c.added_count, c.removed_count, c.count_delta), (2, 0, 2));
    assert_eq!((c.added_size, c.removed_size, c.size_delta), (200, 0, 200));
    assert_eq!(c.representative, Some(3), "the C that retains the other C");
    let bcls = &d.classes[2];
    assert_eq!(
        (bcls.added_count, bcls.removed_count, bcls.size_delta),
        (0, 1, -20)
    );
    let acls = &d.classes[1];
    assert_eq!((acls.added_count, acls.added_size), (1, 12));
}

fn dominators_naive(n: usize, root: usize, succ: &[Vec<usize>]) -> Vec<Option<usize>> {
    // Iterative data-flow: dom(v) = {v} ∪ ⋂ dom(preds); then idom = the strict dominator with the largest dom set.
    let mut reach = vec![false; n];
    let mut st = vec![root];
    reach[root] = true;
    while let Some(v) = st.pop() {
        for &w in &succ[v] {
            if !reach[w] {
                reach[w] = true;
                st.push(w);
            }
        }
    }
    let mut preds = vec![Vec::new(); n];
    for v in 0..n {
        for &w in &succ[v] {
            if reach[v] {
                preds[w].push(v);
            }
        }
    }
    let mut dom: Vec<Vec<bool>> = (0..n)
        .map(|v| {
            if v == root {
                (0..n).map(|x| x == root).collect()
            } else {
                vec![true; n]
            }
        })
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for v in 0..n {
            if v == root || !reach[v] {
                continue;
            }
            let mut nd = vec![true; n];
            for &p in &preds[v] {
                for x in 0..n {
                    nd[x] = nd[x] && dom[p][x];
                }
            }
            nd[v] = true;
            if nd != dom[v] {
                dom[v] = nd;
                changed = true;
            }
        }
    }
    (0..n)
        .map(|v| {
            if v == root || !reach[v] {
                return None;
            }
            (0..n)
                .filter(|&d| d != v && dom[v][d])
                .max_by_key(|&d| dom[d].iter().filter(|&&b| b).count())
        })
        .collect()
}

#[test]
fn semi_nca_matches_naive_dominators_on_random_graphs() {
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut rnd = |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    for round in 0..200 {
        let n = 2 + rnd(30) as usize;
        let m = rnd(4 * n as u64) as usize;
        let mut nodes = vec![("synthetic", "", 1u32, 0u32)];
        for i in 1..n {
            nodes.push(("hidden", "x", 2 * i as u32 + 1, 1 + rnd(100) as u32));
        }
        let mut edges = Vec::new();
        let mut succ = vec![Vec::new(); n];
        for _ in 0..m {
            let (f, t) = (rnd(n as u64) as usize, rnd(n as u64) as usize);
            edges.push((f, "internal", "e", t));
            succ[f].push(t);
        }
        // Hidden nodes and internal edges: no page-owned rule, no shortcut/weak rule.
        let json = build(&nodes, &edges);
        let (s, a) = analyse(&json);
        let want = dominators_naive(n, 0, &succ);
        for v in 1..n {
            let got = a.dominators[v] as usize;
            assert_eq!(got, want[v].unwrap_or(0), "round {round} node {v}");
        }
        // Retained sizes: sum of self sizes over the dominator subtree.
        for v in 0..n {
            let mut sum = 0u64;
            for w in 0..n {
                let mut x = w;
                loop {
                    if x == v {
                        sum += s.node_self_size[w] as u64;
                        break;
                    }
                    if x == 0 {
                        break;
                    }
                    x = a.dominators[x] as usize;
                }
            }
            assert_eq!(a.retained_sizes[v], sum, "round {round} node {v}");
        }
    }
}

fn err_text(json: &[u8]) -> String {
    match HeapSnapshot::from_slice(json) {
        Ok(_) => panic!(
            "parsed: {}",
            String::from_utf8_lossy(&json[..json.len().min(400)])
        ),
        Err(e) => e.to_string(),
    }
}

#[test]
fn errors_name_the_field_and_offset() {
    let full = sample();
    let cut = &full.as_bytes()[..full.find("\"edges\"").unwrap() + 20];
    let e = err_text(cut);
    assert!(
        e.contains("unexpected end of file") && e.contains("`edges`"),
        "{e}"
    );
    assert!(e.contains(&format!("at byte {}", cut.len())), "{e}");
    let e = err_text(b"hello");
    assert!(
        e.contains("not a heap snapshot") && e.contains("at byte 0"),
        "{e}"
    );
    let e = err_text(b"");
    assert!(e.contains("empty file"), "{e}");
    let e = err_text(br#"{"nodes":[1,2]}"#);
    assert!(
        e.contains("`nodes` comes before the `snapshot` header"),
        "{e}"
    );
    let e = err_text(full.replace("\"self_size\"", "\"size\"").as_bytes());
    assert!(
        e.contains("snapshot.meta.node_fields has no `self_size`"),
        "{e}"
    );
    let e = err_text(full.replace("\"edges\":[", "\"edges\":[1,").as_bytes());
    assert!(e.contains("`edges`"), "{e}");
    let e = err_text(full.replace("\"nodes\":[9", "\"nodes\":[-9").as_bytes());
    assert!(
        e.contains("expected a non-negative integer in `nodes`"),
        "{e}"
    );
    let e = err_text(
        full.replacen("\"trace_tree\":[]", "\"nodes\":[]", 1)
            .as_bytes(),
    );
    assert!(e.contains("duplicate `nodes`"), "{e}");
    let e = err_text(full.replace("\"strings\":", "\"strangs\":").as_bytes());
    assert!(e.contains("missing `strings`"), "{e}");
    let e = err_text(
        full.replace("\"edges\":[5,7,14", "\"edges\":[5,7,15")
            .as_bytes(),
    );
    assert!(e.contains("to_node 15 of edge 0 is not a multiple"), "{e}");
    let e = err_text(
        full.replace("\"edges\":[5,7,14", "\"edges\":[5,7,700")
            .as_bytes(),
    );
    assert!(
        e.contains("to_node of edge 0 points past the last node"),
        "{e}"
    );
}

#[test]
fn header_counts_do_not_drive_allocation() {
    // A header claiming billions of nodes must not allocate for them.
    let j = sample()
        .replace("\"node_count\":8", "\"node_count\":4000000000")
        .replace("\"edge_count\":9", "\"edge_count\":4000000000");
    let s = HeapSnapshot::from_slice(j.as_bytes()).unwrap();
    assert_eq!(s.node_count(), 8);
    assert!(s.node_id.capacity() < 1000);
}

#[test]
fn unknown_types_and_string_escapes_are_tolerated() {
    let j = build(
        &[
            ("synthetic", "", 1, 0),
            ("brand new type", "Caf\u{e9} \"q\" \\ 😀", 3, 8),
        ],
        &[(0, "element", "1", 1)],
    );
    // Write the name with \u escapes and a lone surrogate, as V8 may.
    let j = j.replace("😀", "\\ud83d\\ude00\\ud800");
    let (s, a) = analyse(&j);
    assert_eq!(s.node_type_name(1), "unknown");
    assert_eq!(s.node_name_str(1), "Café \"q\" \\ 😀\u{FFFD}");
    assert_eq!(a.retained_sizes[0], 8);
}

#[test]
fn reads_gzip_files_and_reports_progress() {
    let dir = std::env::temp_dir().join(format!("hs-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("x.heapsnapshot.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(sample().as_bytes()).unwrap();
    std::fs::write(&p, enc.finish().unwrap()).unwrap();
    let mut stages = Vec::new();
    let mut cb = |s: Stage, f: f64| stages.push((s, f));
    let r = analyze_file(
        &p,
        &AnalyzeOptions::default(),
        &mut Control::new(None, Some(&mut cb)),
    )
    .unwrap();
    assert_eq!(r.statistics.total, 155);
    assert_eq!(r.aggregates[0].name, "global");
    assert!(stages.contains(&(Stage::Parse, 1.0)) && stages.contains(&(Stage::Dominators, 1.0)));
    let missing = analyze_file(
        &dir.join("nope"),
        &AnalyzeOptions::default(),
        &mut Control::none(),
    )
    .unwrap_err();
    assert!(matches!(missing, SnapshotError::Io { .. }) && missing.to_string().contains("nope"));
    std::fs::write(&p, b"\x1f\x8bnot really gzip").unwrap();
    let bad = analyze_file(&p, &AnalyzeOptions::default(), &mut Control::none()).unwrap_err();
    assert!(bad.to_string().contains("x.heapsnapshot.gz"), "{bad}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cancellation_stops_work() {
    let flag = std::sync::atomic::AtomicBool::new(true);
    let s = HeapSnapshot::from_slice(sample().as_bytes()).unwrap();
    let e = Analysis::compute(&s, &mut Control::new(Some(&flag), None)).unwrap_err();
    assert!(e.is_cancelled());
}

#[test]
fn buffer_boundaries_anywhere_give_the_same_graph() {
    let j = sample()
        .replace(",", " ,\n")
        .replace("\"A\"", "\"A\\u00e9 long name to cut\"");
    let want = HeapSnapshot::from_slice(j.as_bytes()).unwrap();
    for size in 1..48 {
        let got = HeapSnapshot::from_slice_buffered(j.as_bytes(), size).unwrap();
        assert_eq!(got.node_id, want.node_id, "buffer {size}");
        assert_eq!(got.edge_to, want.edge_to, "buffer {size}");
        assert_eq!(got.edge_name, want.edge_name, "buffer {size}");
        assert_eq!(got.node_self_size, want.node_self_size, "buffer {size}");
        assert_eq!(got.strings.get(3), want.strings.get(3), "buffer {size}");
    }
    assert_eq!(want.node_name_str(3), "A\u{e9} long name to cut");
    // Errors report the same offset whatever the buffer size.
    let cut = &j.as_bytes()[..j.find("\"edges\"").unwrap() + 30];
    let e0 = HeapSnapshot::from_slice(cut).unwrap_err().to_string();
    for size in [1, 2, 3, 7, 16] {
        assert_eq!(
            HeapSnapshot::from_slice_buffered(cut, size)
                .unwrap_err()
                .to_string(),
            e0
        );
    }
    let bad = j.replacen("\"edges\":[", "\"edges\":[12x", 1);
    let off = bad.find("12x").unwrap() + 2;
    for size in [1, 2, 5, 1024] {
        let e = HeapSnapshot::from_slice_buffered(bad.as_bytes(), size)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("at byte {off}")) && e.contains("found 'x'"),
            "{size}: {e}"
        );
    }
}

#[test]
fn corrupted_input_never_panics() {
    let base = sample().into_bytes();
    let mut seed: u64 = 0x2545F4914F6CDD1D;
    let mut rnd = |m: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m as u64) as usize
    };
    let alphabet = b"0123456789,[]{}\": -x\\u";
    for _ in 0..2000 {
        let mut v = base.clone();
        for _ in 0..1 + rnd(4) {
            if v.is_empty() {
                break;
            }
            let i = rnd(v.len());
            match rnd(3) {
                0 => v[i] = alphabet[rnd(alphabet.len())],
                1 => {
                    v.remove(i);
                }
                _ => v.truncate(i),
            }
        }
        if let Ok(s) = HeapSnapshot::from_slice(&v) {
            let a = Analysis::compute(&s, &mut Control::none()).unwrap();
            let g = Aggregates::compute(&s, &a, &mut Control::none()).unwrap();
            assert_eq!(g.node_class.len(), s.node_count());
            let _ = Statistics::compute(&s, &a);
            for n in 0..s.node_count() as u32 {
                let _ = retainer_path(&s, &a, n);
            }
            let _ = diff_snapshots(&s, &s, Some(&a.retained_sizes), &mut Control::none()).unwrap();
        }
    }
}

#[test]
fn split_parse_of_a_plain_file_matches_the_sequential_parse() {
    let dir = std::env::temp_dir().join(format!("hs-split-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("x.heapsnapshot");
    let j = sample();
    std::fs::write(&p, &j).unwrap();
    let a = HeapSnapshot::from_file_split(&p).unwrap();
    let b = HeapSnapshot::from_slice(j.as_bytes()).unwrap();
    assert_eq!(
        (a.edge_to, a.edge_name, a.edge_type),
        (b.edge_to, b.edge_name, b.edge_type)
    );
    assert_eq!((a.node_id, a.first_edge), (b.node_id, b.first_edge));
    // Errors inside `edges` (read by the helper) and elsewhere keep their offsets.
    for bad in [
        j.replace("\"edges\":[5,7,14", "\"edges\":[5,7,x"),
        j.replace("\"nodes\":[9", "\"nodes\":[-9"),
        j[..j.find("\"edges\"").unwrap() + 20].to_string(),
        j.replace("\"edges\":[5,7,14", "\"edges\":[5,7,700"),
    ] {
        std::fs::write(&p, &bad).unwrap();
        let split = HeapSnapshot::from_file_split(&p).unwrap_err().to_string();
        let seq = HeapSnapshot::from_slice(bad.as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(split, seq.replace("<snapshot>", &p.display().to_string()));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- Regressions found by the fuzz targets (crates/heap-snapshot/fuzz) ----
// Each input is also kept in fuzz/regressions/<target>/ under the same name.

/// Parses and runs the whole analysis (what the addon does), so that a panic
/// anywhere fails the test.
fn parse_and_analyse_all(json: &[u8]) -> Result<()> {
    let s = HeapSnapshot::from_slice(json)?;
    let (r, a) = analyze_snapshot(&s, &AnalyzeOptions::default(), &mut Control::none())?;
    assert_eq!(r.statistics.node_count, s.node_count() as u64);
    for n in 0..s.node_count() as u32 {
        let _ = retainer_path(&s, &a, n);
    }
    diff_snapshots(&s, &s, Some(&a.retained_sizes), &mut Control::none())?;
    Ok(())
}

#[test]
fn fuzz_regression_duplicate_node_field_type() {
    // analyze_structured/duplicate-node-field-type: `type` listed twice in
    // node_fields filled the type column twice per node; the analysis then indexed
    // the shorter columns past their end (panic in dominators_and_retained).
    let j = br#"{"snapshot":{"meta":{"node_fields":["type","type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"],"string","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["weak","context","element","property","internal","hidden","shortcut"],"string_or_number","node"],"trace_function_info_fields":[]},"node_count":1,"edge_count":6365935209744982016},
"nodes":[8,8,0,40968,0,0,0,0],
"edges":[],
"trace_tree":[],"samples":[],"locations":[],
"strings":["",""]}"#;
    let e = parse_and_analyse_all(j).unwrap_err().to_string();
    assert!(
        e.contains("snapshot.meta.node_fields lists `type` 2 times"),
        "{e}"
    );
}

#[test]
fn duplicate_edge_fields_are_rejected() {
    // Same shape as the node case, for edges: `to_node` twice.
    let j = sample().replace(
        r#""edge_fields":["type","name_or_index","to_node"]"#,
        r#""edge_fields":["type","name_or_index","to_node","to_node"]"#,
    );
    let e = parse_and_analyse_all(j.as_bytes()).unwrap_err().to_string();
    assert!(
        e.contains("snapshot.meta.edge_fields lists `to_node` 2 times"),
        "{e}"
    );
}

// parse_file/prefetch-thread-outlives-failed-parse (a read-ahead thread still
// running after a failed parse) is tested in tests/reader_threads.rs: it counts the
// process's threads, so it runs in its own test binary.

#[test]
fn growth_owners_are_the_old_objects_the_added_ones_accumulate_under() {
    // before: root → global → cache (Map) → table; global → list (Array) → one item
    let before = build(
        &[
            ("synthetic", "", 1, 0),
            ("object", "global", 3, 10),
            ("object", "Map", 5, 20),
            ("array", "", 7, 40),
            ("object", "Array", 9, 20),
            ("object", "Item", 11, 8),
        ],
        &[
            (0, "element", "1", 1),
            (1, "property", "cache", 2),
            (2, "internal", "table", 3),
            (1, "property", "list", 4),
            (4, "element", "0", 5),
        ],
    );
    // after: the Map's table was replaced by a larger one holding two entries (each
    // with a string); the list gained two items; one added object hangs off the root.
    let after = build(
        &[
            ("synthetic", "", 1, 0),
            ("object", "global", 3, 10),
            ("object", "Map", 5, 20),
            ("array", "", 21, 80),
            ("object", "Entry", 23, 16),
            ("object", "Entry", 25, 16),
            ("string", "a", 27, 100),
            ("string", "b", 29, 100),
            ("object", "Array", 9, 20),
            ("object", "Item", 11, 8),
            ("object", "Item", 31, 8),
            ("object", "Item", 33, 8),
            ("object", "Loose", 41, 50),
        ],
        &[
            (0, "element", "1", 1),
            (1, "property", "cache", 2),
            (2, "internal", "table", 3),
            (3, "element", "0", 4),
            (3, "element", "1", 5),
            (4, "property", "json", 6),
            (5, "property", "json", 7),
            (1, "property", "list", 8),
            (8, "element", "0", 9),
            (8, "element", "1", 10),
            (8, "element", "2", 11),
            (0, "element", "2", 12),
        ],
    );
    let b = HeapSnapshot::from_slice(before.as_bytes()).unwrap();
    let (s, a) = analyse(&after);
    let d = diff_snapshots(&b, &s, Some(&a.retained_sizes), &mut Control::none()).unwrap();
    assert_eq!(
        d.added.len(),
        8,
        "table, 2 entries, 2 strings, 2 items, loose"
    );
    let owners = growth_owners(&s, &a, &d.added, 10);
    let got: Vec<(u32, u64, u64)> = owners
        .iter()
        .map(|o| (s.node_id[o.node as usize], o.added_count, o.added_size))
        .collect();
    assert_eq!(
        got,
        vec![(5, 5, 80 + 16 + 16 + 100 + 100), (9, 2, 16)],
        "the Map holds its new table and all under it; the list its items; the root's own is left out"
    );
    assert_eq!(growth_owners(&s, &a, &d.added, 1).len(), 1, "cut to top");
    // Nothing added: no owners.
    let d0 = diff_snapshots(&s, &s, Some(&a.retained_sizes), &mut Control::none()).unwrap();
    assert!(d0.added.is_empty());
    assert!(growth_owners(&s, &a, &d0.added, 10).is_empty());
}

#[test]
fn diff_files_reports_growth_owners_with_retainer_paths() {
    let dir = std::env::temp_dir().join(format!("hs-owners-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let before = build(
        &[
            ("synthetic", "", 1, 0),
            ("object", "global", 3, 10),
            ("object", "Map", 5, 20),
        ],
        &[(0, "element", "1", 1), (1, "property", "cache", 2)],
    );
    let after = build(
        &[
            ("synthetic", "", 1, 0),
            ("object", "global", 3, 10),
            ("object", "Map", 5, 20),
            ("object", "Entry", 7, 30),
        ],
        &[
            (0, "element", "1", 1),
            (1, "property", "cache", 2),
            (2, "internal", "table", 3),
        ],
    );
    let (pb, pa) = (dir.join("b.heapsnapshot"), dir.join("a.heapsnapshot"));
    std::fs::write(&pb, before).unwrap();
    std::fs::write(&pa, after).unwrap();
    let r = diff_files(&pb, &pa, &DiffOptions::default(), &mut Control::none()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(r.owners.len(), 1);
    let o = &r.owners[0];
    assert_eq!((o.node.id, o.added_count, o.added_size), (5, 1, 30));
    assert_eq!(o.node.class_name, "Map");
    let names: Vec<&str> = o
        .node
        .retainer_path
        .steps
        .iter()
        .map(|x| x.edge_name.as_str())
        .collect();
    assert_eq!(
        names.last(),
        Some(&"cache"),
        "path ends at the owner: {names:?}"
    );
}

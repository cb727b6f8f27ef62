//! Shared code of the fuzz targets: the full analysis pipeline run on a parsed
//! snapshot (with invariant checks), and a generator of structurally valid but
//! adversarial snapshot JSON from `arbitrary` input.
use arbitrary::{Arbitrary, Unstructured};
use heap_snapshot::{
    analyze_snapshot, diff_snapshots, retainer_path, AnalyzeOptions, Control, HeapSnapshot,
};

/// Runs everything the addon runs on a parsed snapshot: distances, dominators,
/// retained sizes, aggregates, statistics, largest objects with retainer paths,
/// a diff against `other` (or itself) and retainer paths of up to 64 nodes.
/// Panics (a fuzz crash) when an invariant of the results does not hold.
pub fn run_all(s: &HeapSnapshot, other: Option<&HeapSnapshot>) {
    let opts = AnalyzeOptions {
        top: 0,
        largest: 16,
    };
    let (report, a) = analyze_snapshot(s, &opts, &mut Control::none())
        .expect("analysis of a parsed snapshot fails");
    let n = s.node_count();
    assert_eq!(a.distances.len(), n);
    assert_eq!(a.dominators.len(), n);
    assert_eq!(a.retained_sizes.len(), n);
    let total: u64 = s.node_self_size.iter().map(|&x| x as u64).sum();
    let root = s.root as usize;
    // The root retains everything (unreachable nodes hang off it).
    assert_eq!(a.retained_sizes[root], total, "root retained size");
    assert_eq!(report.statistics.total, total, "statistics.total");
    for v in 0..n {
        assert!(
            a.retained_sizes[v] >= s.node_self_size[v] as u64,
            "retained < self of {v}"
        );
        assert!((a.dominators[v] as usize) < n, "dominator out of range");
        if v != root {
            let d = a.dominators[v] as usize;
            assert!(
                a.retained_sizes[d] >= a.retained_sizes[v],
                "dominator retains less"
            );
        }
    }
    let class_sum: u64 = report.aggregates.iter().map(|c| c.count).sum();
    assert!(class_sum <= n as u64);
    for i in 0..n.min(64) {
        let p = retainer_path(s, &a, i as u32);
        assert!(p.steps.len() <= n);
    }
    let before = other.unwrap_or(s);
    let d = diff_snapshots(before, s, Some(&a.retained_sizes), &mut Control::none())
        .expect("diff of parsed snapshots fails");
    for c in &d.classes {
        if let Some(r) = c.representative {
            let _ = retainer_path(s, &a, r);
        }
    }
    if other.is_none() {
        // A snapshot compared with itself has no changes.
        assert!(d.classes.is_empty(), "self-diff not empty");
    }
}

/// Parses `text` with a read buffer chosen by the fuzzer (so that tokens are cut at
/// every place) and, when it parses, runs the whole pipeline.
pub fn parse_and_run(text: &[u8], buffer: usize, other: Option<&[u8]>) {
    let Ok(s) = HeapSnapshot::from_slice_buffered(text, buffer) else {
        return;
    };
    let o = other.and_then(|t| HeapSnapshot::from_slice(t).ok());
    run_all(&s, o.as_ref());
}

const NODE_TYPES: [&str; 15] = [
    "hidden",
    "array",
    "string",
    "object",
    "code",
    "closure",
    "regexp",
    "number",
    "native",
    "synthetic",
    "concatenated string",
    "sliced string",
    "symbol",
    "bigint",
    "object shape",
];
const EDGE_TYPES: [&str; 7] = [
    "context", "element", "property", "internal", "hidden", "shortcut", "weak",
];
const NODE_FIELDS: [&str; 7] = [
    "type",
    "name",
    "id",
    "self_size",
    "edge_count",
    "trace_node_id",
    "detachedness",
];
const EDGE_FIELDS: [&str; 3] = ["type", "name_or_index", "to_node"];

/// A field list: V8's, or damaged by the fuzzer.
#[derive(Arbitrary, Debug)]
pub enum Fields {
    Standard,
    /// V8's list with one field removed.
    Missing(u8),
    /// V8's list with one field repeated.
    Duplicate(u8),
    /// V8's list with an unknown field inserted.
    Extra(u8),
    /// V8's list rotated.
    Rotated(u8),
    Empty,
}

impl Fields {
    fn apply(&self, std: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = std.iter().map(|s| s.to_string()).collect();
        let k = v.len();
        match *self {
            Fields::Standard => {}
            Fields::Missing(i) => {
                v.remove(i as usize % k);
            }
            Fields::Duplicate(i) => {
                let f = v[i as usize % k].clone();
                v.insert((i as usize / k) % (k + 1), f);
            }
            Fields::Extra(i) => v.insert(i as usize % (k + 1), "extra".into()),
            Fields::Rotated(i) => v.rotate_left(i as usize % k),
            Fields::Empty => v.clear(),
        }
        v
    }
}

#[derive(Arbitrary, Debug)]
pub struct Node {
    pub ty: u8,
    pub name: u16,
    pub id: u32,
    pub self_size: u32,
    pub edges: u8,
}

#[derive(Arbitrary, Debug)]
pub struct Edge {
    pub ty: u8,
    pub name: u16,
    pub to: u16,
}

/// Damage applied to the generated text.
#[derive(Arbitrary, Debug)]
pub enum Damage {
    None,
    /// Cut the text at this fraction (/65536) of its length.
    Truncate(u16),
    /// Replace one byte.
    Byte(u16, u8),
    /// Write `to_node` values as raw (not multiplied by the node field count, not wrapped).
    RawEdgeTargets,
    /// Write edge names / node names without wrapping into the string table.
    RawNames,
    /// Add this much to one node's edge_count.
    EdgeCountSkew(u8, u32),
    /// Write one huge number into `nodes`.
    HugeNumber(u8, u64),
    /// Put `nodes` before the header.
    NodesFirst,
    /// Drop the `strings` array.
    NoStrings,
    /// Write the header twice.
    DuplicateHeader,
}

/// A snapshot description the fuzzer fills in; [`Snap::to_json`] renders it.
#[derive(Arbitrary, Debug)]
pub struct Snap {
    pub node_fields: Fields,
    pub edge_fields: Fields,
    pub node_types_rotate: u8,
    pub node_types_len: u8,
    pub edge_types_rotate: u8,
    pub header_node_count: u64,
    pub header_edge_count: u64,
    pub root_index: Option<u32>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub strings: Vec<String>,
    pub escapes: bool,
    pub damage: Damage,
}

fn json_str(s: &str, escapes: bool) -> String {
    if !escapes {
        return serde_json::to_string(s).unwrap();
    }
    // Every char as \uXXXX (surrogate pairs included), plus a lone surrogate.
    let mut out = String::from("\"");
    for u in s.encode_utf16() {
        out.push_str(&format!("\\u{u:04x}"));
    }
    if s.len() % 3 == 1 {
        out.push_str("\\ud800");
    }
    out.push('"');
    out
}

impl Snap {
    pub fn to_json(&self) -> Vec<u8> {
        let nf = self.node_fields.apply(&NODE_FIELDS);
        let ef = self.edge_fields.apply(&EDGE_FIELDS);
        let mut nt: Vec<&str> = NODE_TYPES.to_vec();
        let k = self.node_types_rotate as usize % nt.len();
        nt.rotate_left(k);
        nt.truncate((self.node_types_len as usize % 20).max(1));
        let mut et: Vec<&str> = EDGE_TYPES.to_vec();
        let k = self.edge_types_rotate as usize % et.len();
        et.rotate_left(k);
        let nstr = self.strings.len().max(1);
        let n = self.nodes.len().max(1);
        let nfc = nf.len().max(1);
        let raw_names = matches!(self.damage, Damage::RawNames);
        let raw_to = matches!(self.damage, Damage::RawEdgeTargets);
        // Edges are handed out to nodes in order; the last node takes the rest.
        let mut edge_counts: Vec<u64> = Vec::with_capacity(n);
        let mut left = self.edges.len() as u64;
        for (i, node) in self.nodes.iter().enumerate() {
            let c = if i + 1 == self.nodes.len() {
                left
            } else {
                (node.edges as u64 % 8).min(left)
            };
            left -= c;
            edge_counts.push(c);
        }
        if let Damage::EdgeCountSkew(i, by) = self.damage {
            if !edge_counts.is_empty() {
                let k = i as usize % edge_counts.len();
                edge_counts[k] += by as u64;
            }
        }
        let mut nodes: Vec<u64> = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            for f in &nf {
                nodes.push(match f.as_str() {
                    "type" => node.ty as u64 % 20,
                    "name" if raw_names => node.name as u64,
                    "name" => node.name as u64 % nstr as u64,
                    "id" => node.id as u64,
                    "self_size" => node.self_size as u64,
                    "edge_count" => edge_counts[i],
                    _ => 0,
                });
            }
        }
        if let Damage::HugeNumber(i, v) = self.damage {
            if !nodes.is_empty() {
                let k = i as usize % nodes.len();
                nodes[k] = v;
            }
        }
        let mut edges: Vec<u64> = Vec::new();
        for e in &self.edges {
            for f in &ef {
                edges.push(match f.as_str() {
                    "type" => e.ty as u64 % 9,
                    "name_or_index" if raw_names => e.name as u64,
                    "name_or_index" => e.name as u64 % nstr as u64,
                    "to_node" if raw_to => e.to as u64,
                    "to_node" => (e.to as u64 % n as u64) * nfc as u64,
                    _ => 0,
                });
            }
        }
        let join = |v: &[u64]| {
            v.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let strs: Vec<String> = self
            .strings
            .iter()
            .map(|s| json_str(s, self.escapes))
            .collect();
        let root = match self.root_index {
            Some(r) => format!(",\"root_index\":{r}"),
            None => String::new(),
        };
        let header = format!(
            "\"snapshot\":{{\"meta\":{{\"node_fields\":{},\"node_types\":[{},\"string\",\"number\"],\"edge_fields\":{},\"edge_types\":[{},\"string_or_number\",\"node\"],\"trace_function_info_fields\":[]}},\"node_count\":{},\"edge_count\":{}{}}}",
            serde_json::to_string(&nf).unwrap(),
            serde_json::to_string(&nt).unwrap(),
            serde_json::to_string(&ef).unwrap(),
            serde_json::to_string(&et).unwrap(),
            self.header_node_count,
            self.header_edge_count,
            root
        );
        let nodes_part = format!("\"nodes\":[{}]", join(&nodes));
        let mut parts = match self.damage {
            Damage::NodesFirst => vec![nodes_part, header.clone()],
            _ => vec![header.clone(), nodes_part],
        };
        if matches!(self.damage, Damage::DuplicateHeader) {
            parts.push(header);
        }
        parts.push(format!("\"edges\":[{}]", join(&edges)));
        parts.push("\"trace_tree\":[],\"samples\":[],\"locations\":[]".into());
        if !matches!(self.damage, Damage::NoStrings) {
            parts.push(format!("\"strings\":[{}]", strs.join(",")));
        }
        let mut text = format!("{{{}}}", parts.join(",\n")).into_bytes();
        match self.damage {
            Damage::Truncate(f) => {
                let k = text.len() * f as usize / 65536;
                text.truncate(k);
            }
            Damage::Byte(at, b) => {
                let k = at as usize % text.len();
                text[k] = b;
            }
            _ => {}
        }
        text
    }
}

/// Builds a snapshot description from fuzzer bytes.
pub fn snap_from(u: &mut Unstructured<'_>) -> arbitrary::Result<Snap> {
    Snap::arbitrary(u)
}

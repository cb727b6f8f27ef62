//! Per-class aggregates (DevTools' "Summary" view) and statistics.
use crate::error::Result;
use crate::graph::{Analysis, BASE_SYSTEM_DISTANCE};
use crate::parse::HeapSnapshot;
use crate::{Control, Stage};

const NONE: u32 = u32::MAX;

/// One class (constructor name, or `(type)` for non-object nodes) of the summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aggregate {
    /// Class name as DevTools shows it: the constructor name for objects and native
    /// nodes, `(system)` for hidden, `(compiled code)` for code, else `(<type>)`.
    pub name: String,
    /// Number of counted instances (nodes with a non-zero shallow size, or native).
    pub count: u64,
    /// Smallest distance from the GC roots among instances ([`crate::NO_DISTANCE`] if none reachable).
    pub distance: u32,
    /// Sum of the shallow sizes of the instances, in bytes.
    pub self_size: u64,
    /// Class retained size in bytes: sum of the retained sizes of the instances that
    /// are not dominated by another instance of the same class (no double counting).
    /// DevTools stores this in a field named `maxRet`.
    pub retained_size: u64,
    /// Largest retained size of a single instance, in bytes.
    pub max_retained: u64,
    /// Node ordinal of the instance with `max_retained`.
    pub max_node: u32,
}

/// The class of every node plus one [`Aggregate`] per class.
#[derive(Debug, Default)]
pub struct Aggregates {
    /// Dense class index of each node ordinal.
    pub node_class: Vec<u32>,
    /// One entry per dense class index (some may have `count == 0`).
    pub classes: Vec<Aggregate>,
}

/// Heap totals by kind, in bytes, with DevTools' rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Statistics {
    /// Retained size of the root: every shallow size in the snapshot.
    pub total: u64,
    /// `total - native`.
    pub v8heap: u64,
    /// Shallow size of `native` nodes reachable from user roots.
    pub native: u64,
    /// Shallow size of `code` nodes.
    pub code: u64,
    /// Shallow size of strings (`string`, `concatenated string`, `sliced string`).
    pub strings: u64,
    /// `Array` objects plus their `elements` backing store when owned alone.
    pub js_arrays: u64,
    /// Shallow size of objects only reachable from system roots.
    pub system: u64,
    /// Number of nodes.
    pub node_count: u64,
    /// Number of edges.
    pub edge_count: u64,
}

/// DevTools' class name of node `n`.
pub fn class_name(s: &HeapSnapshot, n: u32) -> String {
    let t = Some(s.node_type[n as usize]);
    if t == s.node_types.object || t == s.node_types.native {
        return s.node_name_str(n).into_owned();
    }
    if t == s.node_types.hidden {
        return "(system)".to_string();
    }
    if t == s.node_types.code {
        return "(compiled code)".to_string();
    }
    format!("({})", s.node_type_name(n))
}

/// True for the nodes DevTools counts in aggregates: non-zero shallow size, or native.
#[inline]
pub fn counted(s: &HeapSnapshot, n: usize) -> bool {
    s.node_self_size[n] != 0 || Some(s.node_type[n]) == s.node_types.native
}

/// Assigns each node a dense class index (shared by nodes whose DevTools class key
/// is equal: the name string for objects and native nodes, the type otherwise).
pub fn classify(s: &HeapSnapshot) -> (Vec<u32>, Vec<u32>) {
    let nstr = s.strings.len();
    let mut key_to_class = vec![NONE; nstr + 256];
    let mut class_rep: Vec<u32> = Vec::new(); // a representative node per class
    let mut node_class = Vec::with_capacity(s.node_count());
    let (obj, nat) = (s.node_types.object, s.node_types.native);
    for n in 0..s.node_count() {
        let t = s.node_type[n];
        let key = if Some(t) == obj || Some(t) == nat {
            s.node_name[n] as usize
        } else {
            nstr + t as usize
        };
        let mut c = key_to_class[key];
        if c == NONE {
            c = class_rep.len() as u32;
            key_to_class[key] = c;
            class_rep.push(n as u32);
        }
        node_class.push(c);
    }
    (node_class, class_rep)
}

impl Aggregates {
    /// Builds the per-class summary (requires dominators and retained sizes).
    pub fn compute(s: &HeapSnapshot, a: &Analysis, ctl: &mut Control<'_>) -> Result<Aggregates> {
        ctl.report(Stage::Aggregates, 0.0);
        let (node_class, reps) = classify(s);
        let mut classes: Vec<Aggregate> = reps
            .iter()
            .map(|&r| Aggregate {
                name: class_name(s, r),
                distance: crate::NO_DISTANCE,
                max_node: r,
                ..Default::default()
            })
            .collect();
        for n in 0..s.node_count() {
            if !counted(s, n) {
                continue;
            }
            let c = &mut classes[node_class[n] as usize];
            c.count += 1;
            c.self_size += s.node_self_size[n] as u64;
            let d = a.distances[n];
            if d < c.distance {
                c.distance = d;
            }
            let r = a.retained_sizes[n];
            if r > c.max_retained || c.count == 1 {
                c.max_retained = r;
                c.max_node = n as u32;
            }
        }
        ctl.check()?;
        ctl.report(Stage::Aggregates, 0.4);
        class_retained_sizes(s, a, &node_class, &mut classes);
        ctl.report(Stage::Aggregates, 1.0);
        Ok(Aggregates {
            node_class,
            classes,
        })
    }
}

/// Walks the dominator tree from the root; an instance adds its retained size to its
/// class unless an ancestor in the dominator tree is a counted instance of the same class.
fn class_retained_sizes(
    s: &HeapSnapshot,
    a: &Analysis,
    node_class: &[u32],
    classes: &mut [Aggregate],
) {
    let n = s.node_count();
    let root = s.root as usize;
    let mut start = vec![0u32; n + 1];
    for v in 0..n {
        if v != root {
            start[a.dominators[v] as usize + 1] += 1;
        }
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut children = vec![0u32; start[n] as usize];
    {
        let mut fill = start.clone();
        for v in 0..n {
            if v != root {
                let d = a.dominators[v] as usize;
                children[fill[d] as usize] = v as u32;
                fill[d] += 1;
            }
        }
    }
    let mut seen = vec![0u32; classes.len()];
    // Stack entries: (node, next child index, whether this node marked its class seen).
    let mut stack: Vec<(u32, u32, bool)> = Vec::new();
    let enter = |v: usize, seen: &mut [u32], classes: &mut [Aggregate]| -> bool {
        let c = node_class[v] as usize;
        if v != root && seen[c] == 0 && s.node_self_size[v] != 0 {
            classes[c].retained_size += a.retained_sizes[v];
            seen[c] += 1;
            true
        } else {
            false
        }
    };
    let m = enter(root, &mut seen, classes);
    stack.push((root as u32, start[root], m));
    while let Some(top) = stack.last_mut() {
        let v = top.0 as usize;
        if top.1 < start[v + 1] {
            let w = children[top.1 as usize] as usize;
            top.1 += 1;
            let m = enter(w, &mut seen, classes);
            stack.push((w as u32, start[w], m));
        } else {
            if top.2 {
                seen[node_class[v] as usize] -= 1;
            }
            stack.pop();
        }
    }
}

impl Statistics {
    /// Totals by kind, as DevTools' statistics view.
    pub fn compute(s: &HeapSnapshot, a: &Analysis) -> Statistics {
        let n = s.node_count();
        let mut st = Statistics {
            total: a.retained_sizes[s.root as usize],
            node_count: n as u64,
            edge_count: s.edge_count() as u64,
            ..Default::default()
        };
        let nt = &s.node_types;
        let array_names: Vec<u32> = (0..s.strings.len() as u32)
            .filter(|&i| s.strings.bytes(i) == b"Array")
            .collect();
        let elements_names: Vec<u32> = (0..s.strings.len() as u32)
            .filter(|&i| s.strings.bytes(i) == b"elements")
            .collect();
        let mut arrays: Vec<u32> = Vec::new();
        for v in 0..n {
            let size = s.node_self_size[v] as u64;
            if a.distances[v] >= BASE_SYSTEM_DISTANCE {
                st.system += size;
                continue;
            }
            let t = Some(s.node_type[v]);
            if t == nt.native {
                st.native += size;
            } else if t == nt.code {
                st.code += size;
            } else if t == nt.string || t == nt.concatenated_string || t == nt.sliced_string {
                st.strings += size;
            } else if array_names.contains(&s.node_name[v]) {
                arrays.push(v as u32);
            }
        }
        if !arrays.is_empty() {
            let mut retainers = vec![0u8; n];
            for &t in &s.edge_to {
                let r = &mut retainers[t as usize];
                *r = r.saturating_add(1);
            }
            for &v in &arrays {
                let v = v as usize;
                let mut size = s.node_self_size[v] as u64;
                for e in s.first_edge[v]..s.first_edge[v + 1] {
                    let e = e as usize;
                    if Some(s.edge_type[e]) == s.edge_types.internal
                        && elements_names.contains(&s.edge_name[e])
                    {
                        let el = s.edge_to[e] as usize;
                        if retainers[el] == 1 {
                            size += s.node_self_size[el] as u64;
                        }
                        break;
                    }
                }
                st.js_arrays += size;
            }
        }
        st.v8heap = st.total - st.native.min(st.total);
        st
    }
}

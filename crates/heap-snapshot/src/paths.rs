//! Shortest retainer paths from the GC roots (weak edges skipped).
use crate::aggregate::class_name;
use crate::graph::Analysis;
use crate::parse::HeapSnapshot;

/// One hop of a retainer path: the edge followed and the node it leads to.
#[derive(Debug, Clone, PartialEq)]
pub struct RetainerStep {
    /// Edge type (`property`, `element`, `context`, `internal`, `hidden`, `shortcut`, ...).
    pub edge_type: String,
    /// Edge name, or the element index as text.
    pub edge_name: String,
    /// Class name of the node reached (DevTools' rules).
    pub class_name: String,
    /// Raw node name of the node reached.
    pub node_name: String,
    /// Node type of the node reached.
    pub node_type: String,
    /// V8 object id of the node reached.
    pub node_id: u32,
}

/// A path from the snapshot root to a node, with a one-line rendering.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RetainerPath {
    /// Hops from the root to the target, in order; empty if the target is unreachable.
    pub steps: Vec<RetainerStep>,
    /// DevTools-like rendering: `(GC roots) → global (Object) → cache (Map) → {table} (system / OrderedHashMap) → [3] (LeakedSession)`.
    pub text: String,
}

fn edge_label(s: &HeapSnapshot, e: u32) -> String {
    let name = s.edge_name_str(e);
    let t = Some(s.edge_type[e as usize]);
    let et = &s.edge_types;
    if t == et.element {
        format!("[{name}]")
    } else if t == et.hidden || t == et.internal {
        format!("{{{name}}}")
    } else if t == et.context {
        format!("->{name}")
    } else if t == et.weak {
        format!("[[{name}]]")
    } else {
        name
    }
}

fn node_label(s: &HeapSnapshot, n: u32) -> String {
    let t = Some(s.node_type[n as usize]);
    if t == s.node_types.object || t == s.node_types.native || t == s.node_types.synthetic {
        return s.node_name_str(n).into_owned();
    }
    let name = s.node_name_str(n);
    let cls = class_name(s, n);
    if t == s.node_types.closure && !name.is_empty() {
        return format!("{name}()");
    }
    cls
}

/// The shortest path from the root to node ordinal `target` following the
/// breadth-first tree of [`Analysis::distances`] (user roots first, weak edges skipped).
pub fn retainer_path(s: &HeapSnapshot, a: &Analysis, target: u32) -> RetainerPath {
    let mut edges = Vec::new();
    let mut v = target;
    let limit = s.node_count();
    while v != s.root && edges.len() <= limit {
        let e = match a.bfs_parent_edge.get(v as usize) {
            Some(&e) if e != u32::MAX => e,
            _ => return RetainerPath::default(),
        };
        edges.push(e);
        v = s.edge_source(e);
    }
    edges.reverse();
    let mut text = String::new();
    let mut steps = Vec::with_capacity(edges.len());
    for (i, &e) in edges.iter().enumerate() {
        let to = s.edge_to[e as usize];
        let label = node_label(s, to);
        if i == 0 {
            if Some(s.node_type[to as usize]) != s.node_types.synthetic {
                // A user root (global object) hangs off the snapshot root.
                text.push_str("(GC roots) → ");
            }
            text.push_str(&label);
        } else {
            text.push_str(" → ");
            text.push_str(&edge_label(s, e));
            text.push(' ');
            if label.starts_with('(') {
                text.push_str(&label);
            } else {
                text.push('(');
                text.push_str(&label);
                text.push(')');
            }
        }
        steps.push(RetainerStep {
            edge_type: s.edge_type_name(e).to_string(),
            edge_name: s.edge_name_str(e),
            class_name: class_name(s, to),
            node_name: s.node_name_str(to).into_owned(),
            node_type: s.node_type_name(to).to_string(),
            node_id: s.node_id[to as usize],
        });
    }
    RetainerPath { steps, text }
}

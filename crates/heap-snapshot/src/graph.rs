//! Derived graph data, in DevTools' order: distances from the GC roots,
//! page-owned flags, dominators (semi-NCA) and retained sizes.
use crate::error::Result;
use crate::parse::HeapSnapshot;
use crate::{Control, Stage};

/// Distance of a node not reachable from the root (without weak edges).
pub const NO_DISTANCE: u32 = u32::MAX;
/// Distances of objects reached only from system roots start here (DevTools' `baseSystemDistance`).
pub const BASE_SYSTEM_DISTANCE: u32 = 100_000_000;
const NONE: u32 = u32::MAX;
const CHECK_EVERY: usize = 1 << 20;

/// Per-node derived data of a [`HeapSnapshot`], indexed by node ordinal.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Hops from the nearest user root (a non-synthetic child of the root, e.g. the
    /// global object) or, for objects reached only through system roots,
    /// [`BASE_SYSTEM_DISTANCE`] + hops from the root. [`NO_DISTANCE`] if unreachable.
    pub distances: Vec<u32>,
    /// The edge (ordinal) through which the breadth-first search first reached each
    /// node; `u32::MAX` for the root and unreachable nodes. Gives shortest retainer paths.
    pub bfs_parent_edge: Vec<u32>,
    /// Immediate dominator (node ordinal) of each node; the root dominates itself,
    /// and nodes unreachable through essential edges are attached to the root.
    pub dominators: Vec<u32>,
    /// Retained size in bytes: shallow size of the node plus that of all nodes it dominates.
    pub retained_sizes: Vec<u64>,
}

struct Filters {
    sloppy_function_map: Vec<u32>,
    native_context: Vec<u32>,
    map_descriptors: Vec<u32>,
    document_dom_trees: Vec<u32>,
}

fn string_indices(s: &HeapSnapshot, want: &str) -> Vec<u32> {
    (0..s.strings.len() as u32)
        .filter(|&i| s.strings.bytes(i) == want.as_bytes())
        .collect()
}

impl Analysis {
    /// Computes distances, dominators and retained sizes.
    pub fn compute(s: &HeapSnapshot, ctl: &mut Control<'_>) -> Result<Analysis> {
        let f = Filters {
            sloppy_function_map: string_indices(s, "sloppy_function_map"),
            native_context: string_indices(s, "system / NativeContext"),
            map_descriptors: string_indices(s, "(map descriptors)"),
            document_dom_trees: string_indices(s, "(Document DOM trees)"),
        };
        ctl.report(Stage::Distances, 0.0);
        // Distances and dominators are independent: compute them on two threads.
        let cancel = ctl.cancel_flag();
        let (dist, doms) = std::thread::scope(|scope| {
            let f = &f;
            let h = scope.spawn(move || compute_distances(s, f, &mut Control::new(cancel, None)));
            let page = page_owned(s, f);
            ctl.report(Stage::Dominators, 0.0);
            let doms = dominators_and_retained(s, &page, ctl);
            drop(page);
            let dist = h.join().unwrap_or_else(|_| {
                Err(crate::SnapshotError::invalid(
                    "distance computation panicked",
                ))
            });
            (dist, doms)
        });
        // Distances ran alongside the dominators: their end is not reported separately.
        let (distances, bfs_parent_edge) = dist?;
        let (dominators, retained_sizes) = doms?;
        ctl.report(Stage::RetainedSizes, 1.0);
        Ok(Analysis {
            distances,
            bfs_parent_edge,
            dominators,
            retained_sizes,
        })
    }
}

#[inline]
fn is_user_root(s: &HeapSnapshot, f: &Filters, n: u32) -> bool {
    let t = Some(s.node_type[n as usize]);
    t != s.node_types.synthetic || f.document_dom_trees.contains(&s.node_name[n as usize])
}

fn compute_distances(
    s: &HeapSnapshot,
    f: &Filters,
    ctl: &mut Control<'_>,
) -> Result<(Vec<u32>, Vec<u32>)> {
    let n = s.node_count();
    let mut dist = vec![NO_DISTANCE; n];
    let mut parent = vec![NONE; n];
    let mut queue: Vec<u32> = Vec::with_capacity(n);
    let root = s.root;
    let (r0, r1) = (s.first_edge[root as usize], s.first_edge[root as usize + 1]);
    for e in r0..r1 {
        let c = s.edge_to[e as usize];
        if c != root && dist[c as usize] == NO_DISTANCE && is_user_root(s, f, c) {
            dist[c as usize] = 1;
            parent[c as usize] = e;
            queue.push(c);
        }
    }
    let had_user_roots = !queue.is_empty();
    bfs(s, f, &mut dist, &mut parent, &mut queue, ctl)?;
    dist[root as usize] = if had_user_roots {
        BASE_SYSTEM_DISTANCE
    } else {
        0
    };
    queue.clear();
    queue.push(root);
    bfs(s, f, &mut dist, &mut parent, &mut queue, ctl)?;
    Ok((dist, parent))
}

fn bfs(
    s: &HeapSnapshot,
    f: &Filters,
    dist: &mut [u32],
    parent: &mut [u32],
    queue: &mut Vec<u32>,
    ctl: &mut Control<'_>,
) -> Result<()> {
    let weak = s.edge_types.weak;
    let (hidden, array) = (s.node_types.hidden, s.node_types.array);
    let (el, hi) = (s.edge_types.element, s.edge_types.hidden);
    let mut head = 0;
    while head < queue.len() {
        if head % CHECK_EVERY == 0 {
            ctl.check()?;
        }
        let v = queue[head];
        head += 1;
        let d = dist[v as usize].saturating_add(1);
        let vt = Some(s.node_type[v as usize]);
        // DevTools' distance filter: skip NativeContext's sloppy_function_map and the
        // key/descriptor links of descriptor arrays (maps may share them).
        let special_hidden = vt == hidden && f.native_context.contains(&s.node_name[v as usize]);
        let special_array = vt == array && f.map_descriptors.contains(&s.node_name[v as usize]);
        let (e0, e1) = (s.first_edge[v as usize], s.first_edge[v as usize + 1]);
        for e in e0..e1 {
            let eu = e as usize;
            let t = Some(s.edge_type[eu]);
            if t == weak {
                continue;
            }
            let c = s.edge_to[eu] as usize;
            if dist[c] != NO_DISTANCE {
                continue;
            }
            if special_hidden
                && t != el
                && t != hi
                && f.sloppy_function_map.contains(&s.edge_name[eu])
            {
                continue;
            }
            if special_array && (t == el || t == hi) {
                let idx = s.edge_name[eu];
                if idx >= 2 && idx % 3 == 1 {
                    continue;
                }
            }
            dist[c] = d;
            parent[c] = e;
            queue.push(c as u32);
        }
    }
    Ok(())
}

/// Nodes reachable from the root's shortcut edges (the global objects) without weak
/// edges: DevTools' "page-owned" objects. Edges from other objects to these are not
/// used for dominators, so that e.g. the debugger's references do not change them.
fn page_owned(s: &HeapSnapshot, f: &Filters) -> Vec<bool> {
    let n = s.node_count();
    let mut page = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let root = s.root as usize;
    for e in s.first_edge[root]..s.first_edge[root + 1] {
        let t = Some(s.edge_type[e as usize]);
        let c = s.edge_to[e as usize];
        let entry = if t == s.edge_types.element {
            Some(s.node_type[c as usize]) == s.node_types.synthetic
                && f.document_dom_trees.contains(&s.node_name[c as usize])
        } else {
            t == s.edge_types.shortcut
        };
        if entry && !page[c as usize] {
            page[c as usize] = true;
            stack.push(c);
        }
    }
    let weak = s.edge_types.weak;
    while let Some(v) = stack.pop() {
        for e in s.first_edge[v as usize]..s.first_edge[v as usize + 1] {
            let c = s.edge_to[e as usize] as usize;
            if page[c] || Some(s.edge_type[e as usize]) == weak {
                continue;
            }
            page[c] = true;
            stack.push(c as u32);
        }
    }
    page
}

/// Semi-NCA dominators over the essential edges (not weak; shortcut only from the
/// root; not from a non-page-owned object to a page-owned one), then retained sizes.
fn dominators_and_retained(
    s: &HeapSnapshot,
    page: &[bool],
    ctl: &mut Control<'_>,
) -> Result<(Vec<u32>, Vec<u64>)> {
    let n = s.node_count();
    let root = s.root;
    let weak = s.edge_types.weak;
    let shortcut = s.edge_types.shortcut;
    let essential = |v: u32, e: usize, w: u32| -> bool {
        let t = Some(s.edge_type[e]);
        if t == weak {
            return false;
        }
        if v == root {
            return true;
        }
        if t == shortcut {
            return false;
        }
        !page[w as usize] || page[v as usize]
    };

    // Depth-first preorder numbering from the root. Every edge of every reached
    // node is looked at once here: mark the essential ones and count predecessors.
    let m = s.edge_count();
    let mut ess = vec![0u64; m.div_ceil(64)];
    // pred_pos[w + 1] counts essential in-edges of node w (by ordinal).
    let mut pred_pos = vec![0u32; n + 1];
    let mut node_to_pre = vec![NONE; n];
    let mut pre_to_node: Vec<u32> = Vec::with_capacity(n);
    let mut parent: Vec<u32> = Vec::with_capacity(n);
    {
        let mut st_node: Vec<u32> = Vec::new();
        let mut st_edge: Vec<u32> = Vec::new();
        node_to_pre[root as usize] = 0;
        pre_to_node.push(root);
        parent.push(0);
        st_node.push(root);
        st_edge.push(s.first_edge[root as usize]);
        let mut steps = 0usize;
        while let Some(&v) = st_node.last() {
            let top = st_edge.len() - 1;
            let e = st_edge[top];
            if e < s.first_edge[v as usize + 1] {
                st_edge[top] = e + 1;
                let w = s.edge_to[e as usize];
                if essential(v, e as usize, w) {
                    ess[e as usize >> 6] |= 1u64 << (e & 63);
                    pred_pos[w as usize + 1] += 1;
                    if node_to_pre[w as usize] == NONE {
                        node_to_pre[w as usize] = pre_to_node.len() as u32;
                        parent.push(node_to_pre[v as usize]);
                        pre_to_node.push(w);
                        st_node.push(w);
                        st_edge.push(s.first_edge[w as usize]);
                    }
                }
                steps += 1;
                if steps.is_multiple_of(CHECK_EVERY) {
                    ctl.check()?;
                }
            } else {
                st_node.pop();
                st_edge.pop();
            }
        }
    }
    let reached = pre_to_node.len();
    ctl.report(Stage::Dominators, 0.2);

    // Predecessors (preorder numbers) over essential edges, CSR by node ordinal:
    // after the fill, the predecessors of w are preds[pred_pos[w]..pred_pos[w + 1]].
    for i in 0..n {
        pred_pos[i + 1] += pred_pos[i];
    }
    let total = pred_pos[n] as usize;
    let mut preds = vec![0u32; total];
    for p in 0..reached {
        let v = pre_to_node[p];
        for e in s.first_edge[v as usize]..s.first_edge[v as usize + 1] {
            if ess[e as usize >> 6] & (1u64 << (e & 63)) != 0 {
                // Fill each node's range from its end; the counter ends at its start.
                let w = s.edge_to[e as usize] as usize + 1;
                pred_pos[w] -= 1;
                preds[pred_pos[w] as usize] = p as u32;
            }
        }
    }
    // pred_pos[w + 1] now holds the start of w; shift down by one.
    pred_pos.remove(0);
    pred_pos.push(total as u32);
    drop(ess);
    ctl.check()?;
    ctl.report(Stage::Dominators, 0.4);

    // Semi-dominators with path compression, in reverse preorder.
    let mut semi: Vec<u32> = (0..reached as u32).collect();
    let mut label: Vec<u32> = (0..reached as u32).collect();
    let mut anc = parent.clone();
    let mut stack: Vec<u32> = Vec::new();
    for w in (1..reached).rev() {
        if w % CHECK_EVERY == 0 {
            ctl.check()?;
        }
        let mut sw = parent[w];
        let last = w as u32 + 1;
        let node = pre_to_node[w] as usize;
        for &v in &preds[pred_pos[node] as usize..pred_pos[node + 1] as usize] {
            let u = eval(v, last, &mut anc, &mut label, &semi, &mut stack);
            let su = semi[u as usize];
            if su < sw {
                sw = su;
            }
        }
        semi[w] = sw;
    }
    drop(preds);
    drop(pred_pos);
    drop(anc);
    drop(label);
    ctl.report(Stage::Dominators, 0.8);
    // Nearest common ancestor step: idom(w) is the nearest ancestor of parent(w) at or above semi(w).
    let mut idom = parent;
    for w in 1..reached {
        let sw = semi[w];
        let mut c = idom[w];
        while c > sw {
            c = idom[c as usize];
        }
        idom[w] = c;
    }
    drop(semi);
    ctl.report(Stage::Dominators, 1.0);
    ctl.report(Stage::RetainedSizes, 0.0);

    let mut dominators = vec![root; n];
    let mut retained: Vec<u64> = s.node_self_size.iter().map(|&x| x as u64).collect();
    for p in (1..reached).rev() {
        let v = pre_to_node[p];
        let d = pre_to_node[idom[p] as usize];
        dominators[v as usize] = d;
        retained[d as usize] += retained[v as usize];
    }
    // Nodes not reachable through essential edges hang off the root, as in DevTools.
    for v in 0..n {
        if node_to_pre[v] == NONE {
            retained[root as usize] += retained[v];
        }
    }
    Ok((dominators, retained))
}

#[inline]
fn eval(
    v: u32,
    last: u32,
    anc: &mut [u32],
    label: &mut [u32],
    semi: &[u32],
    stack: &mut Vec<u32>,
) -> u32 {
    if anc[v as usize] < last {
        return label[v as usize];
    }
    stack.clear();
    let mut x = v;
    loop {
        stack.push(x);
        x = anc[x as usize];
        if anc[x as usize] < last {
            break;
        }
    }
    let mut p = x;
    let mut p_label = label[p as usize];
    while let Some(y) = stack.pop() {
        anc[y as usize] = anc[p as usize];
        let yl = label[y as usize];
        if semi[p_label as usize] < semi[yl as usize] {
            label[y as usize] = p_label;
        } else {
            p_label = yl;
        }
        p = y;
    }
    label[v as usize]
}

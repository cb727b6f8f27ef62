//! Comparison of two snapshots of one process by V8 object id, grouped by class
//! (DevTools' "Comparison" view).
use std::collections::HashMap;

use crate::aggregate::{class_name, classify, counted};
use crate::error::Result;
use crate::graph::Analysis;
use crate::parse::HeapSnapshot;
use crate::{Control, Stage};

/// Changes of one class between two snapshots. Sizes are shallow sizes in bytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassDiff {
    /// Class name (DevTools' rules, see [`crate::Aggregate::name`]).
    pub name: String,
    /// Instances in the second snapshot whose id is not in the first (allocated in between and still alive).
    pub added_count: u64,
    /// Instances of the first snapshot whose id is gone from the second (collected in between).
    pub removed_count: u64,
    /// `added_count - removed_count`.
    pub count_delta: i64,
    /// Shallow size of the added instances.
    pub added_size: u64,
    /// Shallow size of the removed instances.
    pub removed_size: u64,
    /// `added_size - removed_size`.
    pub size_delta: i64,
    /// Node ordinal (in the second snapshot) of the added instance with the largest
    /// retained size, or of the first added one when retained sizes are not given.
    pub representative: Option<u32>,
}

/// Per-class differences, sorted by `size_delta` (largest growth first), then name.
#[derive(Debug, Clone, Default)]
pub struct SnapshotDiff {
    /// Classes with at least one added or removed instance.
    pub classes: Vec<ClassDiff>,
    /// Ordinals (in the second snapshot) of the added instances, in id order.
    pub added: Vec<u32>,
}

/// An object of the first snapshot that holds objects added since: the nearest
/// dominator, in the second snapshot, of each added object that was already there.
/// Summed over its added objects, it says which existing object the growth
/// accumulated under (a `Map` cache, an array, a listener list...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GrowthOwner {
    /// Node ordinal in the second snapshot.
    pub node: u32,
    /// Added objects it dominates through added objects only.
    pub added_count: u64,
    /// Shallow size of those added objects, bytes.
    pub added_size: u64,
}

/// The existing objects under which the added ones accumulated, largest `added_size`
/// first (at most `top`). `added` are the added ordinals of a [`SnapshotDiff`] of
/// `before` → `after`; `a` is the analysis of `after`. Owners that are the root or
/// synthetic nodes (GC roots categories) are left out: growth held by them is
/// not under one object.
pub fn growth_owners(
    after: &HeapSnapshot,
    a: &Analysis,
    added: &[u32],
    top: usize,
) -> Vec<GrowthOwner> {
    const NONE: u32 = u32::MAX;
    let n_nodes = after.node_count();
    let mut is_added = vec![false; n_nodes];
    for &n in added {
        is_added[n as usize] = true;
    }
    // owner[n] of each added node: the first non-added node up its dominator chain,
    // memoised along the walk (each node is visited once overall).
    let mut owner = vec![NONE; n_nodes];
    let mut walk: Vec<u32> = Vec::new();
    let mut totals: HashMap<u32, (u64, u64)> = HashMap::new();
    for &n in added {
        let mut x = n;
        walk.clear();
        let o = loop {
            let xi = x as usize;
            if !is_added[xi] {
                break x;
            }
            if owner[xi] != NONE {
                break owner[xi];
            }
            walk.push(x);
            let d = a.dominators[xi];
            if d == x || d as usize >= n_nodes {
                break after.root; // reached the root: no earlier object holds it
            }
            x = d;
        };
        for &w in &walk {
            owner[w as usize] = o;
        }
        let t = totals.entry(o).or_insert((0, 0));
        t.0 += 1;
        t.1 += after.node_self_size[n as usize] as u64;
    }
    let synthetic = after.node_types.synthetic;
    let mut out: Vec<GrowthOwner> = totals
        .into_iter()
        .filter(|&(o, _)| o != after.root && Some(after.node_type[o as usize]) != synthetic)
        .map(|(node, (added_count, added_size))| GrowthOwner {
            node,
            added_count,
            added_size,
        })
        .collect();
    out.sort_by(|x, y| y.added_size.cmp(&x.added_size).then(x.node.cmp(&y.node)));
    out.truncate(top);
    out
}

/// Sorts `keys` (id in the high 32 bits) by id with a least-significant-digit radix sort.
fn radix_sort_by_id(keys: &mut Vec<u64>) {
    let mut tmp = vec![0u64; keys.len()];
    for pass in 0..4 {
        let shift = 32 + pass * 8;
        let mut count = [0usize; 257];
        for &k in keys.iter() {
            count[((k >> shift) & 0xff) as usize + 1] += 1;
        }
        if count[1..].contains(&keys.len()) {
            continue; // every key has the same digit: the pass would not move anything
        }
        for i in 0..256 {
            count[i + 1] += count[i];
        }
        for &k in keys.iter() {
            let d = ((k >> shift) & 0xff) as usize;
            tmp[count[d]] = k;
            count[d] += 1;
        }
        std::mem::swap(keys, &mut tmp);
    }
}

fn sorted_keys(s: &HeapSnapshot) -> Vec<u64> {
    let mut keys: Vec<u64> = (0..s.node_count())
        .filter(|&n| counted(s, n))
        .map(|n| ((s.node_id[n] as u64) << 32) | n as u64)
        .collect();
    radix_sort_by_id(&mut keys);
    keys
}

/// Compares `before` and `after` by node id per class. `after_retained` (retained
/// sizes of `after`, by ordinal) picks the representative added instance of each class.
/// Only node arrays are needed from `before` (it may be parsed with `skip_edges`).
pub fn diff_snapshots(
    before: &HeapSnapshot,
    after: &HeapSnapshot,
    after_retained: Option<&[u64]>,
    ctl: &mut Control<'_>,
) -> Result<SnapshotDiff> {
    ctl.report(Stage::Diff, 0.0);
    // The per-snapshot work (classes, id-sorted keys) runs on two threads.
    let (before_part, after_part) = std::thread::scope(|scope| {
        let h = scope.spawn(|| {
            let (c, r) = classify(before);
            (c, r, sorted_keys(before))
        });
        let (c, r) = classify(after);
        let mine = (c, r, sorted_keys(after));
        (h.join(), mine)
    });
    let (class_b, reps_b, kb) =
        before_part.map_err(|_| crate::SnapshotError::invalid("diff computation panicked"))?;
    let (class_a, reps_a, ka) = after_part;
    ctl.report(Stage::Diff, 0.6);
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut out: Vec<ClassDiff> = Vec::new();
    let mut global = |name: String, out: &mut Vec<ClassDiff>| -> u32 {
        *ids.entry(name.clone()).or_insert_with(|| {
            out.push(ClassDiff {
                name,
                ..Default::default()
            });
            (out.len() - 1) as u32
        })
    };
    let map_b: Vec<u32> = reps_b
        .iter()
        .map(|&r| global(class_name(before, r), &mut out))
        .collect();
    let map_a: Vec<u32> = reps_a
        .iter()
        .map(|&r| global(class_name(after, r), &mut out))
        .collect();
    ctl.check()?;
    let mut best: Vec<u64> = vec![0; out.len()];
    let mut added: Vec<u32> = Vec::new();
    let mut add = |n: usize, out: &mut Vec<ClassDiff>| {
        added.push(n as u32);
        let c = map_a[class_a[n] as usize] as usize;
        let d = &mut out[c];
        d.added_count += 1;
        d.added_size += after.node_self_size[n] as u64;
        let r = after_retained.map(|r| r[n]).unwrap_or(0);
        if d.representative.is_none() || r > best[c] {
            best[c] = r;
            d.representative = Some(n as u32);
        }
    };
    let remove = |n: usize, out: &mut Vec<ClassDiff>| {
        let d = &mut out[map_b[class_b[n] as usize] as usize];
        d.removed_count += 1;
        d.removed_size += before.node_self_size[n] as u64;
    };
    let (mut i, mut j) = (0, 0);
    while i < kb.len() || j < ka.len() {
        let idb = kb.get(i).map(|k| k >> 32);
        let ida = ka.get(j).map(|k| k >> 32);
        match (idb, ida) {
            (Some(b), Some(a)) if a == b => {
                let nb = (kb[i] & 0xffff_ffff) as usize;
                let na = (ka[j] & 0xffff_ffff) as usize;
                if map_b[class_b[nb] as usize] != map_a[class_a[na] as usize] {
                    remove(nb, &mut out);
                    add(na, &mut out);
                }
                i += 1;
                j += 1;
            }
            (Some(b), Some(a)) if b < a => {
                remove((kb[i] & 0xffff_ffff) as usize, &mut out);
                i += 1;
            }
            (Some(_), None) => {
                remove((kb[i] & 0xffff_ffff) as usize, &mut out);
                i += 1;
            }
            _ => {
                add((ka[j] & 0xffff_ffff) as usize, &mut out);
                j += 1;
            }
        }
    }
    let mut classes: Vec<ClassDiff> = out
        .into_iter()
        .filter(|d| d.added_count > 0 || d.removed_count > 0)
        .map(|mut d| {
            d.count_delta = d.added_count as i64 - d.removed_count as i64;
            d.size_delta = d.added_size as i64 - d.removed_size as i64;
            d
        })
        .collect();
    classes.sort_by(|x, y| {
        y.size_delta
            .cmp(&x.size_delta)
            .then_with(|| x.name.cmp(&y.name))
    });
    ctl.report(Stage::Diff, 1.0);
    Ok(SnapshotDiff { classes, added })
}

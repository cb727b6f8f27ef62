//! One-call analyses of snapshot files, producing plain report structs.
use std::path::Path;
use std::time::Instant;

use crate::aggregate::{class_name, Aggregate, Aggregates, Statistics};
use crate::diff::{diff_snapshots, growth_owners, ClassDiff};
use crate::error::Result;
use crate::graph::{Analysis, BASE_SYSTEM_DISTANCE};
use crate::parse::{HeapSnapshot, ParseOptions};
use crate::paths::{retainer_path, RetainerPath};
use crate::{Control, Stage};

/// Options of [`analyze_file`].
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// How many classes to return, largest class retained size first (0 = all).
    pub top: usize,
    /// How many individual objects with the largest retained sizes to return, each with its retainer path.
    pub largest: usize,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            top: 20,
            largest: 10,
        }
    }
}

/// Options of [`diff_files`].
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// How many classes to return, largest `size_delta` first (0 = all changed classes).
    pub top: usize,
    /// For how many of the top growing classes to compute a retainer path of a representative added instance.
    pub paths: usize,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions { top: 20, paths: 5 }
    }
}

/// Wall-clock time of each stage, in milliseconds.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// `(stage name, milliseconds)` in execution order.
    pub stages: Vec<(&'static str, f64)>,
    /// Sum of all stages.
    pub total_ms: f64,
}

impl Timings {
    fn add(&mut self, name: &'static str, t: Instant) -> Instant {
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        self.stages.push((name, ms));
        self.total_ms += ms;
        Instant::now()
    }
}

/// One object of a snapshot.
#[derive(Debug, Clone, Default)]
pub struct NodeInfo {
    /// V8 object id (stable across snapshots of one process).
    pub id: u32,
    /// Raw node name.
    pub name: String,
    /// Class name (DevTools' rules).
    pub class_name: String,
    /// Node type (`object`, `closure`, `array`, ...).
    pub node_type: String,
    /// Shallow size in bytes.
    pub self_size: u64,
    /// Retained size in bytes.
    pub retained_size: u64,
    /// Distance from the GC roots ([`crate::NO_DISTANCE`] if unreachable).
    pub distance: u32,
    /// Shortest retainer path from the GC roots.
    pub retainer_path: RetainerPath,
}

/// Result of [`analyze_file`].
#[derive(Debug, Clone, Default)]
pub struct AnalysisReport {
    /// Totals by kind.
    pub statistics: Statistics,
    /// Number of distinct classes.
    pub class_count: u64,
    /// Top classes by class retained size.
    pub aggregates: Vec<Aggregate>,
    /// Objects with the largest retained sizes (user roots, code and system nodes excluded).
    pub largest: Vec<NodeInfo>,
    /// Time per stage.
    pub timings: Timings,
}

/// A growing (or shrinking) class of a diff, with a retainer path of a representative new instance.
#[derive(Debug, Clone, Default)]
pub struct ClassGrowth {
    /// The per-class counts and sizes.
    pub diff: ClassDiff,
    /// Largest added instance (by retained size in the second snapshot), if any.
    pub representative: Option<NodeInfo>,
}

/// An existing object that holds added objects (see [`crate::GrowthOwner`]).
#[derive(Debug, Clone, Default)]
pub struct OwnerGrowth {
    /// The holding object, in the second snapshot.
    pub node: NodeInfo,
    /// Added objects held (dominated through added objects only).
    pub added_count: u64,
    /// Shallow size of those added objects, bytes.
    pub added_size: u64,
}

/// Result of [`diff_files`].
#[derive(Debug, Clone, Default)]
pub struct DiffReport {
    /// Statistics of the first snapshot (`edge_count` is 0: its edges are not loaded).
    pub before: Statistics,
    /// Statistics of the second snapshot.
    pub after: Statistics,
    /// Changed classes, largest `size_delta` first, cut to `top`.
    pub classes: Vec<ClassGrowth>,
    /// Number of changed classes before the cut.
    pub changed_class_count: u64,
    /// Objects of the first snapshot under which the added objects accumulated
    /// (their nearest old dominator), largest added size first, at most `paths`,
    /// each with its retainer path: where the growth is held.
    pub owners: Vec<OwnerGrowth>,
    /// Sum over all classes.
    pub totals: ClassDiff,
    /// Time per stage.
    pub timings: Timings,
}

pub(crate) fn node_info(s: &HeapSnapshot, a: &Analysis, n: u32) -> NodeInfo {
    let i = n as usize;
    NodeInfo {
        id: s.node_id[i],
        name: s.node_name_str(n).into_owned(),
        class_name: class_name(s, n),
        node_type: s.node_type_name(n).to_string(),
        self_size: s.node_self_size[i] as u64,
        retained_size: a.retained_sizes[i],
        distance: a.distances[i],
        retainer_path: retainer_path(s, a, n),
    }
}

fn largest_nodes(s: &HeapSnapshot, a: &Analysis, k: usize) -> Vec<u32> {
    if k == 0 {
        return Vec::new();
    }
    let nt = &s.node_types;
    let mut heap: std::collections::BinaryHeap<std::cmp::Reverse<(u64, u32)>> = Default::default();
    for n in 0..s.node_count() {
        let d = a.distances[n];
        if !(2..BASE_SYSTEM_DISTANCE).contains(&d) {
            continue;
        }
        let t = Some(s.node_type[n]);
        if t == nt.synthetic || t == nt.hidden || t == nt.code {
            continue;
        }
        let r = a.retained_sizes[n];
        if heap.len() < k {
            heap.push(std::cmp::Reverse((r, n as u32)));
        } else if let Some(top) = heap.peek() {
            if r > top.0 .0 {
                heap.pop();
                heap.push(std::cmp::Reverse((r, n as u32)));
            }
        }
    }
    let mut v: Vec<(u64, u32)> = heap.into_iter().map(|r| r.0).collect();
    v.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    v.into_iter().map(|x| x.1).collect()
}

/// Analyses an already parsed snapshot.
pub fn analyze_snapshot(
    s: &HeapSnapshot,
    opts: &AnalyzeOptions,
    ctl: &mut Control<'_>,
) -> Result<(AnalysisReport, Analysis)> {
    let mut timings = Timings::default();
    let t = Instant::now();
    let a = Analysis::compute(s, ctl)?;
    let t = timings.add("graph", t);
    ctl.check()?;
    // Statistics (a pass over all edges) run beside the aggregates.
    let (aggs, statistics) = std::thread::scope(|scope| {
        let h = scope.spawn(|| Statistics::compute(s, &a));
        let aggs = Aggregates::compute(s, &a, ctl);
        (aggs, h.join())
    });
    let aggs = aggs?;
    let statistics =
        statistics.map_err(|_| crate::SnapshotError::invalid("statistics computation panicked"))?;
    let class_count = aggs.classes.iter().filter(|c| c.count > 0).count() as u64;
    let mut classes: Vec<Aggregate> = aggs.classes.into_iter().filter(|c| c.count > 0).collect();
    classes.sort_by(|x, y| {
        y.retained_size
            .cmp(&x.retained_size)
            .then_with(|| x.name.cmp(&y.name))
    });
    if opts.top > 0 {
        classes.truncate(opts.top);
    }
    let t = timings.add("aggregates", t);
    ctl.report(Stage::RetainerPaths, 0.0);
    let largest = largest_nodes(s, &a, opts.largest)
        .into_iter()
        .map(|n| node_info(s, &a, n))
        .collect();
    ctl.report(Stage::RetainerPaths, 1.0);
    timings.add("retainerPaths", t);
    Ok((
        AnalysisReport {
            statistics,
            class_count,
            aggregates: classes,
            largest,
            timings,
        },
        a,
    ))
}

/// Parses `path` (plain or gzip) and computes distances, dominators, retained sizes,
/// the per-class summary, statistics and the largest objects with retainer paths.
pub fn analyze_file(
    path: &Path,
    opts: &AnalyzeOptions,
    ctl: &mut Control<'_>,
) -> Result<AnalysisReport> {
    let t = Instant::now();
    let s = HeapSnapshot::from_file(path, ctl)?;
    let parse_ms = t.elapsed().as_secs_f64() * 1000.0;
    let (mut r, _) = analyze_snapshot(&s, opts, ctl).map_err(|e| e.with_path(path))?;
    r.timings.stages.insert(0, ("parse", parse_ms));
    r.timings.total_ms += parse_ms;
    Ok(r)
}

/// Compares two snapshots of one process: `before` is parsed without edges (only
/// ids, names and sizes are needed), `after` is fully analysed so that growing
/// classes come with a retainer path of their largest new instance.
pub fn diff_files(
    before: &Path,
    after: &Path,
    opts: &DiffOptions,
    ctl: &mut Control<'_>,
) -> Result<DiffReport> {
    let mut timings = Timings::default();
    let t = Instant::now();
    // Both files are parsed at once: the first (nodes only) on a helper thread.
    let cancel = ctl.cancel_flag();
    let (b, s) = std::thread::scope(|scope| {
        let h = scope.spawn(move || {
            HeapSnapshot::from_file_with(
                before,
                ParseOptions { skip_edges: true },
                &mut Control::new(cancel, None),
            )
        });
        let s = HeapSnapshot::from_file(after, ctl);
        let b = h.join().unwrap_or_else(|_| {
            Err(crate::SnapshotError::invalid("parsing panicked").with_path(before))
        });
        (b, s)
    });
    let (b, s) = (b?, s?);
    let t = timings.add("parse", t);
    let a = Analysis::compute(&s, ctl).map_err(|e| e.with_path(after))?;
    let t = timings.add("graph", t);
    let d = diff_snapshots(&b, &s, Some(&a.retained_sizes), ctl)?;
    let mut before_stats = Statistics {
        node_count: b.node_count() as u64,
        total: b.node_self_size.iter().map(|&x| x as u64).sum(),
        ..Default::default()
    };
    before_stats.v8heap = before_stats.total;
    drop(b);
    let after_stats = Statistics::compute(&s, &a);
    let t = timings.add("diff", t);
    let mut totals = ClassDiff {
        name: "(total)".into(),
        ..Default::default()
    };
    for c in &d.classes {
        totals.added_count += c.added_count;
        totals.removed_count += c.removed_count;
        totals.added_size += c.added_size;
        totals.removed_size += c.removed_size;
    }
    totals.count_delta = totals.added_count as i64 - totals.removed_count as i64;
    totals.size_delta = totals.added_size as i64 - totals.removed_size as i64;
    let changed_class_count = d.classes.len() as u64;
    let owners = growth_owners(&s, &a, &d.added, opts.paths);
    let mut classes: Vec<ClassDiff> = d.classes;
    if opts.top > 0 {
        classes.truncate(opts.top);
    }
    ctl.report(Stage::RetainerPaths, 0.0);
    let out = classes
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let representative = match c.representative {
                Some(n) if i < opts.paths && c.size_delta > 0 => Some(node_info(&s, &a, n)),
                _ => None,
            };
            ClassGrowth {
                diff: c,
                representative,
            }
        })
        .collect();
    let owners = owners
        .into_iter()
        .map(|o| OwnerGrowth {
            node: node_info(&s, &a, o.node),
            added_count: o.added_count,
            added_size: o.added_size,
        })
        .collect();
    ctl.report(Stage::RetainerPaths, 1.0);
    timings.add("retainerPaths", t);
    Ok(DiffReport {
        owners,
        before: before_stats,
        after: after_stats,
        classes: out,
        changed_class_count,
        totals,
        timings,
    })
}

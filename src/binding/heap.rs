//! napi bindings for heap snapshot analysis (issue 5): a thin layer over the
//! `heap-snapshot` crate. Sync and async variants share one `compute`.
//!
//! Error messages start with a kind tag (`io|`, `format|`, `invalid|`,
//! `cancelled|`) that `lib/analysis.js` turns into an error `code`.
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use heap_snapshot as hs;
use napi::bindgen_prelude::{AsyncTask, FnArgs, Function};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Error, Result, Task};
use napi_derive::napi;

use crate::binding::error::{failure, invalid_arg};
use crate::binding::safety::guard;

fn map_err(e: hs::SnapshotError) -> Error {
    let kind = match &e {
        hs::SnapshotError::Io { .. } => "io",
        hs::SnapshotError::Format { .. } => "format",
        hs::SnapshotError::Invalid { .. } => "invalid",
        hs::SnapshotError::Cancelled => "cancelled",
    };
    failure(format!("{kind}|{e}"))
}

/// A cancellation flag shared with a running analysis; `cancel()` makes it stop
/// at its next check (within milliseconds) and reject.
#[napi]
pub struct HeapAnalysisCancelToken {
    flag: Arc<AtomicBool>,
}

#[napi]
impl HeapAnalysisCancelToken {
    /// A new, not cancelled token.
    #[napi(constructor, catch_unwind)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        HeapAnalysisCancelToken {
            flag: Arc::new(AtomicBool::new(false)),
        }
    }
    /// Requests cancellation.
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }
    /// True once `cancel()` was called.
    #[napi(getter, catch_unwind)]
    pub fn cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

/// Options of `analyzeHeapSnapshot`.
#[napi(object)]
pub struct NativeAnalyzeOptions {
    /// Classes to return (0 = all). Default 20.
    pub top: Option<u32>,
    /// Largest objects to return with retainer paths. Default 10.
    pub largest: Option<u32>,
}

/// Options of `diffHeapSnapshots`.
#[napi(object)]
pub struct NativeDiffOptions {
    /// Classes to return (0 = all changed). Default 20.
    pub top: Option<u32>,
    /// Growing classes that get a retainer path of a representative new instance. Default 5.
    pub paths: Option<u32>,
}

/// Totals by kind, bytes (DevTools' statistics).
#[napi(object)]
pub struct HeapStatistics {
    /// All shallow sizes (retained size of the root), bytes.
    pub total: f64,
    /// `total - native`, bytes.
    #[napi(js_name = "v8heap")]
    pub v8heap: f64,
    /// Native nodes, bytes.
    pub native: f64,
    /// Compiled code, bytes.
    pub code: f64,
    /// Strings, bytes.
    pub strings: f64,
    /// JS arrays with their owned backing stores, bytes.
    pub js_arrays: f64,
    /// Objects reachable only from system roots, bytes.
    pub system: f64,
    /// Number of nodes.
    pub node_count: f64,
    /// Number of edges (0 for the first snapshot of a diff, whose edges are not loaded).
    pub edge_count: f64,
}

/// One class of the summary.
#[napi(object)]
pub struct HeapAggregate {
    /// Class name (constructor name, or `(type)` for non-objects).
    pub name: String,
    /// Instances (nodes with a non-zero shallow size, or native).
    pub count: f64,
    /// Smallest distance from the GC roots (-1 if unreachable; ≥ 100000000 = system only).
    pub distance: f64,
    /// Sum of shallow sizes, bytes.
    #[napi(js_name = "self")]
    pub self_size: f64,
    /// Class retained size without double counting, bytes (DevTools' `maxRet`).
    pub retained: f64,
    /// Largest retained size of one instance, bytes.
    pub max_retained: f64,
}

/// One hop of a retainer path.
#[napi(object)]
pub struct HeapRetainerStep {
    /// Edge type (`property`, `element`, `context`, `internal`, `hidden`, `shortcut`).
    pub edge_type: String,
    /// Edge name, or element index as text.
    pub edge_name: String,
    /// Class name of the node reached.
    pub class_name: String,
    /// Raw name of the node reached.
    pub node_name: String,
    /// Type of the node reached.
    pub node_type: String,
    /// V8 object id of the node reached.
    pub node_id: f64,
}

/// One object.
#[napi(object)]
pub struct HeapNode {
    /// V8 object id.
    pub id: f64,
    /// Raw node name.
    pub name: String,
    /// Class name.
    pub class_name: String,
    /// Node type.
    #[napi(js_name = "type")]
    pub node_type: String,
    /// Shallow size, bytes.
    pub self_size: f64,
    /// Retained size, bytes.
    pub retained_size: f64,
    /// Distance from the GC roots (-1 if unreachable).
    pub distance: f64,
    /// One-line shortest retainer path from the GC roots.
    pub retainer_path: String,
    /// The hops of `retainerPath`.
    pub retainers: Vec<HeapRetainerStep>,
}

/// Time of one stage, milliseconds.
#[napi(object)]
pub struct HeapStageTiming {
    /// Stage name.
    pub stage: String,
    /// Milliseconds.
    pub ms: f64,
}

/// Result of `analyzeHeapSnapshot`.
#[napi(object)]
pub struct HeapAnalysis {
    /// Totals by kind.
    pub statistics: HeapStatistics,
    /// Distinct classes.
    pub class_count: f64,
    /// Top classes by class retained size.
    pub aggregates: Vec<HeapAggregate>,
    /// Objects with the largest retained sizes.
    pub largest: Vec<HeapNode>,
    /// Time per stage.
    pub timings: Vec<HeapStageTiming>,
    /// Total milliseconds.
    pub total_ms: f64,
}

/// Changes of one class between two snapshots (shallow sizes, bytes).
#[napi(object)]
pub struct HeapClassDiff {
    /// Class name.
    pub name: String,
    /// New instances still alive in the second snapshot.
    pub added_count: f64,
    /// Instances of the first snapshot gone from the second.
    pub removed_count: f64,
    /// `addedCount - removedCount`.
    pub count_delta: f64,
    /// Bytes of the added instances.
    pub added_size: f64,
    /// Bytes of the removed instances.
    pub removed_size: f64,
    /// `addedSize - removedSize`, bytes.
    pub size_delta: f64,
    /// Largest added instance, with its retainer path (top growing classes only).
    pub representative: Option<HeapNode>,
}

/// Result of `diffHeapSnapshots`.
#[napi(object)]
pub struct HeapDiff {
    /// Statistics of the first snapshot (only `total` and `nodeCount` are filled).
    pub before: HeapStatistics,
    /// Statistics of the second snapshot.
    pub after: HeapStatistics,
    /// Changed classes, largest `sizeDelta` first.
    pub classes: Vec<HeapClassDiff>,
    /// Changed classes before the `top` cut.
    pub changed_class_count: f64,
    /// Sums over all classes.
    pub totals: HeapClassDiff,
    /// Objects of the first snapshot under which the added objects accumulated (the
    /// nearest old dominator of each added object), largest `addedSize` first, at
    /// most `paths`: where the growth is held, e.g. a `Map` cache.
    pub owners: Vec<HeapGrowthOwner>,
    /// Time per stage.
    pub timings: Vec<HeapStageTiming>,
    /// Total milliseconds.
    pub total_ms: f64,
}

/// An existing object holding objects added between two snapshots.
#[napi(object)]
pub struct HeapGrowthOwner {
    /// The holding object (second snapshot), with its retainer path.
    pub node: HeapNode,
    /// Added objects it holds (dominated through added objects only).
    pub added_count: f64,
    /// Shallow size of those added objects, bytes.
    pub added_size: f64,
}

fn dist(d: u32) -> f64 {
    if d == hs::NO_DISTANCE {
        -1.0
    } else {
        d as f64
    }
}

fn stats(s: &hs::Statistics) -> HeapStatistics {
    HeapStatistics {
        total: s.total as f64,
        v8heap: s.v8heap as f64,
        native: s.native as f64,
        code: s.code as f64,
        strings: s.strings as f64,
        js_arrays: s.js_arrays as f64,
        system: s.system as f64,
        node_count: s.node_count as f64,
        edge_count: s.edge_count as f64,
    }
}

fn node(n: hs::NodeInfo) -> HeapNode {
    HeapNode {
        id: n.id as f64,
        name: n.name,
        class_name: n.class_name,
        node_type: n.node_type,
        self_size: n.self_size as f64,
        retained_size: n.retained_size as f64,
        distance: dist(n.distance),
        retainer_path: n.retainer_path.text,
        retainers: n
            .retainer_path
            .steps
            .into_iter()
            .map(|s| HeapRetainerStep {
                edge_type: s.edge_type,
                edge_name: s.edge_name,
                class_name: s.class_name,
                node_name: s.node_name,
                node_type: s.node_type,
                node_id: s.node_id as f64,
            })
            .collect(),
    }
}

fn timings(t: &hs::Timings) -> Vec<HeapStageTiming> {
    t.stages
        .iter()
        .map(|(s, ms)| HeapStageTiming {
            stage: s.to_string(),
            ms: *ms,
        })
        .collect()
}

fn class_diff(d: hs::ClassDiff, representative: Option<hs::NodeInfo>) -> HeapClassDiff {
    HeapClassDiff {
        name: d.name,
        added_count: d.added_count as f64,
        removed_count: d.removed_count as f64,
        count_delta: d.count_delta as f64,
        added_size: d.added_size as f64,
        removed_size: d.removed_size as f64,
        size_delta: d.size_delta as f64,
        representative: representative.map(node),
    }
}

fn analysis_js(r: hs::AnalysisReport) -> HeapAnalysis {
    HeapAnalysis {
        statistics: stats(&r.statistics),
        class_count: r.class_count as f64,
        aggregates: r
            .aggregates
            .into_iter()
            .map(|a| HeapAggregate {
                name: a.name,
                count: a.count as f64,
                distance: dist(a.distance),
                self_size: a.self_size as f64,
                retained: a.retained_size as f64,
                max_retained: a.max_retained as f64,
            })
            .collect(),
        largest: r.largest.into_iter().map(node).collect(),
        timings: timings(&r.timings),
        total_ms: r.timings.total_ms,
    }
}

fn diff_js(r: hs::DiffReport) -> HeapDiff {
    HeapDiff {
        before: stats(&r.before),
        after: stats(&r.after),
        classes: r
            .classes
            .into_iter()
            .map(|c| class_diff(c.diff, c.representative))
            .collect(),
        changed_class_count: r.changed_class_count as f64,
        totals: class_diff(r.totals, None),
        owners: r
            .owners
            .into_iter()
            .map(|o| HeapGrowthOwner {
                node: node(o.node),
                added_count: o.added_count as f64,
                added_size: o.added_size as f64,
            })
            .collect(),
        timings: timings(&r.timings),
        total_ms: r.timings.total_ms,
    }
}

fn check_path(p: &str, name: &str) -> Result<PathBuf> {
    if p.is_empty() {
        return Err(invalid_arg(format!("{name} must be a non-empty path")));
    }
    Ok(PathBuf::from(p))
}

fn analyze_opts(o: Option<NativeAnalyzeOptions>) -> hs::AnalyzeOptions {
    let d = hs::AnalyzeOptions::default();
    match o {
        None => d,
        Some(o) => hs::AnalyzeOptions {
            top: o.top.map(|x| x as usize).unwrap_or(d.top),
            largest: o.largest.map(|x| x as usize).unwrap_or(d.largest),
        },
    }
}

fn diff_opts(o: Option<NativeDiffOptions>) -> hs::DiffOptions {
    let d = hs::DiffOptions::default();
    match o {
        None => d,
        Some(o) => hs::DiffOptions {
            top: o.top.map(|x| x as usize).unwrap_or(d.top),
            paths: o.paths.map(|x| x as usize).unwrap_or(d.paths),
        },
    }
}

/// A JS `(stage, fraction) => void` callable from the worker thread; weak, so it
/// does not keep the event loop alive by itself.
type ProgressFn =
    ThreadsafeFunction<FnArgs<(String, f64)>, (), FnArgs<(String, f64)>, napi::Status, false, true>;

/// Progress reporter for off-thread work: calls JS at most once per stage and percent.
fn tsfn_progress(f: &Option<ProgressFn>) -> impl FnMut(hs::Stage, f64) + '_ {
    let mut last: Option<(hs::Stage, i32)> = None;
    move |stage, frac| {
        if let Some(f) = f {
            let pct = (frac * 100.0) as i32;
            if last != Some((stage, pct)) {
                last = Some((stage, pct));
                let _ = f.call(
                    (stage.name().to_string(), frac).into(),
                    ThreadsafeFunctionCallMode::NonBlocking,
                );
            }
        }
    }
}

/// Off-thread analysis of one snapshot.
pub struct AnalyzeTask {
    path: PathBuf,
    opts: hs::AnalyzeOptions,
    cancel: Arc<AtomicBool>,
    progress: Option<ProgressFn>,
}

impl Task for AnalyzeTask {
    type Output = hs::AnalysisReport;
    type JsValue = HeapAnalysis;
    fn compute(&mut self) -> Result<Self::Output> {
        guard("analyzeHeapSnapshot", || {
            let mut cb = tsfn_progress(&self.progress);
            let mut ctl = hs::Control::new(Some(&self.cancel), Some(&mut cb));
            hs::analyze_file(&self.path, &self.opts, &mut ctl).map_err(map_err)
        })
    }
    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        guard("analyzeHeapSnapshot", || Ok(analysis_js(output)))
    }
}

/// Off-thread diff of two snapshots.
pub struct DiffTask {
    before: PathBuf,
    after: PathBuf,
    opts: hs::DiffOptions,
    cancel: Arc<AtomicBool>,
    progress: Option<ProgressFn>,
}

impl Task for DiffTask {
    type Output = hs::DiffReport;
    type JsValue = HeapDiff;
    fn compute(&mut self) -> Result<Self::Output> {
        guard("diffHeapSnapshots", || {
            let mut cb = tsfn_progress(&self.progress);
            let mut ctl = hs::Control::new(Some(&self.cancel), Some(&mut cb));
            hs::diff_files(&self.before, &self.after, &self.opts, &mut ctl).map_err(map_err)
        })
    }
    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        guard("diffHeapSnapshots", || Ok(diff_js(output)))
    }
}

fn token_flag(t: Option<&HeapAnalysisCancelToken>) -> Arc<AtomicBool> {
    t.map(|t| t.flag.clone())
        .unwrap_or_else(|| Arc::new(AtomicBool::new(false)))
}

/// Analyses a `.heapsnapshot` (or gzip of one) on a libuv worker thread;
/// `onProgress(stage, fraction)` is called on the JS thread as the work advances.
/// Rejects with a tagged message (`io|`, `format|`, `invalid|`, `cancelled|`).
#[napi(ts_return_type = "Promise<HeapAnalysis>", catch_unwind)]
pub fn analyze_heap_snapshot(
    path: String,
    options: Option<NativeAnalyzeOptions>,
    cancel: Option<&HeapAnalysisCancelToken>,
    #[napi(ts_arg_type = "((stage: string, fraction: number) => void) | undefined | null")]
    on_progress: Option<ProgressFn>,
) -> Result<AsyncTask<AnalyzeTask>> {
    let path = check_path(&path, "path")?;
    Ok(AsyncTask::new(AnalyzeTask {
        path,
        opts: analyze_opts(options),
        cancel: token_flag(cancel),
        progress: on_progress,
    }))
}

/// Compares two snapshots of one process on a libuv worker thread;
/// `onProgress(stage, fraction)` is called on the JS thread as the work advances.
#[napi(ts_return_type = "Promise<HeapDiff>", catch_unwind)]
pub fn diff_heap_snapshots(
    before: String,
    after: String,
    options: Option<NativeDiffOptions>,
    cancel: Option<&HeapAnalysisCancelToken>,
    #[napi(ts_arg_type = "((stage: string, fraction: number) => void) | undefined | null")]
    on_progress: Option<ProgressFn>,
) -> Result<AsyncTask<DiffTask>> {
    let before = check_path(&before, "before")?;
    let after = check_path(&after, "after")?;
    Ok(AsyncTask::new(DiffTask {
        before,
        after,
        opts: diff_opts(options),
        cancel: token_flag(cancel),
        progress: on_progress,
    }))
}

fn progress_cb<'a>(
    f: &'a Option<Function<'a, FnArgs<(String, f64)>, ()>>,
) -> impl FnMut(hs::Stage, f64) + 'a {
    let mut last: Option<(hs::Stage, i32)> = None;
    move |stage, frac| {
        if let Some(f) = f {
            let pct = (frac * 100.0) as i32;
            if last != Some((stage, pct)) {
                last = Some((stage, pct));
                // A throwing callback must not abort the analysis; its exception is dropped.
                let _ = f.call((stage.name().to_string(), frac).into());
            }
        }
    }
}

/// Synchronous `analyzeHeapSnapshot`; `onProgress(stage, fraction)` is called on this thread.
#[napi(catch_unwind)]
pub fn analyze_heap_snapshot_sync(
    path: String,
    options: Option<NativeAnalyzeOptions>,
    on_progress: Option<Function<FnArgs<(String, f64)>, ()>>,
) -> Result<HeapAnalysis> {
    let path = check_path(&path, "path")?;
    let mut cb = progress_cb(&on_progress);
    let mut ctl = hs::Control::new(None, Some(&mut cb));
    let r = hs::analyze_file(&path, &analyze_opts(options), &mut ctl).map_err(map_err)?;
    Ok(analysis_js(r))
}

/// Synchronous `diffHeapSnapshots`; `onProgress(stage, fraction)` is called on this thread.
#[napi(catch_unwind)]
pub fn diff_heap_snapshots_sync(
    before: String,
    after: String,
    options: Option<NativeDiffOptions>,
    on_progress: Option<Function<FnArgs<(String, f64)>, ()>>,
) -> Result<HeapDiff> {
    let before = check_path(&before, "before")?;
    let after = check_path(&after, "after")?;
    let mut cb = progress_cb(&on_progress);
    let mut ctl = hs::Control::new(None, Some(&mut cb));
    let r = hs::diff_files(&before, &after, &diff_opts(options), &mut ctl).map_err(map_err)?;
    Ok(diff_js(r))
}

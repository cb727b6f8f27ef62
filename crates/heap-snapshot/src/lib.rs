//! V8 heap snapshot analysis: a streaming `.heapsnapshot` parser, distances
//! from the GC roots, dominators (semi-NCA), retained sizes, per-class
//! aggregates, snapshot diffs and retainer paths, with Chrome DevTools'
//! vocabulary and rules.
//!
//! Entry points: [`analyze_file`] and [`diff_files`]; the lower-level pieces
//! are [`HeapSnapshot`] (parsed graph) and [`Analysis`] (derived data).
#![deny(clippy::all)]
#![forbid(unsafe_code)]
// Graph code indexes several parallel column vectors by the same ordinal.
#![allow(clippy::needless_range_loop)]

use std::sync::atomic::{AtomicBool, Ordering};

mod aggregate;
mod diff;
mod error;
mod graph;
mod parse;
mod paths;
mod report;
#[cfg(test)]
mod tests;

pub use aggregate::{Aggregate, Aggregates, Statistics};
pub use diff::{diff_snapshots, growth_owners, ClassDiff, GrowthOwner, SnapshotDiff};
pub use error::{Result, SnapshotError};
pub use graph::{Analysis, BASE_SYSTEM_DISTANCE, NO_DISTANCE};
pub use parse::{EdgeTypes, HeapSnapshot, NodeTypes, ParseOptions, Strings};
pub use paths::{retainer_path, RetainerPath, RetainerStep};
pub use report::{
    analyze_file, analyze_snapshot, diff_files, AnalysisReport, AnalyzeOptions, ClassGrowth,
    DiffOptions, DiffReport, NodeInfo, OwnerGrowth, Timings,
};

/// A stage of the work, reported through [`Control`] progress callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading and decoding the file.
    Parse,
    /// Breadth-first distances from the GC roots.
    Distances,
    /// Dominator tree.
    Dominators,
    /// Retained sizes.
    RetainedSizes,
    /// Per-class aggregates and statistics.
    Aggregates,
    /// Comparing two snapshots.
    Diff,
    /// Retainer paths of representative objects.
    RetainerPaths,
}

impl Stage {
    /// Stable lower-case name (`"parse"`, `"dominators"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Stage::Parse => "parse",
            Stage::Distances => "distances",
            Stage::Dominators => "dominators",
            Stage::RetainedSizes => "retainedSizes",
            Stage::Aggregates => "aggregates",
            Stage::Diff => "diff",
            Stage::RetainerPaths => "retainerPaths",
        }
    }
}

/// Cancellation and progress hooks threaded through all long-running work.
#[derive(Default)]
pub struct Control<'a> {
    cancel: Option<&'a AtomicBool>,
    also: Option<&'a AtomicBool>,
    progress: Option<&'a mut dyn FnMut(Stage, f64)>,
}

impl<'a> Control<'a> {
    /// No cancellation, no progress.
    pub fn none() -> Self {
        Control::default()
    }
    /// With an optional cancel flag (set it to `true` to stop at the next check)
    /// and an optional progress callback receiving `(stage, fraction 0..=1)`.
    pub fn new(
        cancel: Option<&'a AtomicBool>,
        progress: Option<&'a mut dyn FnMut(Stage, f64)>,
    ) -> Self {
        Control {
            cancel,
            also: None,
            progress,
        }
    }
    /// Also stops when `flag` is set (used between threads of one parse).
    pub(crate) fn also(mut self, flag: &'a AtomicBool) -> Self {
        self.also = Some(flag);
        self
    }
    /// Returns [`SnapshotError::Cancelled`] once the cancel flag is set.
    pub fn check(&self) -> Result<()> {
        let set = |f: Option<&AtomicBool>| f.is_some_and(|c| c.load(Ordering::Relaxed));
        if set(self.cancel) || set(self.also) {
            Err(SnapshotError::Cancelled)
        } else {
            Ok(())
        }
    }
    /// The cancel flag, for work handed to another thread.
    pub fn cancel_flag(&self) -> Option<&'a AtomicBool> {
        self.cancel
    }
    /// Reports progress of `stage` (fraction in 0..=1).
    pub fn report(&mut self, stage: Stage, fraction: f64) {
        if let Some(p) = self.progress.as_mut() {
            p(stage, fraction);
        }
    }
}

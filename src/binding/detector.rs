//! napi binding of [`crate::core::detector::Detector`]: one instance per monitor
//! (so per thread: each `start()` in a worker creates its own).
use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::error::invalid_arg;
use crate::core::detector::{Config, Detector, Kind, MemorySample, Sample, Site};

/// Detector options; every field is optional and defaults to the tuned value.
#[napi(object)]
pub struct DetectorOptions {
    /// No finding opens before this many ms after the first tick.
    pub warmup_ms: Option<f64>,
    /// Points per series in the evaluation window.
    pub window: Option<u32>,
    /// Points needed before a series is evaluated.
    pub min_points: Option<u32>,
    /// Threshold scale: < 1 more sensitive, > 1 more conservative (1 = default).
    pub sensitivity: Option<f64>,
    /// `v8.getHeapStatistics().heap_size_limit`, bytes.
    pub heap_limit: Option<f64>,
    /// Memory available to the process (cgroup limit or total RAM), bytes.
    pub memory_limit: Option<f64>,
    /// Cap on series.
    pub max_series: Option<u32>,
    /// Cap on creation sites per series.
    pub max_sites: Option<u32>,
    /// Sites reported per finding.
    pub top_sites: Option<u32>,
    /// A series not updated for this many ms is removed.
    pub stale_ms: Option<f64>,
    /// Ask for a confirming full GC (`tick().wantGc`) where V8's own major GCs are too
    /// rare to give post-GC floors (default true); false: use windowed raw minimums.
    pub confirm_gc: Option<bool>,
}

/// A live count per creation site.
#[napi(object)]
pub struct SiteCount {
    /// Frames as `file:line:column`, app frame first, newline-separated.
    pub stack: String,
    /// Live objects from this site (or sampled live bytes for memory kinds).
    pub count: f64,
}

/// One series' sample for a tick.
#[napi(object)]
pub struct SeriesSample {
    /// `'listeners' | 'timers' | 'streams' | 'handles' | 'heap' | 'external' | 'arrayBuffers' | 'rss'`
    pub kind: String,
    /// What is counted, e.g. `bus:config`, `Timeout`, `ReadStream`.
    pub target: String,
    /// Exact count now; omitted to update only the sites.
    pub value: Option<f64>,
    /// Objects created since the previous tick (listeners added, timers set, streams
    /// opened), when known: lets the detector tell turnover from retention.
    pub adds: Option<f64>,
    /// How many of the counted objects are old (present for several ticks), when known:
    /// symmetric add/remove never grows it, a leak does.
    pub aged: Option<f64>,
    /// Minimum value before a finding can open.
    pub min_level: Option<f64>,
    /// Live count per creation site; omitted to leave sites unchanged.
    pub sites: Option<Vec<SiteCount>>,
}

fn kind_of(s: &str) -> Result<Kind> {
    Kind::parse(s).ok_or_else(|| invalid_arg(format!("kind must be one of listeners, timers, streams, handles, heap, external, arrayBuffers, rss; got {s:?}")))
}

fn positive(name: &str, v: f64) -> Result<f64> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(invalid_arg(format!("{name} must be a finite number >= 0, got {v}")))
    }
}

impl TryFrom<DetectorOptions> for Config {
    type Error = Error;
    fn try_from(o: DetectorOptions) -> Result<Config> {
        let mut c = Config::default();
        if let Some(v) = o.warmup_ms {
            c.warmup_ms = positive("warmupMs", v)?;
        }
        if let Some(v) = o.window {
            c.window = (v as usize).clamp(8, 1000);
        }
        if let Some(v) = o.min_points {
            c.min_points = (v as usize).clamp(4, c.window);
        }
        if let Some(v) = o.sensitivity {
            let v = positive("sensitivity", v)?;
            if v > 0.0 {
                c.scale_sensitivity(v);
            }
        }
        if let Some(v) = o.heap_limit {
            c.heap_limit = positive("heapLimit", v)?;
        }
        if let Some(v) = o.memory_limit {
            c.memory_limit = positive("memoryLimit", v)?;
        }
        if let Some(v) = o.max_series {
            c.max_series = v as usize;
        }
        if let Some(v) = o.max_sites {
            c.max_sites = v as usize;
        }
        if let Some(v) = o.top_sites {
            c.top_sites = v as usize;
        }
        if let Some(v) = o.stale_ms {
            c.stale_ms = positive("staleMs", v)?;
        }
        if let Some(v) = o.confirm_gc {
            c.confirm_gc = v;
        }
        Ok(c)
    }
}

/// The growth detector of one monitor. Feed it samples once per tick; it returns the
/// findings that opened and closed.
#[napi]
pub struct NativeDetector {
    inner: Detector,
}

#[napi]
impl NativeDetector {
    /// Creates a detector. Throws `InvalidArg` for negative or non-finite numbers.
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<DetectorOptions>) -> Result<Self> {
        let cfg = match options {
            Some(o) => Config::try_from(o)?,
            None => Config::default(),
        };
        Ok(NativeDetector { inner: Detector::new(cfg) })
    }

    /// Records a `process.memoryUsage()` sample (bytes). `postGc` marks a sample
    /// taken right after a major GC (a perf_hooks `gc` entry of kind major).
    #[napi(catch_unwind)]
    pub fn observe_memory(&mut self, heap_used: f64, external: f64, array_buffers: f64, rss: f64, heap_total: f64, post_gc: bool) {
        self.inner.observe_memory(MemorySample { heap_used, external, array_buffers, rss, heap_total }, post_gc);
    }

    /// One tick at `nowMs` (epoch ms): records `samples`, evaluates every series.
    /// Returns `{ opened: LeakFinding[], closed: LeakFinding[], suspects: string[], growing: string[], wantGc: boolean, wantGcFor: string | null }`:
    /// `suspects` are memory kinds trending up, `growing` count kinds with a rising series or an open finding.
    #[napi(ts_return_type = "{ opened: any[]; closed: any[]; suspects: string[]; growing: string[]; wantGc: boolean; wantGcFor: string | null }", catch_unwind)]
    pub fn tick(&mut self, now_ms: f64, samples: Vec<SeriesSample>) -> Result<serde_json::Value> {
        let mut v = Vec::with_capacity(samples.len());
        for s in samples {
            v.push(Sample {
                kind: kind_of(&s.kind)?,
                target: s.target,
                value: s.value,
                adds: s.adds,
                aged: s.aged,
                min_level: s.min_level,
                sites: s.sites.map(|sites| sites.into_iter().map(|x| Site { stack: x.stack, count: x.count }).collect()),
            });
        }
        let r = self.inner.tick(now_ms, v);
        serde_json::to_value(r).map_err(|e| super::error::failure(e.to_string()))
    }

    /// The open findings (`LeakFinding[]`), most recent first.
    #[napi(ts_return_type = "any[]", catch_unwind)]
    pub fn findings(&self) -> Result<serde_json::Value> {
        serde_json::to_value(self.inner.findings()).map_err(|e| super::error::failure(e.to_string()))
    }

    /// Summaries of every series; with `withHistory`, the window's `[ms, value]` points.
    #[napi(ts_return_type = "any[]", catch_unwind)]
    pub fn series(&self, with_history: bool) -> Result<serde_json::Value> {
        serde_json::to_value(self.inner.series_summaries(with_history)).map_err(|e| super::error::failure(e.to_string()))
    }

    /// Counters about the detector itself (series, drops, approximate own bytes).
    #[napi(ts_return_type = "any", catch_unwind)]
    pub fn stats(&self) -> Result<serde_json::Value> {
        serde_json::to_value(self.inner.stats()).map_err(|e| super::error::failure(e.to_string()))
    }

    /// Records fresh creation sites for one series between ticks (e.g. a heap profile
    /// read as a heap finding opens). Returns the series' open finding (`LeakFinding`)
    /// with its sites re-ranked, or `null` when it has none. Throws a `TypeError` for an
    /// unknown kind.
    #[napi(ts_return_type = "any", catch_unwind)]
    pub fn refresh_sites(&mut self, kind: String, target: String, now_ms: f64, sites: Vec<SiteCount>) -> Result<serde_json::Value> {
        let k = kind_of(&kind)?;
        let sites = sites.into_iter().map(|x| Site { stack: x.stack, count: x.count }).collect();
        serde_json::to_value(self.inner.refresh_sites(k, &target, now_ms, sites)).map_err(|e| super::error::failure(e.to_string()))
    }

    /// Removes a series (e.g. an untracked emitter's event). Returns the closed finding, if one was open.
    #[napi(ts_return_type = "any", catch_unwind)]
    pub fn remove_series(&mut self, kind: String, target: String, now_ms: f64) -> Result<serde_json::Value> {
        let k = kind_of(&kind)?;
        let f = self.inner.remove_series(k, &target).map(|mut f| {
            f.closed_at = Some(now_ms);
            f
        });
        serde_json::to_value(f).map_err(|e| super::error::failure(e.to_string()))
    }
}

/// Open file descriptors of this process (entries of `/proc/self/fd`), or `null`
/// where that directory cannot be read (not Linux).
#[napi(catch_unwind)]
pub fn open_fd_count() -> Option<f64> {
    crate::core::fds::open_fds().map(|n| n as f64)
}

// Additive: read access for the history binding (src/binding/history.rs).
impl NativeDetector {
    pub(crate) fn core(&self) -> &Detector {
        &self.inner
    }
}

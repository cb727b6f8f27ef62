//! Growth detection over many series (listener counts, live timers, open streams,
//! handles, post-GC memory floors).
//!
//! A series is flagged when its floor keeps rising across the window, not when it is
//! merely high. Per evaluation, on the last `window` points of a series:
//!
//! 1. **Trend**: the Mann-Kendall statistic `z` must reach `z_open` (one-sided) and the
//!    Theil-Sen slope must be positive.
//! 2. **Size**: the growth over the window (slope × span) must reach the kind's minimum
//!    absolute growth and a minimum fraction of the baseline.
//! 3. **Still rising**: the most recent third of the window must keep climbing (its own
//!    Theil-Sen slope is at least `recent_ratio` of the window's) and must set a new high
//!    above everything seen before it (including points already evicted). A series
//!    that plateaus stops setting new highs, so warm-up growth and bounded caches or
//!    pools are never flagged, and an open finding closes once its growth stops.
//!
//! Memory series are fed raw samples; each tick turns them into one floor point: the
//! minimum of the post-GC samples taken in the tick, or, where major GCs are rare,
//! the minimum of the raw samples over the last `raw_floor_ticks` ticks (a *raw* point,
//! garbage included). A memory finding never opens on a raw point: when a series would
//! open and its newest point is raw, the detector asks the host for a confirming full
//! GC (`TickResult::want_gc`) and decides on the post-GC floor that follows; it opens
//! only if that floor is a new high above the window's earlier floors, and (right after
//! the warm-up) only on a floor taken after the warm-up, and only when a second post-GC
//! floor, at least `confirm_gap_ms` after the first, is again a new high (a floor taken
//! during a burst of load holds the burst's in-flight memory: a step, not growth; the
//! next floor falls back, a leak's keeps rising). Those GCs are budgeted: at
//! most one per `confirm_gap_ms`, from a bucket of `confirm_budget` refilled one per
//! `confirm_refill_ms`, so a likely leak gets its floor quickly while a process whose
//! memory is flat is never forced to collect.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use super::trend::{mann_kendall, median, normal_cdf, theil_sen};

/// What a series counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    Listeners,
    Timers,
    Streams,
    Handles,
    Heap,
    External,
    ArrayBuffers,
    Rss,
}

impl Kind {
    /// All kinds, in report order.
    pub const ALL: [Kind; 8] = [
        Kind::Listeners,
        Kind::Timers,
        Kind::Streams,
        Kind::Handles,
        Kind::Heap,
        Kind::External,
        Kind::ArrayBuffers,
        Kind::Rss,
    ];

    /// The public name (`LeakFinding.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Listeners => "listeners",
            Kind::Timers => "timers",
            Kind::Streams => "streams",
            Kind::Handles => "handles",
            Kind::Heap => "heap",
            Kind::External => "external",
            Kind::ArrayBuffers => "arrayBuffers",
            Kind::Rss => "rss",
        }
    }

    /// Parses a public kind name.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// The unit of the series' values.
    pub fn unit(self) -> &'static str {
        match self {
            Kind::Listeners => "listeners",
            Kind::Timers => "timers",
            Kind::Streams => "streams",
            Kind::Handles => "handles",
            _ => "bytes",
        }
    }

    /// True for the memory kinds, whose series are built from floors.
    pub fn is_memory(self) -> bool {
        matches!(self, Kind::Heap | Kind::External | Kind::ArrayBuffers | Kind::Rss)
    }

    fn index(self) -> usize {
        Kind::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// Minimum growth for a finding of one kind.
#[derive(Debug, Clone, Copy)]
pub struct KindRule {
    /// Minimum growth over the window, in the kind's unit.
    pub min_abs: f64,
    /// Minimum growth over the window as a fraction of the baseline.
    pub min_rel: f64,
    /// Minimum current value (e.g. a listener count threshold).
    pub min_level: f64,
}

const MIB: f64 = 1024.0 * 1024.0;

/// Detector parameters. `Default` holds the tuned defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// Nothing opens before this many ms after the first tick.
    pub warmup_ms: f64,
    /// Points per series considered by one evaluation.
    pub window: usize,
    /// Points needed before a series is evaluated.
    pub min_points: usize,
    /// Mann-Kendall z needed to open a finding (2.33 ≈ 99 % one-sided).
    pub z_open: f64,
    /// Below this z on the recent segment, an open finding's growth has stopped.
    pub z_close: f64,
    /// The recent segment's slope must be at least this fraction of the window's.
    pub recent_ratio: f64,
    /// Counts: the growth over the window must be at least this fraction of the
    /// objects created in it. Under load that rises and falls, symmetric add/remove
    /// keeps almost nothing of what it creates; a leak keeps a steady share.
    pub min_retained: f64,
    /// An open finding closes after this many evaluations without further growth (for
    /// memory series, evaluations on a tick that brought a new floor point).
    pub close_after: u32,
    /// Ticks of raw samples whose minimum stands in for a floor when no major GC ran.
    pub raw_floor_ticks: usize,
    /// Post-GC floors are the signal: a memory series whose newest point is a raw
    /// minimum asks the host for a confirming full GC (`TickResult::want_gc`) before a
    /// finding opens on it. Without `confirm_gc`, raw points count as floors.
    pub confirm_gc: bool,
    /// Least time between two confirming GCs asked for, ms.
    pub confirm_gap_ms: f64,
    /// Confirming GCs that may be asked for in a burst (a token bucket)...
    pub confirm_budget: f64,
    /// ...refilled by one token per this many ms.
    pub confirm_refill_ms: f64,
    /// After a confirming GC whose floor refutes the suspicion (no higher than the post-GC
    /// floors from at least 30 s before by a quarter of the kind's minimum growth), the
    /// least gap before the next one becomes this many ms, doubling with each further
    /// refutation up to `confirm_backoff_max_ms`; a floor that is higher (a suspicion
    /// confirmed) brings the gap back to `confirm_gap_ms`. See `Detector::settle_confirm`.
    pub confirm_backoff_ms: f64,
    /// Upper bound of that gap, ms.
    pub confirm_backoff_max_ms: f64,
    /// Floor points needed before a memory series is evaluated.
    pub min_memory_points: usize,
    /// Cap on the number of series; further series are dropped and counted.
    pub max_series: usize,
    /// Cap on creation sites kept per series.
    pub max_sites: usize,
    /// Sites reported per finding.
    pub top_sites: usize,
    /// A series not updated for this long is removed (its finding closes).
    pub stale_ms: f64,
    /// `v8.getHeapStatistics().heap_size_limit`, bytes (0 when unknown).
    pub heap_limit: f64,
    /// Memory available to the process (cgroup limit or total RAM), bytes (0 when unknown).
    pub memory_limit: f64,
    /// Per-kind minimum growth, indexed like [`Kind::ALL`].
    pub rules: [KindRule; 8],
}

impl Default for Config {
    fn default() -> Self {
        let count = |abs: f64, level: f64| KindRule { min_abs: abs, min_rel: 0.1, min_level: level };
        let bytes = |abs: f64, rel: f64| KindRule { min_abs: abs, min_rel: rel, min_level: 0.0 };
        Config {
            warmup_ms: 30_000.0,
            window: 30,
            min_points: 8,
            z_open: 2.33,
            z_close: 1.0,
            recent_ratio: 0.25,
            raw_floor_ticks: 5,
            confirm_gc: true,
            confirm_gap_ms: 5_000.0,
            confirm_budget: 10.0,
            confirm_refill_ms: 60_000.0,
            confirm_backoff_ms: 300_000.0,
            confirm_backoff_max_ms: 1_800_000.0,
            min_memory_points: 6,
            min_retained: 0.005,
            close_after: 10,
            max_series: 4096,
            max_sites: 64,
            top_sites: 5,
            stale_ms: 120_000.0,
            heap_limit: 0.0,
            memory_limit: 0.0,
            rules: [
                count(10.0, 10.0),          // listeners
                count(20.0, 20.0),          // timers
                count(10.0, 10.0),          // streams
                count(20.0, 20.0),          // handles
                bytes(2.0 * MIB, 0.05),     // heap
                // external opens only for growth arrayBuffers does not explain (see
                // explained_by_other): native memory reported to V8 by Node and addons.
                // In a node:http server at 100 req/s that part moved between 1.6 and
                // 6.2 MB from one full GC to the next (measured, with and without
                // leakguard), so less than 8 MiB of growth is within Node's own noise.
                bytes(8.0 * MIB, 0.10),     // external
                bytes(2.0 * MIB, 0.10),     // arrayBuffers
                bytes(32.0 * MIB, 0.10),    // rss
            ],
        }
    }
}

impl Config {
    /// The rule for a kind.
    pub fn rule(&self, kind: Kind) -> KindRule {
        self.rules[kind.index()]
    }

    /// Scales the thresholds: `factor` < 1 is more sensitive, > 1 more conservative.
    pub fn scale_sensitivity(&mut self, factor: f64) {
        for r in self.rules.iter_mut() {
            r.min_abs *= factor;
            r.min_rel *= factor;
        }
        self.z_open *= factor.sqrt();
    }
}

/// One creation site with the number of live objects it created.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Site {
    /// `file:line:column` frames, app frame first, separated by newlines.
    pub stack: String,
    /// Live objects (listeners, timers, streams) or sampled live bytes (memory) from this site.
    pub count: f64,
}

/// A leak finding: a series whose floor keeps rising.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Unique per detector.
    pub id: u32,
    pub kind: Kind,
    /// What grows: `bus:config`, `Timeout`, `ReadStream`, `heapUsed`...
    pub target: String,
    /// Unit of `baseline`, `current` and `growth_per_minute`.
    pub unit: &'static str,
    /// Fitted value at the start of the window when the finding opened (memory kinds
    /// decided on post-GC floors: the window's first post-GC floor, if lower).
    pub baseline: f64,
    /// Latest floor value.
    pub current: f64,
    /// Theil-Sen slope, unit per minute.
    pub growth_per_minute: f64,
    /// One-sided confidence of the trend, 0..1.
    pub confidence: f64,
    /// Projected ms until `heap_size_limit` (heap) or the memory limit (other memory kinds).
    pub time_to_limit_ms: Option<f64>,
    /// Top creation sites, most grown first.
    pub sites: Vec<Site>,
    /// Epoch ms when the finding opened.
    pub since: f64,
    /// Epoch ms when it closed (closed findings only).
    pub closed_at: Option<f64>,
    /// One readable line.
    pub message: String,
}

#[derive(Debug, Clone, Copy)]
struct Point {
    t: f64,
    v: f64,
    /// Objects created since the previous point (NaN when unknown).
    adds: f64,
    /// Old objects among the counted ones (NaN when unknown).
    aged: f64,
    /// A memory point that is a windowed minimum of raw samples (garbage included), not
    /// a post-GC floor.
    raw: bool,
}

#[derive(Debug, Clone)]
struct SiteStat {
    first: f64,
    current: f64,
    last_seen: f64,
}

#[derive(Debug)]
struct OpenFinding {
    id: u32,
    since: f64,
    baseline: f64,
    slope: f64,
    z: f64,
    /// Consecutive evaluations without further growth.
    quiet: u32,
}

#[derive(Debug)]
struct Series {
    kind: Kind,
    target: String,
    points: VecDeque<Point>,
    /// Max of points evicted from the window.
    evicted_max: f64,
    min_level: f64,
    sites: HashMap<String, SiteStat>,
    finding: Option<OpenFinding>,
    last_update: f64,
    /// `(t, v)` of the first post-GC floor that would have opened a memory finding; the
    /// finding waits for a second one (see `Detector::await_second_floor`).
    first_high: Option<(f64, f64)>,
}

impl Series {
    fn new(kind: Kind, target: String, min_level: f64) -> Self {
        Series {
            kind,
            target,
            points: VecDeque::new(),
            evicted_max: f64::NEG_INFINITY,
            min_level,
            sites: HashMap::new(),
            finding: None,
            last_update: 0.0,
            first_high: None,
        }
    }

    fn push(&mut self, p: Point, window: usize) {
        self.points.push_back(p);
        while self.points.len() > window {
            if let Some(old) = self.points.pop_front() {
                self.evicted_max = self.evicted_max.max(old.v);
            }
        }
        self.last_update = p.t;
    }

    /// Objects created over the window (after its first point), and the growth of the
    /// aged count over it, each when every point knows it.
    fn churn(&self) -> Churn {
        let mut created = Some(0.0);
        for p in self.points.iter().skip(1) {
            created = match created {
                Some(sum) if !p.adds.is_nan() => Some(sum + p.adds),
                _ => None,
            };
        }
        let aged_growth = match (self.points.front(), self.points.back()) {
            (Some(a), Some(b)) if !a.aged.is_nan() && !b.aged.is_nan() => {
                let n = self.points.len();
                let r = (n / 3).max(1);
                // Newest aged level against the oldest, each as a small median.
                let mut first: Vec<f64> = self.points.iter().take(r).map(|p| p.aged).collect();
                let mut last: Vec<f64> = self.points.iter().skip(n - r).map(|p| p.aged).collect();
                if first.iter().chain(last.iter()).any(|x| x.is_nan()) { None } else { Some(median(&mut last) - median(&mut first)) }
            }
            _ => None,
        };
        Churn { created, aged_growth }
    }

    fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Series>()
            + self.target.len()
            + self.points.capacity() * std::mem::size_of::<Point>()
            + self.sites.keys().map(|k| k.len() + 64).sum::<usize>()
    }
}

/// The outcome of evaluating one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    /// Theil-Sen slope over the window, unit per ms.
    pub slope: f64,
    /// Mann-Kendall z over the window.
    pub z: f64,
    /// Fitted value at the start of the window.
    pub baseline: f64,
    /// Growth over the window, in the series' unit.
    pub growth: f64,
    /// All open conditions hold.
    pub rising: bool,
    /// The recent segment still climbs and sets new highs.
    pub still_rising: bool,
    /// A weaker trend: worth collecting attribution data for.
    pub suspect: bool,
}

/// Evaluates a window of points against a rule (pure; exposed for tests).
pub fn assess(points: &[Point2], churn: Churn, history_max: f64, kind: Kind, min_level: f64, cfg: &Config) -> Option<Assessment> {
    let rule = cfg.rule(kind);
    let n = points.len();
    let min_points = if kind.is_memory() { cfg.min_memory_points } else { cfg.min_points };
    // Fewer points than needed to decide can still make a series suspect.
    if n < 4 {
        return None;
    }
    let enough = n >= min_points;
    let ts: Vec<f64> = points.iter().map(|p| p.0).collect();
    let vs: Vec<f64> = points.iter().map(|p| p.1).collect();
    let mk = mann_kendall(&vs);
    let slope = theil_sen(&ts, &vs);
    let mut resid: Vec<f64> = ts.iter().zip(&vs).map(|(t, v)| v - slope * t).collect();
    let intercept = median(&mut resid);
    // Fitted value at the window start; never negative (counts and bytes are not).
    let baseline = (intercept + slope * ts[0]).max(0.0);
    let span = ts[n - 1] - ts[0];
    let growth = slope * span;
    let last = vs[n - 1];

    let r = (n / 3).max(4).min(n - 1);
    let (old, recent) = (&vs[..n - r], &vs[n - r..]);
    let recent_ts = &ts[n - r..];
    let recent_slope = theil_sen(recent_ts, recent);
    let recent_max = recent.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // The newest points must set a new high above everything before them.
    let h = (r / 2).max(3).min(n - 1);
    let newest_max = vs[n - h..].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let before_max = vs[..n - h].iter().copied().fold(history_max, f64::max);
    let new_high = newest_max > before_max + 0.1 * rule.min_abs;
    let _ = (old, recent_max);
    let recent_growth = recent_slope * (recent_ts[r - 1] - recent_ts[0]);
    let still_rising = slope > 0.0
        && recent_slope >= cfg.recent_ratio * slope
        && recent_growth >= 0.25 * rule.min_abs * (r as f64 / n as f64)
        && new_high;

    // Under turnover, growth must be retention: a share of what was created, and
    // objects that stay (the aged count grows) rather than a busier moment.
    let retained = churn.created.is_none_or(|c| c <= 0.0 || growth >= cfg.min_retained * c)
        && churn.aged_growth.is_none_or(|g| g >= 0.5 * rule.min_abs);
    let big_enough = growth >= rule.min_abs && growth >= rule.min_rel * baseline.abs() && retained;
    let rising = enough && mk.z >= cfg.z_open && slope > 0.0 && big_enough && last >= min_level.max(rule.min_level) && still_rising;
    let suspect = mk.z >= if enough { 1.64 } else { 1.0 } && slope > 0.0 && growth >= 0.25 * rule.min_abs;
    Some(Assessment { slope, z: mk.z, baseline, growth, rising, still_rising, suspect })
}

/// What a window says about turnover, for [`assess`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Churn {
    /// Objects created over the window.
    pub created: Option<f64>,
    /// Growth of the aged count over the window.
    pub aged_growth: Option<f64>,
}

/// A (time ms, value) pair for [`assess`].
pub type Point2 = (f64, f64);

/// One series' sample for a tick.
#[derive(Debug, Clone)]
pub struct Sample {
    pub kind: Kind,
    pub target: String,
    /// The exact count now (`None`: only update sites).
    pub value: Option<f64>,
    /// Objects created since the previous tick, when known.
    pub adds: Option<f64>,
    /// How many of the counted objects are old (present for several ticks), when known.
    pub aged: Option<f64>,
    /// Minimum value before a finding can open (e.g. `trackEmitter`'s `threshold`).
    pub min_level: Option<f64>,
    /// Live count per creation site (`None`: leave sites unchanged).
    pub sites: Option<Vec<Site>>,
}

/// [`Detector::floors_set_new_high`]'s answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FloorGate {
    Pass,
    Fail,
    /// Decide on a post-GC floor taken after the warm-up (ask for a confirming GC).
    NeedsFloor,
}

/// What changed in one tick.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TickResult {
    pub opened: Vec<Finding>,
    pub closed: Vec<Finding>,
    /// Memory kinds with a weak upward trend whose newest floor is a new high, or with an
    /// open finding (attribution worth collecting).
    pub suspects: Vec<Kind>,
    /// Count kinds (listeners, timers, streams, handles) with a series that has a weak
    /// upward trend or an open finding: their creation sites are worth sampling more.
    pub growing: Vec<Kind>,
    /// A memory finding would open on a raw point (no GC behind it), or on a floor from
    /// the warm-up: a full GC now gives the post-GC floor to decide on (budgeted, see
    /// [`Config::confirm_budget`]).
    pub want_gc: bool,
    /// The memory kind whose suspicion the confirming GC is to decide (with `want_gc`).
    pub want_gc_for: Option<Kind>,
}

#[derive(Debug, Default, Clone, Copy)]
struct MemBucket {
    post_gc_min: Option<f64>,
    raw_min: Option<f64>,
}

/// Raw memory figures from `process.memoryUsage()`, bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemorySample {
    pub heap_used: f64,
    pub external: f64,
    pub array_buffers: f64,
    pub rss: f64,
    /// `heapTotal`: the V8 heap's reserved pages (0 when unknown).
    pub heap_total: f64,
}

/// Counters about the detector's own state (reported so its memory is visible).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DetectorStats {
    pub series: usize,
    pub open_findings: usize,
    pub dropped_series: u64,
    pub dropped_sites: u64,
    pub ticks: u64,
    pub major_gcs: u64,
    /// Confirming full GCs asked for (`TickResult::want_gc`).
    pub confirming_gcs: u64,
    /// Of those, the ones whose post-GC floor refuted the suspicion (no higher than the
    /// floors from at least 30 s before, see [`Config::confirm_backoff_ms`]).
    pub refuted_confirms: u64,
    /// The least gap before the next confirming GC, ms (grows after refutations).
    pub confirm_gap_ms: f64,
    pub approx_bytes: usize,
}

/// A summary of one series for reports.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesSummary {
    pub kind: Kind,
    pub target: String,
    pub unit: &'static str,
    /// Latest value (floor for memory kinds).
    pub current: f64,
    /// Theil-Sen slope over the window, unit per minute.
    pub growth_per_minute: f64,
    /// Mann-Kendall z over the window.
    pub trend_z: f64,
    pub points: usize,
    /// `[time ms, value]` of the points in the window.
    pub history: Vec<[f64; 2]>,
    pub leaking: bool,
}

/// The detector: all series of one monitor.
#[derive(Debug)]
pub struct Detector {
    cfg: Config,
    series: HashMap<(Kind, String), Series>,
    mem: [MemBucket; 4],
    raw_history: [VecDeque<f64>; 4],
    last_post_gc_tick: [u64; 4],
    last_floor: [Option<f64>; 4],
    /// The last few post-GC floors of each memory kind, `(t, v)`, kept past the window:
    /// what a confirming GC's floor is compared against.
    recent_floors: [VecDeque<(f64, f64)>; 4],
    /// The newest point of each memory series is a raw minimum (no GC behind it).
    raw_point: [bool; 4],
    /// When the latest post-GC floor of each memory kind made it a sampling suspect (a
    /// new high of a rising series), if it did: raw points keep sampling on for
    /// `3 × confirm_gap_ms` after it, so that it bridges to the second floor.
    floor_suspect: [Option<f64>; 4],
    /// When a confirming GC was last asked for (epoch ms).
    last_confirm_at: f64,
    /// Confirming GCs left in the bucket, and when it was last refilled.
    confirm_tokens: f64,
    refilled_at: Option<f64>,
    /// The least gap between confirming GCs now, ms (`confirm_gap_ms`, or more after
    /// refuted suspicions), and the backoff it returns to after a confirmed one (0: none).
    confirm_gap_now: f64,
    confirm_backoff: f64,
    /// The memory kind a confirming GC was asked for, and when: decided on the next
    /// post-GC floor of that kind.
    pending_confirm: Option<(Kind, f64)>,
    confirming_gcs: u64,
    refuted_confirms: u64,
    last_rss: f64,
    started_at: Option<f64>,
    next_id: u32,
    dropped_series: u64,
    dropped_sites: u64,
    ticks: u64,
    major_gcs: u64,
}

const MEM_KINDS: [(Kind, &str); 4] = [
    (Kind::Heap, "heapUsed"),
    (Kind::External, "external"),
    (Kind::ArrayBuffers, "arrayBuffers"),
    (Kind::Rss, "rss"),
];

impl Detector {
    pub fn new(cfg: Config) -> Self {
        Detector {
            series: HashMap::new(),
            mem: [MemBucket::default(); 4],
            raw_history: Default::default(),
            last_post_gc_tick: [0; 4],
            raw_point: [false; 4],
            floor_suspect: [None; 4],
            last_confirm_at: f64::NEG_INFINITY,
            confirm_tokens: 0.0,
            refilled_at: None,
            confirm_gap_now: cfg.confirm_gap_ms,
            confirm_backoff: 0.0,
            pending_confirm: None,
            confirming_gcs: 0,
            refuted_confirms: 0,
            last_floor: [None; 4],
            recent_floors: Default::default(),
            last_rss: 0.0,
            started_at: None,
            next_id: 1,
            dropped_series: 0,
            dropped_sites: 0,
            ticks: 0,
            major_gcs: 0,
            cfg,
        }
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Records a `process.memoryUsage()` sample; `post_gc` marks one taken right after a major GC.
    pub fn observe_memory(&mut self, m: MemorySample, post_gc: bool) {
        if post_gc {
            self.major_gcs += 1;
        }
        // The rss series tracks native memory: rss outside the V8 heap's pages and
        // outside external memory, so that the heap growing its reservation (a busy
        // young generation, more code) is not mistaken for a native leak.
        if m.rss.is_finite() {
            self.last_rss = m.rss;
        }
        let native = (m.rss - m.heap_total.max(0.0) - m.external.max(0.0)).max(0.0);
        let vals = [m.heap_used, m.external, m.array_buffers, native];
        for (b, v) in self.mem.iter_mut().zip(vals) {
            if !v.is_finite() {
                continue;
            }
            b.raw_min = Some(b.raw_min.map_or(v, |x| x.min(v)));
            if post_gc {
                b.post_gc_min = Some(b.post_gc_min.map_or(v, |x| x.min(v)));
            }
        }
    }

    /// Turns this tick's memory samples into floor points (post-GC minimum, or a raw
    /// windowed minimum where V8 ran no major GC for `raw_floor_ticks` ticks).
    fn memory_points(&mut self, now: f64) {
        for (i, (kind, target)) in MEM_KINDS.iter().enumerate() {
            let b = std::mem::take(&mut self.mem[i]);
            let hist = &mut self.raw_history[i];
            if let Some(raw) = b.raw_min {
                hist.push_back(raw);
                while hist.len() > self.cfg.raw_floor_ticks {
                    hist.pop_front();
                }
            }
            // rss is not collected by GC: its floor is the windowed minimum of raw samples.
            let (floor, raw) = if *kind == Kind::Rss {
                if hist.len() >= self.cfg.raw_floor_ticks.min(3) {
                    (hist.iter().copied().reduce(f64::min), false)
                } else {
                    (None, false)
                }
            } else if let Some(v) = b.post_gc_min {
                self.last_post_gc_tick[i] = self.ticks;
                self.last_floor[i] = Some(v);
                let rf = &mut self.recent_floors[i];
                if rf.len() == 8 {
                    rf.pop_front();
                }
                rf.push_back((now, v));
                (Some(v), false)
            } else if self.ticks - self.last_post_gc_tick[i] >= self.cfg.raw_floor_ticks as u64 && hist.len() >= self.cfg.raw_floor_ticks {
                // No major GC for a while: the windowed minimum of raw samples, once per
                // window (its ticks then start over).
                self.last_post_gc_tick[i] = self.ticks;
                (hist.iter().copied().reduce(f64::min), true)
            } else {
                (None, false)
            };
            if let Some(v) = floor {
                self.raw_point[i] = raw;
                self.push_value(*kind, target, now, v, (f64::NAN, f64::NAN), None);
                if raw {
                    if let Some(p) = self.series.get_mut(&(*kind, target.to_string())).and_then(|s| s.points.back_mut()) {
                        p.raw = true;
                    }
                }
            }
        }
    }

    /// A memory finding opens on a floor that is a new high: the newest point, a post-GC
    /// floor, must stand above every earlier floor of the window, by half of what the
    /// fitted `slope` (bytes/ms) adds since the previous floor (at most a tenth of the
    /// kind's minimum growth). [`assess`]'s new-high rule looks at the newest few points,
    /// which for memory (a floor every few seconds) can reach back to the end of a rise
    /// that has since levelled off: a warm-up that stops shortly before the warm-up ends
    /// would open, then close ticks later. A leak's newest floor is its highest. Raw
    /// points (minima with garbage on top) are left out when confirming GCs are on; a raw
    /// newest point passes here and the confirming GC decides. rss points are windowed
    /// minima of raw samples (no GC lowers rss): the same rule applies to them. Counts:
    /// always true.
    ///
    /// `NeedsFloor` when the newest floor was taken during the warm-up: growth seen
    /// only then may have stopped since, so the finding waits for a floor from after it.
    fn floors_set_new_high(&self, key: &(Kind, String), slope: f64) -> FloorGate {
        if !key.0.is_memory() {
            return FloorGate::Pass;
        }
        let Some(s) = self.series.get(key) else { return FloorGate::Pass };
        let Some(last) = s.points.back() else { return FloorGate::Pass };
        let skip_raw = self.cfg.confirm_gc;
        if skip_raw && last.raw {
            return FloorGate::Pass;
        }
        let warm_end = self.started_at.unwrap_or(last.t) + self.cfg.warmup_ms;
        if last.t < warm_end {
            return if self.cfg.confirm_gc && key.0 != Kind::Rss { FloorGate::NeedsFloor } else { FloorGate::Fail };
        }
        // An rss point is the minimum of the last `raw_floor_ticks` ticks' samples, so it
        // trails a rise that has stopped by that many points: only points whose whole
        // window is past the warm-up count as new.
        if key.0 == Kind::Rss && s.points.iter().filter(|p| p.t >= warm_end).count() < self.cfg.raw_floor_ticks {
            return FloorGate::Fail;
        }
        let n = s.points.len();
        let mut before = f64::NEG_INFINITY;
        let mut prev_t = None;
        for p in s.points.iter().take(n - 1).filter(|p| !(skip_raw && p.raw)) {
            before = before.max(p.v);
            prev_t = Some(p.t);
        }
        let Some(prev_t) = prev_t else { return FloorGate::Pass };
        let margin = (0.5 * slope.max(0.0) * (last.t - prev_t)).min(0.1 * self.cfg.rule(key.0).min_abs);
        if last.v > before + margin {
            FloorGate::Pass
        } else {
            FloorGate::Fail
        }
    }

    /// May a memory suspect turn on allocation-site sampling (V8's sampling heap profiler,
    /// the Buffer sampler)? The newest floor must be a new high
    /// ([`Self::floors_set_new_high`]); with confirming GCs on, a raw minimum (garbage on
    /// top of the floor, which climbs in every healthy service between major GCs: in the
    /// overhead bench's service it kept the profiler on a third of the time) counts only
    /// within `3 × confirm_gap_ms` of a post-GC floor that did ([`Self::floor_suspect`]).
    /// A raw suspect alone asks for a confirming GC; if that floor is a new high,
    /// sampling starts and stays on across the gap to the second new-high floor a
    /// finding needs (`confirm_gap_ms` later; with short ticks, the monitor's 15 idle
    /// ticks alone can be shorter than that gap).
    fn suspect_samples(&self, key: &(Kind, String)) -> bool {
        if self.floors_set_new_high(key, 0.0) == FloorGate::Fail {
            return false;
        }
        if !self.cfg.confirm_gc {
            return true;
        }
        let Some(last) = self.series.get(key).and_then(|s| s.points.back()) else { return true };
        !last.raw || MEM_KINDS.iter().position(|(k, _)| *k == key.0).and_then(|i| self.floor_suspect[i]).is_some_and(|t| last.t - t <= 3.0 * self.cfg.confirm_gap_ms)
    }

    /// Called for each memory series with an assessment: when its newest point is a
    /// post-GC floor, remembers whether that floor made it a sampling suspect.
    fn floor_suspect(&mut self, key: &(Kind, String), suspect: bool) {
        let Some(i) = MEM_KINDS.iter().position(|(k, _)| *k == key.0) else { return };
        let Some(last) = self.series.get(key).and_then(|s| s.points.back()) else { return };
        if !last.raw {
            let t = last.t;
            self.floor_suspect[i] = (suspect && self.floors_set_new_high(key, 0.0) != FloorGate::Fail).then_some(t);
        }
    }

    /// Is the newest point of `kind`'s memory series a raw minimum that a confirming
    /// GC should check before deciding on it?
    fn needs_confirmation(&self, kind: Kind) -> bool {
        self.cfg.confirm_gc && MEM_KINDS.iter().position(|(k, _)| *k == kind).is_some_and(|i| self.raw_point[i])
    }

    /// A memory finding opens on two post-GC floors that each set a new high, at least
    /// `confirm_gap_ms` apart and both in the window: the first is remembered and the
    /// finding waits (`true`); the second, if it is again a new high (the caller's gate
    /// passed), opens it (`false`). A floor taken while a burst of load holds its
    /// in-flight memory is a new high once; the next floor taken in a burst holds about
    /// as much, so it is no new high, while a leak's stands higher. rss (windowed
    /// minima, no GC) and detectors without confirming GCs open on one floor.
    fn await_second_floor(&mut self, key: &(Kind, String)) -> bool {
        if !self.cfg.confirm_gc || !key.0.is_memory() || key.0 == Kind::Rss {
            return false;
        }
        let gap = self.cfg.confirm_gap_ms;
        let Some(s) = self.series.get_mut(key) else { return false };
        let (Some(first), Some(last)) = (s.points.front(), s.points.back()) else { return false };
        let (t, v, oldest) = (last.t, last.v, first.t);
        // A first high that has left the window no longer counts.
        if s.first_high.is_some_and(|(t0, _)| t0 < oldest) {
            s.first_high = None;
        }
        match s.first_high {
            Some((t0, _)) if t - t0 >= gap => {
                s.first_high = None;
                false
            }
            Some(_) => true,
            None => {
                s.first_high = Some((t, v));
                true
            }
        }
    }

    /// Takes a confirming GC from the budget if one is allowed now.
    fn take_confirm(&mut self, now: f64) -> bool {
        let last = *self.refilled_at.get_or_insert(now - self.cfg.confirm_budget * self.cfg.confirm_refill_ms);
        self.confirm_tokens = (self.confirm_tokens + (now - last) / self.cfg.confirm_refill_ms).min(self.cfg.confirm_budget);
        self.refilled_at = Some(now);
        if self.confirm_tokens >= 1.0 && now - self.last_confirm_at >= self.confirm_gap_now {
            self.confirm_tokens -= 1.0;
            self.last_confirm_at = now;
            self.confirming_gcs += 1;
            return true;
        }
        false
    }

    /// Settles a pending confirming GC on the tick that brought a post-GC floor of its
    /// kind. A floor that is no new high refutes the suspicion: the least gap before the
    /// next confirming GC backs off (`confirm_backoff_ms`, doubling up to
    /// `confirm_backoff_max_ms`). One that is a new high confirms it: the next
    /// confirming GC (the second floor a memory finding needs) may follow at
    /// `confirm_gap_ms`, and the backoff is kept until a finding opens. In a healthy
    /// service under load, raw minima (promoted garbage on top of the floor) keep looking
    /// like growth, and each forced full GC makes V8 deoptimize and re-optimize code
    /// (bench/overhead measured ~0.5 s of CPU each): the backoff keeps those to a few an
    /// hour, while a leak's floors, which keep setting new highs, open at the short gap.
    fn settle_confirm(&mut self, now: f64, pending: Option<(Kind, f64)>, memory_finding_open: bool) {
        if memory_finding_open {
            self.confirm_backoff = 0.0;
            self.confirm_gap_now = self.cfg.confirm_gap_ms;
        }
        let Some((kind, asked_at)) = pending else { return };
        let target = MEM_KINDS.iter().find(|(k, _)| *k == kind).map_or("", |(_, t)| *t);
        let Some(s) = self.series.get(&(kind, target.to_string())) else { return };
        let floor_now = s.points.back().is_some_and(|p| p.t == now && !p.raw);
        if floor_now {
            // The floor against post-GC floors from at least 30 s before (the highest of
            // those in the window, else the newest older one): higher by more than their
            // noise (a quarter of the kind's minimum growth) confirms the suspicion,
            // anything less refutes it; with none to compare against it says nothing yet,
            // and the next floor, soon, decides.
            let last = s.points.back().map_or(0.0, |p| p.v);
            let window_start = s.points.front().map_or(now, |p| p.t);
            let i = MEM_KINDS.iter().position(|(k, _)| *k == kind).unwrap_or(0);
            let mut older = self.recent_floors[i].iter().filter(|(t, _)| *t <= now - 30_000.0);
            let before = older.clone().filter(|(t, _)| *t >= window_start).map(|(_, v)| *v).reduce(f64::max).or_else(|| older.next_back().map(|(_, v)| *v));
            match before {
                Some(b) if last <= b + 0.25 * self.cfg.rule(kind).min_abs => {
                    self.refuted_confirms += 1;
                    self.confirm_backoff = (self.confirm_backoff * 2.0).max(self.cfg.confirm_backoff_ms).min(self.cfg.confirm_backoff_max_ms);
                    self.confirm_gap_now = self.confirm_backoff.max(self.cfg.confirm_gap_ms);
                }
                _ => self.confirm_gap_now = self.cfg.confirm_gap_ms,
            }
        } else if now - asked_at <= 6.0 * self.cfg.confirm_gap_ms && self.pending_confirm.is_none() {
            // Still waiting for the floor (unless the host never answers: forced GCs off).
            self.pending_confirm = Some((kind, asked_at));
        }
    }

    fn push_value(&mut self, kind: Kind, target: &str, t: f64, v: f64, extra: (f64, f64), min_level: Option<f64>) {
        let key = (kind, target.to_string());
        if !self.series.contains_key(&key) {
            if self.series.len() >= self.cfg.max_series {
                self.dropped_series += 1;
                return;
            }
            self.series.insert(key.clone(), Series::new(kind, target.to_string(), 0.0));
        }
        let window = self.cfg.window;
        if let Some(s) = self.series.get_mut(&key) {
            if let Some(l) = min_level {
                s.min_level = l;
            }
            s.push(Point { t, v, adds: extra.0, aged: extra.1, raw: false }, window);
        }
    }

    fn update_sites(&mut self, kind: Kind, target: &str, t: f64, sites: Vec<Site>) {
        let max_sites = self.cfg.max_sites;
        let Some(s) = self.series.get_mut(&(kind, target.to_string())) else { return };
        let counts = !kind.is_memory();
        for site in sites {
            if !site.count.is_finite() {
                continue;
            }
            match s.sites.get_mut(&site.stack) {
                Some(st) => {
                    st.current = site.count;
                    st.last_seen = t;
                }
                None => {
                    s.sites.insert(site.stack, SiteStat { first: site.count, current: site.count, last_seen: t });
                }
            }
        }
        // Counts: a site not reported has no live objects left.
        if counts {
            for st in s.sites.values_mut() {
                if st.last_seen < t {
                    st.current = 0.0;
                }
            }
        }
        if s.sites.len() > max_sites {
            let mut v: Vec<(String, f64)> = s.sites.iter().map(|(k, st)| (k.clone(), st.current)).collect();
            v.sort_by(|a, b| a.1.total_cmp(&b.1));
            let excess = s.sites.len() - max_sites;
            for (k, _) in v.into_iter().take(excess) {
                s.sites.remove(&k);
                self.dropped_sites += 1;
            }
        }
    }

    /// Records a fresh set of creation sites for a series between ticks (a heap profile
    /// read when a finding opens) and returns the series' open finding with them, if any.
    pub fn refresh_sites(&mut self, kind: Kind, target: &str, now: f64, sites: Vec<Site>) -> Option<Finding> {
        self.update_sites(kind, target, now, sites);
        let s = self.series.get(&(kind, target.to_string()))?;
        s.finding.as_ref()?;
        Some(self.finding_of(s, now))
    }

    /// Removes a series (an untracked emitter); its open finding closes.
    pub fn remove_series(&mut self, kind: Kind, target: &str) -> Option<Finding> {
        let s = self.series.remove(&(kind, target.to_string()))?;
        s.finding.as_ref().map(|_| self.finding_of(&s, 0.0))
    }

    /// One tick: records the samples, turns memory samples into floor points, and
    /// evaluates every series. `now` is epoch ms.
    pub fn tick(&mut self, now: f64, samples: Vec<Sample>) -> TickResult {
        if self.started_at.is_none() {
            self.started_at = Some(now);
        }
        self.ticks += 1;
        for s in samples {
            if let Some(v) = s.value {
                if v.is_finite() {
                    let extra = (s.adds.unwrap_or(f64::NAN), s.aged.unwrap_or(f64::NAN));
                    self.push_value(s.kind, &s.target, now, v, extra, s.min_level);
                }
            }
            if let Some(sites) = s.sites {
                self.update_sites(s.kind, &s.target, now, sites);
            }
        }
        self.memory_points(now);

        let mut out = TickResult::default();
        let warm = now - self.started_at.unwrap_or(now) >= self.cfg.warmup_ms;
        // Stale series (dropped emitters, sites gone) are removed.
        let stale: Vec<(Kind, String)> = self
            .series
            .iter()
            .filter(|(_, s)| now - s.last_update > self.cfg.stale_ms)
            .map(|(k, _)| k.clone())
            .collect();
        for k in stale {
            if let Some(mut f) = self.remove_series(k.0, &k.1) {
                f.closed_at = Some(now);
                out.closed.push(f);
            }
        }

        let keys: Vec<(Kind, String)> = self.series.keys().cloned().collect();
        let pending = self.pending_confirm.take();
        for key in keys {
            let (assessment, has_finding) = {
                let s = &self.series[&key];
                let pts: Vec<Point2> = s.points.iter().map(|p| (p.t, p.v)).collect();
                (assess(&pts, s.churn(), s.evicted_max, s.kind, s.min_level, &self.cfg), s.finding.is_some())
            };
            let Some(a) = assessment else { continue };
            // A memory suspect turns on allocation-site sampling (V8's sampling heap profiler,
            // whose profile takes ~100 ms to read at 70 MB): only while the newest floor is
            // a new high, which noise around a flat floor rarely is.
            if key.0.is_memory() {
                self.floor_suspect(&key, a.suspect);
            }
            if a.suspect && key.0.is_memory() && !out.suspects.contains(&key.0) && (has_finding || self.suspect_samples(&key)) {
                out.suspects.push(key.0);
            }
            if (a.suspect || has_finding) && !key.0.is_memory() && !out.growing.contains(&key.0) {
                out.growing.push(key.0);
            }
            // (A series that is only suspect asks for no GC: a forced full GC makes V8
            // deoptimize code whose embedded objects died, which in a busy service costs
            // far more than the pause; bench/overhead measured it.)
            let gate = if !has_finding && warm && a.rising { self.floors_set_new_high(&key, a.slope) } else { FloorGate::Fail };
            if gate != FloorGate::Fail && !self.explained_by_other(key.0, &key.1, a.slope) {
                if gate == FloorGate::NeedsFloor || self.needs_confirmation(key.0) {
                    // Decide on a post-GC floor, not on a minimum that includes garbage.
                    if !out.want_gc && self.take_confirm(now) {
                        out.want_gc = true;
                        out.want_gc_for = Some(key.0);
                        self.pending_confirm = Some((key.0, now));
                    }
                    continue;
                }
                if self.await_second_floor(&key) {
                    continue;
                }
                let id = self.next_id;
                self.next_id += 1;
                let s = self.series.get_mut(&key).expect("series exists");
                // Where post-GC floors decide, the fit over raw and post-GC points can start
                // above the floors (garbage): the baseline is then the window's first floor.
                let baseline = if self.cfg.confirm_gc && key.0.is_memory() && key.0 != Kind::Rss {
                    s.points.iter().find(|p| !p.raw).map_or(a.baseline, |p| p.v.min(a.baseline))
                } else {
                    a.baseline
                };
                s.finding = Some(OpenFinding { id, since: now, baseline, slope: a.slope, z: a.z, quiet: 0 });
                // Site growth is measured from here on for sites seen before the finding.
                let s = &self.series[&key];
                out.opened.push(self.finding_of(s, now));
            } else if has_finding {
                let s = self.series.get_mut(&key).expect("series exists");
                // A memory series gets a floor point only every few ticks: a tick without
                // one brings no new evidence either way.
                if key.0.is_memory() && s.points.back().is_none_or(|p| p.t != now) {
                    continue;
                }
                // Nor does a raw point (garbage on top of the floor) where post-GC floors
                // decide: its sawtooth is no sign that the growth stopped.
                if self.cfg.confirm_gc && key.0 != Kind::Rss && s.points.back().is_some_and(|p| p.raw) {
                    continue;
                }
                let f = s.finding.as_mut().expect("finding exists");
                if a.still_rising {
                    f.slope = a.slope;
                    f.z = a.z;
                    f.quiet = 0;
                } else {
                    f.quiet += 1;
                }
                let close = f.quiet >= self.cfg.close_after || (f.quiet > 0 && recent_flat(s, &self.cfg));
                if close {
                    let s = &self.series[&key];
                    let mut fin = self.finding_of(s, now);
                    fin.closed_at = Some(now);
                    out.closed.push(fin);
                    if let Some(s) = self.series.get_mut(&key) {
                        s.finding = None;
                    }
                }
            }
        }
        let memory_finding_open = MEM_KINDS[..3].iter().any(|(k, t)| self.series.get(&(*k, t.to_string())).is_some_and(|s| s.finding.is_some()));
        self.settle_confirm(now, pending, memory_finding_open);
        out.suspects.sort_by_key(|k| k.index());
        out.growing.sort_by_key(|k| k.index());
        out
    }

    /// Series overlap: `external` includes `arrayBuffers`; native memory grows with the
    /// heap and external memory; file descriptors and socket handles grow with streams
    /// and servers. A series whose growth another rising series already explains does
    /// not open its own finding.
    fn explained_by_other(&self, kind: Kind, target: &str, slope: f64) -> bool {
        /// File descriptors a Worker thread opens (measured on Node 20 x64: 4).
        const FDS_PER_WORKER: f64 = 4.0;
        match kind {
            Kind::External => self.growing(Kind::ArrayBuffers, |t| t == "arrayBuffers") >= 0.5 * slope,
            Kind::Rss => {
                let explained = self.growing(Kind::Heap, |t| t == "heapUsed") + self.growing(Kind::External, |t| t == "external");
                // Worker threads each take megabytes of native memory (own isolate, stack).
                explained >= 0.3 * slope || self.growing(Kind::Handles, |t| t == "Worker") > 0.0
            }
            // Open file descriptors are held by streams, sockets and servers: when those
            // grow, the fd count is the same leak seen again.
            // A Worker thread holds FDS_PER_WORKER of them (its event loop's epoll and
            // eventfd, its async handles).
            Kind::Handles if target == "fd" => {
                let explained = self.growing(Kind::Streams, |_| true)
                    + self.growing(Kind::Handles, |t| t != "fd" && t != "Worker" && t != "MessagePort")
                    + FDS_PER_WORKER * self.growing(Kind::Handles, |t| t == "Worker");
                explained >= 0.5 * slope
            }
            // A Worker listened to keeps its MessagePort active: one port per leaked Worker.
            Kind::Handles if target == "MessagePort" => self.growing(Kind::Handles, |t| t == "Worker") >= 0.5 * slope,
            // A socket handle (TCPSocketWrap, Pipe...) behind a growing stream count.
            Kind::Handles if target != "Worker" => self.growing(Kind::Streams, |_| true) >= 0.5 * slope,
            _ => false,
        }
    }

    /// Summed upward slope of the series of `kind` whose target passes `filter`:
    /// the open finding's slope, or the window's when it is at least suspect.
    fn growing(&self, kind: Kind, filter: impl Fn(&str) -> bool) -> f64 {
        let mut sum = 0.0;
        for s in self.series.values().filter(|s| s.kind == kind && filter(&s.target)) {
            if let Some(f) = &s.finding {
                sum += f.slope.max(0.0);
                continue;
            }
            let pts: Vec<Point2> = s.points.iter().map(|p| (p.t, p.v)).collect();
            sum += match assess(&pts, Churn::default(), s.evicted_max, kind, s.min_level, &self.cfg) {
                Some(a) if a.suspect => a.slope.max(0.0),
                Some(_) => 0.0,
                // Too few floor points yet (major GCs are rarer than ticks): the raw slope.
                None => match (pts.first(), pts.last()) {
                    (Some(a), Some(b)) if b.0 > a.0 => ((b.1 - a.1) / (b.0 - a.0)).max(0.0),
                    _ => 0.0,
                },
            };
        }
        sum
    }

    fn finding_of(&self, s: &Series, _now: f64) -> Finding {
        let f = s.finding.as_ref().expect("finding_of needs an open finding");
        let current = s.points.back().map_or(0.0, |p| p.v);
        let per_min = f.slope * 60_000.0;
        let time_to_limit_ms = self.time_to_limit(s.kind, current, f.slope);
        let mut sites: Vec<(&String, &SiteStat)> = s.sites.iter().filter(|(_, st)| st.current > 0.0).collect();
        sites.sort_by(|a, b| {
            let ga = a.1.current - a.1.first;
            let gb = b.1.current - b.1.first;
            gb.total_cmp(&ga).then(b.1.current.total_cmp(&a.1.current)).then(a.0.cmp(b.0))
        });
        // Site counts are sampled estimates: never let them add up to more than the count.
        let total: f64 = sites.iter().map(|(_, st)| st.current).sum();
        let scale = if !s.kind.is_memory() && total > current && total > 0.0 { current / total } else { 1.0 };
        let sites: Vec<Site> = sites
            .into_iter()
            .take(self.cfg.top_sites)
            .map(|(k, st)| Site { stack: k.clone(), count: (st.current * scale).round() })
            .collect();
        let confidence = normal_cdf(f.z);
        let message = message(s.kind, &s.target, f.baseline, current, per_min, confidence, time_to_limit_ms, sites.first());
        Finding {
            id: f.id,
            kind: s.kind,
            target: s.target.clone(),
            unit: s.kind.unit(),
            baseline: f.baseline,
            current,
            growth_per_minute: per_min,
            confidence,
            time_to_limit_ms,
            sites,
            since: f.since,
            closed_at: None,
            message,
        }
    }

    fn time_to_limit(&self, kind: Kind, current: f64, slope: f64) -> Option<f64> {
        if slope <= 0.0 {
            return None;
        }
        let (limit, used) = match kind {
            Kind::Heap => (self.cfg.heap_limit, current),
            Kind::External | Kind::ArrayBuffers | Kind::Rss => {
                (self.cfg.memory_limit, self.last_rss.max(current))
            }
            _ => return None,
        };
        if limit <= 0.0 {
            return None;
        }
        Some(((limit - used).max(0.0) / slope).round())
    }

    /// The open findings, most recent first.
    pub fn findings(&self) -> Vec<Finding> {
        let mut v: Vec<Finding> =
            self.series.values().filter(|s| s.finding.is_some()).map(|s| self.finding_of(s, 0.0)).collect();
        v.sort_by(|a, b| b.since.total_cmp(&a.since).then(a.id.cmp(&b.id)));
        v
    }

    /// Summaries of all series, for reports.
    pub fn series_summaries(&self, with_history: bool) -> Vec<SeriesSummary> {
        let mut v: Vec<SeriesSummary> = self
            .series
            .values()
            .map(|s| {
                let pts: Vec<Point2> = s.points.iter().map(|p| (p.t, p.v)).collect();
                let a = assess(&pts, s.churn(), s.evicted_max, s.kind, s.min_level, &self.cfg);
                SeriesSummary {
                    kind: s.kind,
                    target: s.target.clone(),
                    unit: s.kind.unit(),
                    current: s.points.back().map_or(0.0, |p| p.v),
                    growth_per_minute: a.map_or(0.0, |a| a.slope * 60_000.0),
                    trend_z: a.map_or(0.0, |a| a.z),
                    points: s.points.len(),
                    history: if with_history { s.points.iter().map(|p| [p.t, p.v]).collect() } else { Vec::new() },
                    leaking: s.finding.is_some(),
                }
            })
            .collect();
        v.sort_by(|a, b| a.kind.index().cmp(&b.kind.index()).then(a.target.cmp(&b.target)));
        v
    }

    /// Counters about the detector itself.
    pub fn stats(&self) -> DetectorStats {
        DetectorStats {
            series: self.series.len(),
            open_findings: self.series.values().filter(|s| s.finding.is_some()).count(),
            dropped_series: self.dropped_series,
            dropped_sites: self.dropped_sites,
            ticks: self.ticks,
            major_gcs: self.major_gcs,
            confirming_gcs: self.confirming_gcs,
            refuted_confirms: self.refuted_confirms,
            confirm_gap_ms: self.confirm_gap_now,
            approx_bytes: std::mem::size_of::<Detector>() + self.series.values().map(Series::approx_bytes).sum::<usize>(),
        }
    }
}

/// Growth has stopped when the recent segment shows no significant upward trend.
/// With confirming GCs on, a memory series is judged on its post-GC floors only: raw
/// points (minima with garbage on top) sit above the floors, so one true floor after a
/// run of raw points (the full GC of a profile read, say) would look like a drop and
/// close a slow leak's finding while it still grows.
fn recent_flat(s: &Series, cfg: &Config) -> bool {
    let skip_raw = cfg.confirm_gc && s.kind.is_memory();
    let vs: Vec<f64> = s.points.iter().filter(|p| !(skip_raw && p.raw)).map(|p| p.v).collect();
    let n = vs.len();
    let r = (n / 3).max(5).min(n);
    if r < 5 {
        return false;
    }
    mann_kendall(&vs[n - r..]).z < cfg.z_close
}

fn fmt_value(unit: &str, v: f64) -> String {
    if unit == "bytes" {
        let a = v.abs();
        if a >= 1024.0 * MIB {
            format!("{:.2} GiB", v / (1024.0 * MIB))
        } else if a >= MIB {
            format!("{:.1} MiB", v / MIB)
        } else if a >= 1024.0 {
            format!("{:.1} KiB", v / 1024.0)
        } else {
            format!("{:.0} B", v)
        }
    } else {
        format!("{:.0} {}", v, unit)
    }
}

fn fmt_duration(ms: f64) -> String {
    let s = ms / 1000.0;
    if s < 120.0 {
        format!("{:.0} s", s)
    } else if s < 7200.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 172_800.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} days", s / 86_400.0)
    }
}

#[allow(clippy::too_many_arguments)]
fn message(
    kind: Kind,
    target: &str,
    baseline: f64,
    current: f64,
    per_min: f64,
    confidence: f64,
    ttl: Option<f64>,
    top: Option<&Site>,
) -> String {
    let unit = kind.unit();
    let what = match kind {
        Kind::Listeners => format!("listeners on {target}"),
        Kind::Timers => format!("live {target} timers"),
        Kind::Streams => format!("open {target} streams"),
        Kind::Handles => format!("active {target} handles"),
        Kind::Heap => "post-GC heapUsed".to_string(),
        Kind::External => "post-GC external memory".to_string(),
        Kind::ArrayBuffers => "post-GC arrayBuffers memory".to_string(),
        Kind::Rss => "native memory (rss outside the V8 heap and external memory; an addon, zlib, threads, or allocator fragmentation)".to_string(),
    };
    let rate = if unit == "bytes" { fmt_value(unit, per_min) } else { format!("{per_min:.0}") };
    let mut m = format!(
        "{what} keep growing: {} -> {} (+{rate}/min, {:.1}% confidence)",
        fmt_value(unit, baseline.max(0.0)),
        fmt_value(unit, current),
        confidence * 100.0
    );
    if let Some(t) = ttl {
        m.push_str(&format!(", limit reached in ~{}", fmt_duration(t)));
    }
    if let Some(site) = top {
        let first = site.stack.lines().next().unwrap_or("");
        m.push_str(&format!("; top site {first}"));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: f64 = 1_700_000_000_000.0;

    fn det() -> Detector {
        Detector::new(Config { warmup_ms: 0.0, ..Config::default() })
    }

    fn count_sample(target: &str, v: f64) -> Sample {
        Sample { kind: Kind::Listeners, target: target.into(), value: Some(v), adds: None, aged: None, min_level: None, sites: None }
    }

    /// Feeds `f(i)` for ticks 0..n one second apart; returns (first open tick, open at end).
    fn run_counts(n: usize, f: impl Fn(usize) -> f64) -> (Option<usize>, bool, Detector) {
        let mut d = det();
        let mut first = None;
        for i in 0..n {
            let r = d.tick(T0 + i as f64 * 1000.0, vec![count_sample("bus:tick", f(i))]);
            if first.is_none() && !r.opened.is_empty() {
                first = Some(i);
            }
        }
        let open = !d.findings().is_empty();
        (first, open, d)
    }

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((*seed >> 11) as f64) / ((1u64 << 53) as f64)
    }

    #[test]
    fn monotonic_growth_opens_quickly() {
        let (first, open, d) = run_counts(40, |i| 5.0 + 3.0 * i as f64);
        let first = first.expect("a steadily rising count must open a finding");
        assert!(first <= 10, "opened at tick {first}");
        assert!(open);
        let f = &d.findings()[0];
        assert_eq!(f.kind, Kind::Listeners);
        assert!((f.growth_per_minute - 180.0).abs() < 1.0, "{}", f.growth_per_minute);
        assert!(f.confidence > 0.99);
        assert!(f.message.contains("listeners on bus:tick"), "{}", f.message);
    }

    #[test]
    fn growing_names_count_kinds_that_rise_and_nothing_when_flat() {
        let mut d = det();
        let mut growing_at = None;
        for i in 0..30 {
            let r = d.tick(T0 + i as f64 * 1000.0, vec![count_sample("bus:tick", 5.0 + 3.0 * i as f64)]);
            assert!(r.suspects.is_empty(), "count kinds are not memory suspects");
            if growing_at.is_none() && r.growing == vec![Kind::Listeners] {
                growing_at = Some(i);
            }
        }
        let at = growing_at.expect("a rising listener count is reported as growing");
        assert!(at <= 10, "growing from tick {at}");
        let mut flat = det();
        for i in 0..30 {
            let r = flat.tick(T0 + i as f64 * 1000.0, vec![count_sample("bus:tick", 5.0 + (i % 2) as f64)]);
            assert!(r.growing.is_empty(), "flat series reported growing at tick {i}");
        }
    }

    #[test]
    fn growth_with_noise_opens() {
        let mut seed = 7;
        let noise: Vec<f64> = (0..60).map(|_| lcg(&mut seed) * 20.0).collect();
        let (first, open, _) = run_counts(60, |i| 50.0 + 2.0 * i as f64 + noise[i]);
        assert!(first.is_some() && open);
    }

    #[test]
    fn bounded_noise_never_opens() {
        let mut seed = 42;
        let noise: Vec<f64> = (0..600).map(|_| lcg(&mut seed) * 100.0).collect();
        let (first, _, _) = run_counts(600, |i| noise[i]);
        assert_eq!(first, None);
    }

    #[test]
    fn sawtooth_never_opens() {
        // Warm-up spans more than one period; afterwards no cycle climbs above the first.
        let mut d = Detector::new(Config { warmup_ms: 20_000.0, ..Config::default() });
        for i in 0..300 {
            let r = d.tick(T0 + i as f64 * 1000.0, vec![count_sample("x", 10.0 + (i % 15) as f64 * 8.0)]);
            assert!(r.opened.is_empty(), "opened at {i}");
        }
    }

    #[test]
    fn warmup_plateau_never_opens_after_warmup() {
        let mut d = Detector::new(Config { warmup_ms: 20_000.0, ..Config::default() });
        for i in 0..200 {
            let v = if i < 15 { 10.0 * i as f64 } else { 150.0 };
            let r = d.tick(T0 + i as f64 * 1000.0, vec![count_sample("x", v)]);
            assert!(r.opened.is_empty(), "opened at {i}");
        }
    }

    #[test]
    fn asymptotic_plateau_does_not_stay_open() {
        // Growth that slows down toward a plateau: may open early, must close.
        let (_, open, _) = run_counts(200, |i| 1000.0 * (1.0 - (-(i as f64) / 15.0).exp()));
        assert!(!open);
    }

    #[test]
    fn single_step_never_opens() {
        let (first, _, _) = run_counts(120, |i| if i < 50 { 20.0 } else { 300.0 });
        assert_eq!(first, None);
    }

    #[test]
    fn growth_that_stops_closes() {
        let mut d = det();
        let mut opened = false;
        let mut closed_at = None;
        for i in 0..120 {
            let v = if i < 40 { 5.0 * i as f64 } else { 200.0 };
            let r = d.tick(T0 + i as f64 * 1000.0, vec![count_sample("x", v)]);
            opened |= !r.opened.is_empty();
            if !r.closed.is_empty() && closed_at.is_none() {
                closed_at = Some(i);
                assert!(r.closed[0].closed_at.is_some());
            }
        }
        assert!(opened);
        let c = closed_at.expect("finding must close after growth stops");
        assert!(c > 40 && c < 60, "closed at {c}");
        assert!(d.findings().is_empty());
    }

    #[test]
    fn small_growth_below_threshold_is_ignored() {
        // +1 listener every 10 s: 3 over the window — below min_abs (10).
        let (first, _, _) = run_counts(100, |i| 2.0 + (i / 10) as f64);
        assert_eq!(first, None);
    }

    #[test]
    fn min_level_holds_findings_back() {
        let mut d = det();
        let mut opened = false;
        for i in 0..40 {
            let s = Sample { min_level: Some(1000.0), ..count_sample("x", 5.0 * i as f64) };
            opened |= !d.tick(T0 + i as f64 * 1000.0, vec![s]).opened.is_empty();
        }
        assert!(!opened);
    }

    fn mem(heap: f64) -> MemorySample {
        MemorySample { heap_used: heap, external: 1.0 * MIB, array_buffers: 0.5 * MIB, rss: 80.0 * MIB + heap, heap_total: heap * 1.2 }
    }

    #[test]
    fn heap_leak_is_seen_on_post_gc_floors_under_garbage() {
        let mut d = Detector::new(Config { warmup_ms: 0.0, heap_limit: 512.0 * MIB, ..Config::default() });
        let mut opened = None;
        for i in 0..60 {
            let floor = 20.0 * MIB + i as f64 * 0.5 * MIB;
            // Garbage between GCs: raw samples are well above the floor.
            d.observe_memory(mem(floor + 30.0 * MIB), false);
            d.observe_memory(mem(floor), true);
            let r = d.tick(T0 + i as f64 * 1000.0, vec![]);
            if let Some(f) = r.opened.into_iter().find(|f| f.kind == Kind::Heap) {
                opened.get_or_insert(f);
            }
        }
        let f = opened.expect("heap leak must open");
        assert_eq!(f.target, "heapUsed");
        assert_eq!(f.unit, "bytes");
        assert!((f.growth_per_minute - 30.0 * MIB).abs() < 1.0 * MIB);
        let ttl = f.time_to_limit_ms.expect("heap finding projects time to heap_size_limit");
        assert!(ttl > 0.0 && ttl < 20.0 * 60_000.0, "{ttl}");
    }

    #[test]
    fn raw_floors_ask_for_one_confirming_gc_before_a_memory_finding_opens() {
        // No major GC of V8's own: raw samples only, rising 1 MiB a tick (a leak).
        let mut d = det();
        let mut want = Vec::new();
        let mut opened_at = None;
        for i in 0..120 {
            let raw = 30.0 * MIB + i as f64 * MIB;
            let post_gc = want.last() == Some(&(i - 1));
            // the host answers a want_gc with a post-GC sample on the next tick
            d.observe_memory(mem(raw - if post_gc { 0.5 * MIB } else { 0.0 }), post_gc);
            let r = d.tick(T0 + i as f64 * 1000.0, vec![]);
            if r.want_gc {
                want.push(i);
            }
            if opened_at.is_none() && r.opened.iter().any(|f| f.kind == Kind::Heap) {
                opened_at = Some(i);
            }
        }
        let opened = opened_at.expect("the confirmed leak opens");
        // it opens right after a post-GC floor, within 40 s of a 1 MiB/s leak
        assert!(want.iter().any(|&w| opened > w && opened <= w + 2), "asked at {want:?}, opened at {opened}");
        assert!(opened <= 40, "opened at {opened}");
        // rate-limited: never two requests within confirm_gap_ms (5 s)
        assert!(want.windows(2).all(|w| w[1] - w[0] >= 5), "{want:?}");
    }

    /// Heap floors rising 9 -> 34 MiB until tick `rise_end`, then flat; V8 runs a major GC
    /// every `gc_every` ticks, raw minima carry garbage in between, and the host answers
    /// a want_gc with a post-GC sample on the next tick. Returns the ticks where a heap
    /// finding opened (warm-up 30 s).
    fn heap_rise_then(rise_end: usize, gc_every: usize, leak_on: bool) -> Vec<usize> {
        let mut d = Detector::new(Config { warmup_ms: 30_000.0, ..Config::default() });
        let mut want_at = None;
        let mut opened = Vec::new();
        for i in 0..120usize {
            let top = 9.0 * MIB + 25.0 * MIB;
            let floor = if i < rise_end {
                9.0 * MIB + i as f64 * 25.0 / rise_end as f64 * MIB
            } else if leak_on {
                top + (i - rise_end) as f64 * 0.5 * MIB
            } else {
                top + ((i * 7919) % 5) as f64 * 0.02 * MIB
            };
            let post_gc = i % gc_every == gc_every - 1 || want_at == Some(i - 1);
            let garbage = 2.5 * MIB * ((i % gc_every) as f64 + 1.0) / gc_every as f64;
            d.observe_memory(mem(if post_gc { floor } else { floor + garbage }), post_gc);
            let r = d.tick(T0 + i as f64 * 1000.0, vec![]);
            if r.opened.iter().any(|f| f.kind == Kind::Heap) {
                opened.push(i);
            }
            if r.want_gc {
                want_at = Some(i);
            }
        }
        opened
    }

    #[test]
    fn noisy_flat_heap_is_rarely_a_suspect() {
        // Post-GC floors wander ±1 MiB around 40 MiB (a busy healthy service); V8 runs a
        // major GC every 3 ticks. Suspicion turns on the sampling heap profiler, so it
        // must stay rare here.
        let mut d = det();
        let mut seed = 11;
        let mut suspect_ticks = 0;
        for i in 0..600usize {
            let post_gc = i % 3 == 2;
            let floor = 40.0 * MIB + (lcg(&mut seed) - 0.5) * 2.0 * MIB;
            d.observe_memory(mem(if post_gc { floor } else { floor + 6.0 * MIB }), post_gc);
            let r = d.tick(T0 + i as f64 * 1000.0, vec![]);
            assert!(r.opened.is_empty(), "opened at {i}");
            if r.suspects.contains(&Kind::Heap) {
                suspect_ticks += 1;
            }
        }
        assert!(suspect_ticks <= 5, "heap suspect in {suspect_ticks} of 600 ticks");
    }

    /// A service ticked every second for two hours: post-GC floors around 8 MiB
    /// (±0.3 MiB); promoted garbage piles up on the old generation at `garbage_per_tick`
    /// bytes until a major GC (V8's own once 12 MiB of it piled up, or a confirming one)
    /// clears it; raw samples also hold 0-3 MiB of the young generation. From tick
    /// `leak_from` on the heap leaks `leak_per_tick` bytes. The host answers a want_gc
    /// with a post-GC sample on the next tick. Returns (confirming GCs asked for, first
    /// tick a heap finding opened, the detector).
    fn bursty_service(cfg: Config, garbage_per_tick: f64, leak_from: usize, leak_per_tick: f64) -> (usize, Option<usize>, Detector) {
        let (wants, opened, d, _) = bursty_service_sampling(cfg, garbage_per_tick, leak_from, leak_per_tick);
        (wants, opened, d)
    }

    /// What the monitor's sampling heap profiler would do in [`bursty_service`]: on while
    /// the heap is a suspect and for 15 ticks after (lib/monitor.js HEAP_SITES_IDLE_TICKS).
    #[derive(Debug, Default)]
    struct Sampling {
        /// Ticks with the profiler on, before `leak_from`.
        on_ticks: usize,
        /// Episodes started before `leak_from`.
        episodes: usize,
        /// The first tick at or after `leak_from` with the heap a suspect.
        first_after_leak: Option<usize>,
    }

    fn bursty_service_sampling(cfg: Config, garbage_per_tick: f64, leak_from: usize, leak_per_tick: f64) -> (usize, Option<usize>, Detector, Sampling) {
        let mut d = Detector::new(cfg);
        let mut sampling = Sampling::default();
        let mut idle: Option<usize> = None; // ticks since the last suspect while on
        let mut seed = 5;
        let (mut wants, mut opened, mut want_at) = (0, None, None);
        let mut closed = false;
        let mut garbage = 0.0;
        for i in 0..7200usize {
            let leak = i.saturating_sub(leak_from) as f64 * leak_per_tick;
            let floor = 8.0 * MIB + (lcg(&mut seed) - 0.5) * 0.6 * MIB + leak;
            garbage += garbage_per_tick;
            let post_gc = garbage >= 12.0 * MIB || want_at == Some(i - 1);
            if post_gc {
                garbage = 0.0;
            }
            let young = lcg(&mut seed) * 3.0 * MIB;
            d.observe_memory(mem(if post_gc { floor } else { floor + garbage + young }), post_gc);
            let r = d.tick(T0 + i as f64 * 1000.0, vec![]);
            if r.want_gc {
                wants += 1;
                want_at = Some(i);
            }
            if opened.is_none() && r.opened.iter().any(|f| f.kind == Kind::Heap) {
                opened = Some(i);
            }
            closed |= r.closed.iter().any(|f| f.kind == Kind::Heap);
            let suspect = r.suspects.contains(&Kind::Heap);
            if i < leak_from {
                idle = match (suspect, idle) {
                    (true, None) => {
                        sampling.episodes += 1;
                        Some(0)
                    }
                    (true, Some(_)) => Some(0),
                    (false, Some(n)) if n + 1 >= 15 => None,
                    (false, Some(n)) => Some(n + 1),
                    (false, None) => None,
                };
                sampling.on_ticks += usize::from(idle.is_some());
            } else if suspect && sampling.first_after_leak.is_none() {
                sampling.first_after_leak = Some(i);
            }
        }
        assert!(!closed, "a heap finding closed");
        (wants, opened, d, sampling)
    }

    #[test]
    fn a_garbage_sawtooth_keeps_the_sampling_heap_profiler_mostly_off() {
        // Raw minima climb between major GCs in every healthy service; the sampling heap
        // profiler (~5 % of CPU while on, docs/overhead.md) starts on a memory suspect.
        // When raw suspects could start it, it was on 81/71/57/18 % of the first hour at
        // 0.02/0.05/0.1/0.2 MiB/s of garbage; with only new-high post-GC floors starting
        // it (and raw suspects keeping it on for 15 s after such a floor): 7/15/13/1 %. A leak from the second hour on still turns it on before its
        // finding opens (100 KB/s: 101/49/67/61 s in, opened 143/55/124/103 s in; 30 KB/s:
        // 241/79/82/66 s, opened 382/451/184/194 s), at the same ticks as before.
        for g in [0.02, 0.05, 0.1, 0.2] {
            for leak in [100.0 * 1024.0, 30.0 * 1024.0] {
                let (_, opened, _, s) = bursty_service_sampling(Config::default(), g * MIB, 3600, leak);
                assert!(s.on_ticks * 4 <= 3600, "{g} MiB/s of garbage: profiler on {} of 3600 ticks", s.on_ticks);
                let opened = opened.expect("the leak opens a finding");
                let first = s.first_after_leak.expect("the leak makes the heap a suspect");
                assert!(first < opened, "{g} MiB/s, {leak} B/s: suspect at {first}, opened at {opened}");
            }
        }
    }

    fn no_backoff() -> Config {
        Config { confirm_backoff_ms: 0.0, confirm_backoff_max_ms: 0.0, ..Config::default() }
    }

    #[test]
    fn refuted_suspicions_back_the_confirming_gcs_off() {
        // Garbage rising on the raw minima between major GCs looks like growth; each
        // confirming GC's floor is as low as the ones before. Without the backoff that
        // was 15-26 forced GCs in two hours; with it 3-4 (the gap doubling from 5 to
        // 30 min).
        for g in [0.02, 0.05, 0.1] {
            let (before, opened, _) = bursty_service(no_backoff(), g * MIB, usize::MAX, 0.0);
            assert_eq!(opened, None);
            let (after, opened, d) = bursty_service(Config::default(), g * MIB, usize::MAX, 0.0);
            assert_eq!(opened, None);
            let st = d.stats();
            assert!(after <= 5 && after * 3 <= before, "{g} MiB/s of garbage: {after} confirming GCs in 2 h with the backoff, {before} without");
            assert_eq!(st.confirming_gcs as usize, after);
            assert!(st.refuted_confirms as usize + 2 >= after, "{st:?}");
            assert!(st.confirm_gap_ms >= Config::default().confirm_backoff_ms, "{st:?}");
        }
    }

    #[test]
    fn a_leak_after_an_hour_of_refuted_suspicions_still_opens() {
        // The same service leaks 100 KB/s from the second hour on, when the gap has backed
        // off: a confirming GC's floor above the floors from 30 s before and more brings
        // the short gap back, and the finding opens within minutes (measured: 55-143 s
        // with the backoff, 37-73 s without), then stays open.
        for g in [0.02, 0.05, 0.1, 0.2] {
            let (_, opened, d) = bursty_service(Config::default(), g * MIB, 3600, 100.0 * 1024.0);
            let at = opened.expect("the leak opens");
            assert!(at > 3600 && at <= 3600 + 180, "{g} MiB/s of garbage: opened {} s into the leak", at - 3600);
            let st = d.stats();
            assert_eq!(st.open_findings, 1, "{st:?}");
            assert_eq!(st.confirm_gap_ms, Config::default().confirm_gap_ms);
            let (_, opened, _) = bursty_service(no_backoff(), g * MIB, 3600, 100.0 * 1024.0);
            assert!(opened.is_some());
        }
    }

    #[test]
    fn warm_up_growth_that_levelled_off_before_the_warm_up_ends_does_not_open() {
        // Before the floor rules, these opened at tick 30 (the first warm tick): the
        // newest few floors still reached back into the rise.
        for gc_every in [2, 3, 4, 6, 8] {
            assert_eq!(heap_rise_then(20, gc_every, false), Vec::<usize>::new(), "GC every {gc_every} ticks");
        }
        // Growth that goes on past the warm-up opens on the second new-high floor taken
        // after it, at least confirm_gap_ms (5 s) after the first (at 31), on the next
        // natural or confirming GC.
        for gc_every in [2, 3, 4, 6, 8] {
            let opened = heap_rise_then(20, gc_every, true);
            assert!(!opened.is_empty() && (36..=42).contains(&opened[0]), "GC every {gc_every} ticks: opened at {opened:?}");
        }
    }

    #[test]
    fn promoted_garbage_on_raw_floors_does_not_open_once_a_gc_shows_the_floor() {
        // Raw minima climb between V8's (absent) major GCs; every forced GC shows the
        // true floor, flat at 40 MiB. No finding, and the GC budget holds: 10 at once,
        // then one a minute.
        let mut d = det();
        let mut want = Vec::new();
        let mut since_gc = 0.0;
        for i in 0..300 {
            let post_gc = want.last() == Some(&(i - 1));
            if post_gc {
                since_gc = 0.0;
            }
            since_gc += 1.0;
            d.observe_memory(mem(40.0 * MIB + if post_gc { 0.0 } else { since_gc * 0.4 * MIB }), post_gc);
            let r = d.tick(T0 + i as f64 * 1000.0, vec![]);
            assert!(r.opened.is_empty(), "opened at {i}: {:?}", r.opened);
            if r.want_gc {
                want.push(i);
            }
        }
        assert!(want.len() <= 10 + 300 / 60, "{want:?}");
        assert!(want.windows(2).all(|w| w[1] - w[0] >= 5), "{want:?}");
    }

    /// `forcedGc: false`: the host never answers `want_gc`, so memory findings are decided
    /// on V8's own post-GC floors (one every `gc_every` ticks). Raw minima carry promoted
    /// garbage (0.4 MiB more every tick since the last major GC). Returns the ticks where
    /// a heap finding opened.
    fn unanswered(gc_every: usize, leak_per_tick: f64) -> Vec<usize> {
        let mut d = det();
        let mut opened = Vec::new();
        for i in 0..300usize {
            let floor = 40.0 * MIB + i as f64 * leak_per_tick;
            let post_gc = i % gc_every == gc_every - 1;
            let since = (i % gc_every) as f64 + 1.0;
            d.observe_memory(mem(if post_gc { floor } else { floor + since * 0.4 * MIB }), post_gc);
            let r = d.tick(T0 + i as f64 * 1000.0, vec![]);
            if r.opened.iter().any(|f| f.kind == Kind::Heap) {
                opened.push(i);
            }
        }
        opened
    }

    #[test]
    fn without_forced_gcs_findings_wait_for_v8s_own_floors() {
        // Promoted garbage climbs on the raw points for 40 ticks at a time; the floors
        // V8's major GCs show are flat. Raw points alone would open a finding.
        assert_eq!(unanswered(40, 0.0), Vec::<usize>::new());
        // A leak of 0.5 MiB/s opens on V8's floors, a major GC every 8 ticks.
        let opened = unanswered(8, 0.5 * MIB);
        assert!(!opened.is_empty() && opened[0] <= 60, "opened at {opened:?}");
        // With raw points counted as floors (the old `forcedGc: false`), the garbage
        // alone opened.
        let mut d = Detector::new(Config { warmup_ms: 0.0, confirm_gc: false, ..Config::default() });
        let mut any = false;
        for i in 0..300usize {
            let post_gc = i % 40 == 39;
            d.observe_memory(mem(40.0 * MIB + if post_gc { 0.0 } else { ((i % 40) as f64 + 1.0) * 0.4 * MIB }), post_gc);
            any |= d.tick(T0 + i as f64 * 1000.0, vec![]).opened.iter().any(|f| f.kind == Kind::Heap);
        }
        assert!(any, "raw minima climbing with garbage open a finding when they count as floors");
    }

    #[test]
    fn heap_sawtooth_is_not_a_leak() {
        let mut d = det();
        for i in 0..300 {
            // Raw usage climbs between GCs; post-GC floors stay flat with small noise.
            d.observe_memory(mem(40.0 * MIB + (i % 10) as f64 * 5.0 * MIB), false);
            if i % 10 == 9 {
                d.observe_memory(mem(40.0 * MIB + ((i * 7919) % 13) as f64 * 0.05 * MIB), true);
            }
            let r = d.tick(T0 + i as f64 * 1000.0, vec![]);
            assert!(r.opened.is_empty(), "opened at {i}: {:?}", r.opened);
        }
    }

    #[test]
    fn slow_heap_leak_of_100kb_per_s_opens() {
        let mut d = det();
        let mut seed = 3;
        let mut opened = false;
        for i in 0..90 {
            let noise = (lcg(&mut seed) - 0.5) * 0.6 * MIB;
            d.observe_memory(mem(30.0 * MIB + i as f64 * 100.0 * 1024.0 + noise), true);
            opened |= d.tick(T0 + i as f64 * 1000.0, vec![]).opened.iter().any(|f| f.kind == Kind::Heap);
        }
        assert!(opened);
    }

    // bench/detection's slow-heap: floors rising ~100 KB/s, close to their noise. Once
    // open, the finding must stay open while the heap keeps growing (it used to close a
    // tick after opening and reopen seconds later).
    #[test]
    fn slow_heap_leak_finding_stays_open_while_it_grows() {
        for seed0 in 1..=20u64 {
            let mut d = det();
            let mut seed = seed0;
            let (mut opened, mut closed) = (0, 0);
            for i in 0..300 {
                let noise = (lcg(&mut seed) - 0.5) * 0.6 * MIB;
                let v = 30.0 * MIB + i as f64 * 100.0 * 1024.0 + noise;
                d.observe_memory(mem(v + 2.0 * MIB), false);
                if i % 3 == 0 {
                    d.observe_memory(mem(v), true);
                }
                let r = d.tick(T0 + i as f64 * 1000.0, vec![]);
                opened += r.opened.iter().filter(|f| f.kind == Kind::Heap).count();
                closed += r.closed.iter().filter(|f| f.kind == Kind::Heap).count();
            }
            assert_eq!((opened, closed), (1, 0), "seed {seed0}: opened {opened}, closed {closed}");
        }
    }

    // bench/detection slow-heap: natural major GCs are rare, so most points are raw
    // minima with garbage on top; the profile read when a heap finding opens forces a
    // full GC whose true floor lies below them. That floor must not close the finding.
    #[test]
    fn a_true_floor_after_raw_points_does_not_close_a_slow_heap_leak() {
        for seed0 in 1..=20u64 {
            let mut d = det();
            let mut seed = seed0;
            let (mut opened, mut closed) = (0, 0);
            let mut read_gc_at = None;
            for i in 0..200 {
                let v = 30.0 * MIB + i as f64 * 100.0 * 1024.0 + (lcg(&mut seed) - 0.5) * 0.2 * MIB;
                d.observe_memory(mem(v + 1.5 * MIB + lcg(&mut seed) * 1.5 * MIB), false);
                if i % 15 == 0 || read_gc_at == Some(i) {
                    d.observe_memory(mem(v), true);
                }
                let r = d.tick(T0 + i as f64 * 1000.0, vec![]);
                let o = r.opened.iter().filter(|f| f.kind == Kind::Heap).count();
                if o > 0 && read_gc_at.is_none() {
                    read_gc_at = Some(i + 1);
                }
                opened += o;
                closed += r.closed.iter().filter(|f| f.kind == Kind::Heap).count();
            }
            assert_eq!((opened, closed), (1, 0), "seed {seed0}: opened {opened}, closed {closed}");
        }
    }

    /// arrayBuffers of a service under bursty load (the bench service: 60 s at a steady
    /// rate, then 2 s of full load every 8 s). A burst holds ~10 MiB of in-flight buffers
    /// (± `amp` / 2) and leaves its dead ones behind until a major GC, which V8 runs once
    /// `gc_after` bytes of garbage piled up; idle seconds allocate nothing. Confirming GCs
    /// run on the tick after they are asked for, in a burst or not. `leak` bytes stay
    /// behind after every burst. Returns the ticks where an arrayBuffers finding opened.
    fn bursty_array_buffers(seed0: u64, amp: f64, gc_after: f64, leak: f64) -> Vec<usize> {
        let mut d = Detector::new(Config { warmup_ms: 30_000.0, ..Config::default() });
        let mut seed = seed0;
        let mut want_at = None;
        let mut opened = Vec::new();
        let (mut kept, mut garbage) = (0.0, 0.0);
        for i in 0..300usize {
            let steady = i < 60;
            let burst = !steady && i % 8 < 2;
            if !steady && i % 8 == 2 {
                kept += leak;
            }
            let in_flight = if burst { 9.9 * MIB + (lcg(&mut seed) - 0.5) * amp } else if steady { 0.2 * MIB * lcg(&mut seed) } else { 0.0 };
            garbage += if burst { 8.0 * MIB } else if steady { 0.4 * MIB } else { 0.0 };
            let post_gc = garbage > if steady { 4.0 * MIB } else { gc_after } || want_at == Some(i - 1);
            if post_gc {
                garbage = 0.0;
            }
            let v = 0.3 * MIB + kept + in_flight + garbage;
            let m = MemorySample { heap_used: 30.0 * MIB, external: v + 1.0 * MIB, array_buffers: v, rss: 120.0 * MIB, heap_total: 36.0 * MIB };
            d.observe_memory(m, post_gc);
            let r = d.tick(T0 + i as f64 * 1000.0, vec![]);
            if r.opened.iter().any(|f| f.kind == Kind::ArrayBuffers) {
                opened.push(i);
            }
            if r.want_gc {
                want_at = Some(i);
            }
        }
        opened
    }

    #[test]
    fn in_flight_buffers_of_bursty_load_are_not_a_leak_but_growth_across_bursts_is() {
        // Raw points carry the bursts' dead buffers; a confirming GC that lands in a
        // burst gives a floor with its in-flight buffers, a new high. With one floor
        // deciding, 22 of these 200 runs opened a finding (the bench service did in 1 of
        // 5 bursty runs); the second floor, 5 s or more later, is no new high.
        for seed in 1..=100 {
            for amp in [0.3 * MIB, 3.0 * MIB] {
                assert_eq!(bursty_array_buffers(seed, amp, 40.0 * MIB, 0.0), Vec::<usize>::new(), "seed {seed}, in-flight ±{amp}");
            }
        }
        // 1 MiB kept per burst (7.5 MiB/min), V8 collecting every 12 MiB of garbage:
        // every burst's floor stands higher, and the finding opens.
        for seed in 1..=20 {
            let opened = bursty_array_buffers(seed, 1.0 * MIB, 12.0 * MIB, 1.0 * MIB);
            assert!(!opened.is_empty() && opened[0] < 140, "seed {seed}: opened at {opened:?}");
        }
    }

    // buffer-ring in bench/detection: flat arrayBuffers (a fixed ring), and the
    // non-ArrayBuffer part of external memory (Node's own native buffers) moving from
    // ~2 to ~7.8 MB late in the run. Not a leak; a native leak of 12 MB is.
    #[test]
    fn external_noise_of_a_few_mib_is_not_a_leak_but_steady_native_growth_is() {
        let run = |ext: &dyn Fn(usize) -> f64| {
            let mut d = det();
            let mut kinds = Vec::new();
            for i in 0..40 {
                let m = MemorySample { heap_used: 5.3 * MIB, external: 16.0 * MIB + ext(i), array_buffers: 16.0 * MIB, rss: 45.0 * MIB, heap_total: 8.0 * MIB };
                d.observe_memory(m, true);
                kinds.extend(d.tick(T0 + i as f64 * 4000.0, vec![]).opened.into_iter().map(|f| f.kind));
            }
            kinds
        };
        let late = [2.1, 2.4, 2.4, 2.4, 2.1, 2.1, 2.1, 3.5, 2.4, 3.2, 3.2, 3.5, 6.4, 7.8, 8.0, 7.6];
        assert!(run(&|i| late[i.saturating_sub(24).min(late.len() - 1)] * MIB).is_empty());
        assert_eq!(run(&|i| 2.0 * MIB + i as f64 * 0.3 * MIB), vec![Kind::External]);
    }

    #[test]
    fn native_start_up_rise_that_levelled_off_in_the_warm_up_is_not_reported() {
        // rss outside the heap climbs 48 -> 95 MiB in the first 12 s (allocator arenas,
        // zlib, code), then stays flat; warm-up 20 s, a point every 2 s (the soak's checker).
        let mut d = Detector::new(Config { warmup_ms: 20_000.0, confirm_gc: false, ..Config::default() });
        for i in 0..40usize {
            let native = if i < 6 { 48.0 * MIB + i as f64 * 8.0 * MIB } else { 95.0 * MIB + ((i * 7919) % 7) as f64 * 0.3 * MIB };
            let m = MemorySample { heap_used: 20.0 * MIB, external: MIB, array_buffers: MIB, rss: 24.0 * MIB + MIB + native, heap_total: 24.0 * MIB };
            d.observe_memory(m, true);
            let r = d.tick(T0 + i as f64 * 2000.0, vec![]);
            assert!(r.opened.is_empty(), "opened at tick {i}: {:?}", r.opened);
        }
    }

    #[test]
    fn rss_growth_explained_by_heap_is_not_reported_as_native() {
        let mut d = det();
        let mut kinds = Vec::new();
        for i in 0..60 {
            let heap = 20.0 * MIB + i as f64 * MIB;
            let m = MemorySample { heap_used: heap, external: MIB, array_buffers: MIB, rss: 60.0 * MIB + 1.5 * i as f64 * MIB, heap_total: 0.0 };
            d.observe_memory(m, true);
            kinds.extend(d.tick(T0 + i as f64 * 1000.0, vec![]).opened.into_iter().map(|f| f.kind));
        }
        assert!(kinds.contains(&Kind::Heap));
        assert!(!kinds.contains(&Kind::Rss), "{kinds:?}");
    }

    #[test]
    fn native_rss_growth_with_flat_heap_is_reported() {
        let mut d = det();
        let mut opened = Vec::new();
        for i in 0..60 {
            let m = MemorySample { heap_used: 20.0 * MIB, external: MIB, array_buffers: MIB, rss: 60.0 * MIB + 4.0 * i as f64 * MIB, heap_total: 24.0 * MIB };
            d.observe_memory(m, true);
            opened.extend(d.tick(T0 + i as f64 * 1000.0, vec![]).opened);
        }
        let f = opened.iter().find(|f| f.kind == Kind::Rss).expect("native growth must be reported");
        assert!(f.message.contains("native memory"), "{}", f.message);
        assert!(opened.iter().all(|f| f.kind == Kind::Rss));
    }

    #[test]
    fn rss_growth_from_the_heap_reservation_is_not_native() {
        // A busy young generation: heapTotal (and rss) grow, post-GC heapUsed is flat.
        let mut d = det();
        for i in 0..60 {
            let total = 30.0 * MIB + i as f64 * MIB;
            let m = MemorySample { heap_used: 20.0 * MIB, external: MIB, array_buffers: MIB, rss: 40.0 * MIB + total, heap_total: total };
            d.observe_memory(m, true);
            assert!(d.tick(T0 + i as f64 * 1000.0, vec![]).opened.is_empty(), "opened at {i}");
        }
    }

    #[test]
    fn external_growth_explained_by_array_buffers_is_one_finding() {
        let mut d = det();
        let mut kinds = Vec::new();
        for i in 0..60 {
            let ab = MIB + i as f64 * MIB;
            let m = MemorySample { heap_used: 20.0 * MIB, external: ab + 2.0 * MIB, array_buffers: ab, rss: 200.0 * MIB + ab, heap_total: 24.0 * MIB };
            d.observe_memory(m, true);
            kinds.extend(d.tick(T0 + i as f64 * 1000.0, vec![]).opened.into_iter().map(|f| f.kind));
        }
        assert_eq!(kinds, vec![Kind::ArrayBuffers]);
    }

    #[test]
    fn turnover_under_varying_load_is_not_retention() {
        // 300 listeners added and removed per tick; the live count follows a load ramp.
        let mut d = det();
        for i in 0..60 {
            let live = 20.0 + i as f64;
            let s = Sample { adds: Some(300.0), ..count_sample("bus:data", live) };
            assert!(d.tick(T0 + i as f64 * 1000.0, vec![s]).opened.is_empty(), "opened at {i}");
        }
    }

    #[test]
    fn growth_without_aged_objects_is_load_not_a_leak() {
        // The live count climbs steeply, but nothing stays: the aged count is flat.
        let mut d = det();
        for i in 0..60 {
            let s = Sample { aged: Some(2.0), ..count_sample("bus:data", 20.0 + 5.0 * i as f64) };
            assert!(d.tick(T0 + i as f64 * 1000.0, vec![s]).opened.is_empty(), "opened at {i}");
        }
        let mut d = det();
        let mut opened = false;
        for i in 0..60 {
            let aged = (5.0 * (i as f64 - 5.0)).max(0.0);
            let s = Sample { aged: Some(aged), ..count_sample("bus:data", 20.0 + 5.0 * i as f64) };
            opened |= !d.tick(T0 + i as f64 * 1000.0, vec![s]).opened.is_empty();
        }
        assert!(opened, "a leak ages its listeners");
    }

    #[test]
    fn a_leak_that_keeps_a_share_of_heavy_turnover_opens() {
        // 300 added per tick, 3 of them never removed (1 %).
        let mut d = det();
        let mut opened = false;
        for i in 0..60 {
            let s = Sample { adds: Some(300.0), ..count_sample("bus:data", 20.0 + 3.0 * i as f64) };
            opened |= !d.tick(T0 + i as f64 * 1000.0, vec![s]).opened.is_empty();
        }
        assert!(opened);
    }

    #[test]
    fn fd_growth_explained_by_streams_is_one_finding() {
        let mut d = det();
        let mut targets = Vec::new();
        for i in 0..30 {
            let v = 10.0 + 3.0 * i as f64;
            let samples = vec![
                Sample { kind: Kind::Streams, ..count_sample("ReadStream", v) },
                Sample { kind: Kind::Handles, ..count_sample("fd", v + 12.0) },
            ];
            targets.extend(d.tick(T0 + i as f64 * 1000.0, samples).opened.into_iter().map(|f| f.target));
        }
        assert_eq!(targets, vec!["ReadStream".to_string()]);
    }

    #[test]
    fn workers_never_terminated_are_one_finding_not_three() {
        // One Worker a second, each with its MessagePort listened to and 4 fds.
        let mut d = det();
        let mut targets = Vec::new();
        for i in 0..30 {
            let n = i as f64;
            let samples = vec![
                Sample { kind: Kind::Handles, ..count_sample("Worker", n) },
                Sample { kind: Kind::Handles, ..count_sample("MessagePort", 1.0 + n) },
                Sample { kind: Kind::Handles, ..count_sample("fd", 20.0 + 4.0 * n) },
            ];
            targets.extend(d.tick(T0 + i as f64 * 1000.0, samples).opened.into_iter().map(|f| f.target));
        }
        assert_eq!(targets, vec!["Worker".to_string()]);
    }

    #[test]
    fn a_message_port_leak_without_workers_is_its_own_finding() {
        let mut d = det();
        let mut targets = Vec::new();
        for i in 0..30 {
            let samples = vec![
                Sample { kind: Kind::Handles, ..count_sample("Worker", 2.0) },
                Sample { kind: Kind::Handles, ..count_sample("MessagePort", 4.0 + 2.0 * i as f64) },
            ];
            targets.extend(d.tick(T0 + i as f64 * 1000.0, samples).opened.into_iter().map(|f| f.target));
        }
        assert_eq!(targets, vec!["MessagePort".to_string()]);
    }

    #[test]
    fn sites_are_ranked_by_growth() {
        let mut d = det();
        for i in 0..30 {
            let sites = vec![
                Site { stack: "app.js:10".into(), count: 100.0 },
                Site { stack: "app.js:42".into(), count: 5.0 * i as f64 },
            ];
            let s = Sample { sites: Some(sites), ..count_sample("bus:x", 100.0 + 5.0 * i as f64) };
            d.tick(T0 + i as f64 * 1000.0, vec![s]);
        }
        let f = &d.findings()[0];
        assert_eq!(f.sites[0].stack, "app.js:42");
        assert_eq!(f.sites[0].count, 145.0);
        assert!(f.message.contains("app.js:42"));
    }

    #[test]
    fn refresh_sites_returns_the_open_finding_with_the_new_sites() {
        let mut d = det();
        assert!(d.refresh_sites(Kind::Listeners, "bus:x", T0, vec![Site { stack: "app.js:1".into(), count: 1.0 }]).is_none(), "no series yet");
        for i in 0..30 {
            d.tick(T0 + i as f64 * 1000.0, vec![count_sample("bus:x", 100.0 + 5.0 * i as f64)]);
        }
        assert!(d.findings()[0].sites.is_empty());
        let f = d.refresh_sites(Kind::Listeners, "bus:x", T0 + 30_000.0, vec![Site { stack: "app.js:42".into(), count: 145.0 }]).expect("the open finding");
        assert_eq!(f.sites[0].stack, "app.js:42");
        assert!(f.message.contains("app.js:42"), "{}", f.message);
        assert_eq!(d.findings()[0].sites[0].stack, "app.js:42");
        let mut flat = det();
        flat.tick(T0, vec![count_sample("bus:y", 1.0)]);
        assert!(flat.refresh_sites(Kind::Listeners, "bus:y", T0 + 1.0, vec![]).is_none(), "a series without a finding");
    }

    #[test]
    fn series_and_sites_are_capped() {
        let mut d = Detector::new(Config { max_series: 10, max_sites: 4, ..Config::default() });
        let samples: Vec<Sample> = (0..20).map(|i| count_sample(&format!("e{i}"), 1.0)).collect();
        d.tick(T0, samples);
        let sites = (0..10).map(|i| Site { stack: format!("s{i}"), count: i as f64 + 1.0 }).collect();
        d.tick(T0 + 1000.0, vec![Sample { sites: Some(sites), ..count_sample("e0", 1.0) }]);
        let st = d.stats();
        assert_eq!(st.series, 10);
        assert_eq!(st.dropped_series, 10);
        assert_eq!(st.dropped_sites, 6);
    }

    #[test]
    fn stale_series_are_removed_and_close() {
        let mut d = Detector::new(Config { warmup_ms: 0.0, stale_ms: 5_000.0, ..Config::default() });
        for i in 0..20 {
            d.tick(T0 + i as f64 * 1000.0, vec![count_sample("gone", 10.0 * i as f64)]);
        }
        assert_eq!(d.findings().len(), 1);
        let r = d.tick(T0 + 30_000.0, vec![]);
        assert_eq!(r.closed.len(), 1);
        assert!(d.findings().is_empty());
        assert_eq!(d.stats().series, 0);
    }
}

// Additive accessor for the history recorder (src/core/history.rs): read-only, no
// detection logic here.
impl Detector {
    /// Calls `f(kind, target, time ms, value)` with the newest point of every series
    /// (the post-GC floor for memory kinds). Read-only.
    pub fn for_each_latest(&self, mut f: impl FnMut(Kind, &str, f64, f64)) {
        for s in self.series.values() {
            if let Some(p) = s.points.back() {
                f(s.kind, &s.target, p.t, p.v);
            }
        }
    }
}

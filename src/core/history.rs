//! Bounded history of every detector series, for charts in reports.
//!
//! The detector keeps only its evaluation window (30 points). [`History`] keeps the
//! whole run at decreasing resolution: at most `points` points per series, evenly
//! thinned (when a track is full, every other point is dropped and the track keeps
//! one point in `2 × stride` from then on). Memory is bounded by
//! `points × max_tracks` points; once full, only memory series and series with an
//! open finding get a track (see [`History`]). [`fit`] reproduces the detector's Theil-Sen line over a window
//! (slope = median pairwise slope, intercept = median residual), so a chart can draw
//! the line the decision used.
use std::collections::HashMap;

use serde::Serialize;

use super::detector::{Detector, Finding, Kind};
use super::trend::{mann_kendall, median, theil_sen};

/// Limits of a [`History`].
#[derive(Debug, Clone, Copy)]
pub struct HistoryConfig {
    /// Points kept per series (16 … 2000).
    pub points: usize,
    /// Series kept (memory series included).
    pub max_tracks: usize,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig { points: 120, max_tracks: 128 }
    }
}

#[derive(Debug)]
struct Track {
    /// Keep one point in `stride` (a power of two).
    stride: u64,
    /// Points offered since the track began.
    seen: u64,
    points: Vec<(f64, f64)>,
    /// The newest point offered (kept even when thinned out, so charts reach "now").
    last: (f64, f64),
    /// The last `record_detector` call that saw this series.
    epoch: u64,
}

impl Track {
    fn push(&mut self, t: f64, v: f64, cap: usize) {
        self.last = (t, v);
        if self.seen.is_multiple_of(self.stride) {
            if self.points.len() >= cap {
                let mut i = 0;
                self.points.retain(|_| {
                    i += 1;
                    i % 2 == 1
                });
                self.stride *= 2;
                // This point is kept only if it falls on the new stride.
                if self.seen.is_multiple_of(self.stride) {
                    self.points.push((t, v));
                }
            } else {
                self.points.push((t, v));
            }
        }
        self.seen += 1;
    }
}

/// A Theil-Sen line `value = intercept + slope × (t - t0)` over a window.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Fit {
    /// Epoch ms of the window's first point.
    pub t0: f64,
    /// Epoch ms of the window's last point.
    pub t1: f64,
    /// Fitted value at `t0` (not clamped; the detector's `baseline` is this, floored at 0).
    pub intercept: f64,
    /// Slope, unit per ms.
    pub slope_per_ms: f64,
    /// Slope, unit per minute.
    pub slope_per_minute: f64,
    /// Mann-Kendall z of the window's values.
    pub trend_z: f64,
}

/// The detector's line over `points` (`(epoch ms, value)` in time order), computed
/// the same way as `detector::assess`: Theil-Sen slope, median residual as intercept.
/// `None` for fewer than 2 points.
pub fn fit(points: &[(f64, f64)]) -> Option<Fit> {
    if points.len() < 2 {
        return None;
    }
    let t0 = points[0].0;
    // Times relative to t0: the same slope, without epoch-sized products.
    let ts: Vec<f64> = points.iter().map(|p| p.0 - t0).collect();
    let vs: Vec<f64> = points.iter().map(|p| p.1).collect();
    let slope = theil_sen(&ts, &vs);
    let mut resid: Vec<f64> = ts.iter().zip(&vs).map(|(t, v)| v - slope * t).collect();
    let intercept = median(&mut resid);
    Some(Fit {
        t0,
        t1: points[points.len() - 1].0,
        intercept,
        slope_per_ms: slope,
        slope_per_minute: slope * 60_000.0,
        trend_z: mann_kendall(&vs).z,
    })
}

/// One point of a chart.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct ChartPoint {
    /// Epoch ms.
    pub t: f64,
    /// Value in the series' unit.
    pub v: f64,
}

/// The chartable history of one series.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesHistory {
    pub kind: Kind,
    pub target: String,
    pub unit: &'static str,
    /// The whole run, thinned to at most `points` points, plus the newest point.
    pub points: Vec<ChartPoint>,
    /// One point kept in `stride` ticks (1 until the track first filled up).
    pub stride: f64,
    /// The detector's evaluation window now (full resolution).
    pub window: Vec<ChartPoint>,
    /// The Theil-Sen line over `window`; `None` below 2 points.
    pub fit: Option<Fit>,
    /// The open finding on this series, if any.
    pub finding_id: Option<u32>,
}

/// Counters about the history itself.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryStats {
    pub tracks: usize,
    pub points: usize,
    pub max_points_per_series: usize,
    pub max_tracks: usize,
    /// Tracks dropped to make room for a memory series or a series with an open finding.
    pub evicted_tracks: u64,
    /// Detector series without a track at the last record (the history was full).
    pub untracked_series: usize,
    pub approx_bytes: usize,
}

/// Bounded per-series history (see the module docs).
///
/// While there is room, every series gets a track. Once `max_tracks` are held, a new
/// series gets one only if it is a memory series or has an open finding (it replaces the
/// count track without a finding that holds the smallest value); the others are counted
/// in `untracked_series`. A track whose series left the detector is dropped.
#[derive(Debug)]
pub struct History {
    cfg: HistoryConfig,
    /// kind -> target -> track (nested so lookups by `&str` allocate nothing).
    tracks: HashMap<Kind, HashMap<String, Track>>,
    len: usize,
    evicted_tracks: u64,
    untracked_series: usize,
    epoch: u64,
}

fn kind_order(k: Kind) -> usize {
    match k {
        Kind::Heap => 0,
        Kind::External => 1,
        Kind::ArrayBuffers => 2,
        Kind::Rss => 3,
        Kind::Listeners => 4,
        Kind::Timers => 5,
        Kind::Streams => 6,
        Kind::Handles => 7,
    }
}

impl History {
    pub fn new(cfg: HistoryConfig) -> Self {
        let cfg = HistoryConfig { points: cfg.points.clamp(16, 2000), max_tracks: cfg.max_tracks.max(4) };
        History { cfg, tracks: HashMap::new(), len: 0, evicted_tracks: 0, untracked_series: 0, epoch: 0 }
    }

    fn get(&self, kind: Kind, target: &str) -> Option<&Track> {
        self.tracks.get(&kind).and_then(|m| m.get(target))
    }

    fn insert(&mut self, kind: Kind, target: String, t: f64, v: f64) {
        let mut tr = Track { stride: 1, seen: 0, points: Vec::with_capacity(16), last: (f64::NEG_INFINITY, 0.0), epoch: self.epoch };
        tr.push(t, v, self.cfg.points);
        if self.tracks.entry(kind).or_default().insert(target, tr).is_none() {
            self.len += 1;
        }
    }

    fn remove(&mut self, kind: Kind, target: &str) {
        if let Some(m) = self.tracks.get_mut(&kind) {
            if m.remove(target).is_some() {
                self.len -= 1;
            }
        }
    }

    /// The count track (not in `keep`) chosen by `key`'s minimum.
    fn victim(&self, keep: &[(Kind, String)], key: impl Fn(&Track) -> f64) -> Option<(Kind, String)> {
        self.tracks
            .iter()
            .filter(|(k, _)| !k.is_memory())
            .flat_map(|(k, m)| m.iter().map(move |(t, tr)| (*k, t, tr)))
            .filter(|(k, t, _)| !keep.iter().any(|(kk, tt)| kk == k && tt == *t))
            .min_by(|a, b| key(a.2).total_cmp(&key(b.2)))
            .map(|(k, t, _)| (k, t.clone()))
    }

    /// Offers a point; ignored unless it is newer than the track's newest point. When
    /// the history is full, the count track updated longest ago makes room.
    pub fn record(&mut self, kind: Kind, target: &str, t: f64, v: f64) {
        if !t.is_finite() || !v.is_finite() {
            return;
        }
        let cap = self.cfg.points;
        if let Some(tr) = self.tracks.get_mut(&kind).and_then(|m| m.get_mut(target)) {
            if t > tr.last.0 {
                tr.push(t, v, cap);
            }
            return;
        }
        if self.len >= self.cfg.max_tracks {
            match self.victim(&[], |tr| tr.last.0) {
                Some((k, tgt)) => {
                    self.remove(k, &tgt);
                    self.evicted_tracks += 1;
                }
                None => return,
            }
        }
        self.insert(kind, target.to_string(), t, v);
    }

    /// Records the newest point of every detector series (once per tick; a memory
    /// series without a new floor this tick adds nothing). Tracks of series the
    /// detector no longer has are dropped. Allocates only for new series.
    pub fn record_detector(&mut self, d: &Detector) {
        self.epoch += 1;
        let epoch = self.epoch;
        let cap = self.cfg.points;
        let full = self.len >= self.cfg.max_tracks;
        // Open findings matter only when a series has to earn a track.
        let open: Vec<(Kind, String)> = if full { d.findings().into_iter().map(|f| (f.kind, f.target)).collect() } else { Vec::new() };
        let mut pending: Vec<(Kind, String, f64, f64)> = Vec::new();
        let mut untracked = 0;
        let room = self.cfg.max_tracks.saturating_sub(self.len);
        let tracks = &mut self.tracks;
        d.for_each_latest(|k, target, t, v| {
            if !t.is_finite() || !v.is_finite() {
                return;
            }
            match tracks.get_mut(&k).and_then(|m| m.get_mut(target)) {
                Some(tr) => {
                    tr.epoch = epoch;
                    if t > tr.last.0 {
                        tr.push(t, v, cap);
                    }
                }
                None => {
                    if pending.len() < room || k.is_memory() || open.iter().any(|(ok, ot)| *ok == k && ot == target) {
                        pending.push((k, target.to_string(), t, v));
                    } else {
                        untracked += 1;
                    }
                }
            }
        });
        // Series gone from the detector.
        let gone: Vec<(Kind, String)> = self
            .tracks
            .iter()
            .flat_map(|(k, m)| m.iter().filter(|(_, tr)| tr.epoch != epoch).map(move |(t, _)| (*k, t.clone())))
            .collect();
        for (k, t) in gone {
            self.remove(k, &t);
        }
        // Memory series and open findings first, so they are the ones that get room.
        pending.sort_by_key(|p| if p.0.is_memory() { 0 } else if open.iter().any(|(ok, ot)| *ok == p.0 && *ot == p.1) { 1 } else { 2 });
        for (k, target, t, v) in pending {
            if self.len >= self.cfg.max_tracks {
                let urgent = k.is_memory() || open.iter().any(|(ok, ot)| *ok == k && *ot == target);
                let victim = if urgent { self.victim(&open, |tr| tr.last.1) } else { None };
                match victim {
                    Some((vk, vt)) => {
                        self.remove(vk, &vt);
                        self.evicted_tracks += 1;
                    }
                    None => {
                        untracked += 1;
                        continue;
                    }
                }
            }
            self.insert(k, target, t, v);
        }
        self.untracked_series = untracked;
    }

    /// Chartable histories: every memory series, then open-finding series, then the
    /// count series with the highest current value, at most `max_series` in all.
    /// Each comes with the detector's current window and its Theil-Sen line.
    pub fn export(&self, d: &Detector, max_series: usize) -> Vec<SeriesHistory> {
        let findings: Vec<Finding> = d.findings();
        let summaries = d.series_summaries(true);
        let mut out: Vec<SeriesHistory> = summaries
            .into_iter()
            .map(|s| {
                let window: Vec<ChartPoint> = s.history.iter().map(|p| ChartPoint { t: p[0], v: p[1] }).collect();
                let wpts: Vec<(f64, f64)> = s.history.iter().map(|p| (p[0], p[1])).collect();
                let (points, stride) = match self.get(s.kind, &s.target) {
                    Some(tr) => {
                        let mut pts: Vec<ChartPoint> = tr.points.iter().map(|&(t, v)| ChartPoint { t, v }).collect();
                        if pts.last().is_none_or(|p| p.t < tr.last.0) {
                            pts.push(ChartPoint { t: tr.last.0, v: tr.last.1 });
                        }
                        (pts, tr.stride as f64)
                    }
                    None => (window.clone(), 1.0),
                };
                let finding_id = findings.iter().find(|f| f.kind == s.kind && f.target == s.target).map(|f| f.id);
                SeriesHistory { kind: s.kind, target: s.target, unit: s.unit, points, stride, window, fit: fit(&wpts), finding_id }
            })
            .collect();
        out.sort_by(|a, b| {
            let rank = |x: &SeriesHistory| if x.kind.is_memory() { 0 } else if x.finding_id.is_some() { 1 } else { 2 };
            let cur = |x: &SeriesHistory| x.points.last().map_or(0.0, |p| p.v);
            rank(a)
                .cmp(&rank(b))
                .then(if rank(a) == 2 { cur(b).total_cmp(&cur(a)) } else { std::cmp::Ordering::Equal })
                .then(kind_order(a.kind).cmp(&kind_order(b.kind)))
                .then(a.target.cmp(&b.target))
        });
        out.truncate(max_series);
        out
    }

    /// Sizes of the history itself.
    pub fn stats(&self) -> HistoryStats {
        let all = || self.tracks.values().flat_map(|m| m.iter());
        let points: usize = all().map(|(_, t)| t.points.len()).sum();
        let approx_bytes = std::mem::size_of::<History>()
            + all().map(|(k, t)| std::mem::size_of::<Track>() + k.len() + 48 + t.points.capacity() * 16).sum::<usize>();
        HistoryStats {
            tracks: self.len,
            points,
            max_points_per_series: self.cfg.points,
            max_tracks: self.cfg.max_tracks,
            evicted_tracks: self.evicted_tracks,
            untracked_series: self.untracked_series,
            approx_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::detector::{Config, Sample};

    #[test]
    fn fit_matches_a_clean_line_and_ignores_an_outlier() {
        let t0 = 1.8e12;
        let mut pts: Vec<(f64, f64)> = (0..30).map(|i| (t0 + i as f64 * 1000.0, 100.0 + 2.0 * i as f64)).collect();
        pts[10].1 = 1e9;
        let f = fit(&pts).unwrap();
        assert!((f.slope_per_ms - 0.002).abs() < 1e-12, "{f:?}");
        assert!((f.slope_per_minute - 120.0).abs() < 1e-6);
        assert!((f.intercept - 100.0).abs() < 1e-6, "{f:?}");
        assert_eq!(f.t0, t0);
        assert_eq!(f.t1, t0 + 29_000.0);
        assert!(f.trend_z > 3.0);
        assert!(fit(&pts[..1]).is_none());
    }

    #[test]
    fn tracks_stay_bounded_and_cover_the_whole_run() {
        let mut h = History::new(HistoryConfig { points: 16, max_tracks: 8 });
        for i in 0..1000 {
            h.record(Kind::Timers, "Timeout", i as f64, i as f64);
        }
        let tr = h.get(Kind::Timers, "Timeout").unwrap();
        assert!(tr.points.len() <= 16, "{}", tr.points.len());
        assert!(tr.points.len() >= 8);
        assert_eq!(tr.points[0], (0.0, 0.0));
        // Evenly thinned: equal gaps.
        let gap = tr.points[1].0 - tr.points[0].0;
        assert!(tr.points.windows(2).all(|w| w[1].0 - w[0].0 == gap), "{:?}", tr.points);
        assert_eq!(tr.last, (999.0, 999.0));
        assert_eq!(tr.stride as f64, gap);
        // Older or equal times are ignored.
        h.record(Kind::Timers, "Timeout", 5.0, 1.0);
        assert_eq!(h.get(Kind::Timers, "Timeout").unwrap().last, (999.0, 999.0));
    }

    #[test]
    fn count_tracks_are_evicted_oldest_first_memory_kept() {
        let mut h = History::new(HistoryConfig { points: 16, max_tracks: 5 });
        h.record(Kind::Heap, "heapUsed", 0.0, 1.0);
        for i in 0..10 {
            h.record(Kind::Listeners, &format!("e{i}"), 1.0 + i as f64, 1.0);
        }
        let st = h.stats();
        assert_eq!(st.tracks, 5);
        assert_eq!(st.evicted_tracks, 6);
        assert!(h.get(Kind::Heap, "heapUsed").is_some());
        assert!(h.get(Kind::Listeners, "e9").is_some());
        assert!(h.get(Kind::Listeners, "e0").is_none());
    }

    #[test]
    fn export_follows_the_detector_with_window_and_fit() {
        let t0 = 1.8e12;
        let mut d = Detector::new(Config { warmup_ms: 0.0, ..Config::default() });
        let mut h = History::new(HistoryConfig { points: 16, max_tracks: 16 });
        for i in 0..60 {
            let s = |target: &str, v: f64| Sample {
                kind: Kind::Listeners,
                target: target.into(),
                value: Some(v),
                adds: None,
                aged: None,
                min_level: None,
                sites: None,
            };
            d.tick(t0 + i as f64 * 1000.0, vec![s("bus:leak", 10.0 * i as f64), s("bus:flat", 3.0)]);
            h.record_detector(&d);
        }
        let out = h.export(&d, 10);
        assert_eq!(out.len(), 2);
        // The finding's series comes first.
        assert_eq!(out[0].target, "bus:leak");
        let f = d.findings();
        assert_eq!(out[0].finding_id, Some(f[0].id));
        assert!(out[0].points.len() <= 17);
        assert_eq!(out[0].points[0], ChartPoint { t: t0, v: 0.0 });
        assert_eq!(*out[0].points.last().unwrap(), ChartPoint { t: t0 + 59_000.0, v: 590.0 });
        assert_eq!(out[0].window.len(), 30);
        let fit = out[0].fit.unwrap();
        assert!((fit.slope_per_minute - 600.0).abs() < 1e-6, "{fit:?}");
        assert!((fit.intercept - 300.0).abs() < 1e-6, "{fit:?}");
        assert!((f[0].growth_per_minute - fit.slope_per_minute).abs() < 1e-6);
        assert_eq!(out[1].target, "bus:flat");
        assert_eq!(out[1].finding_id, None);
        assert_eq!(h.export(&d, 1).len(), 1);
    }

    #[test]
    fn a_full_history_does_not_churn_and_keeps_room_for_findings() {
        let t0 = 1.8e12;
        let mut d = Detector::new(Config { warmup_ms: 0.0, ..Config::default() });
        let mut h = History::new(HistoryConfig { points: 16, max_tracks: 8 });
        let s = |target: String, v: f64| Sample { kind: Kind::Listeners, target, value: Some(v), adds: None, aged: None, min_level: None, sites: None };
        for i in 0..40 {
            // 20 flat series, and from tick 10 one that leaks.
            let mut v: Vec<Sample> = (0..20).map(|j| s(format!("flat{j}"), 5.0)).collect();
            if i >= 10 {
                v.push(s("late:leak".into(), 20.0 * (i - 10) as f64));
            }
            d.tick(t0 + i as f64 * 1000.0, v);
            h.record_detector(&d);
        }
        let st = h.stats();
        assert_eq!(st.tracks, 8);
        // The flat ones that got no track stay untracked (no eviction churn)...
        assert_eq!(st.untracked_series, 13);
        // ...but the leaking series got a track once its finding opened, replacing one.
        assert_eq!(d.findings().len(), 1);
        assert!(h.get(Kind::Listeners, "late:leak").is_some());
        assert_eq!(st.evicted_tracks, 1);
        // A series that leaves the detector loses its track.
        d.remove_series(Kind::Listeners, "late:leak");
        h.record_detector(&d);
        assert!(h.get(Kind::Listeners, "late:leak").is_none());
        assert_eq!(h.stats().tracks, 7);
    }
}

//! napi binding of [`crate::core::history::History`]: the bounded chart history of a
//! monitor's series. One per monitor, fed once per tick from its `NativeDetector`.
use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::detector::NativeDetector;
use crate::core::history::{History, HistoryConfig};

/// History limits; both optional.
#[napi(object)]
pub struct HistoryOptions {
    /// Points kept per series over the whole run (16 … 2000, default 120).
    pub points: Option<u32>,
    /// Series kept (default 128); the count series updated longest ago are evicted first.
    pub max_series: Option<u32>,
}

/// Bounded per-series history for charts (see `src/core/history.rs`).
#[napi]
pub struct NativeHistory {
    inner: History,
}

#[napi]
impl NativeHistory {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<HistoryOptions>) -> Self {
        let mut cfg = HistoryConfig::default();
        if let Some(o) = options {
            if let Some(p) = o.points {
                cfg.points = p as usize;
            }
            if let Some(m) = o.max_series {
                cfg.max_tracks = m as usize;
            }
        }
        NativeHistory { inner: History::new(cfg) }
    }

    /// Records the newest point of every series of `detector` (call after each tick).
    #[napi(catch_unwind)]
    pub fn record(&mut self, detector: &NativeDetector) {
        self.inner.record_detector(detector.core());
    }

    /// Chartable histories, at most `maxSeries` (memory series first, then series with
    /// an open finding, then the largest counts): `{ kind, target, unit, points: {t, v}[],
    /// stride, window: {t, v}[], fit: { t0, t1, intercept, slopePerMs, slopePerMinute,
    /// trendZ } | null, findingId: number | null }[]`. Times epoch ms, values in `unit`.
    #[napi(ts_return_type = "any[]", catch_unwind)]
    pub fn export(&self, detector: &NativeDetector, max_series: u32) -> Result<serde_json::Value> {
        serde_json::to_value(self.inner.export(detector.core(), max_series as usize)).map_err(|e| super::error::failure(e.to_string()))
    }

    /// `{ tracks, points, maxPointsPerSeries, maxTracks, evictedTracks, approxBytes }`.
    #[napi(ts_return_type = "any", catch_unwind)]
    pub fn stats(&self) -> Result<serde_json::Value> {
        serde_json::to_value(self.inner.stats()).map_err(|e| super::error::failure(e.to_string()))
    }
}

//! napi binding of [`crate::core::floor_trend`]: trend statistics for the leak
//! assertions (`lib/assert.js`).
use napi_derive::napi;

use super::error::invalid_arg;
use crate::core::floor_trend::floor_trend;

/// Trend statistics of a series measured once per round.
#[napi(object)]
pub struct TrendTest {
    /// Number of points.
    pub n: u32,
    /// Mann-Kendall S statistic.
    pub s: f64,
    /// Mann-Kendall z (one-sided; the runtime detector opens at 2.33).
    pub z: f64,
    /// Theil-Sen slope, value units per round.
    pub slope: f64,
    /// Theil-Sen slope of the newest third of the series.
    pub recent_slope: f64,
    /// Median absolute residual around the Theil-Sen line.
    pub noise: f64,
    /// The newest points set a high above every earlier point.
    pub new_high: bool,
    /// Points left out as transient upward spikes (the statistics above are computed
    /// on the rest; at most a quarter of the points).
    pub spikes: u32,
}

/// Mann-Kendall + Theil-Sen on `values` (one per round, in order; finite numbers).
#[napi(catch_unwind)]
pub fn trend_test(values: Vec<f64>) -> napi::Result<TrendTest> {
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(invalid_arg(format!("trendTest(values): values[{i}] must be a finite number")));
    }
    let t = floor_trend(&values);
    Ok(TrendTest {
        n: t.n as u32,
        s: t.s,
        z: t.z,
        slope: t.slope,
        recent_slope: t.recent_slope,
        noise: t.noise,
        new_high: t.new_high,
        spikes: t.spikes as u32,
    })
}

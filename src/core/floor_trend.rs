//! Trend of a short series of post-GC floors measured between rounds of calls (the
//! leak assertions of `lib/assert.js`), with the statistics of the runtime detector:
//! Mann-Kendall `z`, Theil-Sen slope, and the "still rising" test on the newest third
//! (its own slope and a new high above everything before it).
//!
//! Points are equally spaced (one per round), so `x` is the round index.

use super::trend::{mann_kendall, median, theil_sen};

/// What [`floor_trend`] finds on a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloorTrend {
    /// Number of points.
    pub n: usize,
    /// Mann-Kendall S (increasing minus decreasing pairs).
    pub s: f64,
    /// Mann-Kendall z (tie-corrected, continuity-corrected).
    pub z: f64,
    /// Theil-Sen slope, value units per round.
    pub slope: f64,
    /// Theil-Sen slope of the newest third (at least 3 points).
    pub recent_slope: f64,
    /// Median absolute residual around the Theil-Sen line: the noise level.
    pub noise: f64,
    /// The newest points set a high above every point before them.
    pub new_high: bool,
}

/// Trend statistics of `values` (one per round, in order). Non-finite values are
/// rejected by the caller; fewer than 3 points give `z = 0`.
pub fn floor_trend(values: &[f64]) -> FloorTrend {
    let n = values.len();
    let xs: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let mk = mann_kendall(values);
    let slope = theil_sen(&xs, values);
    let mut resid: Vec<f64> = xs.iter().zip(values).map(|(x, v)| v - slope * x).collect();
    let intercept = median(&mut resid);
    let mut abs_dev: Vec<f64> = xs.iter().zip(values).map(|(x, v)| (v - intercept - slope * x).abs()).collect();
    let noise = median(&mut abs_dev);
    if n < 3 {
        return FloorTrend { n, s: mk.s, z: mk.z, slope, recent_slope: slope, noise, new_high: false };
    }
    let r = (n / 3).max(3).min(n);
    let recent_slope = theil_sen(&xs[n - r..], &values[n - r..]);
    let h = (r / 2).max(2).min(n - 1);
    let newest_max = values[n - h..].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let before_max = values[..n - h].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    FloorTrend { n, s: mk.s, z: mk.z, slope, recent_slope, noise, new_high: newest_max > before_max }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_growth_is_a_trend_that_still_rises() {
        let v: Vec<f64> = (0..11).map(|i| 1000.0 + 512.0 * i as f64 + if i % 2 == 0 { 30.0 } else { -30.0 }).collect();
        let t = floor_trend(&v);
        assert!(t.z > 3.5, "z = {}", t.z);
        assert!((t.slope - 512.0).abs() < 70.0, "slope = {}", t.slope);
        assert!(t.recent_slope > 0.5 * t.slope);
        assert!(t.new_high);
        assert!(t.noise < 100.0, "noise = {}", t.noise);
    }

    #[test]
    fn a_step_in_the_middle_does_not_still_rise() {
        let v: Vec<f64> = (0..11).map(|i| if i < 5 { 1000.0 + (i % 3) as f64 } else { 9000.0 + (i % 3) as f64 }).collect();
        let t = floor_trend(&v);
        assert!(t.recent_slope.abs() < 1.0, "recent slope = {}", t.recent_slope);
        assert!(!t.new_high || t.recent_slope < 0.25 * t.slope);
    }

    #[test]
    fn noise_has_a_small_z() {
        let v = [5.0, 9.0, 1.0, 7.0, 3.0, 8.0, 2.0, 6.0, 4.0, 5.0, 3.0];
        let t = floor_trend(&v);
        assert!(t.z.abs() < 1.0, "z = {}", t.z);
        assert!(t.noise > 1.0);
    }

    #[test]
    fn short_series_have_no_trend() {
        let t = floor_trend(&[1.0, 2.0]);
        assert_eq!(t.z, 0.0);
        assert!(!t.new_high);
        assert_eq!(floor_trend(&[]).n, 0);
    }
}

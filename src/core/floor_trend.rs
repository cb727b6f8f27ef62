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
    /// Points left out as transient spikes (see [`floor_trend`]).
    pub spikes: usize,
}

/// A point this far above the Theil-Sen line (in units of the noise, or of the
/// per-round slope, whichever is larger) is a transient spike, not a floor.
const SPIKE_NOISE: f64 = 6.0;
const SPIKE_SLOPE: f64 = 3.0;

/// Trend statistics of `values` (one per round, in order). Non-finite values are
/// rejected by the caller; fewer than 3 points give `z = 0`.
///
/// A post-GC floor can carry a transient spike: something else in the process (a test
/// runner's bookkeeping, a pending I/O buffer) survived that one GC and is gone by the
/// next. Such a point breaks a rank test out of proportion: one early spike is above
/// every later point (many discordant pairs) and sets a high the real growth has not
/// reached yet. So points far *above* the first Theil-Sen line (more than 6× its noise
/// and 3× its per-round slope) are left out, at most a quarter of the series, and the
/// statistics are computed on the rest. Only upward spikes are removed: that can only
/// make a healthy series look flatter, and a steadily growing one keeps every point.
pub fn floor_trend(values: &[f64]) -> FloorTrend {
    let n = values.len();
    let xs: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let first = trend_of(&xs, values);
    if n < 5 {
        return first;
    }
    let threshold = (SPIKE_NOISE * first.noise).max(SPIKE_SLOPE * first.slope.abs());
    let intercept = {
        let mut r: Vec<f64> = xs.iter().zip(values).map(|(x, v)| v - first.slope * x).collect();
        median(&mut r)
    };
    let mut spikes: Vec<(f64, usize)> = xs
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (x, v))| (v - intercept - first.slope * x, i))
        .filter(|&(r, _)| r > threshold && r > 0.0)
        .collect();
    if spikes.is_empty() {
        return first;
    }
    spikes.sort_by(|a, b| b.0.total_cmp(&a.0));
    spikes.truncate((n / 4).max(1));
    let out: Vec<usize> = spikes.iter().map(|&(_, i)| i).collect();
    let (kx, kv): (Vec<f64>, Vec<f64>) = xs.iter().zip(values).enumerate().filter(|(i, _)| !out.contains(i)).map(|(_, (x, v))| (*x, *v)).unzip();
    FloorTrend { spikes: out.len(), ..trend_of(&kx, &kv) }
}

fn trend_of(xs: &[f64], values: &[f64]) -> FloorTrend {
    let n = values.len();
    let mk = mann_kendall(values);
    let slope = theil_sen(xs, values);
    let mut resid: Vec<f64> = xs.iter().zip(values).map(|(x, v)| v - slope * x).collect();
    let intercept = median(&mut resid);
    let mut abs_dev: Vec<f64> = xs.iter().zip(values).map(|(x, v)| (v - intercept - slope * x).abs()).collect();
    let noise = median(&mut abs_dev);
    if n < 3 {
        return FloorTrend { n, s: mk.s, z: mk.z, slope, recent_slope: slope, noise, new_high: false, spikes: 0 };
    }
    let r = (n / 3).max(3).min(n);
    let recent_slope = theil_sen(&xs[n - r..], &values[n - r..]);
    let h = (r / 2).max(2).min(n - 1);
    let newest_max = values[n - h..].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let before_max = values[..n - h].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    FloorTrend { n, s: mk.s, z: mk.z, slope, recent_slope, noise, new_high: newest_max > before_max, spikes: 0 }
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

    // Post-GC heapUsed of 9 rounds of a Map leak (~640 B a call, 6 calls a round)
    // measured under jest-environment-node: one round caught a transient 150-320 KB.
    #[test]
    fn a_transient_spike_does_not_hide_steady_growth() {
        let cases: [[f64; 9]; 3] = [
            [14983720.0, 15142712.0, 14996912.0, 15000752.0, 15004592.0, 15008432.0, 15012272.0, 15016112.0, 15019952.0],
            [15689856.0, 15607576.0, 15611416.0, 15615256.0, 15619096.0, 15622936.0, 15626776.0, 15630616.0, 15634456.0],
            [15644096.0, 15648560.0, 15652496.0, 15656336.0, 15660176.0, 15664016.0, 15985736.0, 15676632.0, 15680472.0],
        ];
        for v in cases {
            let t = floor_trend(&v);
            assert_eq!(t.spikes, 1, "{v:?}");
            assert_eq!(t.n, 8);
            assert!(t.z > 3.0, "z = {} for {v:?}", t.z);
            assert!((t.slope - 3840.0).abs() < 400.0, "slope = {}", t.slope);
            assert!(t.new_high, "{v:?}");
        }
    }

    #[test]
    fn a_spike_on_a_flat_series_is_not_growth() {
        let v = [1000.0, 1002.0, 999.0, 1001.0, 90000.0, 1000.0, 1003.0, 998.0, 1001.0];
        let t = floor_trend(&v);
        assert_eq!(t.spikes, 1);
        assert!(t.z.abs() < 1.5, "z = {}", t.z);
        assert!(t.slope.abs() < 2.0);
        // a late spike would otherwise set a new high
        let late = [1000.0, 1002.0, 999.0, 1001.0, 1000.0, 1003.0, 998.0, 1001.0, 90000.0];
        let t = floor_trend(&late);
        assert_eq!(t.spikes, 1);
        assert!(!t.new_high);
    }

    #[test]
    fn steps_of_real_growth_and_low_outliers_are_kept() {
        // a Map's table doubling: a step that stays
        let v = [4196288.0, 4199232.0, 4203072.0, 4207872.0, 4211712.0, 4223928.0, 4227792.0, 4231632.0, 4235472.0];
        assert_eq!(floor_trend(&v).spikes, 0);
        // a low first point is not a spike (only upward spikes are removed)
        let w = [100.0, 5000.0, 5001.0, 5002.0, 5000.0, 5003.0, 5001.0, 5002.0, 5000.0];
        assert_eq!(floor_trend(&w).spikes, 0);
        // never more than a quarter of the points
        let many = [0.0, 9e9, 0.0, 9e9, 0.0, 9e9, 0.0, 9e9, 0.0];
        assert!(floor_trend(&many).spikes <= 2);
    }

    #[test]
    fn short_series_have_no_trend() {
        let t = floor_trend(&[1.0, 2.0]);
        assert_eq!(t.z, 0.0);
        assert!(!t.new_high);
        assert_eq!(floor_trend(&[]).n, 0);
    }
}

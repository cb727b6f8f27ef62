//! Trend statistics on short, possibly noisy series: the Mann-Kendall test for a
//! monotonic trend and the Theil-Sen slope estimator.
//!
//! Both are rank-based, so a single outlier (one late GC, one burst of requests)
//! cannot fake or hide a trend the way a least-squares fit can.

/// Result of a Mann-Kendall trend test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    /// The S statistic: number of increasing pairs minus decreasing pairs.
    pub s: f64,
    /// Normal approximation of S with continuity correction (ties accounted for).
    pub z: f64,
}

/// Mann-Kendall test on `values` in time order. Returns `z = 0` for fewer than 3 values.
pub fn mann_kendall(values: &[f64]) -> MannKendall {
    let n = values.len();
    if n < 3 {
        return MannKendall { s: 0.0, z: 0.0 };
    }
    let mut s: i64 = 0;
    for i in 0..n - 1 {
        for j in i + 1..n {
            let d = values[j] - values[i];
            if d > 0.0 {
                s += 1;
            } else if d < 0.0 {
                s -= 1;
            }
        }
    }
    // Variance with the tie correction: sum over tie groups t*(t-1)*(2t+5).
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && sorted[j] == sorted[i] {
            j += 1;
        }
        let t = (j - i) as f64;
        if t > 1.0 {
            tie_term += t * (t - 1.0) * (2.0 * t + 5.0);
        }
        i = j;
    }
    let nf = n as f64;
    let var = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - tie_term) / 18.0;
    let s = s as f64;
    let z = if var <= 0.0 {
        0.0
    } else if s > 0.0 {
        (s - 1.0) / var.sqrt()
    } else if s < 0.0 {
        (s + 1.0) / var.sqrt()
    } else {
        0.0
    };
    MannKendall { s, z }
}

/// Theil-Sen slope: the median of the slopes of all pairs of points, in value units
/// per time unit of `ts`. Pairs with equal time are skipped. Returns 0 for < 2 points.
pub fn theil_sen(ts: &[f64], values: &[f64]) -> f64 {
    let n = ts.len().min(values.len());
    let mut slopes = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            let dt = ts[j] - ts[i];
            if dt > 0.0 {
                slopes.push((values[j] - values[i]) / dt);
            }
        }
    }
    median(&mut slopes)
}

/// Median of `xs` (reorders it). 0 for an empty slice.
pub fn median(xs: &mut [f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_by(|a, b| a.total_cmp(b));
    let m = xs.len() / 2;
    if xs.len() % 2 == 1 {
        xs[m]
    } else {
        (xs[m - 1] + xs[m]) / 2.0
    }
}

/// One-sided confidence `P(Z < z)` of the standard normal, in [0, 1].
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * (1.0 + libm::erf(z / std::f64::consts::SQRT_2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_series_has_strong_positive_z() {
        let v: Vec<f64> = (0..10).map(|i| i as f64).collect();
        let mk = mann_kendall(&v);
        assert_eq!(mk.s, 45.0);
        assert!(mk.z > 3.5, "z = {}", mk.z);
    }

    #[test]
    fn constant_series_has_zero_z() {
        let mk = mann_kendall(&[5.0; 12]);
        assert_eq!(mk.s, 0.0);
        assert_eq!(mk.z, 0.0);
    }

    #[test]
    fn decreasing_series_has_negative_z() {
        let v: Vec<f64> = (0..10).rev().map(|i| i as f64).collect();
        assert!(mann_kendall(&v).z < -3.5);
    }

    #[test]
    fn theil_sen_ignores_an_outlier() {
        let ts: Vec<f64> = (0..11).map(|i| i as f64).collect();
        let mut v: Vec<f64> = ts.iter().map(|t| 2.0 * t + 1.0).collect();
        v[5] = 1000.0;
        assert!((theil_sen(&ts, &v) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn normal_cdf_matches_known_points() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-5);
        assert!((normal_cdf(-2.326_348) - 0.01).abs() < 1e-5);
    }
}

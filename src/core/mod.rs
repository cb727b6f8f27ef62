//! Pure-Rust core: series, trend statistics and growth detection.
pub mod trend;

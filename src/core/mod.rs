//! Pure-Rust core: series, trend statistics, growth detection, memory limits.
pub mod limits;
pub mod trend;

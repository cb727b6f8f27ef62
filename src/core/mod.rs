//! Pure-Rust core: series, trend statistics, growth detection, memory limits.
//! No napi imports here: everything is unit-tested with plain `cargo test`.
pub mod detector;
pub mod fds;
pub mod floor_trend;
pub mod history;
pub mod limits;
pub mod mutation_sites;
pub mod trend;

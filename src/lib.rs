//! leakguard: memory-leak detection for Node.js.
//!
//! `core` is pure Rust (no napi imports) and unit-tested with `cargo test`;
//! `binding` is the thin `#[napi]` layer that converts arguments and maps errors.
#![deny(clippy::all)]

pub mod core;
mod binding;

//! Thin napi layer. Every entry point converts its arguments, calls `crate::core`
//! (or the `heap-snapshot` crate), and maps errors through [`error`].
pub mod detector;
pub mod error;
pub mod gc;
pub mod heap;
pub mod history;
pub mod limits;
pub mod safety;
pub mod source;
pub mod stats;

//! Thin napi layer. Every entry point converts its arguments, calls `crate::core`,
//! and maps errors through [`error::invalid_arg`] / [`error::failure`].
pub mod error;

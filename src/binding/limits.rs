//! napi bindings for memory limits (issue 4).

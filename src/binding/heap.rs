//! napi bindings for heap snapshot analysis (issue 5).

//! Placeholder: V8 heap snapshot analysis (see issue 5).

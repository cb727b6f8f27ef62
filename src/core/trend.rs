//! Trend statistics (filled in below).

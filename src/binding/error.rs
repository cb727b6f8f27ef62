//! The one place where core errors become JS errors.
use napi::{Error, Status};

/// A bad argument from JS: becomes a `TypeError`-like napi `InvalidArg` error.
#[allow(dead_code)]
pub fn invalid_arg(msg: impl Into<String>) -> Error {
    Error::new(Status::InvalidArg, msg.into())
}

/// Any other failure: becomes a generic JS `Error`.
#[allow(dead_code)]
pub fn failure(msg: impl Into<String>) -> Error {
    Error::new(Status::GenericFailure, msg.into())
}

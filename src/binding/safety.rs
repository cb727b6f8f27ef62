//! Panic containment. Synchronous entry points carry `#[napi(catch_unwind)]`, which
//! turns a panic into a thrown JS `Error` (the message is the panic message). Work
//! run on libuv's thread pool (`Task::compute`) and promise settlement
//! (`Task::resolve`) are called by napi-rs from `extern "C"` callbacks without that
//! wrapper, where a panic would abort the process: they go through [`guard`].
//!
//! Requires `panic = "unwind"` (the default; set explicitly in Cargo.toml's release
//! profile): with `abort`, no panic can be caught.
use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Result, Task};
use napi_derive::napi;

use crate::binding::error::failure;

/// Runs `f`, turning a panic into an error `leakguard internal error in {what}: {panic message}`.
/// Nothing `f` touched is used after a panic (the task is dropped), so asserting
/// unwind safety is sound.
pub fn guard<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic with a non-text payload".to_string());
            // Dropping a payload could itself panic: keep it from unwinding further.
            std::mem::forget(payload);
            Err(failure(format!("leakguard internal error in {what}: {msg}")))
        }
    }
}

/// Test hook (always compiled; it does nothing unless called): panics inside a
/// synchronous entry point with `message`, so that tests can check the panic reaches
/// JS as a thrown `Error` and the process lives on. Not part of the public API.
#[napi(js_name = "__testPanic", catch_unwind)]
pub fn test_panic(message: String) {
    panic!("{message}");
}

/// Test hook: a promise whose work panics on a libuv worker thread (`where_ =
/// "compute"`) or while settling on the JS thread (`"resolve"`); it rejects with an
/// `Error`. Not part of the public API.
#[napi(js_name = "__testPanicAsync", ts_return_type = "Promise<void>", catch_unwind)]
pub fn test_panic_async(where_: String, message: String) -> AsyncTask<PanicTask> {
    AsyncTask::new(PanicTask {
        in_resolve: where_ == "resolve",
        message,
    })
}

/// The task of [`test_panic_async`].
pub struct PanicTask {
    in_resolve: bool,
    message: String,
}

impl Task for PanicTask {
    type Output = ();
    type JsValue = ();
    fn compute(&mut self) -> Result<()> {
        guard("__testPanicAsync", || {
            if !self.in_resolve {
                panic!("{}", self.message);
            }
            Ok(())
        })
    }
    fn resolve(&mut self, _env: Env, _output: ()) -> Result<()> {
        guard("__testPanicAsync", || {
            if self.in_resolve {
                panic!("{}", self.message);
            }
            Ok(())
        })
    }
}

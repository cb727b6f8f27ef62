//! A memory-reducing full GC through V8's embedder API.
//!
//! `gc()` (`--expose-gc`) runs V8's "forced" full GC. In a service under load on Node 20
//! that collection doubles the young generation (new space 16 -> 32 MB) and the process
//! can go on to run a major GC every few seconds instead of every minute or two
//! (docs/overhead.md). The collection V8 runs when the embedder reports critical memory
//! pressure, `v8::Isolate::MemoryPressureNotification(MemoryPressureLevel::kCritical)`,
//! is the same full mark-compact with V8's "reduce memory footprint" flag (the flag of
//! V8's own memory reducer): it shrinks new space afterwards instead of growing it.
//!
//! N-API has no call for it, so the two C++ functions are looked up by their (Itanium
//! ABI) names in the host process, which exports V8's API for addons. When the host does
//! not (a runtime other than Node, a build without exported symbols), the lookup fails
//! and [`memory_pressure_gc`] returns false; the caller then runs `gc()`.
use std::ffi::c_void;
use std::sync::OnceLock;

use libloading::os::unix::{Library, Symbol};
use napi_derive::napi;

/// `static v8::Isolate* v8::Isolate::GetCurrent()`
const GET_CURRENT: &[u8] = b"_ZN2v87Isolate10GetCurrentEv\0";
/// `void v8::Isolate::MemoryPressureNotification(v8::MemoryPressureLevel)`
const PRESSURE_NOTIFICATION: &[u8] = b"_ZN2v87Isolate26MemoryPressureNotificationENS_19MemoryPressureLevelE\0";
/// `v8::MemoryPressureLevel::kCritical` (an `enum class` over `int`: kNone, kModerate, kCritical).
const CRITICAL: i32 = 2;

type GetCurrentFn = unsafe extern "C" fn() -> *mut c_void;
/// A non-virtual member function: `this` first, then the argument (SysV x86-64 / AArch64).
type PressureFn = unsafe extern "C" fn(*mut c_void, i32);

struct V8Api {
    get_current: GetCurrentFn,
    pressure: PressureFn,
}

static API: OnceLock<Option<V8Api>> = OnceLock::new();

fn lookup() -> Option<V8Api> {
    // The process' global scope: the node executable (or libnode) and what it loaded.
    let this = Library::this();
    // SAFETY: the symbols, when present, are V8's functions with the signatures above
    // (declared in v8-isolate.h, unchanged from Node 20's V8 11.3 to Node 24's V8 13.6).
    let api = unsafe {
        let get_current: Symbol<GetCurrentFn> = this.get(GET_CURRENT).ok()?;
        let pressure: Symbol<PressureFn> = this.get(PRESSURE_NOTIFICATION).ok()?;
        V8Api { get_current: *get_current, pressure: *pressure }
    };
    // The handle only refers to the already-loaded process image; keep it open for good
    // so the function pointers stay valid.
    std::mem::forget(this);
    Some(api)
}

/// True when this process exports the V8 functions [`memory_pressure_gc`] calls.
#[napi(catch_unwind)]
pub fn memory_pressure_gc_available() -> bool {
    API.get_or_init(lookup).is_some()
}

/// Runs a full, memory-reducing garbage collection of the calling thread's V8 isolate,
/// synchronously: `v8::Isolate::MemoryPressureNotification(kCritical)`, which performs a
/// mark-compact with V8's reduce-memory-footprint flag (and a second one when the first
/// left much garbage) and shrinks the young generation afterwards. Afterwards
/// `process.memoryUsage()` reads a post-GC floor, as after `gc()`.
///
/// Returns false, without collecting anything, when the host does not export V8's API
/// (see the module docs); the caller should then run `gc()`. Never throws.
#[napi(catch_unwind)]
pub fn memory_pressure_gc() -> bool {
    let Some(api) = API.get_or_init(lookup) else { return false };
    // SAFETY: napi calls this on a JS thread with its isolate entered, so GetCurrent
    // returns that live isolate; the notification runs the GC on this thread and returns.
    unsafe {
        let isolate = (api.get_current)();
        if isolate.is_null() {
            return false;
        }
        (api.pressure)(isolate, CRITICAL);
    }
    true
}

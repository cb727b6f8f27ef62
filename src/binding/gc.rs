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
//!
//! The same lookup gives [`stop_sampling_heap_profiler`]: the sampling heap profiler
//! stopped without an inspector call (see its docs for why).
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
/// `v8::HeapProfiler* v8::Isolate::GetHeapProfiler()`
const GET_HEAP_PROFILER: &[u8] = b"_ZN2v87Isolate15GetHeapProfilerEv\0";
/// `void v8::HeapProfiler::StopSamplingHeapProfiler()`
const STOP_SAMPLING: &[u8] = b"_ZN2v812HeapProfiler24StopSamplingHeapProfilerEv\0";

type GetCurrentFn = unsafe extern "C" fn() -> *mut c_void;
/// A non-virtual member function: `this` first, then the argument (SysV x86-64 / AArch64).
type PressureFn = unsafe extern "C" fn(*mut c_void, i32);
/// A non-virtual member function returning a pointer (`this` only).
type GetHeapProfilerFn = unsafe extern "C" fn(*mut c_void) -> *mut c_void;
/// A non-virtual member function without arguments (`this` only).
type StopSamplingFn = unsafe extern "C" fn(*mut c_void);

struct V8Api {
    get_current: GetCurrentFn,
    pressure: PressureFn,
    /// Absent from hosts that export the isolate's API but not the profiler's.
    sampler: Option<(GetHeapProfilerFn, StopSamplingFn)>,
}

static API: OnceLock<Option<V8Api>> = OnceLock::new();

fn lookup() -> Option<V8Api> {
    // The process' global scope: the node executable (or libnode) and what it loaded.
    let this = Library::this();
    // SAFETY: the symbols, when present, are V8's functions with the signatures above
    // (declared in v8-isolate.h and v8-profiler.h, unchanged from Node 20's V8 11.3 to Node
    // 24's V8 13.6).
    let api = unsafe {
        let get_current: Symbol<GetCurrentFn> = this.get(GET_CURRENT).ok()?;
        let pressure: Symbol<PressureFn> = this.get(PRESSURE_NOTIFICATION).ok()?;
        let get_profiler: Option<Symbol<GetHeapProfilerFn>> = this.get(GET_HEAP_PROFILER).ok();
        let stop: Option<Symbol<StopSamplingFn>> = this.get(STOP_SAMPLING).ok();
        let sampler = get_profiler.zip(stop).map(|(g, s)| (*g, *s));
        V8Api { get_current: *get_current, pressure: *pressure, sampler }
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

/// Stops V8's sampling heap profiler of the calling thread's isolate, discarding its
/// samples: `v8::HeapProfiler::StopSamplingHeapProfiler()` (a no-op when it is not
/// running). Returns false, without stopping anything, when the host does not export
/// that API. Never throws.
///
/// Why not the inspector: `HeapProfiler.stopSampling` reads a profile first, and with
/// the inspector's sampler every read runs a forced full GC (a cost docs/overhead.md
/// measured in a loaded service); disconnecting the inspector session stops it without
/// a GC but resets V8's heap snapshot object IDs (`HeapProfiler::ClearObjectIds`, run
/// whenever an inspector session goes away), so two heap snapshots taken around the
/// disconnect can no longer be compared by object id: a diff then shows thousands of
/// objects "added" and "removed" that were there all along (measured in this repo:
/// 6,378 of 20,101 unchanged objects of a test heap).
#[napi(catch_unwind)]
pub fn stop_sampling_heap_profiler() -> bool {
    let Some(api) = API.get_or_init(lookup) else { return false };
    let Some((get_profiler, stop)) = api.sampler else { return false };
    // SAFETY: as in memory_pressure_gc, the current isolate is this thread's live one;
    // GetHeapProfiler never returns null for a live isolate, checked anyway.
    unsafe {
        let isolate = (api.get_current)();
        if isolate.is_null() {
            return false;
        }
        let profiler = get_profiler(isolate);
        if profiler.is_null() {
            return false;
        }
        stop(profiler);
    }
    true
}

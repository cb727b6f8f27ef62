//! napi bindings for memory limits (issue 4).
use napi_derive::napi;

use crate::core::limits::{self as core, CgroupVersion, LimitSource};

/// Memory cgroup of the process (from `/proc/self/cgroup` and `/proc/self/mountinfo`).
#[napi(object)]
pub struct CgroupMemoryInfo {
    /// `'v1'` or `'v2'`.
    pub version: String,
    /// Directory of the process's memory cgroup.
    pub path: String,
    /// Smallest limit over the cgroup and its ancestors, bytes (cgroup v2 `memory.max`,
    /// v1 `memory.limit_in_bytes`); `null` when unlimited.
    pub limit_bytes: Option<f64>,
    /// Directory whose limit is `limitBytes` (may be an ancestor of `path`).
    pub limit_path: Option<String>,
    /// Charged memory including page cache, bytes (v2 `memory.current`, v1 `memory.usage_in_bytes`).
    pub usage_bytes: f64,
    /// Inactive file cache the kernel reclaims before an OOM kill, bytes (`memory.stat`).
    pub inactive_file_bytes: f64,
    /// `usageBytes - inactiveFileBytes`, bytes: what the OOM killer compares to the limit.
    pub working_set_bytes: f64,
}

/// System memory from `/proc/meminfo`, bytes.
#[napi(object)]
pub struct SystemMemoryInfo {
    /// `MemTotal`, bytes.
    pub total_bytes: f64,
    /// `MemFree`, bytes.
    pub free_bytes: f64,
    /// `MemAvailable`, bytes (free + buffers + cached on kernels without it).
    pub available_bytes: f64,
}

/// The memory limits that apply to this process.
#[napi(object)]
pub struct MemoryLimits {
    /// Where `limitBytes` comes from: `'cgroup-v2'`, `'cgroup-v1'`, `'system'` or `'unknown'`.
    pub source: String,
    /// The binding limit, bytes: the cgroup limit when set and below total memory, else total memory.
    pub limit_bytes: Option<f64>,
    /// Bytes that can still be allocated: min(cgroup limit - working set, `MemAvailable`).
    pub available_bytes: Option<f64>,
    /// The memory cgroup, when found and readable.
    pub cgroup: Option<CgroupMemoryInfo>,
    /// System memory, when `/proc/meminfo` is readable.
    pub system: Option<SystemMemoryInfo>,
}

fn version_str(v: CgroupVersion) -> String {
    match v {
        CgroupVersion::V1 => "v1",
        CgroupVersion::V2 => "v2",
    }
    .to_string()
}

/// Reads the memory limits of this process: cgroup v2 (`memory.max`/`memory.current`),
/// cgroup v1 (`memory.limit_in_bytes`/`memory.usage_in_bytes`) and `/proc/meminfo`.
/// Cheap (a few small file reads); missing sources are `null`, never an error.
#[napi(catch_unwind)]
pub fn memory_limits() -> MemoryLimits {
    let l = core::read_memory_limits();
    let source = match l.source() {
        LimitSource::CgroupV2 => "cgroup-v2",
        LimitSource::CgroupV1 => "cgroup-v1",
        LimitSource::System => "system",
        LimitSource::Unknown => "unknown",
    }
    .to_string();
    MemoryLimits {
        source,
        limit_bytes: l.limit().map(|v| v as f64),
        available_bytes: l.available().map(|v| v as f64),
        cgroup: l.cgroup.as_ref().map(|c| CgroupMemoryInfo {
            version: version_str(c.version),
            path: c.path.to_string_lossy().into_owned(),
            limit_bytes: c.limit.map(|v| v as f64),
            limit_path: c.limit_path.as_ref().map(|p| p.to_string_lossy().into_owned()),
            usage_bytes: c.usage as f64,
            inactive_file_bytes: c.inactive_file as f64,
            working_set_bytes: c.working_set() as f64,
        }),
        system: l.meminfo.map(|m| SystemMemoryInfo {
            total_bytes: m.total as f64,
            free_bytes: m.free as f64,
            available_bytes: m.available as f64,
        }),
    }
}

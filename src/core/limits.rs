//! Memory limits of this process: cgroup v2/v1 and system memory (issue 4).
//!
//! Pure Rust, no napi. Everything that parses text is a plain function over
//! `&str` so it can be unit-tested with fixtures; [`read_memory_limits`] does
//! the file I/O, under a configurable root so tests can fake `/proc` and `/sys`.
//!
//! Sources, in order of preference:
//! - cgroup v2: `memory.max` / `memory.current` (and `inactive_file` from `memory.stat`)
//!   of the process's cgroup and its ancestors;
//! - cgroup v1: `memory.limit_in_bytes` / `memory.usage_in_bytes` (and
//!   `total_inactive_file` from `memory.stat`);
//! - system: `MemTotal` / `MemAvailable` / `MemFree` from `/proc/meminfo`.
//!
//! All sizes are in bytes.

use std::fs;
use std::path::{Path, PathBuf};

/// Which cgroup hierarchy a memory figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupVersion {
    V1,
    V2,
}

/// One line of `/proc/<pid>/cgroup`: `hierarchy-id:controller-list:path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupEntry {
    pub hierarchy_id: u32,
    /// Empty for the cgroup v2 unified hierarchy (`0::/path`).
    pub controllers: Vec<String>,
    pub path: String,
}

/// A cgroup filesystem mount, from `/proc/<pid>/mountinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupMount {
    /// Root of the mount inside the cgroup hierarchy (field 4 of mountinfo).
    pub root: String,
    /// Where it is mounted (field 5 of mountinfo).
    pub mount_point: String,
    pub version: CgroupVersion,
    /// Super options (for v1, the controllers such as `memory`).
    pub super_options: Vec<String>,
}

/// Memory figures of the cgroup that constrains this process.
#[derive(Debug, Clone, PartialEq)]
pub struct CgroupMemory {
    pub version: CgroupVersion,
    /// Directory of the process's own memory cgroup.
    pub path: PathBuf,
    /// Smallest limit over the cgroup and its ancestors, bytes; `None` = unlimited.
    pub limit: Option<u64>,
    /// Directory whose limit is `limit` (may be an ancestor of `path`).
    pub limit_path: Option<PathBuf>,
    /// Charged memory of the cgroup, bytes (`memory.current` / `memory.usage_in_bytes`).
    /// Includes page cache.
    pub usage: u64,
    /// Inactive file cache, bytes, which the kernel reclaims before an OOM kill.
    pub inactive_file: u64,
}

impl CgroupMemory {
    /// Usage minus reclaimable inactive file cache, bytes: the figure the OOM
    /// killer effectively compares to the limit (like `kubectl top`'s working set).
    pub fn working_set(&self) -> u64 {
        self.usage.saturating_sub(self.inactive_file)
    }

    /// Bytes left before the limit (limit minus working set); `None` if unlimited.
    pub fn headroom(&self) -> Option<u64> {
        self.limit.map(|l| l.saturating_sub(self.working_set()))
    }
}

/// Selected fields of `/proc/meminfo`, bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemInfo {
    pub total: u64,
    pub free: u64,
    /// `MemAvailable` (kernel estimate of memory usable without swapping); falls
    /// back to free + buffers + cached on kernels without it.
    pub available: u64,
}

/// Everything [`read_memory_limits`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryLimits {
    /// The memory cgroup, if one was found and readable.
    pub cgroup: Option<CgroupMemory>,
    /// System memory, if `/proc/meminfo` was readable.
    pub meminfo: Option<MemInfo>,
}

/// Where the effective limit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitSource {
    CgroupV2,
    CgroupV1,
    System,
    Unknown,
}

impl MemoryLimits {
    /// The binding constraint: a cgroup limit if one is set and below total memory,
    /// else total system memory.
    pub fn source(&self) -> LimitSource {
        if let Some(cg) = &self.cgroup {
            if let Some(limit) = cg.limit {
                let below_total = self.meminfo.is_none_or(|m| m.total == 0 || limit < m.total);
                if below_total {
                    return match cg.version {
                        CgroupVersion::V1 => LimitSource::CgroupV1,
                        CgroupVersion::V2 => LimitSource::CgroupV2,
                    };
                }
            }
        }
        if self.meminfo.is_some() {
            LimitSource::System
        } else {
            LimitSource::Unknown
        }
    }

    /// Effective limit in bytes (see [`MemoryLimits::source`]).
    pub fn limit(&self) -> Option<u64> {
        match self.source() {
            LimitSource::CgroupV1 | LimitSource::CgroupV2 => self.cgroup.as_ref().and_then(|c| c.limit),
            LimitSource::System => self.meminfo.map(|m| m.total),
            LimitSource::Unknown => None,
        }
    }

    /// Bytes that can still be allocated: the smaller of the cgroup headroom and
    /// the system's available memory.
    pub fn available(&self) -> Option<u64> {
        let cg = match self.source() {
            LimitSource::CgroupV1 | LimitSource::CgroupV2 => self.cgroup.as_ref().and_then(|c| c.headroom()),
            _ => None,
        };
        let sys = self.meminfo.map(|m| m.available);
        match (cg, sys) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Parses `/proc/<pid>/cgroup`. Malformed lines are ignored.
pub fn parse_proc_cgroup(text: &str) -> Vec<CgroupEntry> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let id = parts.next()?.trim().parse::<u32>().ok()?;
            let controllers = parts.next()?;
            let path = parts.next()?;
            Some(CgroupEntry {
                hierarchy_id: id,
                controllers: controllers
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect(),
                path: path.to_string(),
            })
        })
        .collect()
}

/// Undoes mountinfo's octal escapes (`\040` for space, etc.).
fn unescape_mountinfo(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 3 < bytes.len() {
            let oct = &bytes[i + 1..i + 4];
            if oct.iter().all(|b| (b'0'..=b'7').contains(b)) {
                let oct = std::str::from_utf8(oct).unwrap_or("");
                if let Ok(v) = u8::from_str_radix(oct, 8) {
                    out.push(v);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses the cgroup mounts out of `/proc/<pid>/mountinfo`. Other mounts and
/// malformed lines are ignored.
pub fn parse_mountinfo(text: &str) -> Vec<CgroupMount> {
    text.lines()
        .filter_map(|line| {
            // `id parent major:minor root mount_point options [optional...] - fstype source super_options`
            let (left, right) = line.split_once(" - ")?;
            let fields: Vec<&str> = left.split(' ').collect();
            if fields.len() < 5 {
                return None;
            }
            let mut rparts = right.split(' ');
            let fstype = rparts.next()?;
            let _source = rparts.next();
            let super_options = rparts.next().unwrap_or("");
            let version = match fstype {
                "cgroup2" => CgroupVersion::V2,
                "cgroup" => CgroupVersion::V1,
                _ => return None,
            };
            Some(CgroupMount {
                root: unescape_mountinfo(fields[3]),
                mount_point: unescape_mountinfo(fields[4]),
                version,
                super_options: super_options.split(',').map(str::to_string).collect(),
            })
        })
        .collect()
}

/// Parses a limit file (`memory.max`, `memory.limit_in_bytes`). `max` and the
/// v1 "unlimited" value (a page-rounded `i64::MAX`, or anything at or above
/// 2^60) mean no limit and give `Ok(None)`.
pub fn parse_limit(text: &str) -> Result<Option<u64>, String> {
    let t = text.trim();
    if t == "max" {
        return Ok(None);
    }
    let v: u64 = t
        .parse()
        .map_err(|_| format!("not a memory limit: {t:?}"))?;
    if v >= 1u64 << 60 {
        Ok(None)
    } else {
        Ok(Some(v))
    }
}

/// Parses a single byte count (`memory.current`, `memory.usage_in_bytes`).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    t.parse().map_err(|_| format!("not a byte count: {t:?}"))
}

/// Reads one `key value` field from a `memory.stat` file.
pub fn parse_memory_stat_field(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(' ')?;
        if k == key {
            v.trim().parse().ok()
        } else {
            None
        }
    })
}

/// Parses `/proc/meminfo` (values in kB) into bytes. Returns `None` without `MemTotal`.
pub fn parse_meminfo(text: &str) -> Option<MemInfo> {
    let mut total = None;
    let mut free = None;
    let mut available = None;
    let mut buffers = 0;
    let mut cached = 0;
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else { continue };
        let mut it = rest.split_whitespace();
        let Some(num) = it.next().and_then(|n| n.parse::<u64>().ok()) else { continue };
        let bytes = match it.next() {
            Some("kB") => num.saturating_mul(1024),
            _ => num,
        };
        match key {
            "MemTotal" => total = Some(bytes),
            "MemFree" => free = Some(bytes),
            "MemAvailable" => available = Some(bytes),
            "Buffers" => buffers = bytes,
            "Cached" => cached = bytes,
            _ => {}
        }
    }
    let total = total?;
    let free = free.unwrap_or(0);
    Some(MemInfo {
        total,
        free,
        available: available.unwrap_or_else(|| free + buffers + cached),
    })
}

/// Maps a cgroup path from `/proc/<pid>/cgroup` onto a directory under `mount`.
/// Returns `None` if the path is outside the mount's root (a foreign namespace).
pub fn cgroup_dir(mount: &CgroupMount, cgroup_path: &str) -> Option<PathBuf> {
    let root = mount.root.trim_end_matches('/');
    let rel = if root.is_empty() {
        cgroup_path
    } else if cgroup_path == root {
        ""
    } else if let Some(rest) = cgroup_path.strip_prefix(root) {
        if !rest.starts_with('/') {
            return None;
        }
        rest
    } else {
        return None;
    };
    let mut dir = PathBuf::from(&mount.mount_point);
    for comp in rel.split('/').filter(|c| !c.is_empty()) {
        if comp == ".." || comp == "." {
            return None;
        }
        dir.push(comp);
    }
    Some(dir)
}

/// Chooses the memory cgroup directory: cgroup v2 if the unified hierarchy has
/// the memory controller (`memory.max` exists at the process's cgroup), else the
/// cgroup v1 hierarchy carrying the `memory` controller. `exists` is asked about
/// directories/files (so tests can fake the filesystem).
pub fn locate_memory_cgroup(
    entries: &[CgroupEntry],
    mounts: &[CgroupMount],
    exists: &dyn Fn(&Path) -> bool,
) -> Option<(CgroupVersion, PathBuf, PathBuf)> {
    // cgroup v2
    if let Some(e) = entries.iter().find(|e| e.hierarchy_id == 0 && e.controllers.is_empty()) {
        for m in mounts.iter().filter(|m| m.version == CgroupVersion::V2) {
            if let Some(dir) = cgroup_dir(m, &e.path) {
                if exists(&dir.join("memory.max")) || exists(&dir.join("memory.current")) {
                    return Some((CgroupVersion::V2, dir, PathBuf::from(&m.mount_point)));
                }
            }
        }
    }
    // cgroup v1
    if let Some(e) = entries.iter().find(|e| e.controllers.iter().any(|c| c == "memory")) {
        for m in mounts
            .iter()
            .filter(|m| m.version == CgroupVersion::V1 && m.super_options.iter().any(|o| o == "memory"))
        {
            if let Some(dir) = cgroup_dir(m, &e.path) {
                if exists(&dir.join("memory.limit_in_bytes")) {
                    return Some((CgroupVersion::V1, dir, PathBuf::from(&m.mount_point)));
                }
            }
        }
    }
    None
}

/// Reads limits and usage of the memory cgroup at `dir`, taking the smallest
/// limit over `dir` and its ancestors up to `mount_point` (inclusive).
pub fn read_cgroup_memory(
    version: CgroupVersion,
    dir: &Path,
    mount_point: &Path,
) -> Result<CgroupMemory, String> {
    let (limit_file, usage_file, inactive_key) = match version {
        CgroupVersion::V2 => ("memory.max", "memory.current", "inactive_file"),
        CgroupVersion::V1 => ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"),
    };
    let read = |p: PathBuf| fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()));
    let usage = parse_bytes(&read(dir.join(usage_file))?)?;
    let inactive_file = fs::read_to_string(dir.join("memory.stat"))
        .ok()
        .and_then(|t| parse_memory_stat_field(&t, inactive_key))
        .unwrap_or(0);
    let mut limit: Option<u64> = None;
    let mut limit_path = None;
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if !d.starts_with(mount_point) {
            break;
        }
        if let Ok(text) = fs::read_to_string(d.join(limit_file)) {
            if let Ok(Some(l)) = parse_limit(&text) {
                if limit.is_none_or(|cur| l < cur) {
                    limit = Some(l);
                    limit_path = Some(d.to_path_buf());
                }
            }
        }
        if d == mount_point {
            break;
        }
        cur = d.parent();
    }
    Ok(CgroupMemory {
        version,
        path: dir.to_path_buf(),
        limit,
        limit_path,
        usage,
        inactive_file,
    })
}

/// Prefixes an absolute path with `root` (`/` leaves it unchanged).
fn under(root: &Path, abs: &str) -> PathBuf {
    root.join(abs.trim_start_matches('/'))
}

/// Reads the memory limits of process `pid` (`None` = self) with every path
/// taken relative to `root` (normally `/`). Missing files are not errors: the
/// corresponding part of the result is `None`.
pub fn read_memory_limits_at(root: &Path, pid: Option<u32>) -> MemoryLimits {
    let proc_dir = match pid {
        Some(p) => format!("/proc/{p}"),
        None => "/proc/self".to_string(),
    };
    let meminfo = fs::read_to_string(under(root, "/proc/meminfo"))
        .ok()
        .and_then(|t| parse_meminfo(&t));
    let cgroup = (|| {
        let entries = parse_proc_cgroup(&fs::read_to_string(under(root, &format!("{proc_dir}/cgroup"))).ok()?);
        let mut mounts = fs::read_to_string(under(root, &format!("{proc_dir}/mountinfo")))
            .map(|t| parse_mountinfo(&t))
            .unwrap_or_default();
        if mounts.is_empty() {
            // No mountinfo: assume the conventional layout.
            mounts = vec![
                CgroupMount {
                    root: "/".into(),
                    mount_point: "/sys/fs/cgroup".into(),
                    version: CgroupVersion::V2,
                    super_options: vec![],
                },
                CgroupMount {
                    root: "/".into(),
                    mount_point: "/sys/fs/cgroup/memory".into(),
                    version: CgroupVersion::V1,
                    super_options: vec!["memory".into()],
                },
            ];
        }
        // Re-root mount points so tests can fake /sys.
        for m in &mut mounts {
            m.mount_point = under(root, &m.mount_point).to_string_lossy().into_owned();
        }
        let (version, dir, mount_point) = locate_memory_cgroup(&entries, &mounts, &|p| p.exists())?;
        read_cgroup_memory(version, &dir, &mount_point).ok()
    })();
    MemoryLimits { cgroup, meminfo }
}

/// Reads the memory limits of this process from the real `/proc` and `/sys`.
pub fn read_memory_limits() -> MemoryLimits {
    read_memory_limits_at(Path::new("/"), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    const MOUNTINFO_HYBRID: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
";

    #[test]
    fn parses_proc_cgroup_v1_and_v2_lines() {
        let e = parse_proc_cgroup("4:memory:/a/b\n2:cpu,cpuacct:/\n0::/user.slice\ngarbage\n");
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].controllers, vec!["memory"]);
        assert_eq!(e[0].path, "/a/b");
        assert_eq!(e[1].controllers, vec!["cpu", "cpuacct"]);
        assert_eq!(e[2].hierarchy_id, 0);
        assert!(e[2].controllers.is_empty());
        assert_eq!(e[2].path, "/user.slice");
    }

    #[test]
    fn parses_cgroup_mounts_only() {
        let m = parse_mountinfo(MOUNTINFO_HYBRID);
        assert_eq!(m.len(), 3);
        assert_eq!(m[1].mount_point, "/sys/fs/cgroup/memory");
        assert_eq!(m[1].version, CgroupVersion::V1);
        assert!(m[1].super_options.iter().any(|o| o == "memory"));
        assert_eq!(m[2].version, CgroupVersion::V2);
    }

    #[test]
    fn mountinfo_escapes_are_decoded() {
        let m = parse_mountinfo("1 2 0:1 /a\\040b /mnt/x\\040y rw - cgroup2 none rw\n");
        assert_eq!(m[0].root, "/a b");
        assert_eq!(m[0].mount_point, "/mnt/x y");
    }

    #[test]
    fn limits_parse_max_and_v1_unlimited_as_none() {
        assert_eq!(parse_limit("max\n").unwrap(), None);
        assert_eq!(parse_limit("9223372036854771712\n").unwrap(), None);
        assert_eq!(parse_limit("209715200\n").unwrap(), Some(209_715_200));
        assert!(parse_limit("lots").is_err());
        assert_eq!(parse_bytes(" 42\n").unwrap(), 42);
        assert!(parse_bytes("").is_err());
    }

    #[test]
    fn meminfo_in_bytes_with_fallback_for_old_kernels() {
        let m = parse_meminfo("MemTotal:  1000 kB\nMemFree: 100 kB\nMemAvailable: 600 kB\n").unwrap();
        assert_eq!(m, MemInfo { total: 1_024_000, free: 102_400, available: 614_400 });
        let old = parse_meminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 20 kB\n").unwrap();
        assert_eq!(old.available, 130 * 1024);
        assert!(parse_meminfo("Nothing: 1 kB\n").is_none());
    }

    #[test]
    fn memory_stat_field() {
        let t = "cache 10\ntotal_inactive_file 4096\ninactive_file 7\n";
        assert_eq!(parse_memory_stat_field(t, "total_inactive_file"), Some(4096));
        assert_eq!(parse_memory_stat_field(t, "inactive_file"), Some(7));
        assert_eq!(parse_memory_stat_field(t, "missing"), None);
    }

    #[test]
    fn cgroup_dir_handles_namespaced_roots() {
        let m = CgroupMount {
            root: "/docker/abc".into(),
            mount_point: "/sys/fs/cgroup".into(),
            version: CgroupVersion::V2,
            super_options: vec![],
        };
        assert_eq!(cgroup_dir(&m, "/docker/abc"), Some(PathBuf::from("/sys/fs/cgroup")));
        assert_eq!(cgroup_dir(&m, "/docker/abc/x"), Some(PathBuf::from("/sys/fs/cgroup/x")));
        assert_eq!(cgroup_dir(&m, "/docker/abcd"), None);
        assert_eq!(cgroup_dir(&m, "/other"), None);
        let rootm = CgroupMount { root: "/".into(), ..m };
        assert_eq!(cgroup_dir(&rootm, "/a/b"), Some(PathBuf::from("/sys/fs/cgroup/a/b")));
        assert_eq!(cgroup_dir(&rootm, "/a/../b"), None);
    }

    #[test]
    fn prefers_v2_with_memory_controller_else_v1() {
        let entries = parse_proc_cgroup("4:memory:/job\n0::/\n");
        let mounts = parse_mountinfo(MOUNTINFO_HYBRID);
        // Hybrid: the unified hierarchy has no memory.max -> v1.
        let only_v1 = |p: &Path| p.starts_with("/sys/fs/cgroup/memory");
        let (v, dir, mp) = locate_memory_cgroup(&entries, &mounts, &only_v1).unwrap();
        assert_eq!(v, CgroupVersion::V1);
        assert_eq!(dir, PathBuf::from("/sys/fs/cgroup/memory/job"));
        assert_eq!(mp, PathBuf::from("/sys/fs/cgroup/memory"));
        let all = |_: &Path| true;
        let (v, dir, _) = locate_memory_cgroup(&entries, &mounts, &all).unwrap();
        assert_eq!(v, CgroupVersion::V2);
        assert_eq!(dir, PathBuf::from("/sys/fs/cgroup/unified"));
        assert!(locate_memory_cgroup(&entries, &mounts, &|_| false).is_none());
    }

    fn temp_root(name: &str) -> PathBuf {
        static N: AtomicU32 = AtomicU32::new(0);
        let d = std::env::temp_dir().join(format!(
            "leakguard-limits-{}-{}-{}",
            std::process::id(),
            name,
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    const MEMINFO: &str = "MemTotal: 8000000 kB\nMemFree: 1000000 kB\nMemAvailable: 4000000 kB\n";

    #[test]
    fn reads_v1_tree_with_smallest_ancestor_limit() {
        let root = temp_root("v1");
        write(&root, "proc/meminfo", MEMINFO);
        write(&root, "proc/self/cgroup", "4:memory:/a/b\n0::/\n");
        write(&root, "proc/self/mountinfo", MOUNTINFO_HYBRID);
        let cg = "sys/fs/cgroup/memory";
        write(&root, &format!("{cg}/memory.limit_in_bytes"), "9223372036854771712\n");
        write(&root, &format!("{cg}/a/memory.limit_in_bytes"), "200000000\n");
        write(&root, &format!("{cg}/a/b/memory.limit_in_bytes"), "300000000\n");
        write(&root, &format!("{cg}/a/b/memory.usage_in_bytes"), "150000000\n");
        write(&root, &format!("{cg}/a/b/memory.stat"), "cache 1\ntotal_inactive_file 10000000\n");
        let l = read_memory_limits_at(&root, None);
        let c = l.cgroup.clone().unwrap();
        assert_eq!(c.version, CgroupVersion::V1);
        assert_eq!(c.limit, Some(200_000_000));
        assert_eq!(c.limit_path, Some(root.join(cg).join("a")));
        assert_eq!(c.working_set(), 140_000_000);
        assert_eq!(c.headroom(), Some(60_000_000));
        assert_eq!(l.source(), LimitSource::CgroupV1);
        assert_eq!(l.limit(), Some(200_000_000));
        assert_eq!(l.available(), Some(60_000_000));
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn reads_v2_and_falls_back_to_system_when_unlimited() {
        let root = temp_root("v2");
        write(&root, "proc/meminfo", MEMINFO);
        write(&root, "proc/self/cgroup", "0::/svc\n");
        write(&root, "proc/self/mountinfo", "30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        write(&root, "sys/fs/cgroup/svc/memory.max", "max\n");
        write(&root, "sys/fs/cgroup/svc/memory.current", "5000\n");
        write(&root, "sys/fs/cgroup/svc/memory.stat", "anon 1\ninactive_file 1000\n");
        let l = read_memory_limits_at(&root, None);
        let c = l.cgroup.clone().unwrap();
        assert_eq!(c.version, CgroupVersion::V2);
        assert_eq!(c.limit, None);
        assert_eq!(c.working_set(), 4000);
        assert_eq!(l.source(), LimitSource::System);
        assert_eq!(l.limit(), Some(8_000_000 * 1024));
        assert_eq!(l.available(), Some(4_000_000 * 1024));
        // Now set a limit.
        write(&root, "sys/fs/cgroup/svc/memory.max", "104857600\n");
        let l = read_memory_limits_at(&root, None);
        assert_eq!(l.source(), LimitSource::CgroupV2);
        assert_eq!(l.available(), Some(104_857_600 - 4000));
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn nothing_readable_gives_unknown() {
        let root = temp_root("empty");
        let l = read_memory_limits_at(&root, None);
        assert_eq!(l, MemoryLimits { cgroup: None, meminfo: None });
        assert_eq!(l.source(), LimitSource::Unknown);
        assert_eq!(l.limit(), None);
        assert_eq!(l.available(), None);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn reads_real_system_without_panicking() {
        let l = read_memory_limits();
        if cfg!(target_os = "linux") {
            assert!(l.meminfo.unwrap().total > 0);
        }
    }
}

//! Memory limits of this process: cgroup v2/v1 and system memory (issue 4).

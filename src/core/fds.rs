//! Open file descriptors of this process, counted from `/proc/self/fd` (Linux).

use std::path::Path;

/// Number of entries in `dir`; `None` where it cannot be read.
pub fn count_entries(dir: &Path) -> Option<u64> {
    let entries = std::fs::read_dir(dir).ok()?;
    Some(entries.filter(|e| e.is_ok()).count() as u64)
}

/// Open file descriptors of the current process, not counting the one used to read
/// `/proc/self/fd` (it is listed too). `None` where that is not readable (not Linux).
pub fn open_fds() -> Option<u64> {
    count_entries(Path::new("/proc/self/fd")).map(|n| n.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_entries_of_a_directory() {
        let dir = std::env::temp_dir().join(format!("leakguard-fds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        for i in 0..5 {
            std::fs::write(dir.join(format!("f{i}")), b"x").expect("write");
        }
        assert_eq!(count_entries(&dir), Some(5));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn this_process_has_stdio_open_and_held_files_are_counted() {
        let files: Vec<std::fs::File> = (0..5).map(|_| std::fs::File::open("Cargo.toml").expect("open Cargo.toml")).collect();
        // stdin, stdout, stderr and the five files at least (tests run in parallel).
        assert!(open_fds().expect("/proc/self/fd is readable on Linux") >= 8);
        drop(files);
    }

    #[test]
    fn a_missing_directory_gives_none() {
        assert_eq!(count_entries(Path::new("/nonexistent/fd")), None);
    }
}

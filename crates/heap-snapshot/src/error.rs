//! Errors of parsing and analysis. Every error names what was being read and,
//! for format problems, the byte offset in the (decompressed) snapshot text.
use std::fmt;
use std::path::PathBuf;

/// Why a snapshot could not be read or analysed.
#[derive(Debug)]
pub enum SnapshotError {
    /// The file could not be opened or read.
    Io {
        /// The file (empty when reading from a plain reader).
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The content is not a well-formed V8 heap snapshot.
    Format {
        /// The file (empty when reading from a plain reader).
        path: PathBuf,
        /// Byte offset in the decompressed snapshot text where the problem was seen.
        offset: u64,
        /// What was wrong, naming the JSON field (`nodes`, `snapshot.meta.node_fields`, ...).
        message: String,
    },
    /// The snapshot is well-formed JSON but its graph is inconsistent
    /// (edge pointing past the last node, `edge_count` sum not matching `edges`, ...).
    Invalid {
        /// The file.
        path: PathBuf,
        /// What was wrong, naming the field.
        message: String,
    },
    /// The caller cancelled the work (AbortSignal or cancel flag).
    Cancelled,
}

impl SnapshotError {
    pub(crate) fn format(offset: u64, message: impl Into<String>) -> Self {
        SnapshotError::Format {
            path: PathBuf::new(),
            offset,
            message: message.into(),
        }
    }
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        SnapshotError::Invalid {
            path: PathBuf::new(),
            message: message.into(),
        }
    }
    pub(crate) fn io(source: std::io::Error) -> Self {
        SnapshotError::Io {
            path: PathBuf::new(),
            source,
        }
    }
    /// Attaches the file path to an error produced while reading it.
    pub fn with_path(self, p: impl Into<PathBuf>) -> Self {
        let p = p.into();
        match self {
            SnapshotError::Io { source, .. } => SnapshotError::Io { path: p, source },
            SnapshotError::Format {
                offset, message, ..
            } => SnapshotError::Format {
                path: p,
                offset,
                message,
            },
            SnapshotError::Invalid { message, .. } => SnapshotError::Invalid { path: p, message },
            SnapshotError::Cancelled => SnapshotError::Cancelled,
        }
    }
    /// True for [`SnapshotError::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        matches!(self, SnapshotError::Cancelled)
    }
}

fn show(p: &std::path::Path) -> String {
    if p.as_os_str().is_empty() {
        "<snapshot>".to_string()
    } else {
        p.display().to_string()
    }
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Io { path, source } => write!(f, "{}: {}", show(path), source),
            SnapshotError::Format {
                path,
                offset,
                message,
            } => {
                write!(
                    f,
                    "{}: not a valid heap snapshot at byte {}: {}",
                    show(path),
                    offset,
                    message
                )
            }
            SnapshotError::Invalid { path, message } => {
                write!(f, "{}: inconsistent heap snapshot: {}", show(path), message)
            }
            SnapshotError::Cancelled => write!(f, "heap snapshot analysis was cancelled"),
        }
    }
}

impl std::error::Error for SnapshotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SnapshotError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, SnapshotError>;

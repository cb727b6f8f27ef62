//! Streaming parser of the `.heapsnapshot` JSON format.
//!
//! The top-level object is read key by key. `snapshot` (the small header with
//! `meta`) is decoded with serde; `nodes` and `edges` go through a hand-written
//! number scanner straight into per-field column vectors; `strings` are decoded
//! into one byte arena. Other keys (`trace_tree`, `samples`, `locations`, ...)
//! are skipped without building values.
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Deserialize;

use crate::error::{Result, SnapshotError};
use crate::{Control, Stage};

const BUF_SIZE: usize = 1 << 20;
/// The largest `snapshot` header accepted (it is a few KB in practice).
const MAX_HEADER: usize = 64 << 20;

/// The string table of a snapshot, stored as one byte arena.
#[derive(Debug, Default, Clone)]
pub struct Strings {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl Strings {
    /// Number of strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    /// True when the table is empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    /// The bytes (UTF-8, possibly with U+FFFD for lone surrogates) of string `i`; empty if out of range.
    pub fn bytes(&self, i: u32) -> &[u8] {
        let i = i as usize;
        if i >= self.ends.len() {
            return &[];
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }
    /// String `i` as text (lossy); empty if out of range.
    pub fn get(&self, i: u32) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.bytes(i))
    }
    #[cfg(any())]
    pub(crate) fn from_vec(v: &[&str]) -> Self {
        let mut s = Strings::default();
        for x in v {
            s.data.extend_from_slice(x.as_bytes());
            s.ends.push(s.data.len());
        }
        s
    }
}

/// Node type names as V8 writes them in `snapshot.meta.node_types[0]`.
/// Indices are looked up by name so that a reordered list still works.
#[derive(Debug, Clone, Default)]
pub struct NodeTypes {
    /// All type names, by raw type value.
    pub names: Vec<String>,
    /// Raw type value of `hidden`, if `meta` lists it.
    pub hidden: Option<u8>,
    /// Raw type value of `array`, if `meta` lists it.
    pub array: Option<u8>,
    /// Raw type value of `string`, if `meta` lists it.
    pub string: Option<u8>,
    /// Raw type value of `object`, if `meta` lists it.
    pub object: Option<u8>,
    /// Raw type value of `code`, if `meta` lists it.
    pub code: Option<u8>,
    /// Raw type value of `closure`, if `meta` lists it.
    pub closure: Option<u8>,
    /// Raw type value of `native`, if `meta` lists it.
    pub native: Option<u8>,
    /// Raw type value of `synthetic`, if `meta` lists it.
    pub synthetic: Option<u8>,
    /// Raw type value of `concatenated string`, if `meta` lists it.
    pub concatenated_string: Option<u8>,
    /// Raw type value of `sliced string`, if `meta` lists it.
    pub sliced_string: Option<u8>,
}

/// Edge type names as V8 writes them in `snapshot.meta.edge_types[0]`.
#[derive(Debug, Clone, Default)]
pub struct EdgeTypes {
    /// All type names, by raw type value.
    pub names: Vec<String>,
    /// Raw type value of `context`, if `meta` lists it.
    pub context: Option<u8>,
    /// Raw type value of `element`, if `meta` lists it.
    pub element: Option<u8>,
    /// Raw type value of `property`, if `meta` lists it.
    pub property: Option<u8>,
    /// Raw type value of `internal`, if `meta` lists it.
    pub internal: Option<u8>,
    /// Raw type value of `hidden`, if `meta` lists it.
    pub hidden: Option<u8>,
    /// Raw type value of `shortcut`, if `meta` lists it.
    pub shortcut: Option<u8>,
    /// Raw type value of `weak`, if `meta` lists it.
    pub weak: Option<u8>,
}

/// A parsed heap snapshot: the graph in flat column vectors, indexed by node
/// ordinal (node index / `node_fields.len()`) and edge ordinal.
#[derive(Debug, Default)]
pub struct HeapSnapshot {
    /// Raw node type per node (index into `node_types.names`; 255 = unknown).
    pub node_type: Vec<u8>,
    /// Index into `strings` of each node's name.
    pub node_name: Vec<u32>,
    /// V8's stable object id of each node (`id` field).
    pub node_id: Vec<u32>,
    /// Shallow size (`self_size`) of each node in bytes (saturated at u32::MAX).
    pub node_self_size: Vec<u32>,
    /// Edge ordinals: the edges of node `i` are `first_edge[i]..first_edge[i+1]`.
    pub first_edge: Vec<u32>,
    /// Raw edge type per edge (index into `edge_types.names`; 255 = unknown).
    pub edge_type: Vec<u8>,
    /// `name_or_index` of each edge: a string index, or the element index for element and hidden edges.
    pub edge_name: Vec<u32>,
    /// Target node ordinal of each edge (`to_node` divided by the node field count).
    pub edge_to: Vec<u32>,
    /// The string table.
    pub strings: Strings,
    /// Node type names.
    pub node_types: NodeTypes,
    /// Edge type names.
    pub edge_types: EdgeTypes,
    /// Ordinal of the root node (`snapshot.root_index`, default 0).
    pub root: u32,
}

impl HeapSnapshot {
    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.node_type.len()
    }
    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.edge_type.len()
    }
    /// Name of the type of node `n` (`"object"`, `"closure"`, ...; `"unknown"` for values outside `meta`).
    pub fn node_type_name(&self, n: u32) -> &str {
        self.node_types
            .names
            .get(self.node_type[n as usize] as usize)
            .map(|s| s.as_str())
            .unwrap_or("unknown")
    }
    /// Name of the type of edge `e`.
    pub fn edge_type_name(&self, e: u32) -> &str {
        self.edge_types
            .names
            .get(self.edge_type[e as usize] as usize)
            .map(|s| s.as_str())
            .unwrap_or("unknown")
    }
    /// Node name as text.
    pub fn node_name_str(&self, n: u32) -> std::borrow::Cow<'_, str> {
        self.strings.get(self.node_name[n as usize])
    }
    /// True when edge `e` stores an element index rather than a string index.
    pub fn edge_has_index_name(&self, e: u32) -> bool {
        let t = Some(self.edge_type[e as usize]);
        t == self.edge_types.element || t == self.edge_types.hidden
    }
    /// Edge name as text (element indices are formatted as numbers).
    pub fn edge_name_str(&self, e: u32) -> String {
        if self.edge_has_index_name(e) {
            self.edge_name[e as usize].to_string()
        } else {
            self.strings.get(self.edge_name[e as usize]).into_owned()
        }
    }
    /// Node ordinal owning edge ordinal `e` (binary search over `first_edge`).
    pub fn edge_source(&self, e: u32) -> u32 {
        let p = self.first_edge.partition_point(|&x| x <= e);
        (p.saturating_sub(1)) as u32
    }

    /// Reads a snapshot (plain or gzip-compressed, detected by content) from a file.
    pub fn from_file(path: &Path, ctl: &mut Control<'_>) -> Result<HeapSnapshot> {
        Self::from_file_with(path, ParseOptions::default(), ctl)
    }

    /// Like [`HeapSnapshot::from_file`] with options (e.g. skip the edges for a diff baseline).
    pub fn from_file_with(
        path: &Path,
        opts: ParseOptions,
        ctl: &mut Control<'_>,
    ) -> Result<HeapSnapshot> {
        Self::from_file_impl(path, opts, ctl, SPLIT_MIN_BYTES)
    }

    fn from_file_impl(
        path: &Path,
        opts: ParseOptions,
        ctl: &mut Control<'_>,
        split_min: u64,
    ) -> Result<HeapSnapshot> {
        let mut run = || -> Result<HeapSnapshot> {
            let mut f = File::open(path).map_err(SnapshotError::io)?;
            let len = f.metadata().map_err(SnapshotError::io)?.len();
            let mut magic = [0u8; 2];
            let n = read_full(&mut f, &mut magic).map_err(SnapshotError::io)?;
            let counter = Arc::new(AtomicU64::new(0));
            let counting = Counting {
                inner: f,
                count: counter.clone(),
            };
            let gz = n == 2 && magic == [0x1f, 0x8b];
            let prefix: Vec<u8> = magic[..n].to_vec();
            let chained = std::io::Cursor::new(prefix).chain(counting);
            let (reader, hint): (Box<dyn Read + Send>, u64) = if gz {
                // The decompressed size is unknown: reserve no more than the compressed size allows.
                (Box::new(flate2::read::MultiGzDecoder::new(chained)), len)
            } else {
                (Box::new(chained), len)
            };
            let reader = Prefetch::spawn(reader);
            let mut src = Source::new(reader, counter, len);
            if opts.skip_edges {
                let (mut snap, h) = parse(&mut src, hint, Role::NoEdges, ctl)?;
                validate(&mut snap, &h, true)?;
                return Ok(snap);
            }
            if gz || len < split_min {
                let (mut snap, h) = parse(&mut src, hint, Role::All, ctl)?;
                validate(&mut snap, &h, false)?;
                return Ok(snap);
            }
            // Two threads over the same plain file: `edges` (the largest array) on a
            // helper, everything else here. Offsets in errors are the same either way.
            // The helper stops early when the caller cancels or this thread fails.
            let stop = std::sync::atomic::AtomicBool::new(false);
            let cancel = ctl.cancel_flag();
            let (main, edges) = std::thread::scope(|scope| {
                let stop = &stop;
                let helper = scope.spawn(move || -> Result<HeapSnapshot> {
                    let f = File::open(path).map_err(SnapshotError::io)?;
                    let counter = Arc::new(AtomicU64::new(0));
                    let reader = Prefetch::spawn(Box::new(Counting {
                        inner: f,
                        count: counter.clone(),
                    }));
                    let mut src = Source::new(reader, counter, len);
                    Ok(parse(
                        &mut src,
                        len,
                        Role::EdgesOnly,
                        &mut Control::new(cancel, None).also(stop),
                    )?
                    .0)
                });
                let main = parse(&mut src, hint, Role::NoEdges, ctl);
                if main.is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
                let edges = helper
                    .join()
                    .unwrap_or_else(|_| Err(SnapshotError::invalid("edge parsing panicked")));
                (main, edges)
            });
            ctl.check()?;
            // Report the problem seen first in the file.
            let (mut snap, h, e) = match (main, edges) {
                (Ok((snap, h)), Ok(e)) => (snap, h, e),
                (Err(a), Err(b)) => {
                    let first = match (&a, &b) {
                        (
                            SnapshotError::Format { offset: x, .. },
                            SnapshotError::Format { offset: y, .. },
                        ) if y < x => b,
                        _ => a,
                    };
                    return Err(first);
                }
                (Err(a), Ok(_)) => return Err(a),
                (Ok(_), Err(b)) => return Err(b),
            };
            snap.edge_type = e.edge_type;
            snap.edge_name = e.edge_name;
            snap.edge_to = e.edge_to;
            validate(&mut snap, &h, false)?;
            ctl.report(Stage::Parse, 1.0);
            Ok(snap)
        };
        run().map_err(|e| e.with_path(path))
    }

    /// Parses a plain file with the two-thread split whatever its size (tests).
    #[doc(hidden)]
    pub fn from_file_split(path: &Path) -> Result<HeapSnapshot> {
        Self::from_file_impl(path, ParseOptions::default(), &mut Control::none(), 0)
    }

    /// Reads a snapshot from an in-memory JSON text (tests and small inputs).
    pub fn from_slice(data: &[u8]) -> Result<HeapSnapshot> {
        Self::from_slice_buffered(data, BUF_SIZE)
    }

    /// [`HeapSnapshot::from_slice`] with a given read buffer size (tests buffer boundaries).
    #[doc(hidden)]
    pub fn from_slice_buffered(data: &[u8], buffer: usize) -> Result<HeapSnapshot> {
        let counter = Arc::new(AtomicU64::new(0));
        // Small reads, so that tokens are cut at every possible place.
        struct Trickle(std::io::Cursor<Vec<u8>>, usize);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = buf.len().min(self.1);
                self.0.read(&mut buf[..n])
            }
        }
        let r = Box::new(Trickle(std::io::Cursor::new(data.to_vec()), buffer));
        let mut src = Source::with_buffer(r, counter, data.len() as u64, buffer);
        let (mut snap, h) = parse(&mut src, data.len() as u64, Role::All, &mut Control::none())?;
        validate(&mut snap, &h, false)?;
        Ok(snap)
    }
}

/// What to keep while parsing.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    /// Skip `edges` (enough for a diff baseline, which only needs ids, names and sizes).
    pub skip_edges: bool,
}

/// Which part of the file one parser handles when a plain file is parsed by two threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Everything (the sequential path).
    All,
    /// Everything but `edges`, which are skipped without decoding (another thread reads them).
    NoEdges,
    /// Only the header and `edges`; stops after `edges`.
    EdgesOnly,
}

/// Plain files at least this large are parsed by two threads: one for `edges`,
/// one for the rest.
const SPLIT_MIN_BYTES: u64 = 32 << 20;

fn read_full(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Reads the input on a helper thread in large chunks, so that file I/O and gzip
/// decompression overlap with parsing. Reports an error on read if no thread can be
/// started. Dropping this reader stops the helper and waits for it (it finishes at
/// most the one chunk it is reading), so no thread or buffer outlives a parse that
/// ended early, e.g. on a format error.
struct Prefetch {
    rx: Option<std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>>,
    back: std::sync::mpsc::SyncSender<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
    done: bool,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        // Closing the channel makes the helper's next send fail, and it returns.
        drop(self.rx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Prefetch {
    const CHUNK: usize = 1 << 20;

    fn spawn(mut inner: Box<dyn Read + Send>) -> Box<dyn Read> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(4);
        let (back, back_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(8);
        let spawned = std::thread::Builder::new()
            .name("heap-snapshot-read".into())
            .spawn(move || loop {
                let mut chunk = back_rx.try_recv().unwrap_or_default();
                chunk.resize(Self::CHUNK, 0);
                let mut n = 0;
                while n < chunk.len() {
                    match inner.read(&mut chunk[n..]) {
                        Ok(0) => break,
                        Ok(k) => n += k,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    }
                }
                chunk.truncate(n);
                let last = n == 0;
                if tx.send(Ok(chunk)).is_err() || last {
                    return;
                }
            });
        match spawned {
            Ok(t) => Box::new(Prefetch {
                rx: Some(rx),
                back,
                cur: Vec::new(),
                pos: 0,
                done: false,
                thread: Some(t),
            }),
            Err(_) => Box::new(FailedSpawn),
        }
    }
}

/// Stand-in when the helper thread could not be started: reports the error on read.
struct FailedSpawn;

impl Read for FailedSpawn {
    fn read(&mut self, _buf: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("cannot start the reader thread"))
    }
}

impl Read for Prefetch {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.pos < self.cur.len() {
                let n = buf.len().min(self.cur.len() - self.pos);
                buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            let Some(rx) = self.rx.as_ref() else {
                return Ok(0);
            };
            match rx.recv() {
                Ok(Ok(chunk)) => {
                    if chunk.is_empty() {
                        self.done = true;
                        return Ok(0);
                    }
                    let old = std::mem::replace(&mut self.cur, chunk);
                    let _ = self.back.try_send(old);
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
    }
}

struct Counting {
    inner: File,
    count: Arc<AtomicU64>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A buffered byte source that tracks the absolute offset.
struct Source {
    r: Box<dyn Read>,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    base: u64,
    eof: bool,
    raw_read: Arc<AtomicU64>,
    raw_total: u64,
    next_report: u64,
}

impl Source {
    fn new(r: Box<dyn Read>, raw_read: Arc<AtomicU64>, raw_total: u64) -> Self {
        Self::with_buffer(r, raw_read, raw_total, BUF_SIZE)
    }
    fn with_buffer(
        r: Box<dyn Read>,
        raw_read: Arc<AtomicU64>,
        raw_total: u64,
        size: usize,
    ) -> Self {
        Source {
            r,
            buf: vec![0; size.max(1)],
            pos: 0,
            len: 0,
            base: 0,
            eof: false,
            raw_read,
            raw_total,
            next_report: 0,
        }
    }
    #[inline]
    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }
    /// Refills the buffer when empty. Returns false at end of input.
    fn fill(&mut self, ctl: &mut Control<'_>) -> Result<bool> {
        if self.pos < self.len {
            return Ok(true);
        }
        self.fill_keep(ctl)
    }

    /// Moves the unconsumed bytes `pos..len` to the front of the buffer and reads
    /// more after them. Returns false when nothing more could be read.
    fn fill_keep(&mut self, ctl: &mut Control<'_>) -> Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let keep = self.len - self.pos;
        if keep == self.buf.len() {
            // A single token longer than the buffer: grow it.
            self.buf.resize(self.buf.len() * 2, 0);
        }
        self.buf.copy_within(self.pos..self.len, 0);
        self.base += self.pos as u64;
        self.pos = 0;
        self.len = keep;
        loop {
            match self.r.read(&mut self.buf[keep..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.len = keep + n;
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // A corrupt or truncated gzip stream surfaces as InvalidInput/InvalidData/UnexpectedEof.
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::InvalidData
                            | std::io::ErrorKind::InvalidInput
                            | std::io::ErrorKind::UnexpectedEof
                    ) {
                        return Err(SnapshotError::format(
                            self.base + keep as u64,
                            format!("cannot decompress: {e}"),
                        ));
                    }
                    return Err(SnapshotError::io(e));
                }
            }
        }
        let raw = self.raw_read.load(Ordering::Relaxed);
        if raw >= self.next_report {
            self.next_report = raw + (8 << 20);
            ctl.check()?;
            if self.raw_total > 0 {
                ctl.report(Stage::Parse, (raw as f64 / self.raw_total as f64).min(1.0));
            }
        }
        Ok(true)
    }
    fn eof_error(&self, what: &str) -> SnapshotError {
        SnapshotError::format(
            self.offset(),
            format!("unexpected end of file (truncated?) while reading {what}"),
        )
    }
    #[inline]
    fn next(&mut self, ctl: &mut Control<'_>, what: &str) -> Result<u8> {
        if self.pos >= self.len && !self.fill(ctl)? {
            return Err(self.eof_error(what));
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }
    /// Skips whitespace and returns the next byte without consuming it.
    fn peek_nonws(&mut self, ctl: &mut Control<'_>, what: &str) -> Result<u8> {
        loop {
            if self.pos >= self.len && !self.fill(ctl)? {
                return Err(self.eof_error(what));
            }
            let b = self.buf[self.pos];
            if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                return Ok(b);
            }
        }
    }
    fn expect(&mut self, ctl: &mut Control<'_>, want: u8, what: &str) -> Result<()> {
        let b = self.peek_nonws(ctl, what)?;
        if b != want {
            return Err(SnapshotError::format(
                self.offset(),
                format!(
                    "expected '{}' in {what}, found {}",
                    want as char,
                    show_byte(b)
                ),
            ));
        }
        self.pos += 1;
        Ok(())
    }

    /// Reads the body of a JSON string (after the opening quote) into `out`.
    fn read_string(
        &mut self,
        ctl: &mut Control<'_>,
        out: &mut Vec<u8>,
        limit: usize,
        what: &str,
    ) -> Result<()> {
        let start_len = out.len();
        let mut pending_high: Option<u16> = None;
        loop {
            if self.pos >= self.len && !self.fill(ctl)? {
                return Err(self.eof_error(what));
            }
            let chunk = &self.buf[self.pos..self.len];
            match memchr::memchr2(b'"', b'\\', chunk) {
                None => {
                    if pending_high.take().is_some() {
                        push_char(out, '\u{FFFD}');
                    }
                    out.extend_from_slice(chunk);
                    self.pos = self.len;
                }
                Some(i) => {
                    if i > 0 && pending_high.take().is_some() {
                        push_char(out, '\u{FFFD}');
                    }
                    out.extend_from_slice(&chunk[..i]);
                    let q = chunk[i];
                    self.pos += i + 1;
                    if q == b'"' {
                        if pending_high.take().is_some() {
                            push_char(out, '\u{FFFD}');
                        }
                        return Ok(());
                    }
                    let e = self.next(ctl, what)?;
                    if e != b'u' && pending_high.take().is_some() {
                        push_char(out, '\u{FFFD}');
                    }
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut v: u16 = 0;
                            for _ in 0..4 {
                                let h = self.next(ctl, what)?;
                                let d = match h {
                                    b'0'..=b'9' => h - b'0',
                                    b'a'..=b'f' => h - b'a' + 10,
                                    b'A'..=b'F' => h - b'A' + 10,
                                    _ => {
                                        return Err(SnapshotError::format(
                                            self.offset() - 1,
                                            format!("bad \\u escape in {what}"),
                                        ))
                                    }
                                };
                                v = (v << 4) | d as u16;
                            }
                            match v {
                                0xD800..=0xDBFF => {
                                    if pending_high.replace(v).is_some() {
                                        push_char(out, '\u{FFFD}');
                                    }
                                }
                                0xDC00..=0xDFFF => match pending_high.take() {
                                    Some(h) => {
                                        let c = 0x10000
                                            + (((h as u32) - 0xD800) << 10)
                                            + ((v as u32) - 0xDC00);
                                        push_char(out, char::from_u32(c).unwrap_or('\u{FFFD}'));
                                    }
                                    None => push_char(out, '\u{FFFD}'),
                                },
                                _ => {
                                    if pending_high.take().is_some() {
                                        push_char(out, '\u{FFFD}');
                                    }
                                    push_char(out, char::from_u32(v as u32).unwrap_or('\u{FFFD}'));
                                }
                            }
                        }
                        other => {
                            return Err(SnapshotError::format(
                                self.offset() - 1,
                                format!("bad escape '\\{}' in {what}", other as char),
                            ))
                        }
                    }
                }
            }
            if out.len() - start_len > limit {
                return Err(SnapshotError::format(
                    self.offset(),
                    format!("string too long in {what}"),
                ));
            }
        }
    }

    /// Skips (or captures into `cap`) one JSON value.
    fn skip_value(
        &mut self,
        ctl: &mut Control<'_>,
        mut cap: Option<&mut Vec<u8>>,
        what: &str,
    ) -> Result<()> {
        let first = self.peek_nonws(ctl, what)?;
        let mut depth: usize = 0;
        let mut in_str = false;
        let mut esc = false;
        let start = self.offset();
        match first {
            b'{' | b'[' | b'"' => {}
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                // Scalars: read until a delimiter.
                loop {
                    if self.pos >= self.len && !self.fill(ctl)? {
                        return Ok(());
                    }
                    let b = self.buf[self.pos];
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        return Ok(());
                    }
                    if let Some(c) = cap.as_deref_mut() {
                        c.push(b);
                    }
                    self.pos += 1;
                }
            }
            other => {
                return Err(SnapshotError::format(
                    self.offset(),
                    format!("unexpected {} in {what}", show_byte(other)),
                ))
            }
        }
        loop {
            let b = self.next(ctl, what)?;
            if let Some(c) = cap.as_deref_mut() {
                c.push(b);
                if c.len() > MAX_HEADER {
                    return Err(SnapshotError::format(
                        start,
                        format!("{what} is larger than {MAX_HEADER} bytes"),
                    ));
                }
            }
            if in_str {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                continue;
            }
            match b {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    if depth == 0 {
                        return Err(SnapshotError::format(
                            self.offset() - 1,
                            format!("unbalanced brackets in {what}"),
                        ));
                    }
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
    }

    /// Skips an array of numbers without decoding it (up to the first `]`).
    fn skip_number_array(&mut self, ctl: &mut Control<'_>, what: &str) -> Result<()> {
        self.expect(ctl, b'[', what)?;
        loop {
            if self.pos >= self.len && !self.fill(ctl)? {
                return Err(self.eof_error(what));
            }
            match memchr::memchr(b']', &self.buf[self.pos..self.len]) {
                Some(i) => {
                    self.pos += i + 1;
                    return Ok(());
                }
                None => self.pos = self.len,
            }
        }
    }

    /// Scans an array of non-negative integers, handing each to `sink`.
    ///
    /// Works on buffer windows that end after a separator, so that every number in
    /// a window is complete; a number cut by the buffer end is carried over.
    fn read_numbers<S: NumberSink>(
        &mut self,
        ctl: &mut Control<'_>,
        sink: &mut S,
        what: &str,
    ) -> Result<()> {
        self.expect(ctl, b'[', what)?;
        let mut need_value = false; // after a comma
        let mut any = false;
        loop {
            if self.pos >= self.len && !self.fill(ctl)? {
                return Err(self.eof_error(what));
            }
            // The window ends after the last non-digit byte.
            let safe = match self.buf[self.pos..self.len]
                .iter()
                .rposition(|b| !b.is_ascii_digit())
            {
                Some(k) => self.pos + k + 1,
                None => {
                    // Only digits left in the buffer: one number that has already
                    // more digits than any accepted number (stop here rather than
                    // grow the buffer over a digit run, e.g. from a gzip bomb)...
                    if self.len - self.pos > 15 {
                        return Err(SnapshotError::format(
                            self.offset(),
                            format!("number too large in {what}"),
                        ));
                    }
                    // ...or its start: read more behind it.
                    if !self.fill_keep(ctl)? {
                        self.pos = self.len;
                        return Err(self.eof_error(what));
                    }
                    continue;
                }
            };
            let base = self.offset() - self.pos as u64;
            let s = &self.buf[..safe];
            let mut i = self.pos;
            while i < safe {
                let b = s[i];
                if b.is_ascii_digit() {
                    let start = i;
                    let mut v = (b - b'0') as u64;
                    i += 1;
                    while i < safe {
                        let d = s[i].wrapping_sub(b'0');
                        if d >= 10 {
                            break;
                        }
                        v = v * 10 + d as u64;
                        i += 1;
                    }
                    if i - start > 15 {
                        return Err(SnapshotError::format(
                            base + start as u64,
                            format!("number too large in {what}"),
                        ));
                    }
                    if let Err(msg) = sink.push(v) {
                        return Err(SnapshotError::format(
                            base + start as u64,
                            format!("{what}: {msg}"),
                        ));
                    }
                    need_value = false;
                    any = true;
                    continue;
                }
                match b {
                    b',' => {
                        if need_value || !any {
                            return Err(SnapshotError::format(
                                base + i as u64,
                                format!("missing number in {what}"),
                            ));
                        }
                        need_value = true;
                    }
                    b' ' | b'\n' | b'\r' | b'\t' => {}
                    b']' => {
                        if need_value {
                            return Err(SnapshotError::format(
                                base + i as u64,
                                format!("missing number in {what}"),
                            ));
                        }
                        self.pos = i + 1;
                        return Ok(());
                    }
                    other => {
                        return Err(SnapshotError::format(
                            base + i as u64,
                            format!(
                                "expected a non-negative integer in {what}, found {}",
                                show_byte(other)
                            ),
                        ));
                    }
                }
                i += 1;
            }
            self.pos = safe;
            if safe < self.len {
                // A number continues past the buffer end: keep its digits.
                if !self.fill_keep(ctl)? {
                    self.pos = self.len;
                    return Err(self.eof_error(what));
                }
            }
        }
    }
}

/// Reserves room for `n` more items, failing with an error (not an abort) when
/// the memory is not available.
fn reserve<T>(v: &mut Vec<T>, n: usize, at: u64) -> Result<()> {
    v.try_reserve_exact(n).map_err(|_| {
        SnapshotError::io(std::io::Error::new(
            std::io::ErrorKind::OutOfMemory,
            format!(
                "not enough memory for {n} items of {} bytes (array at byte {at})",
                std::mem::size_of::<T>()
            ),
        ))
    })
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut b = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
}

fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

trait NumberSink {
    fn push(&mut self, v: u64) -> std::result::Result<(), String>;
}

#[derive(Clone, Copy, PartialEq)]
enum Col {
    Skip,
    Type,
    Name,
    Id,
    SelfSize,
    EdgeCount,
    To,
}

struct NodeSink<'a> {
    cols: Vec<Col>,
    field: usize,
    snap: &'a mut HeapSnapshot,
    edge_sum: u64,
}

impl NumberSink for NodeSink<'_> {
    #[inline]
    fn push(&mut self, v: u64) -> std::result::Result<(), String> {
        let col = self.cols[self.field];
        self.field += 1;
        if self.field == self.cols.len() {
            self.field = 0;
        }
        match col {
            Col::Skip => {}
            Col::Type => self
                .snap
                .node_type
                .push(if v < 255 { v as u8 } else { 255 }),
            Col::Name => self.snap.node_name.push(to_u32(v, "name")?),
            Col::Id => self.snap.node_id.push(to_u32(v, "id")?),
            Col::SelfSize => self.snap.node_self_size.push(v.min(u32::MAX as u64) as u32),
            Col::EdgeCount => {
                self.edge_sum += v;
                if self.edge_sum > u32::MAX as u64 {
                    return Err("sum of edge_count exceeds 2^32".into());
                }
                self.snap.first_edge.push(self.edge_sum as u32);
            }
            Col::To => {}
        }
        Ok(())
    }
}

struct EdgeSink<'a> {
    cols: Vec<Col>,
    field: usize,
    snap: &'a mut HeapSnapshot,
    node_fields: u64,
    /// ceil(2^64 / node_fields): `to_node / node_fields` without a division instruction.
    node_fields_inv: u128,
}

impl NumberSink for EdgeSink<'_> {
    #[inline]
    fn push(&mut self, v: u64) -> std::result::Result<(), String> {
        let col = self.cols[self.field];
        self.field += 1;
        if self.field == self.cols.len() {
            self.field = 0;
        }
        match col {
            Col::Type => self
                .snap
                .edge_type
                .push(if v < 255 { v as u8 } else { 255 }),
            Col::Name => self.snap.edge_name.push(to_u32(v, "name_or_index")?),
            Col::To => {
                // q = v / node_fields, exact for v < 2^32.
                let q = ((v as u128 * self.node_fields_inv) >> 64) as u64;
                if q * self.node_fields != v || v > u32::MAX as u64 {
                    if v > u32::MAX as u64 {
                        return Err(format!("to_node value {v} exceeds 2^32"));
                    }
                    return Err(format!(
                        "to_node {v} of edge {} is not a multiple of the node field count {}",
                        self.snap.edge_to.len(),
                        self.node_fields
                    ));
                }
                self.snap.edge_to.push(q as u32);
            }
            _ => {}
        }
        Ok(())
    }
}

fn to_u32(v: u64, field: &str) -> std::result::Result<u32, String> {
    u32::try_from(v).map_err(|_| format!("{field} value {v} exceeds 2^32"))
}

#[derive(Deserialize)]
struct RawHeader {
    meta: RawMeta,
    #[serde(default)]
    node_count: u64,
    #[serde(default)]
    edge_count: u64,
    #[serde(default)]
    root_index: Option<u64>,
}

#[derive(Deserialize)]
struct RawMeta {
    node_fields: Vec<String>,
    node_types: Vec<serde_json::Value>,
    edge_fields: Vec<String>,
    edge_types: Vec<serde_json::Value>,
}

struct Header {
    node_cols: Vec<Col>,
    edge_cols: Vec<Col>,
    node_fields: u64,
    node_count: u64,
    edge_count: u64,
    root_index: u64,
}

fn type_names(v: &[serde_json::Value], field: &str, offset: u64) -> Result<Vec<String>> {
    match v.first() {
        Some(serde_json::Value::Array(a)) => Ok(a
            .iter()
            .map(|x| x.as_str().unwrap_or("unknown").to_string())
            .collect()),
        _ => Err(SnapshotError::format(
            offset,
            format!("snapshot.meta.{field}[0] is not an array of type names"),
        )),
    }
}

fn find(names: &[String], n: &str) -> Option<u8> {
    names
        .iter()
        .position(|x| x == n)
        .and_then(|p| u8::try_from(p).ok())
        .filter(|&p| p < 255)
}

/// Each needed field must appear exactly once: a repeated one would fill its
/// column once per repetition and leave the columns of different lengths.
fn check_field(cols: &[Col], c: Col, list: &str, name: &str, offset: u64) -> Result<()> {
    match cols.iter().filter(|&&x| x == c).count() {
        1 => Ok(()),
        0 => Err(SnapshotError::format(
            offset,
            format!("snapshot.meta.{list} has no `{name}` field (unsupported layout)"),
        )),
        k => Err(SnapshotError::format(
            offset,
            format!("snapshot.meta.{list} lists `{name}` {k} times"),
        )),
    }
}

fn decode_header(raw: &[u8], offset: u64, snap: &mut HeapSnapshot) -> Result<Header> {
    let h: RawHeader = serde_json::from_slice(raw).map_err(|e| {
        SnapshotError::format(
            offset,
            format!("bad `snapshot` header (snapshot.meta): {e}"),
        )
    })?;
    let m = h.meta;
    let ntypes = type_names(&m.node_types, "node_types", offset)?;
    let etypes = type_names(&m.edge_types, "edge_types", offset)?;
    let node_cols: Vec<Col> = m
        .node_fields
        .iter()
        .map(|f| match f.as_str() {
            "type" => Col::Type,
            "name" => Col::Name,
            "id" => Col::Id,
            "self_size" => Col::SelfSize,
            "edge_count" => Col::EdgeCount,
            _ => Col::Skip,
        })
        .collect();
    for (c, n) in [
        (Col::Type, "type"),
        (Col::Name, "name"),
        (Col::Id, "id"),
        (Col::SelfSize, "self_size"),
        (Col::EdgeCount, "edge_count"),
    ] {
        check_field(&node_cols, c, "node_fields", n, offset)?;
    }
    let edge_cols: Vec<Col> = m
        .edge_fields
        .iter()
        .map(|f| match f.as_str() {
            "type" => Col::Type,
            "name_or_index" => Col::Name,
            "to_node" => Col::To,
            _ => Col::Skip,
        })
        .collect();
    for (c, n) in [
        (Col::Type, "type"),
        (Col::Name, "name_or_index"),
        (Col::To, "to_node"),
    ] {
        check_field(&edge_cols, c, "edge_fields", n, offset)?;
    }
    let node_fields = node_cols.len() as u64;
    snap.node_types = NodeTypes {
        hidden: find(&ntypes, "hidden"),
        array: find(&ntypes, "array"),
        string: find(&ntypes, "string"),
        object: find(&ntypes, "object"),
        code: find(&ntypes, "code"),
        closure: find(&ntypes, "closure"),
        native: find(&ntypes, "native"),
        synthetic: find(&ntypes, "synthetic"),
        concatenated_string: find(&ntypes, "concatenated string"),
        sliced_string: find(&ntypes, "sliced string"),
        names: ntypes,
    };
    snap.edge_types = EdgeTypes {
        context: find(&etypes, "context"),
        element: find(&etypes, "element"),
        property: find(&etypes, "property"),
        internal: find(&etypes, "internal"),
        hidden: find(&etypes, "hidden"),
        shortcut: find(&etypes, "shortcut"),
        weak: find(&etypes, "weak"),
        names: etypes,
    };
    let root_index = h.root_index.unwrap_or(0);
    if !root_index.is_multiple_of(node_fields) {
        return Err(SnapshotError::format(
            offset,
            "snapshot.root_index is not a multiple of the node field count",
        ));
    }
    Ok(Header {
        node_cols,
        edge_cols,
        node_fields,
        node_count: h.node_count,
        edge_count: h.edge_count,
        root_index,
    })
}

/// Reads the top-level object. The graph is checked by [`validate`] afterwards
/// (once the `edges` of a split parse are joined in).
fn parse(
    src: &mut Source,
    size_hint: u64,
    role: Role,
    ctl: &mut Control<'_>,
) -> Result<(HeapSnapshot, Header)> {
    ctl.report(Stage::Parse, 0.0);
    let mut snap = HeapSnapshot::default();
    let first = src
        .peek_nonws(ctl, "the top-level object")
        .map_err(|e| match e {
            SnapshotError::Format { offset, .. } => {
                SnapshotError::format(offset, "empty file: expected a heap snapshot JSON object")
            }
            e => e,
        })?;
    if first != b'{' {
        return Err(SnapshotError::format(
            src.offset(),
            format!(
                "not a heap snapshot: expected '{{', found {}",
                show_byte(first)
            ),
        ));
    }
    src.pos += 1;
    let mut header: Option<Header> = None;
    let (mut seen_nodes, mut seen_edges, mut seen_strings) = (false, false, false);
    let mut key = Vec::new();
    loop {
        let b = src.peek_nonws(ctl, "the top-level object")?;
        if b == b'}' {
            src.pos += 1;
            break;
        }
        if b == b',' {
            src.pos += 1;
            continue;
        }
        if b != b'"' {
            return Err(SnapshotError::format(
                src.offset(),
                format!(
                    "expected a key in the top-level object, found {}",
                    show_byte(b)
                ),
            ));
        }
        src.pos += 1;
        key.clear();
        src.read_string(ctl, &mut key, 4096, "a top-level key")?;
        src.expect(ctl, b':', "the top-level object")?;
        let at = src.offset();
        let duplicate = match key.as_slice() {
            b"snapshot" => header.is_some(),
            b"nodes" => seen_nodes,
            b"edges" => seen_edges,
            b"strings" => seen_strings,
            _ => false,
        };
        if duplicate {
            return Err(SnapshotError::format(
                at,
                format!("duplicate `{}`", String::from_utf8_lossy(&key)),
            ));
        }
        match key.as_slice() {
            b"snapshot" => {
                let mut raw = Vec::new();
                src.skip_value(ctl, Some(&mut raw), "`snapshot`")?;
                header = Some(decode_header(&raw, at, &mut snap)?);
            }
            b"nodes" if role == Role::EdgesOnly => {
                src.skip_number_array(ctl, "`nodes`")?;
                seen_nodes = true;
            }
            b"nodes" => {
                let h = header.as_ref().ok_or_else(|| {
                    SnapshotError::format(
                        at,
                        "`nodes` comes before the `snapshot` header (unsupported layout)",
                    )
                })?;
                let fc = h.node_fields.max(1);
                let cap = h.node_count.min(size_hint / (2 * fc)) as usize;
                reserve(&mut snap.node_type, cap, at)?;
                reserve(&mut snap.node_name, cap, at)?;
                reserve(&mut snap.node_id, cap, at)?;
                reserve(&mut snap.node_self_size, cap, at)?;
                reserve(&mut snap.first_edge, cap + 1, at)?;
                snap.first_edge.push(0);
                let mut sink = NodeSink {
                    cols: h.node_cols.clone(),
                    field: 0,
                    snap: &mut snap,
                    edge_sum: 0,
                };
                src.read_numbers(ctl, &mut sink, "`nodes`")?;
                if sink.field != 0 {
                    return Err(SnapshotError::format(
                        src.offset(),
                        format!(
                            "`nodes` length is not a multiple of the {} node fields",
                            h.node_cols.len()
                        ),
                    ));
                }
                seen_nodes = true;
            }
            b"edges" if role == Role::NoEdges => {
                src.skip_number_array(ctl, "`edges`")?;
                seen_edges = true;
            }
            b"edges" => {
                let h = header.as_ref().ok_or_else(|| {
                    SnapshotError::format(
                        at,
                        "`edges` comes before the `snapshot` header (unsupported layout)",
                    )
                })?;
                let fc = h.edge_cols.len() as u64;
                let cap = h.edge_count.min(size_hint / (2 * fc.max(1))) as usize;
                reserve(&mut snap.edge_type, cap, at)?;
                reserve(&mut snap.edge_name, cap, at)?;
                reserve(&mut snap.edge_to, cap, at)?;
                let mut sink = EdgeSink {
                    cols: h.edge_cols.clone(),
                    field: 0,
                    snap: &mut snap,
                    node_fields: h.node_fields,
                    node_fields_inv: (u64::MAX / h.node_fields) as u128 + 1,
                };
                src.read_numbers(ctl, &mut sink, "`edges`")?;
                if sink.field != 0 {
                    return Err(SnapshotError::format(
                        src.offset(),
                        format!("`edges` length is not a multiple of the {} edge fields", fc),
                    ));
                }
                seen_edges = true;
                if role == Role::EdgesOnly {
                    let h = header
                        .take()
                        .ok_or_else(|| SnapshotError::format(at, "missing `snapshot` header"))?;
                    return Ok((snap, h));
                }
            }
            b"strings" => {
                // Decoded strings are never longer than their JSON text, which is at
                // most the rest of the input (the compressed size bounds this for gzip
                // only as a first guess; the arena grows past it if needed).
                let rest = size_hint.saturating_sub(at);
                snap.strings
                    .data
                    .reserve(usize::try_from(rest).unwrap_or(0));
                src.expect(ctl, b'[', "`strings`")?;
                let mut first = true;
                loop {
                    let b = src.peek_nonws(ctl, "`strings`")?;
                    if b == b']' && first {
                        src.pos += 1;
                        break;
                    }
                    if b != b'"' {
                        return Err(SnapshotError::format(
                            src.offset(),
                            format!("expected a string in `strings`, found {}", show_byte(b)),
                        ));
                    }
                    src.pos += 1;
                    src.read_string(ctl, &mut snap.strings.data, usize::MAX, "`strings`")?;
                    snap.strings.ends.push(snap.strings.data.len());
                    first = false;
                    let b = src.peek_nonws(ctl, "`strings`")?;
                    src.pos += 1;
                    match b {
                        b',' => {}
                        b']' => break,
                        other => {
                            return Err(SnapshotError::format(
                                src.offset() - 1,
                                format!(
                                    "expected ',' or ']' in `strings`, found {}",
                                    show_byte(other)
                                ),
                            ))
                        }
                    }
                }
                seen_strings = true;
            }
            _ => {
                let what = format!("`{}`", String::from_utf8_lossy(&key));
                src.skip_value(ctl, None, &what)?;
            }
        }
    }
    let end = src.offset();
    let h = header
        .ok_or_else(|| SnapshotError::format(end, "missing `snapshot` header (snapshot.meta)"))?;
    for (seen, name) in [
        (seen_nodes, "nodes"),
        (seen_edges, "edges"),
        (seen_strings, "strings"),
    ] {
        if !seen {
            return Err(SnapshotError::format(
                end,
                format!("missing `{name}` array"),
            ));
        }
    }
    if role == Role::All {
        ctl.report(Stage::Parse, 1.0);
    }
    Ok((snap, h))
}

fn validate(snap: &mut HeapSnapshot, h: &Header, skip_edges: bool) -> Result<()> {
    let n = snap.node_type.len();
    if n == 0 {
        return Err(SnapshotError::invalid("`nodes` is empty"));
    }
    let cols = [
        snap.node_name.len(),
        snap.node_id.len(),
        snap.node_self_size.len(),
        snap.first_edge.len().saturating_sub(1),
    ];
    if cols.iter().any(|&c| c != n) {
        return Err(SnapshotError::invalid(format!(
            "node columns of different lengths (type {n}, name/id/self_size/edge_count {cols:?})"
        )));
    }
    let _ = h.node_count; // the header count is advisory; the arrays are authoritative
    let _ = h.edge_count;
    let root = h.root_index / h.node_fields;
    if root >= n as u64 {
        return Err(SnapshotError::invalid(format!(
            "snapshot.root_index {} is past the last node",
            h.root_index
        )));
    }
    snap.root = root as u32;
    let strings = snap.strings.len() as u64;
    if let Some(i) = snap.node_name.iter().position(|&s| s as u64 >= strings) {
        return Err(SnapshotError::invalid(format!(
            "name {} of node {} (nodes[{}]) is not an index into `strings` ({} strings)",
            snap.node_name[i],
            i,
            i as u64 * h.node_fields,
            strings
        )));
    }
    if skip_edges {
        return Ok(());
    }
    let m = snap.edge_to.len();
    if snap.edge_type.len() != m || snap.edge_name.len() != m {
        return Err(SnapshotError::invalid(format!(
            "edge columns of different lengths (type {}, name_or_index {}, to_node {m})",
            snap.edge_type.len(),
            snap.edge_name.len()
        )));
    }
    let sum = *snap.first_edge.last().unwrap_or(&0) as usize;
    if sum != m {
        return Err(SnapshotError::invalid(format!(
            "the edge_count fields of `nodes` add up to {sum} but `edges` holds {m} edges"
        )));
    }
    if let Some(e) = snap.edge_to.iter().position(|&t| t as usize >= n) {
        return Err(SnapshotError::invalid(format!(
            "to_node of edge {e} points past the last node ({} nodes)",
            n
        )));
    }
    let (el, hi) = (snap.edge_types.element, snap.edge_types.hidden);
    for e in 0..m {
        let t = Some(snap.edge_type[e]);
        if t != el && t != hi && snap.edge_name[e] as u64 >= strings {
            return Err(SnapshotError::invalid(format!(
                "name_or_index {} of edge {e} is not an index into `strings`",
                snap.edge_name[e]
            )));
        }
    }
    Ok(())
}

//! Source lines that grow a named collection.
//!
//! V8's sampling heap profiler attributes an allocation to the *function* that made it
//! (its definition line), and once TurboFan inlines a helper into its caller only the
//! caller is left. A heap snapshot's retainer path, on the other hand, names what holds
//! the growth: `->cache (Map) → {table}`. This module closes the gap: given the source
//! of a file the heap sites point at and the holder's name and type, it lists the calls
//! that add to that holder (`cache.set(`, `items.push(`, `seen.add(`, `byId[key] =`),
//! with their 1-based line and column. It is a lexical scan, not a parser: comments,
//! string and template literals are skipped; regular-expression literals are not
//! recognised (a match inside one is possible but harmless: it only adds a candidate).

/// What kind of collection holds the growth (the type in the retainer path step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HolderKind {
    /// `Map`: grows through `.set(`.
    Map,
    /// `Set`: grows through `.add(`.
    Set,
    /// `Array`: grows through `.push(`, `.unshift(`, `.splice(`, `[i] =`.
    Array,
    /// Any other object used as a dictionary: grows through `[key] =`, `.name =`
    /// is not counted (it does not add keys per call in practice).
    Object,
}

impl HolderKind {
    /// Parses the type as a heap snapshot names it (`Map`, `Set`, `Array`, `Object`,
    /// or any class name, which counts as `Object`).
    pub fn from_type(t: &str) -> HolderKind {
        match t {
            "Map" => HolderKind::Map,
            "Set" => HolderKind::Set,
            "Array" | "(array)" => HolderKind::Array,
            _ => HolderKind::Object,
        }
    }

    fn methods(self) -> &'static [&'static str] {
        match self {
            HolderKind::Map => &["set"],
            HolderKind::Set => &["add"],
            HolderKind::Array => &["push", "unshift", "splice"],
            HolderKind::Object => &[],
        }
    }

    fn index_assign(self) -> bool {
        matches!(self, HolderKind::Array | HolderKind::Object)
    }
}

/// One call that grows the holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MutationSite {
    /// 1-based line.
    pub line: u32,
    /// 1-based column of the holder's name, in UTF-16 code units (as in V8 stack frames).
    pub column: u32,
    /// What the call does, e.g. `cache.set()` or `byId[…] =`.
    pub call: String,
}

/// At most this many sites are returned (a name used all over a file says little).
pub const MAX_SITES: usize = 16;

/// Byte ranges of `src` that are code (not comments or string/template literals),
/// as a mask: `mask[i]` is true when byte `i` is code.
fn code_mask(src: &[u8]) -> Vec<bool> {
    let mut mask = vec![true; src.len()];
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        let next = src.get(i + 1).copied();
        let start = i;
        if c == b'/' && next == Some(b'/') {
            while i < src.len() && src[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && next == Some(b'*') {
            i += 2;
            while i < src.len() && !(src[i] == b'*' && src.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i = (i + 2).min(src.len());
        } else if c == b'\'' || c == b'"' || c == b'`' {
            i += 1;
            while i < src.len() && src[i] != c {
                if src[i] == b'\\' {
                    i += 1;
                } else if c != b'`' && src[i] == b'\n' {
                    break; // unterminated: stop at the end of the line
                }
                i += 1;
            }
            i = (i + 1).min(src.len());
        } else {
            i += 1;
            continue;
        }
        for m in &mut mask[start..i] {
            *m = false;
        }
    }
    mask
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

fn skip_ws(src: &[u8], mut i: usize) -> usize {
    while i < src.len() && (src[i] == b' ' || src[i] == b'\t' || src[i] == b'\r' || src[i] == b'\n') {
        i += 1;
    }
    i
}

/// Index just past the `]` matching the `[` at `open`, within one statement's reach.
fn close_bracket(src: &[u8], mask: &[bool], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, &c) in src.iter().enumerate().skip(open).take(400) {
        if !mask[k] {
            continue;
        }
        match c {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k + 1);
                }
            }
            b';' | b'{' | b'}' => return None,
            _ => {}
        }
    }
    None
}

/// Lists the calls in `source` that add to the collection named `name` of kind `kind`:
/// `name.method(` for the kind's growing methods (also `this.name.set(`,
/// `obj.name?.push(`), and `name[…] =` for arrays and objects (not `==`/`===`).
/// Returns at most [`MAX_SITES`] sites in source order; an empty or non-identifier
/// name gives none.
pub fn mutation_sites(source: &str, name: &str, kind: HolderKind) -> Vec<MutationSite> {
    let src = source.as_bytes();
    let pat = name.as_bytes();
    if pat.is_empty() || !pat.iter().all(|&c| is_ident(c)) || pat[0].is_ascii_digit() {
        return Vec::new();
    }
    let mask = code_mask(src);
    let mut out = Vec::new();
    let (mut line, mut line_start) = (1u32, 0usize);
    let mut i = 0;
    while i + pat.len() <= src.len() && out.len() < MAX_SITES {
        if src[i] == b'\n' {
            line += 1;
            line_start = i + 1;
            i += 1;
            continue;
        }
        if !mask[i] || &src[i..i + pat.len()] != pat || (i > 0 && is_ident(src[i - 1])) {
            i += 1;
            continue;
        }
        let end = i + pat.len();
        if end < src.len() && is_ident(src[end]) {
            i += 1;
            continue;
        }
        let mut j = skip_ws(src, end);
        if src.get(j) == Some(&b'?') && src.get(j + 1) == Some(&b'.') {
            j += 1;
        }
        // Columns count UTF-16 code units, as JavaScript and V8 stack frames do.
        let column = (source[line_start..i].encode_utf16().count() + 1) as u32;
        if src.get(j) == Some(&b'.') {
            let m0 = skip_ws(src, j + 1);
            let mut m1 = m0;
            while m1 < src.len() && is_ident(src[m1]) {
                m1 += 1;
            }
            let method = &source[m0..m1];
            let after = skip_ws(src, m1);
            let called = src.get(after) == Some(&b'(')
                || (src.get(after) == Some(&b'?') && src.get(after + 1) == Some(&b'.') && src.get(after + 2) == Some(&b'('));
            if called && kind.methods().contains(&method) {
                out.push(MutationSite { line, column, call: format!("{name}.{method}()") });
            }
        } else if src.get(j) == Some(&b'[') && kind.index_assign() {
            if let Some(k) = close_bracket(src, &mask, j) {
                let k = skip_ws(src, k);
                if src.get(k) == Some(&b'=') && src.get(k + 1) != Some(&b'=') {
                    out.push(MutationSite { line, column, call: format!("{name}[…] =") });
                }
            }
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[MutationSite]) -> Vec<u32> {
        v.iter().map(|s| s.line).collect()
    }

    #[test]
    fn finds_map_set_calls() {
        let src = "const cache = new Map();\nfunction remember(k, v) { cache.set(k, v); }\nfunction get(k) { return cache.get(k); }\n";
        let s = mutation_sites(src, "cache", HolderKind::Map);
        assert_eq!(s, vec![MutationSite { line: 2, column: 27, call: "cache.set()".into() }]);
    }

    #[test]
    fn member_chains_and_optional_calls() {
        let src = "this.cache.set(a, b);\nobj.cache?.set(a);\nmycache.set(1);\ncache2.set(1);\ncache . set (x)\n";
        assert_eq!(lines(&mutation_sites(src, "cache", HolderKind::Map)), vec![1, 2, 5]);
    }

    #[test]
    fn skips_comments_and_strings() {
        let src = "// cache.set(a)\n/* cache.set(b)\n cache.set(c) */ const s = 'cache.set(d)';\nconst t = `x ${1} cache.set(e)`;\ncache.set(f);\n";
        assert_eq!(lines(&mutation_sites(src, "cache", HolderKind::Map)), vec![5]);
    }

    #[test]
    fn array_growth_and_index_assignment() {
        let src = "items.push(x);\nitems.unshift(y);\nitems[i] = z;\nif (items[i] === z) {}\nitems.pop();\nitems[a[b]] = 1;\n";
        assert_eq!(lines(&mutation_sites(src, "items", HolderKind::Array)), vec![1, 2, 3, 6]);
    }

    #[test]
    fn object_dictionary_and_set() {
        let src = "byId[req.id] = req;\nseen.add(k);\nbyId.x == 1;\n";
        assert_eq!(lines(&mutation_sites(src, "byId", HolderKind::Object)), vec![1]);
        assert_eq!(lines(&mutation_sites(src, "seen", HolderKind::Set)), vec![2]);
        // a Map holder is not grown by `.add(`
        assert!(mutation_sites(src, "seen", HolderKind::Map).is_empty());
    }

    #[test]
    fn bad_names_give_nothing_and_output_is_capped() {
        assert!(mutation_sites("a.set(1)", "", HolderKind::Map).is_empty());
        assert!(mutation_sites("a.set(1)", "a b", HolderKind::Map).is_empty());
        assert!(mutation_sites("a.set(1)", "1a", HolderKind::Map).is_empty());
        let many = "m.set(1);\n".repeat(100);
        assert_eq!(mutation_sites(&many, "m", HolderKind::Map).len(), MAX_SITES);
    }

    #[test]
    fn multibyte_text_counts_utf16_columns_and_does_not_panic() {
        let src = "const é = 'ü'; m.set('ß', 1); // m.set\n€m.set(2)\n";
        let s = mutation_sites(src, "m", HolderKind::Map);
        assert_eq!(lines(&s), vec![1, 2]);
        assert_eq!((s[0].column, s[1].column), (16, 2));
        assert!(mutation_sites("m.", "m", HolderKind::Map).is_empty());
        assert!(mutation_sites("m[", "m", HolderKind::Array).is_empty());
        assert!(mutation_sites("'unterminated\nm.set(1)", "m", HolderKind::Map).len() == 1);
    }

    #[test]
    fn holder_kind_from_snapshot_type() {
        assert_eq!(HolderKind::from_type("Map"), HolderKind::Map);
        assert_eq!(HolderKind::from_type("Set"), HolderKind::Set);
        assert_eq!(HolderKind::from_type("Array"), HolderKind::Array);
        assert_eq!(HolderKind::from_type("Registry"), HolderKind::Object);
    }
}

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

/// Methods that add to a collection, whatever its type (for [`growth_calls_in_function`]).
const GROWING_METHODS: &[&str] = &["set", "add", "push", "unshift", "splice"];

/// Byte offset of 1-based `line`, `column` (UTF-16 units) in `source`, if inside it.
fn offset_of(source: &str, line: u32, column: u32) -> Option<usize> {
    let mut start = 0usize;
    for _ in 1..line {
        start += source[start..].find('\n')? + 1;
    }
    let mut units = 1u32;
    for (i, ch) in source[start..].char_indices() {
        if units >= column {
            return Some(start + i);
        }
        if ch == '\n' {
            return None;
        }
        units += ch.len_utf16() as u32;
    }
    None
}

/// Index just past the bracket matching the one at `open` (`(`, `{` or `[`), over code
/// only; None when unbalanced.
fn matching(src: &[u8], mask: &[bool], open: usize) -> Option<usize> {
    let mut depth = 0i64;
    for k in open..src.len() {
        if !mask[k] {
            continue;
        }
        match src[k] {
            b'(' | b'{' | b'[' => depth += 1,
            b')' | b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Byte range of the body of the function whose parameter list starts at `off` (where
/// V8 places a function's position: `function f(a) {` → at `(`; `a => a.x` → at `a`).
fn function_body(src: &[u8], mask: &[bool], off: usize) -> Option<(usize, usize)> {
    let mut i = off;
    if src.get(i) == Some(&b'(') {
        i = matching(src, mask, i)?;
    } else {
        while i < src.len() && is_ident(src[i]) {
            i += 1;
        }
    }
    i = skip_ws(src, i);
    if src.get(i) == Some(&b'=') && src.get(i + 1) == Some(&b'>') {
        i = skip_ws(src, i + 2);
    }
    if src.get(i) == Some(&b'{') {
        return Some((i, matching(src, mask, i)?));
    }
    // an arrow's expression body: up to a `,` `;` or closing bracket at depth 0
    let start = i;
    let mut depth = 0i64;
    while i < src.len() {
        if mask[i] {
            match src[i] {
                b'(' | b'{' | b'[' => depth += 1,
                b')' | b'}' | b']' if depth == 0 => break,
                b')' | b'}' | b']' => depth -= 1,
                b',' | b';' if depth == 0 => break,
                _ => {}
            }
        }
        i += 1;
    }
    Some((start, i))
}

/// Names declared in `body` with `const`/`let`/`var` (a collection made inside the
/// function is not what keeps growing across calls).
fn local_names<'a>(src: &'a [u8], mask: &[bool], body: (usize, usize)) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut i = body.0;
    while i < body.1 {
        let kw = [&b"const"[..], &b"let"[..], &b"var"[..]].into_iter().find(|k| src[i..body.1].starts_with(k));
        match kw {
            Some(k) if mask[i] && (i == 0 || !is_ident(src[i - 1])) && src.get(i + k.len()).is_some_and(|c| *c == b' ' || *c == b'\t') => {
                let s = skip_ws(src, i + k.len());
                let mut e = s;
                while e < body.1 && is_ident(src[e]) {
                    e += 1;
                }
                if e > s {
                    out.push(&src[s..e]);
                }
                i = e.max(i + 1);
            }
            _ => i += 1,
        }
    }
    out
}

/// The calls inside one function that add to a collection declared outside it:
/// `receiver.set(`, `.add(`, `.push(`, `.unshift(`, `.splice(`, and `receiver[key] =`
/// (a plain identifier or a member chain such as `this.cache`), skipping receivers the
/// function declares itself. The function is the one whose position (V8's
/// `callFrame.lineNumber/columnNumber` + 1: its parameter list) is at `line`, `column`
/// (1-based, UTF-16 columns). When `method` names one of those methods (the builtin the
/// sampling heap profiler saw allocate, e.g. `set`), only its calls count. Nested
/// functions' bodies are included (a callback defined inside may be what grows).
/// At most [`MAX_SITES`] sites; none when the position is not in `source`.
pub fn growth_calls_in_function(source: &str, line: u32, column: u32, method: Option<&str>) -> Vec<MutationSite> {
    let src = source.as_bytes();
    let Some(off) = offset_of(source, line, column) else { return Vec::new() };
    let mask = code_mask(src);
    if !mask[off] {
        return Vec::new();
    }
    let Some(body) = function_body(src, &mask, off) else { return Vec::new() };
    let wanted: Vec<&str> = match method {
        Some(m) if GROWING_METHODS.contains(&m) => vec![m],
        _ => GROWING_METHODS.to_vec(),
    };
    let index_assign = method.is_none_or(|m| !GROWING_METHODS.contains(&m));
    let mut out = Vec::new();
    growth_calls_in_body(source, &mask, body, &wanted, index_assign, &mut out);
    if out.is_empty() {
        // The profiler names the outermost function of an optimized frame: helpers
        // TurboFan inlined into it are not on the stack. Look into the functions of this
        // file that the body calls (two levels, at most MAX_CALLEES).
        let mut seen = vec![body];
        let mut level = vec![body];
        for _ in 0..2 {
            let mut next = Vec::new();
            for b in level {
                for callee in callee_bodies(src, &mask, b) {
                    if seen.len() >= MAX_CALLEES || seen.contains(&callee) {
                        continue;
                    }
                    seen.push(callee);
                    next.push(callee);
                    growth_calls_in_body(source, &mask, callee, &wanted, index_assign, &mut out);
                }
            }
            level = next;
        }
    }
    out.truncate(MAX_SITES);
    out
}

/// At most this many functions are looked into for one site.
const MAX_CALLEES: usize = 16;

/// Bodies of the functions declared in this file that `body` calls by plain name:
/// `function name(`, `name = function (`, `name = (…) =>`, `name = x =>`.
fn callee_bodies(src: &[u8], mask: &[bool], body: (usize, usize)) -> Vec<(usize, usize)> {
    let mut names: Vec<&[u8]> = Vec::new();
    let mut i = body.0 + 1;
    while i < body.1 {
        if mask[i] && is_ident(src[i]) && !src[i].is_ascii_digit() && !is_ident(src[i - 1]) && src[i - 1] != b'.' {
            let mut e = i;
            while e < body.1 && is_ident(src[e]) {
                e += 1;
            }
            let name = &src[i..e];
            let k = skip_ws(src, e);
            if src.get(k) == Some(&b'(') && !is_keyword(name) && !names.contains(&name) {
                names.push(name);
            }
            i = e;
        } else {
            i += 1;
        }
    }
    let mut out = Vec::new();
    for name in names {
        if let Some(start) = declaration_params(src, mask, name) {
            if let Some(b) = function_body(src, mask, start) {
                if b != body {
                    out.push(b);
                }
            }
        }
    }
    out
}

fn is_keyword(w: &[u8]) -> bool {
    matches!(w, b"if" | b"for" | b"while" | b"switch" | b"catch" | b"return" | b"typeof" | b"function" | b"await" | b"new" | b"super" | b"import" | b"require")
}

/// Where the parameter list of the function declared as `name` starts (see
/// [`function_body`]), for `function name(`, `name = function (`, `name = async (…) =>`,
/// `name = (…) =>` and `name = x =>`.
fn declaration_params(src: &[u8], mask: &[bool], name: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + name.len() <= src.len() {
        if !mask[i] || &src[i..i + name.len()] != name || (i > 0 && is_ident(src[i - 1])) || src.get(i + name.len()).is_some_and(|c| is_ident(*c)) {
            i += 1;
            continue;
        }
        let before = src[..i].iter().rposition(|c| !c.is_ascii_whitespace());
        let after = skip_ws(src, i + name.len());
        if (before.is_some_and(|b| b >= 7 && &src[b - 7..=b] == b"function") || (before.is_some_and(|b| b >= 8 && &src[b - 8..=b] == b"function*"))) && src.get(after) == Some(&b'(') {
            return Some(after);
        }
        if src.get(after) == Some(&b'=') && src.get(after + 1) != Some(&b'=') && src.get(after + 1) != Some(&b'>') {
            let mut v = skip_ws(src, after + 1);
            if src[v..].starts_with(b"async") {
                v = skip_ws(src, v + 5);
            }
            if src[v..].starts_with(b"function") {
                let mut p = v + 8;
                while p < src.len() && src[p] != b'(' && (src[p] == b'*' || src[p] == b' ' || is_ident(src[p])) {
                    p += 1;
                }
                if src.get(p) == Some(&b'(') {
                    return Some(p);
                }
            } else if src.get(v) == Some(&b'(') {
                let close = matching(src, mask, v)?;
                let a = skip_ws(src, close);
                if src.get(a) == Some(&b'=') && src.get(a + 1) == Some(&b'>') {
                    return Some(v);
                }
            } else if src.get(v).is_some_and(|c| is_ident(*c)) {
                let mut e = v;
                while e < src.len() && is_ident(src[e]) {
                    e += 1;
                }
                let a = skip_ws(src, e);
                if src.get(a) == Some(&b'=') && src.get(a + 1) == Some(&b'>') {
                    return Some(v);
                }
            }
        }
        i += name.len();
    }
    None
}

/// The growth calls of one function body (see [`growth_calls_in_function`]), appended to `out`.
fn growth_calls_in_body(source: &str, mask: &[bool], body: (usize, usize), wanted: &[&str], index_assign: bool, out: &mut Vec<MutationSite>) {
    let src = source.as_bytes();
    let locals = local_names(src, mask, body);
    let mut i = body.0;
    while i < body.1 && out.len() < MAX_SITES {
        // the start of a receiver chain: an identifier not preceded by `.` or an identifier char
        if !mask[i] || !is_ident(src[i]) || src[i].is_ascii_digit() || (i > 0 && (is_ident(src[i - 1]) || src[i - 1] == b'.')) {
            i += 1;
            continue;
        }
        let root_end = {
            let mut e = i;
            while e < body.1 && is_ident(src[e]) {
                e += 1;
            }
            e
        };
        // follow `.name` steps; the last one may be the growing method
        let mut steps: Vec<(usize, usize)> = vec![(i, root_end)];
        let mut j = root_end;
        loop {
            let k = skip_ws(src, j);
            let k = if src.get(k) == Some(&b'?') && src.get(k + 1) == Some(&b'.') { k + 1 } else { k };
            if src.get(k) != Some(&b'.') {
                break;
            }
            let s = skip_ws(src, k + 1);
            let mut e = s;
            while e < body.1 && is_ident(src[e]) {
                e += 1;
            }
            if e == s {
                break;
            }
            steps.push((s, e));
            j = e;
        }
        let root = &src[steps[0].0..steps[0].1];
        let declared_here = steps.len() <= 2 && locals.contains(&root);
        let after = skip_ws(src, j);
        // line and column, computed only for a match
        let at = |i: usize| {
            let line = 1 + src[..i].iter().filter(|&&c| c == b'\n').count() as u32;
            let start = src[..i].iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
            (line, (source[start..i].encode_utf16().count() + 1) as u32)
        };
        if steps.len() >= 2 && !declared_here {
            let (ms, me) = *steps.last().unwrap();
            let m = &source[ms..me];
            let called = src.get(after) == Some(&b'(') || (src.get(after) == Some(&b'?') && src.get(after + 1) == Some(&b'.') && src.get(after + 2) == Some(&b'('));
            if called && wanted.contains(&m) {
                let (line, column) = at(i);
                out.push(MutationSite { line, column, call: format!("{}()", &source[steps[0].0..me]) });
            }
        }
        if index_assign && src.get(after) == Some(&b'[') && !locals.contains(&root) {
            if let Some(k) = close_bracket(src, mask, after) {
                let k = skip_ws(src, k);
                if src.get(k) == Some(&b'=') && src.get(k + 1) != Some(&b'=') {
                    let (line, column) = at(i);
                    out.push(MutationSite { line, column, call: format!("{}[…] =", &source[steps[0].0..steps.last().unwrap().1]) });
                }
            }
        }
        i = j.max(i + 1);
    }
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

    #[test]
    fn growth_calls_of_a_function_skip_its_own_locals() {
        let src = "const history = [];\nfunction summarize(batch) {\n  const names = {};\n  for (const p of batch) names[p.name] = 1;\n  return names;\n}\nfunction tick(n) {\n  let raw = [];\n  raw.push(n);\n  history.push(summarize(raw));\n}\n";
        // summarize (position at its `(`, line 2 col 19): only a local grows
        assert!(growth_calls_in_function(src, 2, 19, None).is_empty());
        let t = growth_calls_in_function(src, 7, 14, None);
        assert_eq!(t, vec![MutationSite { line: 10, column: 3, call: "history.push()".into() }]);
    }

    #[test]
    fn growth_calls_filtered_by_the_allocating_builtin() {
        let src = "function handle(req, res) {\n  res.setHeader('a', 1);\n  this.sessions.set(id, s);\n  log.push(1);\n  byId[k] = s;\n  if (x[k] === 1) {}\n}\n";
        let all = growth_calls_in_function(src, 1, 16, None);
        assert_eq!(all.iter().map(|s| s.call.as_str()).collect::<Vec<_>>(), vec!["this.sessions.set()", "log.push()", "byId[…] ="]);
        let set = growth_calls_in_function(src, 1, 16, Some("set"));
        assert_eq!(set.len(), 1);
        assert_eq!((set[0].line, set[0].column), (3, 3));
        // an unknown builtin (JSON.stringify allocated) counts every growth call
        assert_eq!(growth_calls_in_function(src, 1, 16, Some("stringify")).len(), 3);
    }

    #[test]
    fn arrow_functions_and_nested_callbacks() {
        let src = "const hooks = [];\nconst f = (req) => { read(req, (body) => { hooks.push(() => body.length); }); };\nconst g = x => cache.set(x, 1), h = 2;\n";
        let f = growth_calls_in_function(src, 2, 11, None);
        assert_eq!(f.iter().map(|s| (s.line, s.call.as_str())).collect::<Vec<_>>(), vec![(2, "hooks.push()")]);
        let g = growth_calls_in_function(src, 3, 11, None);
        assert_eq!(g.iter().map(|s| s.call.as_str()).collect::<Vec<_>>(), vec!["cache.set()"]);
    }

    #[test]
    fn positions_outside_the_source_give_nothing() {
        let src = "function f() { a.push(1); }\n";
        assert!(growth_calls_in_function(src, 9, 1, None).is_empty());
        assert!(growth_calls_in_function(src, 1, 999, None).is_empty());
        assert!(growth_calls_in_function("", 1, 1, None).is_empty());
        // unbalanced source does not panic
        assert!(growth_calls_in_function("function f( { a.push(1);", 1, 11, None).is_empty());
    }

    #[test]
    fn inlined_helpers_are_looked_into() {
        let src = "const history = [];\nconst lru = new Map(), cache = new Map();\nfunction summarize(b) { const names = {}; names[b] = 1; return names; }\nfunction tick(n) {\n  const raw = [n];\n  history.push(summarize(raw));\n}\nsetInterval(() => { for (let k = 0; k < 20; k++) tick(k); }, 20);\nfunction rememberBounded(k, v) { lru.delete(k); lru.set(k, v); }\nconst rememberResult = (k, v) => { cache.set(k, v); };\nfunction handle(req) {\n  if (req) rememberBounded(req.url, 1);\n  rememberResult(req.url, 2);\n}\n";
        // the setInterval arrow (line 8, its `(` at column 13) calls tick, which pushes
        let a = growth_calls_in_function(src, 8, 13, None);
        assert_eq!(a.iter().map(|s| (s.line, s.call.as_str())).collect::<Vec<_>>(), vec![(6, "history.push()")]);
        // handle with Map#set allocating: both helpers' set calls are candidates
        let h = growth_calls_in_function(src, 11, 16, Some("set"));
        assert_eq!(h.iter().map(|s| (s.line, s.call.as_str())).collect::<Vec<_>>(), vec![(9, "lru.set()"), (10, "cache.set()")]);
        // a function's own growth call wins over its callees'
        let own = "const a = [], b = [];\nfunction f() { a.push(1); g(); }\nfunction g() { b.push(2); }\n";
        assert_eq!(growth_calls_in_function(own, 2, 11, None).len(), 1);
        // recursion and self-calls terminate
        let rec = "function f(n) { return n ? f(n - 1) : g(); }\nfunction g() { return f(1); }\n";
        assert!(growth_calls_in_function(rec, 1, 11, None).is_empty());
    }
}

//! napi binding of [`crate::core::mutation_sites`]: source lines that grow a named
//! collection, used to turn a heap diagnosis' retainer path (`->cache (Map)`) into
//! the line that adds to it.
use napi_derive::napi;

use super::error::invalid_arg;
use crate::core::mutation_sites::{mutation_sites, HolderKind};

/// One call in a source file that adds to the holder.
#[napi(object)]
pub struct MutationSite {
    /// 1-based line.
    pub line: u32,
    /// 1-based column of the holder's name (UTF-16 code units, as in V8 stack frames).
    pub column: u32,
    /// What the call does, e.g. `cache.set()`, `items.push()`, `byId[…] =`.
    pub call: String,
}

/// Largest source accepted (bytes): bigger files are not scanned.
const MAX_SOURCE_BYTES: usize = 8 * 1024 * 1024;

/// Lists the calls in `source` (JavaScript text) that grow the collection `name`
/// whose heap snapshot type is `holderType` (`Map` → `.set(`, `Set` → `.add(`,
/// `Array` → `.push(`/`.unshift(`/`.splice(`/`[i] =`, other objects → `[key] =`).
/// At most 16 sites, in source order. Throws `InvalidArg` when `source` is longer
/// than 8 MiB or `name` longer than 256 bytes.
#[napi(catch_unwind)]
pub fn find_mutation_sites(source: String, name: String, holder_type: String) -> napi::Result<Vec<MutationSite>> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(invalid_arg(format!("findMutationSites(source): source is {} bytes, more than {MAX_SOURCE_BYTES}", source.len())));
    }
    if name.len() > 256 {
        return Err(invalid_arg("findMutationSites(name): name is longer than 256 bytes"));
    }
    Ok(mutation_sites(&source, &name, HolderKind::from_type(&holder_type))
        .into_iter()
        .map(|s| MutationSite { line: s.line, column: s.column, call: s.call })
        .collect())
}

/// The calls inside one function that add to a collection declared outside it
/// (`receiver.set(`/`.add(`/`.push(`/`.unshift(`/`.splice(`, `receiver[key] =`;
/// receivers the function declares itself are skipped; nested callbacks included).
/// The function is the one whose position is `line`, `column` (1-based, UTF-16
/// columns; V8's `callFrame.lineNumber/columnNumber` + 1). `method`: the builtin the
/// sampling heap profiler saw allocate (e.g. `set`) narrows the calls to it when it is
/// one of those methods. At most 16 sites. Throws `InvalidArg` when `source` is longer
/// than 8 MiB.
#[napi(catch_unwind)]
pub fn growth_calls_in_function(source: String, line: u32, column: u32, method: Option<String>) -> napi::Result<Vec<MutationSite>> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(invalid_arg(format!("growthCallsInFunction(source): source is {} bytes, more than {MAX_SOURCE_BYTES}", source.len())));
    }
    Ok(crate::core::mutation_sites::growth_calls_in_function(&source, line, column, method.as_deref())
        .into_iter()
        .map(|s| MutationSite { line: s.line, column: s.column, call: s.call })
        .collect())
}

#!/usr/bin/env bash
# Runs every fuzz target for a fixed time: `fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]`.
# Needs cargo-fuzz (`cargo install cargo-fuzz`). The toolchain may be stable: cargo fuzz
# passes nightly-only flags (-Zsanitizer=address), which RUSTC_BOOTSTRAP=1 allows.
# Corpora live in fuzz/corpus/<target> (not committed), started from fuzz/seeds and
# fuzz/regressions/<target> (committed). Exits non-zero on the first crash, leak,
# timeout or over-limit allocation; the input is left in fuzz/artifacts/<target>.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_bytes analyze_structured parse_file)
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  # Seeds: the first byte of parse_bytes / parse_file inputs picks a mode (read
  # buffer size; plain or gzip).
  case "$t" in
    parse_bytes)
      for f in seeds/*.json; do
        b=$(basename "$f")
        { printf '\x03'; cat "$f"; } > "corpus/$t/seed-small-buf-$b"
        { printf '\xff'; cat "$f"; } > "corpus/$t/seed-$b"
      done ;;
    parse_file)
      for f in seeds/*.json; do
        b=$(basename "$f")
        { printf '\x00'; cat "$f"; } > "corpus/$t/seed-plain-$b"
        { printf '\x01'; cat "$f"; } > "corpus/$t/seed-gz-$b"
      done
      for f in seeds/*.gz; do
        { printf '\x00'; cat "$f"; } > "corpus/$t/seed-file-$(basename "$f")"
      done ;;
  esac
  extra=()
  [ -d "regressions/$t" ] && extra+=("regressions/$t")
  echo "== fuzz $t for ${secs}s"
  # -malloc_limit_mb: any single allocation above 64 MB is a failure (inputs are at
  # most 64 KB, so an allocation that large can only come from trusting a header).
  # -rss_limit_mb: the whole process stays under 1 GB.
  log="${TMPDIR:-/tmp}/heap-snapshot-fuzz-$t.log"
  rc=0
  cargo fuzz run -O "$t" "corpus/$t" "${extra[@]}" -- \
    -max_total_time="$secs" -max_len=65536 -rss_limit_mb=1024 -malloc_limit_mb=64 \
    -timeout=20 -print_final_stats=1 >"$log" 2>&1 || rc=$?
  grep -E '^(#[0-9]+ +(DONE|INITED)|SUMMARY|stat::(number_of_executed_units|peak_rss_mb))' "$log" || true
  if [ "$rc" -ne 0 ]; then
    echo "fuzz target $t FAILED (exit $rc); see $log and fuzz/artifacts/$t" >&2
    tail -60 "$log" >&2
    exit 1
  fi
done

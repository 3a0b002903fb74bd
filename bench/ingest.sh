#!/usr/bin/env bash
# CSV ingest and end-to-end benchmarks (issue 9): ingest MB/s per thread on 1
# and 2 threads (every column, and only the columns telehealth reads), `cohort run examples/telehealth.cohort` wall time and peak
# RSS on generated patients, and CSV -> list end to end against DuckDB with
# the same thread count. Release build; one run each (ratios, not timings).
#
#   bench/ingest.sh [PATIENTS...]        (default: 1000000 10000000)
#
# Environment: BUILD_DIR (default build-rel), DATA_ROOT (default
# /tmp/cohort_bench_data), JOBS (default 2), NODE_MODULES (a node_modules
# with @duckdb/node-api; default bench/duckdb/node_modules).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="${BUILD_DIR:-$root/build-rel}"
data_root="${DATA_ROOT:-/tmp/cohort_bench_data}"
jobs="${JOBS:-2}"
sizes=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(1000000 10000000)
modules="${NODE_MODULES:-$here/duckdb/node_modules}"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCOHORT_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target cohort cohort_ingest_bench -j"$jobs" >/dev/null
cohort="$build/cohort"
today=2026-11-23

# Peak RSS (MB) and wall seconds of a command, from /usr/bin/time -v.
timed() {
  local log; log="$(mktemp)"
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; rm -f "$log"; return 1; }
  local rss wall
  rss=$(awk -F: '/Maximum resident set size/ {print int($2/1024)}' "$log")
  wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$log")
  rm -f "$log"
  echo "wall=${wall} peak_rss=${rss}MB"
}

for n in "${sizes[@]}"; do
  data="$data_root/$n"
  if [[ ! -f "$data/patients.csv" ]]; then
    echo "== generate $n patients into $data"
    "$cohort" gen --patients "$n" --seed 42 --today "$today" --out "$data" >/dev/null
  fi
  echo "== $n patients ($(du -sm "$data" | cut -f1) MB of CSV)"
  for t in 1 2; do
    echo "ingest: $("$build/bench/cohort_ingest_bench" --data "$data" --threads "$t")"
  done
  for t in 1 2; do  # only the columns telehealth reads converted, as `cohort run` does
    echo "ingest telehealth columns: $("$build/bench/cohort_ingest_bench" --data "$data" --threads "$t" --program "$root/examples/telehealth.cohort")"
  done
  out="$(mktemp -d)"
  for t in 1 2; do
    echo "cohort run telehealth --threads $t: $(timed "$cohort" run "$root/examples/telehealth.cohort" --data "$data" --out "$out/t" --today "$today" --threads "$t" --quiet)"
  done
  if [[ -d "$modules/@duckdb/node-api" ]]; then
    for t in 1 2; do
      a=$(date +%s.%N)
      "$cohort" run "$here/e2e_spanish.cohort" --data "$data" --out "$out/c" --today "$today" --threads "$t" --quiet
      b=$(date +%s.%N)
      c_rows=$(($(wc -l < "$out/c/FirstTimeSpanish/sms.csv") - 1))
      # ESM imports resolve next to the script: run a copy beside a node_modules link.
      mkdir -p "$out/node" && ln -sfn "$modules" "$out/node/node_modules" && cp "$here/duckdb/e2e.mjs" "$out/node/"
      d=$(node "$out/node/e2e.mjs" "$data" "$t" "$out/duck.csv")
      d_secs=$(cut -f2 <<<"$d"); d_rows=$(cut -f3 <<<"$d")
      c_secs=$(echo "$b - $a" | bc)
      echo "e2e CSV -> list, threads=$t: cohort ${c_secs}s (${c_rows} rows), duckdb ${d_secs}s (${d_rows} rows), ratio $(echo "scale=2; $d_secs / $c_secs" | bc)x"
    done
  else
    echo "(no @duckdb/node-api in $modules: end-to-end comparison skipped)"
  fi
  rm -rf "$out"
done
echo "(date $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores shared, load average $(cut -d' ' -f1-3 /proc/loadavg))"

#!/usr/bin/env bash
# The whole benchmark in one go: generate patients as CSV with `cohort gen`,
# install DuckDB's Node client into bench/duckdb (once), build cohort_bench
# (Release), time the filters in DuckDB (1 thread) and then in cohort_bench on
# the same CSV, and print cohort_bench's table with the DuckDB columns filled.
#
#   bench/run_bench.sh [PATIENTS] [REPS]      (default 1000000 patients, 3 reps)
#
# Environment: BUILD_DIR (default build-bench), DATA_DIR (default
# /tmp/cohort_bench_data/<patients>), COHORT (a prebuilt `cohort` binary),
# JOBS (default 2: the machine is shared), CLOCK (wall or cpu: time the
# filters in wall time, the default, or in the thread's CPU time, steadier on
# a loaded machine; DuckDB is always wall time, so with cpu the JIT/DuckDB
# column mixes clocks: take ratios from a wall-time run).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
patients="${1:-1000000}"
reps="${2:-3}"
build="${BUILD_DIR:-$root/build-bench}"
data="${DATA_DIR:-/tmp/cohort_bench_data/$patients}"
jobs="${JOBS:-2}"

echo "== build ($build, Release)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCOHORT_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target cohort_bench -j"$jobs" >/dev/null
cohort="${COHORT:-}"
if [[ -z "$cohort" ]]; then
  if ! cmake --build "$build" --target cohort -j"$jobs" >/dev/null; then
    echo "cannot build cohort (for \`cohort gen\`); set COHORT=/path/to/cohort" >&2
    exit 1
  fi
  cohort="$build/cohort"
fi

if [[ ! -f "$data/patients.csv" ]]; then
  echo "== generate $patients patients into $data"
  "$cohort" gen --patients "$patients" --seed 42 --today 2026-11-23 --out "$data"
fi

duck_times=""
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "== node/npm not found: DuckDB columns will be empty"
else
  if [[ ! -d "$here/duckdb/node_modules/@duckdb/node-api" ]]; then
    echo "== npm install @duckdb/node-api (bench/duckdb, not committed)"
    if ! (cd "$here/duckdb" && npm install --no-audit --no-fund >/dev/null); then
      echo "== npm install failed (no network?): DuckDB columns will be empty"
    fi
  fi
  if [[ -d "$here/duckdb/node_modules/@duckdb/node-api" ]]; then
    echo "== DuckDB (threads=1)"
    duck_times="$(mktemp)"
    node "$here/duckdb/bench.mjs" "$data" "$reps" >"$duck_times"
  fi
fi

echo "== cohort_bench"
args=(--data "$data" --reps "$reps")
[[ -n "$duck_times" ]] && args+=(--duckdb "$duck_times")
[[ -n "${CLOCK:-}" ]] && args+=(--clock "$CLOCK")
"$build/bench/cohort_bench" "${args[@]}"
echo "(date $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"

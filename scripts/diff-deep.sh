#!/usr/bin/env bash
# The interpreter-vs-JIT differential test at depth (issue 14), on demand:
#
#   scripts/diff-deep.sh CASES [JOBS] [UNIT_JIT]
#
# Splits seeds 1..CASES into JOBS contiguous shards (default: the number of
# cores) and runs tests/unit/jit's differential test case on each shard in its
# own process (COHORT_DIFF_SEED / COHORT_DIFF_CASES), so it scales with cores
# and one process never holds a million programs' worth of state. UNIT_JIT
# defaults to build-rel/tests/unit_jit (a Release build: cmake -S . -B build-rel
# -DCMAKE_BUILD_TYPE=Release). A failing shard prints the seed to rerun with
# COHORT_DIFF_SEED=<seed> COHORT_DIFF_CASES=1. Prints the CPU time (sum of the
# shards' test threads), cases per CPU second and the projection for 1,000,000.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CASES=${1:?usage: diff-deep.sh CASES [JOBS] [UNIT_JIT]}
JOBS=${2:-$(nproc)}
BIN=${3:-$ROOT/build-rel/tests/unit_jit}
[ -x "$BIN" ] || { echo "diff-deep.sh: $BIN not built (cmake --build build-rel --target unit_jit)" >&2; exit 2; }
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
start=$(date +%s)
per=$(( (CASES + JOBS - 1) / JOBS ))
pids=()
for ((j = 0; j < JOBS; j++)); do
  first=$(( 1 + j * per ))
  n=$(( CASES - j * per < per ? CASES - j * per : per ))
  [ "$n" -gt 0 ] || break
  COHORT_DIFF_SEED=$first COHORT_DIFF_CASES=$n "$BIN" --test-case='differential: random programs*' \
    > "$LOGS/shard$j.log" 2>&1 &
  pids+=($!)
done
fail=0
for j in "${!pids[@]}"; do
  if ! wait "${pids[$j]}"; then
    fail=1
    echo "shard $j failed:"
    grep -v '^\[doctest\]' "$LOGS/shard$j.log" | head -60
  fi
done
compiled=$(grep -ho 'programs compiled [0-9]*' "$LOGS"/*.log | awk '{s += $3} END {print s + 0}')
rejected=$(grep -ho 'rejected by the checker [0-9]*' "$LOGS"/*.log | awk '{s += $5} END {print s + 0}')
cpu=$(grep -ho 'CPU [0-9.e+-]* s for' "$LOGS"/*.log | awk '{s += $2} END {printf "%.1f", s}')
wall=$(( $(date +%s) - start ))
echo "diff-deep: $CASES cases in ${#pids[@]} shards: $compiled programs compiled and compared, $rejected rejected by the checker, ${wall} s wall, ${cpu} s CPU"
awk -v c="$CASES" -v cpu="$cpu" -v w="$wall" -v j="${#pids[@]}" 'BEGIN {
  if (cpu > 0) printf "diff-deep: %.1f cases per CPU second (%.2f ms each); 1,000,000 cases = %.2f CPU-hours (%.1f h wall on %d such cores)\n",
    c / cpu, cpu * 1000 / c, 1e6 * cpu / c / 3600, 1e6 * cpu / c / 3600 / j, j }'
exit $fail

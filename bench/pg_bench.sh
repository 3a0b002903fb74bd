#!/usr/bin/env bash
# PostgreSQL benchmark (issue 10): the same segment file run three ways over
# the same generated patients, one run each (ratios, not timings):
#   1. `cohort run --data CSV`                  (JIT, CSV reader)
#   2. `cohort run --source postgresql://...`    (pull: binary COPY + JIT)
#   3. `cohort run --source ... --pushdown`      (the generated SQL in the server),
#      with PostgreSQL's JIT on (the server default) and off
# The lists of the three runs must be byte-identical (checked here). A
# throwaway PostgreSQL 15 cluster is started in a temp dir (tests/sql/pg_lib.sh)
# with fsync off, and stopped on exit.
#
#   bench/pg_bench.sh COHORT_BINARY [PATIENTS]      (default 1000000)
#
# Environment: DATA_ROOT (default /tmp/cohort_bench_data), THREADS (default 2),
# SEGMENT (default examples/telehealth.cohort), PORT (default 5439).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cohort="$(readlink -f "$1")"
patients="${2:-1000000}"
data="${DATA_ROOT:-/tmp/cohort_bench_data}/$patients"
threads="${THREADS:-2}"
segment="${SEGMENT:-$root/examples/telehealth.cohort}"
port="${PORT:-5439}"
today=2026-11-23
. "$root/tests/sql/pg_lib.sh"

if [[ ! -f "$data/patients.csv" ]]; then
  echo "== generate $patients patients into $data"
  "$cohort" gen --patients "$patients" --seed 42 --today "$today" --out "$data" >/dev/null
fi
work=$(mktemp -d /tmp/cohort-pgbench.XXXXXX)
chmod 755 "$work"
trap 'pg_stop "$work/pg"; rm -rf "$work"' EXIT
pg_start "$work/pg" "$port"
psql_() { pg_psql "$work/pg" "$port" "$@"; }

# wall seconds, CPU seconds (user + sys) and peak RSS of the cohort process.
timed() {
  local log="$work/time.log"
  /usr/bin/time -f 'WALL %e CPU %U %S RSS %M' "$@" >/dev/null 2>"$log" || { cat "$log" >&2; return 1; }
  awk '/^WALL/ {printf "%.2f s wall, %.2f s CPU, %d MB peak", $2, $4 + $5, $7 / 1024}' "$log"
}

echo "== load $patients patients into PostgreSQL ($(du -sm "$data" | cut -f1) MB of CSV)"
"$cohort" sql "$segment" --dialect postgres --ddl >"$work/ddl.sql"
a=$(date +%s.%N)
{
  cat "$work/ddl.sql"
  for t in patients events; do echo "\\copy $t FROM '$data/$t.csv' (FORMAT csv, HEADER)"; done
  echo "ANALYZE;"
} | psql_ >/dev/null
b=$(date +%s.%N)
echo "load (COPY + ANALYZE): $(echo "$b - $a" | bc) s"

uri="postgresql:///postgres?host=$work/pg&port=$port&user=postgres"
echo "csv:      $(timed "$cohort" run "$segment" --data "$data" --out "$work/csv" --today "$today" --threads "$threads" --quiet)"
echo "pull:     $(timed "$cohort" run "$segment" --source "$uri" --out "$work/pull" --today "$today" --threads "$threads" --quiet)"
echo "pushdown: $(timed "$cohort" run "$segment" --source "$uri" --pushdown --out "$work/push" --today "$today" --quiet)"
# PostgreSQL's own LLVM JIT compiles every expression of the generated query
# (one per clause): measured separately, with it switched off for the session.
echo "pushdown, jit=off: $(PGOPTIONS='-c jit=off' timed "$cohort" run "$segment" --source "$uri" --pushdown --out "$work/push-nojit" --today "$today" --quiet)"
for m in pull push push-nojit; do
  if diff -r -x summary.json "$work/csv" "$work/$m" >/dev/null; then
    echo "lists identical: csv vs $m ($(cat "$work/$m"/*/*.csv | wc -l) lines)"
  else
    echo "LISTS DIFFER: csv vs $m" >&2
    exit 1
  fi
done
echo "(date $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores shared, load average $(cut -d' ' -f1-3 /proc/loadavg))"

#!/usr/bin/env bash
# The sharded setup (scripts/pg-shards.sh): three PostgreSQL 15 clusters, the
# coordinator's patients/events hash-partitioned by patient key over
# postgres_fdw on two shards. The pushed-down query must give lists
# byte-identical to `cohort run` (JIT) from the CSV files, and both shards
# must hold rows.
#
#   run_sql_shards.sh COHORT SOURCE_DIR
set -u
cohort=$1
src=$2
. "$src/tests/sql/common.sh"
need_tools
make_work
export COHORT=$cohort COHORT_SHARDS_DIR="$WORK/shards"
trap 'bash "$src/scripts/pg-shards.sh" down >/dev/null 2>&1; rm -rf "$WORK"' EXIT
today=2026-11-23
fails=0
bash "$src/scripts/pg-shards.sh" up "$src/examples/data" "$src/examples/telehealth.cohort" >"$WORK/up.log" 2>&1 ||
  { cat "$WORK/up.log"; echo "FAIL: pg-shards.sh up"; exit 1; }
cat "$WORK/up.log"
for n in s0 s1; do
  rows=$(grep "shard $n:" "$WORK/up.log" | sed 's/.*: \([0-9]*\) rows.*/\1/')
  [ "${rows:-0}" -gt 0 ] || { echo "FAIL: shard $n holds no rows"; fails=$((fails + 1)); }
done
uri="postgresql:///postgres?host=$COHORT_SHARDS_DIR/coord&port=5440&user=postgres"
for ex in telehealth; do
  "$cohort" run "$src/examples/$ex.cohort" --data "$src/examples/data" --out "$WORK/$ex-jit" --today $today --quiet
  if ! "$cohort" run "$src/examples/$ex.cohort" --source "$uri" --pushdown --out "$WORK/$ex-shards" --today $today --quiet; then
    echo "FAIL: $ex: pushdown on the sharded coordinator"; fails=$((fails + 1)); continue
  fi
  if diff -r -x summary.json "$WORK/$ex-jit" "$WORK/$ex-shards" >"$WORK/$ex.diff"; then
    echo "ok: $ex lists identical, JIT vs SQL pushed down to the sharded coordinator ($(cat "$WORK/$ex-shards"/*/*.csv | wc -l) lines)"
  else
    echo "FAIL: $ex: lists differ on the sharded setup"; head -20 "$WORK/$ex.diff"; fails=$((fails + 1))
  fi
done
[ $fails = 0 ] || exit 1
echo "ok: sql shards"

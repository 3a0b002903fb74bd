#!/usr/bin/env bash
# The SQL differential test: random well-typed programs x random data (nulls,
# empty lists and sets, boundary dates, int overflow, events of unknown
# patients). The reference interpreter runs through the shared run pipeline;
# the generated SQL runs on DuckDB (@duckdb/node-api) and on a throwaway
# PostgreSQL 15 this test starts itself. Every list file must be byte-identical
# and every counter of summary.json equal.
#
#   run_sql_diff.sh SQL_DIFF_GEN SOURCE_DIR
#   COHORT_SQL_DIFF_CASES (default 60), COHORT_SQL_DIFF_SEED (default 1)
set -u
gen=$1
src=$2
. "$src/tests/sql/common.sh"
need_tools
make_work
cases=${COHORT_SQL_DIFF_CASES:-60}
seed=${COHORT_SQL_DIFF_SEED:-1}

"$gen" "$WORK/cases" "$cases" "$seed" || { echo "FAIL: case generation"; exit 1; }
mapfile -t dirs <"$WORK/cases/cases.txt"
echo "cases: ${#dirs[@]}"

# DuckDB: one node process for every case.
jobs="$WORK/duck-jobs.json"
{
  echo "["
  sep=""
  for d in "${dirs[@]}"; do
    printf '%s{"ddl": "%s/ddl.duckdb.sql", "tables": {"patients": "%s/data/patients.csv", "events": "%s/data/events.csv", "contacts": "%s/data/contacts.csv"}, "query": "%s/lists.duckdb.sql", "summary": "%s/summary.duckdb.sql", "summary_out": "%s/summary.duckdb.tsv", "manifest": "%s/manifest.json", "out": "%s/duckdb"}\n' \
      "$sep" "$d" "$d" "$d" "$d" "$d" "$d" "$d" "$d" "$d"
    sep=","
  done
  echo "]"
} >"$jobs"
node "$here/sqlrun.mjs" duckdb "$jobs" || echo "duckdb: some queries failed (compared below)"

# PostgreSQL: one schema per case, one psql session for all.
pg_start "$WORK/pg" 5432 || { echo "FAIL: cannot start PostgreSQL"; exit 1; }
script="$WORK/pg.sql"
: >"$script"
for d in "${dirs[@]}"; do
  n=$(basename "$d")
  {
    echo "CREATE SCHEMA $n; SET search_path = $n;"
    cat "$d/ddl.postgres.sql"
    echo "\\copy patients FROM '$d/data/patients.csv' (FORMAT csv, HEADER)"
    echo "\\copy events FROM '$d/data/events.csv' (FORMAT csv, HEADER)"
    # Issue 12: the contacts table (the ledger) when the program reads it.
    if [ -f "$d/data/contacts.csv" ]; then echo "\\copy contacts FROM '$d/data/contacts.csv' (FORMAT csv, HEADER)"; fi
    echo "\\o $d/rows.postgres.csv"
    printf 'COPY (\n'; sed -e '$ s/;[[:space:]]*$//' "$d/lists.postgres.sql"; printf '\n) TO STDOUT (FORMAT csv, HEADER);\n'
    echo "\\o $d/summary.postgres.csv"
    printf 'COPY (\n'; sed -e '$ s/;[[:space:]]*$//' "$d/summary.postgres.sql"; printf '\n) TO STDOUT (FORMAT csv, DELIMITER E'"'"'\\t'"'"');\n'
    echo "\\o"
  } >>"$script"
done
pg_psql "$WORK/pg" 5432 -v ON_ERROR_STOP=0 -f "$script" >"$WORK/psql.log" 2>&1

node "$here/sqlrun.mjs" prepare "$WORK/cases/cases.txt"
fails=0
for d in "${dirs[@]}"; do
  bad=""
  if ! diff -r -x summary.json "$d/expected" "$d/duckdb" >"$d/duckdb.diff" 2>&1; then bad="$bad duckdb-lists"; fi
  if ! diff -q "$d/summary.expected.tsv" "$d/summary.duckdb.tsv" >/dev/null 2>&1; then bad="$bad duckdb-summary"; fi
  if [ -d "$d/postgres" ]; then
    diff -r -x summary.json "$d/expected" "$d/postgres" >"$d/postgres.diff" 2>&1 || bad="$bad postgres-lists"
  else
    bad="$bad postgres-query"
  fi
  diff -q "$d/summary.expected.tsv" "$d/summary.postgres.csv" >/dev/null 2>&1 || bad="$bad postgres-summary"
  if [ -n "$bad" ]; then
    fails=$((fails + 1))
    if [ $fails -le 3 ]; then
      echo "FAIL $(basename "$d"):$bad"
      echo "--- program"; cat "$d/program.cohort"
      head -20 "$d/duckdb.diff" "$d/postgres.diff" 2>/dev/null
      cat "$d/duckdb.error" 2>/dev/null
      diff "$d/summary.expected.tsv" "$d/summary.duckdb.tsv" | head -10
      diff "$d/summary.expected.tsv" "$d/summary.postgres.csv" | head -10
    fi
  fi
done
if [ $fails -gt 0 ]; then
  grep -m5 ERROR "$WORK/psql.log"
  echo "FAIL: $fails of ${#dirs[@]} cases differ (rerun one: COHORT_SQL_DIFF_SEED=<seed> COHORT_SQL_DIFF_CASES=1)"
  exit 1
fi
rows=0
for d in "${dirs[@]}"; do rows=$((rows + $(cat "$d"/expected/*/*.csv | wc -l))); done
echo "ok: ${#dirs[@]} cases, lists and summaries identical on DuckDB and PostgreSQL ($rows list lines)"

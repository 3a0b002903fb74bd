#!/usr/bin/env bash
# End to end: the lists of examples/*.cohort on the bundled data are
# byte-identical between `cohort run` (JIT), the SQL on DuckDB and the SQL on
# a throwaway PostgreSQL 15; summary counters equal; the generated text of
# every dialect matches tests/sql/golden/ (COHORT_UPDATE_GOLDEN=1 rewrites);
# E0601 and usage errors. Spark is checked by golden text only.
#
#   run_sql_e2e.sh COHORT SOURCE_DIR
set -u
cohort=$1
src=$2
. "$src/tests/sql/common.sh"
golden="$src/tests/sql/golden"
today=2026-11-23
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- Golden text of every dialect (no engine needed) -------------------------
examples=(telehealth primary_care referrals outcomes contacts)
# tests/sql/outcomes.cohort: message variants (issue 12), whose lists carry a
# `variant` column that the SQL must reproduce byte for byte.
# tests/cli_ci/contacts/contacts.cohort: contact history and a frequency cap
# (issue 12; Spark: E0601), run with a ledger (contacts_reference below).
cohort_file() {
  case $1 in
    outcomes) echo "$src/tests/sql/outcomes.cohort" ;;
    contacts) echo "$src/tests/cli_ci/contacts/contacts.cohort" ;;
    *) echo "$src/examples/$1.cohort" ;;
  esac
}
for ex in "${examples[@]}"; do
  for d in postgres duckdb spark; do
    for kind in lists summary ddl; do
      flag=""
      [ $kind = summary ] && flag=--summary
      [ $kind = ddl ] && flag=--ddl
      got=$("$cohort" sql "$(cohort_file $ex)" --dialect $d --today $today $flag 2>&1 | sed "s|$src/||")
      file="$golden/$ex.$kind.$d.sql"
      if [ "${COHORT_UPDATE_GOLDEN:-}" = 1 ] || [ "${COHORT_UPDATE_GOLDEN:-}" = all ]; then
        mkdir -p "$golden"
        printf '%s\n' "$got" >"$file"
      elif ! diff -u "$file" <(printf '%s\n' "$got") >/dev/null 2>&1; then
        fail "golden $ex.$kind.$d.sql differs (COHORT_UPDATE_GOLDEN=1 rewrites it)"
        diff -u "$file" <(printf '%s\n' "$got") | head -20
      fi
    done
  done
done

# ---- Errors: E0601 for a construct a dialect cannot express; usage ----------
make_work
cat >"$WORK/export_decimal.cohort" <<'COH'
use "provider.schema"
segment Leaky "exports a decimal"
  where in_network
  channel email if consent
  message "m" cta "c"
  purpose operations
  export leakage_rate
COH
cp "$src/examples/provider.schema" "$WORK/"
out=$("$cohort" sql "$WORK/export_decimal.cohort" --dialect postgres --today $today 2>&1)
code=$?
[ $code = 1 ] || fail "E0601: exit $code, expected 1"
grep -q 'error\[E0601\]: the `postgres` SQL dialect cannot express the export of `leakage_rate`' <<<"$out" ||
  fail "E0601 message: $out"
# The whole rendered diagnostic is a golden (tests/file_test/diag_coverage.sh
# finds E0601 there); COHORT_UPDATE_GOLDEN=1 rewrites it.
e0601_golden="$golden/e0601.expected"
e0601_actual=$(sed "s#$WORK/##g" <<<"$out")
if [ "${COHORT_UPDATE_GOLDEN:-}" = 1 ]; then
  printf '%s\n' "$e0601_actual" >"$e0601_golden"
elif [ "$(cat "$e0601_golden" 2>/dev/null)" != "$e0601_actual" ]; then
  fail "E0601 output differs from $e0601_golden (COHORT_UPDATE_GOLDEN=1 rewrites it)"
fi
"$cohort" sql "$src/examples/telehealth.cohort" --dialect oracle >/dev/null 2>&1
[ $? = 2 ] || fail "an unknown dialect is a usage error (2)"
"$cohort" sql "$src/examples/telehealth.cohort" --today 2026-13-01 >/dev/null 2>&1
[ $? = 2 ] || fail "a bad --today is a usage error (2)"

# ---- Engines ---------------------------------------------------------------
need_tools
pg_start "$WORK/pg" 5432 || { echo "FAIL: cannot start PostgreSQL"; exit 1; }
data_of() { [ "$1" = referrals ] && echo "$src/examples/data-providers" || echo "$src/examples/data"; }
tables_of() {
  case $1 in
    referrals) echo "providers referrals" ;;
    contacts) echo "patients events contacts" ;;
    *) echo "patients events" ;;
  esac
}
table_csv() { [ "$2" = contacts ] && echo "$WORK/contacts/contacts.csv" || echo "$(data_of $1)/$2.csv"; }
# Contact history and caps (issue 12): a first run on 2026-11-16 fills the
# ledger; the reference is the run of $today with it. The SQL reads the
# ledger's channel-list rows as the table `contacts`; `--source` runs take
# `--ledger` (each mode a copy of the first day's ledger). Some rows must be
# capped, or the comparison proves nothing about caps.
contacts_reference() {  # DIR
  local e=$1 cf
  cf=$(cohort_file contacts)
  "$cohort" run "$cf" --data "$src/examples/data" --out "$e/day1" --today 2026-11-16 --ledger "$e/ledger" --quiet ||
    fail "contacts: first run"
  for copy in ref pull pushdown; do cp -r "$e/ledger" "$e/ledger-$copy"; done
  "$cohort" run "$cf" --data "$src/examples/data" --out "$e/jit" --today $today --ledger "$e/ledger-ref" --quiet ||
    fail "contacts: reference run"
  python3 - "$e/jit/summary.json" <<'PY' || fail "contacts: the reference run caps nothing"
import json, sys
assert sum(c["capped"] for s in json.load(open(sys.argv[1]))["segments"] for c in s["channels"]) > 0
PY
  python3 - "$e/ledger" "$e/contacts.csv" <<'PY'
import csv, glob, sys
with open(sys.argv[2], "w", newline="") as out:
  w = csv.writer(out, lineterminator="\n")
  w.writerow(["key", "channel", "send_on"])
  for f in sorted(glob.glob(sys.argv[1] + "/run-*.csv")):
    for r in csv.DictReader(open(f, newline="")):
      if r["list"] != "holdout": w.writerow([r["key"], r["list"], r["send_on"]])
PY
}
jobs="$WORK/jobs.json"
echo "[" >"$jobs"
sep=""
for ex in "${examples[@]}"; do
  e="$WORK/$ex"
  mkdir -p "$e"
  data=$(data_of $ex)
  if [ $ex = contacts ]; then
    contacts_reference "$e"
  else
    "$cohort" run "$(cohort_file $ex)" --data "$data" --out "$e/jit" --today $today --engine jit --quiet ||
      fail "$ex: cohort run"
  fi
  "$cohort" sql "$(cohort_file $ex)" --manifest >"$e/manifest.json"
  for d in postgres duckdb; do
    "$cohort" sql "$(cohort_file $ex)" --dialect $d --today $today >"$e/lists.$d.sql" || fail "$ex: cohort sql $d"
    "$cohort" sql "$(cohort_file $ex)" --dialect $d --today $today --summary >"$e/summary.$d.sql"
    "$cohort" sql "$(cohort_file $ex)" --dialect $d --ddl >"$e/ddl.$d.sql"
  done
  tables="{"
  tsep=""
  for t in $(tables_of $ex); do tables="$tables$tsep\"$t\": \"$(table_csv $ex $t)\""; tsep=", "; done
  tables="$tables}"
  printf '%s{"ddl": "%s/ddl.duckdb.sql", "tables": %s, "query": "%s/lists.duckdb.sql", "summary": "%s/summary.duckdb.sql", "summary_out": "%s/summary.duckdb.tsv", "manifest": "%s/manifest.json", "out": "%s/duckdb"}\n' \
    "$sep" "$e" "$tables" "$e" "$e" "$e" "$e" "$e" >>"$jobs"
  sep=","
  # PostgreSQL: a schema per example, COPY of the CSV files unchanged.
  {
    echo "CREATE SCHEMA $ex; SET search_path = $ex;"
    cat "$e/ddl.postgres.sql"
    for t in $(tables_of $ex); do echo "\\copy $t FROM '$(table_csv $ex $t)' (FORMAT csv, HEADER)"; done
    echo "\\o $e/rows.postgres.csv"
    printf 'COPY (\n'; sed -e '$ s/;[[:space:]]*$//' "$e/lists.postgres.sql"; printf '\n) TO STDOUT (FORMAT csv, HEADER);\n'
    echo "\\o $e/summary.postgres.tsv"
    printf 'COPY (\n'; sed -e '$ s/;[[:space:]]*$//' "$e/summary.postgres.sql"; printf '\n) TO STDOUT (FORMAT csv, DELIMITER E'"'"'\\t'"'"');\n'
    echo "\\o"
  } >"$e/pg.sql"
  pg_psql "$WORK/pg" 5432 -f "$e/pg.sql" >"$e/psql.log" 2>&1 || { fail "$ex: psql"; cat "$e/psql.log"; }
done
echo "]" >>"$jobs"
node "$here/sqlrun.mjs" duckdb "$jobs" || fail "duckdb queries"

for ex in "${examples[@]}"; do
  e="$WORK/$ex"
  node "$here/sqlrun.mjs" lists "$e/rows.postgres.csv" "$e/manifest.json" "$e/postgres" || fail "$ex: postgres rows"
  node "$here/sqlrun.mjs" summary-json "$e/jit/summary.json" >"$e/summary.expected.tsv"
  for d in duckdb postgres; do
    if diff -r -x summary.json "$e/jit" "$e/$d" >"$e/$d.diff" 2>&1; then
      n=$(cat "$e/$d"/*/*.csv | wc -l)
      echo "ok: $ex lists identical, JIT vs SQL on $d ($n lines)"
    else
      fail "$ex: lists differ, JIT vs SQL on $d"
      head -20 "$e/$d.diff"
    fi
    diff -u "$e/summary.expected.tsv" "$e/summary.$d.tsv" >"$e/$d.sdiff" 2>&1 || { fail "$ex: summary differs on $d"; head -20 "$e/$d.sdiff"; }
  done
done
# ---- PostgreSQL as source (pull + JIT) and target (--pushdown) ---------------
sock="$WORK/pg"
for ex in "${examples[@]}"; do
  e="$WORK/$ex"
  uri="postgresql:///postgres?host=$sock&port=5432&user=postgres&options=-csearch_path%3D$ex"
  # The ledger upload must provide the contacts table, not the schema.
  [ $ex = contacts ] && pg_psql "$sock" 5432 -c 'DROP TABLE contacts.contacts' >/dev/null
  for mode in pull pushdown; do
    flag=""
    [ $mode = pushdown ] && flag=--pushdown
    [ $ex = contacts ] && flag="$flag --ledger $e/ledger-$mode"
    if "$cohort" run "$(cohort_file $ex)" --source "$uri" $flag --out "$e/$mode" --today $today --quiet \
        --audit "$WORK/audit.jsonl" 2>"$e/$mode.err"; then
      if diff -r -x summary.json "$e/jit" "$e/$mode" >"$e/$mode.diff" 2>&1; then
        echo "ok: $ex lists identical, JIT from CSV vs --source postgres ($mode)"
      else
        fail "$ex: lists differ, JIT vs --source ($mode)"; head -20 "$e/$mode.diff"
      fi
      node "$here/sqlrun.mjs" summary-json "$e/$mode/summary.json" >"$e/$mode.summary.tsv"
      diff -u "$e/summary.expected.tsv" "$e/$mode.summary.tsv" >/dev/null || fail "$ex: summary.json differs ($mode)"
    else
      fail "$ex: cohort run --source ($mode) failed"; cat "$e/$mode.err"
    fi
  done
done

# Contacts (issue 12): pull records the run in the ledger; pushdown does not
# (and says so); without a ledger a database run is E0703 (exit 2).
e="$WORK/contacts"
[ "$(ls "$e/ledger-pull" | wc -l)" = 2 ] || fail "contacts: the pulled run was not recorded in the ledger"
[ "$(ls "$e/ledger-pushdown" | wc -l)" = 1 ] || fail "contacts: the pushdown run changed the ledger"
grep -q "not recorded in the ledger" "$e/pushdown.err" || fail "contacts: pushdown does not say the run is not recorded"
"$cohort" run "$(cohort_file contacts)" --source "postgresql:///postgres?host=$sock&port=5432&user=postgres&options=-csearch_path%3Dcontacts" \
  --pushdown --out "$e/noledger" --today $today >"$e/noledger.err" 2>&1
[ $? = 2 ] && grep -q 'E0703' "$e/noledger.err" || fail "contacts: --source without --ledger is not E0703"

# Errors: exit 3, nothing written, never a password (URI or PGPASSWORD).
secret=An0therS3cretPw
envsecret=Sup3rS3cretEnvPw
check_error() {  # NAME URI PATTERN [--pushdown]
  local name=$1 uri=$2 pattern=$3
  shift 3
  PGPASSWORD=$envsecret "$cohort" run "$src/examples/telehealth.cohort" --source "$uri" "$@" --out "$WORK/err-$name" \
    --today $today --audit "$WORK/audit.jsonl" >"$WORK/err-$name.out" 2>&1
  local code=$?
  [ $code = 3 ] || fail "$name: exit $code, expected 3"
  [ -e "$WORK/err-$name" ] && fail "$name: an output was written"
  grep -q -e "$secret" -e "$envsecret" "$WORK/err-$name.out" && fail "$name: a password appears in the output"
  grep -q "$pattern" "$WORK/err-$name.out" || { fail "$name: expected \`$pattern\` in:"; cat "$WORK/err-$name.out"; }
}
check_error refused "postgresql://postgres:$secret@127.0.0.1:1/postgres" "cannot connect"
check_error refused-env "postgresql://postgres@127.0.0.1:1/postgres" "cannot connect"
check_error badsocket "postgresql://postgres:$secret@/postgres?host=$WORK/nowhere" "cannot connect"
check_error notable "postgresql://postgres:$secret@/postgres?host=$sock&port=5432&options=-csearch_path%3Dnothere" \
  'cannot read table `patients`: ERROR:  relation "patients" does not exist'
check_error notable-push "postgresql://postgres:$secret@/postgres?host=$sock&port=5432&options=-csearch_path%3Dnothere" \
  'relation "patients" does not exist' --pushdown
pg_psql "$sock" 5432 -c 'CREATE SCHEMA broken; CREATE TABLE broken.patients AS SELECT * FROM telehealth.patients; ALTER TABLE broken.patients DROP COLUMN "consent.sms"; CREATE TABLE broken.events AS SELECT * FROM telehealth.events;' >/dev/null
check_error nocolumn "postgresql://postgres:$secret@/postgres?host=$sock&port=5432&options=-csearch_path%3Dbroken" \
  'column "consent.sms" does not exist'

# The audit log of these runs (issue 11): a valid chain, the tables with
# their row counts, the pushdown engine, exit 3 for the failures, no password.
"$cohort" audit verify "$WORK/audit.jsonl" >/dev/null || fail "audit chain of the PostgreSQL runs"
grep -q '"engine":"sql-pushdown"' "$WORK/audit.jsonl" || fail "audit: no pushdown entry"
grep -q '"rows":2000,"table":"patients"' "$WORK/audit.jsonl" || fail "audit: the patients table's row count is missing"
grep -q '"exit":3' "$WORK/audit.jsonl" || fail "audit: failed runs are not logged"
grep -q -e "$secret" -e "$envsecret" "$WORK/audit.jsonl" && fail "audit: a password appears in the log"
# Runs of the contacts program: the ledger is no database table, and the one
# list table (events) keeps its row count.
python3 - "$WORK/audit.jsonl" <<'PY' || fail "audit: the contacts runs' inputs"
import json, sys
runs = [e for e in map(json.loads, open(sys.argv[1])) if any(l["segment"] == "Recall" for l in e.get("lists", []))]
assert len(runs) == 2, len(runs)
for e in runs:
  tables = {i["table"]: i for i in e["inputs"]}
  assert "contacts" not in tables and "rows" in tables["events"], e["inputs"]
PY

# The comparison itself must be able to fail: a changed list is noticed.
e="$WORK/telehealth"
f=$(ls "$e/duckdb"/*/sms.csv | head -1)
sed -i '2d' "$f"
diff -r -x summary.json "$e/jit" "$e/duckdb" >/dev/null 2>&1 && fail "a removed row was not noticed"

[ $fails = 0 ] || { echo "$fails failures"; exit 1; }
echo "ok: sql e2e"

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
  # --validate all: the SQL counts every events row; a CSV run of a program
  # that reads no list field (this one) does not read the events rows.
  "$cohort" run "$cf" --data "$src/examples/data" --out "$e/jit" --today $today --ledger "$e/ledger-ref" \
    --validate all --quiet || fail "contacts: reference run"
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
    # --validate all, as the reference: events rows are counted even where
    # the program reads no list field (contacts).
    if "$cohort" run "$(cohort_file $ex)" --source "$uri" $flag --out "$e/$mode" --today $today --quiet \
        --validate all --audit "$WORK/audit.jsonl" 2>"$e/$mode.err"; then
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

# Contacts (issue 12): pull and pushdown record the run in the ledger, the
# same rows as the `--data` run (the run id apart: pull hashes the pulled
# files, pushdown fingerprints the tables in the server); a same-day re-run
# is recognised; one changed row gives another run id; a day-1 pushdown's
# rows are the contact history a day-2 pushdown caps with, as with `--data`.
# Without a ledger a database run is E0703 (exit 2).
ledger_rows() {  # LEDGER_DIR DATE: the run's rows without the run_id column
  local f
  f=$(ls "$1"/run-"$2"-*.csv 2>/dev/null)
  [ "$(wc -w <<<"$f")" = 1 ] || { echo "no single run of $2 in $1: $f"; return; }
  cut -d, -f2- "$f"
}
run_id_of() { ls "$1"/run-"$2"-*.csv | sed 's/.*-\([0-9a-f]*\)\.csv$/\1/'; }
same_rows() {  # WHAT DIR_A DIR_B DATE
  local a b
  a=$(ledger_rows "$2" "$4")
  b=$(ledger_rows "$3" "$4")
  [ "$(wc -l <<<"$a")" -gt 1 ] || fail "$1: the ledger run of $4 in $2 has no rows"
  [ "$a" = "$b" ] || { fail "$1: ledger rows differ, $2 vs $3"; diff <(echo "$a") <(echo "$b") | head -10; }
}
e="$WORK/contacts"
cf=$(cohort_file contacts)
curi="postgresql:///postgres?host=$sock&port=5432&user=postgres&options=-csearch_path%3Dcontacts"
for mode in pull pushdown; do
  [ "$(ls "$e/ledger-$mode" | wc -l)" = 2 ] || fail "contacts: the $mode run was not recorded in the ledger"
  same_rows "contacts ($mode)" "$e/ledger-ref" "$e/ledger-$mode" $today
done
[ "$(run_id_of "$e/ledger-pushdown" $today)" != "$(run_id_of "$e/ledger-pull" $today)" ] ||
  fail "contacts: pushdown and pull runs have the same run id (the fingerprint is not the file hash)"
"$cohort" run "$cf" --source "$curi" --pushdown --ledger "$e/ledger-pushdown" --out "$e/pushdown2" --today $today \
  --quiet 2>"$e/pushdown2.err" || fail "contacts: pushdown re-run failed: $(cat "$e/pushdown2.err")"
grep -q "already in the ledger" "$e/pushdown2.err" || fail "contacts: a same-day pushdown re-run is not recognised"
[ "$(ls "$e/ledger-pushdown" | wc -l)" = 2 ] || fail "contacts: a same-day pushdown re-run was recorded again"
diff -r "$e/pushdown" "$e/pushdown2" >/dev/null || fail "contacts: the re-run (its own rows excluded) decided otherwise"
# One changed row: another run id (a copy of the day-1 ledger); back: the same.
[ "$(pg_psql "$sock" 5432 -tA -c "UPDATE contacts.patients SET language = 'es' WHERE id = 'P0000001' AND language = 'en' RETURNING id")" = P0000001 ] ||
  fail "contacts: the test row was not changed"
cp -r "$e/ledger" "$e/ledger-changed"
"$cohort" run "$cf" --source "$curi" --pushdown --ledger "$e/ledger-changed" --out "$e/changed" --today $today --quiet \
  2>"$e/changed.err" || fail "contacts: pushdown on the changed row failed: $(cat "$e/changed.err")"
[ "$(run_id_of "$e/ledger-changed" $today)" != "$(run_id_of "$e/ledger-pushdown" $today)" ] ||
  fail "contacts: a changed row in the database gives the same run id"
pg_psql "$sock" 5432 -c "UPDATE contacts.patients SET language = 'en' WHERE id = 'P0000001'" >/dev/null
"$cohort" run "$cf" --source "$curi" --pushdown --ledger "$e/ledger-pushdown" --out "$e/pushdown3" --today $today \
  --quiet 2>"$e/pushdown3.err" || fail "contacts: pushdown after the revert failed"
grep -q "already in the ledger" "$e/pushdown3.err" || fail "contacts: the reverted row does not give the first run id"
# Two days of pushdown from an empty ledger (a directory not there yet).
for day in 2026-11-16 $today; do
  "$cohort" run "$cf" --source "$curi" --pushdown --ledger "$e/ledger-pd" --out "$e/pd-$day" --today $day --quiet \
    2>"$e/pd.err" || fail "contacts: pushdown of $day from an empty ledger failed: $(cat "$e/pd.err")"
done
same_rows "contacts (pushdown, day 1)" "$e/ledger" "$e/ledger-pd" 2026-11-16
same_rows "contacts (pushdown, day 2 after a pushdown day 1)" "$e/ledger-ref" "$e/ledger-pd" $today
diff -r -x summary.json "$e/jit" "$e/pd-$today" >/dev/null || fail "contacts: day-2 lists after a pushdown day 1 differ from --data"
# Holdout and variant rows (tests/sql/outcomes.cohort): the same in all three.
e="$WORK/outcomes"
ouri="postgresql:///postgres?host=$sock&port=5432&user=postgres&options=-csearch_path%3Doutcomes"
"$cohort" run "$(cohort_file outcomes)" --data "$(data_of outcomes)" --ledger "$e/ledger-data" --out "$e/ldata" \
  --today $today --quiet || fail "outcomes: --data run with a ledger"
for mode in pull pushdown; do
  flag=""
  [ $mode = pushdown ] && flag=--pushdown
  "$cohort" run "$(cohort_file outcomes)" --source "$ouri" $flag --ledger "$e/ledger-$mode" --out "$e/l$mode" \
    --today $today --quiet || fail "outcomes: $mode run with a ledger"
  same_rows "outcomes ($mode)" "$e/ledger-data" "$e/ledger-$mode" $today
done
grep -q ',holdout,0,' "$e"/ledger-pushdown/run-*.csv || fail "outcomes: the pushdown ledger has no holdout rows"
grep -q ',sms,1,[0-9-]*,B$' "$e"/ledger-pushdown/run-*.csv || fail "outcomes: the pushdown ledger has no variant"
e="$WORK/contacts"
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

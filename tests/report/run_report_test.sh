#!/usr/bin/env bash
# cohort report and the audit log, end to end: numbers against independent
# computations (DuckDB, the written lists), suppression invariants, the HTML
# page in headless Chromium, the audit chain through the CLI.
# usage: run_report_test.sh COHORT SOURCE_DIR
set -euo pipefail
COHORT=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
NM=${COHORT_NODE_MODULES:-}
need_tools() {
  # In CI every tool must be there; elsewhere a missing one skips (77).
  local missing=""
  command -v node > /dev/null || missing+=" node"
  command -v "${CHROMIUM:-chromium}" > /dev/null || missing+=" chromium"
  [ -n "$NM" ] && [ -d "$NM/@duckdb/node-api" ] || missing+=" @duckdb/node-api (COHORT_NODE_MODULES)"
  if [ -n "$missing" ]; then
    [ "${CI:-}" = "true" ] && fail "missing test tools:$missing"
    echo "skip: missing$missing"; exit 77
  fi
}
need_tools
TODAY=2026-11-23
"$COHORT" gen --patients 3000 --seed 11 --out "$T/data" --today $TODAY > /dev/null
F=$SRC/tests/report/oracle.cohort

echo "== report numbers against DuckDB and the lists"
"$COHORT" run "$F" --data "$T/data" --out "$T/out" --today $TODAY --quiet --audit "$T/audit.jsonl"
"$COHORT" report "$F" --data "$T/data" --out "$T/raw.json" --today $TODAY --min-cell 0 --audit "$T/audit.jsonl" 2> /dev/null
node "$SRC/tests/report/report_oracle.mjs" "$T/data" "$T/out" "$T/raw.json"
# The interpreter gives the same report as the JIT.
"$COHORT" report "$F" --data "$T/data" --out "$T/interp.json" --today $TODAY --min-cell 0 --engine interp 2> /dev/null
diff <(grep -v '"engine"' "$T/raw.json") <(grep -v '"engine"' "$T/interp.json") > /dev/null || fail "interp and jit reports differ"

echo "== small-cell suppression"
"$COHORT" report "$F" --data "$T/data" --out "$T/report.json" --today $TODAY --audit "$T/audit.jsonl" 2> /dev/null
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const bad = [];
// No count from 1 to 10 is shown anywhere.
(function walk(v, at) {
  if (typeof v === "number" && Number.isInteger(v) && v >= 1 && v < 11 && !/(min_cell|window_days|step|share_removed|share_yes)$/.test(at)) bad.push(at);
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, at + "." + k);
})(r, "");
// No clause total whose groups leave exactly one hidden cell.
const h = (v) => typeof v === "string";
let hidden = 0;
for (const e of r.equity) {
  const seg = r.segments.find((s) => s.name === e.segment).steps[e.step];
  for (const f of ["entering", "removed"]) {
    const n = e.groups.filter((g) => h(g[f])).length + (h(seg[f]) ? 1 : 0);
    hidden += n;
    if (n === 1) bad.push(`${e.segment} step ${e.step} by ${e.by}: one hidden ${f}`);
  }
}
if (hidden === 0) bad.push("nothing was suppressed: the data has no small cell?");
if (bad.length) { console.error("FAIL: " + bad.slice(0, 10).join("\n")); process.exit(1); }
console.log(`ok: ${hidden} hidden cells, none recomputable`);
' "$T/report.json"
grep -q '"<11"' "$T/report.json" || fail "no <11 cell in the suppressed report"

echo "== HTML in headless Chromium"
"$COHORT" report "$F" --data "$T/data" --out "$T/report.html" --today $TODAY 2> /dev/null
grep -qiE '<script|https?://|<link|@import|src=' "$T/report.html" && fail "the page refers to a script or an external resource"
node --experimental-websocket "$SRC/tests/report/browser_test.mjs" "$T/report.html" "$T/report.json" "$T/report.png"
[ -s "$T/report.png" ] || fail "no screenshot"
[ -n "${COHORT_REPORT_SCREENSHOT:-}" ] && cp "$T/report.png" "$COHORT_REPORT_SCREENSHOT"

echo "== usage errors"
set +e
"$COHORT" report "$F" --data "$T/data" --out "$T/x.html" --by conditions 2> "$T/err"; [ $? -eq 2 ] || fail "--by a sensitive field must be a usage error"
grep -q "sensitive" "$T/err" || fail "the --by error should say the field is sensitive"
"$COHORT" report "$F" --data "$T/nowhere" --out "$T/x.html" --audit "$T/audit.jsonl" 2> /dev/null; [ $? -eq 3 ] || fail "a missing data dir is a data error"
[ -e "$T/x.html" ] && fail "a failed report wrote output"
set -e

echo "== the audit log"
"$COHORT" audit verify "$T/audit.jsonl" > "$T/verify" || fail "audit chain should verify"
grep -q "4 entries, chain intact" "$T/verify" || fail "expected 4 entries: $(cat "$T/verify")"
# No key and no field value in the log (keys look like P0000001).
grep -qE 'P[0-9]{7}' "$T/audit.jsonl" && fail "the audit log holds a record key"
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const run = lines[0];
for (const f of ["time","user","host","version","argv","sources","inputs","today","engine","lists","exit","seq","prev","hash"])
  if (!(f in run)) { console.error("FAIL: run entry lacks " + f); process.exit(1); }
if (!run.lists.every((l) => /^[0-9a-f]{64}$/.test(l.sha256))) { console.error("FAIL: list hashes"); process.exit(1); }
if (lines[3].exit !== 3) { console.error("FAIL: the failed report is logged with exit 3"); process.exit(1); }
' "$T/audit.jsonl"
sha=$(sha256sum "$T/out/Spanish/sms.csv" | cut -d" " -f1)
grep -q "$sha" "$T/audit.jsonl" || fail "the list's SHA-256 is not in the log"
# Tampering: change one count in line 2; verify names line 2 and exits 1.
sed -i '2s/"min_cell":0/"min_cell":1/' "$T/audit.jsonl"
set +e
"$COHORT" audit verify "$T/audit.jsonl" > "$T/verify"; code=$?
set -e
[ $code -eq 1 ] || fail "a tampered log must exit 1 (got $code)"
grep -q "audit.jsonl:2:" "$T/verify" || fail "verify should name line 2: $(cat "$T/verify")"
echo "== the contact ledger"
"$COHORT" run "$F" --data "$T/data" --out "$T/lout" --today $TODAY --quiet --ledger "$T/ledger"
"$COHORT" run "$F" --data "$T/data" --out "$T/lout" --today $TODAY --quiet --ledger "$T/ledger" 2> "$T/err"
grep -q "already in the ledger" "$T/err" || fail "a re-run with the same inputs should be recognised"
[ "$(ls "$T/ledger" | wc -l)" -eq 1 ] || fail "a re-run must not add a ledger file"
rows=$(cat "$T"/lout/*/*.csv | grep -vc '^key')
lrows=$(tail -n +2 "$T"/ledger/run-*.csv | wc -l)
[ "$rows" -eq "$lrows" ] || fail "ledger rows $lrows != list rows $rows"
# Every list row is in the ledger with its list and send date.
for f in "$T"/lout/*/*.csv; do
  seg=$(basename "$(dirname "$f")"); list=$(basename "$f" .csv)
  n=$(grep -c ",$seg,$list," "$T"/ledger/run-*.csv || true)
  [ "$n" -eq "$(tail -n +2 "$f" | wc -l)" ] || fail "ledger rows of $seg/$list"
done
"$COHORT" run "$F" --data "$T/data" --out "$T/lout" --today 2026-11-24 --quiet --ledger "$T/ledger"
[ "$(ls "$T/ledger" | wc -l)" -eq 2 ] || fail "another day is another ledger file"
echo "report tests passed"

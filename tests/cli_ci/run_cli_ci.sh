#!/usr/bin/env bash
# CLI goldens for CI features: `cohort test` (summary line, exit codes, JUnit),
# `cohort check --format sarif|json`, `--strict`, and CLI diagnostics that
# only the CLI produces (unreadable file, invalid tests). Runs on the
# file-test harness (tests/file_test/file_test.sh): COHORT_UPDATE_GOLDEN=1
# rewrites the expected files that differ.
# Usage: run_cli_ci.sh COHORT SRC_DIR
set -u
COHORT=$1
SRC=$2
DIR=$SRC/tests/cli_ci
cd "$SRC" || exit 2
source "$SRC/tests/file_test/file_test.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {  # name expected_exit actual_exit golden_file actual_file
  local name=$1 want=$2 got=$3 golden=$4 actual=$5
  if [ "$want" != "$got" ]; then
    ft_fail "$name: exit $got, expected $want" "$(head -20 "$actual")"
    return
  fi
  ft_expect "$name" "$golden" "$actual"
}

# cohort test: passing suite.
"$COHORT" test tests/cli_ci/pass --junit "$tmp/pass.xml" > "$tmp/pass.out" 2>&1; rc=$?
check "test pass" 0 $rc "$DIR/pass.expected" "$tmp/pass.out"
[ "$(tail -n 1 "$tmp/pass.out")" = "4 passed, 0 failed" ] || ft_fail "summary line (pass)"

# cohort test: failing suite, JUnit content (times removed).
# Failures every engine agrees on are reported once, tagged with all engines
# this build has (`[interp, jit]` with the JIT); goldens say [ENGINES].
engines="interp"
printf 'use Patient\n' > "$tmp/probe.cohort"
"$COHORT" check --emit llvm "$tmp/probe.cohort" > /dev/null 2>&1 && engines="interp, jit"
"$COHORT" test tests/cli_ci/fail --junit "$tmp/fail.xml" > "$tmp/fail.raw" 2>&1; rc=$?
grep -q "\[$engines\] expect" "$tmp/fail.raw" || ft_fail "failures not tagged [$engines]"
sed "s/\[$engines\]/[ENGINES]/g" "$tmp/fail.raw" > "$tmp/fail.out"
check "test fail" 1 $rc "$DIR/fail.expected" "$tmp/fail.out"
[ "$(tail -n 1 "$tmp/fail.out")" = "1 passed, 1 failed" ] || ft_fail "summary line (fail)"
sed -E -e 's/time="[0-9.]+"/time="T"/g' -e "s/\[$engines\]/[ENGINES]/g" "$tmp/fail.xml" > "$tmp/fail.junit"
check "junit" 1 1 "$DIR/fail.junit.expected" "$tmp/fail.junit"

# Coverage report and threshold.
"$COHORT" test tests/cli_ci/pass --coverage > "$tmp/cov.out" 2>&1; rc=$?
check "coverage" 0 $rc "$DIR/coverage.expected" "$tmp/cov.out"
"$COHORT" test tests/cli_ci/pass --min-coverage 100 > "$tmp/mincov.out" 2>&1; rc=$?
check "min-coverage" 1 $rc "$DIR/mincov.expected" "$tmp/mincov.out"

# Fixture type errors are diagnostics with locations (check and test).
"$COHORT" check tests/cli_ci/bad_fixture.cohort > "$tmp/bad.out" 2>&1; rc=$?
check "bad fixture" 1 $rc "$DIR/bad_fixture.expected" "$tmp/bad.out"

# Strict mode.
"$COHORT" check tests/cli_ci/strict.cohort > "$tmp/nostrict.out" 2>&1; rc=$?
check "not strict" 0 $rc "$DIR/nostrict.expected" "$tmp/nostrict.out"
"$COHORT" check --strict tests/cli_ci/strict.cohort > "$tmp/strict.out" 2>&1; rc=$?
check "strict" 1 $rc "$DIR/strict.expected" "$tmp/strict.out"

# Diagnostics only the CLI produces: a file that cannot be read (E0501) and
# an invalid test block (E0312).
"$COHORT" check tests/cli_ci/does_not_exist.cohort > "$tmp/unreadable.out" 2>&1; rc=$?
check "unreadable file" 1 $rc "$DIR/unreadable.expected" "$tmp/unreadable.out"
"$COHORT" check tests/cli_ci/invalid_test.cohort > "$tmp/invalid_test.out" 2>&1; rc=$?
check "invalid test" 1 $rc "$DIR/invalid_test.expected" "$tmp/invalid_test.out"

# Issue 12: contact history. Without `--ledger` a program that reads it is
# E0702 (exit 2) in run, report and repl; with `--source` it is E0703. Two
# runs on different days: the second excludes and caps per the first's rows,
# and an identical re-run of the second does not count itself.
C=tests/cli_ci/contacts/contacts.cohort
"$COHORT" run $C --data examples/data --out "$tmp/c-out" --today 2026-11-23 > "$tmp/c-noledger.out" 2>&1; rc=$?
check "contacts: run without ledger" 2 $rc "$DIR/contacts_noledger.expected" "$tmp/c-noledger.out"
"$COHORT" report $C --data examples/data --out "$tmp/c.json" --today 2026-11-23 > "$tmp/c-report.out" 2>&1; rc=$?
check "contacts: report without ledger" 2 $rc "$DIR/contacts_noledger.expected" "$tmp/c-report.out"
"$COHORT" repl --data examples/data --today 2026-11-23 $C < /dev/null > "$tmp/c-repl.out" 2>&1; rc=$?
check "contacts: repl without ledger" 2 $rc "$DIR/contacts_noledger_repl.expected" "$tmp/c-repl.out"
"$COHORT" run $C --source postgresql://nowhere.invalid/db --out "$tmp/c-out" --today 2026-11-23 > "$tmp/c-source.out" 2>&1; rc=$?
check "contacts: run from a database" 2 $rc "$DIR/contacts_source.expected" "$tmp/c-source.out"
"$COHORT" test tests/cli_ci/contacts > "$tmp/c-test.out" 2>&1; rc=$?
check "contacts: cohort test fixtures" 0 $rc "$DIR/contacts_test.expected" "$tmp/c-test.out"
L="$tmp/ledger"
sum() {  # summary.json -> "Segment channel listed capped" lines
  python3 -c "import json,sys
for s in json.load(open(sys.argv[1]))['segments']:
  print(s['name'], 'excluded', s['exclude_removed'], 'members', s['members'])
  for c in s['channels']: print(' ', c['channel'], c['send_on'], 'listed', c['listed'], 'capped', c['capped'])" "$1"
}
{
  "$COHORT" run $C --data examples/data --out "$tmp/c1" --today 2026-11-16 --ledger "$L" --quiet; echo "exit $?"
  sum "$tmp/c1/summary.json"
  "$COHORT" run $C --data examples/data --out "$tmp/c2" --today 2026-11-20 --ledger "$L" --quiet; echo "exit $?"
  sum "$tmp/c2/summary.json"
  "$COHORT" run $C --data examples/data --out "$tmp/c3" --today 2026-11-20 --ledger "$L" --quiet 2>&1 | sed "s#$L#LEDGER#"; echo "exit ${PIPESTATUS[0]}"
  cmp -s "$tmp/c2/Recall/sms.csv" "$tmp/c3/Recall/sms.csv" && echo "re-run: same lists"
  ls "$L" | wc -l | sed 's/^ */ledger files: /'
} > "$tmp/c-ledger.out" 2>&1
check "contacts: two runs with a ledger" 0 0 "$DIR/contacts_ledger.expected" "$tmp/c-ledger.out"
python3 - "$tmp" <<'PY' && ft_ok "contacts: second run excludes and caps per the first" || ft_fail "contacts: second run excludes and caps per the first"
import csv, sys, datetime
tmp = sys.argv[1]
def keys(p): return {r["key"] for r in csv.DictReader(open(p))}
sms1 = keys(f"{tmp}/c1/Recall/sms.csv")
sms2 = keys(f"{tmp}/c2/Recall/sms.csv")
# Texted by sms 4 days before the second run: excluded from it.
assert sms1 and not (sms1 & sms2), "a patient texted on day 1 was texted again on day 2"
# The cap: no key has more than 2 messages in any 14 days across both runs.
sends = {}
for run in ("c1", "c2"):
  for seg, ch in (("Recall", "sms"), ("Recall", "email"), ("Wellness", "sms")):
    for r in csv.DictReader(open(f"{tmp}/{run}/{seg}/{ch}.csv")):
      sends.setdefault(r["key"], []).append(datetime.date.fromisoformat(r["send_on"]))
for k, days in sends.items():
  for d in days:
    n = sum(1 for e in days if d <= e < d + datetime.timedelta(days=14))
    assert n <= 2, (k, sorted(days))
PY
# `cohort report --ledger` on the second day: capped is its own funnel step
# per channel (after the condition), removing what summary.json counts as
# capped, and the channel's listed is what the cap step keeps.
"$COHORT" report $C --data examples/data --out "$tmp/c-report.json" --today 2026-11-20 --ledger "$L" --min-cell 0 > /dev/null 2>&1
python3 - "$tmp" <<'PY' && ft_ok "contacts: report shows capped as a funnel step" || ft_fail "contacts: report shows capped as a funnel step"
import json, sys
tmp = sys.argv[1]
rep = json.load(open(f"{tmp}/c-report.json"))
run = {s["name"]: s for s in json.load(open(f"{tmp}/c2/summary.json"))["segments"]}
total = 0
for seg in rep["segments"]:
  steps = seg["steps"]
  caps = [k for k, st in enumerate(steps) if st["kind"] == "cap"]
  assert len(caps) == len(run[seg["name"]]["channels"]), (seg["name"], [st["kind"] for st in steps])
  for k, ch in zip(caps, run[seg["name"]]["channels"]):
    st, cond = steps[k], steps[k - 1]
    assert cond["kind"] == "condition" and cond["channel"] == st["channel"]
    assert st["removed"] == ch["capped"], (st, ch)
    assert st["entering"] == cond["remaining"] and st["remaining"] == ch["listed"], (st, cond, ch)
    total += ch["capped"]
assert total > 0, "nothing was capped: the check proves nothing"
PY

# JSON and SARIF.
"$COHORT" check --strict --format json tests/cli_ci/strict.cohort > "$tmp/strict.json" 2>/dev/null; rc=$?
check "json" 1 $rc "$DIR/strict.json.expected" "$tmp/strict.json"
"$COHORT" check --strict --format sarif tests/cli_ci/strict.cohort > "$tmp/strict.sarif" 2>/dev/null; rc=$?
sed -E 's#"file://[^"]*"#"file://BASE/"#' "$tmp/strict.sarif" > "$tmp/strict.sarif.norm"
check "sarif" 1 $rc "$DIR/strict.sarif.expected" "$tmp/strict.sarif.norm"

# Structural SARIF validation (always) and sarif-multitool (when installed).
python3 - "$tmp/strict.sarif" <<'PY' && ft_ok "sarif structure" || ft_fail "sarif structure"
import json, sys
log = json.load(open(sys.argv[1]))
assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
run = log["runs"][0]
drv = run["tool"]["driver"]
assert drv["name"] == "cohort" and drv["version"]
ids = [r["id"] for r in drv["rules"]]
assert len(ids) == len(set(ids))
for r in drv["rules"]:
    assert r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["help"]["text"]
    assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
assert run["results"], "no results"
for res in run["results"]:
    assert ids[res["ruleIndex"]] == res["ruleId"]
    assert res["level"] in ("error", "warning", "note") and res["message"]["text"]
    loc = res["locations"][0]["physicalLocation"]
    assert not loc["artifactLocation"]["uri"].startswith("/"), "uri must be repo-relative"
    reg = loc["region"]
    assert reg["startLine"] >= 1 and reg["startColumn"] >= 1
    assert (reg["endLine"], reg["endColumn"]) >= (reg["startLine"], reg["startColumn"])
    assert res["partialFingerprints"]["cohortDiagnostic/v1"]
PY
MT=${SARIF_MULTITOOL:-}
if [ -n "$MT" ] && [ -x "$MT" ]; then
  rm -f "$tmp/validation.sarif"
  "$MT" validate --output "$tmp/validation.sarif" "$tmp/strict.sarif" > "$tmp/mt.out" 2>&1
  if python3 -c "import json,sys; r=json.load(open('$tmp/validation.sarif'))['runs'][0].get('results',[]); sys.exit(1 if r else 0)"; then
    ft_ok "sarif-multitool validate"
  else
    ft_fail "sarif-multitool validate" "$(cat "$tmp/mt.out")"
  fi
else
  echo "skip sarif-multitool (set SARIF_MULTITOOL to the Sarif.Multitool binary of npm @microsoft/sarif-multitool)"
fi

ft_finish cli_ci

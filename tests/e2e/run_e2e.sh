#!/usr/bin/env bash
# End-to-end tests of the `cohort` CLI: exit codes, outputs, invariants that
# must hold whatever the engine (consent, holdout, campaign priority), data
# errors that never leak values, atomic output replacement.
# Reads nothing outside the source tree and its temporary directory, except
# the shared examples (/work/shared/examples, or COHORT_SHARED_EXAMPLES), which
# must keep checking unchanged when present.
# usage: run_e2e.sh /path/to/cohort /path/to/source-tree [jit|nojit]
set -uo pipefail
COHORT=$1
SRC=$2
JIT=${3:-jit}  # whether this build has the JIT (CMake passes it)
SHARED_EXAMPLES=${COHORT_SHARED_EXAMPLES:-/work/shared/examples}
source "$SRC/tests/file_test/file_test.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ok()   { ft_ok "$1"; }
bad()  { ft_fail "$1"; }
expect_exit() { # name expected-code command...
  local name=$1 want=$2; shift 2
  "$@" > "$T/stdout" 2> "$T/stderr"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$name (exit $got)"; else bad "$name: exit $got, wanted $want"; sed 's/^/    /' "$T/stderr" | head -20; fi
}
TODAY=2026-11-23

# ---- check -------------------------------------------------------------------
expect_exit "check bundled examples" 0 "$COHORT" check "$SRC"/examples/*.cohort
if [ -d "$SHARED_EXAMPLES" ]; then
  expect_exit "check shared examples unchanged" 0 "$COHORT" check "$SHARED_EXAMPLES"/*.cohort
fi
cat > "$T/noconsent.cohort" <<'X'
segment A "no consent guard"
  where language == "es"
  channel sms
X
expect_exit "missing consent is a compile error" 1 "$COHORT" check "$T/noconsent.cohort"
grep -q 'noconsent.cohort:3:11: error\[E0301\]' "$T/stderr" && ok "E0301 rendered with file:line:col and code" || { bad "E0301 rendering"; cat "$T/stderr"; }
grep -q 'if consent' "$T/stderr" && ok "fix-it offered" || bad "fix-it missing"
expect_exit "json diagnostics" 1 "$COHORT" check --format json "$T/noconsent.cohort"
grep -q '"code": "E0301"' "$T/stdout" && ok "json has the code" || bad "json output"
expect_exit "no files is a usage error" 2 "$COHORT" check
expect_exit "unknown option is a usage error" 2 "$COHORT" check --frobnicate "$T/noconsent.cohort"
expect_exit "unknown command is a usage error" 2 "$COHORT" frob
expect_exit "unreadable file is a diagnostic" 1 "$COHORT" check "$T/does-not-exist.cohort"
expect_exit "emit ir" 0 "$COHORT" check --emit ir --today $TODAY "$SRC/examples/telehealth.cohort"
"$COHORT" check --emit ir --today $TODAY "$SRC/examples/telehealth.cohort" > "$T/ir2" 2>/dev/null
cmp -s "$T/stdout" "$T/ir2" && ok "IR dump is deterministic" || bad "IR dump differs between runs"

# ---- gen + run ---------------------------------------------------------------
expect_exit "gen" 0 "$COHORT" gen --patients 3000 --seed 7 --today $TODAY --out "$T/data"
"$COHORT" gen --patients 3000 --seed 7 --today $TODAY --out "$T/data2" 2>/dev/null
cmp -s "$T/data/patients.csv" "$T/data2/patients.csv" && cmp -s "$T/data/events.csv" "$T/data2/events.csv" \
  && ok "gen is deterministic" || bad "gen output differs for one seed"

expect_exit "run telehealth (interp)" 0 "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/data" --out "$T/out" --today $TODAY --engine interp
[ -f "$T/out/summary.json" ] && ok "summary.json written" || bad "no summary.json"
for s in IntakeNoBooking FirstTimeSpanish FirstTimeEnglish NoShowTechBarrier NoShowScheduling OverdueChronicCheckin PostDischarge; do
  [ -f "$T/out/$s/holdout.csv" ] || bad "$s/holdout.csv missing"
done
[ -f "$T/out/FirstTimeSpanish/phone.csv" ] && ok "every channel has a list" || bad "missing channel list"
head -1 "$T/out/FirstTimeSpanish/sms.csv" | grep -qx 'key,send_on,message,cta' && ok "list header" || bad "list header"

# Lists sorted by key bytes.
sorted=1
for f in "$T"/out/*/*.csv; do
  tail -n +2 "$f" | cut -d, -f1 | LC_ALL=C sort -c 2>/dev/null || { sorted=0; echo "    unsorted: $f"; }
done
[ $sorted -eq 1 ] && ok "every list sorted by key" || bad "unsorted list"

# Consent: every key in a channel list has that channel's consent flag TRUE.
col() { head -1 "$T/data/patients.csv" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
consent_ok=1
for f in "$T"/out/*/*.csv; do
  ch=$(basename "$f" .csv)
  [ "$ch" = holdout ] && continue
  c=$(col "consent.$ch")
  awk -F, -v c="$c" 'NR==FNR { if (FNR>1) ok[$1]=($c=="true"); next } FNR>1 && !ok[$1] { print FILENAME": "$1; bad=1 } END { exit bad }' \
    "$T/data/patients.csv" "$f" > "$T/consent.txt" || { consent_ok=0; head -3 "$T/consent.txt"; }
done
[ $consent_ok -eq 1 ] && ok "no key listed without consent for that channel" || bad "key listed without consent"

# Holdout: every held-out key's MD5 bucket is below the threshold (10% = 1000).
ho_ok=1
n=0
while read -r key; do
  h=$(printf '%s' "$key:FirstTimeSpanish" | md5sum | cut -c1-8)
  b=$(( 0x$h % 10000 ))
  [ $b -lt 1000 ] || { ho_ok=0; echo "    $key bucket $b"; }
  n=$((n+1))
done < <(tail -n +2 "$T/out/FirstTimeSpanish/holdout.csv")
[ $ho_ok -eq 1 ] && ok "holdout buckets match md5sum ($n keys)" || bad "holdout bucket mismatch"
listed_ok=1
for key in $(tail -n +2 "$T/out/FirstTimeSpanish/sms.csv" | cut -d, -f1 | head -200); do
  h=$(printf '%s' "$key:FirstTimeSpanish" | md5sum | cut -c1-8)
  [ $(( 0x$h % 10000 )) -ge 1000 ] || { listed_ok=0; echo "    $key listed but in holdout range"; }
done
[ $listed_ok -eq 1 ] && ok "listed keys are outside the holdout range" || bad "held-out key listed"

# Campaign priority: a key in IntakeNoBooking lists is in no FirstTime* list.
cat "$T"/out/IntakeNoBooking/*.csv | cut -d, -f1 | sort -u > "$T/intake.keys"
cat "$T"/out/FirstTimeSpanish/*.csv "$T"/out/FirstTimeEnglish/*.csv | cut -d, -f1 | sort -u > "$T/first.keys"
[ -z "$(comm -12 "$T/intake.keys" "$T/first.keys" | grep -v '^key$')" ] && ok "campaign priority removes earlier members from later lists" || bad "campaign overlap"

# send_on = today + after, on every row of lists that have rows (a list with
# only its header proves nothing, so those two must have rows).
send_on_ok() {  # list expected-date: at least one row, every row sent on that date
  awk -F, -v d="$2" 'NR > 1 { n++; if ($2 != d) { print FILENAME": row "NR" sent on "$2; bad = 1 } }
                     END { if (n == 0) { print FILENAME": no rows"; bad = 1 } exit bad }' "$1"
}
send_on_ok "$T/out/FirstTimeSpanish/sms.csv" 2026-11-23 && send_on_ok "$T/out/FirstTimeSpanish/email.csv" 2026-11-25 \
  && ok "send_on is today + after" || bad "send_on"

# Engines agree: the JIT writes byte-identical lists.
if "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/data" --out "$T/out-jit" --today $TODAY --engine jit > "$T/jit.log" 2>&1; then
  if grep -q "using the interpreter" "$T/jit.log"; then
    # A fallback would compare the interpreter with itself: in a JIT build that is a failure.
    if [ "$JIT" = jit ]; then bad "JIT fell back to the interpreter: $(grep -o 'JIT[^;]*' "$T/jit.log" | head -1)"
    else echo "note - no JIT in this build: lists compared with the interpreter only"; fi
  else
    diff -r -x summary.json "$T/out" "$T/out-jit" > /dev/null && ok "JIT lists identical to the interpreter's" || bad "JIT lists differ"
  fi
else
  bad "run with --engine jit failed"
fi

# Output replaced atomically; stale lists of vanished channels removed.
echo "key" > "$T/out/FirstTimeSpanish/fax.csv"
expect_exit "rerun into an existing --out" 0 "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/data" --out "$T/out" --today $TODAY --engine interp --quiet
[ ! -f "$T/out/FirstTimeSpanish/fax.csv" ] && ok "stale list removed" || bad "stale list kept"
ls -a "$T/out" | grep -q cohort-staging && bad "staging dir left behind" || ok "no staging dir left"

# ---- data errors -------------------------------------------------------------
mkdir -p "$T/bad"
head -1 "$T/data/patients.csv" > "$T/bad/patients.csv"
sed -n 2p "$T/data/patients.csv" >> "$T/bad/patients.csv"
bd=$(col birth_date)
sed -n 3p "$T/data/patients.csv" | awk -F, -v OFS=, -v c="$bd" '{ $c="1980-13-45"; print }' >> "$T/bad/patients.csv"
# telehealth does not read birth_date: `run` converts only the columns the
# program reads (column projection); `--validate all` checks every column.
expect_exit "bad date in a column the program does not read: run succeeds" 0 "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/bad" --out "$T/out-unread" --today $TODAY --quiet
expect_exit "bad --validate is a usage error" 2 "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/bad" --out "$T/out-bad" --validate some
expect_exit "bad date is a data error with --validate all" 3 "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/bad" --out "$T/out-bad" --today $TODAY --validate all
grep -q 'patients.csv:3' "$T/stderr" && ok "data error names file and line" || { bad "data error location"; cat "$T/stderr"; }
grep -q 'birth_date' "$T/stderr" && ok "data error names the column" || bad "data error column"
grep -q '1980-13-45' "$T/stderr" && bad "data error leaks the cell value (PHI)" || ok "data error does not print the value"
[ ! -e "$T/out-bad/summary.json" ] && ok "no output on data error" || bad "output written despite data error"
expect_exit "missing data dir is a data error" 3 "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/nope" --out "$T/out-bad" --today $TODAY
expect_exit "run without --out is a usage error" 2 "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/data"
expect_exit "bad --today is a usage error" 2 "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/data" --out "$T/o" --today 2026-02-30
expect_exit "run on a file with errors" 1 "$COHORT" run "$T/noconsent.cohort" --data "$T/data" --out "$T/o"

# A program that reads no list field: under the default `--validate read`
# the events file's header is checked but its rows are not read; `--validate
# all` still checks every row, and so does any program that reads events.
cat > "$T/nolist.cohort" <<'X'
use Patient
segment Spanish "reads no list field"
  where language == "es"
  channel sms if consent
  message "m" cta "c"
X
mkdir -p "$T/badev"
cp "$T/data/patients.csv" "$T/badev/"
{ cat "$T/data/events.csv"; echo 'P0000001,booked'; } > "$T/badev/events.csv"  # too few fields
expect_exit "malformed events row, program reads no list: run succeeds" 0 "$COHORT" run "$T/nolist.cohort" --data "$T/badev" --out "$T/out-nolist" --today $TODAY --quiet
expect_exit "malformed events row is a data error with --validate all" 3 "$COHORT" run "$T/nolist.cohort" --data "$T/badev" --out "$T/out-nolist-all" --today $TODAY --validate all
grep -q 'events.csv:[0-9]*: expected 4 fields' "$T/stderr" && ok "the events error is located" || { bad "events error location"; cat "$T/stderr"; }
expect_exit "malformed events row is a data error for a program reading events" 3 "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/badev" --out "$T/out-badev" --today $TODAY
"$COHORT" run "$T/nolist.cohort" --data "$T/data" --out "$T/out-nolist-good" --today $TODAY --quiet 2>/dev/null
"$COHORT" run "$T/nolist.cohort" --data "$T/data" --out "$T/out-nolist-good-all" --today $TODAY --validate all --quiet 2>/dev/null
cmp -s "$T/out-nolist-good/Spanish/sms.csv" "$T/out-nolist-good-all/Spanish/sms.csv" && ok "unread events change no list" || bad "lists differ with unread events"
python3 - "$T/out-nolist-good/summary.json" "$T/out-nolist-good-all/summary.json" <<'PY' && ok "summary: events not read vs counted" || bad "summary events"
import json, sys
unread, read = (json.load(open(p))["events"] for p in sys.argv[1:])
assert unread == {"read": False}, unread
assert read["rows"] > 0 and "read" not in read, read
PY
"$COHORT" run "$T/nolist.cohort" --data "$T/data" --out "$T/out-nolist-text" --today $TODAY > "$T/stdout" 2>&1
grep -q 'events not read (the program reads no list field)' "$T/stdout" && ok "run table: events not read" || { bad "run table events"; cat "$T/stdout"; }
sed '1s/^patient_id,/owner,/' "$T/data/events.csv" > "$T/badev/events.csv"
expect_exit "events header without its parent column is a data error even when unread" 3 "$COHORT" run "$T/nolist.cohort" --data "$T/badev" --out "$T/out-nolist-hdr" --today $TODAY
grep -q 'events.csv:1: column `patient_id`' "$T/stderr" && ok "the header error names the column" || { bad "events header error"; cat "$T/stderr"; }

# ---- strict headers (issue 14.1) and parallel reading --------------------------
mkdir -p "$T/typo"
sed '1s/next_appointment,/next_appt,/' "$T/data/patients.csv" > "$T/typo/patients.csv"
cp "$T/data/events.csv" "$T/typo/"
expect_exit "a misspelled optional column is a data error" 3 "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/typo" --out "$T/out-typo" --today $TODAY
grep -q 'patients.csv:1: column `next_appointment`' "$T/stderr" && ok "missing column named with file and line" || { bad "missing column message"; cat "$T/stderr"; }
grep -q 'did you mean `next_appointment`?' "$T/stderr" && ok "unknown column suggests the schema's name" || { bad "did you mean"; cat "$T/stderr"; }
[ ! -e "$T/out-typo" ] && ok "nothing written on a header error" || bad "output written despite a header error"
mkdir -p "$T/extra"
awk -F, -v OFS=, 'NR == 1 { print $0, "favourite_colour"; next } { print $0, "" }' "$T/data/patients.csv" > "$T/extra/patients.csv"
cp "$T/data/events.csv" "$T/extra/"
expect_exit "an unknown column is a warning" 0 "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/extra" --out "$T/out-extra" --today $TODAY --quiet
grep -q 'warning: .*favourite_colour' "$T/stderr" && ok "warning names the unknown column" || { bad "unknown column warning"; cat "$T/stderr"; }
expect_exit "an unknown column is an error with --strict-data" 3 "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/extra" --out "$T/out-strict" --today $TODAY --strict-data
[ ! -e "$T/out-strict" ] && ok "nothing written with --strict-data" || bad "output written despite --strict-data"
mkdir -p "$T/nul" && head -1 "$T/data/patients.csv" > "$T/nul/patients.csv"
sed -n 2p "$T/data/patients.csv" | awk -F, -v OFS=, '{ $4="e\001s"; print }' | tr '\001' '\000' >> "$T/nul/patients.csv"
expect_exit "a NUL byte in a text cell is a data error" 3 "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/nul" --out "$T/out-nul" --today $TODAY
grep -q 'patients.csv:2: column `language` (4): NUL byte in a text cell' "$T/stderr" && ok "NUL located" || { bad "NUL message"; cat "$T/stderr"; }
for t in 1 2 3; do
  "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/data" --out "$T/out-t$t" --today $TODAY --threads $t --quiet 2>/dev/null
done
diff -r "$T/out-t1" "$T/out-t2" >/dev/null && diff -r "$T/out-t1" "$T/out-t3" >/dev/null \
  && ok "1, 2 and 3 threads write the same lists" || bad "lists differ between thread counts"

echo
ft_finish e2e

#!/usr/bin/env bash
# `cohort measure` end to end (issue 12): `cohort run --ledger` on day 1 and
# day 20 (new patients), events added afterwards, `cohort measure` on day 30.
# The expected counts are computed here from the lists and the events this
# script writes (not by the code under test): conversions inside the window
# only, the first goal and the general form, per variant; windows of the
# second run still open; small cells suppressed; the ledger's variant
# column; report --ledger and usage errors.
# usage: run_measure_e2e.sh /path/to/cohort /path/to/source-tree
set -uo pipefail
COHORT=$1
SRC=$2
source "$SRC/tests/file_test/file_test.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ok() { ft_ok "$1"; }
bad() { ft_fail "$1"; }

cat >"$T/m.cohort" <<'X'
use Patient

segment Onboarding "First-time telehealth patients"
  where telehealth_visits == 0 and language == "en"
  channel sms if consent
  channel email after 2 days if consent
  message "onboard"
  holdout 30%
  variant A 50% message "onboard-a"
  variant B 50% message "onboard-b"
  goal booked within 14 days
  goal any e in events where e.kind == booked and e.channel == "sms" within 14 days

segment Small "A handful of Spanish speakers"
  where language == "es"
  channel sms if consent
  message "hola"
  holdout 50%
  goal booked within 14 days
X
HDR="id,birth_date,sex,language,telehealth_visits,in_person_visits,no_show_count,portal_active,conditions,consent.sms,consent.email,zip,state,payer_type,service_line,last_visit,next_appointment,next_appointment_kind,last_no_show_reason,device_access,discharged_on,discharge_type,care_gap_due,consent.phone,consent.portal,consent.mail"
patients() { # FIRST LAST
  for i in $(seq "$1" "$2"); do
    lang=en
    [ "$i" -le 6 ] && lang=es
    printf 'P%04d,1980-01-01,female,%s,0,1,0,true,,true,true,,,,,,,,,,,,,,,\n' "$i" "$lang"
  done
}
mkdir -p "$T/d1" "$T/d2" "$T/later"
{ echo "$HDR"; patients 1 400; } >"$T/d1/patients.csv"
echo "patient_id,kind,at,channel" >"$T/d1/events.csv"
"$COHORT" run "$T/m.cohort" --data "$T/d1" --out "$T/out1" --today 2026-11-01 --ledger "$T/ledger" --quiet ||
  bad "run day 1"
# Day 20: 100 more patients; those of day 1 are listed again but count from day 1.
{ echo "$HDR"; patients 1 500; } >"$T/d2/patients.csv"
cp "$T/d1/events.csv" "$T/d2/events.csv"
"$COHORT" run "$T/m.cohort" --data "$T/d2" --out "$T/out2" --today 2026-11-20 --ledger "$T/ledger" --quiet ||
  bad "run day 20"
[ "$(ls "$T/ledger" | wc -l)" = 2 ] && ok "two ledger files" || bad "ledger files: $(ls "$T/ledger")"

# The ledger's variant column: filled for channel rows, empty for holdout rows.
L1=$(ls "$T/ledger"/run-2026-11-01-*.csv)
awk -F, 'NR > 1 && $4 == "Onboarding" && $5 != "holdout" && $8 != "A" && $8 != "B" { bad = 1 }
         NR > 1 && $5 == "holdout" && $8 != "" { bad = 1 } END { exit bad }' "$L1" &&
  ok "ledger variant column: A/B on channel rows, empty on holdout rows" || bad "ledger variant column"
head -1 "$T/out1/Onboarding/sms.csv" | grep -qx 'key,send_on,message,cta,variant' && ok "list header has variant" ||
  bad "list header: $(head -1 "$T/out1/Onboarding/sms.csv")"

# Events written after the runs. Day-1 treated (S = 2026-11-01, window to
# 11-15): even i booked on 11-05 (channel sms when i % 4 == 0, else email);
# i % 3 == 0 also booked on 11-20 (outside); i % 7 == 0 booked on 10-30
# (before S). Holdout (S = 11-01 too, the first step's date): i % 5 == 0
# booked on 11-10 by sms. Day-20 patients (P0401..P0500): booked on 11-22.
cut -d, -f1 "$T/out1/Onboarding/sms.csv" | tail -n +2 | sort >"$T/treated1"
cut -d, -f1 "$T/out1/Onboarding/email.csv" | tail -n +2 | sort >>"$T/treated1"
sort -u "$T/treated1" -o "$T/treated1"
tail -n +2 "$T/out1/Onboarding/holdout.csv" | sort >"$T/held1"
cp "$T/d2/patients.csv" "$T/later/patients.csv"
{
  echo "patient_id,kind,at,channel"
  while read -r k; do
    i=$((10#${k#P}))
    if [ $((i % 2)) = 0 ]; then
      ch=email
      [ $((i % 4)) = 0 ] && ch=sms
      echo "$k,booked,2026-11-05T10:00:00Z,$ch"
    fi
    [ $((i % 3)) = 0 ] && echo "$k,booked,2026-11-20T10:00:00Z,sms"
    [ $((i % 7)) = 0 ] && echo "$k,booked,2026-10-30T10:00:00Z,sms"
  done <"$T/treated1"
  while read -r k; do
    i=$((10#${k#P}))
    [ $((i % 5)) = 0 ] && echo "$k,booked,2026-11-10T23:59:59Z,sms"
  done <"$T/held1"
  for i in $(seq 401 500); do printf 'P%04d,booked,2026-11-22T08:00:00Z,sms\n' "$i"; done
} >"$T/later/events.csv"

# Expected, per variant (from the lists' variant column) and for the holdout.
en() { grep -v -E '^P000[1-6]$'; }
variant_of() { tail -n +2 "$T/out1/Onboarding/sms.csv" "$T/out1/Onboarding/email.csv" 2>/dev/null | grep '^P' | awk -F, '{print $1 "," $NF}' | sort -u; }
variant_of >"$T/variants1"
count() { # VARIANT MOD -> "n converted"
  awk -F, -v v="$1" -v m="$2" '$2 == v { n++; i = substr($1, 2) + 0; if (i % m == 0) x++ } END { printf "%d %d", n, x }' "$T/variants1"
}
read -r nA xA <<<"$(count A 2)"
read -r nB xB <<<"$(count B 2)"
read -r _ sA <<<"$(count A 4)"
nH=$(en <"$T/held1" | wc -l)
xH=$(en <"$T/held1" | awk '{ i = substr($1, 2) + 0; if (i % 5 == 0) x++ } END { print x + 0 }')
"$COHORT" measure "$T/m.cohort" --data "$T/later" --ledger "$T/ledger" --today 2026-11-30 --format json --min-cell 0 \
  >"$T/m.json" 2>"$T/m.err" && ok "measure exits 0" || { bad "measure"; cat "$T/m.err"; }
row() { # SEGMENT VARIANT GOAL-INDEX FIELD -> value (node parses the JSON)
  node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const [seg, v, g, f] = process.argv.slice(2);
    const rows = j.segments.filter(r => r.segment === seg && String(r.variant) === v);
    const goals = [...new Set(rows.map(r => r.goal))];
    const r = rows.find(r => r.goal === goals[Number(g)]);
    const val = f.split(".").reduce((o, k) => o[k], r);
    console.log(typeof val === "number" ? val : JSON.stringify(val));' "$T/m.json" "$@"
}
want() { # NAME GOT EXPECTED
  [ "$2" = "$3" ] && ok "$1 = $3" || bad "$1: got $2, expected $3"
}
want "A treated" "$(row Onboarding A 0 treated)" "$nA"
want "A converted (booked within 14 days of S only)" "$(row Onboarding A 0 treated_converted)" "$xA"
want "B treated" "$(row Onboarding B 0 treated)" "$nB"
want "B converted" "$(row Onboarding B 0 treated_converted)" "$xB"
want "holdout" "$(row Onboarding A 0 holdout)" "$nH"
want "holdout converted (event at 23:59:59 UTC on a window day)" "$(row Onboarding A 0 holdout_converted)" "$xH"
want "general form: booked by sms, A" "$(row Onboarding A 1 treated_converted)" "$sA"
want "general form: holdout booked by sms" "$(row Onboarding A 1 holdout_converted)" "$xH"
want "primary goal first" "$(row Onboarding A 0 goal)" '"booked"'
# Day-20 patients: windows still open (S + 14 = 12-04 >= 11-30), not in n.
new_listed=$(tail -n +2 "$T/out2/Onboarding/sms.csv" | cut -d, -f1 | awk '{ i = substr($1, 2) + 0; if (i > 400) n++ } END { print n + 0 }')
oA=$(row Onboarding A 0 open.treated)
oB=$(row Onboarding B 0 open.treated)
want "open windows of the second run (A + B)" "$((oA + oB))" "$new_listed"
lift=$(row Onboarding A 0 lift)
node -e "const l = $lift, e = $xA / $nA - $xH / $nH; process.exit(Math.abs(l - e) < 1e-12 ? 0 : 1)" &&
  ok "lift = rate(A) - rate(holdout)" || bad "lift $lift"
node -e "const j = JSON.parse(require('fs').readFileSync('$T/m.json', 'utf8'));
  const r = j.segments.find(r => r.variant === 'A' && r.goal === 'booked');
  process.exit(r.ci_low < r.lift && r.lift < r.ci_high && r.p_value > 0 && r.p_value <= 1 && r.versus.length === 1 && r.versus[0].variant === 'B' ? 0 : 1)" &&
  ok "CI around the lift, p in (0, 1], A versus B" || bad "CI/p/versus"
# On day 10 every window is open: nothing in n, no lift.
"$COHORT" measure "$T/m.cohort" --data "$T/later" --ledger "$T/ledger" --today 2026-11-10 --format json --min-cell 0 >"$T/m.json"
want "day 10: no closed windows" "$(row Onboarding A 0 treated)" 0
want "day 10: no lift while open" "$(row Onboarding A 0 lift)" null
want "day 10: open A" "$(row Onboarding A 0 open.treated)" "$nA"
# Suppression (default 11): the Small segment's counts are below 11.
"$COHORT" measure "$T/m.cohort" --data "$T/later" --ledger "$T/ledger" --today 2026-11-30 --format json >"$T/m.json"
st=$(row Small null 0 treated)
[ "$st" = '"<11"' ] && ok "small cell suppressed" || bad "small cell: $st"
want "suppressed row has no lift" "$(row Small null 0 lift)" null
"$COHORT" measure "$T/m.cohort" --data "$T/later" --ledger "$T/ledger" --today 2026-11-30 --out "$T/m.txt" &&
  grep -q "Onboarding variant A: goal booked within 14 days (primary)" "$T/m.txt" && ok "text output written to --out" ||
  bad "text output"
"$COHORT" report "$T/m.cohort" --data "$T/later" --ledger "$T/ledger" --today 2026-11-30 --out "$T/r.json" 2>/dev/null &&
  node -e "const j = JSON.parse(require('fs').readFileSync('$T/r.json', 'utf8')); process.exit(j.measurement.segments.length > 0 ? 0 : 1)" &&
  ok "report --ledger has the measurement" || bad "report --ledger"
"$COHORT" report "$T/m.cohort" --data "$T/later" --ledger "$T/ledger" --today 2026-11-30 --out "$T/r.html" 2>/dev/null &&
  grep -q 'id="measurement"' "$T/r.html" && ok "report HTML has the measurement section" || bad "report HTML"
"$COHORT" measure "$T/m.cohort" --data "$T/later" >/dev/null 2>&1
want "missing --ledger is a usage error" $? 2
"$COHORT" measure "$T/m.cohort" --data "$T/later" --ledger "$T/nowhere" >/dev/null 2>&1
want "an unreadable ledger is a data error" $? 3
# Variants are decided once (runtime/run/decide.cpp): interpreter and JIT
# write identical lists (the SQL is compared in tests/sql/run_sql_e2e.sh).
"$COHORT" run "$SRC/tests/sql/outcomes.cohort" --data "$SRC/examples/data" --out "$T/interp" --today 2026-11-23 \
  --engine interp --quiet && "$COHORT" run "$SRC/tests/sql/outcomes.cohort" --data "$SRC/examples/data" --out "$T/jit" \
  --today 2026-11-23 --engine jit --quiet 2>/dev/null && diff -r -x summary.json "$T/interp" "$T/jit" >/dev/null &&
  ok "variant lists identical, interpreter vs JIT" || bad "variant lists differ between engines"
ft_finish measure_e2e

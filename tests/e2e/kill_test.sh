#!/usr/bin/env bash
# Kill test (issue 14): `cohort run` killed with SIGKILL at random moments
# leaves in --out either the previous outputs or the complete new ones, never
# a mix, and no staging directory inside --out; the next run cleans up what a
# killed run left beside it.
#
#   kill_test.sh COHORT SRC [KILLS]   (KILLS default 60; seed: COHORT_KILL_SEED)
set -uo pipefail
COHORT=$1
SRC=$2
KILLS=${3:-60}
RANDOM=${COHORT_KILL_SEED:-14}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "not ok - $*"; fail=1; }

"$COHORT" gen --patients 3000 --seed 5 --today 2026-11-23 --out "$T/data" > /dev/null || { echo "gen failed"; exit 1; }
run() {  # run TODAY OUT
  "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/data" --out "$2" --today "$1" --engine interp --quiet
}
# A digest of a whole output tree (paths and contents, hidden entries included).
digest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }

# The two complete states, each computed by an undisturbed run.
DAYS=(2026-11-23 2026-12-07)
ref=()
for d in "${DAYS[@]}"; do
  run "$d" "$T/ref-$d" || { echo "reference run failed"; exit 1; }
  ref[${#ref[@]}]=$(digest "$T/ref-$d")
done
[ "${ref[0]}" != "${ref[1]}" ] || { echo "the two runs must produce different outputs"; exit 1; }

# How long one run takes here (kills land anywhere from start to past the end).
start=$(date +%s%N)
run "${DAYS[0]}" "$T/out" || exit 1
ms=$(( ($(date +%s%N) - start) / 1000000 + 20 ))
state=0  # which reference $T/out holds now
mid_write=0
completed=0
for ((i = 0; i < KILLS; i++)); do
  next=$(( 1 - state ))
  # The process itself, not a subshell, receives the SIGKILL.
  "$COHORT" run "$SRC/examples/telehealth.cohort" --data "$T/data" --out "$T/out" --today "${DAYS[$next]}" \
    --engine interp --quiet > /dev/null 2>&1 &
  pid=$!
  delay=$(( RANDOM % (ms * 5 / 4) ))
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  now=$(digest "$T/out")
  if [ "$now" = "${ref[$next]}" ]; then
    state=$next
    completed=$((completed + 1))
  elif [ "$now" != "${ref[$state]}" ]; then
    bad "kill $i after ${delay} ms: --out is neither the previous nor the new output"
    (cd "$T/out" && find . | sort | head -20)
    break
  fi
  if ls -a "$T/out" | grep -q "cohort-staging"; then bad "kill $i: a staging directory inside --out"; break; fi
  if ls -a "$T" | grep -q "^\.out\.cohort-staging-"; then mid_write=$((mid_write + 1)); fi
done
echo "# $KILLS kills within $((ms * 5 / 4)) ms (a run takes ${ms} ms): $completed left the new outputs, the rest the previous ones; $mid_write left a staging directory beside --out"

# The next undisturbed run completes and removes what killed runs left.
run "${DAYS[0]}" "$T/out" || bad "run after the kills failed"
[ "$(digest "$T/out")" = "${ref[0]}" ] || bad "run after the kills: wrong outputs"
if ls -a "$T" | grep -q "cohort-staging"; then bad "staging directories of killed runs were not removed"; fi
[ $fail -eq 0 ] && echo "ok - $KILLS kills: --out always held one complete output"
exit $fail

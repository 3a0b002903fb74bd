#!/usr/bin/env bash
# Drives `cohort repl` in a real terminal (tmux): tab completion (fields,
# nested fields, quantifier variables, enum labels, commands, segment names,
# ambiguous listings), multi-line continuation, Ctrl-C on the current input
# and on a running evaluation (the session survives), Ctrl-D, and history
# persisted across sessions. Polls the pane with timeouts, no fixed sleeps
# for results, so it holds on a loaded machine. Exit 77 = skipped (no tmux).
# usage: tmux_test.sh /path/to/cohort /path/to/source-tree
set -uo pipefail
COHORT=$(realpath "$1")
SRC=$(cd "$2" && pwd)
command -v tmux > /dev/null || { echo "SKIP - tmux is not installed"; exit 77; }
T=$(mktemp -d)
SOCK="$T/tmux.sock"
tm() { tmux -S "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server > /dev/null 2>&1; rm -rf "$T"' EXIT
"$COHORT" gen --patients 300 --seed 3 --today 2026-11-23 --out "$T/data" > /dev/null 2>&1 || { echo "FAIL - gen"; exit 1; }
cp "$SRC/tests/repl/outreach.cohort" "$T/"
pass=0
fail=0

start() {  # start DELAY_MS [FILE...]: a fresh REPL in a private tmux server
  local delay=$1
  shift
  tm kill-session -t repl > /dev/null 2>&1
  tm new-session -d -s repl -x 160 -y 50 \
    "cd '$T' && env HOME='$T' COHORT_HISTORY='$T/history' COHORT_REPL_TEST_BATCH_DELAY_MS=$delay NO_COLOR=1 '$COHORT' repl --data '$T/data' --today 2026-11-23 $*; echo \"[repl exited \$?]\"; sleep 600"
}
pane() { tm capture-pane -p -t repl 2> /dev/null; }
wait_for() {  # wait_for ERE [seconds]: poll the pane until it matches
  local pattern=$1 limit=${2:-30} i=0
  while [ "$i" -lt $((limit * 10)) ]; do
    pane | grep -qE -- "$pattern" && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
check() {  # check NAME ERE [seconds]
  if wait_for "$2" "${3:-30}"; then
    pass=$((pass + 1))
    echo "ok   - $1"
  else
    fail=$((fail + 1))
    echo "FAIL - $1 (no match for: $2)"
    pane | grep -v '^$' | tail -25 | sed 's/^/    | /'
  fi
}
keys() { tm send-keys -t repl "$@"; }
clear_pane() { tm clear-history -t repl; keys C-l; sleep 0.2; }

start 0 outreach.cohort
check "banner and prompt" 'Type \.help for help'
check "file loaded at start" 'SpanishNoAppt: [0-9]+ members of 300 records'

# Completion: a field, a nested field, an enum label, in one line.
keys 'langu' Tab
check "field completes" '^cohort> language *$'
keys '== "es" and consent.s' Tab
check "nested field completes" 'consent\.sms *$'
keys 'is present and sex == fem' Tab
check "enum label completes" 'sex == female *$'
keys Enter
check "expression counted" '^[0-9,]+ of 300 \([0-9.]+%\)'

# A quantifier's variable completes to the element's fields.
keys 'any e in events where e.ki' Tab
check "quantifier variable field completes" 'where e\.kind *$'
keys '== boo' Tab Enter
check "quantifier counted" '^[0-9,]+ of 300'

# Commands: an ambiguous prefix lists the candidates; segment names complete.
clear_pane
keys '.s' Tab
check "ambiguous command lists candidates" '\.sample +\.save +\.schema +\.segments'
keys 'egments' Enter
check "completed command runs" 'defines: adult, engaged'
keys '.explain Spa' Tab
check "segment name completes" '\.explain SpanishNoAppt *$'
keys Enter
check "explain runs" 'SpanishNoAppt: 300 records'

# Multi-line input, then Ctrl-C cancels it without ending the session.
clear_pane
keys 'age > 3 and (' Enter
check "continuation prompt" '^   \.\.\.> *$'
keys 'portal_active' C-c
check "Ctrl-C cancels the input" '\^C'
check "fresh prompt after Ctrl-C" '^cohort> *$'
keys 'age >= 0' Enter
check "session alive after Ctrl-C" '^300 of 300 \(100\.0%\)'

# Ctrl-D exits cleanly; the history file is private.
keys C-d
check "Ctrl-D exits with 0" '\[repl exited 0\]'
if [ -f "$T/history" ] && [ "$(stat -c %a "$T/history")" = 600 ] && grep -q 'age' "$T/history"; then
  pass=$((pass + 1)); echo "ok   - history saved (mode 600)"
else
  fail=$((fail + 1)); echo "FAIL - history file"; ls -l "$T/history" 2>&1 | sed 's/^/    | /'
fi

# A new session recalls the last line with Up. Each batch is slowed down
# (test knob) so Ctrl-C lands during the evaluation.
start 4000
check "second session starts" 'Type \.help for help'
keys Up
check "history recalled across sessions" '^cohort> age >= 0$'
keys C-u 'language == "es"' Enter
check "evaluation started" '^cohort> language == "es" *$' 5
sleep 1
keys C-c
check "Ctrl-C cancels the evaluation" 'error: cancelled' 10
keys '.today' Enter
check "session alive after cancelling" '^today is 2026-11-23'
if pane | grep -qE '^[0-9,]+ of 300 .*' ; then
  fail=$((fail + 1)); echo "FAIL - the cancelled evaluation printed a result"
else
  pass=$((pass + 1)); echo "ok   - no result from the cancelled evaluation"
fi
keys '.quit' Enter
check ".quit exits" '\[repl exited 0\]'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

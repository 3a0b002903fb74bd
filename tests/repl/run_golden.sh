#!/usr/bin/env bash
# Scripted REPL sessions with golden output (file-test harness,
# tests/file_test/file_test.sh): each tests/repl/NAME.repl is fed to
# `cohort repl` on stdin (no terminal: results only) over a fixed generated
# dataset; stdout+stderr and the exit code must equal NAME.out. A line
# `# golden-file: F` in a script appends file F (written by it) to the
# output. COHORT_UPDATE_GOLDEN=1 rewrites the .out files that differ.
# usage: run_golden.sh /path/to/cohort /path/to/source-tree
set -uo pipefail
COHORT=$(realpath "$1")
DIR=$(cd "$2/tests/repl" && pwd)
source "$2/tests/file_test/file_test.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$COHORT" gen --patients 400 --seed 11 --today 2026-11-23 --out "$T/data" > /dev/null 2>&1 || { echo "FAIL - cohort gen"; exit 1; }
for script in "$DIR"/*.repl; do
  name=$(basename "$script" .repl)
  work="$T/$name"
  mkdir -p "$work"
  cp "$DIR"/*.cohort "$work"/
  actual="$T/$name.actual"
  # `# repl-ledger: FILE`: `cohort run FILE --ledger` on 2026-11-09 first, and
  # the REPL gets `--ledger` (`.measure`, issue 12).
  ledger_args=()
  for f in $(sed -n 's/^# repl-ledger: //p' "$script"); do
    (cd "$work" && "$COHORT" run "$f" --data "$T/data" --out run-out --today 2026-11-09 --ledger ledger --quiet) > /dev/null 2>&1 ||
      ft_fail "$name: cohort run --ledger"
    ledger_args=(--ledger ledger)
  done
  (cd "$work" && NO_COLOR=1 COHORT_HISTORY=/dev/null "$COHORT" repl --data "$T/data" --today 2026-11-23 "${ledger_args[@]}" < "$script" > "$actual" 2>&1; echo "[exit $?]" >> "$actual")
  for f in $(sed -n 's/^# golden-file: //p' "$script"); do
    echo "=== $f" >> "$actual"
    cat "$work/$f" >> "$actual" 2>&1 || echo "(missing)" >> "$actual"
  done
  ft_expect "$name" "$DIR/$name.out" "$actual"
done

# `.run` prints exactly what `cohort run` prints (timings aside) when
# small-cell suppression is off (`cohort run` prints the operator's table).
norm() { grep -vE 's total \(|: [0-9,]+ members? of ' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; }
"$COHORT" run "$DIR/outreach.cohort" --data "$T/data" --out "$T/run-out" --today 2026-11-23 --engine interp | norm > "$T/run.txt"
printf '.run\n' | "$COHORT" repl --data "$T/data" --today 2026-11-23 --min-cell 0 "$DIR/outreach.cohort" 2>&1 | norm > "$T/repl-run.txt"
if [ -s "$T/run.txt" ] && diff -u "$T/run.txt" "$T/repl-run.txt" > "$T/run.diff"; then
  ft_ok ".run matches cohort run"
else
  ft_fail ".run differs from cohort run" "$(cat "$T/run.diff")"
fi
ft_finish repl_golden

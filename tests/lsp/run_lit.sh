#!/usr/bin/env bash
# Protocol-level golden tests: each tests/lsp/*.jsonl is fed to
# `cohort lsp --lit-test`; the output must equal the matching .expected file.
# @ROOT@ in inputs and outputs stands for the source tree, so goldens are
# portable. COHORT_UPDATE_GOLDEN=1 rewrites the expected outputs.
# Usage: run_lit.sh COHORT_BINARY SOURCE_DIR
set -u
cohort=$1
root=$(cd "$2" && pwd)
dir="$root/tests/lsp"
failed=0
for input in "$dir"/*.jsonl; do
  expected="${input%.jsonl}.expected"
  actual=$(sed "s#@ROOT@#$root#g" "$input" | COHORT_STDLIB="$root/stdlib" "$cohort" lsp --lit-test | sed "s#$root#@ROOT@#g")
  if [ "${COHORT_UPDATE_GOLDEN:-0}" = 1 ]; then
    printf '%s\n' "$actual" > "$expected"
    echo "updated $(basename "$expected")"
  elif ! diff -u "$expected" <(printf '%s\n' "$actual") > /tmp/lsp_lit_diff.$$; then
    echo "FAIL: $(basename "$input")"
    cat /tmp/lsp_lit_diff.$$
    failed=1
  else
    echo "ok: $(basename "$input")"
  fi
done
rm -f /tmp/lsp_lit_diff.$$
exit $failed

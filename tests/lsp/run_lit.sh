#!/usr/bin/env bash
# Protocol-level golden tests (file-test harness, tests/file_test/file_test.sh):
# each tests/lsp/*.jsonl is fed to `cohort lsp --lit-test`; the output must
# equal the matching .expected file. @ROOT@ in inputs and outputs stands for
# the source tree, so goldens are portable. COHORT_UPDATE_GOLDEN=1 rewrites
# the expected outputs that differ.
# Usage: run_lit.sh COHORT_BINARY SOURCE_DIR
set -u
cohort=$1
root=$(cd "$2" && pwd)
dir="$root/tests/lsp"
source "$root/tests/file_test/file_test.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for input in "$dir"/*.jsonl; do
  name=$(basename "$input" .jsonl)
  sed "s#@ROOT@#$root#g" "$input" | COHORT_STDLIB="$root/stdlib" "$cohort" lsp --lit-test | sed "s#$root#@ROOT@#g" > "$T/$name.actual"
  ft_expect "$name" "${input%.jsonl}.expected" "$T/$name.actual"
done
ft_finish lsp_lit

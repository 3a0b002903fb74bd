#!/usr/bin/env bash
# Every diagnostic kind registered in core/diagnostics.def has a golden: an
# inline expectation (`# expect-error[E0102]: ...`) in tests/golden, or the
# rendered diagnostic (`error[E0501]`) in a CLI, REPL or LSP golden output.
# Kinds no source text can produce are listed in no_source_golden.txt with
# the unit test that asserts them.
# Usage: diag_coverage.sh DIAGNOSTICS_DEF TESTS_DIR
set -u
def=$1
tests=$2
source "$(dirname "$0")/file_test.sh"
codes=$(sed -n 's/^DIAG([A-Za-z0-9_]*, *"\([A-Z][0-9]*\)".*/\1/p' "$def")
if [ -z "$codes" ]; then
  ft_fail "no DIAG(...) lines in $def"
  ft_finish diag_coverage
  exit 1
fi
total=0
missing=""
exempt=$(dirname "$0")/no_source_golden.txt
for code in $codes; do
  total=$((total + 1))
  grep -rqsE "(error|warning|note)\[$code\]" --include='*.cohort' --include='*.schema' --include='*.expected' --include='*.out' \
    "$tests/golden" "$tests/cli_ci" "$tests/repl" "$tests/lsp" "$tests/sql/golden" && continue
  # No golden: allowed only for a kind listed as unreachable from source,
  # whose unit test asserts it.
  unit=$(awk -v c="$code" '$1 == c { print $2 }' "$exempt")
  if [ -n "$unit" ] && grep -q "$code" "$tests/../$unit" 2> /dev/null; then continue; fi
  missing="$missing $code"
done
if [ -z "$missing" ]; then
  ft_ok "all $total diagnostic kinds have a golden"
else
  ft_fail "diagnostic kinds without a golden:$missing" \
    "add tests/golden/fail_<code>_<what>.cohort with an inline expectation, or a CLI golden in tests/cli_ci"
fi
ft_finish diag_coverage

# The file-test harness every golden suite of tests/ runs on (Carbon's
# file_test is the model): a suite runs one test file (a segment file, a REPL
# script, an LSP transcript, a CLI invocation), writes what it printed to a
# file, and `ft_expect` compares that with the golden beside the test, or
# rewrites the golden. Checks that are not goldens report through
# `ft_ok`/`ft_fail`, so every suite prints and counts the same way.
#
# The one update rule: COHORT_UPDATE_GOLDEN=1 rewrites the goldens that
# differ (and creates missing ones); any other value, 0 included, only
# compares. tests/file_test/file_test.h is the same rule for the C++ runner
# of tests/golden.
#
#   source "$SRC/tests/file_test/file_test.sh"
#   ft_expect NAME GOLDEN ACTUAL   # 0 when equal (or updated), else 1 with a diff
#   ft_ok NAME / ft_fail NAME [DETAIL]
#   ft_finish SUITE                # summary line; status 1 when anything failed

ft_passed=0
ft_failed=0
ft_updated=0

# True when goldens are to be rewritten (COHORT_UPDATE_GOLDEN is exactly 1).
ft_update_requested() { [ "${COHORT_UPDATE_GOLDEN:-}" = 1 ]; }

ft_ok() {
  ft_passed=$((ft_passed + 1))
  echo "ok   - $1"
}

ft_fail() {
  ft_failed=$((ft_failed + 1))
  echo "FAIL - $1"
  if [ $# -gt 1 ] && [ -n "$2" ]; then printf '%s\n' "$2" | head -40 | sed 's/^/    /'; fi
  return 0
}

ft_expect() {
  local name=$1 golden=$2 actual=$3
  if [ -f "$golden" ] && cmp -s "$golden" "$actual"; then
    ft_ok "$name"
    return 0
  fi
  if ft_update_requested; then
    cp "$actual" "$golden"
    ft_updated=$((ft_updated + 1))
    echo "updated - $name ($(basename "$golden"))"
    return 0
  fi
  if [ ! -f "$golden" ]; then
    ft_fail "$name: no golden $(basename "$golden") (COHORT_UPDATE_GOLDEN=1 writes it)"
    return 1
  fi
  ft_fail "$name: output differs from $(basename "$golden")" "$(diff -u "$golden" "$actual" | head -80)"
  return 1
}

ft_finish() {
  local suite=$1 updated=""
  [ "$ft_updated" -gt 0 ] && updated=", $ft_updated golden(s) updated"
  echo "$suite: $ft_passed passed, $ft_failed failed$updated"
  [ "$ft_failed" -eq 0 ]
}

#!/usr/bin/env bash
# The harness itself can fail and updates only on COHORT_UPDATE_GOLDEN=1:
# the shell side (ft_expect), the C++ golden runner (IR dumps and inline
# expectations), and the diagnostic-coverage check on a kind with no golden.
# Usage: selftest.sh SOURCE_DIR GOLDEN_RUNNER
set -u
SRC=$1
RUNNER=$2
source "$SRC/tests/file_test/file_test.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# ft_expect in a subshell, so its counters stay out of this suite's.
expect_status() { (ft_expect x "$1" "$2" > "$T/log" 2>&1); }

printf 'new\n' > "$T/actual.txt"
for value in "" 0 yes all true; do
  printf 'old\n' > "$T/golden.txt"
  if COHORT_UPDATE_GOLDEN=$value expect_status "$T/golden.txt" "$T/actual.txt"; then
    ft_fail "COHORT_UPDATE_GOLDEN='$value': a differing output passed"
  elif ! grep -qx old "$T/golden.txt"; then
    ft_fail "COHORT_UPDATE_GOLDEN='$value' rewrote the golden"
  else
    ft_ok "COHORT_UPDATE_GOLDEN='$value' compares only"
  fi
done
printf 'old\n' > "$T/golden.txt"
if COHORT_UPDATE_GOLDEN=1 expect_status "$T/golden.txt" "$T/actual.txt" && cmp -s "$T/golden.txt" "$T/actual.txt"; then
  ft_ok "COHORT_UPDATE_GOLDEN=1 rewrites the golden"
else
  ft_fail "COHORT_UPDATE_GOLDEN=1 did not rewrite the golden"
fi
rm -f "$T/none.txt"
if COHORT_UPDATE_GOLDEN=0 expect_status "$T/none.txt" "$T/actual.txt" || [ -e "$T/none.txt" ]; then
  ft_fail "a missing golden passed or was created without COHORT_UPDATE_GOLDEN=1"
else
  ft_ok "a missing golden fails"
fi

# The C++ runner: a wrong IR dump and a missing expectation fail and stay
# untouched unless COHORT_UPDATE_GOLDEN=1.
mkdir -p "$T/golden"
cp "$SRC/tests/golden/ok_fold.cohort" "$SRC/tests/golden/ok_fold.ir" "$T/golden/"
sed 's/ *# expect-error.*//' "$SRC/tests/golden/fail_e0101_unknown_name.cohort" > "$T/golden/fail_e0101_unknown_name.cohort"
printf 'not the dump\n' > "$T/golden/ok_fold.ir"
cp "$T/golden/fail_e0101_unknown_name.cohort" "$T/e0101.before"
if COHORT_UPDATE_GOLDEN=0 "$RUNNER" "$T/golden" > "$T/runner.log" 2>&1; then
  ft_fail "golden runner passed a wrong IR dump and a missing expectation"
elif ! grep -qx 'not the dump' "$T/golden/ok_fold.ir" || ! cmp -s "$T/e0101.before" "$T/golden/fail_e0101_unknown_name.cohort"; then
  ft_fail "golden runner rewrote goldens with COHORT_UPDATE_GOLDEN=0"
else
  ft_ok "golden runner fails and compares only with COHORT_UPDATE_GOLDEN=0"
fi
grep -q 'IR dump differs' "$T/runner.log" && grep -q 'unexpected error\[E0101\]' "$T/runner.log" \
  && ft_ok "golden runner names both problems" || ft_fail "golden runner output" "$(cat "$T/runner.log")"
COHORT_UPDATE_GOLDEN=1 "$RUNNER" "$T/golden" > "$T/runner.log" 2>&1
if cmp -s "$T/golden/ok_fold.ir" "$SRC/tests/golden/ok_fold.ir" && grep -q 'expect-error\[E0101\]' "$T/golden/fail_e0101_unknown_name.cohort" \
  && "$RUNNER" "$T/golden" > "$T/runner.log" 2>&1; then
  ft_ok "golden runner rewrites with COHORT_UPDATE_GOLDEN=1"
else
  ft_fail "golden runner did not rewrite with COHORT_UPDATE_GOLDEN=1" "$(cat "$T/runner.log")"
fi

# Diagnostic coverage fails on a kind that has no golden.
printf 'DIAG(Nope, "E9999", Error, "never emitted")\n' > "$T/fake.def"
if bash "$SRC/tests/file_test/diag_coverage.sh" "$T/fake.def" "$SRC/tests" > "$T/cov.log" 2>&1; then
  ft_fail "diag_coverage passed a kind without a golden"
else
  grep -q E9999 "$T/cov.log" && ft_ok "diag_coverage names a kind without a golden" || ft_fail "diag_coverage output" "$(cat "$T/cov.log")"
fi
ft_finish file_test_selftest

#!/usr/bin/env bash
# libFuzzer targets (fuzz/): build them with clang-19 and run one.
#
#   scripts/fuzz.sh TARGET SECONDS   fuzz TARGET for SECONDS (corpus kept in $BUILD/corpus/TARGET)
#   scripts/fuzz.sh --build          only build every target
#   scripts/fuzz.sh --replay TARGET EXE   run EXE (a fuzz_replay_* build) on TARGET's seeds + regressions
#
# TARGET: compile schema csv arrow lsp test_blocks. Environment: COHORT_FUZZ_BUILD
# (build dir, default build-fuzz), COHORT_FUZZ_JOBS (default 2). A crash
# leaves its input in $BUILD/artifacts/TARGET/: copy it to
# tests/fuzz/regressions/TARGET/ (replayed by ctest's fuzz_replay_TARGET), fix the bug.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${COHORT_FUZZ_BUILD:-$ROOT/build-fuzz}"
TARGETS="compile schema csv arrow lsp test_blocks"

# Seed corpus of a target, assembled into directory $2 (from examples/, tests/golden/, fuzz/seeds/).
seeds() {
  local t=$1 out=$2
  rm -rf "$out"; mkdir -p "$out"
  case $t in
    compile)
      find "$ROOT/examples" "$ROOT/tests/golden" -name '*.cohort' -exec cp -t "$out" {} + ;;
    test_blocks)
      grep -rl --include='*.cohort' '^test ' "$ROOT/examples" "$ROOT/tests" | while read -r f; do
        cp "$f" "$out/$(echo "$f" | md5sum | cut -c1-12).cohort"; done ;;
    schema)
      find "$ROOT/stdlib" "$ROOT/examples" "$ROOT/tests" -name '*.schema' | while read -r f; do
        cp "$f" "$out/$(echo "$f" | md5sum | cut -c1-12).schema"; done ;;
    csv)
      head -c 4000 "$ROOT/examples/data/patients.csv" > "$out/patients_only.csv"
      { head -n 30 "$ROOT/examples/data/patients.csv"; printf '\n%%%%\n'; head -n 30 "$ROOT/examples/data/events.csv"; } > "$out/both.csv" ;;
    arrow)  # fuzz/seeds/arrow: `cohort import` of examples/data rows, a file written by apache-arrow (npm)
      cp "$ROOT"/fuzz/seeds/arrow/* "$out/" ;;
    lsp)
      cp "$ROOT"/fuzz/seeds/lsp/* "$out/" ;;
    *) echo "fuzz.sh: unknown target '$t' (one of: $TARGETS)" >&2; exit 2 ;;
  esac
  if [ -d "$ROOT/tests/fuzz/regressions/$t" ]; then cp "$ROOT/tests/fuzz/regressions/$t"/* "$out/" 2>/dev/null || true; fi
}

if [ "${1:-}" = "--replay" ]; then
  t=$2 exe=$3
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  seeds "$t" "$dir"
  "$exe" "$dir"
  exit $?
fi

# clang-19 and the libFuzzer runtime come from scripts/install-deps.sh.
CLANG=$(command -v clang++-19 || true)
if [ -z "$CLANG" ] || ! ls /usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.fuzzer*-x86_64.a > /dev/null 2>&1; then
  echo "fuzz.sh: clang++-19 with libFuzzer (libclang-rt-19-dev) is required; run scripts/install-deps.sh" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exit 77
fi

build() {
  # Only what the fuzz targets link is built (no CLI, REPL, tests or benchmarks).
  CC=clang-19 CXX=clang++-19 cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" \
    -DCOHORT_FUZZ=ON -DCOHORT_BUILD_TESTS=OFF > "$BUILD/configure.log" 2>&1 \
    || { cat "$BUILD/configure.log"; exit 1; }
  local targets=()
  for t in "$@"; do targets+=(--target "fuzz_$t"); done
  nice cmake --build "$BUILD" -j"${COHORT_FUZZ_JOBS:-2}" "${targets[@]}" > "$BUILD/build.log" 2>&1 \
    || { tail -50 "$BUILD/build.log"; exit 1; }
}

if [ "${1:-}" = "--build" ]; then
  mkdir -p "$BUILD"
  build $TARGETS
  echo "fuzz.sh: built $TARGETS in $BUILD"
  exit 0
fi

[ $# -eq 2 ] || { sed -n '2,11p' "$0"; exit 2; }
t=$1 secs=$2
mkdir -p "$BUILD"
build "$t"
seeds "$t" "$BUILD/seeds/$t"
mkdir -p "$BUILD/corpus/$t" "$BUILD/artifacts/$t"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=1"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
set +e
"$BUILD/fuzz/fuzz_$t" "$BUILD/corpus/$t" "$BUILD/seeds/$t" -dict="$ROOT/fuzz/$([ "$t" = arrow ] && echo arrow || echo cohort).dict" \
  -max_total_time="$secs" -timeout=20 -error_exitcode=1 -rss_limit_mb=3072 -max_len="$([ "$t" = arrow ] && echo 65536 || echo 16384)" -print_final_stats=1 \
  -artifact_prefix="$BUILD/artifacts/$t/" 2>&1 | grep -v '^#[0-9]*.*\(NEW\|REDUCE\|pulse\)'
rc=${PIPESTATUS[0]}  # -error_exitcode=1: a finding fails the test (libFuzzer's default, 77, is ctest's skip code)
set -e
if [ "$rc" -ne 0 ]; then
  echo "fuzz.sh: fuzz_$t failed (exit $rc); inputs in $BUILD/artifacts/$t/ -> copy to tests/fuzz/regressions/$t/" >&2
fi
exit "$rc"

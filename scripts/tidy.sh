#!/usr/bin/env bash
# Runs clang-tidy (the checks in .clang-tidy, warnings are errors) over every
# first-party C++ source, using the compile commands of a configured build.
# usage: scripts/tidy.sh BUILD_DIR [PATHS...]   (PATHS: files or folders; default: every source)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: scripts/tidy.sh BUILD_DIR [FILES...]}
shift
TIDY=${CLANG_TIDY:-$(command -v clang-tidy-19 || command -v clang-tidy || true)}
if [ -z "$TIDY" ]; then
  [ "${CI:-}" = "true" ] && { echo "tidy: clang-tidy is not installed"; exit 1; }
  echo "tidy: skip: clang-tidy is not installed"; exit 77
fi
[ -f "$BUILD/compile_commands.json" ] || { echo "tidy: no $BUILD/compile_commands.json"; exit 1; }
if [ $# -gt 0 ]; then
  specs=()
  for p in "$@"; do
    if [ -d "$p" ]; then specs+=("$p/*.cpp"); else specs+=("$p"); fi
  done
  mapfile -t files < <(git ls-files -- "${specs[@]}")
else
  mapfile -t files < <(git ls-files 'core/*.cpp' 'compiler/*.cpp' 'runtime/*.cpp' 'tools/*.cpp' 'stdlib/*.cpp')
fi
[ ${#files[@]} -gt 0 ] || { echo "tidy: no files"; exit 1; }
# Sanitizer flags mean nothing to clang-tidy; GCC-only warnings are dropped.
extra=(--extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-unused-command-line-argument)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
printf '%s\n' "${files[@]}" | xargs -P "${TIDY_JOBS:-2}" -n 4 "$TIDY" -p "$BUILD" --quiet "${extra[@]}" > "$log" 2>&1 || {
  grep -E 'error:|warning:' "$log" | sort -u | head -100
  echo "tidy: clang-tidy found problems in ${#files[@]} files checked"
  exit 1
}
echo "tidy: ${#files[@]} files clean"

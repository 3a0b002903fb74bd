#!/usr/bin/env bash
# Command 2: install what is missing, build everything with AddressSanitizer
# and UBSan, and run the whole test suite (unit, golden, end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD=${COHORT_TEST_BUILD:-build-test}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DCOHORT_SANITIZE=ON -DCMAKE_CXX_FLAGS="-O1" > /dev/null
cmake --build "$BUILD" -j2
# Test tooling from npm (never committed; installed into the build dir):
# the SARIF validator, DuckDB (a SQL peer and oracle) and apache-arrow (an
# independent Arrow IPC reader/writer). Tests that need one skip (exit 77)
# when it is missing; CI installs them here.
NODE_TOOLS="$PWD/$BUILD/tools"
if command -v npm > /dev/null && [ ! -f "$NODE_TOOLS/.installed-v1" ]; then
  if npm install --silent --no-audit --no-fund --prefix "$NODE_TOOLS" \
      @microsoft/sarif-multitool@5.7.0 @duckdb/node-api@1.5.6-r.1 apache-arrow@21.2.0 > "$BUILD/npm.log" 2>&1; then
    touch "$NODE_TOOLS/.installed-v1"
  else
    echo "test.sh: note: could not install the npm test tools (see $BUILD/npm.log); tests that need them are skipped"
  fi
fi
export COHORT_NODE_MODULES="$NODE_TOOLS/node_modules"
mt="$NODE_TOOLS/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
[ -z "${SARIF_MULTITOOL:-}" ] && [ -x "$mt" ] && export SARIF_MULTITOOL="$mt"
# VS Code extension: install its npm devDependencies (tooling only, gitignored)
# so ctest's vscode_grammar test runs, and package the .vsix offline.
if command -v npm > /dev/null && [ ! -x editors/vscode/node_modules/.bin/vsce ]; then
  (cd editors/vscode && npm ci --silent --no-audit --no-fund > /dev/null 2>&1) \
    || echo "test.sh: note: could not install the VS Code extension's npm tools; its tests are skipped"
fi
if [ -x editors/vscode/node_modules/.bin/vsce ]; then
  bash editors/vscode/build.sh "$PWD/$BUILD/cohort.vsix" > "$BUILD/vsix.log" 2>&1 \
    && echo "test.sh: packaged $BUILD/cohort.vsix" \
    || { echo "test.sh: packaging the VS Code extension failed:"; cat "$BUILD/vsix.log"; exit 1; }
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$BUILD"
ctest --output-on-failure -j2

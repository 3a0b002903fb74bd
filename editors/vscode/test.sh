#!/usr/bin/env bash
# Grammar test for the Cohort TextMate grammar (vscode-tmgrammar-test over
# test/*.cohort, whose comment lines assert scopes).
#   editors/vscode/test.sh            # exit 0 pass, 1 fail, 77 skipped
# Skips (exit 77, ctest SKIP_RETURN_CODE) when node or the npm dev
# dependencies are not installed, so CI without network does not fail.
# COHORT_VSCODE_INSTALL=1 installs them first (`npm ci`, needs the registry).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here" || exit 1

if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node not found" >&2
  exit 77
fi
tester="node_modules/.bin/vscode-tmgrammar-test"
if [[ ! -x "$tester" && "${COHORT_VSCODE_INSTALL:-0}" == 1 ]]; then
  command -v npm >/dev/null 2>&1 || { echo "SKIP: npm not found" >&2; exit 77; }
  npm ci --no-audit --no-fund || exit 1
fi
if [[ ! -x "$tester" ]]; then
  echo "SKIP: vscode-tmgrammar-test not installed (run: cd $here && npm ci)" >&2
  exit 77
fi

# The JSON files VS Code loads must parse (a trailing comma silently disables
# the grammar or the language configuration).
for f in package.json language-configuration.json syntaxes/cohort.tmLanguage.json; do
  node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$f" ||
    { echo "FAIL: $f is not valid JSON" >&2; exit 1; }
done

# The tester prints results but its exit code is what counts (255 on failure).
if ! "$tester" -g syntaxes/cohort.tmLanguage.json 'test/*.cohort'; then
  echo "FAIL: grammar scope assertions" >&2
  exit 1
fi
echo "PASS: grammar scope assertions"

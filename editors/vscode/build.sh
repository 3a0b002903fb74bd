#!/usr/bin/env bash
# Packages the Cohort VS Code extension into a .vsix, offline once installed.
#   editors/vscode/build.sh [OUT.vsix]
# Installs the npm dependencies (vsce, vscode-languageclient, the grammar
# tester) into editors/vscode/node_modules when they are missing: that step
# needs the npm registry; packaging itself makes no network calls (vsce
# `package` never talks to the marketplace; it lists runtime dependencies with
# `npm list --production`, which is local).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

command -v node >/dev/null || { echo "build.sh: node not found" >&2; exit 2; }
command -v npm >/dev/null || { echo "build.sh: npm not found" >&2; exit 2; }

if [[ ! -x node_modules/.bin/vsce || ! -d node_modules/vscode-languageclient ]]; then
  echo "build.sh: installing npm dependencies into $here/node_modules" >&2
  if [[ -f package-lock.json ]]; then
    npm ci --no-audit --no-fund
  else
    npm install --no-audit --no-fund
  fi
fi

version="$(node -p 'require("./package.json").version')"
out="${1:-$here/cohort-$version.vsix}"
# </dev/null: vsce must never wait for an answer (it would only ask about a
# missing LICENSE/repository, which package.json and the flag settle).
./node_modules/.bin/vsce package --allow-missing-repository --skip-license --out "$out" </dev/null
echo "build.sh: wrote $out"

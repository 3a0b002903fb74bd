#!/usr/bin/env bash
# Fails on an #include that points up or sideways against the layer order in
# scripts/layers.txt. Usage: check-layers.sh [SOURCE_DIR]; --self-test checks
# that a violating tree is caught.
set -euo pipefail

if [[ "${1:-}" == "--self-test" ]]; then
  here="$(cd "$(dirname "$0")" && pwd)"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/scripts" "$tmp/core" "$tmp/runtime/interp" "$tmp/compiler/opt" "$tmp/runtime/jit" "$tmp/runtime/run"
  cp "$here/layers.txt" "$tmp/scripts/"
  printf '#include "core/ir.h"\n' > "$tmp/runtime/interp/ok.cpp"
  printf '#include "runtime/interp/eval.h"\n' > "$tmp/compiler/opt/ok.cpp"
  touch "$tmp/core/ir.h" "$tmp/runtime/interp/eval.h" "$tmp/compiler/opt/fold.h" "$tmp/runtime/jit/jit_engine.h"
  mkdir -p "$tmp/stdlib" && touch "$tmp/stdlib/functions.h"
  bash "$0" "$tmp" > /dev/null || { echo "self-test: a valid tree was rejected"; exit 1; }
  for bad in 'core/x.h:#include "stdlib/functions.h"' 'runtime/jit/x.cpp:#include "compiler/opt/fold.h"' \
             'runtime/run/x.cpp:#include "runtime/jit/jit_engine.h"' 'compiler/newfolder/x.cpp:#include "core/ir.h"'; do
    mkdir -p "$tmp/$(dirname "${bad%%:*}")"
    file="${bad%%:*}"
    printf '%s\n' "${bad#*:}" > "$tmp/$file"
    if bash "$0" "$tmp" > /dev/null; then echo "self-test: $file (${bad#*:}) was not caught"; exit 1; fi
    rm "$tmp/$file"
  done
  echo "check-layers self-test: ok"
  exit 0
fi

root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
table="$root/scripts/layers.txt"
[[ -f "$table" ]] || { echo "check-layers: no $table"; exit 2; }

declare -A level=()
n=0
while IFS= read -r line; do
  line="${line%%#*}"
  read -r -a folders <<< "$line" || true
  (( ${#folders[@]} )) || continue
  for f in "${folders[@]}"; do level["$f"]=$n; done
  n=$((n + 1))
done < "$table"

# The folder (a key of `level`) a path belongs to: its longest listed prefix.
# Sets `comp` (no subshells: this runs for every include).
component() {
  local d="$1"
  comp=""
  while [[ "$d" == */* ]]; do
    d="${d%/*}"
    if [[ -n "${level[$d]+x}" ]]; then comp="$d"; return; fi
  done
}

declare -A roots=()
for f in "${!level[@]}"; do roots["${f%%/*}"]=1; done

status=0
checked=0
cd "$root"
while IFS= read -r file; do
  [[ -n "${roots[${file%%/*}]+x}" ]] || continue  # tests, bench, editors...
  component "$file"
  from="$comp"
  if [[ -z "$from" ]]; then
    echo "$file: its folder has no layer: add it to scripts/layers.txt"
    status=1
    continue
  fi
  checked=$((checked + 1))
  while IFS=: read -r lineno inc; do
    target="$inc"
    [[ -e "$target" ]] || target="include/$inc"  # the public include directory
    [[ -e "$target" ]] || continue                # system or generated header
    component "$target"
    to="$comp"
    [[ -n "$to" && "$to" != "$from" ]] || continue
    if (( ${level[$to]} >= ${level[$from]} )); then
      kind="up"
      (( ${level[$to]} == ${level[$from]} )) && kind="sideways"
      echo "$file:$lineno: includes \"$inc\" ($to) which is $kind from $from (scripts/layers.txt)"
      status=1
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" | sed -E 's/^([0-9]+):[^"]*"([^"]+)".*/\1:\2/')
done < <(find . -path ./build\* -prune -o -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.def' \) -print | sed 's|^\./||' | sort)

if (( status == 0 )); then echo "check-layers: $checked files, no include against the layer order"; fi
exit $status

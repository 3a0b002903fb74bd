#!/usr/bin/env bash
# `cohort fmt` on the command line: exit codes, --check, --diff, stdin, atomic
# rewrite that keeps permissions. Usage: fmt_cli.sh COHORT_BINARY
set -u
cohort=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

printf 'segment S where a==1   and b\n  channel sms if consent\n' > "$tmp/a.cohort"
chmod 640 "$tmp/a.cohort"
cp "$tmp/a.cohort" "$tmp/orig"

"$cohort" fmt --check "$tmp/a.cohort" 2> "$tmp/err"; [ $? -eq 1 ] || fail "--check on an unformatted file must exit 1"
grep -q "would reformat" "$tmp/err" || fail "--check names the file"
cmp -s "$tmp/a.cohort" "$tmp/orig" || fail "--check must not write"

"$cohort" fmt --diff "$tmp/a.cohort" > "$tmp/diff"; [ $? -eq 0 ] || fail "--diff exits 0"
grep -q '^-segment S where a==1   and b$' "$tmp/diff" || fail "--diff shows the old line"
grep -q '^+  where a == 1 and b$' "$tmp/diff" || fail "--diff shows the new line"
cmp -s "$tmp/a.cohort" "$tmp/orig" || fail "--diff must not write"

"$cohort" fmt "$tmp/a.cohort" || fail "fmt exits 0"
[ "$(cat "$tmp/a.cohort")" = "$(printf 'segment S\n  where a == 1 and b\n  channel sms if consent')" ] || fail "rewritten text"
[ "$(stat -c %a "$tmp/a.cohort")" = 640 ] || fail "permissions kept"
[ -z "$(ls "$tmp" | grep cohort-fmt)" ] || fail "no temporary files left"
"$cohort" fmt --check "$tmp/a.cohort" || fail "--check on a formatted file exits 0"

out=$(printf 'const  x=1\n' | "$cohort" fmt -) || fail "stdin exits 0"
[ "$out" = "const x = 1" ] || fail "stdin to stdout: got '$out'"

printf 'segment S where and\n' > "$tmp/bad.cohort"
cp "$tmp/bad.cohort" "$tmp/bad.orig"
"$cohort" fmt "$tmp/bad.cohort" 2> "$tmp/err"; [ $? -eq 1 ] || fail "syntax errors exit 1"
grep -q "E0002" "$tmp/err" || fail "syntax errors are reported"
cmp -s "$tmp/bad.cohort" "$tmp/bad.orig" || fail "a file with syntax errors is left alone"

"$cohort" fmt 2> /dev/null; [ $? -eq 2 ] || fail "no files is a usage error"
echo "fmt_cli: ok"

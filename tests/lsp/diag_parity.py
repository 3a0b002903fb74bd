#!/usr/bin/env python3
"""The language server publishes what `cohort check` reports (issue 13).

For every .cohort file under tests/golden, tests/cli_ci and examples (test
files included), the diagnostics `cohort lsp` publishes for the open file
must equal `cohort check --format json FILE`: same codes, same ranges, same
severities. Diagnostics located in another file (the schema, or the segment
file an `X_test.cohort` tests) are shown by the server at the file's `use`
(README "Editor support"), so for those only code and severity are compared.
Positions are negotiated as UTF-8 so byte columns compare directly.

Usage: diag_parity.py COHORT_BIN SOURCE_DIR
"""
import json
import os
import subprocess
import sys


def check_json(cohort, paths, cwd):
    out = subprocess.run([cohort, "check", "--format", "json"] + paths, cwd=cwd, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        raise SystemExit(f"FAIL {paths[:3]}: cohort check exited {out.returncode}: {out.stderr}")
    return json.loads(out.stdout)


def key_of(d, path, cwd):
    r = d["range"]
    if r and os.path.abspath(os.path.join(cwd, r["file"])) == os.path.abspath(os.path.join(cwd, path)):
        return (d["code"], d["severity"], (r["line"] - 1, r["column"] - 1, r["end_line"] - 1, r["end_column"] - 1))
    return (d["code"], d["severity"], "elsewhere")


def cli_diags(cohort, path, cwd):
    return sorted((key_of(d, path, cwd) for d in check_json(cohort, [path], cwd)), key=str)


def lsp_diags(cohort, paths, root):
    msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"capabilities": {"general": {"positionEncodings": ["utf-8"]}}}},
            {"jsonrpc": "2.0", "method": "initialized", "params": {}}]
    for p in paths:
        text = open(os.path.join(root, p), encoding="utf-8", errors="surrogateescape").read()
        msgs.append({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                     "params": {"textDocument": {"uri": "file://" + os.path.join(root, p), "languageId": "cohort",
                                                 "version": 1, "text": text}}})
    msgs.append({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    msgs.append({"jsonrpc": "2.0", "method": "exit"})
    data = "\n".join(json.dumps(m) for m in msgs) + "\n"
    out = subprocess.run([cohort, "lsp", "--lit-test"], input=data, capture_output=True, text=True, cwd=root)
    published = {}
    for line in out.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        m = json.loads(line)
        if m.get("method") != "textDocument/publishDiagnostics":
            continue
        path = m["params"]["uri"][len("file://"):]
        result = []
        for d in m["params"]["diagnostics"]:
            r = d["range"]
            sev = {1: "error", 2: "warning", 3: "note"}[d["severity"]]
            key = (r["start"]["line"], r["start"]["character"], r["end"]["line"], r["end"]["character"])
            result.append((d.get("code", ""), sev, key))
        published[os.path.relpath(path, root)] = sorted(result, key=str)
    return published


def same(want, got):
    """Every published diagnostic matches one reported diagnostic: by code,
    severity and range in this file, by code and severity elsewhere."""
    here = [w for w in want if w[2] != "elsewhere"]
    elsewhere = [(w[0], w[1]) for w in want if w[2] == "elsewhere"]
    for g in got:
        if g in here:
            here.remove(g)
        elif (g[0], g[1]) in elsewhere:
            elsewhere.remove((g[0], g[1]))
        else:
            return False
    return not here and not elsewhere


def main():
    cohort, root = sys.argv[1], os.path.abspath(sys.argv[2])
    paths = []
    for top in ("tests/golden", "tests/cli_ci", "examples"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for n in sorted(names):
                if n.endswith(".cohort"):
                    paths.append(os.path.relpath(os.path.join(dirpath, n), root))
    paths.sort()
    published = lsp_diags(cohort, paths, root)
    # One `cohort check` for all files (a process per file is slow under ASan);
    # a diagnostic is attributed to the file its range is in. Files whose
    # diagnostics lie elsewhere (a schema, the file a test file tests) or have
    # no range are checked again on their own, and every unattributed
    # diagnostic of the combined run must be accounted for by those runs.
    combined = check_json(cohort, paths, root)
    by_file = {p: [] for p in paths}
    unattributed = 0
    for d in combined:
        r = d["range"]
        owner = os.path.relpath(os.path.join(root, r["file"]), root) if r else None
        if owner in by_file:
            by_file[owner].append(key_of(d, owner, root))
        else:
            unattributed += 1
    failed = 0
    with_diags = 0
    elsewhere = 0
    for p in paths:
        got = published.get(p)
        want = sorted(by_file[p], key=str)
        if got is None or not same(want, got):
            want = cli_diags(cohort, p, root)  # on its own: with the diagnostics located elsewhere
            elsewhere += sum(1 for w in want if w[2] == "elsewhere")
        if want:
            with_diags += 1
        if got is None or not same(want, got):
            failed += 1
            print(f"FAIL {p}\n  cohort check: {want}\n  cohort lsp:   {got}")
    if elsewhere != unattributed:
        print(f"FAIL {unattributed} diagnostics of the combined check are in no listed file, "
              f"but the files checked alone account for {elsewhere}")
        failed += 1
    print(f"{len(paths) - failed}/{len(paths)} files agree ({with_diags} with diagnostics)")
    # The comparison must not be vacuous: the goldens hold many failing files.
    if with_diags < 20:
        print("FAIL too few files with diagnostics; is the tree complete?")
        failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

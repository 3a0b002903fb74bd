# Shared by the SQL tests: tool discovery (skip 77 outside CI, fail in CI),
# a throwaway PostgreSQL, the DuckDB runner. Sourced.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/pg_lib.sh"
export COHORT_NODE_MODULES=${COHORT_NODE_MODULES:-/work/main/build-test/tools/node_modules}

need() {  # need WHAT CONDITION-COMMAND...
  local what=$1
  shift
  if ! "$@" >/dev/null 2>&1; then
    if [ "${CI:-}" = true ]; then
      echo "FAIL: $what is required in CI (scripts/install-deps.sh / scripts/test.sh install it)" >&2
      exit 1
    fi
    echo "SKIP: $what is not available" >&2
    exit 77
  fi
}

need_tools() {
  need "node" command -v node
  need "@duckdb/node-api in \$COHORT_NODE_MODULES ($COHORT_NODE_MODULES)" test -d "$COHORT_NODE_MODULES/@duckdb/node-api"
  need "PostgreSQL 15 ($PG_BIN)" test -x "$PG_BIN/initdb"
}

# A temp dir the `postgres` user can enter; removed (and the server stopped) on exit.
make_work() {
  WORK=$(mktemp -d /tmp/cohort-sql.XXXXXX)
  chmod 755 "$WORK"
  # COHORT_SQL_KEEP=1 keeps the directory (for debugging a failure).
  trap 'pg_stop "$WORK/pg"; [ "${COHORT_SQL_KEEP:-}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"' EXIT
}

# psql_rows DIR QUERY_FILE OUT_CSV: the query's rows as CSV with a header.
psql_copy_out() {
  local q=$1 out=$2
  { printf 'COPY (\n'; sed -e '$ s/;[[:space:]]*$//' "$q"; printf '\n) TO STDOUT (FORMAT csv, HEADER);\n'; } >"$q.copy"
  pg_psql "$WORK/pg" 5432 -f "$q.copy" >"$out"
}

#!/usr/bin/env bash
# A sharded PostgreSQL on loopback for Cohort's pushed-down SQL: three
# PostgreSQL 15 clusters (initdb/pg_ctl in a directory of ours, Unix sockets
# only, no TCP, no system service): a coordinator and two shards. On the
# coordinator, `patients` and `events` are hash-partitioned by the patient key
# (`id` / `patient_id`, so a patient's events live on its shard) over
# postgres_fdw foreign tables on the shards; the data is loaded through the
# coordinator with COPY, unchanged.
#
#   scripts/pg-shards.sh up [DATA_DIR] [SEGMENT_FILE]   start, create, load
#   scripts/pg-shards.sh down                           stop and remove everything
#   scripts/pg-shards.sh psql [ARGS...]                 psql on the coordinator
#
# Environment: COHORT_SHARDS_DIR (default /tmp/cohort-shards), COHORT (the
# cohort binary, default build/cohort or build-test/cohort), PG_BIN.
# Then e.g.:  cohort sql FILE --dialect postgres > q.sql
#             scripts/pg-shards.sh psql -f q.sql
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/sql/pg_lib.sh"
dir=${COHORT_SHARDS_DIR:-/tmp/cohort-shards}
cohort=${COHORT:-}
if [ -z "$cohort" ]; then
  for c in "$root/build/cohort" "$root/build-test/cohort" "$root/build-rel/cohort"; do [ -x "$c" ] && cohort=$c && break; done
fi
port_of() { case $1 in coord) echo 5440 ;; s0) echo 5441 ;; s1) echo 5442 ;; esac; }

down() {
  for n in coord s0 s1; do pg_stop "$dir/$n"; done
  rm -rf "$dir"
}

up() {
  local data=${1:-$root/examples/data} file=${2:-$root/examples/telehealth.cohort}
  [ -x "$cohort" ] || { echo "pg-shards: set COHORT to the cohort binary" >&2; exit 2; }
  [ -e "$dir" ] && { echo "pg-shards: $dir exists; run \`$0 down\` first" >&2; exit 2; }
  mkdir -p "$dir"
  chmod 755 "$dir"
  for n in coord s0 s1; do pg_start "$dir/$n" "$(port_of $n)"; done
  "$cohort" sql "$file" --ddl --dialect postgres >"$dir/ddl.sql"
  local records
  records=$(sed -n 's/^CREATE TABLE "\([^"]*\)".*/\1/p' "$dir/ddl.sql" | head -1)
  # Shards: plain tables, as the DDL says.
  for n in s0 s1; do pg_psql "$dir/$n" "$(port_of $n)" -f "$dir/ddl.sql"; done
  # Coordinator: partitioned tables whose partitions are the shards' tables.
  {
    echo "CREATE EXTENSION postgres_fdw;"
    for i in 0 1; do
      echo "CREATE SERVER shard$i FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$dir/s$i', port '$(port_of s$i)', dbname 'postgres', fetch_size '10000', batch_size '1000');"
      echo "CREATE USER MAPPING FOR postgres SERVER shard$i OPTIONS (user 'postgres');"
    done
    # `-- key "k"` precedes each CREATE TABLE: partition by it.
    awk '
      /^CREATE INDEX/ { next }   # the shards have the indexes; a partitioned table of foreign tables cannot
      /^-- key "/ { match($0, /"[^"]*"/); key = substr($0, RSTART + 1, RLENGTH - 2); print; next }
      /^CREATE TABLE/ { match($0, /"[^"]*"/); t = substr($0, RSTART + 1, RLENGTH - 2); print; next }
      /^\);/ { print ") PARTITION BY HASH (\"" key "\");";
               for (i = 0; i < 2; i++)
                 printf "CREATE FOREIGN TABLE \"%s_p%d\" PARTITION OF \"%s\" FOR VALUES WITH (MODULUS 2, REMAINDER %d) SERVER shard%d OPTIONS (table_name '\''%s'\'');\n", t, i, t, i, i, t
               next }
      { print }' "$dir/ddl.sql"
  } >"$dir/coord.sql"
  pg_psql "$dir/coord" 5440 -f "$dir/coord.sql"
  for csv in "$data"/*.csv; do
    t=$(basename "$csv" .csv)
    grep -q "^CREATE TABLE \"$t\"" "$dir/ddl.sql" || continue
    pg_psql "$dir/coord" 5440 -c "\\copy \"$t\" FROM '$csv' (FORMAT csv, HEADER)"
  done
  pg_psql "$dir/coord" 5440 -c "ANALYZE" >/dev/null
  echo "pg-shards: coordinator on socket $dir/coord port 5440 (postgresql:///postgres?host=$dir/coord&port=5440&user=postgres)"
  for n in s0 s1; do
    echo "  shard $n: $(pg_psql "$dir/$n" "$(port_of $n)" -At -c "SELECT count(*) FROM \"$records\"") rows of $records"
  done
}

case ${1:-} in
  up) shift; up "$@" ;;
  down) down ;;
  psql) shift; pg_psql "$dir/coord" 5440 "$@" ;;
  *) echo "usage: $0 up [DATA_DIR] [SEGMENT_FILE] | down | psql [ARGS...]" >&2; exit 2 ;;
esac

# Throwaway PostgreSQL 15 clusters for tests and scripts/pg-shards.sh:
# initdb + pg_ctl in a directory of ours, Unix socket in that directory, no
# TCP unless a port is given, no system service. Sourced, not run.
#
#   pg_start DIR [PORT]   initdb (trust auth, C locale, UTF8) and start; the
#                         socket is DIR/.s.PGSQL.PORT (PORT default 5432)
#   pg_stop DIR           stop (fast) if running
#   pg_psql DIR [PORT] ARGS...   psql as `postgres` on that socket
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# initdb refuses to run as root: run the server as `postgres` then.
pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  local dir=$1 port=${2:-5432} listen=${3:-}
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  pg_as "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres --locale=C -E UTF8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; return 1; }
  pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir -p $port -c listen_addresses='$listen' -F -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
    start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
}

pg_stop() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] && pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
  return 0
}

pg_psql() {
  local dir=$1 port=$2
  shift 2
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres "$@"
}

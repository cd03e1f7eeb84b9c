#!/usr/bin/env bash
# Starts a throw-away PostgreSQL 15 cluster with PostGIS for the tests, in the background.
#
# A fresh cluster in $PG_TEST_DIR (default .deps/pg-test): data, unix socket and log all inside
# it. Listens on a free loopback port; TCP connections authenticate with a password (so a wrong
# one is an error, as on a real server), the unix socket trusts. Creates the superuser `vdpark`
# (password `vdpark-test`), the database `vdpark_test`, and there the extension postgis. Never
# timescaledb, even where it is installed: these tests mean plain PostgreSQL + PostGIS on every
# machine, and TimescaleDB is tested on its own server (scripts/start-timescaledb.sh). When it
# answers, prints on stdout the line to evaluate:
#   export VDPARK_POSTGRES_URL=postgres://vdpark:vdpark-test@127.0.0.1:PORT/vdpark_test
# Stop it (and remove the folder) with scripts/stop-postgres.sh, with the same PG_TEST_DIR.
# As root the server runs as the unprivileged `postgres` user, which PostgreSQL requires.
#
#   eval "$(scripts/start-postgres.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DIR="${PG_TEST_DIR:-$ROOT/.deps/pg-test}"
BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PASSWORD=vdpark-test

[ -x "$BIN/initdb" ] || { echo "start-postgres: $BIN/initdb not found (scripts/install-deps.sh installs postgresql-15)" >&2; exit 1; }
[ -f /usr/share/postgresql/15/extension/postgis.control ] || { echo "start-postgres: PostGIS is not installed (scripts/install-deps.sh installs postgresql-15-postgis-3)" >&2; exit 1; }

# A cluster left by an earlier run in the same folder is stopped and replaced.
if [ -d "$DIR" ]; then PG_TEST_DIR="$DIR" "$ROOT/scripts/stop-postgres.sh" || true; fi
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

# PostgreSQL refuses to run as root: run it as `postgres` (the Debian package's user) then.
AS=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  chown postgres: "$DIR"
  AS=(runuser -u postgres --)
fi
pwfile="$DIR/pwfile"
"${AS[@]}" sh -c "umask 077; echo '$PASSWORD' > '$pwfile'"
"${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U vdpark --pwfile="$pwfile" --auth-local=trust \
  --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || { echo "start-postgres: initdb failed:" >&2; cat "$DIR/initdb.log" >&2; exit 1; }
rm -f "$pwfile"

# The port is free when chosen but could be taken before the server binds it: try a few.
started=0
for _ in 1 2 3; do
  PORT="$("$ROOT/scripts/free-port.sh")"
  # fsync off: a test cluster is thrown away, and durability costs the tests time.
  if "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null 2>&1; then
    started=1
    break
  fi
done
if [ "$started" -ne 1 ]; then
  echo "start-postgres: the server did not start; its log ($DIR/server.log):" >&2
  cat "$DIR/server.log" >&2 || true
  exit 1
fi
echo "$PORT" >"$DIR/port"

psql_local() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U vdpark "$@"; }
psql_local -d postgres -c "CREATE DATABASE vdpark_test" >&2
psql_local -d vdpark_test -c "CREATE EXTENSION IF NOT EXISTS postgis" >&2

echo "start-postgres: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') in $DIR on 127.0.0.1:$PORT" >&2
echo "export VDPARK_POSTGRES_URL=postgres://vdpark:$PASSWORD@127.0.0.1:$PORT/vdpark_test"

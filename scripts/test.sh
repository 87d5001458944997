#!/usr/bin/env bash
# Runs the whole test suite. Called by `make test` (and so by CI) after lint, type checks and `kb check`.
#
# Starts a throw-away PostgreSQL 15 cluster on loopback so that the storage and API tests run against both
# SQLite and PostgreSQL, exports its URL as REJUV_TEST_POSTGRES_URL, runs pytest (two xdist workers), and
# stops and deletes the cluster on exit, even when pytest fails. Exits with pytest's exit code.
# A missing PostgreSQL is an error, never a silent skip: `make install` installs it.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" ]]; then
    echo "scripts/test.sh: PostgreSQL is not installed (run 'make install', which installs 'postgresql')" >&2
    exit 3
fi

PG_ROOT=$(mktemp -d /tmp/rejuv-pg.XXXXXX)
PG_PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# initdb refuses to run as root: run the cluster as the postgres user (or as ourselves when not root).
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [[ $(id -u) -eq 0 ]]; then chown postgres "$PG_ROOT"; fi

stop_pg() {
    as_pg "$PG_BIN/pg_ctl" -D "$PG_ROOT/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_ROOT"
}
trap stop_pg EXIT

as_pg "$PG_BIN/initdb" -D "$PG_ROOT/data" -U app -A trust -E UTF8 --no-sync >"$PG_ROOT/initdb.log" 2>&1 \
    || { cat "$PG_ROOT/initdb.log" >&2; exit 3; }
as_pg "$PG_BIN/pg_ctl" -D "$PG_ROOT/data" -l "$PG_ROOT/server.log" -w \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_ROOT -c fsync=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$PG_ROOT/server.log" >&2; exit 3; }
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U app appdb

export REJUV_TEST_POSTGRES_URL="postgresql+psycopg://app@127.0.0.1:$PG_PORT/appdb"
echo "scripts/test.sh: throw-away PostgreSQL on 127.0.0.1:$PG_PORT"

status=0
.venv/bin/python -m pytest -p no:cacheprovider -n 2 "$@" || status=$?
exit $status

# A real PostgreSQL server for the state backend's tests (docs/state.md),
# from Debian's postgresql package. Source it after tests/integration/lib.sh.
#   pg_start            initdb + start a server in a temporary directory,
#                       listening on 127.0.0.1 at a free port and on a unix
#                       socket there; stopped (and removed) at exit. Sets
#                       $PG_PORT, $PG_SOCKET, $PG_PASSWORD. As root the
#                       server runs as `nobody` (postgres refuses root).
#   pg_conn DB          the libpq connection string of database DB over TCP
#                       with the password
#   pg_createdb DB      a new empty database
#   psql_in DB ARGS...  psql as the superuser over the socket
#   pg_stop             stop the server at once (the server "goes away")
# Without the postgresql binaries a test skips (exit 77) with one line, or
# fails when ENVSETUP_REQUIRE_CONFORMANCE=1.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_DIR="" PG_PORT="" PG_SOCKET="" PG_PASSWORD="" PG_AS=()

pg_require() {
  [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] &&
    command -v psql >/dev/null && command -v pg_dump >/dev/null && return 0
  if [ "${ENVSETUP_REQUIRE_CONFORMANCE:-}" = 1 ]; then
    fail "PostgreSQL server binaries not found (install postgresql)"
  fi
  echo "SKIP [$TEST_NAME]: no PostgreSQL server binaries (install postgresql)"
  exit 77
}

pg_stop() {
  [ -n "$PG_DIR" ] || return 0
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
}

pg_cleanup() {
  pg_stop
  [ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
  PG_DIR=""
}

pg_start() {
  local port
  pg_require
  # Not under $WORK (0700, root's): the server's user must reach it.
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/envsetup-pg.XXXXXX")
  chmod 755 "$PG_DIR"
  trap 'pg_cleanup; cleanup' EXIT
  if [ "$(id -u)" = 0 ]; then
    chown nobody "$PG_DIR"
    PG_AS=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups env HOME="$PG_DIR")
  else
    PG_AS=(env)
  fi
  PG_PASSWORD=pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$PG_PASSWORD" >"$PG_DIR/pw"
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U envsetup --pwfile="$PG_DIR/pw" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >"$PG_DIR/initdb.log" 2>&1 ||
    fail "initdb: $(tail -5 "$PG_DIR/initdb.log")"
  rm -f "$PG_DIR/pw"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=on" start >/dev/null 2>&1 ||
    fail "the PostgreSQL server did not start: $(tail -5 "$PG_DIR/server.log")"
  PG_PORT=$port PG_SOCKET=$PG_DIR
}

psql_in() { # DB ARGS...
  local db=$1
  shift
  psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET" -p "$PG_PORT" -U envsetup -d "$db" "$@"
}

pg_createdb() { # DB
  psql_in postgres -c "CREATE DATABASE \"$1\"" || fail "cannot create database $1"
}

pg_conn() { # DB
  printf 'host=127.0.0.1 port=%s dbname=%s user=envsetup password=%s' "$PG_PORT" "$1" "$PG_PASSWORD"
}

# lib.sh's write_acme_config with ENVSETUP_TEST_STATE_BACKEND=postgresql:
# the customer's state in a new database of the server (started on first
# use), so that each fresh config is a fresh state, as a new state dir is.
PG_DB_SERIAL=0
pg_config_backend() { # CONFIG-FILE
  [ -n "$PG_DIR" ] || pg_start
  PG_DB_SERIAL=$((PG_DB_SERIAL + 1))
  PG_STATE_DB=state$PG_DB_SERIAL
  pg_createdb "$PG_STATE_DB"
  ES_TEST_PG_CONN=$(pg_conn "$PG_STATE_DB")
  ES_TEST_STATE_KEY=${ES_TEST_STATE_KEY:-test-state-key-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}
  export ES_TEST_PG_CONN ES_TEST_STATE_KEY
  sed -i 's|^\(customer = {.*\)};|\1state_backend = "postgresql"; state_connection = "env:ES_TEST_PG_CONN"; state_key = "env:ES_TEST_STATE_KEY"; };|' "$1"
  grep -q 'state_backend = "postgresql"' "$1" || fail "no customer line to point at PostgreSQL in $1"
}

pg_restart() { # after pg_stop: the same server, data and port again
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=on" start >/dev/null 2>&1 ||
    fail "the PostgreSQL server did not start again: $(tail -5 "$PG_DIR/server.log")"
}

# The lock id of ENV in the database of the last config (lib.sh's
# state_lock_id), empty when no holder is recorded.
pg_lock_id() { # ENV
  psql_in "$PG_STATE_DB" -tAc "SELECT pid || '@' || host || '@' || since FROM envsetup_lock WHERE environment = '$1'" 2>/dev/null || true
}

# Shared helpers for integration tests. Source it; it sets `set -euo
# pipefail`, makes $WORK (removed on exit) and provides:
#   start_sandbox [ARGS...]  start envsetup-sandbox on a free loopback port;
#                            sets $SANDBOX_URL and $SANDBOX_PID
#   es ARGS...               run envsetup, output to $WORK/out and $WORK/err,
#                            exit code in $RC (never fails the script)
#   expect_rc N              fail unless the last es exited N
#   expect_out TEXT / expect_err TEXT   fail unless the text is there
#   resources_count PROVIDER KIND       resources of that kind in the sandbox
#   example_fakes            the fakes' accounts for globex and initech
#   write_acme_config FILE [CUSTOMER.cfg]  an example pointed at the sandbox
#   build_plugin NAME        build $WORK/NAME/NAME.c out of tree into
#                            $WORK/plugins/NAME.so
#   expect_no_secret VALUE...  no value in any output or state file
#   start_webhook_target     a loopback webhook target ($TARGET_URL)
#   recorded_requests FAKE FILE  the requests to FAKE in a sandbox --record
#                            FILE, one "METHOD PATH[?QUERY]" a line, in order
#   fail MSG
# and, to kill envsetup at a point the sandbox signals rather than after a
# sleep (the barrier, tests/sandbox/README.md):
#   barrier_arm SPEC         hold the reply to the request SPEC names
#   es_bg ARGS...            start envsetup in the background ($ES_PID),
#                            output to $WORK/out and $WORK/err
#   es_bg_wait               wait for it; exit code in $RC
#   barrier_wait STATE [PID] wait until the barrier is `held` (fails if PID
#                            exits first), or until the held request is
#                            over and check it was `dropped` or `released`
#   kill_at_barrier          SIGKILL $ES_PID once its request is held, and
#                            check the sandbox saw the connection dropped
set -euo pipefail

: "${ES_BIN:?ES_BIN must point to the envsetup binary}"
: "${ES_SANDBOX:?ES_SANDBOX must point to envsetup-sandbox}"
: "${ES_PLUGIN_DIR:?}"
: "${ES_SOURCE_DIR:?}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/envsetup-test.XXXXXX")
SANDBOX_PID=""
cleanup() {
  if [ -n "${TARGET_PID:-}" ]; then kill "$TARGET_PID" 2>/dev/null || true; wait "$TARGET_PID" 2>/dev/null || true; fi
  if [ -n "${SMTP_PID:-}" ]; then kill "$SMTP_PID" 2>/dev/null || true; fi
  if [ -n "$SANDBOX_PID" ]; then kill "$SANDBOX_PID" 2>/dev/null || true; wait "$SANDBOX_PID" 2>/dev/null || true; fi
  if [ "${KEEP_WORK:-}" = "" ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT

TEST_NAME=$(basename "$0" .sh)
fail() {
  echo "FAIL [$TEST_NAME]: $*" >&2
  for f in "$WORK/out" "$WORK/err"; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; } >&2
  done
  exit 1
}

start_sandbox() {
  rm -f "$WORK/sandbox.port"
  "$ES_SANDBOX" --listen 127.0.0.1:0 --port-file "$WORK/sandbox.port" "$@" \
    >>"$WORK/sandbox.log" 2>&1 &
  SANDBOX_PID=$!
  for _ in $(seq 100); do
    [ -s "$WORK/sandbox.port" ] && break
    kill -0 "$SANDBOX_PID" 2>/dev/null || fail "sandbox exited: $(cat "$WORK/sandbox.log")"
    sleep 0.05
  done
  [ -s "$WORK/sandbox.port" ] || fail "sandbox did not start"
  SANDBOX_URL="http://127.0.0.1:$(cat "$WORK/sandbox.port")"
}

stop_sandbox() {
  if [ -n "$SANDBOX_PID" ]; then kill "$SANDBOX_PID" 2>/dev/null || true; wait "$SANDBOX_PID" 2>/dev/null || true; fi
  SANDBOX_PID=""
}

RC=0
# ENVSETUP_TEST_WRAPPER: a command `es` runs the binary under (words split
# on spaces), e.g. valgrind for tests/valgrind/run.sh.
es() {
  local wrapper=()
  read -ra wrapper <<<"${ENVSETUP_TEST_WRAPPER:-}"
  set +e
  "${wrapper[@]}" "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
  cat "$WORK/out" >>"$WORK/all-output"
  cat "$WORK/err" >>"$WORK/all-output"
}

ES_PID=""
es_bg() {
  "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" "$@" >"$WORK/out" 2>"$WORK/err" &
  ES_PID=$!
}

es_bg_wait() {
  set +e
  wait "$ES_PID" 2>/dev/null # not bash's "Killed" line
  RC=$?
  set -e
  cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"
}

BARRIER_SPEC=""
barrier_arm() { # SPEC, e.g. 'after:POST /aws/organizations:op=CreateAccount'
  local code
  code=$(curl -s -o "$WORK/barrier.json" -w '%{http_code}' --data-raw "$1" \
    "$SANDBOX_URL/_sandbox/barrier")
  [ "$code" = 200 ] || fail "barrier '$1' refused ($code): $(cat "$WORK/barrier.json")"
  BARRIER_SPEC=$1
}

# The barrier's signal is the synchronisation: each call below returns as
# soon as the sandbox reports the state. The wait is cut in 1 s slices
# only to notice a client that exited without reaching the barrier, and
# BARRIER_TIMEOUT (default 120 s) is a safety net that fails the test.
barrier_wait() { # STATE (held, dropped or released) [PID]
  local want=$1 pid=${2:-} until=held state
  local deadline=$((SECONDS + ${BARRIER_TIMEOUT:-120}))
  [ "$want" = held ] || until=done
  while :; do
    rm -f "$WORK/barrier.json" # no stale answer if the sandbox is gone
    curl -s -o "$WORK/barrier.json" \
      "$SANDBOX_URL/_sandbox/barrier/wait?until=$until&timeout_ms=1000" || true
    state=$(sed -n 's/.*"state":"\([a-z]*\)".*/\1/p' "$WORK/barrier.json")
    case "$state:$until" in
      held:held | released:* | dropped:*) break ;;
      armed:* | held:done) ;;
      *) fail "barrier '$BARRIER_SPEC': unexpected answer $(cat "$WORK/barrier.json")" ;;
    esac
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      fail "barrier '$BARRIER_SPEC': envsetup exited before its request was held"
    fi
    [ "$SECONDS" -lt "$deadline" ] ||
      fail "barrier '$BARRIER_SPEC': not $want after ${BARRIER_TIMEOUT:-120} s ($(cat "$WORK/barrier.json"))"
  done
  [ "$state" = "$want" ] ||
    fail "barrier '$BARRIER_SPEC': expected $want, got $(cat "$WORK/barrier.json")"
}

kill_at_barrier() {
  barrier_wait held "$ES_PID"
  kill -KILL "$ES_PID"
  es_bg_wait
  [ "$RC" = 137 ] || fail "barrier '$BARRIER_SPEC': envsetup was not killed (exit $RC)"
  # The held reply never reached it: the sandbox saw the connection close.
  barrier_wait dropped
}

# envsetup ARGS with the state-put kill hook at PLUGIN:KEY (the window
# between the provider's answer and the id's put); fails unless the hook
# fired (exit 137). Its output joins $WORK/all-output.
es_killed_before_put() { # PLUGIN:KEY ARGS...
  local at=$1 rc
  shift
  ENVSETUP_TEST_KILL_BEFORE_PUT=$at "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" "$@" >"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
  cat "$WORK/killed.out" >>"$WORK/all-output"
  [ "$rc" = 137 ] || fail "$at: the kill hook did not fire (exit $rc)"
}

expect_rc() {
  [ "$RC" -eq "$1" ] || fail "expected exit $1, got $RC"
}
expect_out() {
  grep -qF -- "$1" "$WORK/out" || fail "stdout lacks: $1"
}
expect_err() {
  grep -qF -- "$1" "$WORK/err" || fail "stderr lacks: $1"
}

resources_count() {
  curl -s "$SANDBOX_URL/_sandbox/resources" |
    python3 -c 'import json,sys; p,k=sys.argv[1],sys.argv[2]; print(sum(1 for r in json.load(sys.stdin) if r.get("provider")==p and r.get("kind")==k))' "$1" "$2"
}

# The sandbox's test credentials, handed over the way an operator hands
. "$ES_SOURCE_DIR/tests/support/sandbox_accounts.sh"

# The example customers' accounts at the sandbox (sandbox_accounts.sh), and
# initech's SMTP relay, a real server (tests/support/example_smtp.sh) that
# sandbox-config points it at. Call before start_sandbox; a plugin's own
# test, with its own accounts, does not.
example_fakes() {
  local line
  sandbox_example_accounts
  line=$(bash "$ES_SOURCE_DIR/tests/support/example_smtp.sh" "$WORK/smtp") ||
    fail "the example SMTP relay did not start"
  export "${line%% *}"
  SMTP_PID=${line##* }
}

# A loopback HTTP target for webhooks whose provider posts to the target
# when the webhook is made (SparkPost): 200 to a POST, 500 under /fail, one
# line per post (its path) in $WORK/target.log. Sets $TARGET_URL; stopped
# on exit.
TARGET_PID=""
start_webhook_target() {
  rm -f "$WORK/target.port"
  python3 - "$WORK/target.port" "$WORK/target.log" <<'PY' &
import http.server, os, sys
port_file, log = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(log, "a") as f:
            f.write(self.path + "\n")
        self.send_response(500 if self.path.startswith("/fail") else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(port_file + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(port_file + ".tmp", port_file)
s.serve_forever()
PY
  TARGET_PID=$!
  for _ in $(seq 100); do [ -s "$WORK/target.port" ] && break; sleep 0.05; done
  [ -s "$WORK/target.port" ] || fail "the webhook target did not start"
  TARGET_URL="http://127.0.0.1:$(cat "$WORK/target.port")"
}

# None of the secret VALUEs appears in what the runs printed
# ($WORK/all-output) nor in any state file but the 0600 secrets.json.
recorded_requests() { # FAKE FILE
  python3 -c '
import json, sys
for line in open(sys.argv[2]):
    r = json.loads(line)
    if r.get("fake") == sys.argv[1]:
        print(r["method"], r["path"] + ("?" + r["query"] if r["query"] else ""))
' "$1" "$2"
}

expect_no_secret() { # VALUE...
  local f hits=0 v
  for v in "$@"; do [ -n "$v" ] || fail "expect_no_secret: an empty value"; done
  printf '%s\n' "$@" >"$WORK/needles"
  while IFS= read -r f; do
    if grep -qFf "$WORK/needles" "$f"; then
      echo "secret found in $f" >&2
      hits=$((hits + 1))
    fi
  done < <(printf '%s\n' "$WORK/all-output"; find "$WORK/state" -type f ! -name secrets.json)
  [ "$hits" = 0 ] || fail "$hits files hold a secret"
}

# The lock id (PID@HOST@STARTED) of ENV's state as its holder recorded
# it, empty when nobody holds it: the lock file, or with the postgresql
# backend the envsetup_lock row (tests/support/pg.sh).
state_lock_id() { # ENV
  if [ "${ENVSETUP_TEST_STATE_BACKEND:-file}" = postgresql ]; then
    pg_lock_id "$1"
  elif [ -s "$WORK/state/$1/lock" ]; then
    python3 -c 'import json,sys; h=json.load(open(sys.argv[1])); print("%d@%s@%s" % (h["pid"], h["host"], h["started"]))' \
      "$WORK/state/$1/lock"
  fi
}

# The secret values (6 characters or more) a plain secrets.json holds,
# one a line: what expect_no_secret and a dump are searched for.
secret_values() { # SECRETS.JSON
  python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for group in ("secrets", "outputs"):
    for p in d.get(group, {}).values():
        for v in p.values():
            if len(v) >= 6: print(v)' "$1"
}

# The example customer (or CUSTOMER.cfg) with its URLs pointed at the
# sandbox and its state in $WORK/state, or, with
# ENVSETUP_TEST_STATE_BACKEND=postgresql, in a new database of a real
# PostgreSQL server (tests/support/pg.sh; the *_pg CTest variants).
write_acme_config() {
  "$ES_SOURCE_DIR/scripts/sandbox-config" \
    "${2:-$ES_SOURCE_DIR/etc/customers/acme.cfg}" "$SANDBOX_URL" "$WORK/state" >"$1"
  if [ "${ENVSETUP_TEST_STATE_BACKEND:-file}" = postgresql ]; then
    pg_config_backend "$1"
  fi
}
if [ "${ENVSETUP_TEST_STATE_BACKEND:-file}" = postgresql ]; then
  . "$ES_SOURCE_DIR/tests/support/pg.sh"
  pg_require
fi

# $WORK/NAME/NAME.c built the way a third-party author would (only
# include/envsetup and cmake/EnvsetupPlugin.cmake), into $WORK/plugins.
build_plugin() {
  cat >"$WORK/$1/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project($1 C)
set(CMAKE_C_STANDARD 11)
add_compile_options(-Wall -Wextra -Werror)
set(ENVSETUP_INCLUDE_DIR "$ES_SOURCE_DIR/include")
set(ENVSETUP_PLUGIN_OUTPUT_DIR "$WORK/plugins")
include("$ES_SOURCE_DIR/cmake/EnvsetupPlugin.cmake")
envsetup_add_plugin($1 SOURCES $1.c)
CMAKE
  cmake -S "$WORK/$1" -B "$WORK/$1/build" >"$WORK/cmake.log" 2>&1 || fail "configure: $(tail -5 "$WORK/cmake.log")"
  cmake --build "$WORK/$1/build" >>"$WORK/cmake.log" 2>&1 || fail "build: $(tail -20 "$WORK/cmake.log")"
}

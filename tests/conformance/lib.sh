# Conformance helpers, on top of tests/integration/lib.sh:
#   spec_file PATH              fail loudly unless PATH exists (only a missing
#                               spec directory skips, see SPECS_DIR below)
#   start_prism SPEC UPSTREAM   Stoplight Prism as a validating proxy (--errors:
#                               off-spec requests and off-spec replies of
#                               UPSTREAM become errors); sets $PRISM_URL and
#                               $PRISM_LOG, appends the log to PRISM_LOGS
#   start_proxy LOG ROUTE...    loopback_proxy.py: PREFIX=UPSTREAM routes and,
#                               unless LOG is "", every exchange logged to LOG;
#                               sets $PROXY_URL
#   openapi_summary PLUGIN [ARGS...]  openapi_summary.py over $WORK/exchanges
#                               and every Prism log: operations / validated /
#                               violations; fails unless 100 % clean
#   table_request METHOD PATH QUERY AUTH [BODY]  one --record line, for
#                               table_check.py's own tests
#   table_refuses TABLE PREFIX 'METHOD|PATH|QUERY|AUTH|BODY'...  fail unless
#                               table_check.py refuses each, naming a
#                               VIOLATION
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

CONFORMANCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The providers' published descriptions live outside this repository.
# Absent, the stage is skipped (CTest SKIP_RETURN_CODE 77) so a lone clone
# still passes; ENVSETUP_REQUIRE_CONFORMANCE=1 (CI) makes it a failure.
SPECS_DIR=${ENVSETUP_SPECS_DIR:-${ES_SPECS_DIR:-$ES_SOURCE_DIR/../shared/specs}}
if [ ! -d "$SPECS_DIR" ]; then
  if [ "${ENVSETUP_REQUIRE_CONFORMANCE:-0}" = 1 ]; then
    fail "no specs at $SPECS_DIR and ENVSETUP_REQUIRE_CONFORMANCE=1 (set ENVSETUP_SPECS_DIR to the shared specs directory)"
  fi
  echo "SKIP [$TEST_NAME]: no specs at $SPECS_DIR (set ENVSETUP_SPECS_DIR to the shared specs directory to run it)"
  exit 77
fi
PRISM="$CONFORMANCE_DIR/node_modules/.bin/prism"
HELPER_PIDS=()
PRISM_LOGS=()
stop_helpers() {
  local p
  for p in "${HELPER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  HELPER_PIDS=()
}
trap 'stop_helpers; cleanup' EXIT

spec_file() {
  [ -f "$1" ] || fail "spec file missing: $1 (the conformance stage never skips)"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_prism() {
  local spec=$1 upstream=$2 port log
  spec_file "$spec"
  [ -x "$PRISM" ] || fail "Prism is not installed: run 'npm ci --omit-lockfile-registry-resolved' in tests/conformance (scripts/test does)"
  port=$(free_port)
  log="$WORK/prism-$(basename "$spec").$port.log"
  "$PRISM" proxy -h 127.0.0.1 -p "$port" --errors "$spec" "$upstream" >"$log" 2>&1 &
  HELPER_PIDS+=($!)
  for _ in $(seq 600); do
    grep -q "Prism is listening" "$log" && break
    kill -0 "${HELPER_PIDS[-1]}" 2>/dev/null || fail "prism exited: $(tail -5 "$log")"
    sleep 0.2
  done
  grep -q "Prism is listening" "$log" || fail "prism did not start for $spec"
  PRISM_URL="http://127.0.0.1:$port"
  PRISM_LOG=$log
  PRISM_LOGS+=("$log")
}

start_proxy() {
  local log=$1 pf
  shift
  pf="$WORK/proxy.$RANDOM$RANDOM.port"
  if [ -n "$log" ]; then set -- --log "$log" "$@"; fi
  python3 "$CONFORMANCE_DIR/loopback_proxy.py" --port-file "$pf" "$@" >>"$WORK/proxy.log" 2>&1 &
  HELPER_PIDS+=($!)
  for _ in $(seq 200); do
    [ -s "$pf" ] && break
    kill -0 "${HELPER_PIDS[-1]}" 2>/dev/null || fail "proxy exited: $(tail -5 "$WORK/proxy.log")"
    sleep 0.05
  done
  [ -s "$pf" ] || fail "proxy did not start"
  PROXY_URL="http://127.0.0.1:$(cat "$pf")"
}

openapi_summary() {
  local plugin=$1 l
  shift
  local args=()
  for l in "${PRISM_LOGS[@]}"; do args+=(--prism-log "$l"); done
  python3 "$CONFORMANCE_DIR/openapi_summary.py" "$plugin" --exchanges "$WORK/exchanges.jsonl" \
    --record "$WORK/sandbox.record" "${args[@]}" "$@"
}

table_request() {
  python3 -c 'import json,sys; m,p,q,a=sys.argv[1:5]; b=sys.argv[5] if len(sys.argv)>5 else ""
h={"Authorization":a} if a else {}
if b: h["Content-Type"]="application/json"
print(json.dumps({"method":m,"path":p,"query":q,"headers":h,"body":b}))' "$@"
}

table_refuses() {
  local table=$1 prefix=$2 w m p q a b
  shift 2
  for w in "$@"; do
    IFS='|' read -r m p q a b <<<"$w"
    table_request "$m" "$p" "$q" "$a" "$b" >"$WORK/wrong.jsonl"
    python3 "$CONFORMANCE_DIR/table_check.py" --prefix "$prefix" "$table" "$WORK/wrong.jsonl" >"$WORK/self.out" &&
      fail "the checker accepted a wrong request: $w"
    grep -q "VIOLATION" "$WORK/self.out" || fail "the checker named no violation: $(cat "$WORK/self.out")"
  done
  return 0
}

# GraphQL checks (graphql_check.js), for providers that publish SDL:
#   graphql_exchange BODY REPLY HEADERS   one logged exchange, as
#                               loopback_proxy.py writes it (HEADERS: the
#                               members of a JSON object, '"A": "b", ...')
#   graphql_refuses GOOD ENTRY...  each ENTRY "body|reply|headers" appended
#                               to the exchanges in file GOOD must make
#                               `check` (the caller's) blame exchange 3
graphql_exchange() { # BODY REPLY HEADERS
  python3 -c 'import json,sys; print(json.dumps({"method":"POST","path":"/graphql","request_headers":json.loads("{"+sys.argv[3]+"}"),"request_body":sys.argv[1],"status":200,"headers":{},"body":sys.argv[2]}))' \
    "$1" "$2" "$3"
}

graphql_refuses() { # GOOD ENTRY...
  local good=$1 w body reply hdrs
  shift
  for w in "$@"; do
    IFS='|' read -r body reply hdrs <<<"$w"
    { cat "$good"; graphql_exchange "$body" "$reply" "$hdrs"; } >"$WORK/wrong.jsonl"
    check "$WORK/wrong.jsonl" >"$WORK/self.out" && fail "the checker accepted a wrong exchange: $body / $reply / $hdrs"
    grep -q "^VIOLATION 3" "$WORK/self.out" || fail "the checker blamed the wrong exchange: $(cat "$WORK/self.out")"
  done
}

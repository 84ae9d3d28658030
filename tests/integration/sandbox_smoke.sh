#!/usr/bin/env bash
# The sandbox itself, driven with curl: start-up on port 0, loopback-only
# listening, the Mailgun fake's auth, domains and credentials, the control
# API, every fault kind, --latency-ms overlap, --record lines, hostile
# requests (garbage bodies, broken multipart, a huge header, 16 MiB+), and
# the barrier (hold, release, a killed client, op= of AWS and GraphQL,
# reset, stop).
# Needs only ES_SANDBOX (and curl and python3).
set -euo pipefail
: "${ES_SANDBOX:?ES_SANDBOX must point to envsetup-sandbox}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-smoke.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL [sandbox_smoke]: $*" >&2
  [ -f "$WORK/sandbox.log" ] && tail -n 20 "$WORK/sandbox.log" >&2
  exit 1
}

KEY=key-sandbox-mailgun-0001
export SANDBOX_MAILGUN_API_KEY=$KEY

# start NAME ARGS...: sets $URL (and ${NAME}_PID) from --port-file.
start() {
  local name=$1; shift
  rm -f "$WORK/$name.port"
  "$ES_SANDBOX" --listen 127.0.0.1:0 --port-file "$WORK/$name.port" "$@" \
    >"$WORK/$name.out" 2>>"$WORK/sandbox.log" &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 100); do
    [ -s "$WORK/$name.port" ] && break
    kill -0 "$pid" 2>/dev/null || fail "$name exited: $(cat "$WORK/sandbox.log")"
    sleep 0.05
  done
  [ -s "$WORK/$name.port" ] || fail "$name did not start"
  URL="http://127.0.0.1:$(cat "$WORK/$name.port")"
  grep -qx "listening on 127.0.0.1:$(cat "$WORK/$name.port")" "$WORK/$name.out" ||
    fail "$name did not announce its port on stdout"
}

stop_last() {
  local pid=${PIDS[-1]}
  kill "$pid"; wait "$pid" || fail "sandbox exit $? on SIGTERM"
  unset 'PIDS[-1]'
}

# req [CURL ARGS...] URL: prints "STATUS" and leaves the body in $WORK/body.
req() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
mg() { req -u "api:$KEY" "$@"; }
expect() { # expected-status actual-status what
  [ "$1" = "$2" ] || fail "$3: expected HTTP $1, got $2 ($(head -c 300 "$WORK/body"))"
}
body_has() { grep -qF -- "$1" "$WORK/body" || fail "body lacks $1: $(head -c 300 "$WORK/body")"; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$WORK/body"; }

# --- refusals -------------------------------------------------------------
for bad in 0.0.0.0:0 10.1.2.3:8080 192.168.0.1:0 '[::]:0' example.com:80 127.0.0.1:99999; do
  set +e; "$ES_SANDBOX" --listen "$bad" >/dev/null 2>"$WORK/err"; rc=$?; set -e
  [ "$rc" = 2 ] || fail "--listen $bad: exit $rc, expected 2"
  grep -q "refused\|port" "$WORK/err" || fail "--listen $bad: no message"
done
for spec in 'teapot:* /x' '429:GET /x:nth=0' '429 GET /x' 'slow:* /x' \
            '500:* /x:retry-after=2' '503:get /x' '429:GET x' '502:* /x:p=1.5' \
            '429:* /ok;500:* /x:bogus=1'; do
  set +e; "$ES_SANDBOX" --listen 127.0.0.1:0 --faults "$spec" >/dev/null 2>"$WORK/err"; rc=$?; set -e
  [ "$rc" = 2 ] || fail "--faults '$spec': exit $rc, expected 2"
  grep -q "fault rule [0-9]* '" "$WORK/err" || fail "--faults '$spec': rule not named: $(cat "$WORK/err")"
done
grep -q "fault rule 2 '500:\* /x:bogus=1'" "$WORK/err" || fail "second rule not named"

# --- the Mailgun fake ------------------------------------------------------
FAULTS="429:GET /mailgun/v4/domains/f429:count=1,retry-after=7"
FAULTS+=";503:* /mailgun/v4/domains/f503:nth=2"
FAULTS+=";500:GET /mailgun/v4/domains/f500:every=2"
FAULTS+=";502:GET /mailgun/v4/domains/f502"
FAULTS+=";reset:GET /mailgun/v4/domains/freset"
FAULTS+=";slow:GET /mailgun/v4/domains/fslow:ms=600"
FAULTS+=";malformed:GET /mailgun/v4/domains/fmalformed"
FAULTS+=";500:GET /mailgun/v4/domains/fp:p=0.5"
start main --async-polls 2 --record "$WORK/record.jsonl" --faults "$FAULTS" --seed 42
MAIN_URL=$URL

expect 401 "$(req "$URL/mailgun/v4/domains")" "no auth"
[ "$(cat "$WORK/body")" = Forbidden ] || fail "401 body is not Forbidden"
expect 401 "$(req -u api:key-wrong-0000 "$URL/mailgun/v4/domains")" "wrong key"
expect 401 "$(req -u someone:$KEY "$URL/mailgun/v4/domains")" "wrong user"
expect 401 "$(req -H 'Authorization: Basic !!!notbase64' "$URL/mailgun/v4/domains")" "bad base64"
expect 200 "$(mg "$URL/mailgun/v4/domains?limit=1")" "list"
[ "$(json 'd["total_count"]')" = 0 ] || fail "fresh sandbox has domains"

expect 200 "$(mg -F name=mail.acme.example -F smtp_password=s3cret-pass-1 "$URL/mailgun/v4/domains")" "create"
[ "$(json 'd["domain"]["state"]')" = unverified ] || fail "new domain not unverified"
[ "$(json 'd["domain"]["smtp_login"]')" = postmaster@mail.acme.example ] || fail "smtp_login"
[ "$(json '[r["name"] for r in d["sending_dns_records"] if r["record_type"]=="TXT"][1]')" = pic._domainkey.mail.acme.example ] || fail "DKIM record"
[ "$(json '[r["name"] for r in d["sending_dns_records"] if r["record_type"]=="CNAME"][0]')" = email.mail.acme.example ] || fail "tracking CNAME"
[ "$(json 'len([r for r in d["receiving_dns_records"] if r["record_type"]=="MX"])')" = 2 ] || fail "MX records"
expect 200 "$(mg "$URL/mailgun/v4/domains/mail.acme.example")" "get"
body_has '"name":"mail.acme.example"'
expect 400 "$(mg -d name=mail.acme.example "$URL/mailgun/v4/domains")" "duplicate (urlencoded)"
[ "$(json 'd["message"]')" = "Domain already exists" ] || fail "duplicate message"
expect 400 "$(mg -F name=short.example -F smtp_password=abc "$URL/mailgun/v4/domains")" "short smtp_password"
expect 400 "$(mg -F name=not_a_domain "$URL/mailgun/v4/domains")" "bad name"
expect 404 "$(mg "$URL/mailgun/v4/domains/nope.example")" "missing domain"
[ "$(json 'd["message"]')" = "Domain not found" ] || fail "404 message"

mg -X PUT "$URL/mailgun/v4/domains/mail.acme.example/verify" >/dev/null
[ "$(json 'd["domain"]["state"]')" = unverified ] || fail "verified after 1 of 2 polls"
expect 200 "$(mg -X PUT "$URL/mailgun/v4/domains/mail.acme.example/verify")" "verify"
[ "$(json 'd["domain"]["state"]+" "+d["sending_dns_records"][0]["valid"]')" = "active valid" ] || fail "not active after 2 polls"

expect 200 "$(mg -F id=delivered -F url=https://hooks.example/a "$URL/mailgun/v3/domains/mail.acme.example/webhooks")" "webhook"
expect 400 "$(mg -F id=delivered -F url=https://hooks.example/b "$URL/mailgun/v3/domains/mail.acme.example/webhooks")" "webhook twice"
expect 200 "$(mg -X PUT -F url=https://hooks.example/b "$URL/mailgun/v3/domains/mail.acme.example/webhooks/delivered")" "webhook update"
expect 200 "$(mg --form-string name=Welcome --form-string 'template=<p>{{n}}</p>' "$URL/mailgun/v3/mail.acme.example/templates")" "template"
expect 200 "$(mg "$URL/mailgun/v3/mail.acme.example/templates/welcome?active=yes")" "template get"
body_has '<p>{{n}}</p>'
expect 200 "$(mg -F login=postmaster -F password=Cred-Pass-77 "$URL/mailgun/v3/domains/mail.acme.example/credentials")" "credential"
expect 400 "$(mg -X PUT -F password=abcd "$URL/mailgun/v3/domains/mail.acme.example/credentials/postmaster")" "short password"
expect 200 "$(mg -X PUT -F password=Cred-Pass-88 "$URL/mailgun/v3/domains/mail.acme.example/credentials/postmaster")" "password change"

expect 200 "$(req "$URL/_sandbox/resources")" "resources"
for kind in domain webhook template credential; do
  [ "$(json "sum(1 for r in d if r['provider']=='mailgun' and r['kind']=='$kind')")" = 1 ] ||
    fail "expected one $kind resource"
done
for secret in s3cret-pass-1 Cred-Pass-77 Cred-Pass-88; do
  grep -qF "$secret" "$WORK/body" "$WORK/sandbox.log" "$WORK/main.out" && fail "password $secret in sandbox output"
done
expect 200 "$(req "$URL/_sandbox/requests")" "requests"
[ "$(json 'd["mailgun"]["PUT"]')" = 5 ] || fail "request counts: $(cat "$WORK/body")"
expect 404 "$(req "$URL/nosuchfake/v1/x")" "unknown fake"
body_has '"message"'
expect 404 "$(req "$URL/_sandbox/nothing")" "unknown control endpoint"

# --- faults ---------------------------------------------------------------
D="$URL/mailgun/v4/domains"
code=$(curl -s -u "api:$KEY" -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' "$D/f429")
expect 429 "$code" "429 count=1"
grep -qi '^retry-after: 7' "$WORK/headers" || fail "no Retry-After: 7"
expect 404 "$(mg "$D/f429")" "429 only once"
expect 404 "$(mg "$D/f503")" "503 nth=2, 1st"
expect 503 "$(mg -X PUT "$D/f503")" "503 nth=2, 2nd (any method)"
expect 404 "$(mg "$D/f503")" "503 nth=2, 3rd"
expect 404 "$(mg "$D/f500")" "500 every=2, 1st"
expect 500 "$(mg "$D/f500")" "500 every=2, 2nd"
expect 404 "$(mg "$D/f500")" "500 every=2, 3rd"
expect 500 "$(mg "$D/f500")" "500 every=2, 4th"
expect 502 "$(mg "$D/f502")" "502"
set +e; curl -s -u "api:$KEY" -o /dev/null "$D/freset"; rc=$?; set -e
[ "$rc" = 52 ] || [ "$rc" = 56 ] || fail "reset: curl exit $rc, expected an empty reply (52/56)"
t=$(curl -s -u "api:$KEY" -o "$WORK/body" -w '%{time_total}' "$D/fslow")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 0.6 else 1)" "$t" || fail "slow took only ${t}s"
grep -q "Domain not found" "$WORK/body" || fail "slow did not answer normally"
expect 200 "$(mg "$D/fmalformed")" "malformed"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/body" 2>/dev/null && fail "malformed body parsed as JSON"
seq_a=""; for _ in $(seq 40); do seq_a+="$(mg "$D/fp") "; done
n500=$(tr ' ' '\n' <<<"$seq_a" | grep -c 500 || true)
[ "$n500" -ge 8 ] && [ "$n500" -le 32 ] || fail "p=0.5 gave $n500/40 errors"
expect 200 "$(req -X POST "$URL/_sandbox/reset")" "reset"
seq_b=""; for _ in $(seq 40); do seq_b+="$(mg "$D/fp") "; done
[ "$seq_a" = "$seq_b" ] || fail "same seed, different fault sequence after reset"
expect 200 "$(req "$URL/_sandbox/resources")" "resources after reset"
[ "$(json 'len(d)')" = 0 ] || fail "reset kept resources"

# --- hostile requests -------------------------------------------------------
head -c 5000 /dev/urandom >"$WORK/garbage"
expect 401 "$(req --data-binary @"$WORK/garbage" "$URL/mailgun/v4/domains")" "garbage, no auth"
expect 400 "$(mg --data-binary @"$WORK/garbage" -H 'Content-Type: multipart/form-data; boundary=x' "$URL/mailgun/v4/domains")" "garbage multipart"
expect 400 "$(mg --data-binary @"$WORK/garbage" -H 'Content-Type: application/x-www-form-urlencoded' "$URL/mailgun/v4/domains")" "garbage urlencoded"
printf -- '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\ntrunc.example' >"$WORK/trunc"
expect 400 "$(mg --data-binary @"$WORK/trunc" -H 'Content-Type: multipart/form-data; boundary=b' "$URL/mailgun/v4/domains")" "truncated multipart"
printf -- '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nok.example\r\n--b--\r\n' >"$WORK/good"
expect 200 "$(mg --data-binary @"$WORK/good" -H 'Content-Type: multipart/form-data; boundary="b"' "$URL/mailgun/v4/domains")" "hand-made multipart"
expect 400 "$(mg --data-binary @"$WORK/good" -H 'Content-Type: multipart/form-data' "$URL/mailgun/v4/domains")" "multipart without boundary"
expect 404 "$(mg "$URL/mailgun/v4/domains/%ff%00x")" "escaped bytes in path"
expect 404 "$(mg "$URL/mailgun/v3/a/b/c/d/e/f/g/h/i/j/k")" "deep path"
{ printf 'X-Big: '; head -c 200000 /dev/zero | tr '\0' a; echo; } >"$WORK/bigheader"
code=$(curl -s -o /dev/null -w '%{http_code}' -H @"$WORK/bigheader" "$URL/mailgun/v4/domains" || true)
case "$code" in 413|431|000) ;; *) fail "huge header: HTTP $code" ;; esac
head -c $((16 * 1024 * 1024 + 1)) /dev/zero >"$WORK/huge"
expect 413 "$(mg --data-binary @"$WORK/huge" "$URL/mailgun/v4/domains")" "17 MiB body"
expect 413 "$(mg -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/huge" "$URL/mailgun/v4/domains")" "17 MiB chunked"
rm -f "$WORK/huge"
expect 200 "$(mg "$URL/mailgun/v4/domains")" "still serving after hostile requests"

# --- the record -----------------------------------------------------------
python3 - "$WORK/record.jsonl" "$KEY" <<'EOF' || fail "record file"
import base64, json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) > 50, len(lines)
for l in lines:
    for k in ("ts", "fake", "method", "path", "query", "headers", "content_type", "body", "body_base64", "status", "fault"):
        assert k in l, (k, l)
    assert not l["path"].startswith("/_sandbox/"), l["path"]
auth = "Basic " + base64.b64encode(("api:" + sys.argv[2]).encode()).decode()
assert any(l["headers"].get("Authorization") == auth for l in lines)
assert any(l["query"] == "limit=1" and l["fake_path"] == "/v4/domains" for l in lines)
assert any(l["fault"] == "reset" and l["status"] == 0 for l in lines)
assert any(l["fault"] == "429" and l["status"] == 429 for l in lines)
assert any(l["body_base64"] for l in lines)
mp = [l for l in lines if (l["content_type"] or "").startswith("multipart/form-data; boundary=")]
assert any("s3cret-pass-1" in l["body"] and not l["body_base64"] for l in mp)
EOF
stop_last

# --- faults never touch the control API; --root; latency overlaps -----------
start root --root mailgun --faults '503:* /'
expect 503 "$(mg "$URL/v4/domains")" "--root path with fault"
expect 200 "$(req "$URL/_sandbox/requests")" "control API under a catch-all fault"
stop_last
start root2 --root mailgun
expect 200 "$(mg "$URL/v4/domains")" "--root routes unprefixed paths"
expect 200 "$(mg "$URL/mailgun/v4/domains")" "prefixed path still routed"
stop_last

start slow --latency-ms 400
t0=$(date +%s%N)
curls=()
for i in 1 2 3 4; do
  curl -s -o /dev/null -w '%{time_total}' -u "api:$KEY" "$URL/mailgun/v4/domains" >"$WORK/t$i" &
  curls+=($!)
done
wait "${curls[@]}"
t1=$(date +%s%N)
for i in 1 2 3 4; do
  python3 -c "import sys; sys.exit(0 if float(open(sys.argv[1]).read()) >= 0.4 else 1)" "$WORK/t$i" || fail "request $i faster than latency"
done
elapsed=$(( (t1 - t0) / 1000000 ))
[ "$elapsed" -lt 1400 ] || fail "4 parallel requests took ${elapsed}ms: latency does not overlap"
stop_last

# --- the barrier ------------------------------------------------------------
start barrier
bar() { req "$@"; } # METHOD-ARGS... PATH under /_sandbox/barrier
for spec in 'sometime:POST /x' 'after:POST x' 'after:POST /x:nth=0' 'after:POST /x:op=' \
            'after:POST /x:bogus=1' 'after'; do
  expect 400 "$(bar --data-raw "$spec" "$URL/_sandbox/barrier")" "barrier spec '$spec'"
  body_has '"message"'
done
expect 409 "$(bar "$URL/_sandbox/barrier/wait?timeout_ms=10")" "wait with no barrier armed"
expect 400 "$(bar "$URL/_sandbox/barrier/wait?until=soon")" "wait until=soon"

# after: the fake does the work, the reply waits for the release.
expect 200 "$(bar --data-raw 'after:POST /mailgun/v4/domains:nth=2' "$URL/_sandbox/barrier")" "arm"
expect 408 "$(bar "$URL/_sandbox/barrier/wait?timeout_ms=50")" "wait before any request"
expect 200 "$(mg -F name=b1.example "$URL/mailgun/v4/domains")" "1st domain, not held"
mg -F name=b2.example "$URL/mailgun/v4/domains" >"$WORK/held.status" &
client=$!
expect 200 "$(bar "$URL/_sandbox/barrier/wait")" "wait until held"
[ "$(json 'd["state"], d["seen"], d["request"]')" = 'held 2 POST /mailgun/v4/domains' ] ||
  fail "held status: $(cat "$WORK/body")"
expect 409 "$(bar --data-raw 'after:* /x' "$URL/_sandbox/barrier")" "arm while held"
expect 200 "$(req "$URL/_sandbox/resources?kind=domain")" "resources while held"
[ "$(json 'len(d)')" = 2 ] || fail "after: the fake did not create the held domain"
kill -0 "$client" || fail "the held client got its reply before the release"
expect 200 "$(bar -X POST "$URL/_sandbox/barrier/release")" "release"
wait "$client"
[ "$(cat "$WORK/held.status")" = 200 ] || fail "released client got $(cat "$WORK/held.status")"
expect 200 "$(bar "$URL/_sandbox/barrier/wait?until=done")" "wait until done"
[ "$(json 'd["state"]')" = released ] || fail "not released: $(cat "$WORK/body")"

# before, client killed: the fake never sees the request.
expect 200 "$(req -X POST "$URL/_sandbox/reset")" "reset"
expect 200 "$(bar --data-raw 'before:POST /mailgun/v4/domains' "$URL/_sandbox/barrier")" "arm before"
curl -s -u "api:$KEY" -F name=b3.example "$URL/mailgun/v4/domains" >/dev/null &
client=$!
expect 200 "$(bar "$URL/_sandbox/barrier/wait")" "wait until held (before)"
kill -9 "$client"; wait "$client" 2>/dev/null || true
expect 200 "$(bar "$URL/_sandbox/barrier/wait?until=done")" "wait until dropped"
[ "$(json 'd["state"]')" = dropped ] || fail "killed client not seen: $(cat "$WORK/body")"
expect 200 "$(req "$URL/_sandbox/requests")" "requests after the drop"
[ "$(cat "$WORK/body")" = "{}" ] || fail "a request dropped before the fake was counted: $(cat "$WORK/body")"
expect 200 "$(req "$URL/_sandbox/resources")" "resources after the drop"
[ "$(json 'len(d)')" = 0 ] || fail "before: the fake saw the dropped request"

# The client PID's request is the one held ("SEEN METHOD PATH OP"), then
# a reset drops it.
held_then_reset() { # PID REQUEST
  expect 200 "$(bar "$URL/_sandbox/barrier/wait")" "wait for ${2##* }"
  [ "$(json 'd["seen"], d["request"]')" = "$2" ] || fail "op= status: $(cat "$WORK/body")"
  expect 200 "$(req -X POST "$URL/_sandbox/reset")" "reset while ${2##* } is held"
  wait "$1" || true
}

# op= matches an AWS operation; reset drops a held request.
expect 200 "$(bar --data-raw 'before:POST /aws/organizations:op=CreateAccount' "$URL/_sandbox/barrier")" "arm op"
curl -s -o /dev/null -H 'X-Amz-Target: AWSOrganizationsV20161128.ListAccounts' -d '{}' \
  "$URL/aws/organizations/"
curl -s -o "$WORK/reset.body" -w '%{http_code}' -H 'X-Amz-Target: AWSOrganizationsV20161128.CreateAccount' \
  -d '{}' "$URL/aws/organizations/" >"$WORK/reset.status" &
held_then_reset $! '1 POST /aws/organizations/ CreateAccount'
[ "$(cat "$WORK/reset.status")" = 000 ] || fail "reset did not drop the held request"
expect 200 "$(bar "$URL/_sandbox/barrier")" "status after reset"
[ "$(json 'd["state"]')" = dropped ] || fail "after reset: $(cat "$WORK/body")"

# op= matches a GraphQL operation by the name in the body's query.
expect 200 "$(bar --data-raw 'before:POST /newrelic/graphql:op=CreatePolicy' "$URL/_sandbox/barrier")" "arm GraphQL op"
curl -s -o /dev/null -d '{"query":"query FindPolicy($accountId: Int!) { actor { user { id } } }"}' \
  "$URL/newrelic/graphql"
curl -s -o /dev/null -d '{"query":"mutation CreatePolicy($accountId: Int!) { alertsPolicyCreate }"}' \
  "$URL/newrelic/graphql" &
held_then_reset $! '1 POST /newrelic/graphql CreatePolicy'

# SIGTERM with a request held and a test waiting: a prompt, clean exit.
expect 200 "$(bar --data-raw 'after:GET /mailgun/v4/domains' "$URL/_sandbox/barrier")" "arm for stop"
curl -s -o /dev/null -u "api:$KEY" "$URL/mailgun/v4/domains" &
client=$!
expect 200 "$(bar "$URL/_sandbox/barrier/wait")" "wait (stop)"
curl -s -o /dev/null "$URL/_sandbox/barrier/wait?until=done&timeout_ms=600000" &
waiter=$!
t0=$(date +%s%N)
stop_last
wait "$client" "$waiter" || true
elapsed=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$elapsed" -lt 3000 ] || fail "stopping with a held request took ${elapsed}ms"

echo "sandbox_smoke: all checks passed"

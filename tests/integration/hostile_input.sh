#!/usr/bin/env bash
# Hostile configs and command lines: each is rejected with a clear message
# naming the file (and line and key where there is one), a documented
# non-zero exit code, and no crash (a crash would be exit >= 128).
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
SANDBOX_URL=http://127.0.0.1:9   # never contacted: nothing here gets that far
good="$WORK/good.cfg"
write_acme_config "$good"
es check "$good" --env uat; expect_rc 0

no_crash() { [ "$RC" -lt 128 ] || fail "crashed (exit $RC) on $1"; }
reject() { # name, expected exit, expected stderr text
  es check "$WORK/$1" --env uat; no_crash "$1"; expect_rc "$2"; expect_err "$3"
}

: >"$WORK/empty.cfg";                         reject empty.cfg 1 "empty.cfg"
head -c 4096 /dev/urandom >"$WORK/binary.cfg"; reject binary.cfg 1 "binary.cfg"
head -c 3000 "$good" >"$WORK/truncated.cfg";   reject truncated.cfg 1 "truncated.cfg:"
mkdir "$WORK/dir.cfg";                         reject dir.cfg 1 "dir.cfg"
reject missing.cfg 1 "missing.cfg"
python3 -c 'import sys; open(sys.argv[1],"w").write("# x\n" * 2000000)' "$WORK/huge.cfg"
reject huge.cfg 1 "huge.cfg"
printf '@include "self.cfg"\n' >"$WORK/self.cfg"; reject self.cfg 1 "self.cfg"

# A schema format (ES_FORMAT_HOSTNAME) is checked with file, line and key.
sed 's|uat = { domain = "mail.uat.acme.example";|uat = { domain = "not a hostname";|' "$good" >"$WORK/badhost.cfg"
grep -q 'not a hostname' "$WORK/badhost.cfg" || fail "badhost.cfg: the sed found no uat domain"
reject badhost.cfg 1 "is not a host name"
grep -qE "badhost.cfg:[0-9]+: mailgun(\.environments\.uat)?\.domain" "$WORK/err" ||
  fail "no file:line: key for the format finding"
# A plugin's own validate() runs in check: its finding names file, line, key.
sed 's|webhook_events = \[ "delivered", "permanent_fail", "complained" \];|webhook_events = [ ];|' "$good" >"$WORK/noevents.cfg"
grep -q 'webhook_events = \[ \];' "$WORK/noevents.cfg" || fail "noevents.cfg: the sed found no webhook_events"
reject noevents.cfg 1 "webhook_url is set but no event is chosen"
grep -qE "noevents.cfg:[0-9]+: mailgun.webhook_events" "$WORK/err" || fail "no file:line: key for the validate() finding"

# Every number is checked at the width it is used at, and named as written:
# libconfig and 32-bit HTTP timeouts once turned these into other values.
number_case() { # FILE SED-EXPRESSION EXPECTED-TEXT
  sed "$2" "$good" >"$WORK/$1"
  cmp -s "$good" "$WORK/$1" && fail "$1: the sed changed nothing"
  reject "$1" 1 "$3"
  grep -qE "$1:[0-9]+: " "$WORK/err" || fail "$1: no file:line: for the number"
}
number_case timeout32.cfg 's|    region = "us";|    region = "us"; http_timeout = "4294967297ms";|' \
  'mailgun.http_timeout: "4294967297ms" is too long: at most 4294967295ms'
number_case timeout50d.cfg 's|    region = "us";|    region = "us"; http_timeout = "50d";|' \
  'mailgun.http_timeout: "50d" is too long'
number_case ttl64.cfg 's|account_mode = "create";|account_mode = "create"; ttl = 99999999999999999999;|' \
  'aws.ttl: 99999999999999999999 is out of range'
number_case poll0.cfg '0,/poll_interval = "1s"/s|poll_interval = "1s"|poll_interval = "0ms"|' \
  'aws.poll_interval: "0ms" is too short: at least 1ms'
number_case concurrency64.cfg 's|    region = "us";|    region = "us"; max_concurrency = -99999999999999999999;|' \
  'mailgun.max_concurrency: -99999999999999999999 is out of range'

sed 's|    region = "us";|    region = "us";\n    domian = "x.example";|' "$good" >"$WORK/typo.cfg"
reject typo.cfg 1 "did you mean 'domain'"
expect_err "typo.cfg:"
expect_err "mailgun.domian"

sed 's|api_key = "env:MAILGUN_API_KEY";|api_key = "key-literal-in-the-file-123";|' "$good" >"$WORK/literal.cfg"
reject literal.cfg 1 "mailgun.api_key"
grep -q "key-literal-in-the-file-123" "$WORK/out" "$WORK/err" && fail "literal secret echoed"

sed 's|region = "us";|region = "mars";|' "$good" >"$WORK/enum.cfg"
reject enum.cfg 1 "mailgun.region"

# libconfig turns escapes into raw bytes after the file's UTF-8 check:
# invalid UTF-8 or terminal escapes never reach state.json or a terminal.
sed 's|name = "Acme Corp"|name = "Acme\\xffCorp"|' "$good" >"$WORK/rawbyte.cfg"
cmp -s "$good" "$WORK/rawbyte.cfg" && fail "rawbyte.cfg: the sed changed nothing"
reject rawbyte.cfg 1 "customer.name: byte 5 (0xff) is not UTF-8 text"
sed 's|name = "Acme Corp"|name = "Acme\\x1b[2JCorp"|' "$good" >"$WORK/escape.cfg"
reject escape.cfg 1 "customer.name: has a control character (0x1b, byte 5)"
grep -q $'\x1b' "$WORK/err" "$WORK/out" && fail "an escape sequence reached the terminal"

# A CR/LF in a secret would inject an HTTP header: refused when loaded,
# without showing the value.
AWS_ACCESS_KEY_ID=$'AKIASANDBOX000000001\r\nX-Injected: yes' es check "$good" --env uat
no_crash crlf; expect_rc 1; expect_err "aws.access_key_id"
expect_err "the secret from env:AWS_ACCESS_KEY_ID has a control character (byte 21, 0x0d)"
grep -q "X-Injected" "$WORK/err" "$WORK/out" && fail "the secret's value was shown"


# A reference to a variable not set yet: check lists the key as an
# unanswered element with its question (exit 2, pending) and the rest of
# the file; plan, which would call Mailgun, refuses it naming file, line,
# key and variable.
sed 's|api_key = "env:MAILGUN_API_KEY";|api_key = "env:NO_SUCH_VAR_FOR_TEST";|' "$good" >"$WORK/noenv.cfg"
es check "$WORK/noenv.cfg" --env uat; expect_rc 2
expect_out "mailgun.api_key"
expect_out "(env:NO_SUCH_VAR_FOR_TEST is not set)"
read -r got total < <(sed -nE 's/^([0-9]+) of ([0-9]+) elements.*/\1 \2/p' "$WORK/out")
[ "$got" = $((total - 1)) ] || fail "check counts $got of $total answered; one secret is unset"
es status "$WORK/noenv.cfg" --env uat; expect_rc 0
es plan "$WORK/noenv.cfg" --env uat; no_crash noenv.cfg; expect_rc 1
grep -qE "noenv.cfg:[0-9]+: mailgun.api_key: environment variable NO_SUCH_VAR_FOR_TEST is not set" "$WORK/err" ||
  fail "plan does not name file, line, key and variable of the unset reference"

sed 's|api_key = "env:MAILGUN_API_KEY";|api_key = "file:key.txt";|' "$good" >"$WORK/filemode.cfg"
echo "key-from-a-file-0001" >"$WORK/key.txt"; chmod 0644 "$WORK/key.txt"
reject filemode.cfg 1 "0644"
chmod 0600 "$WORK/key.txt"
es check "$WORK/filemode.cfg" --env uat; expect_rc 0

sed 's|api_url = "[^"]*";|api_url = "http://mail.example.com/";|' "$good" >"$WORK/plainhttp.cfg"
reject plainhttp.cfg 1 "mailgun.api_url"

sed 's|{ section = "1"; manual = (|{ section = "1"; plugins = [ "nosuchplugin" ]; manual = (|' "$good" >"$WORK/noplugin.cfg"
grep -q nosuchplugin "$WORK/noplugin.cfg" || fail "noplugin.cfg: the sed found no section"
es check "$WORK/noplugin.cfg" --env uat; no_crash noplugin; [ "$RC" -ne 0 ] || fail "unknown plugin accepted"

es check "$good" --env staging; expect_rc 1; expect_err "staging"

# Command lines.
es; expect_rc 64
es frobnicate "$good"; expect_rc 64; expect_err "unknown command"
es plan "$good" --bogus; expect_rc 64; expect_err "unknown option"
es apply "$good"; expect_rc 64; expect_err "needs --env"
es plan "$good" --parallelism 0; expect_rc 64
es confirm "$good" checklist:vpn_access --env uat; expect_rc 64
es plan "$good" --env uat --only nosuch; expect_rc 1; expect_err "nosuch"
# An empty name selects nothing rather than everything, and a selection
# that leaves nothing is an error, not "No changes".
es plan "$good" --env uat --only ''; expect_rc 64; expect_err "'' has an empty one"
es plan "$good" --env uat --skip mailgun,; expect_rc 64; expect_err "has an empty one"
es plan "$good" --env uat --only mailgun --skip mailgun; expect_rc 1
expect_err "--only and --skip leave no task to run"

# Providers that do not answer: the first request to an origin is retried
# to its limit, later ones fail at once, naming why (the run ends in seconds,
# not minutes), and no task is shown in place that was not looked at.
es plan "$good" --env uat -p 1; no_crash unreachable; expect_rc 4
[ "$(grep -c ' attempts)' "$WORK/err")" = 1 ] ||
  fail "requests to an origin nobody answers were retried again: $(grep -c ' attempts)' "$WORK/err")"
expect_err "not sent: nobody answered there earlier in this run"

# A corrupt state file is refused, named, and left as it was.
start_sandbox
write_acme_config "$good"
# -q: errors only, for plan and apply too; the exit code says the rest.
es -q apply "$good" --env uat --only mailgun:verify_api_key; expect_rc 0
[ -s "$WORK/out" ] && fail "apply -q printed: $(head -3 "$WORK/out")"
es -q plan "$good" --env uat --only mailgun; expect_rc 2
[ -s "$WORK/out" ] && fail "plan -q printed: $(head -3 "$WORK/out")"
es apply "$good" --env uat --only mailgun:verify_api_key; expect_rc 0
state=$(find "$WORK/state" -name state.json)
[ -n "$state" ] || fail "no state.json"
printf '{"format_version": 1, "tasks": [garbage' >"$state"
sum=$(md5sum <"$state")
es plan "$good" --env uat; no_crash state; expect_rc 1; expect_err "state.json"
[ "$(md5sum <"$state")" = "$sum" ] || fail "corrupt state file was modified"
# A FIFO in place of the config file or of a file of the state directory is
# refused by name instead of hanging the run (timeout: a regression fails).
es_timed() {
  set +e
  timeout -s KILL 60 "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
  [ "$RC" -ne 137 ] || fail "hung until killed: $*"
}
mkfifo "$WORK/fifo.cfg"
es_timed check "$WORK/fifo.cfg" --env uat; expect_rc 1; expect_err "fifo.cfg: not a regular file"
statedir=$(dirname "$state")
for f in state.json journal.jsonl secrets.json lock; do
  rm -rf "$statedir"
  es apply "$good" --env uat --only mailgun:verify_api_key; expect_rc 0
  rm -f "$statedir/$f"; mkfifo "$statedir/$f"
  for cmd in status plan apply; do
    es_timed "$cmd" "$good" --env uat --only mailgun:verify_api_key
    [ "$cmd" = status ] && [ "$f" = lock ] && { expect_rc 0; continue; }
    expect_rc 1; expect_err "$f: not a regular file"
  done
done
# A lock holder's record reaches the terminal without its escape sequences.
rm -rf "$statedir"
es apply "$good" --env uat --only mailgun:verify_api_key; expect_rc 0
sh -c 'exit 0' & gone=$!; wait "$gone"
printf '{"pid": %d, "host": "%s", "started": "2026-01-01T00:00:00Z", "command": "envsetup \\u001b[2J\\u001b]0;owned\\u0007"}' \
  "$gone" "$(hostname)" >"$statedir/lock"
es plan "$good" --env uat --only mailgun:verify_api_key; expect_rc 0
expect_err "taking over the stale lock of pid $gone"
grep -q $'\x1b' "$WORK/err" "$WORK/out" && fail "an escape sequence from the lock file reached the terminal"
echo "hostile_input: all checks passed"

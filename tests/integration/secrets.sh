#!/usr/bin/env bash
# Run the whole example customer (aws, godaddy-ssl, mailgun, intercom) with
# known secret values and the most verbose output (HTTP traces included), then
# search every output for every secret the run knew: the configured keys,
# the passwords and tokens it generated or received, the private keys it
# made, the STS session the aws plugin was handed. Outputs: stdout, stderr,
# the run log, state.json, the journal, the report. secrets.json and the
# key files are the only places they may be, and both must be mode 0600.
. "$(dirname "$0")/lib.sh"

key="key-Zq8secretVALUE-$$-$RANDOM"
export MAILGUN_API_KEY=$key SANDBOX_MAILGUN_API_KEY=$key
export SANDBOX_AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
token="intercom-Zq8secretTOKEN-$$-$RANDOM"
export INTERCOM_ACCESS_TOKEN=$token SANDBOX_INTERCOM_TOKEN=$token
export INTERCOM_API_SECRET="ivsecret-Zq8secretIV-$$-$RANDOM"
start_sandbox --async-polls 1 --record "$WORK/record.jsonl"
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"

es -vv check "$cfg" --env uat
es -vv plan "$cfg" --env uat
es -vv apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
es -vv plan "$cfg" --env uat --json; expect_rc 0
es -vv status "$cfg" --env uat
es -vv status "$cfg" --env uat --json
es -vv report "$cfg" --env uat; expect_rc 0

secrets_file=$(find "$WORK/state" -name secrets.json)
[ -n "$secrets_file" ] || fail "no secrets.json"
[ "$(stat -c %a "$secrets_file")" = 600 ] || fail "secrets.json is not 0600"
keys=$(find "$WORK/state" -name '*.key')
[ -n "$keys" ] || fail "no private key was made"
for k in $keys; do [ "$(stat -c %a "$k")" = 600 ] || fail "$k is not 0600"; done

# Every secret value: configured ones, everything in secrets.json, the
# Basic credentials as sent, and each line of each private key's body.
python3 - "$secrets_file" $keys >"$WORK/needles" <<'PY'
import json, os, sys
out = set()
for name in ("MAILGUN_API_KEY", "AWS_SECRET_ACCESS_KEY", "GODADDY_API_SECRET", "GODADDY_API_KEY",
             "INTERCOM_ACCESS_TOKEN", "INTERCOM_API_SECRET"):
    out.add(os.environ[name])
def walk(o):
    if isinstance(o, dict):
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
    elif isinstance(o, str) and len(o) >= 8:
        out.add(o)
walk(json.load(open(sys.argv[1])))
for path in sys.argv[2:]:
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("-----"):
            out.add(line)
import base64
out.add(base64.b64encode(("api:" + os.environ["MAILGUN_API_KEY"]).encode()).decode())
print("\n".join(sorted(out)))
PY
needles=$(wc -l <"$WORK/needles")
[ "$needles" -ge 8 ] || fail "only $needles secret values to look for"

haystacks=("$WORK/all-output")
while IFS= read -r f; do haystacks+=("$f"); done < <(find "$WORK/state" -type f ! -name secrets.json ! -name '*.key')
hits=0
for h in "${haystacks[@]}"; do
  if grep -qFf "$WORK/needles" "$h"; then
    echo "secret found in $h: $(grep -oFf "$WORK/needles" "$h" | head -1 | cut -c1-6)..." >&2
    hits=$((hits + 1))
  fi
done
[ "$hits" = 0 ] || fail "$hits files hold a secret"
grep -q "Authorization: \*\*\*" "$WORK/all-output" || fail "no masked trace seen: -vv traces missing?"
echo "secrets: searched ${#haystacks[@]} files for $needles secret values: 0 hits"

# The STS sessions: AssumeRole's reply holds <SecretAccessKey> and
# <SessionToken> before anything has registered them as secrets, so only
# the masking of reply bodies keeps them out of the -vv traces. The sandbox
# derives both from the session's key id (fake_aws.c); recompute them from
# the recorded requests signed with a session key, and check the derivation
# against the session token those requests carried. The -vv apply and plan
# above both assumed the role (each run opens its own session).
python3 - "$WORK/record.jsonl" >"$WORK/sts-needles" <<'PY' || fail "no STS session values to look for"
import hashlib, hmac, json, os, re, sys
master = os.environ["SANDBOX_AWS_SECRET_ACCESS_KEY"].encode()
def mac(msg):
    return hmac.new(master, msg.encode(), hashlib.sha256).hexdigest()
assumed, out = 0, set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if not r["path"].startswith("/aws/"):
        continue
    assumed += r["path"].startswith("/aws/sts") and "Action=AssumeRole" in (r["body"] or "")
    h = {k.lower(): v for k, v in r["headers"].items()}
    m = re.search(r"Credential=(ASIA[0-9A-F]{16})/", h.get("authorization", ""))
    if not m:
        continue
    akid, token = m.group(1), h.get("x-amz-security-token", "")
    account = token[4:16]
    if token != "SBX1" + account + mac("sts-token:%s:%s" % (akid, account)):
        sys.exit("the STS derivation no longer matches fake_aws.c")
    out.update((mac("sts-secret:" + akid)[:40], token))
if assumed == 0 or not out:
    sys.exit("no AssumeRole, or no request signed with a session key")
print("\n".join(sorted(out)))
PY
logs=$(find "$WORK/state" -name envsetup.log)
[ -n "$logs" ] || fail "no run log"
for h in "$WORK/all-output" $logs; do
  if grep -qFf "$WORK/sts-needles" "$h"; then
    fail "an STS session secret is in $h: $(grep -oFf "$WORK/sts-needles" "$h" | head -1 | cut -c1-6)..."
  fi
done
grep -q "SecretAccessKey>\*\*\*<" "$WORK/all-output" || fail "no masked AssumeRole reply seen: -vv traces missing?"
echo "secrets: $(wc -l <"$WORK/sts-needles") STS session values: 0 hits in stderr and the run log"

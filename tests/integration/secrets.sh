#!/usr/bin/env bash
# Run the whole flow with known secret values and the most verbose output
# (HTTP traces included), then search every output for them: stdout,
# stderr, the run log, state.json, the journal, and the JSON outputs.
# secrets.json is the one place they may be, and it must be mode 0600.
. "$(dirname "$0")/lib.sh"

key="key-Zq8secretVALUE-$$-$RANDOM"
export MAILGUN_API_KEY=$key SANDBOX_MAILGUN_API_KEY=$key
start_sandbox --async-polls 1
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"

es -vv check "$cfg" --env uat
es -vv plan "$cfg" --env uat
es -vv apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
es -vv plan "$cfg" --env uat --json
es -vv status "$cfg" --env uat
es -vv status "$cfg" --env uat --json

secrets_file=$(find "$WORK/state" -name secrets.json)
[ -n "$secrets_file" ] || fail "no secrets.json"
[ "$(stat -c %a "$secrets_file")" = 600 ] || fail "secrets.json is not 0600"
smtp_password=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if "smtp_password" in k and isinstance(v, str): print(v); return True
            if walk(v): return True
    return False
walk(d)' "$secrets_file")
[ -n "$smtp_password" ] || fail "no generated smtp password in secrets.json"

basic=$(printf 'api:%s' "$key" | base64 -w0)
needles=("$key" "$smtp_password" "$basic")
haystacks=("$WORK/all-output")
while IFS= read -r f; do haystacks+=("$f"); done < <(find "$WORK/state" -type f ! -name secrets.json)
hits=0
for n in "${needles[@]}"; do
  for h in "${haystacks[@]}"; do
    if grep -qF -- "$n" "$h"; then echo "secret found in $h" >&2; hits=$((hits + 1)); fi
  done
done
[ "$hits" = 0 ] || fail "$hits secret hits"
grep -q "Authorization: \*\*\*" "$WORK/all-output" || fail "no masked trace seen: -vv traces missing?"
echo "secrets: searched ${#haystacks[@]} files for ${#needles[@]} secret values: 0 hits"

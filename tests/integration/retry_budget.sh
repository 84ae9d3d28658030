#!/usr/bin/env bash
# One retry layer: a 503 that never ends is sent at most the HTTP service's
# 5 attempts for a read, not 5 attempts times the runner's retries of the
# plugin's ES_RETRY (which used to make 25). The sandbox counts the sends.
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
start_sandbox --faults '503:GET /mailgun/v4/domains:p=1' --record "$WORK/record.jsonl"
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"
es plan "$cfg" --env uat --only mailgun:verify_api_key
expect_rc 4
n=$(grep -c '"path":"/mailgun/v4/domains"' "$WORK/record.jsonl" || true)
[ "$n" -ge 1 ] && [ "$n" -le 5 ] || fail "a never-ending 503 was sent $n times (at most 5)"
echo "retry_budget: a never-ending 503 on a read was sent $n times (limit 5)"

#!/usr/bin/env bash
# The aws plugin's independent tasks overlap (max_concurrency 4): while
# iam_groups waits on its CreateGroup (held at a sandbox barrier),
# hosted_zone, which does not depend on it, sends its CreateHostedZone.
# With one slot (max_concurrency = 1 in the file, as an operator may set
# it) nothing of Route 53 is sent while CreateGroup is held. Checked by
# the order of the sandbox's --record at the barrier, not by timing.
. "$(dirname "$0")/lib.sh"

export AWS_ACCESS_KEY_ID=AKIASANDBOX000000001
export AWS_SECRET_ACCESS_KEY=sandbox/secret/key/0000000000000000000000
record="$WORK/record.jsonl"
zones() { recorded_requests aws "$record" | grep -c "^POST /aws/route53/2013-04-01/hostedzone$" || true; }

for slots in 1 4; do
  stop_sandbox
  rm -rf "$WORK/state"
  : >"$record"
  start_sandbox --async-polls 1 --record "$record"
  cfg="$WORK/acme.cfg"
  write_acme_config "$cfg"
  [ "$slots" = 4 ] || sed -i 's/^  aws = {/  aws = { max_concurrency = 1;/' "$cfg"
  grep -q "max_concurrency = 1" "$cfg" || [ "$slots" = 4 ] || fail "no aws block in $cfg"
  barrier_arm "before:POST /aws/iam:op=CreateGroup"
  es_bg apply "$cfg" --env uat --only aws --max-poll-interval 50
  barrier_wait held "$ES_PID"
  if [ "$slots" = 1 ]; then
    [ "$(zones)" = 0 ] || fail "one slot, yet hosted_zone ran beside iam_groups"
  else
    # hosted_zone runs beside the held iam_groups: its request arrives.
    for _ in $(seq 600); do
      [ "$(zones)" -ge 1 ] && break
      kill -0 "$ES_PID" 2>/dev/null || break
      sleep 0.05
    done
    [ "$(zones)" -ge 1 ] || fail "hosted_zone did not run while iam_groups waited: $(recorded_requests aws "$record")"
    # ...while CreateGroup is still held (not given up by its timeout).
    barrier_wait held "$ES_PID"
  fi
  curl -sf -X POST "$SANDBOX_URL/_sandbox/barrier/release" >/dev/null || fail "barrier not released"
  es_bg_wait
  expect_rc 0
  [ "$(resources_count aws hosted_zone)" = 1 ] || fail "expected one hosted zone"
  [ "$(resources_count aws iam_group)" = 2 ] || fail "expected two IAM groups"
done
stop_sandbox

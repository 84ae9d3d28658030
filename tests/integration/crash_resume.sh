#!/usr/bin/env bash
# Chaos, made deterministic: SIGKILL apply while a chosen request to the
# provider is in flight, for each mutating call (and some polls) of the
# example customer, before the provider saw the request or after it did
# the work with the answer lost. The sandbox's barrier holds that request
# and says when it is in flight; the kill lands there, never after a
# sleep. The killed run goes one task at a time (-p 1), so every case
# stops at the same point on every run. Then ONE apply must converge:
# exit 2 (only the manual gates wait), every resource exactly as many
# times as in a run never killed, and plan finds nothing to do.
# kill_windows.sh aims at the window between a finished create and its
# recorded id, which no request marks.
#
# CRASH_CASES=REGEX runs only the cases whose line matches (to reproduce).
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
cfg="$WORK/acme.cfg"
r53=/aws/route53/2013-04-01
mg=mail.uat.acme.example
# The barrier spec (tests/sandbox/README.md), in the order apply sends them.
cases=(
  "before:POST /aws/organizations:op=CreateAccount"
  "after:POST /aws/organizations:op=CreateAccount"
  "after:POST /aws/organizations:op=DescribeCreateAccountStatus"
  "after:POST /aws/sts:op=AssumeRole"
  "after:POST /aws/iam:op=CreateGroup"
  "after:POST /aws/iam:op=AttachGroupPolicy,nth=2"
  "before:POST /aws/iam:op=CreateUser"
  "after:POST /aws/iam:op=CreateUser,nth=2"
  "after:POST /aws/iam:op=CreateLoginProfile"
  "after:POST /aws/iam:op=AddUserToGroup"
  "before:POST $r53/hostedzone"
  "after:POST $r53/hostedzone"
  "after:POST $r53/hostedzone/"
  "after:GET $r53/change"
  "after:PUT /godaddy/v1/domains/acme.example/records/CNAME"
  "before:POST /godaddy/v1/certificates"
  "after:POST /godaddy/v1/certificates"
  "after:PUT /godaddy/v1/domains/acme.example/records/TXT"
  "after:POST /godaddy/v1/certificates/cert-0001/verifyDomainControl"
  "after:GET /godaddy/v1/certificates/cert-0001/download"
  "before:POST /mailgun/v4/domains"
  "after:POST /mailgun/v4/domains"
  "after:PUT /mailgun/v4/domains/$mg/verify"
  "after:POST /mailgun/v3/domains/$mg/webhooks:nth=2"
  "after:POST /mailgun/v3/$mg/templates:nth=2"
  "after:POST /mailgun/v3/domains/$mg/credentials"
)

# provider/kind -> count, as the sandbox holds them.
resource_counts() {
  curl -s "$SANDBOX_URL/_sandbox/resources" | python3 -c '
import collections, json, sys
c = collections.Counter(r["provider"] + "/" + r["kind"] for r in json.load(sys.stdin))
print(" ".join("%s=%d" % kv for kv in sorted(c.items())))'
}

# What a run never killed leaves: the reference every resume must match.
start_sandbox --async-polls 2
write_acme_config "$cfg"
es apply "$cfg" --env uat --max-poll-interval 100 -p 1; expect_rc 2
want=$(resource_counts)
stop_sandbox

ran=0
mid_request=0
for spec in "${cases[@]}"; do
  [[ "$spec" =~ ${CRASH_CASES:-.} ]] || continue
  start_sandbox --async-polls 2
  rm -rf "$WORK/state"
  write_acme_config "$cfg"
  barrier_arm "$spec"
  es_bg apply "$cfg" --env uat --max-poll-interval 100 -p 1
  kill_at_barrier
  # One apply converges from the kill: 2 means only the manual gates
  # wait; a loop of applies would hide an extra-apply bug.
  es apply "$cfg" --env uat --max-poll-interval 100 --lock-timeout 5
  [ "$RC" -eq 2 ] || fail "killed at '$spec': one apply did not converge (exit $RC)"
  grep -q "stopped during a change request" "$WORK/err" && mid_request=$((mid_request + 1))
  got=$(resource_counts)
  [ "$got" = "$want" ] ||
    fail "killed at '$spec': the sandbox holds $got, a run never killed $want"
  es plan "$cfg" --env uat
  [ "$RC" -eq 0 ] || fail "killed at '$spec': plan after the resume finds changes (exit $RC)"
  stop_sandbox
  ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || fail "CRASH_CASES='${CRASH_CASES:-}' matches no case"
echo "crash_resume: $ran kills, each at its barrier ($mid_request during a change request of the task), each converged in one apply without duplicates"

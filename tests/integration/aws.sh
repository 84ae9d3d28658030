#!/usr/bin/env bash
# The aws plugin end to end against the sandbox's SigV4-checking fake,
# through the real binary and loader: plan, apply (account creation and
# DNS changes polled to completion), plan again with no changes, apply
# again without duplicates, SIGKILL while CreateAccount or CreateHostedZone
# is in flight then ONE apply that converges with exactly one of each,
# answers that cannot be read creating nothing, rejected credentials, and
# no secret in any output (-vv traces included).
. "$(dirname "$0")/lib.sh"

export AWS_ACCESS_KEY_ID=AKIASANDBOX000000001
export AWS_SECRET_ACCESS_KEY=sandbox/secret/key/0000000000000000000000

write_aws_config() {
  cat >"$1" <<EOF
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "1"; title = "Infrastructure"; plugins = [ "aws" ]; }
);
plugins = {
  aws = {
    access_key_id = "env:AWS_ACCESS_KEY_ID";
    secret_access_key = "env:AWS_SECRET_ACCESS_KEY";
    account_email = "aws+uat@acme.example";
    account_name = "acme-uat";
    admin_users = [ "alice" ];
    users = [ "bob", "carol" ];
    hosted_zone = "acme.example";
    records = [ "app.uat=lb-uat.example.net", "api.uat=api-uat.example.net" ];
    poll_interval = "1s";
    rate_limit_per_min = 6000; # the sandbox's, not AWS's 5 a second
    organizations_url = "$SANDBOX_URL/aws/organizations";
    sts_url = "$SANDBOX_URL/aws/sts";
    iam_url = "$SANDBOX_URL/aws/iam";
    route53_url = "$SANDBOX_URL/aws/route53";
  };
};
EOF
}

count_is() { # PROVIDER KIND N [context]
  local n
  n=$(resources_count "$1" "$2")
  [ "$n" = "$3" ] || fail "${4:-}expected $3 $2, found $n"
}

expect_converged() { # context
  count_is aws account 1 "$1: "
  count_is aws iam_group 2 "$1: "
  count_is aws iam_user 3 "$1: "
  count_is aws login_profile 3 "$1: "
  count_is aws hosted_zone 1 "$1: "
  count_is aws record 2 "$1: "
}

# --- plan, apply, plan, apply again ---------------------------------------
start_sandbox --async-polls 2
cfg="$WORK/aws.cfg"
write_aws_config "$cfg"

es plan "$cfg" --env uat; expect_rc 2
expect_out "aws:create_account"
count_is aws account 0 "plan: "

es apply "$cfg" --env uat --max-poll-interval 200; expect_rc 0
for t in create_account assume_role iam_groups iam_users hosted_zone dns_records; do
  grep -E "aws:$t +done" "$WORK/out" >/dev/null || fail "aws:$t not done"
done
expect_converged "first apply"
# Membership and password reset are what the fake recorded.
curl -s "$SANDBOX_URL/_sandbox/resources" | python3 -c '
import json, sys
rs = json.load(sys.stdin)
g = {r["id"].split("/")[1]: r["attrs"] for r in rs if r["kind"] == "iam_group"}
assert g["admins"]["members"] == ["alice"], g
assert sorted(g["users"]["members"]) == ["bob", "carol"], g
assert g["admins"]["policies"] == ["arn:aws:iam::aws:policy/AdministratorAccess"]
assert all(r["attrs"]["PasswordResetRequired"] for r in rs if r["kind"] == "login_profile")
recs = {r["attrs"]["Name"]: r["attrs"]["values"] for r in rs if r["kind"] == "record"}
assert recs == {"app.uat.acme.example.": ["lb-uat.example.net"],
                "api.uat.acme.example.": ["api-uat.example.net"]}, recs
' || fail "resources do not match the config"

es plan "$cfg" --env uat; expect_rc 0
expect_out "No changes"

# -vv traces AssumeRole's reply before its keys are remembered as secrets:
# they are masked there by name.
es -vv plan "$cfg" --env uat; expect_rc 0
grep -q "SecretAccessKey>\*\*\*<" "$WORK/err" || fail "no masked AssumeRole reply in the -vv trace"
if grep -qE "(AccessKeyId|SecretAccessKey|SessionToken)>[^*<]" "$WORK/err"; then
  fail "-vv shows a value of the STS session"
fi

es apply "$cfg" --env uat --max-poll-interval 200; expect_rc 0
expect_converged "second apply"

es status "$cfg" --env uat; expect_rc 0
expect_out "aws.account_id"

# A changed target is planned as an update and applied with UPSERT.
sed -i 's/lb-uat.example.net/lb2-uat.example.net/' "$cfg"
es plan "$cfg" --env uat; expect_rc 2
expect_out "lb2-uat.example.net"
es apply "$cfg" --env uat --max-poll-interval 200; expect_rc 0
count_is aws record 2 "update: "

# Nothing secret in anything envsetup printed or wrote outside secrets.json.
for secret in "$AWS_SECRET_ACCESS_KEY" "SBX1"; do
  if grep -rqF -- "$secret" "$WORK/all-output"; then fail "secret $secret printed"; fi
  if grep -rqF --exclude=secrets.json -- "$secret" "$WORK/state"; then
    fail "secret $secret written to state"
  fi
done
stop_sandbox

# --- throttling and server errors: retried, still no duplicate -------------
start_sandbox --async-polls 2 \
  --faults '429:POST /aws/organizations:count=2,retry-after=1;503:POST /aws/iam:every=7;500:* /aws/route53:nth=3'
rm -rf "$WORK/state"
write_aws_config "$cfg"
# The retries (docs/cli.md, Retries) absorb every one of these faults:
# ONE apply converges.
es apply "$cfg" --env uat --max-poll-interval 200
[ "$RC" -eq 0 ] || fail "faults: one apply did not converge (exit $RC)"
expect_converged "faults"
stop_sandbox

# --- answers that cannot be read: a retry, never "absent" ------------------
# Every Organizations answer is a 200 with a cut-short body: ListAccounts
# cannot be read, so CreateAccount is never sent, and the task fails
# naming the request once its retries are spent.
start_sandbox --faults 'malformed:POST /aws/organizations'
rm -rf "$WORK/state"
write_aws_config "$cfg"
es apply "$cfg" --env uat --max-poll-interval 200; expect_rc 4
expect_err "AWS Organizations ListAccounts answered 200 with a body that does not parse"
count_is aws create_account_status 0 "malformed ListAccounts: "
stop_sandbox
# The same for Route 53's zone listing (XML): no zone is created.
start_sandbox --async-polls 1 --faults 'malformed:GET /aws/route53/2013-04-01/hostedzonesbyname'
rm -rf "$WORK/state"
write_aws_config "$cfg"
es apply "$cfg" --env uat --max-poll-interval 200; expect_rc 4
expect_err "Amazon Route 53 ListHostedZonesByName answered 200 with a body that does not parse"
count_is aws hosted_zone 0 "malformed ListHostedZonesByName: "
stop_sandbox

# --- SIGKILL at a held request, then ONE apply ------------------------------
# The sandbox's barrier holds the request and says when it is in flight;
# the kill lands there. "before": the provider never saw the request;
# "after": it did the work and the answer was lost. One task at a time
# (-p 1), so each case stops at the same point on every run.
for spec in \
  "before:POST /aws/organizations:op=CreateAccount" \
  "after:POST /aws/organizations:op=CreateAccount" \
  "after:POST /aws/organizations:op=DescribeCreateAccountStatus,nth=2" \
  "before:POST /aws/route53/2013-04-01/hostedzone" \
  "after:POST /aws/route53/2013-04-01/hostedzone"; do
  start_sandbox --async-polls 3
  rm -rf "$WORK/state"
  write_aws_config "$cfg"
  barrier_arm "$spec"
  es_bg apply "$cfg" --env uat --max-poll-interval 200 -p 1
  kill_at_barrier
  es apply "$cfg" --env uat --max-poll-interval 200 --lock-timeout 5
  [ "$RC" -eq 0 ] || fail "killed at '$spec': one apply did not converge (exit $RC)"
  expect_converged "killed at '$spec'"
  count_is aws create_account_status 1 "killed at '$spec': "
  es plan "$cfg" --env uat
  [ "$RC" -eq 0 ] || fail "killed at '$spec': plan after the resume finds changes"
  stop_sandbox
done

# --- rejected credentials ---------------------------------------------------
start_sandbox
write_aws_config "$cfg"
rm -rf "$WORK/state"
AWS_SECRET_ACCESS_KEY=not/the/right/secret es apply "$cfg" --env uat --max-poll-interval 200
expect_rc 4
expect_err "access_key_id"
count_is aws account 0 "bad key: "
echo "aws: all checks passed"

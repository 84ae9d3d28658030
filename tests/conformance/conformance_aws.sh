#!/usr/bin/env bash
# conformance.aws: plan/apply/plan/apply/destroy of the aws plugin against the
# sandbox, every request recorded and then checked offline by aws_check.py
# against botocore's service models (organizations, sts, iam, route53),
# with every SigV4 signature recomputed. A loopback proxy in front of the
# sandbox keeps the replies, for the STS session keys.
. "$(dirname "$0")/lib.sh"
BOTOCORE=${BOTOCORE_DATA:-/usr/lib/python3/dist-packages/botocore/data}
for m in organizations/2016-11-28 sts/2011-06-15 iam/2010-05-08 route53/2013-04-01; do
  spec_file "$BOTOCORE/$m/service-2.json"
done

export AWS_ACCESS_KEY_ID=AKIASANDBOX000000001
export AWS_SECRET_ACCESS_KEY=${SANDBOX_AWS_SECRET_ACCESS_KEY:-sandbox/secret/key/0000000000000000000000}
start_sandbox --async-polls 2 --record "$WORK/sandbox.record"
start_proxy "$WORK/replies.jsonl" "/=$SANDBOX_URL"

cfg="$WORK/aws.cfg"
cat >"$cfg" <<CFG
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
    organizations_url = "$PROXY_URL/aws/organizations";
    sts_url = "$PROXY_URL/aws/sts";
    iam_url = "$PROXY_URL/aws/iam";
    route53_url = "$PROXY_URL/aws/route53";
  };
};
CFG

es plan "$cfg" --env uat; expect_rc 2
es apply "$cfg" --env uat --max-poll-interval 200; expect_rc 0
es plan "$cfg" --env uat; expect_rc 0
es apply "$cfg" --env uat --max-poll-interval 200; expect_rc 0
es plan "$cfg" --env uat --destroy; expect_rc 2
es destroy "$cfg" --env uat --yes --max-poll-interval 200; expect_rc 0
es plan "$cfg" --env uat --destroy; expect_rc 0
python3 "$CONFORMANCE_DIR/aws_check.py" --replies "$WORK/replies.jsonl" "$WORK/sandbox.record" ||
  fail "AWS calls off the botocore models"

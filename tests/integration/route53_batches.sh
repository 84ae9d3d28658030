#!/usr/bin/env bash
# Route 53 caps one change batch at 1000 ResourceRecord elements and
# 32,000 characters of values. The sandbox's fake answers a batch past
# them as Route 53 does (400 InvalidChangeBatch), and the aws plugin sends
# 1001 records in two batches (the second once the first is INSYNC),
# reading the zone 300 record sets a page, not one request a record.
. "$(dirname "$0")/lib.sh"

export AWS_ACCESS_KEY_ID=AKIASANDBOX000000001
export AWS_SECRET_ACCESS_KEY=sandbox/secret/key/0000000000000000000000
record="$WORK/record.jsonl"
start_sandbox --async-polls 1 --record "$record"
r53="$SANDBOX_URL/aws/route53/2013-04-01"
ns=https://route53.amazonaws.com/doc/2013-04-01/

# The fake: a zone of the management account, then a batch one record
# past the cap.
r53_post() { # PATH BODY-FILE
  curl -s -o "$WORK/reply" -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:route53 \
    -u "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H 'Content-Type: text/xml' \
    --data-binary "@$2" "$r53/$1"
}
echo "<CreateHostedZoneRequest xmlns=\"$ns\"><Name>limits.example</Name><CallerReference>limits-1</CallerReference></CreateHostedZoneRequest>" >"$WORK/zone.xml"
code=$(r53_post hostedzone "$WORK/zone.xml")
[ "$code" = 201 ] || fail "CreateHostedZone: $code $(cat "$WORK/reply")"
zid=$(sed -n 's|.*<Id>/hostedzone/\([^<]*\)</Id>.*|\1|p' "$WORK/reply")
batch() { # N: UPSERTs of N records
  printf '<ChangeResourceRecordSetsRequest xmlns="%s"><ChangeBatch><Changes>' "$ns"
  for i in $(seq "$1"); do
    printf '<Change><Action>UPSERT</Action><ResourceRecordSet><Name>r%d.limits.example</Name><Type>CNAME</Type><TTL>300</TTL><ResourceRecords><ResourceRecord><Value>lb.example.net</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>' "$i"
  done
  printf '</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>'
}
batch 1001 >"$WORK/1001.xml"
batch 1000 >"$WORK/1000.xml"
code=$(r53_post "hostedzone/$zid/rrset/" "$WORK/1001.xml")
[ "$code" = 400 ] && grep -q "<InvalidChangeBatch.*Number of records limit of 1000 exceeded" "$WORK/reply" ||
  fail "1001 records in one batch: $code $(cat "$WORK/reply")"
code=$(r53_post "hostedzone/$zid/rrset/" "$WORK/1000.xml")
[ "$code" = 200 ] || fail "1000 records in one batch: $code $(cat "$WORK/reply")"
[ "$(resources_count aws record)" = 1000 ] || fail "the fake kept $(resources_count aws record) of 1000 records"

# The plugin: 1001 records of the customer's zone.
records=$(seq -f '"r%04g.uat=lb-uat.example.net"' 1001 | paste -sd, -)
cfg="$WORK/aws.cfg"
cat >"$cfg" <<EOF
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = ( { section = "1"; title = "Infrastructure"; plugins = [ "aws" ]; } );
plugins = { aws = {
  access_key_id = "env:AWS_ACCESS_KEY_ID"; secret_access_key = "env:AWS_SECRET_ACCESS_KEY";
  account_email = "aws+uat@acme.example"; account_name = "acme-uat";
  hosted_zone = "acme.example"; records = [ $records ]; poll_interval = "1s";
  rate_limit_per_min = 60000;
  organizations_url = "$SANDBOX_URL/aws/organizations"; sts_url = "$SANDBOX_URL/aws/sts";
  iam_url = "$SANDBOX_URL/aws/iam"; route53_url = "$SANDBOX_URL/aws/route53";
}; };
EOF
: >"$record"
es apply "$cfg" --env uat --only aws --max-poll-interval 50
expect_rc 0
[ "$(resources_count aws record)" = 2001 ] || fail "expected 1001 more records, found $(resources_count aws record)"
recorded_requests aws "$record" >"$WORK/requests"
batches=$(grep -c "^POST /aws/route53/2013-04-01/hostedzone/.*/rrset/" "$WORK/requests" || true)
[ "$batches" = 2 ] || fail "1001 records in $batches change batches, not 2"
reads=$(grep -c "^GET /aws/route53/2013-04-01/hostedzone/.*/rrset?" "$WORK/requests" || true)
# plan, apply, after the first batch, after the second, verify: 4 pages
# of 300 each at most (1003 sets), never one request a record.
[ "$reads" -le 25 ] || fail "the records were read in $reads requests"
es plan "$cfg" --env uat --only aws
expect_rc 0
stop_sandbox

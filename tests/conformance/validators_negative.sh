#!/usr/bin/env bash
# conformance.validators: each validator must accept a right request and
# catch deliberately wrong ones (missing required field, wrong content
# type, bad signature, wrong api-version, unknown operation, missing auth,
# ...), and a missing spec file must fail loudly.
#   azure_check.py + table_check.py: fixtures/azure_cases.jsonl
#   aws_check.py:   real requests signed by curl --aws-sigv4 (wrong ones
#                   too), recorded by the sandbox
#   Prism + openapi_summary.py: curl through prism proxy --errors on the
#                   Mailgun and GoDaddy specs
. "$(dirname "$0")/lib.sh"
C=$CONFORMANCE_DIR
FAILED=0
verdicts() { # CASES COMMAND...
  python3 "$C/run_cases.py" "$@" || FAILED=1
}
# build_cases LOG OUT EXPECT...: pair the Nth request of LOG (sandbox record
# or proxy exchange log) with the Nth expectation, as run_cases.py input.
build_cases() {
  python3 - "$@" <<'PY' || fail "could not build the cases from $1"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
expects = sys.argv[3:]
assert len(recs) == len(expects), f"{len(recs)} requests logged for {len(expects)} cases"
with open(sys.argv[2], "w") as f:
    for i, (r, e) in enumerate(zip(recs, expects)):
        f.write(json.dumps({"case": f"{i + 1}: {r['method']} {r['path']} -> {e or 'valid'}",
                            "expect": e, "record": r}) + "\n")
PY
}

echo "== azure_check.py / table_check.py (ARM specs, Graph and token tables)"
spec_file "$SPECS_DIR/azure/specification/resources/resource-manager/Microsoft.Resources/stable/2021-04-01/resources.json"
verdicts "$C/fixtures/azure_cases.jsonl" -- python3 "$C/azure_check.py" --specs "$SPECS_DIR/azure" \
  --arm-prefix /azure/arm --table "/azure/graph=$C/tables/graph.json" --table "/azure/login=$C/tables/azure-token.json"

# ---------------------------------------------------------------- AWS
echo "== aws_check.py (botocore models, SigV4 recomputed)"
KEY=${SANDBOX_AWS_ACCESS_KEY_ID:-AKIASANDBOX000000001}
SECRET=${SANDBOX_AWS_SECRET_ACCESS_KEY:-sandbox/secret/key/0000000000000000000000}
start_sandbox --async-polls 1 --record "$WORK/sandbox.record"
start_proxy "$WORK/replies.jsonl" "/=$SANDBOX_URL"
U=$PROXY_URL/aws
EXPECT=()
FORM='Content-Type: application/x-www-form-urlencoded; charset=utf-8'
aws() { # EXPECT SERVICE USER:SECRET CURL-ARGS...
  local expect=$1 svc=$2 cred=$3
  shift 3
  EXPECT+=("$expect")
  curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:$svc" --user "$cred" "$@"
}
aws "" iam "$KEY:$SECRET" -H "$FORM" -d 'Action=CreateGroup&GroupName=admins&Version=2010-05-08' "$U/iam/"
aws "" organizations "$KEY:$SECRET" -H 'Content-Type: application/x-amz-json-1.1' \
  -H 'X-Amz-Target: AWSOrganizationsV20161128.ListAccounts' -d '{"MaxResults":20}' "$U/organizations/"
aws "" route53 "$KEY:$SECRET" "$U/route53/2013-04-01/hostedzonesbyname?dnsname=acme.example.&maxitems=1"
aws "" route53 "$KEY:$SECRET" -H 'Content-Type: application/xml' \
  -d '<CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>acme.example</Name><CallerReference>envsetup-acme-1</CallerReference></CreateHostedZoneRequest>' \
  "$U/route53/2013-04-01/hostedzone"
last_reply() { # REGEX: first group of REGEX in the last reply body
  python3 -c 'import json,re,sys; b=json.loads(open(sys.argv[1]).readlines()[-1])["body"]; m=re.search(sys.argv[2], b); print(m.group(1) if m else "")' \
    "$WORK/replies.jsonl" "$1"
}
JSON11='Content-Type: application/x-amz-json-1.1'
aws "" organizations "$KEY:$SECRET" -H "$JSON11" -H 'X-Amz-Target: AWSOrganizationsV20161128.CreateAccount' \
  -d '{"Email":"aws+uat@acme.example","AccountName":"acme-uat"}' "$U/organizations/"
CAR=$(last_reply '"Id":"(car-[a-z0-9]+)"')
[ -n "$CAR" ] || fail "the sandbox's CreateAccount gave no request id"
aws "" organizations "$KEY:$SECRET" -H "$JSON11" -H 'X-Amz-Target: AWSOrganizationsV20161128.DescribeCreateAccountStatus' \
  -d "{\"CreateAccountRequestId\":\"$CAR\"}" "$U/organizations/"
ACCOUNT=$(last_reply '"AccountId":"([0-9]{12})"')
[ -n "$ACCOUNT" ] || fail "the sandbox's account was not created"
aws "" sts "$KEY:$SECRET" -H "$FORM" \
  -d "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A$ACCOUNT%3Arole%2FOrganizationAccountAccessRole&RoleSessionName=envsetup&Version=2011-06-15" "$U/sts/"
SKEY=$(last_reply '<AccessKeyId>([^<]+)<')
SSECRET=$(last_reply '<SecretAccessKey>([^<]+)<')
STOKEN=$(last_reply '<SessionToken>([^<]+)<')
[ -n "${STOKEN:-}" ] || fail "the sandbox's AssumeRole gave no session"
aws "" iam "$SKEY:$SSECRET" -H "$FORM" -H "X-Amz-Security-Token: $STOKEN" \
  -d 'Action=GetUser&UserName=alice&Version=2010-05-08' "$U/iam/"
aws "SigV4 signature mismatch" iam "$KEY:not/the/secret" -H "$FORM" \
  -d 'Action=GetGroup&GroupName=admins&Version=2010-05-08' "$U/iam/"
aws "SigV4 signature mismatch" iam "$SKEY:$SECRET" -H "$FORM" -H "X-Amz-Security-Token: $STOKEN" \
  -d 'Action=GetUser&UserName=alice&Version=2010-05-08' "$U/iam/"
aws "without its session token" iam "$SKEY:$SSECRET" -H "$FORM" \
  -d 'Action=GetUser&UserName=alice&Version=2010-05-08' "$U/iam/"
aws "unknown access key" iam "AKIAUNKNOWN000000000:$SECRET" -H "$FORM" \
  -d 'Action=GetUser&UserName=alice&Version=2010-05-08' "$U/iam/"
aws "required member 'GroupName' missing" iam "$KEY:$SECRET" -H "$FORM" \
  -d 'Action=CreateGroup&Version=2010-05-08' "$U/iam/"
aws "unknown parameter 'Colour'" iam "$KEY:$SECRET" -H "$FORM" \
  -d 'Action=CreateGroup&Colour=red&GroupName=admins&Version=2010-05-08' "$U/iam/"
aws "longer than 128" iam "$KEY:$SECRET" -H "$FORM" \
  -d "Action=CreateGroup&GroupName=$(printf 'g%.0s' $(seq 129))&Version=2010-05-08" "$U/iam/"
aws "Version '2011-06-15' is not 2010-05-08" iam "$KEY:$SECRET" -H "$FORM" \
  -d 'Action=GetUser&UserName=alice&Version=2011-06-15' "$U/iam/"
aws "unknown operation Action='FrobnicateWidget'" iam "$KEY:$SECRET" -H "$FORM" \
  -d 'Action=FrobnicateWidget&Version=2010-05-08' "$U/iam/"
aws "is not application/x-www-form-urlencoded" iam "$KEY:$SECRET" -H 'Content-Type: text/plain' \
  -d 'Action=GetUser&UserName=alice&Version=2010-05-08' "$U/iam/"
aws "is not application/x-amz-json-1.1" organizations "$KEY:$SECRET" -H 'Content-Type: application/json' \
  -H 'X-Amz-Target: AWSOrganizationsV20161128.ListAccounts' -d '{}' "$U/organizations/"
aws "unknown operation X-Amz-Target" organizations "$KEY:$SECRET" -H 'Content-Type: application/x-amz-json-1.1' \
  -H 'X-Amz-Target: AWSOrganizationsV20161128.MakeMeAnAccount' -d '{}' "$U/organizations/"
aws "required member 'Email' missing" organizations "$KEY:$SECRET" -H 'Content-Type: application/x-amz-json-1.1' \
  -H 'X-Amz-Target: AWSOrganizationsV20161128.CreateAccount' -d '{"AccountName":"acme-uat"}' "$U/organizations/"
aws "expected an integer" organizations "$KEY:$SECRET" -H 'Content-Type: application/x-amz-json-1.1' \
  -H 'X-Amz-Target: AWSOrganizationsV20161128.ListAccounts' -d '{"MaxResults":"20"}' "$U/organizations/"
aws "scope service 'sts' is not 'iam'" sts "$KEY:$SECRET" -H "$FORM" \
  -d 'Action=GetUser&UserName=alice&Version=2010-05-08' "$U/iam/"
aws "'BOGUS' not one of" route53 "$KEY:$SECRET" "$U/route53/2013-04-01/hostedzone/Z0SBX0000000001/rrset?name=app.acme.example.&type=BOGUS"
aws "no operation for" route53 "$KEY:$SECRET" "$U/route53/2013-04-01/hostedzonez"
aws "required member 'CallerReference' missing" route53 "$KEY:$SECRET" -H 'Content-Type: application/xml' \
  -d '<CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>acme.example</Name></CreateHostedZoneRequest>' \
  "$U/route53/2013-04-01/hostedzone"
EXPECT+=("no Authorization header")
curl -s -o /dev/null -H "$FORM" -d 'Action=GetUser&UserName=alice&Version=2010-05-08' "$U/iam/"
build_cases "$WORK/sandbox.record" "$WORK/aws_cases.jsonl" "${EXPECT[@]}"
verdicts "$WORK/aws_cases.jsonl" -- python3 "$C/aws_check.py" --quiet --replies "$WORK/replies.jsonl"
stop_helpers
stop_sandbox

# -------------------------------------------------------------- Prism
echo "== Prism proxy --errors + openapi_summary.py (Mailgun, GoDaddy specs)"
mg_spec="$SPECS_DIR/mailgun-openapi.yaml"
gd_domains="$SPECS_DIR/godaddy-domains-swagger.json"
gd_certs="$SPECS_DIR/godaddy-certificates-openapi.yaml"
start_sandbox --root mailgun
start_prism "$mg_spec" "$SANDBOX_URL"; mg=$PRISM_URL
start_prism "$gd_domains" "$SANDBOX_URL"; gdd=$PRISM_URL
start_prism "$gd_certs" "$SANDBOX_URL"; gdc=$PRISM_URL
start_proxy "$WORK/mg.jsonl" "/=$mg"; MG=$PROXY_URL
start_proxy "$WORK/gd.jsonl" "/v1/domains=$gdd" "/=$gdc"; GD=$PROXY_URL
MGKEY=api:${SANDBOX_MAILGUN_API_KEY:-key-sandbox-mailgun-0001}
MG_EXPECT=() GD_EXPECT=()
mgc() { MG_EXPECT+=("$1"); shift; curl -s -o /dev/null "$@"; }
gdc() { GD_EXPECT+=("$1"); shift; curl -s -o /dev/null "$@"; }
mgc "" -u "$MGKEY" "$MG/v4/domains"
mgc "" -u "$MGKEY" -F name=mail.acme.example -F dkim_key_size=2048 "$MG/v4/domains"
mgc "UNAUTHORIZED" "$MG/v4/domains"
mgc "Authorization does not match" -H 'Authorization: Bearer abc' "$MG/v4/domains"
mgc "required property 'name'" -u "$MGKEY" -F smtp_password=abcdefgh "$MG/v4/domains"
mgc "UNPROCESSABLE_ENTITY" -u "$MGKEY" -H 'Content-Type: application/json' -d '{"name":"x.acme.example"}' "$MG/v4/domains"
mgc "no spec operation" -u "$MGKEY" "$MG/v4/widgets"
mgc "no spec operation" -u "$MGKEY" -X DELETE "$MG/v4/domains"
mgc "VIOLATIONS" -u "api:key-wrong-wrong-wrong" "$MG/v4/domains"
SSO='Authorization: sso-key sandbox-key:sandbox-secret'
CSR='-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n'
gdc "UNPROCESSABLE_ENTITY" -H "$SSO" -H 'Content-Type: application/json' \
  -d '{"productType":"DV_SSL","period":1,"contact":{"nameFirst":"J","nameLast":"D","email":"j@acme.example","phone":"+1.4805551234"}}' "$GD/v1/certificates"
gdc "UNPROCESSABLE_ENTITY" -H "$SSO" -H 'Content-Type: application/json' \
  -d "{\"csr\":\"$CSR\",\"productType\":\"CHEAP_SSL\",\"period\":1,\"contact\":{\"nameFirst\":\"J\",\"nameLast\":\"D\",\"email\":\"j@acme.example\",\"phone\":\"+1.4805551234\"}}" "$GD/v1/certificates"
gdc "UNPROCESSABLE_ENTITY" -H "$SSO" -H 'Content-Type: application/json' -X PUT \
  -d '{"data":"lb.example.net","ttl":600}' "$GD/v1/domains/acme.example/records/CNAME/app"
gdc "Authorization does not match" -H 'Content-Type: application/json' -X PUT \
  -d '[{"data":"lb.example.net","ttl":600}]' "$GD/v1/domains/acme.example/records/CNAME/app"
gdc "no spec operation" -H "$SSO" "$GD/v1/shoppers/123456?includes=customerId"
gdc "no spec operation" -H "$SSO" -X DELETE "$GD/v1/certificates/abc"
build_cases "$WORK/mg.jsonl" "$WORK/mg_cases.jsonl" "${MG_EXPECT[@]}"
build_cases "$WORK/gd.jsonl" "$WORK/gd_cases.jsonl" "${GD_EXPECT[@]}"
verdicts "$WORK/mg_cases.jsonl" -- python3 "$C/openapi_summary.py" mailgun --spec "$mg_spec" \
  --auth 'Basic [A-Za-z0-9+/=]+' --exchanges
verdicts "$WORK/gd_cases.jsonl" -- python3 "$C/openapi_summary.py" godaddy-ssl --spec "$gd_domains" \
  --spec "$gd_certs" --auth 'sso-key [^:\s]+:\S+' --exchanges
stop_helpers
stop_sandbox

# ------------------------------------------------- missing specs fail
echo "== a missing spec fails loudly"
mkdir -p "$WORK/empty"
loud() { # NAME COMMAND...: must exit non-zero naming the missing spec
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then echo "  BAD  $name: exit 0"; FAILED=1
  elif grep -q "spec file missing" <<<"$out"; then echo "  ok   $name: $(tail -1 <<<"$out")"
  else echo "  BAD  $name: $out"; FAILED=1; fi
}
touch "$WORK/none.jsonl"
loud "aws_check without botocore" env BOTOCORE_DATA="$WORK/empty" python3 "$C/aws_check.py" "$WORK/none.jsonl"
loud "azure_check without specs" python3 "$C/azure_check.py" --specs "$WORK/empty" "$WORK/none.jsonl"
loud "conformance.mailgun without its spec" env ENVSETUP_SPECS_DIR="$WORK/empty" bash "$C/conformance_mailgun.sh"
loud "conformance.aws without botocore" env BOTOCORE_DATA="$WORK/empty" bash "$C/conformance_aws.sh"
printf '{"provider":"x","rows":[{"operation":"a","method":"GET","path":"/a","auth":"none"}]}' >"$WORK/uncited.json"
if python3 "$C/table_check.py" --lint "$WORK/uncited.json" >/dev/null 2>&1; then
  echo "  BAD  a table row without a citation was accepted"; FAILED=1
else echo "  ok   a table row without a citation is refused"; fi

[ "$FAILED" = 0 ] || fail "a validator gave a wrong verdict (see above)"
echo "conformance.validators: every validator caught every wrong request"

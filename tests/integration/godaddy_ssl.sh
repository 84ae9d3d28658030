#!/usr/bin/env bash
# The godaddy-ssl plugin end to end against the sandbox's GoDaddy fake,
# through the real binary and loader: plan, SIGKILL while the order is on
# the wire then resume with exactly one order, plan again with no changes,
# apply again without duplicates, a lost state directory, renewal, an
# order whose answer times out, a certificate list that does not parse,
# DNS hosted elsewhere (a person publishes the token and confirms), 403
# ACCESS_DENIED, a rejected key, and the schema's and validate()'s checks.
# The private key's text must never appear in any output or in the state.
. "$(dirname "$0")/lib.sh"

export GODADDY_API_KEY=sandbox-godaddy-key-0001
export GODADDY_API_SECRET=sandbox-godaddy-secret-0001

write_godaddy_config() { # FILE [EXTRA KEY LINES]
  cat >"$1" <<EOF
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "1"; title = "Infrastructure"; plugins = [ "godaddy-ssl" ]; }
);
plugins = {
  godaddy-ssl = {
    api_key = "env:GODADDY_API_KEY";
    api_secret = "env:GODADDY_API_SECRET";
    api_url = "$SANDBOX_URL/godaddy";
    rate_limit_per_min = 6000;
    customer_id = "295e3bc3-b3b9-4d95-aae5-ede41a994d13";
    domain = "acme.example";
    contact_first_name = "Jane"; contact_last_name = "Doe";
    contact_email = "ops@acme.example"; contact_phone = "+1.4805551234";
    poll_interval = "1s";
    secrets_dir = "$WORK/keys";
    ${2:-}
    environments = { uat = {
      records = [ "app.uat=CNAME:lb-uat.example.net", "api.uat=A:192.0.2.10" ];
      certificates = [ "app.uat.acme.example" ];
      san = [ "api.uat.acme.example" ];
    }; };
  };
};
EOF
}

keydir="$WORK/keys/acme/uat"
key="$keydir/app.uat.acme.example.key"

# The sandbox's barrier holds the order's reply; the run is killed while it
# waits, so the order exists at GoDaddy but its id never reached the state.
start_sandbox --async-polls 2
cfg="$WORK/acme.cfg"
write_godaddy_config "$cfg"

es check "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env uat; expect_rc 2
expect_out "godaddy-ssl:order_certificate"
expect_out "private_key app.uat.acme.example"

barrier_arm "after:POST /godaddy/v1/certificates"
es_bg apply "$cfg" --env uat --max-poll-interval 100
kill_at_barrier
[ "$(resources_count godaddy certificate_order)" = 1 ] || fail "the order never reached the sandbox"
[ -f "$key" ] || fail "no private key after the first run"
[ "$(stat -c %a "$key")" = 600 ] || fail "key mode is $(stat -c %a "$key")"

es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 0
for t in dns_records certificate_key order_certificate validate_domain wait_issued download_certificate; do
  grep -E "godaddy-ssl:$t +done" "$WORK/out" >/dev/null || fail "godaddy-ssl:$t not done"
done
[ "$(resources_count godaddy certificate_order)" = 1 ] || fail "the resumed run ordered again"
[ -f "$keydir/app.uat.acme.example.crt" ] || fail "no certificate file"
[ "$(stat -c %a "$keydir/app.uat.acme.example.crt")" = 644 ] || fail "certificate mode"
[ "$(resources_count godaddy record)" = 3 ] || fail "expected CNAME, A and the TXT token"

es plan "$cfg" --env uat; expect_rc 0
expect_out "No changes"
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 0
[ "$(resources_count godaddy certificate_order)" = 1 ] || fail "re-apply ordered again"
[ "$(resources_count godaddy record)" = 3 ] || fail "re-apply duplicated records"

# The state directory is lost, the keys are kept: GoDaddy's certificate
# list (by name, then the CSR's key) finds the order, which plan shows and
# apply records instead of ordering again.
rm -rf "$WORK/state"
es plan "$cfg" --env uat; expect_rc 2
expect_out "found at the provider: record its id"
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 0
[ "$(resources_count godaddy certificate_order)" = 1 ] || fail "ordered again after the state was lost"
grep -q '"order:app.uat.acme.example"' "$WORK/state/uat/state.json" || fail "the order id was not recorded again"

es status "$cfg" --env uat; expect_rc 0
expect_out "godaddy-ssl.key_path:app.uat.acme.example = $key"
expect_out "godaddy-ssl.certificate_path:app.uat.acme.example"
expect_out "godaddy-ssl.expires_at:app.uat.acme.example = $(date -u -d '+1 year' +%Y)-"
expect_out "godaddy-ssl.csr:app.uat.acme.example = (PEM CERTIFICATE REQUEST"
es status "$cfg" --env uat --output godaddy-ssl.csr:app.uat.acme.example; expect_rc 0
expect_out "BEGIN CERTIFICATE REQUEST"

# Renewal: a window longer than the test certificate's life makes it due.
write_godaddy_config "$WORK/renew.cfg" 'renewal_window = "4000d";'
es plan "$WORK/renew.cfg" --env uat; expect_rc 2
expect_out "renew: expires in"
es apply "$WORK/renew.cfg" --env uat --max-poll-interval 100; expect_rc 0
grep -E "godaddy-ssl:download_certificate +done" "$WORK/out" >/dev/null || fail "renewal not done"
issued=$(curl -s "$SANDBOX_URL/_sandbox/resources" | python3 -c 'import json,sys; print([r["attrs"]["issued"] for r in json.load(sys.stdin) if r["kind"]=="certificate_order"][0])')
[ "$issued" = 2 ] || fail "expected one renewal, the order was issued $issued times"
[ "$(resources_count godaddy certificate_order)" = 1 ] || fail "renewal placed a new order"

# No private key text anywhere: outputs, sandbox log, state.
body=$(sed -n 2p "$key")
[ -n "$body" ] || fail "cannot read the key body"
if grep -rqF -- "$body" "$WORK/all-output" "$WORK/sandbox.log" "$WORK/state"; then
  fail "private key text leaked"
fi
grep -rq "PRIVATE KEY" "$WORK/all-output" "$WORK/state" && fail "a private key header leaked"

# The order's answer is lost: the sandbox makes the order, then holds its
# reply past http_timeout. The request is not resent; the same apply looks
# the list up, adopts the order and converges with exactly one.
stop_sandbox
rm -rf "$WORK/state" "$WORK/keys"
start_sandbox --async-polls 1 --faults 'slow:POST /godaddy/v1/certificates:nth=1,ms=3000'
write_godaddy_config "$WORK/timeout.cfg" 'http_timeout = "1s";'
es apply "$WORK/timeout.cfg" --env uat --max-poll-interval 100; expect_rc 0
grep -E "godaddy-ssl:download_certificate +done" "$WORK/out" >/dev/null || fail "no convergence after the lost answer"
[ "$(resources_count godaddy certificate_order)" = 1 ] || fail "a lost answer led to a second order"

# A certificate list that does not parse is a failure of that request,
# never "no order yet": nothing is ordered until GoDaddy's answer can be
# read, and the failure names GoDaddy and the request.
stop_sandbox
rm -rf "$WORK/state"
start_sandbox --async-polls 1 --faults 'malformed:GET /godaddy/v2/customers:count=5'
write_godaddy_config "$WORK/timeout.cfg" 'http_timeout = "1s";'
es apply "$WORK/timeout.cfg" --env uat --max-poll-interval 100; expect_rc 4
grep -qE "godaddy-ssl:order_certificate +failed" "$WORK/out" || fail "order_certificate did not fail on a malformed list"
grep -q "/godaddy/v2/customers/[^ ]*/certificates?offset=0&limit=100: GoDaddy answered 200 with a body that does not parse" "$WORK/err" ||
  fail "the malformed list is not reported with GoDaddy and the request"
[ "$(resources_count godaddy certificate_order)" = 0 ] || fail "ordered on a list it could not read"
es apply "$WORK/timeout.cfg" --env uat --max-poll-interval 100; expect_rc 0
[ "$(resources_count godaddy certificate_order)" = 1 ] || fail "expected exactly one order once the list reads"

# DNS elsewhere: a person publishes the token, then confirms.
stop_sandbox
rm -rf "$WORK/state" "$WORK/keys"
start_sandbox --async-polls 1
sed -e 's/domain = "acme.example";/domain = "elsewhere.example"; dns_at_godaddy = false;/' \
    -e 's/acme\.example"/elsewhere.example"/g' -e "s|api_url = \".*\";|api_url = \"$SANDBOX_URL/godaddy\";|" \
    "$cfg" >"$WORK/elsewhere.cfg"
es apply "$WORK/elsewhere.cfg" --env uat --max-poll-interval 100; expect_rc 2
expect_out "dce-cert-0001-sandbox-token"
grep -E "godaddy-ssl:validate_domain +waiting" "$WORK/out" >/dev/null || fail "validate_domain not waiting"
[ "$(resources_count godaddy record)" = 0 ] || fail "wrote DNS it does not host"
es confirm "$WORK/elsewhere.cfg" godaddy-ssl:validate_domain --by "Jane" --env uat; expect_rc 0
es apply "$WORK/elsewhere.cfg" --env uat --max-poll-interval 100; expect_rc 0
grep -E "godaddy-ssl:download_certificate +done" "$WORK/out" >/dev/null || fail "not issued after confirm"

# Ineligible account (403 ACCESS_DENIED) and a rejected key.
stop_sandbox
rm -rf "$WORK/state" "$WORK/keys"
SANDBOX_GODADDY_DENY=1 start_sandbox
write_godaddy_config "$cfg"
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 4
grep -q "ACCESS_DENIED" "$WORK/out" "$WORK/err" || fail "no ACCESS_DENIED diagnostic"
grep -q "10 or more domains" "$WORK/out" "$WORK/err" || fail "eligibility rule not explained"
stop_sandbox
start_sandbox
write_godaddy_config "$cfg"
GODADDY_API_SECRET=wrong-secret es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 4
grep -q "api_key" "$WORK/out" "$WORK/err" || fail "rejected key not named"
grep -rqF "wrong-secret" "$WORK/out" "$WORK/err" "$WORK/state" && fail "the secret leaked"
grep -rqF "$GODADDY_API_SECRET" "$WORK/all-output" "$WORK/state" && fail "the API secret leaked"

# The schema refuses malformed values before any plugin code runs...
write_godaddy_config "$WORK/bad.cfg" 'records = [ "app.uat=MX:x" ]; subject_country = "usa";'
sed -i '/^      records = /d; s/domain = "acme.example";/domain = "acme example";/; s/contact_email = "[^"]*"/contact_email = "ops"/' "$WORK/bad.cfg"
es plan "$WORK/bad.cfg" --env uat; expect_rc 1
expect_err "godaddy-ssl.records: item 1: 'app.uat=MX:x' does not match the pattern"
expect_err "godaddy-ssl.subject_country: 'usa' does not match the pattern"
expect_err "'ops' is not an e-mail address"
expect_err "'acme example' is not a host name"
# ... and validate() checks the rules between keys, before any call.
write_godaddy_config "$WORK/bad.cfg" 'product_type = "OV_SSL";'
sed -i 's|certificates = \[ "app.uat.acme.example" \];|certificates = [ "*.uat.acme.example" ];|' "$WORK/bad.cfg"
es plan "$WORK/bad.cfg" --env uat; expect_rc 1
expect_err "need a WILDCARD product"
expect_err "OV_SSL needs subject_org and subject_country"
echo "godaddy_ssl: all checks passed"

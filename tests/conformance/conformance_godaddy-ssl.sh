#!/usr/bin/env bash
# conformance.godaddy-ssl: plan/apply/verify of the godaddy-ssl plugin with
# every call validated by Prism against GoDaddy's own descriptions. The
# plugin has one base URL (api_url) for two specs, so a loopback router
# sends /v1/domains... to a Prism on the Domains Swagger and everything
# else (/v1/certificates..., /v2/customers/...) to a Prism on the
# Certificates OpenAPI; both proxy to the sandbox's godaddy fake:
#   envsetup -> loopback_proxy (router, logs exchanges) -> prism proxy --errors
#            -> envsetup-sandbox --root godaddy
# Neither spec declares a security scheme, so the documented
# "Authorization: sso-key KEY:SECRET" header is checked on every exchange.
. "$(dirname "$0")/lib.sh"
domains_spec="$SPECS_DIR/godaddy-domains-swagger.json"
certs_spec="$SPECS_DIR/godaddy-certificates-openapi.yaml"
spec_file "$domains_spec"
spec_file "$certs_spec"

export GODADDY_API_KEY=${SANDBOX_GODADDY_API_KEY:-sandbox-godaddy-key-0001}
export GODADDY_API_SECRET=${SANDBOX_GODADDY_API_SECRET:-sandbox-godaddy-secret-0001}
start_sandbox --root godaddy --record "$WORK/sandbox.record" --async-polls 1
start_prism "$domains_spec" "$SANDBOX_URL"; domains_prism=$PRISM_URL
start_prism "$certs_spec" "$SANDBOX_URL"; certs_prism=$PRISM_URL
start_proxy "$WORK/exchanges.jsonl" "/v1/domains=$domains_prism" "/=$certs_prism"

cfg="$WORK/godaddy.cfg"
cat >"$cfg" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "1"; title = "Infrastructure"; plugins = [ "godaddy-ssl" ]; }
);
plugins = {
  godaddy-ssl = {
    api_key = "env:GODADDY_API_KEY";
    api_secret = "env:GODADDY_API_SECRET";
    api_url = "$PROXY_URL";
    customer_id = "295e3bc3-b3b9-4d95-aae5-ede41a994d13";
    domain = "acme.example";
    records = [ "app.uat=CNAME:lb-uat.example.net", "api.uat=CNAME:api-uat.example.net" ];
    certificates = [ "app.uat.acme.example" ];
    san = [ "api.uat.acme.example" ];
    product_type = "UCC_DV_SSL";
    slot_size = "FIVE";
    contact_first_name = "Jane";
    contact_last_name = "Doe";
    contact_email = "ops@acme.example";
    contact_phone = "+1.4805551234";
    poll_interval = "1s";
    secrets_dir = "$WORK/keys";
  };
};
CFG

es plan "$cfg" --env uat; expect_rc 2
es apply "$cfg" --env uat --max-poll-interval 200; expect_rc 0
for t in dns_records certificate_key order_certificate validate_domain wait_issued download_certificate; do
  grep -E "godaddy-ssl:$t +done" "$WORK/out" >/dev/null || fail "godaddy-ssl:$t not done through Prism"
done
es plan "$cfg" --env uat; expect_rc 0
es apply "$cfg" --env uat --max-poll-interval 200; expect_rc 0
# A lost state directory: the look-up before an order (the v2 listing and
# the detail whose CSR carries the key) finds the order and records it.
rm -rf "$WORK/state"
es plan "$cfg" --env uat; expect_rc 2
es apply "$cfg" --env uat --max-poll-interval 200; expect_rc 0
grep -q '"order:app.uat.acme.example"' "$WORK/state/uat/state.json" || fail "the order was not found again through Prism"
# Teardown: revoke, the emptied record sets, through both Prisms.
es plan "$cfg" --env uat --destroy; expect_rc 2
es destroy "$cfg" --env uat --yes --max-poll-interval 200; expect_rc 0
openapi_summary godaddy-ssl --spec "$domains_spec" --spec "$certs_spec" \
  --auth 'sso-key [^:\s]+:\S+' || fail "GoDaddy calls off-spec"

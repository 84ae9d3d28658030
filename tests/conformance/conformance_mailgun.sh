#!/usr/bin/env bash
# conformance.mailgun: the example customer's full plan/apply/verify (and
# destroy) with
# every Mailgun call going through Prism, validating against Mailgun's own
# OpenAPI description (requests and the sandbox's replies alike):
#   envsetup -> loopback_proxy (logs exchanges) -> prism proxy --errors
#            -> envsetup-sandbox --root mailgun
. "$(dirname "$0")/lib.sh"
spec="$SPECS_DIR/mailgun-openapi.yaml"
spec_file "$spec"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
start_sandbox --root mailgun --record "$WORK/sandbox.record" --async-polls 1
start_prism "$spec" "$SANDBOX_URL"
start_proxy "$WORK/exchanges.jsonl" "/=$PRISM_URL"
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"
sed -i "s|api_url = \"[^\"]*\";|api_url = \"$PROXY_URL\";|" "$cfg"
grep -qF "api_url = \"$PROXY_URL\";" "$cfg" || fail "could not point mailgun at the proxy"

es plan "$cfg" --env uat --only mailgun; expect_rc 2
es apply "$cfg" --env uat --only mailgun --max-poll-interval 100; expect_rc 2
for t in verify_api_key create_domain verify_domain configure_webhooks upload_templates smtp_credentials; do
  grep -E "mailgun:$t +done" "$WORK/out" >/dev/null || fail "mailgun:$t not done through Prism"
done
es plan "$cfg" --env uat --only mailgun; expect_rc 0
es apply "$cfg" --env uat --only mailgun --max-poll-interval 100; expect_rc 2
# Teardown: the DELETEs go through Prism too.
es plan "$cfg" --env uat --only mailgun --destroy; expect_rc 2
es destroy "$cfg" --env uat --only mailgun --yes --max-poll-interval 100; expect_rc 0
es plan "$cfg" --env uat --only mailgun --destroy; expect_rc 0
openapi_summary mailgun --spec "$spec" --auth 'Basic [A-Za-z0-9+/=]+' || fail "Mailgun calls off-spec"

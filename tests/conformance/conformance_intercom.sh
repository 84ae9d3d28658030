#!/usr/bin/env bash
# conformance.intercom: the plugin's full plan/apply/verify, with a tag and
# a description to update, and every Intercom call going through Prism,
# validating against Intercom's own OpenAPI description for API version
# 2.14 (requests, the Bearer token, the Intercom-Version header, and the
# sandbox's replies alike):
#   envsetup -> loopback_proxy (logs exchanges) -> prism proxy --errors
#            -> envsetup-sandbox --root intercom
# The teardown calls (DELETE /tags/{id}, PUT /data_attributes/{id} with
# archived) are sent by no command yet (the core has no destroy); they are
# in the unit tests.
. "$(dirname "$0")/lib.sh"
spec="$SPECS_DIR/intercom-2.14.yaml"
spec_file "$spec"

token=sandbox-intercom-token-0001
export INTERCOM_ACCESS_TOKEN=$token SANDBOX_INTERCOM_TOKEN=$token
export SANDBOX_INTERCOM_ADMINS="owner@acme.example,support-lead@acme.example"
printf 'ivsecret-conformance-0001' >"$WORK/iv-secret.txt"
chmod 600 "$WORK/iv-secret.txt"
start_sandbox --root intercom --record "$WORK/sandbox.record"
start_prism "$spec" "$SANDBOX_URL"
start_proxy "$WORK/exchanges.jsonl" "/=$PRISM_URL"
cfg="$WORK/acme.cfg"
cat >"$cfg" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = ( { section = "4.5"; title = "Support desk"; plugins = [ "intercom" ]; } );
plugins = {
  intercom = {
    access_token = "env:INTERCOM_ACCESS_TOKEN";
    api_url = "$PROXY_URL";
    tags = [ "platform-user", "billing" ];
    teammates = [ "support-lead@acme.example" ];
    identity_verification_secret = "file:$WORK/iv-secret.txt";
  };
};
CFG

es plan "$cfg" --env uat; expect_rc 2
es apply "$cfg" --env uat; expect_rc 0
for t in read_app data_attributes tags identity_verification_secret invite_teammates; do
  grep -E "intercom:$t +done" "$WORK/out" >/dev/null || fail "intercom:$t not done through Prism"
done
es plan "$cfg" --env uat; expect_rc 0
# A changed description: PUT /data_attributes/{id}.
sed -i 's|tags = |contact_attributes = [ "admin_role:string:Role of the user" ]; tags = |' "$cfg"
es plan "$cfg" --env uat; expect_rc 2
es apply "$cfg" --env uat; expect_rc 0
grep -q '"method": *"PUT"' "$WORK/exchanges.jsonl" || fail "no PUT /data_attributes/{id} went through Prism"
# The teardown's DELETE /tags/{id}, with the headers the plugin sends
# (test_intercom.c checks the plugin sends exactly this), until the core
# has a destroy command to send it itself.
tag_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kv"]["intercom"]["tag:billing"])' \
  "$WORK/state/uat/state.json") || fail "no recorded tag id in the state"
[ -n "$tag_id" ] || fail "no recorded tag id in the state"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$PROXY_URL/tags/$tag_id" \
  -H "Authorization: Bearer $token" -H "Intercom-Version: 2.14" -H "Accept: application/json")
[ "$code" = 200 ] || fail "DELETE /tags/$tag_id through Prism answered $code"
openapi_summary intercom --spec "$spec" --auth "Bearer $token" || fail "Intercom calls off-spec"

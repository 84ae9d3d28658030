#!/usr/bin/env bash
# conformance.jira: plan/apply/verify of the jira plugin with every call
# validated by Prism against Atlassian's own descriptions. The plugin has
# one base URL (site_url) for two specs, so a loopback router sends
# /rest/servicedeskapi/... to a Prism on the Jira Service Management
# OpenAPI and everything else (/rest/api/3/...) to a Prism on the Jira
# platform OpenAPI; both proxy to the sandbox's jira fake:
#   envsetup -> loopback_proxy (router, logs exchanges) -> prism proxy --errors
#            -> envsetup-sandbox --root jira
# The JSM description declares basicAuth among its security schemes but
# lists only OAuth2 on each operation, while Atlassian documents Basic
# auth with an API token for every JSM Cloud REST call
# (developer.atlassian.com/cloud/jira/service-desk/basic-auth-for-rest-apis/;
# shared/research/api-monitoring-support.md §5.1 and §6). A copy of the
# spec in $WORK adds basicAuth as the alternative it documents; nothing
# else in it changes, and openapi_summary.py --auth requires Basic on
# every exchange.
. "$(dirname "$0")/lib.sh"
platform_spec="$SPECS_DIR/jira-platform.v3.json"
jsm_spec="$SPECS_DIR/jira-jsm.v3.json"
spec_file "$platform_spec"
spec_file "$jsm_spec"

jsm_basic="$WORK/jira-jsm.basic.v3.json"
python3 - "$jsm_spec" "$jsm_basic" <<'PY' || fail "could not add basicAuth to the JSM spec copy"
import json, sys
doc = json.load(open(sys.argv[1]))
assert "basicAuth" in doc["components"]["securitySchemes"], "the JSM spec no longer declares basicAuth"
for item in doc["paths"].values():
    for op in item.values():
        if isinstance(op, dict) and "security" in op and {"basicAuth": []} not in op["security"]:
            op["security"].append({"basicAuth": []})
json.dump(doc, open(sys.argv[2], "w"))
PY

export JIRA_API_TOKEN=${SANDBOX_JIRA_API_TOKEN:-sandbox-jira-token-0001}
start_sandbox --root jira --record "$WORK/sandbox.record"
start_prism "$platform_spec" "$SANDBOX_URL"; platform_prism=$PRISM_URL
start_prism "$jsm_basic" "$SANDBOX_URL"; jsm_prism=$PRISM_URL
start_proxy "$WORK/exchanges.jsonl" "/rest/servicedeskapi=$jsm_prism" "/=$platform_prism"

cfg="$WORK/jira.cfg"
cat >"$cfg" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.5"; title = "Support desk"; plugins = [ "jira" ]; }
);
plugins = {
  jira = {
    site_url = "$PROXY_URL";
    email = "envsetup@acme.example";
    api_token = "env:JIRA_API_TOKEN";
    project_key = "ACME";
    project_name = "Acme Support";
    project_lead = "support-lead@acme.example";
    agents = [ "agent1@acme.example", "agent2@acme.example" ];
    organization_name = "Acme Corp";
    customers = [ "it-desk@acme.example" ];
    request_types = [ "Get IT help" ];
  };
};
CFG

es plan "$cfg" --env uat; expect_rc 2
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
for t in verify_credentials service_desk_project agent_roles organization customers request_types; do
  grep -E "jira:$t +done" "$WORK/out" >/dev/null || fail "jira:$t not done through Prism"
done
es plan "$cfg" --env uat; expect_rc 0
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
# A new name: the project is updated in place (PUT).
sed -i 's/project_name = "Acme Support";/project_name = "Acme Service Desk";/' "$cfg"
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
openapi_summary jira --spec "$platform_spec" --spec "$jsm_basic" --auth 'Basic [A-Za-z0-9+/=]+' ||
  fail "Jira calls off-spec"

#!/usr/bin/env bash
# conformance.azure: plan/apply/plan of the azure plugin against the
# sandbox (subscription created, then adopted; users invited, then
# created), every request recorded and checked offline by azure_check.py:
# ARM calls against the azure-rest-api-specs Swagger files in
# shared/specs/azure, Microsoft Graph calls against tables/graph.json, the
# token calls against tables/azure-token.json, ARM's async poll URLs
# against the headers ARM sent (kept by a logging proxy in front).
. "$(dirname "$0")/lib.sh"
AZ="$SPECS_DIR/azure/specification"
spec_file "$AZ/subscription/resource-manager/Microsoft.Subscription/stable/2021-10-01/subscriptions.json"
spec_file "$AZ/resources/resource-manager/Microsoft.Resources/stable/2021-04-01/resources.json"
spec_file "$AZ/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleAssignmentsCalls.json"
spec_file "$CONFORMANCE_DIR/tables/graph.json"
spec_file "$CONFORMANCE_DIR/tables/azure-token.json"

export AZURE_CLIENT_SECRET=${SANDBOX_AZURE_CLIENT_SECRET:-sandbox-azure-secret-0001}
CLIENT_ID=${SANDBOX_AZURE_CLIENT_ID:-00000000-0000-0000-0000-0000000000c1}
ADOPT_SUB=${SANDBOX_AZURE_SUBSCRIPTION_ID:-00000000-0000-0000-0000-00000000a001}
start_sandbox --async-polls 1 --record "$WORK/sandbox.record"
start_proxy "$WORK/replies.jsonl" "/=$SANDBOX_URL"

write_azure_config() { # FILE STATE MODE-LINES...
  local out=$1 state=$2
  shift 2
  cat >"$out" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "1"; title = "Infrastructure"; plugins = [ "azure" ]; }
);
plugins = {
  azure = {
    tenant_id = "acme.onmicrosoft.com";
    client_id = "$CLIENT_ID";
    client_secret = "env:AZURE_CLIENT_SECRET";
    login_url = "$PROXY_URL/azure/login";
    arm_url = "$PROXY_URL/azure/arm";
    graph_url = "$PROXY_URL/azure/graph";
    location = "westeurope";
    resource_group = "acme-uat";
    poll_interval = "1s";
$(printf '    %s\n' "$@")
  };
};
CFG
}

run_pass() { # NAME CONFIG
  es plan "$2" --env uat; expect_rc 2
  es apply "$2" --env uat --max-poll-interval 200
  [ "$RC" -eq 0 ] || fail "$1: apply failed (exit $RC)"
  es plan "$2" --env uat; expect_rc 0
  # Teardown: a created subscription waits for a person (2), an adopted
  # one is kept (0); either way the DELETEs go through the same checks.
  es plan "$2" --env uat --destroy; expect_rc 2
  es destroy "$2" --env uat --yes --max-poll-interval 200
  [ "$RC" -eq 0 ] || [ "$RC" -eq 2 ] || fail "$1: destroy failed (exit $RC)"
}

cfg="$WORK/azure.cfg"
write_azure_config "$cfg" "$WORK/state-create" 'subscription_mode = "create";' \
  'billing_scope = "/providers/Microsoft.Billing/billingAccounts/1234567/enrollmentAccounts/7654321";' \
  'subscription_name = "acme-uat";' 'workload = "Production";' 'user_mode = "invite";' \
  'admin_users = [ "ops-lead@acme.example" ];' 'users = [ "dev1@acme.example", "dev2@acme.example" ];'
run_pass "create + invite" "$cfg"
write_azure_config "$cfg" "$WORK/state-adopt" 'subscription_mode = "adopt";' \
  "subscription_id = \"$ADOPT_SUB\";" 'role_scope = "subscription";' 'user_mode = "create";' \
  'admin_users = [ "alice@acme.example" ];' 'users = [ "bob@acme.example" ];'
run_pass "adopt + create users" "$cfg"

python3 "$CONFORMANCE_DIR/azure_check.py" --specs "$SPECS_DIR/azure" --arm-prefix /azure/arm \
  --table "/azure/graph=$CONFORMANCE_DIR/tables/graph.json" \
  --table "/azure/login=$CONFORMANCE_DIR/tables/azure-token.json" \
  --replies "$WORK/replies.jsonl" "$WORK/sandbox.record" || fail "Azure calls off the specs and tables"

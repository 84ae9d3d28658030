#!/usr/bin/env bash
# The azure plugin end to end against the sandbox's fake (token endpoint,
# ARM, Graph), through the real binary and loader: plan, apply (the
# subscription alias polled to completion), plan and apply again with no
# changes, a second environment in the same subscription, SIGKILL while
# the alias is created or polled or an invitation sent then ONE apply that
# converges with exactly one alias and subscription, rejected credentials,
# the fake's own ARM rules, and no secret or token in any output.
. "$(dirname "$0")/lib.sh"

export AZURE_CLIENT_SECRET=sandbox-azure-secret-0001

CREATE='subscription_mode = "create";
    billing_scope = "/providers/Microsoft.Billing/billingAccounts/1234567/enrollmentAccounts/7654321";
    subscription_name = "Acme platform";'

write_azure_config() { # FILE [settings; default: create the subscription]
  cat >"$1" <<EOF
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; };
                 production = { domain = "acme.example"; }; };
checklist = (
  { section = "1"; title = "Infrastructure"; plugins = [ "azure" ]; }
);
plugins = {
  azure = {
    tenant_id = "acme.onmicrosoft.com";
    client_id = "00000000-0000-0000-0000-0000000000c1";
    client_secret = "env:AZURE_CLIENT_SECRET";
    login_url = "$SANDBOX_URL/azure/login";
    arm_url = "$SANDBOX_URL/azure/arm";
    graph_url = "$SANDBOX_URL/azure/graph";
    admin_users = [ "ops-lead@acme.example" ];
    users = [ "dev1@acme.example", "dev2@acme.example" ];
    poll_interval = "1s";
    environments = { uat = { resource_group = "acme-uat"; }; };
    ${2:-$CREATE}
  };
};
EOF
}

count_is() { # KIND N [context]
  local n
  n=$(resources_count azure "$1")
  [ "$n" = "$2" ] || fail "${3:-}expected $2 $1, found $n"
}

converged() { # context
  count_is alias 1 "$1: "
  count_is subscription 1 "$1: "
  count_is resource_group 1 "$1: "
  count_is user 3 "$1: "
  count_is invitation 3 "$1: "
  count_is role_assignment 3 "$1: "
}

# ---- apply, then nothing left to do --------------------------------------
start_sandbox --async-polls 3
cfg="$WORK/acme.cfg"
write_azure_config "$cfg"

es check "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env uat; expect_rc 2
expect_out "subscription envsetup-acme"
expect_out "user dev1@acme.example"

es apply "$cfg" --env uat --max-poll-interval 100 -v; expect_rc 0
for t in subscription resource_group users role_assignments; do
  grep -E "azure:$t +done" "$WORK/out" >/dev/null || fail "azure:$t not done"
done
grep -q "being provisioned" "$WORK/err" || fail "the alias was never polled"
converged "first apply"

es plan "$cfg" --env uat; expect_rc 0
expect_out "No changes"
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 0
converged "second apply"
es status "$cfg" --env uat; expect_rc 0
expect_out "azure.subscription_id = "
sub=$(sed -n 's/.*azure.subscription_id = //p' "$WORK/out")
expect_out "azure.resource_group_id = /subscriptions/$sub/resourceGroups/acme-uat"

# A second environment: the same alias and subscription, its own group.
es apply "$cfg" --env production --max-poll-interval 100; expect_rc 0
count_is alias 1 "production: "
count_is subscription 1 "production: "
count_is resource_group 2 "production: "
count_is role_assignment 6 "production: "
curl -s "$SANDBOX_URL/_sandbox/resources" | grep -q '"envsetup-production"' ||
  fail "production did not get the default group envsetup-production"
stop_sandbox

# ---- SIGKILL at a held request, then ONE apply ----------------------------
# The sandbox's barrier holds the request and says when it is in flight;
# the kill lands there: the alias PUT before the provider saw it and after
# it accepted it, the 2nd poll of the alias operation (6 polls to go, so
# no subscription yet), an invitation sent with the answer lost. One task
# at a time (-p 1), so each case stops at the same point on every run.
aliases=/azure/arm/providers/Microsoft.Subscription
for c in \
  "before:PUT $aliases/aliases|0" \
  "after:PUT $aliases/aliases|0" \
  "after:GET $aliases/operationResults:nth=2|0" \
  "after:POST /azure/graph/v1.0/invitations:nth=2|-"; do
  spec=${c%|*}
  stop_sandbox # the last case's sandbox stays for the sections below
  rm -rf "$WORK/state"
  start_sandbox --async-polls 6
  write_azure_config "$cfg"
  barrier_arm "$spec"
  es_bg apply "$cfg" --env uat --max-poll-interval 100 -p 1
  kill_at_barrier
  # (An invitation does not wait for the subscription: while the alias
  # is polled, the runner sends the invitations, so at that kill the
  # subscription may or may not exist yet; "-" checks nothing.)
  [ "${c#*|}" = - ] || count_is subscription "${c#*|}" "killed at '$spec': "
  es apply "$cfg" --env uat --max-poll-interval 100
  [ "$RC" -eq 0 ] || fail "killed at '$spec': one apply did not converge (exit $RC)"
  converged "killed at '$spec'"
  es plan "$cfg" --env uat; expect_rc 0
done

# ---- adopt an existing subscription, create member users -----------------
rm -rf "$WORK/state"
write_azure_config "$cfg" 'subscription_mode = "adopt";
    subscription_id = "00000000-0000-0000-0000-00000000a001";
    user_mode = "create"; role_scope = "subscription";'
sed -i -e 's/ops-lead@/alice@/' -e 's/dev1@/bob@/' -e 's/dev2@/carol@/' "$cfg"
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 0
count_is subscription 1 "adopt: " # no new one
count_is user 6 "adopt: "
count_is role_assignment 6 "adopt: "
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 0
count_is user 6 "adopt, again: "
count_is role_assignment 6 "adopt, again: "
es status "$cfg" --env uat; expect_rc 0
expect_out "azure.password_bob_acme_example"
password=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"]["azure"]["password_bob_acme_example"])' \
  "$WORK/state/uat/secrets.json")
[ -n "$password" ] || fail "the generated password is not in the secrets file"
! grep -qF -- "$password" "$WORK/all-output" ||
  fail "a generated password appears in the output"

# ---- the fake keeps ARM's rules ------------------------------------------
token() { # SCOPE
  curl -s "$SANDBOX_URL/azure/login/t/oauth2/v2.0/token" \
    --data-urlencode "client_id=00000000-0000-0000-0000-0000000000c1" \
    --data-urlencode "client_secret=$AZURE_CLIENT_SECRET" \
    --data-urlencode "grant_type=client_credentials" \
    --data-urlencode "scope=$1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
graph_token=$(token https://graph.microsoft.com/.default)
arm_token=$(token https://management.azure.com/.default)
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $graph_token" \
  "$SANDBOX_URL/azure/arm/subscriptions/$sub/resourcegroups?api-version=2021-04-01")
[ "$code" = 401 ] && grep -q InvalidAuthenticationToken "$WORK/body" ||
  fail "ARM accepted a Graph token ($code)"
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $arm_token" \
  "$SANDBOX_URL/azure/arm/subscriptions/$sub/resourcegroups?api-version=2020-01-01")
[ "$code" = 400 ] && grep -q InvalidApiVersionParameter "$WORK/body" ||
  fail "a wrong api-version was accepted ($code)"

# ---- rejected credentials ------------------------------------------------
rm -rf "$WORK/state"
AZURE_CLIENT_SECRET=wrong-secret es plan "$cfg" --env uat
[ "$RC" -ne 0 ] || fail "a wrong client secret passed"
grep -q "client_secret" "$WORK/out" "$WORK/err" ||
  fail "the wrong secret is not blamed on client_secret"

# ---- no secret anywhere ---------------------------------------------------
es plan "$cfg" --env uat -vv
for s in "$AZURE_CLIENT_SECRET" "$graph_token" "$arm_token"; do
  ! grep -rqF -- "$s" "$WORK/all-output" "$WORK/state" ||
    fail "a secret or token appears in the output or state"
done
! grep -rEq '(arm|graph)\.[0-9]{9,}\.[0-9a-f]{16}\.[0-9a-f]{16}' \
  "$WORK/all-output" "$WORK/state" ||
  fail "a bearer token appears in the output or state"
echo "PASS [$TEST_NAME]"

#!/usr/bin/env bash
# The newrelic plugin end to end against the sandbox's NerdGraph fake,
# through the real binary and loader, with its own customer file:
# plan (2), apply (the Apdex target waits for the agent's first report),
# the agent reports, apply, plan (0), apply again without duplicates;
# fault runs (429 with and without Retry-After, 5xx, reset, malformed
# bodies, GraphQL errors in a 200: TOO_MANY_REQUESTS, INTERNAL_SERVER_ERROR,
# a typed payload error) converge; a SIGKILL in each create window (at the
# state put, and while the sandbox holds the request or its answer)
# followed by ONE apply; a rejected key (BAD_API_KEY in a 200); destroy
# removes what envsetup made and keeps an adopted user; and a -vv run
# whose every output is searched for the API key and the licence key.
. "$(dirname "$0")/lib.sh"

export NEWRELIC_API_KEY=NRAK-SANDBOX00000000000000001
APP=acme-uat

write_newrelic_config() { # FILE
  cat >"$1" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.1"; title = "Monitoring"; plugins = [ "newrelic" ]; }
);
plugins = {
  newrelic = {
    api_key = "env:NEWRELIC_API_KEY";
    api_url = "$SANDBOX_URL/newrelic/graphql";
    eu_api_url = "$SANDBOX_URL/newrelic/graphql";
    account_id = 1234567;
    admins = [ "ops-lead@acme.example" ];
    users = [ "dev@acme.example" ];
    environments = {
      uat = { applications = [ "$APP" ];
              oncall_emails = [ "oncall@acme.example", "ops-lead@acme.example" ];
              monitor_urls = [ "https://app.uat.acme.example/mnoe/health_check",
                               "https://api.uat.acme.example/ping" ]; };
    };
  };
};
CFG
}

cfg="$WORK/acme.cfg"
apply() { es apply "$cfg" --env uat --max-poll-interval 100 "$@"; }
agent_reports() { # the person's part: the agent of $APP reports
  curl -sf -X POST -d "{\"name\":\"$APP\"}" "$SANDBOX_URL/newrelic/_agent/report" >/dev/null ||
    fail "agent report"
}

# One of each, and the run converged (exit 2: sign-up and agent
# installation wait for a person).
converged() { # context
  local kind want
  [ "$RC" = 2 ] || fail "$1: apply exited $RC"
  for t in verify_api_key users alert_policy alert_conditions notifications synthetics_monitors license_key; do
    grep -E "newrelic:$t +done" "$WORK/out" >/dev/null || fail "$1: newrelic:$t not done"
  done
  # Apdex is set once a person confirmed the agents (the first flow
  # below); until then it waits on that gate.
  grep -E "newrelic:apdex +(done|blocked +waiting on newrelic:install_agents)" "$WORK/out" >/dev/null ||
    fail "$1: newrelic:apdex neither done nor waiting on the agents"
  for kw in "user 2" "policy 1" "condition 3" "destination 1" "channel 1" "workflow 1" "monitor 2"; do
    read -r kind want <<<"$kw"
    [ "$(resources_count newrelic "$kind")" = "$want" ] ||
      fail "$1: expected $want $kind, got $(resources_count newrelic "$kind")"
  done
}

fresh() { # sandbox args...
  stop_sandbox
  rm -rf "$WORK/state"
  start_sandbox "$@"
  write_newrelic_config "$cfg"
}

# ---- apply, the agent reports, then nothing left to do ---------------------
fresh
es check "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env uat; expect_rc 2
expect_out "newrelic:alert_policy"
expect_out "to create"
apply
[ "$RC" = 2 ] || fail "first apply exited $RC"
# Apdex waits on the person who installs the agents, then on the agent's
# first report.
grep -E "newrelic:apdex +blocked +waiting on newrelic:install_agents" "$WORK/out" >/dev/null ||
  fail "apdex does not wait for the agents to be installed"
es confirm "$cfg" newrelic:install_agents --by "Ops Lead" --env uat; expect_rc 0
apply
[ "$RC" = 2 ] || fail "apply after the agents' sign-off exited $RC"
grep -E "newrelic:apdex +waiting" "$WORK/out" >/dev/null || fail "apdex does not wait for the agent"
grep -q "agent" "$WORK/out" "$WORK/err" || fail "the pending Apdex item does not say agents must report first"
agent_reports
apply
converged "first apply"
es plan "$cfg" --env uat; expect_rc 0
expect_out "No changes"
apply
converged "second apply"
es status "$cfg" --env uat; expect_rc 0
expect_out "newrelic.license_key = (secret"
expect_out "newrelic.policy_id"

# A changed threshold is an update of the same condition, not a new one.
sed -i 's/account_id = 1234567;/account_id = 1234567; error_rate_percent = 10;/' "$cfg"
es plan "$cfg" --env uat; expect_rc 2
expect_out "threshold"
apply
converged "threshold changed"
es plan "$cfg" --env uat; expect_rc 0

# ---- faults: converge, or fail cleanly naming New Relic and the request ----
faults=(
  "429:POST /newrelic/graphql:count=2,retry-after=1"
  "429:POST /newrelic/graphql:count=2"
  "503:POST /newrelic/graphql:nth=8"
  "500:POST /newrelic/graphql:count=2"
  "reset:POST /newrelic/graphql:nth=9"
  "malformed:POST /newrelic/graphql:nth=4"
  "malformed:POST /newrelic/graphql:nth=10"
)
for f in "${faults[@]}"; do
  fresh --faults "$f"
  agent_reports
  apply
  converged "fault $f"
  es plan "$cfg" --env uat; expect_rc 0
done

# NerdGraph's own errors, sent with HTTP 200.
graphql_errors=(
  "SANDBOX_NEWRELIC_ERRORS=TOO_MANY_REQUESTS:3"
  "SANDBOX_NEWRELIC_ERRORS=INTERNAL_SERVER_ERROR:2:CreatePolicy"
  "SANDBOX_NEWRELIC_ERRORS=TOO_MANY_REQUESTS:1:CreateMonitor"
  "SANDBOX_NEWRELIC_PAYLOAD_ERRORS=TOO_MANY_REQUESTS:1:CreateWorkflow"
  "SANDBOX_NEWRELIC_PAYLOAD_ERRORS=INTERNAL_SERVER_ERROR:1:CreateDestination"
)
for e in "${graphql_errors[@]}"; do
  export "${e?}"
  fresh
  unset SANDBOX_NEWRELIC_ERRORS SANDBOX_NEWRELIC_PAYLOAD_ERRORS
  agent_reports
  apply
  converged "GraphQL error $e"
  es plan "$cfg" --env uat; expect_rc 0
done

# A payload error that is no "later": a clean failure naming New Relic and
# the write, and no monitor made.
export SANDBOX_NEWRELIC_PAYLOAD_ERRORS=BAD_REQUEST:10:CreateMonitor
fresh
unset SANDBOX_NEWRELIC_PAYLOAD_ERRORS
apply
[ "$RC" = 4 ] || fail "a refused monitor: exit $RC, wanted 4"
grep -q "New Relic answered BAD_REQUEST" "$WORK/out" "$WORK/err" || fail "the failure does not name New Relic's error"
grep -q "create monitor" "$WORK/out" "$WORK/err" || fail "the failure does not name the request"
[ "$(resources_count newrelic monitor)" = 0 ] || fail "a refused monitor was made"

# ---- a SCIM domain: its users come from the identity provider --------------
export SANDBOX_NEWRELIC_PROVISIONING=scim
fresh
unset SANDBOX_NEWRELIC_PROVISIONING
agent_reports
es plan "$cfg" --env uat; expect_rc 2
expect_out "identity provider"
apply
[ "$RC" = 2 ] || fail "SCIM domain: apply exited $RC"
grep -E "newrelic:users +waiting" "$WORK/out" >/dev/null || fail "SCIM domain: users do not wait for a person"
grep -q "SCIM" "$WORK/out" "$WORK/err" || fail "SCIM domain: the question does not say why"
[ "$(resources_count newrelic user)" = 0 ] || fail "SCIM domain: a user was created through the API"
grep -E "newrelic:alert_policy +done" "$WORK/out" >/dev/null || fail "SCIM domain: the rest did not go on"

# ---- SIGKILL in each create window, then ONE apply -------------------------
# hook (state key prefix), sandbox kind, how many the run makes
kills=(
  "user.ops-lead@acme.example user 2"
  "policy policy 1"
  "condition.throughput condition 3"
  "destination destination 1"
  "channel channel 1"
  "workflow workflow 1"
  "monitor.https://api monitor 2"
)
for k in "${kills[@]}"; do
  read -r key kind want <<<"$k"
  fresh
  agent_reports
  es_killed_before_put "newrelic:$key" apply "$cfg" --env uat --max-poll-interval 100
  [ "$(resources_count newrelic "$kind")" -ge 1 ] || fail "$key: the $kind was not made before the kill"
  apply
  converged "kill at $key"
  [ "$(resources_count newrelic "$kind")" = "$want" ] || fail "$key: $kind made twice"
  grep -q "\"made:$key" "$WORK/state/uat/state.json" ||
    fail "$key: the resumed run lost that envsetup made it"
  es plan "$cfg" --env uat; expect_rc 0
done

# ---- SIGKILL while a create is in flight (barrier), then ONE apply --------
# before: NerdGraph never saw it; after: it made the resource and the
# answer is lost. Either way one apply converges, nothing made twice.
# spec|sandbox kind|how many the run makes
in_flight=(
  "after:POST /newrelic/graphql:op=CreatePolicy|policy|1"
  "after:POST /newrelic/graphql:op=CreateCondition|condition|3"
  "after:POST /newrelic/graphql:op=CreateWorkflow|workflow|1"
  "after:POST /newrelic/graphql:op=CreateMonitor|monitor|2"
  "after:POST /newrelic/graphql:op=CreateUser|user|2"
  "before:POST /newrelic/graphql:op=CreateDestination|destination|1"
)
for b in "${in_flight[@]}"; do
  IFS='|' read -r spec kind want <<<"$b"
  fresh
  agent_reports
  barrier_arm "$spec"
  es_bg apply "$cfg" --env uat --max-poll-interval 100 -p 1
  kill_at_barrier
  apply
  converged "kill at $spec"
  [ "$(resources_count newrelic "$kind")" = "$want" ] || fail "$spec: $kind made twice"
  es plan "$cfg" --env uat; expect_rc 0
done

# ---- a rejected key: BAD_API_KEY in a 200 ------------------------------------
fresh
NEWRELIC_API_KEY=NRAK-WRONG0000000000000000000 es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 4
expect_err "api_key"
expect_out "blocked"
[ "$(resources_count newrelic policy)" = 0 ] || fail "a rejected key made a policy"

# ---- destroy: what envsetup made goes, an adopted user stays ----------------
fresh
agent_reports
# dev@ was there before envsetup: made straight at the fake.
curl -sf -H "API-Key: $NEWRELIC_API_KEY" -H 'Content-Type: application/json' \
  -d '{"query":"mutation CreateUser($user: UserManagementCreateUser!) { userManagementCreateUser(createUserOptions: $user) { createdUser { id email } } }","variables":{"user":{"authenticationDomainId":"dom-1","email":"dev@acme.example","name":"dev","userType":"BASIC_USER_TIER"}}}' \
  "$SANDBOX_URL/newrelic/graphql" >/dev/null || fail "adopted user"
apply
converged "before destroy"
es plan "$cfg" --env uat --destroy; expect_rc 2
es destroy "$cfg" --env uat --yes --max-poll-interval 100; expect_rc 0
for kind in policy condition destination channel workflow monitor; do
  [ "$(resources_count newrelic $kind)" = 0 ] || fail "destroy left a $kind"
done
[ "$(resources_count newrelic user)" = 1 ] || fail "destroy did not keep exactly the adopted user"
curl -s "$SANDBOX_URL/_sandbox/resources?provider=newrelic&kind=user" | grep -q dev@acme.example ||
  fail "destroy removed the adopted user"
[ "$(resources_count newrelic app)" = 1 ] || fail "destroy touched the application"

# ---- no secret in any output -------------------------------------------------
key="NRAK-Zq8secretVALUE$$x$RANDOM"
license="lic-Zq8secretLICENSE-$$-$RANDOM"
export NEWRELIC_API_KEY=$key SANDBOX_NEWRELIC_API_KEY=$key SANDBOX_NEWRELIC_LICENSE_KEY=$license
fresh
agent_reports
: >"$WORK/all-output"
es -vv check "$cfg" --env uat
es -vv plan "$cfg" --env uat
es -vv apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
es -vv plan "$cfg" --env uat --json; expect_rc 0
es -vv status "$cfg" --env uat
es -vv report "$cfg" --env uat; expect_rc 0
grep -q "keySearch" "$WORK/all-output" || fail "no -vv trace of the requests"
secrets_file="$WORK/state/uat/secrets.json"
[ "$(stat -c %a "$secrets_file")" = 600 ] || fail "secrets.json is not 0600"
kept=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"]["newrelic"]["license_key"])' "$secrets_file")
[ "$kept" = "$license" ] || fail "the licence key is not kept as a secret output"
expect_no_secret "$key" "$license"
echo "PASS [$TEST_NAME]"

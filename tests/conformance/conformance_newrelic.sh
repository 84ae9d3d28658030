#!/usr/bin/env bash
# conformance.newrelic: a full plan/apply/verify/destroy of the newrelic
# plugin, every NerdGraph operation it sends (and the sandbox's reply)
# checked with graphql-js against the NerdGraph subset written as SDL in
# tests/conformance/schemas/newrelic.graphql (each type cited to
# newrelic-client-go or New Relic's docs: NerdGraph publishes its schema
# only by introspection behind a key, and Prism serves OpenAPI only):
#   envsetup -> loopback_proxy (logs exchanges) -> envsetup-sandbox --root newrelic
# graphql_check.js validates each operation and its variables by the rules
# of the GraphQL specification, executes each reply back through the
# schema, and wants every operation of the plugin's source seen (100 %).
# It first proves it catches wrong exchanges (unknown field, wrong
# variable type, an unknown enum value, no API-Key, a reply off the
# schema, an operation missing from the run).
. "$(dirname "$0")/lib.sh"
spec="$CONFORMANCE_DIR/schemas/newrelic.graphql"
spec_file "$spec"
[ -d "$CONFORMANCE_DIR/node_modules/graphql" ] ||
  fail "graphql-js is not installed: run 'npm ci --omit-lockfile-registry-resolved' in tests/conformance (scripts/test does)"
check() { # EXCHANGES
  node "$CONFORMANCE_DIR/graphql_check.js" --schema "$spec" --exchanges "$1" \
    --operations "$operations" --auth header:API-Key --mutations yes
}
# The plugin's operations, from its source: every one must be exercised.
operations=$(grep -hoE '"(query|mutation) [A-Za-z]+' "$ES_SOURCE_DIR"/plugins/newrelic/*.c |
  sed -E 's/"(query|mutation) //' | sort -u | paste -sd, -)
[ -n "$operations" ] || fail "no GraphQL operation found in the plugin's source"

# ---- the checker catches what it must ------------------------------------
auth='"API-Key": "NRAK-X", "Content-Type": "application/json"'
exchange() { graphql_exchange "$1" "$2" "${3:-$auth}"; }
who='query WhoAmI($accountId: Int!) { actor { user { id email } account(id: $accountId) { id name } } }'
who_reply='{"data":{"actor":{"user":{"id":7,"email":"e@x"},"account":{"id":1,"name":"A"}}}}'
pol='mutation CreatePolicy($accountId: Int!, $policy: AlertsPolicyInput!) { alertsPolicyCreate(accountId: $accountId, policy: $policy) { id name incidentPreference } }'
pol_reply='{"data":{"alertsPolicyCreate":{"id":"1","name":"p","incidentPreference":"PER_POLICY"}}}'
exchange "$(jq -cn --arg q "$who" '{query:$q,variables:{accountId:1}}')" "$who_reply" >"$WORK/good.jsonl"
exchange "$(jq -cn --arg q "$pol" '{query:$q,variables:{accountId:1,policy:{name:"p",incidentPreference:"PER_POLICY"}}}')" "$pol_reply" >>"$WORK/good.jsonl"
operations_all=$operations
operations="WhoAmI,CreatePolicy"
check "$WORK/good.jsonl" >"$WORK/self.out" || fail "the checker refuses right exchanges: $(cat "$WORK/self.out")"
wrong=(
  "$(jq -cn --arg q "${who/email/mail}" '{query:$q,variables:{accountId:1}}')|$who_reply|$auth"
  "$(jq -cn --arg q "$who" '{query:$q,variables:{accountId:"one"}}')|$who_reply|$auth"
  "$(jq -cn --arg q "$pol" '{query:$q,variables:{accountId:1,policy:{name:"p",incidentPreference:"SOMETIMES"}}}')|$pol_reply|$auth"
  "$(jq -cn --arg q "$who" '{query:$q,variables:{accountId:1}}')|$who_reply|\"Content-Type\": \"application/json\""
  "$(jq -cn --arg q "$pol" '{query:$q,variables:{accountId:1,policy:{name:"p",incidentPreference:"PER_POLICY"}}}')|${pol_reply/PER_POLICY/SOMETIMES}|$auth"
)
graphql_refuses "$WORK/good.jsonl" "${wrong[@]}"
exchange "$(jq -cn --arg q "$who" '{query:$q,variables:{accountId:1}}')" "$who_reply" >"$WORK/one.jsonl"
check "$WORK/one.jsonl" >"$WORK/self.out" && fail "the checker accepted a run missing an operation"
grep -q "UNCOVERED: CreatePolicy" "$WORK/self.out" || fail "uncovered operation not named"
operations=$operations_all

# ---- the plugin's run --------------------------------------------------------
export NEWRELIC_API_KEY=NRAK-SANDBOX00000000000000001
start_sandbox --root newrelic --record "$WORK/sandbox.record"
start_proxy "$WORK/exchanges.jsonl" "/=$SANDBOX_URL"
cfg="$WORK/acme.cfg"
write() { # ERROR_RATE ONCALL INCIDENT_PREFERENCE
  cat >"$cfg" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.1"; title = "Monitoring"; plugins = [ "newrelic" ]; }
);
plugins = {
  newrelic = {
    api_key = "env:NEWRELIC_API_KEY";
    api_url = "$PROXY_URL/graphql";
    account_id = 1234567;
    admins = [ "ops-lead@acme.example" ];
    users = [ "dev@acme.example" ];
    applications = [ "acme-uat" ];
    apdex_target = "0.7";
    error_rate_percent = $1;
    incident_preference = "$3";
    oncall_emails = [ $2 ];
    monitor_urls = [ "https://app.uat.acme.example/mnoe/health_check" ];
  };
};
CFG
}
write 5 '"oncall@acme.example"' PER_CONDITION
es plan "$cfg" --env uat; expect_rc 2
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
grep -E "newrelic:apdex +blocked" "$WORK/out" >/dev/null || fail "apdex does not wait for the agents"
es confirm "$cfg" newrelic:install_agents --by "Ops Lead" --env uat; expect_rc 0
# The person's part, straight to the sandbox (not a NerdGraph call).
curl -sf -X POST -d '{"name":"acme-uat"}' "$SANDBOX_URL/newrelic/_agent/report" >/dev/null || fail "agent report"
# A new threshold, a second address and another incident preference:
# UpdateCondition, UpdateDestination, UpdatePolicy.
write 10 '"oncall@acme.example", "ops-lead@acme.example"' PER_POLICY
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
grep -E "newrelic:apdex +done" "$WORK/out" >/dev/null || fail "apdex not done"
es plan "$cfg" --env uat; expect_rc 0
es destroy "$cfg" --env uat --yes --max-poll-interval 100; expect_rc 0
check "$WORK/exchanges.jsonl" || fail "NerdGraph operations or replies off the schema"

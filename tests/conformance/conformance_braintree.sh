#!/usr/bin/env bash
# conformance.braintree: a full plan/apply/verify of the braintree plugin,
# every query it sends (and the sandbox's reply) checked with graphql-js
# against Braintree's published schema (braintree/graphql-api
# schema.graphql; Prism serves OpenAPI only):
#   envsetup -> loopback_proxy (logs exchanges) -> envsetup-sandbox --root braintree
# graphql_check.js validates each query and its variables by the rules of
# the GraphQL specification, executes each reply back through the schema,
# and wants every operation of the plugin's source seen (100 %). It first
# proves it catches wrong exchanges (unknown field, wrong variable type,
# a mutation, no auth, a reply with a wrong enum value).
. "$(dirname "$0")/lib.sh"
spec="$SPECS_DIR/braintree-schema.graphql"
spec_file "$spec"
[ -d "$CONFORMANCE_DIR/node_modules/graphql" ] ||
  fail "graphql-js is not installed: run 'npm ci --omit-lockfile-registry-resolved' in tests/conformance (scripts/test does)"
check() { # EXCHANGES
  node "$CONFORMANCE_DIR/graphql_check.js" --schema "$spec" --exchanges "$1" \
    --operations "$operations" --version-header Braintree-Version
}
# The plugin's operations, from its source: every one must be exercised.
operations=$(grep -ho '"query [A-Za-z]*' "$ES_SOURCE_DIR"/plugins/braintree/*.c | sed 's/"query //' | sort -u | paste -sd, -)
[ -n "$operations" ] || fail "no GraphQL operation found in the plugin's source"

# ---- the checker catches what it must ------------------------------------
auth='"Authorization": "Basic cHViOnByaXY=", "Content-Type": "application/json", "Braintree-Version": "2019-01-01"'
exchange() { graphql_exchange "$1" "$2" "${3:-$auth}"; }
pong='{"data":{"ping":"pong"}}'
good_accounts='{"data":{"viewer":{"merchant":{"id":"m","merchantAccounts":{"edges":[{"node":{"id":"a","currencyCode":"AUD","status":"ACTIVE","isDefault":true}}],"pageInfo":{"hasNextPage":false,"endCursor":null}}}}}}'
q='query MerchantAccounts($first: Int, $after: String) { viewer { merchant { id merchantAccounts(first: $first, after: $after) { edges { node { id currencyCode status isDefault } } pageInfo { hasNextPage endCursor } } } } }'
exchange '{"query":"query Ping { ping }"}' "$pong" >"$WORK/good.jsonl"
exchange "$(jq -cn --arg q "$q" '{query:$q,variables:{first:50}}')" "$good_accounts" >>"$WORK/good.jsonl"
check "$WORK/good.jsonl" >"$WORK/self.out" || fail "the checker refuses right exchanges: $(cat "$WORK/self.out")"
wrong=(
  '{"query":"query Ping { ping pong }"}|'"$pong"'|'"$auth"
  "$(jq -cn --arg q "$q" '{query:$q,variables:{first:"fifty"}}')|$good_accounts|$auth"
  '{"query":"mutation Ping { ping }"}|'"$pong"'|'"$auth"
  '{"query":"query Ping { ping }"}|'"$pong"'|"Content-Type": "application/json", "Braintree-Version": "2019-01-01"'
  '{"query":"query Ping { ping }"}|'"$pong"'|"Authorization": "Basic cHViOnByaXY=", "Content-Type": "application/json"'
  "$(jq -cn --arg q "$q" '{query:$q,variables:{first:50}}')|${good_accounts/ACTIVE/ENABLED}|$auth"
  '{"query":"query Ping { ping }"}|{"data":{"ping":null}}|'"$auth"
)
graphql_refuses "$WORK/good.jsonl" "${wrong[@]}"
exchange '{"query":"query Ping { ping }"}' "$pong" >"$WORK/ping-only.jsonl"
check "$WORK/ping-only.jsonl" >"$WORK/self.out" && fail "the checker accepted a run missing an operation"
grep -q "UNCOVERED: MerchantAccounts" "$WORK/self.out" || fail "uncovered operation not named"

# ---- the plugin's run --------------------------------------------------------
export BRAINTREE_PUBLIC_KEY=sandbox-bt-public-0001 BRAINTREE_PRIVATE_KEY=sandbox-bt-private-0001
# One account per page, so the paging variable `after` is sent and checked.
export SANDBOX_BRAINTREE_PAGE_SIZE=1 SANDBOX_BRAINTREE_ACCOUNTS="acme_aud:AUD:ACTIVE:default,acme_eur:EUR:PENDING"
start_sandbox --root braintree --record "$WORK/sandbox.record"
start_proxy "$WORK/exchanges.jsonl" "/=$SANDBOX_URL"
cfg="$WORK/acme.cfg"
cat >"$cfg" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.6"; title = "Payment gateway"; plugins = [ "braintree" ]; }
);
plugins = {
  braintree = {
    public_key = "env:BRAINTREE_PUBLIC_KEY";
    private_key = "env:BRAINTREE_PRIVATE_KEY";
    gateway_environment = "sandbox";
    sandbox_api_url = "$PROXY_URL";
    merchant_id = "acmemerchant01";
    currencies = [ "AUD", "USD" ];
    admins = [ "finance-lead@acme.example" ];
  };
};
CFG

es plan "$cfg" --env uat; expect_rc 2
es apply "$cfg" --env uat; expect_rc 2
grep -E "braintree:merchant_accounts +waiting" "$WORK/out" >/dev/null || fail "merchant_accounts does not wait for the USD account"
# The person's part, straight to the sandbox (not a Braintree API call).
curl -sf -X POST -d '{"id":"acme_usd","currencyCode":"USD"}' \
  "$SANDBOX_URL/_control_panel/merchant_accounts" >/dev/null || fail "control panel"
es apply "$cfg" --env uat; expect_rc 2
grep -E "braintree:merchant_accounts +done" "$WORK/out" >/dev/null || fail "merchant_accounts not done"
es plan "$cfg" --env uat; expect_rc 0
grep -qF '\"after\":' "$WORK/exchanges.jsonl" || fail "no second page was asked for"
check "$WORK/exchanges.jsonl" || fail "Braintree queries or replies off the schema"

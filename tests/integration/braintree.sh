#!/usr/bin/env bash
# The braintree plugin end to end against the sandbox's Braintree fake,
# through the real binary and loader, with its own customer file:
# check, plan (2), apply (a person must create the USD merchant account),
# the person does it, apply, plan (0), apply again with nothing new; status
# shows every item of checklist 4.6, manual gates included; fault runs (429
# with and without Retry-After, 5xx, reset, malformed bodies, Braintree's
# error classes in a 200) converge or fail cleanly naming Braintree and
# the request; a SIGKILL before each merchant account id is recorded,
# then ONE apply; rejected keys; and a -vv run whose every output is
# searched for every secret.
. "$(dirname "$0")/lib.sh"

export BRAINTREE_PUBLIC_KEY=sandbox-bt-public-0001
export BRAINTREE_PRIVATE_KEY=sandbox-bt-private-0001
BOTH="acme_aud:AUD:ACTIVE:default,acme_usd:USD:ACTIVE"

write_braintree_config() { # FILE
  cat >"$1" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.6"; title = "Payment gateway"; plugins = [ "braintree" ]; }
);
plugins = {
  braintree = {
    public_key = "env:BRAINTREE_PUBLIC_KEY";
    private_key = "env:BRAINTREE_PRIVATE_KEY";
    api_url = "$SANDBOX_URL/braintree";
    sandbox_api_url = "$SANDBOX_URL/braintree";
    merchant_id = "acmemerchant01";
    currencies = [ "AUD", "USD" ];
    card_types = [ "visa", "mastercard", "american_express" ];
    admins = [ "finance-lead@acme.example" ];
    environments = {
      uat = { gateway_environment = "sandbox"; };
    };
  };
};
CFG
}

cfg="$WORK/acme.cfg"
apply() { es apply "$cfg" --env uat "$@"; }
state() { cat "$WORK/state/uat/state.json" 2>/dev/null || true; }

# Both accounts recorded, none made twice, and the run converged (exit 2:
# the manual gates wait for a person).
converged() { # context
  [ "$RC" = 2 ] || fail "$1: apply exited $RC"
  grep -E "braintree:merchant_accounts +done" "$WORK/out" >/dev/null || fail "$1: merchant_accounts not done"
  [ "$(resources_count braintree merchant_account)" = 2 ] || fail "$1: expected 2 merchant accounts"
  state | grep -q '"merchant_account.AUD":[[:space:]]*"acme_aud"' || fail "$1: AUD not recorded"
  state | grep -q '"merchant_account.USD":[[:space:]]*"acme_usd"' || fail "$1: USD not recorded"
}

fresh() { # sandbox args...
  stop_sandbox
  rm -rf "$WORK/state"
  start_sandbox "$@"
  write_braintree_config "$cfg"
}

# ---- plan, a person's part, apply, then nothing left to do --------------
SANDBOX_BRAINTREE_PAGE_SIZE=1 fresh
es check "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env uat; expect_rc 2
expect_out "braintree:merchant_accounts"
apply
[ "$RC" = 2 ] || fail "first apply exited $RC"
grep -E "braintree:verify_credentials +done" "$WORK/out" >/dev/null || fail "verify_credentials not done"
grep -q "USD" "$WORK/out" || fail "the question does not name the missing currency"
grep -q "Merchant Accounts" "$WORK/out" || fail "the question does not say where to create it"
state | grep -q '"merchant_account.AUD":[[:space:]]*"acme_aud"' || fail "AUD not recorded"
# The person creates the USD account in the Control Panel.
curl -sf -X POST -d '{"id":"acme_usd","currencyCode":"USD"}' \
  "$SANDBOX_URL/braintree/_control_panel/merchant_accounts" >/dev/null || fail "control panel"
es confirm "$cfg" braintree:merchant_accounts --by "Jane Doe" --env uat
apply
converged "after the person"
es plan "$cfg" --env uat; expect_rc 0
apply
converged "second apply"
grep -E "braintree:merchant_accounts +done +no changes" "$WORK/out" >/dev/null ||
  fail "the second apply changed something"
es status "$cfg" --env uat; expect_rc 0
for t in verify_credentials complete_verification merchant_accounts enable_card_types invite_admins; do
  expect_out "braintree:$t"
done
expect_out "braintree.merchant_id = acmemerchant01"
expect_out "braintree.merchant_account_id:USD = acme_usd"
es status "$cfg" --env uat --output braintree.merchant_accounts; expect_rc 0
expect_out '"acct":"acme_aud"'

# ---- faults: converge, or fail cleanly naming Braintree and the request ---
faults=(
  "429:POST /braintree/graphql:count=2,retry-after=1"
  "429:POST /braintree/graphql:count=3"
  "503:POST /braintree/graphql:count=2"
  "500:POST /braintree/graphql:nth=2"
  "502:POST /braintree/graphql:nth=1"
  "reset:POST /braintree/graphql:nth=2"
  "malformed:POST /braintree/graphql:nth=1"
  "malformed:POST /braintree/graphql:nth=2"
)
for f in "${faults[@]}"; do
  SANDBOX_BRAINTREE_ACCOUNTS=$BOTH fresh --faults "$f"
  apply
  converged "fault $f"
  es plan "$cfg" --env uat; expect_rc 0
done

# Braintree's own error-in-200 shapes: RESOURCE_LIMIT ("too many
# requests") and INTERNAL are retried; the run converges.
for e in RESOURCE_LIMIT:2 INTERNAL:1; do
  SANDBOX_BRAINTREE_ERRORS=$e SANDBOX_BRAINTREE_ACCOUNTS=$BOTH fresh
  apply
  converged "error class $e"
done

# A listing that never parses: a clean failure naming Braintree and the
# query, and nothing recorded.
SANDBOX_BRAINTREE_ACCOUNTS=$BOTH fresh --faults "malformed:POST /braintree/graphql:p=1"
apply
[ "$RC" = 4 ] || fail "an answer that never parses: exit $RC, wanted 4"
grep -q "Braintree" "$WORK/out" "$WORK/err" || fail "the failure does not name Braintree"
grep -q "Ping" "$WORK/out" "$WORK/err" || fail "the failure does not name the query"
state | grep -q 'merchant_account\.' && fail "an id was recorded without a readable answer"

# ---- SIGKILL before each id is recorded, then ONE apply -------------------
for cur in AUD USD; do
  SANDBOX_BRAINTREE_ACCOUNTS=$BOTH fresh
  ENVSETUP_TEST_KILL_BEFORE_PUT=braintree:merchant_account.$cur "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
    apply "$cfg" --env uat >"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
  cat "$WORK/killed.out" >>"$WORK/all-output"
  [ "$rc" = 137 ] || fail "$cur: the kill hook did not fire (exit $rc)"
  state | grep -q "\"merchant_account.$cur\"" && fail "$cur: recorded although killed before"
  apply
  converged "kill at merchant_account.$cur"
  es plan "$cfg" --env uat; expect_rc 0
done

# ---- rejected keys: as Braintree documents (200) and as a 401 ------------
for status in 200 401; do
  SANDBOX_BRAINTREE_AUTH_STATUS=$status SANDBOX_BRAINTREE_ACCOUNTS=$BOTH fresh
  BRAINTREE_PRIVATE_KEY=wrong-private-key es apply "$cfg" --env uat; expect_rc 4
  expect_err "private_key"
  grep -q "Braintree rejected" "$WORK/out" "$WORK/err" || fail "($status) the failure does not say Braintree rejected the keys"
  expect_out "blocked"
  state | grep -q 'merchant_account\.' && fail "($status) rejected keys recorded an account"
done

# ---- no secret in any output ----------------------------------------------
public="bt-pub-Zq8-$$-$RANDOM"
private="bt-priv-Zq8secretVALUE-$$-$RANDOM"
export BRAINTREE_PUBLIC_KEY=$public BRAINTREE_PRIVATE_KEY=$private
export SANDBOX_BRAINTREE_PUBLIC_KEY=$public SANDBOX_BRAINTREE_PRIVATE_KEY=$private
SANDBOX_BRAINTREE_ACCOUNTS=$BOTH fresh
: >"$WORK/all-output"
es -vv check "$cfg" --env uat
es -vv plan "$cfg" --env uat
es -vv apply "$cfg" --env uat; expect_rc 2
es -vv plan "$cfg" --env uat --json; expect_rc 0
es -vv status "$cfg" --env uat
es -vv status "$cfg" --env uat --json
es -vv report "$cfg" --env uat; expect_rc 0
grep -q "MerchantAccounts" "$WORK/all-output" || fail "no -vv trace of the queries"
expect_no_secret "$public" "$private" "$(printf '%s:%s' "$public" "$private" | base64 -w0)"
echo "PASS [$TEST_NAME]"

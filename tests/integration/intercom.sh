#!/usr/bin/env bash
# The intercom plugin end to end against the sandbox's fake, through the
# real binary and loader: plan (2), apply, plan (0), apply again with no
# duplicate; status with every 4.5 item and the manual gates; the gates
# themselves (no secret yet, a teammate not yet in); faults (429 with and
# without Retry-After, Intercom's own 429 with X-RateLimit-Reset, 5xx, a
# reset, a malformed body, the "already have" conflict shape); a kill in
# each create window followed by ONE converging apply; rejected token; and
# a -vv run whose every output holds neither the token nor the secret.
. "$(dirname "$0")/lib.sh"

token="sandbox-intercom-token-$$-$RANDOM"
export INTERCOM_ACCESS_TOKEN=$token SANDBOX_INTERCOM_TOKEN=$token
export SANDBOX_INTERCOM_ADMINS="owner@acme.example,support-lead@acme.example"
iv_secret="ivsecret-Zq8-$$-$RANDOM-0123456789abcdef"
printf '%s' "$iv_secret" >"$WORK/iv-secret.txt"
chmod 600 "$WORK/iv-secret.txt"

# FILE [extra settings] [teammates]
write_intercom_config() {
  local secret="identity_verification_secret = \"file:$WORK/iv-secret.txt\";"
  local teammates='"support-lead@acme.example"'
  [ $# -ge 2 ] && secret=$2
  [ $# -ge 3 ] && teammates=$3
  cat >"$1" <<EOF
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.5"; title = "Support desk";
    elements = ( { id = "support_tool"; question = "Which support desk?"; answer = "Intercom"; } );
    plugins = [ "intercom" ]; }
);
plugins = {
  intercom = {
    access_token = "env:INTERCOM_ACCESS_TOKEN";
    api_url = "$SANDBOX_URL/intercom";
    contact_attributes = [ "admin_role:string:The user's admin role on the platform",
                           "confirmed_at:date:When the user confirmed their e-mail address" ];
    company_attributes = [ "app_count:integer:Apps the company has connected" ];
    tags = [ "platform-user", "billing" ];
    teammates = [ $teammates ];
    $secret
  };
};
EOF
}

# What the sandbox holds: CONTEXT [ATTRIBUTES [TAGS]] (default 3 and 2,
# the config's), so a duplicate or a missing create fails by name.
converged() {
  local attributes tags
  attributes=$(resources_count intercom data_attribute)
  tags=$(resources_count intercom tag)
  [ "$attributes/$tags" = "${2:-3}/${3:-2}" ] ||
    fail "$1: expected ${2:-3} data attributes and ${3:-2} tags, found $attributes and $tags"
}
fresh() { # [sandbox args...]
  stop_sandbox
  rm -rf "$WORK/state"
  start_sandbox "$@"
  write_intercom_config "$cfg"
}

# ---- plan, apply, nothing left to do --------------------------------------
start_sandbox
cfg="$WORK/acme.cfg"
write_intercom_config "$cfg"
es check "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env uat; expect_rc 2
expect_out "data attribute contact.admin_role"
expect_out "tag platform-user"
converged "plan" 0 0
es apply "$cfg" --env uat; expect_rc 0
for t in read_app data_attributes tags identity_verification_secret invite_teammates; do
  grep -E "intercom:$t +done" "$WORK/out" >/dev/null || fail "intercom:$t not done"
done
converged "first apply"
es plan "$cfg" --env uat; expect_rc 0
expect_out "No changes"
es apply "$cfg" --env uat; expect_rc 0
converged "second apply"
es status "$cfg" --env uat; expect_rc 0
expect_out "intercom.app_id = sbxapp01"
expect_out "intercom.identity_verification_secret = (secret"
for t in read_app data_attributes tags identity_verification_secret invite_teammates; do
  grep -E "done +intercom:$t" "$WORK/out" >/dev/null || fail "status lacks intercom:$t done"
done

# A description changed in the file is an update, not a new attribute.
sed -i 's/The user.s admin role on the platform/Role of the user/' "$cfg"
es plan "$cfg" --env uat; expect_rc 2
expect_out "contact.admin_role"
es apply "$cfg" --env uat; expect_rc 0
converged "description update"
curl -s "$SANDBOX_URL/_sandbox/resources" | grep -q '"Role of the user"' || fail "description not updated"

# ---- manual gates: no secret yet, a teammate not yet in -------------------
fresh
write_intercom_config "$cfg" "" '"support-lead@acme.example", "new-agent@acme.example"'
es apply "$cfg" --env uat; expect_rc 2
grep -E "intercom:identity_verification_secret +waiting" "$WORK/out" >/dev/null ||
  fail "the secret gate is not waiting"
grep -E "intercom:invite_teammates +waiting" "$WORK/out" >/dev/null ||
  fail "the teammate gate is not waiting"
es status "$cfg" --env uat; expect_rc 0
expect_out "Settings > Data > Security"
expect_out "new-agent@acme.example"
es confirm "$cfg" intercom:invite_teammates --by "Jane Doe" --env uat; expect_rc 0
write_intercom_config "$cfg" "" '"support-lead@acme.example", "new-agent@acme.example"'
sed -i "s|teammates = |identity_verification_secret = \"file:$WORK/iv-secret.txt\"; teammates = |" "$cfg"
es apply "$cfg" --env uat; expect_rc 0
es status "$cfg" --env uat; expect_rc 0
expect_out "intercom.identity_verification_secret = (secret"
converged "gates"

# ---- faults: converge, or fail cleanly naming Intercom and the request ----
for faults in \
  '429:POST /intercom/data_attributes:count=2' \
  '429:POST /intercom/tags:count=1,retry-after=1' \
  '503:* /intercom:every=4' \
  '500:POST /intercom/tags:nth=1' \
  'reset:POST /intercom/data_attributes:nth=2' \
  'malformed:POST /intercom/tags:nth=1'; do
  fresh --faults "$faults"
  converged_rc=1
  for attempt in 1 2 3; do
    es apply "$cfg" --env uat
    if [ "$RC" -eq 0 ]; then converged_rc=0; break; fi
    grep -q "Intercom" "$WORK/err" || fail "$faults: a failure that does not name Intercom"
  done
  [ "$converged_rc" = 0 ] || fail "$faults: no convergence (exit $RC)"
  converged "$faults"
  es plan "$cfg" --env uat; expect_rc 0
done

# Intercom's own throttle: 429 rate_limit_exceeded with X-RateLimit-Reset
# and no Retry-After, 15 calls per 10-second window (a full first apply
# makes about 23). A write waits for the reset (the read hook); a read the
# HTTP service gave up on (its retries span less than a window) fails the
# task naming the request, and the next apply, in the next window, goes on
# from what the last one made, with no duplicate.
SANDBOX_INTERCOM_RATE_LIMIT=15 fresh
converged_rc=1
for attempt in 1 2 3; do
  es apply "$cfg" --env uat
  if [ "$RC" -eq 0 ]; then converged_rc=0; break; fi
  expect_err "Intercom answered 429 rate_limit_exceeded"
  sleep 10
done
[ "$converged_rc" = 0 ] || fail "rate limit: no convergence (exit $RC)"
converged "Intercom's rate limit"

# A listing that cannot be read is never "absent": nothing is created.
fresh --faults 'malformed:GET /intercom/data_attributes'
es apply "$cfg" --env uat; expect_rc 4
expect_err "Intercom answered 200 with a body that does not parse"
converged "malformed listing" 0 2

# The conflict shape: the company model already holds admin_role (the
# customer's own), so Intercom answers the contact create "You already
# have 'admin_role' in your company data": a clean failure naming the key.
SANDBOX_INTERCOM_SEED="company:admin_role:string" fresh
es apply "$cfg" --env uat; expect_rc 4
expect_err "create data attribute contact.admin_role"
expect_err "contact_attributes"
converged "conflict" 1 2 # the seeded one, no duplicate

# ---- a kill in each create window, then ONE apply ------------------------
for hook in intercom:attribute:contact: intercom:attribute:company: intercom:tag:; do
  fresh
  ENVSETUP_TEST_KILL_BEFORE_PUT=$hook "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
    apply "$cfg" --env uat >"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
  [ "$rc" = 137 ] || fail "$hook: the kill hook did not fire (exit $rc)"
  es apply "$cfg" --env uat
  [ "$RC" = 0 ] || fail "$hook: one apply after the kill did not converge (exit $RC)"
  converged "killed at $hook"
  grep -q "\"made:${hook#intercom:}" "$WORK/state/uat/state.json" ||
    fail "$hook: the resumed resource is not known as envsetup's own"
  es plan "$cfg" --env uat; expect_rc 0
done

# ---- a rejected token ------------------------------------------------------
fresh
INTERCOM_ACCESS_TOKEN=not-the-token es apply "$cfg" --env uat; expect_rc 4
expect_err "access_token"
expect_out "blocked"
converged "bad token" 0 0

# ---- -vv: neither the token nor the secret in any output -----------------
fresh
: >"$WORK/all-output"
es -vv check "$cfg" --env uat
es -vv plan "$cfg" --env uat
es -vv apply "$cfg" --env uat; expect_rc 0
es -vv status "$cfg" --env uat
es -vv status "$cfg" --env uat --json
es -vv report "$cfg" --env uat
grep -q "Authorization: \*\*\*" "$WORK/all-output" || fail "no masked trace seen: -vv traces missing?"
expect_no_secret "$token" "$iv_secret"
grep -qF "$iv_secret" "$(find "$WORK/state" -name secrets.json)" ||
  fail "the identity verification secret is not in secrets.json"
echo "intercom: all checks passed (0 hits for the token and the secret)"

#!/usr/bin/env bash
# The mandrill plugin end to end against the sandbox's Mandrill fake,
# through the real binary and loader, with its own customer file:
# plan (2), apply, plan (0), apply again without duplicates; fault runs
# (429 with and without Retry-After, 5xx, reset, malformed bodies, every
# error sent as HTTP 500 as the older service did); a SIGKILL in each
# create window followed by ONE apply; a rejected key; and a -vv run whose
# every output is searched for every secret.
. "$(dirname "$0")/lib.sh"

export MANDRILL_API_KEY=md-sandbox-key-0001

write_mandrill_config() { # FILE
  cat >"$1" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.4"; title = "Transaction e-mails"; plugins = [ "mandrill" ]; }
);
plugins = {
  mandrill = {
    api_key = "env:MANDRILL_API_KEY";
    api_url = "$SANDBOX_URL/mandrill";
    domain = "mail.acme.example";
    dmarc_policy = "quarantine";
    templates_dir = "$ES_SOURCE_DIR/etc/templates/acme";
    templates = [ "welcome", "password-reset" ];
    admins = [ "ops-lead@acme.example" ];
    environments = {
      uat = { domain = "mail.uat.acme.example";
              subaccount_id = "acme-uat"; subaccount_name = "Acme UAT";
              webhook_url = "https://app.uat.acme.example/hooks/mandrill"; };
    };
  };
};
CFG
}

cfg="$WORK/acme.cfg"
apply() { es apply "$cfg" --env uat --max-poll-interval 100 "$@"; }

# One of each, and the run converged (exit 2: invite_admins waits for a
# person).
converged() { # context
  local kind
  [ "$RC" = 2 ] || fail "$1: apply exited $RC"
  for kind in domain subaccount webhook; do
    [ "$(resources_count mandrill $kind)" = 1 ] || fail "$1: expected 1 $kind, got $(resources_count mandrill $kind)"
  done
  [ "$(resources_count mandrill template)" = 2 ] || fail "$1: expected 2 templates"
  curl -s "$SANDBOX_URL/_sandbox/resources?provider=mandrill&kind=template" | python3 -c '
import json, sys
t = {r["id"]: r["attrs"] for r in json.load(sys.stdin)}["password-reset"]
assert t["publish_subject"] == "Reset your Acme password", t
assert t["publish_text"].startswith("Hello {{name}}, reset"), t
assert t["publish_code"].startswith("<html><body><p>Hello {{name}}"), t
' || fail "$1: templates not published with subject, code and text"
}

fresh() { # sandbox args...
  stop_sandbox
  rm -rf "$WORK/state"
  start_sandbox "$@"
  write_mandrill_config "$cfg"
}

# ---- apply, then nothing left to do --------------------------------------
fresh --async-polls 2
es check "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env uat; expect_rc 2
expect_out "mandrill:add_sender_domain"
expect_out "to create"
apply
for t in verify_api_key add_sender_domain verify_sender_domain subaccount configure_webhook upload_templates; do
  grep -E "mandrill:$t +done" "$WORK/out" >/dev/null || fail "mandrill:$t not done"
done
expect_out "mandrill:invite_admins"
converged "first apply"
es plan "$cfg" --env uat; expect_rc 0
expect_out "No changes"
apply
converged "second apply"
es status "$cfg" --env uat; expect_rc 0
expect_out "mandrill.dns_records = (JSON list of 5 items)"
expect_out "mandrill.domain_state = verified"
expect_out "mandrill.subaccount_id = acme-uat"
expect_out "mandrill.webhook_auth_key = (secret"
es status "$cfg" --env uat --output mandrill.dns_records; expect_rc 0
expect_out "mte1._domainkey.mail.uat.acme.example"
expect_out "p=quarantine"

# ---- faults: converge, or fail cleanly naming Mandrill and the request ----
faults=(
  "429:POST /mandrill/templates/add:count=2,retry-after=1"
  "429:POST /mandrill/senders/add-domain:count=2"
  "503:POST /mandrill/webhooks/add:nth=1"
  "500:POST /mandrill/subaccounts/info:count=2"
  "reset:POST /mandrill/subaccounts/add:nth=1"
  "reset:POST /mandrill/templates/info:nth=1"
  "malformed:POST /mandrill/senders/domains:nth=1"
  "malformed:POST /mandrill/templates/add:nth=1"
)
for f in "${faults[@]}"; do
  fresh --async-polls 1 --faults "$f"
  apply
  converged "fault $f"
  es plan "$cfg" --env uat; expect_rc 0
done

# Every error sent as HTTP 500: only the name (Unknown_Template,
# Unknown_Subaccount ...) tells "absent" from a failure.
SANDBOX_MANDRILL_LEGACY_ERRORS=1 fresh --async-polls 1
apply
converged "errors as HTTP 500"

# A listing that never parses: a clean failure naming Mandrill and the
# request, and nothing added.
fresh --async-polls 1 --faults "malformed:POST /mandrill/senders/domains"
apply
[ "$RC" = 4 ] || fail "a listing that never parses: exit $RC, wanted 4"
grep -q "Mandrill" "$WORK/out" "$WORK/err" || fail "the failure does not name Mandrill"
grep -q "senders/domains" "$WORK/out" "$WORK/err" || fail "the failure does not name the request"
[ "$(resources_count mandrill domain)" = 0 ] || fail "a domain was added without a readable look-up"

# ---- SIGKILL in each create window, then ONE apply -----------------------
# hook (state key), sandbox kind, how many the run makes
kills=(
  "sender_domain domain 1"
  "subaccount subaccount 1"
  "webhook webhook 1"
  "template.welcome template 2"
)
for k in "${kills[@]}"; do
  read -r key kind want <<<"$k"
  fresh --async-polls 1
  ENVSETUP_TEST_KILL_BEFORE_PUT=mandrill:$key "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
    apply "$cfg" --env uat --max-poll-interval 100 >"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
  cat "$WORK/killed.out" >>"$WORK/all-output"
  [ "$rc" = 137 ] || fail "$key: the kill hook did not fire (exit $rc)"
  [ "$(resources_count mandrill "$kind")" -ge 1 ] || fail "$key: the $kind was not made before the kill"
  apply
  converged "kill at $key"
  [ "$(resources_count mandrill "$kind")" = "$want" ] || fail "$key: $kind made twice"
  grep -q "\"made:$key\"" "$WORK/state/uat/state.json" ||
    fail "$key: the resumed run lost that envsetup made it"
  es plan "$cfg" --env uat; expect_rc 0
done

# ---- a rejected key -------------------------------------------------------
fresh --async-polls 1
MANDRILL_API_KEY=md-wrong-key es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 4
expect_err "api_key"
expect_out "blocked"
[ "$(resources_count mandrill domain)" = 0 ] || fail "a rejected key added a domain"

# ---- no secret in any output ----------------------------------------------
key="md-Zq8secretVALUE-$$-$RANDOM"
export MANDRILL_API_KEY=$key SANDBOX_MANDRILL_API_KEY=$key
fresh --async-polls 1
: >"$WORK/all-output"
es -vv check "$cfg" --env uat
es -vv plan "$cfg" --env uat
es -vv apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
es -vv plan "$cfg" --env uat --json; expect_rc 0
es -vv status "$cfg" --env uat
es -vv report "$cfg" --env uat; expect_rc 0
grep -q "users/ping" "$WORK/all-output" || fail "no -vv trace of the requests"
secrets_file="$WORK/state/uat/secrets.json"
[ "$(stat -c %a "$secrets_file")" = 600 ] || fail "secrets.json is not 0600"
auth=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"]["mandrill"]["webhook_auth_key"])' "$secrets_file")
[ -n "$auth" ] || fail "the webhook's signing key is not kept"
expect_no_secret "$key" "$auth"
grep -q '"key":"\*\*\*"' "$WORK/all-output" || fail "no masked key seen in the -vv request bodies"
echo "PASS [$TEST_NAME]"

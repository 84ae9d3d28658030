#!/usr/bin/env bash
# The sparkpost plugin end to end against the sandbox's SparkPost fake,
# through the real binary and loader, with its own customer file and a
# loopback webhook target the fake posts its test batch to (as SparkPost
# does before it creates a webhook): plan, apply, plan (0), apply again
# without duplicates; a target that fails; fault runs (429 with and
# without Retry-After, 5xx, reset, malformed, SparkPost's 409 conflict);
# a SIGKILL in each create window followed by ONE apply; a subaccount
# whose key the state lost; a rejected key; destroy; and a -vv run whose
# every output is searched for the API key and the subaccount's key.
. "$(dirname "$0")/lib.sh"

export SPARKPOST_API_KEY=sp-sandbox-key-0001

start_webhook_target

write_sparkpost_config() { # FILE [WEBHOOK_PATH]
  cat >"$1" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.4"; title = "Transaction e-mails"; plugins = [ "sparkpost" ]; }
);
plugins = {
  sparkpost = {
    api_key = "env:SPARKPOST_API_KEY";
    api_url = "$SANDBOX_URL/sparkpost/api/v1";
    domain = "mail.acme.example";
    templates_dir = "$ES_SOURCE_DIR/etc/templates/acme";
    templates = [ "welcome", "password-reset" ];
    environments = {
      uat = { domain = "mail.uat.acme.example";
              subaccount_name = "Acme UAT";
              webhook_url = "$TARGET_URL${2:-/hooks/sparkpost}"; };
    };
  };
};
CFG
}

cfg="$WORK/acme.cfg"
apply() { es apply "$cfg" --env uat --max-poll-interval 100 "$@"; }
ntemplates=$(find "$ES_SOURCE_DIR/etc/templates/acme" -mindepth 1 -maxdepth 1 -type d | wc -l)
# The first template by name: the one the change, conflict and kill use.
name=$(find "$ES_SOURCE_DIR/etc/templates/acme" -mindepth 1 -maxdepth 1 -type d | sort | head -n 1)
name=$(basename "$name")

converged() { # context
  local kind
  [ "$RC" = 0 ] || fail "$1: apply exited $RC"
  for kind in domain subaccount webhook; do
    [ "$(resources_count sparkpost $kind)" = 1 ] || fail "$1: expected 1 $kind, got $(resources_count sparkpost $kind)"
  done
  [ "$(resources_count sparkpost template)" = "$ntemplates" ] || fail "$1: expected $ntemplates templates"
}

fresh() { # sandbox args...
  stop_sandbox
  rm -rf "$WORK/state"
  start_sandbox "$@"
  write_sparkpost_config "$cfg"
}

published() { # every template has a published version and no draft
  curl -s "$SANDBOX_URL/_sandbox/resources" | python3 -c '
import json, sys
ts = [r for r in json.load(sys.stdin) if r["provider"] == "sparkpost" and r["kind"] == "template"]
bad = [t["id"] for t in ts if not t["attrs"].get("published") or t["attrs"].get("draft")]
sys.exit(1 if bad or not ts else 0)' || fail "$1: a template is not published"
}

published_from_directory() { # password-reset's published content is acme's
  curl -s "$SANDBOX_URL/_sandbox/resources?provider=sparkpost&kind=template" | python3 -c '
import json, sys
t = {r["id"]: r["attrs"] for r in json.load(sys.stdin)}["password-reset"]
c = t["published"]["content"]
assert c["subject"] == "Reset your Acme password", c
assert c["text"].startswith("Hello {{name}}, reset"), c
assert c["html"].startswith("<html><body><p>Hello {{name}}"), c
assert c["from"] == "no-reply@mail.uat.acme.example", c
' || fail "$1: templates not published with subject, html and text"
}

# ---- apply, then nothing left to do --------------------------------------
fresh --async-polls 2
es check "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env uat; expect_rc 2
expect_out "sparkpost:sending_domain"
expect_out "to create"
: >"$WORK/target.log"
apply
for t in verify_api_key sending_domain verify_sending_domain subaccount configure_webhook upload_templates; do
  grep -E "sparkpost:$t +done" "$WORK/out" >/dev/null || fail "sparkpost:$t not done"
done
converged "first apply"
published "first apply"
published_from_directory "first apply"
grep -q "^/hooks/sparkpost$" "$WORK/target.log" || fail "the fake did not post its test batch to the target"
es plan "$cfg" --env uat; expect_rc 0
expect_out "No changes"
apply
converged "second apply"
es status "$cfg" --env uat; expect_rc 0
expect_out "sparkpost.dns_records = (JSON list of 2 items)"
expect_out "sparkpost.domain_state = verified"
expect_out "sparkpost.subaccount_id = "
expect_out "sparkpost.subaccount_api_key = (secret"
expect_out "sparkpost.smtp_host = smtp.sparkpostmail.com"
es status "$cfg" --env uat --output sparkpost.dns_records; expect_rc 0
expect_out "scph1226._domainkey.mail.uat.acme.example"
expect_out "v=DKIM1; k=rsa; h=sha256; p=MIGfMA0"
expect_out "sparkpostmail.com"

# A template's body changed: updated and published again, nothing else.
cp -r "$ES_SOURCE_DIR/etc/templates/acme" "$WORK/templates"
sed -i "s|$ES_SOURCE_DIR/etc/templates/acme|$WORK/templates|" "$cfg"
echo "<p>changed</p>" >>"$WORK/templates/$name/body.html"
es plan "$cfg" --env uat; expect_rc 2
expect_out "subject, html and text from the directory, published"
apply
converged "template update"
published "template update"
es plan "$cfg" --env uat; expect_rc 0

# ---- a webhook target that fails SparkPost's test POST ---------------------
fresh --async-polls 1
write_sparkpost_config "$cfg" /fail/hooks
apply
[ "$RC" = 4 ] || fail "a failing webhook target: exit $RC, wanted 4"
grep -q "webhook_url" "$WORK/err" || fail "the failure does not name webhook_url"
grep -q "test POST" "$WORK/err" || fail "the failure does not say SparkPost's test POST failed"
grep -q "answered 500" "$WORK/err" || fail "the failure does not say what the target answered"
[ "$(resources_count sparkpost webhook)" = 0 ] || fail "a webhook was made with a failing target"

# ---- faults: converge, or fail cleanly naming SparkPost and the request ----
faults=(
  "429:POST /sparkpost/api/v1/templates:count=2,retry-after=1"
  "429:POST /sparkpost/api/v1/sending-domains:count=2"
  "503:POST /sparkpost/api/v1/webhooks:nth=1"
  "500:GET /sparkpost/api/v1/subaccounts:count=2"
  "reset:POST /sparkpost/api/v1/subaccounts:nth=1"
  "reset:GET /sparkpost/api/v1/templates:nth=1"
  "malformed:GET /sparkpost/api/v1/sending-domains:nth=1"
  "malformed:POST /sparkpost/api/v1/templates:nth=1"
  "malformed:GET /sparkpost/api/v1/webhooks:nth=1"
)
for f in "${faults[@]}"; do
  fresh --async-polls 1 --faults "$f"
  apply
  converged "fault $f"
  published "fault $f"
  es plan "$cfg" --env uat; expect_rc 0
done

# SparkPost's conflict: a template made by someone else between the
# look-up and the create answers 409 1602, and the run converges on it
# (the barrier holds the look-up's answer while the template appears).
fresh --async-polls 1 --record "$WORK/conflict.record"
# nth=1: the plan pass reads; the apply pass creates on that answer (it
# reuses what its plan read, core/host_reads.c).
barrier_arm "after:GET /sparkpost/api/v1/templates/$name:nth=1"
es_bg apply "$cfg" --env uat --max-poll-interval 100
barrier_wait held "$ES_PID"
curl -s -o /dev/null -H "Authorization: $SPARKPOST_API_KEY" -H 'Content-Type: application/json' \
  --data-raw "{\"id\":\"$name\",\"content\":{\"from\":\"x@mail.uat.acme.example\",\"subject\":\"s\",\"html\":\"<p>theirs</p>\"}}" \
  "$SANDBOX_URL/sparkpost/api/v1/templates"
curl -s -o /dev/null -X POST "$SANDBOX_URL/_sandbox/barrier/release"
es_bg_wait
grep -q '"path":"/sparkpost/api/v1/templates","status":409' "$WORK/conflict.record" ||
  fail "the create did not meet SparkPost's 409"
apply
converged "a 409 conflict"
published "a 409 conflict"
grep -q "\"made:template.$name\"" "$WORK/state/uat/state.json" &&
  fail "a template someone else made is claimed as envsetup's"
curl -s "$SANDBOX_URL/_sandbox/resources" | grep -q "theirs" && fail "the adopted template keeps the other content"
es plan "$cfg" --env uat; expect_rc 0

# SparkPost's 7004: the domain belongs to another account. A clean failure
# in SparkPost's words, and nothing else made for it.
SANDBOX_SPARKPOST_FOREIGN_DOMAINS=other.example,mail.uat.acme.example fresh --async-polls 1
apply
[ "$RC" = 4 ] || fail "a domain of another account: exit $RC, wanted 4"
grep -q "7004 Domain in use by another account" "$WORK/err" || fail "SparkPost's 7004 is not reported"
[ "$(resources_count sparkpost domain)" = 0 ] || fail "a foreign domain was made"

# A listing that never parses: a clean failure naming SparkPost and the
# request, and nothing added.
fresh --async-polls 1 --faults "malformed:GET /sparkpost/api/v1/sending-domains"
apply
[ "$RC" = 4 ] || fail "a look-up that never parses: exit $RC, wanted 4"
grep -q "SparkPost" "$WORK/out" "$WORK/err" || fail "the failure does not name SparkPost"
grep -q "sending-domains" "$WORK/out" "$WORK/err" || fail "the failure does not name the request"
[ "$(resources_count sparkpost domain)" = 0 ] || fail "a domain was made without a readable look-up"

# ---- SIGKILL in each create window, then ONE apply -----------------------
# hook (state key), sandbox kind, how many the run makes
kills=(
  "sending_domain domain 1"
  "subaccount subaccount 1"
  "webhook webhook 1"
  "template.$name template $ntemplates"
)
for k in "${kills[@]}"; do
  read -r key kind want <<<"$k"
  fresh --async-polls 1
  ENVSETUP_TEST_KILL_BEFORE_PUT=sparkpost:$key "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
    apply "$cfg" --env uat --max-poll-interval 100 >"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
  cat "$WORK/killed.out" >>"$WORK/all-output"
  [ "$rc" = 137 ] || fail "$key: the kill hook did not fire (exit $rc)"
  [ "$(resources_count sparkpost "$kind")" -ge 1 ] || fail "$key: the $kind was not made before the kill"
  apply
  converged "kill at $key"
  published "kill at $key"
  [ "$(resources_count sparkpost "$kind")" = "$want" ] || fail "$key: $kind made twice"
  grep -q "\"made:$key\"" "$WORK/state/uat/state.json" ||
    fail "$key: the resumed run lost that envsetup made it"
  es plan "$cfg" --env uat; expect_rc 0
done

# ---- the state lost the subaccount's key ------------------------------------
fresh --async-polls 1
apply
converged "before the state is lost"
rm -rf "$WORK/state"
apply
[ "$RC" = 4 ] || fail "a subaccount with a lost key: exit $RC, wanted 4"
grep -q "its API key is unknown" "$WORK/err" || fail "the lost key is not said clearly"
grep -q "subaccount_api_key" "$WORK/err" || fail "the way out (subaccount_api_key) is not named"
[ "$(resources_count sparkpost subaccount)" = 1 ] || fail "a second subaccount was made"
# The documented rotation path: a key made by hand, by reference.
export SPARKPOST_SUBACCOUNT_KEY="sp-rotated-$$-$RANDOM"
sed -i 's|subaccount_name = "Acme UAT";|subaccount_name = "Acme UAT"; subaccount_api_key = "env:SPARKPOST_SUBACCOUNT_KEY";|' "$cfg"
apply
converged "after the rotation"
es status "$cfg" --env uat; expect_rc 0
expect_out "sparkpost.subaccount_api_key = (secret"
grep -q "$SPARKPOST_SUBACCOUNT_KEY" "$WORK/state/uat/secrets.json" || fail "the supplied key is not the output"
es plan "$cfg" --env uat; expect_rc 0

# ---- destroy: what envsetup made goes; the subaccount is kept --------------
fresh --async-polls 1
apply
converged "before destroy"
es destroy "$cfg" --env uat --yes; expect_rc 0
grep -q "SparkPost has no call that deletes a" "$WORK/out" "$WORK/err" ||
  fail "destroy does not say why the subaccount is kept"
for kind in domain webhook template; do
  [ "$(resources_count sparkpost $kind)" = 0 ] || fail "destroy left a $kind"
done
[ "$(resources_count sparkpost subaccount)" = 1 ] || fail "destroy removed the subaccount"

# ---- a rejected key -------------------------------------------------------
fresh --async-polls 1
SPARKPOST_API_KEY=sp-wrong-key es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 4
expect_err "api_key"
[ "$(resources_count sparkpost domain)" = 0 ] || fail "a rejected key made a domain"

# ---- no secret in any output ----------------------------------------------
key="sp-Zq8secretVALUE-$$-$RANDOM"
export SPARKPOST_API_KEY=$key SANDBOX_SPARKPOST_API_KEY=$key
fresh --async-polls 1
: >"$WORK/all-output"
es -vv check "$cfg" --env uat
es -vv plan "$cfg" --env uat
es -vv apply "$cfg" --env uat --max-poll-interval 100; expect_rc 0
es -vv plan "$cfg" --env uat --json; expect_rc 0
es -vv status "$cfg" --env uat
es -vv report "$cfg" --env uat; expect_rc 0
grep -q "/sending-domains" "$WORK/all-output" || fail "no -vv trace of the requests"
secrets_file="$WORK/state/uat/secrets.json"
[ "$(stat -c %a "$secrets_file")" = 600 ] || fail "secrets.json is not 0600"
subkey=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"]["sparkpost"]["subaccount_api_key"])' "$secrets_file")
[ "${#subkey}" = 40 ] || fail "the subaccount's key is not kept"
expect_no_secret "$key" "$subkey"
echo "PASS [$TEST_NAME]"

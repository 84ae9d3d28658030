#!/usr/bin/env bash
# envsetup destroy on the example customer against the sandbox: plan
# --destroy lists the deletes, destroy refuses without the typed customer
# id, removes every resource apply made (the sandbox's resource list ends
# empty), survives a SIGKILL between a provider's answer and the state
# forgetting the id (the next destroy finishes, nothing deleted twice),
# is a no-op the second time; and keeps what is adopted or protected.
. "$(dirname "$0")/lib.sh"

# What the sandbox holds, but for what the accounts held before envsetup
# came (the fakes seed them): New Relic's authentication domain and its
# groups, Sumo Logic's Administrator role (adopted, so kept), Splunk's
# built-in roles and its global HEC switch (destroy leaves HEC on).
resources() {
  curl -s "$SANDBOX_URL/_sandbox/resources" |
    python3 -c 'import json,sys; [print(r["provider"], r["kind"], r["id"]) for r in json.load(sys.stdin)]' |
    grep -v -e '^newrelic domain ' -e '^newrelic group ' -e '^sumologic role 00000000000000A1$' \
      -e '^splunk role \(admin\|user\|power\)$' -e '^splunk hec_global ' || true
}

# Every removal the sandbox recorded (DELETEs, and the POSTs that remove:
# IAM's Delete/Remove/Detach, CloseAccount, revoke, cancel, emptied DNS
# sets), one line each; a removal sent twice shows as a duplicate line.
removals() {
  python3 - "$WORK/sandbox.record" <<'PY'
import json, re, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    m, p, body = r["method"], r["path"], r.get("body") or ""
    target = (r.get("headers") or {}).get("X-Amz-Target", "")
    act = re.search(r"Action=((Delete|Remove|Detach)\w+)", body)
    if m == "DELETE":
        print(m, p)
    elif target.endswith("CloseAccount"):
        print("CloseAccount", body)
    elif act:
        print(act.group(1), body)
    elif m == "POST" and re.search(r"/(revoke|cancel)$", p):
        print(m, p)
    elif m == "POST" and "<Action>DELETE</Action>" in body:
        print("ChangeResourceRecordSets DELETE", body)
    elif m == "PUT" and body.strip() == "[]":
        print(m, p)
PY
}

start_sandbox --async-polls 1 --record "$WORK/sandbox.record"
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
[ -n "$(resources)" ] || fail "apply made nothing"

es plan "$cfg" --env uat --destroy; expect_rc 2
for what in "aws:create_account" "account acme-uat" "hosted_zone cloud.uat.acme.example" \
  "certificate_order app.uat.acme.example" "domain mail.uat.acme.example"; do
  expect_out "$what"
done
[ -z "$(removals)" ] || fail "plan --destroy removed something"

es destroy "$cfg" --env uat </dev/null; expect_rc 64
expect_err "not confirmed"
echo nope | "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" destroy "$cfg" --env uat >"$WORK/out" 2>"$WORK/err" && rc=0 || rc=$?
[ "$rc" = 64 ] || fail "a wrong customer id did not refuse (exit $rc)"
[ -z "$(removals)" ] || fail "an unconfirmed destroy removed something"

# Killed right after Mailgun deleted the domain, before the state forgot
# its id; then once more right after Route 53 deleted the zone. (Teardown
# runs in reverse dependency order: the zone's NS records and Mailgun's
# records are published at GoDaddy by reference, so the GoDaddy records go
# first, then the Mailgun domain, and the Route 53 zone after them.)
for hook in mailgun:domain_id aws:zone_id; do
  echo acme | ENVSETUP_TEST_KILL_BEFORE_PUT=$hook "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
    destroy "$cfg" --env uat --max-poll-interval 100 >"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
  [ "$rc" = 137 ] || fail "$hook: the kill hook did not fire in destroy (exit $rc)"
done
es destroy "$cfg" --env uat --yes --max-poll-interval 100; expect_rc 0
# (eway's credential check counts as removed: it made nothing to remove;
# sidekiq's generated logins are kept, in the secrets file.)
expect_out "Destroy: 38 removed, 1 kept, 0 failed"
# Intercom cannot delete a data attribute: destroy archives it, and the
# archived attribute stays in the workspace (intercom's README).
left=$(resources | grep -v '^intercom data_attribute ' || true)
[ -z "$left" ] || fail "destroy left resources behind: $left"
dups=$(removals | sort | uniq -d)
[ -z "$dups" ] || fail "removed twice: $dups"
grep -q "DeleteHostedZone\|hostedzone/Z" "$WORK/sandbox.record" || fail "the zone was never deleted"

es status "$cfg" --env uat; expect_rc 0
grep -E "^  removed +aws:create_account " "$WORK/out" >/dev/null || fail "status does not show aws:create_account removed"
grep -E "^  removed +mailgun:create_domain " "$WORK/out" >/dev/null || fail "status does not show mailgun:create_domain removed"

before=$(removals | wc -l)
es destroy "$cfg" --env uat --yes; expect_rc 0
expect_out "already removed"
[ "$(removals | wc -l)" = "$before" ] || fail "a second destroy removed something"

# Adopted and protected: the account is adopted (switched to account_mode
# = adopt after apply made it) and godaddy-ssl is protected.
stop_sandbox
rm -rf "$WORK/state"
start_sandbox --async-polls 1 --record "$WORK/sandbox.record"
write_acme_config "$cfg"
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
account=$(resources | awk '$2 == "account" {print $3}')
[ -n "$account" ] || fail "no account made"
sed -i "s|account_mode = \"create\";|account_mode = \"adopt\"; account_id = \"$account\";|" "$cfg"
sed -i "s|^  godaddy-ssl = {|  godaddy-ssl = {\n    protect = true;|" "$cfg"
grep -q "protect = true;" "$cfg" || fail "could not protect godaddy-ssl"
es plan "$cfg" --env uat --destroy; expect_rc 2
expect_out "kept: account $account was adopted"
expect_out "kept: protect = true"
es destroy "$cfg" --env uat --yes --max-poll-interval 100; expect_rc 0
es status "$cfg" --env uat
grep -E "^  kept +aws:create_account " "$WORK/out" >/dev/null || fail "status does not show the adopted account kept"
grep -E "^  kept +godaddy-ssl:order_certificate " "$WORK/out" >/dev/null || fail "status does not show godaddy-ssl kept"
grep -E "^  removed +aws:iam_users " "$WORK/out" >/dev/null || fail "the users of the adopted account were not removed"
# godaddy-ssl publishes Mailgun's records and the Route 53 zone's NS records
# by reference: a kept task keeps what it depends on, so the Mailgun domain
# and the Route 53 zone stay with the GoDaddy zone that names them.
grep -E "^  kept +mailgun:create_domain " "$WORK/out" >/dev/null || fail "status does not show the mailgun domain kept with the records that name it"
left=$(resources | awk '$1 != "godaddy" && $2 != "account" && $2 != "create_account_status" && !($1 == "mailgun" && $2 == "domain") && $2 != "hosted_zone" && $2 != "change" && !($1 == "intercom" && $2 == "data_attribute")')
[ -z "$left" ] || fail "only the adopted account, the protected plugin and what it depends on should be left: $left"
left=$(resources)
grep -q "^aws account $account" <<<"$left" || fail "the adopted account was closed"
grep -q "^godaddy certificate_order" <<<"$left" || fail "the protected certificate was revoked"
# Azure (globex): what envsetup made goes, the subscription it created
# waits for a person to cancel it; once confirmed, its alias goes too.
export AZURE_CLIENT_SECRET=sandbox-azure-secret-0001
example_fakes # globex runs jira
stop_sandbox
rm -rf "$WORK/state"
start_sandbox --async-polls 1 --record "$WORK/sandbox.record"
gcfg="$WORK/globex.cfg"
write_acme_config "$gcfg" "$ES_SOURCE_DIR/etc/customers/globex.cfg"
es apply "$gcfg" --env uat --max-poll-interval 100; expect_rc 2
es destroy "$gcfg" --env uat --yes --max-poll-interval 100; expect_rc 2
expect_out "Cancel subscription"
es confirm "$gcfg" azure:subscription --by "Jane Doe" --env uat; expect_rc 0
es destroy "$gcfg" --env uat --yes --max-poll-interval 100; expect_rc 0
# The Jira fake's site users (kind "user") are the site's own, seeded by
# the fake on its first request: envsetup made none of them.
left=$(resources | awk '$2 != "subscription" && !($1 == "jira" && $2 == "user")')
[ -z "$left" ] || fail "globex: destroy left resources behind: $left"
echo "destroy: removed everything apply made, resumed after two kills with nothing removed twice, kept what was adopted or protected"

#!/usr/bin/env bash
# The example customer end to end against the sandbox, through the real
# binary and loader: check, plan (2), apply, plan (0), apply again without
# duplicates, status, confirm, and a rejected API key.
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
start_sandbox --async-polls 2
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"

es check "$cfg" --env uat; expect_rc 0
expect_out "elements needed before start are answered"

es plan "$cfg" --env uat; expect_rc 2
expect_out "mailgun:create_domain"
expect_out "to create"

es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
for t in verify_api_key create_domain verify_domain configure_webhooks upload_templates smtp_credentials; do
  grep -E "mailgun:$t +done" "$WORK/out" >/dev/null || fail "mailgun:$t not done"
done
expect_out "mailgun:invite_admins"
expect_out "waiting"

[ "$(resources_count mailgun domain)" = 1 ] || fail "expected 1 domain"
[ "$(resources_count mailgun credential)" = 1 ] || fail "expected 1 credential"
templates=$(resources_count mailgun template)
webhooks=$(resources_count mailgun webhook)
[ "$templates" = 2 ] || fail "expected 2 templates, got $templates"
[ "$webhooks" -ge 1 ] || fail "expected webhooks"
# Each template as the shared directory has it: body.html as the version,
# the subject from template.cfg as its Subject header.
curl -s "$SANDBOX_URL/_sandbox/resources?provider=mailgun&kind=template" | python3 -c '
import json, sys
t = {r["attrs"]["name"]: r["attrs"] for r in json.load(sys.stdin)}
v = t["welcome"]["version"]
assert v["headers"] == {"Subject": "Welcome to Acme, {{name}}"}, v
assert "<h1>Welcome to Acme, {{name}}</h1>" in v["template"], v
assert v["tag"].startswith("envsetup-"), v
' || fail "templates not uploaded with their subject"

es plan "$cfg" --env uat; expect_rc 0
expect_out "No changes"

es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
[ "$(resources_count mailgun domain)" = 1 ] || fail "re-apply duplicated the domain"
[ "$(resources_count mailgun template)" = "$templates" ] || fail "re-apply duplicated templates"
[ "$(resources_count mailgun webhook)" = "$webhooks" ] || fail "re-apply duplicated webhooks"
[ "$(resources_count mailgun credential)" = 1 ] || fail "re-apply duplicated credentials"

es status "$cfg" --env uat; expect_rc 0
expect_out "mailgun.dns_records"
expect_out "mailgun.smtp_password = (secret"
expect_out "checklist:vpn_access"

es status "$cfg" --env uat --json; expect_rc 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["environment"]=="uat"; assert any(i.get("task")=="mailgun:create_domain" and i["state"]=="done" for i in d["items"])' "$WORK/out" || fail "status --json"

es confirm "$cfg" checklist:vpn_access --by "Jane Doe" --env uat; expect_rc 0
es status "$cfg" --env uat; expect_rc 0
grep -E "done +checklist:vpn_access" "$WORK/out" >/dev/null || fail "confirmation not shown"
es confirm "$cfg" mailgun:create_domain --by "Jane" --env uat; expect_rc 1
es confirm "$cfg" nosuch:task --by "Jane" --env uat; expect_rc 1

# A rejected key fails the first task with the key named, and holds the rest.
rm -rf "$WORK/state"
MAILGUN_API_KEY=key-wrong-wrong-wrong es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 4
expect_err "api_key"
expect_out "blocked"
echo "mailgun: all checks passed"

#!/usr/bin/env bash
# Output references (docs/config.md): check refuses each bad one with
# file:line: plugin.key and exit 1; on an empty state plan shows the
# consuming task as "(known after apply)"; apply publishes Mailgun's
# records at GoDaddy through godaddy-ssl's publish_records, and a second
# plan and apply change nothing.
. "$(dirname "$0")/lib.sh"

start_sandbox --async-polls 1
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"
grep -q 'publish_records = ( "${mailgun.dns_records}", "${aws.delegation}" );' "$cfg" ||
  fail "acme.cfg no longer publishes mailgun.dns_records and aws.delegation through godaddy-ssl"

# variant NAME SED...: $WORK/NAME.cfg, the example with the sed edits.
variant() {
  local name=$1; shift
  sed "$@" "$cfg" >"$WORK/$name.cfg"
  cmp -s "$cfg" "$WORK/$name.cfg" && fail "$name: the edit changed nothing"
  return 0
}
# refused NAME KEY TEXT AT: check exits 1 with "NAME.cfg:LINE: KEY: ...TEXT",
# LINE being the first line of NAME.cfg that holds AT (the reference).
refused() {
  local name=$1 key=$2 text=$3 at=$4 line
  es check "$WORK/$name.cfg" --env uat
  expect_rc 1
  line=$(grep -nF -- "$at" "$WORK/$name.cfg" | head -1 | cut -d: -f1)
  grep -F -- "$name.cfg:$line: $key: " "$WORK/err" | grep -qF -- "$text" ||
    fail "$name: no '$name.cfg:$line: $key: ...$text' in check's output"
  echo "refused: $name"
}

ref='publish_records = ( "${mailgun.dns_records}", "${aws.delegation}" );'
variant unknown_plugin -e "s|$ref|publish_records = \"\${mailgum.dns_records}\";|"
refused unknown_plugin godaddy-ssl.publish_records "names plugin 'mailgum'" mailgum
expect_err "did you mean 'mailgun'"

variant unknown_output -e "s|$ref|publish_records = \"\${mailgun.dns_record}\";|"
refused unknown_output godaddy-ssl.publish_records "declares no output 'dns_record'" dns_record
expect_err "did you mean 'dns_records'"

# The answer to email_tool chooses which e-mail plugin runs: with Mandrill,
# mailgun does not run, and nothing may read its outputs.
variant disabled -e 's|email_tool = "Mailgun, existing account";|email_tool = "Mandrill";|' \
  -e 's|^  mailgun = {|  mandrill = { api_key = "env:MANDRILL_API_KEY"; domain = "mail.acme.example"; };\n  mailgun = {|'
refused disabled godaddy-ssl.publish_records "plugin mailgun, which is disabled" '${mailgun.dns_records}'

variant wrong_type -e "s|$ref|publish_records = \"\${mailgun.smtp_host}\";|"
refused wrong_type godaddy-ssl.publish_records "not a list of DNS records" smtp_host

variant malformed -e "s|$ref|publish_records = \"\${mailgun}\";|"
refused malformed godaddy-ssl.publish_records "malformed reference" '${mailgun}'

# A secret output may feed a secret key only: never a value that is
# stored, sent in clear or shown.
variant secret_plain -e 's|contact_phone = "+1.4805551234";|contact_phone = "${mailgun.smtp_password}";|'
refused secret_plain godaddy-ssl.contact_phone "is a secret output: it may only feed a secret key" smtp_password
variant public_secret -e 's|api_secret = "env:GODADDY_API_SECRET";|api_secret = "${mailgun.smtp_host}";|'
refused public_secret godaddy-ssl.api_secret "a secret key takes env:NAME, file:PATH or a secret output" smtp_host
variant secret_ok -e 's|api_secret = "env:GODADDY_API_SECRET";|api_secret = "${mailgun.smtp_password}";|'
es check "$WORK/secret_ok.cfg" --env uat
[ "$RC" = 0 ] || [ "$RC" = 2 ] || fail "a secret output into a secret key: check exit $RC"

# A cycle through references: mailgun's domain from a godaddy-ssl output
# whose task reads mailgun's smtp_host. The path is printed, at the line.
variant cycle \
  -e 's|^\(    *\)uat = { domain = "mail.uat.acme.example";|\1uat = { domain = "${godaddy-ssl.key_path:app.uat.acme.example}";|' \
  -e 's|certificates = \[ "app.uat.acme.example" \];|certificates = [ "${mailgun.smtp_host}" ];|'
es check "$WORK/cycle.cfg" --env uat
expect_rc 1
expect_err "dependency cycle: "
grep -qE "cycle\.cfg:[0-9]+: (mailgun\.domain|godaddy-ssl\.certificates): dependency cycle: .*mailgun:create_domain.*godaddy-ssl:certificate_key" "$WORK/err" ||
  grep -qE "cycle\.cfg:[0-9]+: (mailgun\.domain|godaddy-ssl\.certificates): dependency cycle: .*godaddy-ssl:certificate_key.*mailgun:create_domain" "$WORK/err" ||
  fail "cycle: no path at the reference's line"
echo "refused: cycle"

# Empty state: the consumer is planned as unknown, not skipped.
es check "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env uat; expect_rc 2
grep -qE '^  \? godaddy-ssl:dns_records +publish_records \$\{mailgun\.dns_records\}: \(known after apply\)' "$WORK/out" ||
  fail "plan does not show godaddy-ssl:dns_records as known after apply"
es plan "$cfg" --env uat --json; expect_rc 2
python3 - "$WORK/out" <<'PY' || fail "plan --json: no unknown change for publish_records"
import json, sys
doc = json.load(open(sys.argv[1]))
items = [i for i in doc["tasks"] if i["task"] == "godaddy-ssl:dns_records"]
changes = [c for i in items for c in i.get("changes", [])]
assert any(c["action"] == "unknown" and c["detail"] == "(known after apply)" for c in changes), changes
assert doc["summary"]["unknown"] >= 1
PY

# apply: the producers first, then the records at GoDaddy.
es apply "$cfg" --env uat --max-poll-interval 100
expect_rc 2
grep -qE "^\[[0-9.]+\] +[a-z-]+:[a-z_]+ +failed" "$WORK/out" && fail "a task failed"
records=$(curl -s "$SANDBOX_URL/_sandbox/resources")
count() {
  python3 -c 'import json,sys; rs=json.loads(sys.argv[1]); print(sum(len(r["attrs"]["records"]) for r in rs if r.get("provider")=="godaddy" and r.get("kind")=="record" and r["id"].startswith("acme.example/"+sys.argv[2]+"/") and r["id"].endswith("mail.uat")))' "$records" "$1"
}
[ "$(count TXT)" = 2 ] || fail "SPF and DKIM TXT records: $(count TXT)"
[ "$(count CNAME)" = 1 ] || fail "tracking CNAME: $(count CNAME)"
[ "$(count MX)" = 2 ] || fail "MX records: $(count MX)"
python3 -c 'import json,sys; rs=json.loads(sys.argv[1]); mx=[r for r in rs if r["id"]=="acme.example/MX/mail.uat"][0]["attrs"]["records"]; assert sorted((e["data"], e["priority"]) for e in mx)==[("mxa.mailgun.org",10),("mxb.mailgun.org",10)], mx' "$records" ||
  fail "MX records without their priorities"
# The Route 53 zone, delegated from acme.example by aws.delegation.
python3 - "$records" "$WORK/state" <<'PY' || fail "the Route 53 zone is not delegated at GoDaddy"
import glob, json, sys
rs = json.loads(sys.argv[1])
ns = [r for r in rs if r.get("provider") == "godaddy" and r["id"] == "acme.example/NS/cloud.uat"]
state = json.load(open(glob.glob(sys.argv[2] + "/*/state.json")[0]))
want = state["outputs"]["aws"]["name_servers"]["value"].split(",")
assert ns and sorted(e["data"] for e in ns[0]["attrs"]["records"]) == sorted(want), (ns, want)
PY
[ "$(resources_count godaddy record)" = 7 ] || fail "GoDaddy record sets: $(resources_count godaddy record)"

# Converged: nothing left to plan, and a second apply changes nothing.
es plan "$cfg" --env uat; expect_rc 0
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
grep -qE "^Apply: [0-9]+ done \(0 changed\)" "$WORK/out" || fail "the second apply changed something"
[ "$(resources_count godaddy record)" = 7 ] || fail "the second apply added record sets"
es status "$cfg" --env uat; expect_rc 0
expect_out "godaddy-ssl.dns_records"
echo "references: bad references refused, unknown until apply, converged"

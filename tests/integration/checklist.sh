#!/usr/bin/env bash
# One checklist, shared (etc/checklists/enterprise.cfg):
#  - each example customer's status lists the same checklist items, with
#    the same questions, titles and owners, as when each file held the
#    whole checklist (a fixed list taken from those files), and runs the
#    same plugins;
#  - init writes a file that check reads: exit 2, every question listed;
#  - an answer that disagrees with an enabled plugin is a check error
#    with file, line and key;
#  - an error inside the shared checklist names that file and line;
#  - a customer drops an item and adds one.
. "$(dirname "$0")/lib.sh"
export AZURE_CLIENT_SECRET=sandbox-azure-secret-0001
SANDBOX_URL=http://127.0.0.1:9 # never contacted: nothing here calls a provider
shared="$ES_SOURCE_DIR/etc/checklists/enterprise.cfg"

# customer, elements, manual items, digest of (kind, section, id, question
# or title: question, owner), plugins that run as section:plugin.
# Updated when the shared checklist gained the 4.4-4.6 plugins' choices:
# intercom_account became onboarding_tool_on_mnoe, jira_service_desk left
# (jira's own gates ask), onboarding_tool and service_desk were added.
# eWAY got its plugin: acme and globex run eway, payment_account left them.
# Sections 4.1-4.4 got their plugins: New Relic, Sumo Logic, Splunk,
# SparkPost and SMTP are answers that run them (newrelic_account/_alerts
# became apm_account/_alerts, kept by "another system"), sidekiq_ui left
# (the sidekiq plugin's gate asks); umbrella.cfg was added.
expected=(
  "acme 23 20 ba7e7f450d294d1f 1:aws,1:godaddy-ssl,4.1:newrelic,4.2:sumologic,4.3:sidekiq,4.4:mailgun,4.5:intercom,4.6:eway"
  "globex 23 21 d6ec4874a4b21982 1:azure,4.1:newrelic,4.2:splunk,4.3:sidekiq,4.4:mandrill,4.5:jira,4.6:eway"
  "initech 22 28 20e7afbe4c296c23 4.3:sidekiq,4.4:smtp,4.5:intercom,4.6:braintree"
  "umbrella 23 27 bfb3cdca09cd1841 4.2:splunk,4.2:sumologic,4.3:sidekiq,4.4:sparkpost"
)
summary() { # status --json file -> "elements manual digest plugins"
  python3 - "$1" <<'PY'
import hashlib, json, sys
doc = json.load(open(sys.argv[1]))
rows, plugins = [], set()
for i in doc["items"]:
    if "element" in i:
        rows.append(("element", i["section"], i["element"], i["question"], ""))
    elif i["task"].startswith("checklist:"):
        rows.append(("manual", i["section"], i["task"][10:],
                     i["title"] + ": " + i["message"], i.get("owner", "")))
    else:
        plugins.add(i["section"] + ":" + i["task"].split(":")[0])
text = "\n".join("|".join(r) for r in sorted(rows))
print(sum(r[0] == "element" for r in rows), sum(r[0] == "manual" for r in rows),
      hashlib.sha256(text.encode()).hexdigest()[:16], ",".join(sorted(plugins)) or "-")
PY
}

for line in "${expected[@]}"; do
  read -r name want <<<"$line"
  cfg="$WORK/$name.cfg"
  write_acme_config "$cfg" "$ES_SOURCE_DIR/etc/customers/$name.cfg"
  # The answers and what differs from the shared checklist: everything
  # before the plugins' keys.
  lines=$(sed -n '/^plugins = {/q;p' "$ES_SOURCE_DIR/etc/customers/$name.cfg" | wc -l)
  [ "$lines" -le 60 ] || fail "$name.cfg has $lines lines before its plugins' keys; the shared checklist should leave at most 60"
  grep -q '^checklist_file = ' "$cfg" || fail "$name.cfg does not name the shared checklist"
  es status "$cfg" --env uat --json; expect_rc 0
  got=$(summary "$WORK/out")
  [ "$got" = "$want" ] || fail "$name: status items changed: got '$got', expected '$want'"
done

# init: a new customer file that check reads, every question unanswered.
mkdir -p "$WORK/customers"
(cd "$WORK/customers" && "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" init hooli --checklist "$shared") \
  >"$WORK/out" 2>"$WORK/err" || fail "init failed: $(cat "$WORK/err")"
expect_out "wrote hooli.cfg"
new="$WORK/customers/hooli.cfg"
[ -f "$new" ] || fail "init wrote no hooli.cfg"
(cd "$WORK/customers" && "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" init hooli --checklist "$shared") \
  >"$WORK/out" 2>"$WORK/err" && fail "init overwrote hooli.cfg"
expect_err "hooli.cfg"
es check "$new" --env uat; expect_rc 2
python3 - "$shared" "$WORK/out" <<'PY' || fail "check of the new file misses questions"
import re, sys
shared, out = open(sys.argv[1]).read(), open(sys.argv[2]).read()
ids = re.findall(r'\{ id = "([a-z0-9_]+)"; question = ', shared)
ids += re.findall(r'\{ id = "([a-z0-9_]+)";\n\s+question = "[^"]*"; *\n?\s*(?:choices|\})', shared)
missing = [i for i in set(ids) if not re.search(r"\? " + i + r"\b", out)]
if len(set(ids)) < 20 or missing:
    print("questions:", len(set(ids)), "missing:", missing)
    sys.exit(1)
PY
for key in aws.access_key_id azure.tenant_id godaddy-ssl.api_key mailgun.api_key mailgun.domain; do
  expect_out "? $key"
done
expect_out "0 of "

# An answer that disagrees with an enabled plugin: file, line and key.
sed -e 's|infra_provider = "AWS";|infra_provider = "Azure";|' \
    -e 's|^  aws = {|&\n    enabled = true;|' \
    -e 's|^plugins = {|&\n  azure = { tenant_id = "acme.onmicrosoft.com"; };|' \
    "$WORK/acme.cfg" >"$WORK/disagree.cfg"
es check "$WORK/disagree.cfg" --env uat; expect_rc 1
n=$(grep -n "^    enabled = true;" "$WORK/disagree.cfg" | cut -d: -f1)
expect_err "disagree.cfg:$n: aws.enabled: true, but the answer 'Azure' to infra_provider"
# godaddy-ssl has no explicit 'enabled': the answer turns it off quietly.
grep -q "godaddy-ssl" "$WORK/err" && fail "godaddy-ssl reported though nothing enables it"
sed -e 's|infra_provider = "AWS";|infra_provider = "Amazon";|' "$WORK/acme.cfg" >"$WORK/nochoice.cfg"
es check "$WORK/nochoice.cfg" --env uat; expect_rc 1
n=$(grep -n 'infra_provider = "Amazon"' "$WORK/nochoice.cfg" | cut -d: -f1)
expect_err "nochoice.cfg:$n: answers.infra_provider: the answer 'Amazon' is none"

# An error inside the shared checklist names that file and line.
mkdir -p "$WORK/checklists"
sed 's|{ id = "google_analytics"; title = |{ id = "google_analytics"; titel = |' "$shared" >"$WORK/checklists/enterprise.cfg"
n=$(grep -n '"google_analytics"; titel' "$WORK/checklists/enterprise.cfg" | cut -d: -f1)
[ -n "$n" ] || fail "the sed found no google_analytics item"
sed 's|^checklist_file = .*|checklist_file = "../checklists/enterprise.cfg";|' "$WORK/acme.cfg" >"$WORK/customers/acme.cfg"
es check "$WORK/customers/acme.cfg" --env uat; expect_rc 1
expect_err "checklists/enterprise.cfg:$n: checklist[4.7].manual[0]: unknown key 'titel'; did you mean 'title'?"
printf 'checklist = (\n  { section = "1"; title = ; }\n);\n' >"$WORK/checklists/enterprise.cfg"
es check "$WORK/customers/acme.cfg" --env uat; expect_rc 1
expect_err "checklists/enterprise.cfg:2:"
[ "$(wc -l <"$WORK/err")" = 1 ] || fail "an unreadable shared checklist should be the only problem reported"

# Drop an item and add one: status lists the new one, not the dropped one,
# and nothing waits on the dropped one any more.
cat >>"$WORK/acme.cfg" <<'EOF'
drop = [ "google_analytics", "check_app_managed" ];
EOF
sed -i 's|{ section = "1"; manual = (|{ section = "4.7"; manual = ( { id = "status_page"; title = "Open a status page";\n      question = "Is the status page public?"; owner = "platform ops"; } ); },\n  &|' "$WORK/acme.cfg"
grep -q status_page "$WORK/acme.cfg" || fail "the sed found no section 1 change"
es check "$WORK/acme.cfg" --env uat; expect_rc 0
es status "$WORK/acme.cfg" --env uat; expect_rc 0
grep -qE "waiting +checklist:status_page +Open a status page: Is the status page public\?" "$WORK/out" ||
  fail "the added item is not listed"
grep -q "checklist:google_analytics" "$WORK/out" && fail "the dropped item is still listed"
grep -q "checklist:check_app_managed" "$WORK/out" && fail "the dropped item is still listed"
grep -q "checklist:link_app_environments" "$WORK/out" || fail "an item that waited on a dropped one is gone"
sed -i 's|drop = \[ "google_analytics",|drop = [ "google_analytcs",|' "$WORK/acme.cfg"
es check "$WORK/acme.cfg" --env uat; expect_rc 1
expect_err "drop: 'google_analytcs' is no item of the checklist; did you mean 'google_analytics'?"
echo "checklist: examples unchanged, init, disagreements, shared-file errors, drop and add: all passed"

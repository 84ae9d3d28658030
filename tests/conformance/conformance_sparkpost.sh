#!/usr/bin/env bash
# conformance.sparkpost: a full plan/apply/update/verify/destroy of the
# sparkpost plugin against the sandbox, every request recorded and checked
# offline by table_check.py against tables/sparkpost.json. SparkPost
# publishes API Blueprint, which Prism does not read, so the table holds
# each call the plugin makes with its .apib file and section, and
# apib_routes.py first proves every row is a call those files document
# (method, path, query parameters) and cites it. Every row must be
# exercised (100 % of the plugin's calls); both checkers first prove they
# refuse what they must.
. "$(dirname "$0")/lib.sh"
apib="$SPECS_DIR/sparkpost"
table="$CONFORMANCE_DIR/tables/sparkpost.json"
for f in index account sending-domains subaccounts templates webhooks; do spec_file "$apib/$f.apib"; done
spec_file "$table"
python3 "$CONFORMANCE_DIR/table_check.py" --lint "$table" >/dev/null || fail "sparkpost.json: a row lacks a citation"
python3 "$CONFORMANCE_DIR/apib_routes.py" "$apib" "$table" >"$WORK/apib.out" ||
  fail "the table is not what the .apib files document: $(cat "$WORK/apib.out")"
cat "$WORK/apib.out"

# ---- apib_routes.py refuses a row the .apib files do not document ----------
doctor() { # PYTHON-EXPRESSION on row r (the first PUT /templates row)
  python3 - "$table" "$1" >"$WORK/doctored.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
r = next(r for r in t["rows"] if r["operation"] == "template-publish")
exec(sys.argv[2])
print(json.dumps(t))
PY
}
for change in 'r["apib"]["section"] = "Publish a Template"' 'r["method"] = "POST"' \
  'r["path"] = "/v1/templates/{id}/publish"' 'r["query"] = {"allowed": ["publish"]}' \
  'r["citation"] = "templates.apib"'; do
  doctor "$change"
  python3 "$CONFORMANCE_DIR/apib_routes.py" "$apib" "$WORK/doctored.json" >"$WORK/self.out" &&
    fail "apib_routes.py accepted a doctored row: $change"
  grep -q MISMATCH "$WORK/self.out" || fail "apib_routes.py named no mismatch: $(cat "$WORK/self.out")"
done

# ---- table_check.py refuses wrong requests ---------------------------------
check() { # RECORD...
  python3 "$CONFORMANCE_DIR/table_check.py" --prefix /sparkpost/api "$table" "$@"
}
k=sp-sandbox-key-0001
table_request PUT /sparkpost/api/v1/templates/welcome "" "$k" '{"published":true}' >"$WORK/good.jsonl"
check "$WORK/good.jsonl" >"$WORK/self.out" || fail "the checker refuses a right request: $(cat "$WORK/self.out")"
wrong=(
  "GET|/sparkpost/api/v1/templatez/welcome||$k|"
  "PATCH|/sparkpost/api/v1/templates/welcome||$k|{\"published\":true}"
  "GET|/sparkpost/api/v1/account|||"
  "GET|/sparkpost/api/v1/account||Bearer $k|"
  "GET|/sparkpost/api/v1/account|usage=1|$k|"
  "PUT|/sparkpost/api/v1/templates/welcome||$k|{\"published\":false}"
  "POST|/sparkpost/api/v1/webhooks||$k|{\"name\":\"n\",\"target\":\"https://t.example\"}"
  "POST|/sparkpost/api/v1/sending-domains||$k|{\"domain\":\"d.example\",\"colour\":1}"
  "DELETE|/sparkpost/api/v1/subaccounts/12||$k|"
)
table_refuses "$table" /sparkpost/api "${wrong[@]}"

# ---- the plugin's run ---------------------------------------------------------
export SPARKPOST_API_KEY=$k
start_sandbox --record "$WORK/sandbox.record" --async-polls 1
start_webhook_target
cp -r "$ES_SOURCE_DIR/etc/templates/acme" "$WORK/templates"
cfg="$WORK/acme.cfg"
write_config() { # EVENTS
  cat >"$cfg" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.4"; title = "Transaction e-mails"; plugins = [ "sparkpost" ]; }
);
plugins = {
  sparkpost = {
    api_key = "env:SPARKPOST_API_KEY";
    api_url = "$SANDBOX_URL/sparkpost/api/v1";
    domain = "mail.uat.acme.example";
    subaccount_name = "Acme UAT";
    webhook_url = "$TARGET_URL/hooks/sparkpost";
    webhook_events = $1;
    templates_dir = "$WORK/templates";
    templates = [ "welcome", "password-reset" ];
  };
};
CFG
}
write_config '[ "delivery", "bounce" ]'
es plan "$cfg" --env uat; expect_rc 2
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 0
es plan "$cfg" --env uat; expect_rc 0
# Changes the table must also cover: a template's content, the events.
echo "<p>changed</p>" >>"$WORK/templates/welcome/body.html"
write_config '[ "delivery", "bounce", "spam_complaint" ]'
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 0
es plan "$cfg" --env uat; expect_rc 0
es plan --destroy "$cfg" --env uat
es destroy "$cfg" --env uat --yes; expect_rc 0

check "$WORK/sandbox.record" >"$WORK/check.out" || fail "SparkPost calls off the table: $(cat "$WORK/check.out")"
cat "$WORK/check.out"
# 100 %: every documented row was exercised by the run.
for op in $(python3 -c 'import json,sys; print(" ".join(r["operation"] for r in json.load(open(sys.argv[1]))["rows"]))' "$table"); do
  grep -qE "^ +[0-9]+  $op\$" "$WORK/check.out" || fail "operation $op never exercised"
done
echo "PASS [$TEST_NAME]"

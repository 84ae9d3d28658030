#!/usr/bin/env bash
# conformance.sumologic: plan/apply/verify/destroy of the sumologic plugin
# with every call checked. The plugin has one base URL for two APIs:
# - users, roles and monitors are in Sumo Logic's OpenAPI description
#   (sumologic-api.yaml): those calls go through a Prism validating proxy;
# - collectors and sources are the Collector Management API, which Sumo
#   documents but leaves out of that description: those calls go straight
#   to the sandbox, are recorded, and table_check.py checks them against
#   tables/sumologic-collectors.json, each row citing Sumo's docs page.
#   envsetup -> loopback_proxy (router) -+- /v1/collectors -> envsetup-sandbox --root sumologic
#                                        +- / -> loopback_proxy (logs exchanges)
#                                               -> prism proxy --errors -> the same sandbox
# Under Prism the spec's server path /api is dropped, so the base URL is
# the router's root. 100 %: every call is validated, and every operation
# of the table is exercised.
. "$(dirname "$0")/lib.sh"
spec="$SPECS_DIR/sumologic-api.yaml"
table="$CONFORMANCE_DIR/tables/sumologic-collectors.json"
spec_file "$spec"
spec_file "$table"
python3 "$CONFORMANCE_DIR/table_check.py" --lint "$table" >/dev/null || fail "sumologic-collectors.json: a row lacks a citation"

# ---- the table checker refuses what it must ------------------------------
record() { # METHOD PATH AUTH BODY
  python3 -c 'import json,sys; m,p,a,b=sys.argv[1:5]
h={"Authorization":a} if a else {}
if b: h["Content-Type"]="application/json"
print(json.dumps({"method":m,"path":p,"query":"","headers":h,"body":b}))' "$@"
}
basic="Basic a2V5OnNlY3JldA=="
good='{"source":{"sourceType":"HTTP","name":"app","category":"acme-uat/app","messagePerRequest":false}}'
record POST /v1/collectors/101/sources "$basic" "$good" >"$WORK/good.jsonl"
python3 "$CONFORMANCE_DIR/table_check.py" "$table" "$WORK/good.jsonl" >"$WORK/self.out" ||
  fail "the checker refuses a right request: $(cat "$WORK/self.out")"
wrong=(
  "POST|/v1/collectors/101/source|$basic|$good"
  "PUT|/v1/collectors/101/sources|$basic|$good"
  "POST|/v1/collectors/101/sources||$good"
  "POST|/v1/collectors/101/sources|Bearer abc|$good"
  "POST|/v1/collectors/101/sources|$basic|{\"source\":{\"sourceType\":\"HTTP\"}}"
  "POST|/v1/collectors/101/sources|$basic|{\"source\":{\"sourceType\":\"Syslog\",\"name\":\"app\"}}"
  "POST|/v1/collectors/101/sources|$basic|{\"source\":{\"sourceType\":\"HTTP\",\"name\":\"app\",\"url\":\"x\"}}"
  "GET|/v1/collectors/101|$basic|{\"a\":1}"
)
for w in "${wrong[@]}"; do
  IFS='|' read -r m p a b <<<"$w"
  record "$m" "$p" "$a" "$b" >"$WORK/wrong.jsonl"
  python3 "$CONFORMANCE_DIR/table_check.py" "$table" "$WORK/wrong.jsonl" >"$WORK/self.out" &&
    fail "the checker accepted a wrong request: $w"
  grep -q "VIOLATION" "$WORK/self.out" || fail "the checker named no violation: $(cat "$WORK/self.out")"
done

# ---- the plugin's run -------------------------------------------------------
export SUMOLOGIC_ACCESS_ID=suSandboxAccessId01 SUMOLOGIC_ACCESS_KEY=sandbox-sumo-key-0001
# dev@ is the customer's user already (with the Administrator role): the
# run gives them the user role (assignRoleToUser) and destroy takes it
# back (removeRoleFromUser).
export SANDBOX_SUMOLOGIC_USERS=dev@acme.example
start_sandbox --root sumologic --record "$WORK/sandbox.record"
start_prism "$spec" "$SANDBOX_URL"
start_proxy "$WORK/exchanges.jsonl" "/=$PRISM_URL"; logged=$PROXY_URL
start_proxy "" "/v1/collectors=$SANDBOX_URL" "/=$logged"
cfg="$WORK/acme.cfg"
cat >"$cfg" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.2"; title = "Logs and alerts"; plugins = [ "sumologic" ]; }
);
plugins = {
  sumologic = {
    access_id = "env:SUMOLOGIC_ACCESS_ID";
    access_key = "env:SUMOLOGIC_ACCESS_KEY";
    api_url = "$PROXY_URL";
    admins = [ "ops.lead@acme.example" ];
    users = [ "dev@acme.example" ];
    components = [ "app", "api" ];
    alert_emails = [ "oncall@acme.example" ];
    rate_limit_per_min = 0;
  };
};
CFG

es plan "$cfg" --env uat; expect_rc 2
es apply "$cfg" --env uat; expect_rc 2
for t in verify_credentials roles users hosted_collector http_sources monitors; do
  grep -E "sumologic:$t +done" "$WORK/out" >/dev/null || fail "sumologic:$t not done through the validators"
done
es plan "$cfg" --env uat; expect_rc 0
# A higher threshold: the monitors are updated in place (monitorsUpdateById).
sed -i 's/^    rate_limit_per_min = 0;/    alert_threshold = 25;\n    rate_limit_per_min = 0;/' "$cfg"
es apply "$cfg" --env uat; expect_rc 2
grep -q '"method": "PUT", "path": "/v1/monitors/' "$WORK/exchanges.jsonl" || fail "no monitor was updated"
es plan "$cfg" --env uat; expect_rc 0
es destroy "$cfg" --env uat --yes; expect_rc 0

# ---- the verdicts -------------------------------------------------------------
python3 - "$WORK/sandbox.record" "$WORK/collectors.record" "$WORK/spec.record" <<'PY' || fail "could not split the record"
import json, sys
with open(sys.argv[2], "w") as col, open(sys.argv[3], "w") as spec:
    for line in open(sys.argv[1], encoding="utf-8"):
        rec = json.loads(line)
        (col if rec["path"].startswith("/v1/collectors") else spec).write(line)
PY
python3 "$CONFORMANCE_DIR/table_check.py" "$table" "$WORK/collectors.record" >"$WORK/check.out" ||
  fail "Collector API calls off the table: $(cat "$WORK/check.out")"
cat "$WORK/check.out"
for op in $(python3 -c 'import json,sys; print(" ".join(r["operation"] for r in json.load(open(sys.argv[1]))["rows"]))' "$table"); do
  grep -qE "^ +[0-9]+  $op\$" "$WORK/check.out" || fail "Collector API operation $op never exercised"
done
args=()
for l in "${PRISM_LOGS[@]}"; do args+=(--prism-log "$l"); done
python3 "$CONFORMANCE_DIR/openapi_summary.py" sumologic --exchanges "$WORK/exchanges.jsonl" \
  --record "$WORK/spec.record" "${args[@]}" --spec "$spec" --auth 'Basic [A-Za-z0-9+/=]+' ||
  fail "Sumo Logic calls off-spec"
echo "PASS [$TEST_NAME]"

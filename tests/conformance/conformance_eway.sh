#!/usr/bin/env bash
# conformance.eway: a full plan/apply/verify/destroy of the eway plugin
# against the sandbox, every request recorded and checked offline by
# table_check.py against tables/eway.json: eWAY publishes no OpenAPI, so
# the table holds each documented call with its citation (the Rapid API
# reference and the official SDK eway-rapid-php). Every row must be
# exercised (100 % of the plugin's calls), and the checker first proves it
# refuses wrong requests (unknown path, no Basic auth, unknown query
# parameter, a body, a missing parameter).
. "$(dirname "$0")/lib.sh"
table="$CONFORMANCE_DIR/tables/eway.json"
spec_file "$table"
python3 "$CONFORMANCE_DIR/table_check.py" --lint "$table" >/dev/null || fail "eway.json: a row lacks a citation"

check() { # RECORD...
  python3 "$CONFORMANCE_DIR/table_check.py" --prefix /eway "$table" "$@"
}

# ---- the checker refuses what it must ---------------------------------------
basic="Basic a2V5OnBhc3N3b3Jk"
good_q="ReportMode=SummaryOnly&SettlementDate=2026-01-01"
table_request GET /eway/Search/Settlement "$good_q" "$basic" >"$WORK/good.jsonl"
check "$WORK/good.jsonl" >"$WORK/self.out" || fail "the checker refuses a right request: $(cat "$WORK/self.out")"
wrong=(
  "GET|/eway/Search/Settlements|$good_q|$basic|"
  "POST|/eway/Search/Settlement|$good_q|$basic|"
  "GET|/eway/Search/Settlement|$good_q||"
  "GET|/eway/Search/Settlement|$good_q|Bearer abc|"
  "GET|/eway/Search/Settlement|$good_q&Mode=1|$basic|"
  "GET|/eway/Search/Settlement|ReportMode=SummaryOnly|$basic|"
  "GET|/eway/Search/Settlement|$good_q|$basic|{\"a\":1}"
)
table_refuses "$table" /eway "${wrong[@]}"

# ---- the plugin's run ---------------------------------------------------------
export EWAY_API_KEY=sandbox-eway-key-0001 EWAY_API_PASSWORD=sandbox-eway-password-0001
start_sandbox --record "$WORK/sandbox.record"
cfg="$WORK/acme.cfg"
cat >"$cfg" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; prod = { domain = "acme.example"; }; };
checklist = (
  { section = "4.6"; title = "Payment gateway"; plugins = [ "eway" ]; }
);
plugins = {
  eway = {
    api_key = "env:EWAY_API_KEY";
    api_password = "env:EWAY_API_PASSWORD";
    api_url = "$SANDBOX_URL/eway";
    sandbox_api_url = "$SANDBOX_URL/eway";
    customer_id = "87654321";
    admins = [ "finance-lead@acme.example" ];
    environments = { uat = { gateway_mode = "sandbox"; }; };
  };
};
CFG

for env in uat prod; do
  es plan "$cfg" --env "$env"; expect_rc 0
  es apply "$cfg" --env "$env"; expect_rc 2
  grep -E "eway:verify_credentials +done" "$WORK/out" >/dev/null || fail "$env: verify_credentials not done"
  es plan "$cfg" --env "$env"; expect_rc 0
  es destroy "$cfg" --env "$env" --yes; expect_rc 0
done

check "$WORK/sandbox.record" >"$WORK/check.out" || fail "eWAY calls off the table: $(cat "$WORK/check.out")"
cat "$WORK/check.out"
# 100 %: every documented row was exercised by the run.
for op in $(python3 -c 'import json,sys; print(" ".join(r["operation"] for r in json.load(open(sys.argv[1]))["rows"]))' "$table"); do
  grep -qE "^ +[0-9]+  $op\$" "$WORK/check.out" || fail "operation $op never exercised"
done
# The values the table cannot say: the summary only, a real date.
python3 - "$WORK/sandbox.record" <<'PY' || fail "a search asked for more than the summary, or without a date"
import json, re, sys, urllib.parse
for line in open(sys.argv[1], encoding="utf-8"):
    rec = json.loads(line)
    if not rec["path"].startswith("/eway/"):
        continue
    q = dict(urllib.parse.parse_qsl(rec.get("query", "")))
    assert q.get("ReportMode") == "SummaryOnly", q
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", q.get("SettlementDate", "")), q
PY
echo "PASS [$TEST_NAME]"

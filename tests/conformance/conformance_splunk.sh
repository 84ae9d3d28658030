#!/usr/bin/env bash
# conformance.splunk: full plan/apply/update/destroy runs of the splunk
# plugin in both modes against the sandbox, every request recorded and
# checked offline by table_check.py against tables/splunk.json: Splunk
# publishes no OpenAPI for its management API, so the table holds each
# documented call with its citation (the REST API Reference Manual; the
# Admin Config Service manual for Splunk Cloud). Every row must be
# exercised (100 % of the plugin's calls), and the checker first proves it
# refuses wrong requests.
. "$(dirname "$0")/lib.sh"
table="$CONFORMANCE_DIR/tables/splunk.json"
spec_file "$table"
python3 "$CONFORMANCE_DIR/table_check.py" --lint "$table" >/dev/null || fail "splunk.json: a row lacks a citation"

check() { # PREFIX RECORD...
  local prefix=$1
  shift
  python3 "$CONFORMANCE_DIR/table_check.py" --prefix "$prefix" --label "Splunk $prefix" "$table" "$@"
}

# ---- the checker refuses what it must ---------------------------------------
record() { # METHOD PATH QUERY AUTH CTYPE [BODY]
  python3 -c 'import json,sys; m,p,q,a,c=sys.argv[1:6]; b=sys.argv[6] if len(sys.argv)>6 else ""
h={"Authorization":a} if a else {}
if c: h["Content-Type"]=c
print(json.dumps({"method":m,"path":p,"query":q,"headers":h,"body":b}))' "$@"
}
bearer="Bearer abc123"
form=application/x-www-form-urlencoded
record POST /splunk/services/authentication/users output_mode=json "$bearer" $form \
  "name=a%40b.example&password=x&roles=user&roles=power&email=a%40b.example&force-change-pass=1" >"$WORK/good.jsonl"
check /splunk "$WORK/good.jsonl" >"$WORK/self.out" || fail "the checker refuses a right request: $(cat "$WORK/self.out")"
wrong=(
  "POST|/splunk/services/authentication/users||$bearer|$form|name=a&password=x&roles=user"
  "POST|/splunk/services/authentication/users|output_mode=json||$form|name=a&password=x&roles=user"
  "POST|/splunk/services/authentication/users|output_mode=json|$bearer|application/json|{\"name\":\"a\"}"
  "POST|/splunk/services/authentication/users|output_mode=json|$bearer|$form|name=a&roles=user"
  "POST|/splunk/services/authentication/users|output_mode=json|$bearer|$form|name=a&password=x&roles=user&email=a&email=b"
  "POST|/splunk/services/authentication/users|output_mode=json|$bearer|$form|name=a&password=x&roles=user&capabilities=x"
  "PUT|/splunk/services/data/indexes/acme|output_mode=json|$bearer|$form|maxTotalDataSizeMB=1"
  "GET|/splunk/services/data/index/acme|output_mode=json|$bearer||"
)
for w in "${wrong[@]}"; do
  IFS='|' read -r m p q a c b <<<"$w"
  record "$m" "$p" "$q" "$a" "$c" "$b" >"$WORK/wrong.jsonl"
  check /splunk "$WORK/wrong.jsonl" >"$WORK/self.out" && fail "the checker accepted a wrong request: $w"
  grep -q "VIOLATION" "$WORK/self.out" || fail "the checker named no violation: $(cat "$WORK/self.out")"
done

# ---- the plugin's runs --------------------------------------------------------
token=sandbox-splunk-token-0001
export SPLUNK_TOKEN=$token SANDBOX_SPLUNK_TOKEN=$token
start_sandbox --record "$WORK/sandbox.record" --async-polls 1
cfg="$WORK/acme.cfg"
write_cfg() { # MODE RETENTION THRESHOLD
  cat >"$cfg" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state-$1"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.2"; title = "Logs and alerts"; plugins = [ "splunk" ]; }
);
plugins = {
  splunk = {
    mode = "$1";
    management_url = "$SANDBOX_URL/splunk";
    acs_url = "$SANDBOX_URL/acs";
    stack = "acme";
    auth_token = "env:SPLUNK_TOKEN";
    index = "acme_$1";
    retention = "$2";
    admins = [ "ops-lead@acme.example" ];
    users = [ "dev@acme.example" ];
    components = [ "api" ];
    alerts = [ "Server errors: status>=500" ];
    alert_threshold = $3;
    alert_emails = [ "oncall@acme.example" ];
  };
};
CFG
}
api() { # METHOD PATH [curl args...]: a change behind the plugin's back
  local m=$1 p=$2
  shift 2
  curl -s -o /dev/null -X "$m" -H "Authorization: Bearer $token" "$@" "$SANDBOX_URL$p"
}

for mode in enterprise cloud; do
  write_cfg "$mode" 90d 10
  es plan "$cfg" --env uat; expect_rc 2
  es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 0
  es plan "$cfg" --env uat; expect_rc 0
  # Updates: retention and threshold in the config; a role, a user and a
  # HEC token changed behind the plugin's back.
  write_cfg "$mode" 30d 20
  api POST "/splunk/services/authorization/roles/acme_${mode}_user?output_mode=json" \
    --data-urlencode srchIndexesAllowed=main --data-urlencode srchIndexesDefault=main
  api POST "/splunk/services/authentication/users/dev@acme.example?output_mode=json" --data-urlencode roles=user
  if [ "$mode" = enterprise ]; then
    api POST "/splunk/servicesNS/nobody/splunk_httpinput/data/inputs/http/acme_enterprise-api?output_mode=json" \
      --data-urlencode index=main
  else
    api PUT "/acs/acme/adminconfig/v2/inputs/http-event-collectors/acme_cloud-api" \
      -H 'Content-Type: application/json' -d '{"defaultIndex":"main","allowedIndexes":["main"]}'
  fi
  es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 0
  es plan "$cfg" --env uat; expect_rc 0
  es destroy "$cfg" --env uat --yes; expect_rc 0
done

check /splunk "$WORK/sandbox.record" >"$WORK/check.out" || fail "Splunk calls off the table: $(cat "$WORK/check.out")"
check /acs "$WORK/sandbox.record" >"$WORK/check-acs.out" || fail "ACS calls off the table: $(cat "$WORK/check-acs.out")"
cat "$WORK/check.out" "$WORK/check-acs.out"
# 100 %: every documented row was exercised by the runs.
for op in $(python3 -c 'import json,sys; print(" ".join(r["operation"] for r in json.load(open(sys.argv[1]))["rows"]))' "$table"); do
  grep -qE "^ +[0-9]+  $op\$" "$WORK/check.out" "$WORK/check-acs.out" || fail "operation $op never exercised"
done
echo "PASS [$TEST_NAME]"

#!/usr/bin/env bash
# The splunk plugin end to end against the sandbox's Splunk fakes (the
# management API and Splunk Cloud's Admin Config Service), through the real
# binary and loader: plan, apply, plan (0), apply again with no new
# resource; faults (429 with and without Retry-After, 5xx, reset, cut
# bodies, a 409 on a create whose object was made meanwhile); a SIGKILL in
# each create window followed by ONE apply with no duplicate; Basic auth; a
# rejected token; cloud mode; destroy (an adopted role is kept); and -vv
# runs whose every output holds no token, password or HEC token.
. "$(dirname "$0")/lib.sh"

token="splunk-Zq8secretTOKEN-$$-$RANDOM"
password="splunk-Pw9secret-$$-$RANDOM"
export SPLUNK_TOKEN=$token SANDBOX_SPLUNK_TOKEN=$token
export SPLUNK_PASSWORD=$password SANDBOX_SPLUNK_PASSWORD=$password SANDBOX_SPLUNK_USER=envsetup

write_splunk_config() { # FILE [mode] [auth]
  local auth='auth_token = "env:SPLUNK_TOKEN";'
  [ "${3:-}" = basic ] && auth='auth = "basic"; username = "envsetup"; password = "env:SPLUNK_PASSWORD";'
  cat >"$1" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.2"; title = "Logs and alerts"; plugins = [ "splunk" ]; }
);
plugins = {
  splunk = {
    mode = "${2:-enterprise}";
    management_url = "$SANDBOX_URL/splunk";
    acs_url = "$SANDBOX_URL/acs";
    stack = "acme";
    $auth
    index = "acme_uat";
    admins = [ "ops-lead@acme.example" ];
    users = [ "dev@acme.example" ];
    components = [ "api", "frontend" ];
    environments = { uat = { hec_url = "https://splunk.uat.acme.example:8088"; }; };
    alerts = [ "Server errors: status>=500", "Slow requests: duration>5000" ];
    alert_emails = [ "oncall@acme.example", "ops-lead@acme.example" ];
  };
};
CFG
}

cfg="$WORK/splunk.cfg"
apply() { es apply "$cfg" --env uat --max-poll-interval 100 "$@"; }

count_is() { # PROVIDER KIND N context
  local n
  n=$(resources_count "$1" "$2")
  [ "$n" = "$3" ] || fail "${4:-}expected $3 $1 $2, found $n"
}

converged() { # context [cloud]
  [ "$RC" = 0 ] || fail "$1: apply exited $RC"
  for t in verify_credentials index role users hec_tokens alerts; do
    grep -E "splunk:$t +done" "$WORK/out" >/dev/null || fail "$1: splunk:$t not done"
  done
  if [ "${2:-}" = cloud ]; then
    count_is acs index 1 "$1: "
    count_is acs hec_token 2 "$1: "
  else
    count_is splunk index 1 "$1: "
    count_is splunk hec_token 2 "$1: "
  fi
  count_is splunk role 4 "$1: " # admin, user, power and ours
  count_is splunk user 2 "$1: "
  count_is splunk saved_search 2 "$1: "
}

fresh() { # [mode] [auth] -- sandbox args...
  local mode=${1:-enterprise} auth=${2:-token}
  shift 2 || shift $#
  stop_sandbox
  rm -rf "$WORK/state"
  start_sandbox "$@"
  write_splunk_config "$cfg" "$mode" "$auth"
}

hec_tokens() { # every HEC token the fakes hand out
  python3 - "$WORK/state/uat/secrets.json" <<'PY'
import json, sys
outs = json.load(open(sys.argv[1]))["outputs"]["splunk"]
for k, v in outs.items():
    if k.startswith("hec_token:"):
        print(v)
PY
}

# ---- apply, then nothing left to do --------------------------------------
fresh enterprise token
es check "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env uat; expect_rc 2
expect_out "index acme_uat"
expect_out "hec_token acme_uat-api"
apply
converged "first apply"
es plan "$cfg" --env uat; expect_rc 0
expect_out "No changes"
apply
converged "second apply"
es status "$cfg" --env uat; expect_rc 0
expect_out "splunk.index = acme_uat"
expect_out "splunk.role = acme_uat_user"
expect_out "splunk.hec_token:api = (secret"
expect_out "splunk.hec_url = https://splunk.uat.acme.example:8088"
[ "$(hec_tokens | wc -l)" = 2 ] || fail "the two HEC tokens are not kept as secret outputs"

# A role edited by hand (the index removed) is put back.
curl -s -o /dev/null -H "Authorization: Bearer $token" --data-urlencode "srchIndexesAllowed=main" \
  --data-urlencode "srchIndexesDefault=main" "$SANDBOX_URL/splunk/services/authorization/roles/acme_uat_user?output_mode=json"
es plan "$cfg" --env uat; expect_rc 2
expect_out "may not search the index"
apply
converged "role repaired"
es plan "$cfg" --env uat; expect_rc 0

# ---- faults: converge, or fail cleanly naming Splunk and the request -----
faults=(
  "429:POST /splunk/services/data/indexes:count=1,retry-after=1"
  "429:GET /splunk/services/authorization/roles:count=2"
  "503:GET /splunk/servicesNS/nobody/search/saved/searches:count=2"
  "500:POST /splunk/servicesNS/nobody/splunk_httpinput/data/inputs/http:count=1"
  "reset:POST /splunk/services/authentication/users:count=1"
  "reset:GET /splunk/servicesNS/nobody/splunk_httpinput:count=2"
  "malformed:GET /splunk/services/data/indexes:count=1"
  "malformed:POST /splunk/servicesNS/nobody/search/saved/searches:count=1"
)
for f in "${faults[@]}"; do
  fresh enterprise token --faults "$f"
  apply
  if [ "$RC" != 0 ]; then
    grep -q "Splunk" "$WORK/err" "$WORK/out" || fail "$f: the failure does not name Splunk"
    apply
  fi
  converged "fault $f"
  es plan "$cfg" --env uat; expect_rc 0
done

# A listing that never parses: a clean failure naming Splunk and the
# request, and no index made without a readable look-up.
fresh enterprise token --faults "malformed:GET /splunk/services/data/indexes"
apply
[ "$RC" = 4 ] || fail "a look-up that never parses: exit $RC, wanted 4"
grep -q "Splunk" "$WORK/out" "$WORK/err" || fail "the failure does not name Splunk"
grep -q "data/indexes" "$WORK/out" "$WORK/err" || fail "the failure does not name the request"
count_is splunk index 0 "unreadable look-up: "

# ---- 409: the alert was made between the look-up and the create ----------
# The barrier holds the look-up's answer (404; the first alert GET: apply
# reuses what its plan pass read and reads no more before it creates)
# while the alert is made behind the plugin's back; the create then gets
# Splunk's 409 and the plugin looks it up again and updates it.
fresh enterprise token --record "$WORK/conflict.record"
barrier_arm "after:GET /splunk/servicesNS/nobody/search/saved/searches:nth=1"
es_bg apply "$cfg" --env uat --max-poll-interval 100
barrier_wait held
curl -s -o /dev/null -H "Authorization: Bearer $token" --data-urlencode "name=acme_uat Server errors" \
  --data-urlencode "search=index=main" "$SANDBOX_URL/splunk/servicesNS/nobody/search/saved/searches?output_mode=json"
curl -s -o /dev/null -X POST "$SANDBOX_URL/_sandbox/barrier/release"
es_bg_wait
converged "409 on a create"
python3 - "$WORK/conflict.record" <<'PY' || fail "the 409 was not followed by a look-up and an update"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
alert = "/splunk/servicesNS/nobody/search/saved/searches"
i = next(i for i, r in enumerate(recs) if r["path"] == alert and r["status"] == 409)
after = [r for r in recs[i + 1:] if r["path"].startswith(alert + "/acme_uat")]
assert after[0]["method"] == "GET" and after[0]["status"] == 200, after[0]
assert any(r["method"] == "POST" and r["status"] == 200 for r in after), after
PY
es plan "$cfg" --env uat; expect_rc 0

# ---- SIGKILL in each create window, then ONE apply -----------------------
kills=(
  "index splunk index 1"
  "role splunk role 4"
  "user: splunk user 2"
  "hec: splunk hec_token 2"
  "alert: splunk saved_search 2"
)
for k in "${kills[@]}"; do
  read -r key provider kind want <<<"$k"
  fresh enterprise token
  ENVSETUP_TEST_KILL_BEFORE_PUT="splunk:$key" "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
    apply "$cfg" --env uat --max-poll-interval 100 >"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
  cat "$WORK/killed.out" >>"$WORK/all-output"
  [ "$rc" = 137 ] || fail "splunk:$key: the kill hook did not fire (exit $rc)"
  apply
  converged "killed at splunk:$key"
  count_is "$provider" "$kind" "$want" "killed at splunk:$key: "
  es plan "$cfg" --env uat; expect_rc 0
done

# A kill while the index create is in flight, unseen by Splunk.
fresh enterprise token
barrier_arm "before:POST /splunk/services/data/indexes"
es_bg apply "$cfg" --env uat -p 1
kill_at_barrier
apply
converged "killed before the index create reached Splunk"

# ---- Basic auth -----------------------------------------------------------
fresh enterprise basic
apply
converged "basic auth"

# ---- a rejected token names auth_token -----------------------------------
fresh enterprise token
SPLUNK_TOKEN=wrong-token apply
[ "$RC" != 0 ] || fail "a wrong token passed"
grep -q "auth_token" "$WORK/out" "$WORK/err" || fail "the wrong token is not blamed on auth_token"
count_is splunk index 0 "rejected token: "
fresh enterprise basic
SPLUNK_PASSWORD=wrong-password apply
[ "$RC" != 0 ] || fail "a wrong password passed"
grep -q "password" "$WORK/out" "$WORK/err" || fail "the wrong password is not blamed on password"
count_is splunk index 0 "rejected password: "

# ---- Splunk Cloud: index and HEC tokens through ACS ----------------------
fresh cloud token --async-polls 2
es plan "$cfg" --env uat; expect_rc 2
expect_out "through the Admin Config Service"
apply
converged "cloud" cloud
count_is splunk index 0 "cloud: "
es plan "$cfg" --env uat; expect_rc 0
cloud_faults=(
  "429:POST /acs/acme/adminconfig/v2/indexes:count=1,retry-after=1"
  "429:GET /acs/acme/adminconfig/v2/inputs/http-event-collectors:count=2"
  "503:GET /acs/acme/adminconfig/v2/indexes:count=2"
  "500:POST /acs/acme/adminconfig/v2/inputs/http-event-collectors:count=1"
  "reset:POST /acs/acme/adminconfig/v2/inputs/http-event-collectors:count=1"
  "malformed:GET /acs/acme/adminconfig/v2/inputs/http-event-collectors:count=1"
)
for f in "${cloud_faults[@]}"; do
  fresh cloud token --async-polls 1 --faults "$f"
  apply
  if [ "$RC" != 0 ]; then
    grep -q "Splunk Cloud ACS" "$WORK/err" "$WORK/out" || fail "$f: the failure does not name Splunk Cloud ACS"
    apply
  fi
  converged "cloud fault $f" cloud
  es plan "$cfg" --env uat; expect_rc 0
done
for key in index hec:; do
  fresh cloud token --async-polls 1
  ENVSETUP_TEST_KILL_BEFORE_PUT="splunk:$key" "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
    apply "$cfg" --env uat --max-poll-interval 100 >"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
  [ "$rc" = 137 ] || fail "cloud splunk:$key: the kill hook did not fire (exit $rc)"
  apply
  converged "cloud killed at splunk:$key" cloud
done
es destroy "$cfg" --env uat --yes; expect_rc 0
count_is acs index 0 "cloud destroy: "
count_is acs hec_token 0 "cloud destroy: "

# ---- destroy: what envsetup made goes, an adopted role stays --------------
fresh enterprise token
curl -s -o /dev/null -H "Authorization: Bearer $token" --data-urlencode "name=acme_uat_user" \
  --data-urlencode "imported_roles=user" "$SANDBOX_URL/splunk/services/authorization/roles?output_mode=json"
apply
converged "adopted role"
es plan "$cfg" --env uat --destroy; expect_rc 2
es destroy "$cfg" --env uat --yes; expect_rc 0
count_is splunk index 0 "destroy: "
count_is splunk hec_token 0 "destroy: "
count_is splunk user 0 "destroy: "
count_is splunk saved_search 0 "destroy: "
count_is splunk role 4 "destroy (the adopted role is kept): "
es destroy "$cfg" --env uat --yes; expect_rc 0

# ---- no secret anywhere ---------------------------------------------------
for mode in enterprise cloud; do
  fresh "$mode" token
  es -vv check "$cfg" --env uat
  es -vv plan "$cfg" --env uat
  es -vv apply "$cfg" --env uat --max-poll-interval 100; expect_rc 0
  es -vv status "$cfg" --env uat
  es -vv report "$cfg" --env uat
  grep -q "Authorization: \*\*\*" "$WORK/all-output" || fail "no masked trace seen: -vv traces missing?"
  mapfile -t hec < <(hec_tokens)
  [ "${#hec[@]}" = 2 ] || fail "$mode: expected 2 HEC tokens"
  mapfile -t pw < <(python3 -c '
import json, sys
def walk(d):
    for k, v in d.items():
        if isinstance(v, dict):
            walk(v)
        elif k.startswith("password_"):
            print(v)
walk(json.load(open(sys.argv[1])))' "$WORK/state/uat/secrets.json")
  [ "${#pw[@]}" = 2 ] || fail "$mode: expected 2 generated user passwords"
  expect_no_secret "$token" "$password" "${hec[@]}" "${pw[@]}"
done
fresh enterprise basic
es -vv apply "$cfg" --env uat --max-poll-interval 100; expect_rc 0
basic=$(printf 'envsetup:%s' "$password" | base64 -w0)
expect_no_secret "$token" "$password" "$basic"
echo "PASS [$TEST_NAME]"

#!/usr/bin/env bash
# The jira plugin end to end against the sandbox's Jira fake (platform and
# Jira Service Management), through the real binary and loader: plan (2),
# apply, plan (0), apply again with no new resource; faults (429 with and
# without Retry-After, 5xx, resets, cut bodies, a project name another
# project holds); a SIGKILL in each create window (the answer came, the
# id is not recorded) followed by ONE apply that converges with no
# duplicate; a rejected token; and a -vv run whose every output holds no
# secret.
. "$(dirname "$0")/lib.sh"

token="jira-Zq8secretTOKEN-$$-$RANDOM"
export JIRA_API_TOKEN=$token SANDBOX_JIRA_API_TOKEN=$token

write_jira_config() { # FILE
  cat >"$1" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.5"; title = "Support desk"; plugins = [ "jira" ]; }
);
plugins = {
  jira = {
    site_url = "$SANDBOX_URL/jira";
    email = "envsetup@acme.example";
    api_token = "env:JIRA_API_TOKEN";
    project_key = "ACME";
    project_name = "Acme Support";
    project_lead = "support-lead@acme.example";
    agents = [ "agent1@acme.example", "agent2@acme.example" ];
    organization_name = "Acme Corp";
    customers = [ "it-desk@acme.example", "cfo@acme.example" ];
    request_types = [ "Get IT help", "Report a system problem" ];
  };
};
CFG
}

count_is() { # KIND N [context]
  local n
  n=$(resources_count jira "$1")
  [ "$n" = "$2" ] || fail "${3:-}expected $2 jira $1, found $n"
}

converged() { # context
  count_is project 1 "$1: "
  count_is service_desk 1 "$1: "
  count_is role_actor 2 "$1: "
  count_is organization 1 "$1: "
  count_is org_desk 1 "$1: "
  count_is customer 2 "$1: "
  count_is org_member 2 "$1: "
}

# Apply, expecting the three manual gates to wait (exit 2) and every
# automated task done.
apply_converges() { # context [extra args]
  local ctx=$1
  shift
  es apply "$cfg" --env uat --max-poll-interval 100 "$@"
  [ "$RC" = 2 ] || fail "$ctx: apply exit $RC (2 = manual gates wait)"
  for t in verify_credentials service_desk_project agent_roles organization customers request_types; do
    grep -E "jira:$t +done" "$WORK/out" >/dev/null || fail "$ctx: jira:$t not done"
  done
  converged "$ctx"
}

cfg="$WORK/jira.cfg"

# ---- apply, then nothing left to do --------------------------------------
start_sandbox
write_jira_config "$cfg"
es check "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env uat; expect_rc 2
expect_out "project ACME"
expect_out "organization Acme Corp"
apply_converges "first apply"
expect_out "jira:agent_licensing"
es plan "$cfg" --env uat; expect_rc 0
expect_out "No changes"
apply_converges "second apply"
es status "$cfg" --env uat; expect_rc 0
expect_out "jira.project_key = ACME"
expect_out "jira.portal_url = $SANDBOX_URL/jira/servicedesk/customer/portal/"
expect_out "jira.organization_id = "
stop_sandbox

# ---- faults: converge in one apply, or fail naming Jira and the request --
faults=(
  "429:POST /jira/rest/api/3/project:count=1,retry-after=1"
  "429:GET /jira/rest/servicedeskapi/organization:count=2"
  "503:GET /jira/rest/api/3/project:count=2"
  "500:POST /jira/rest/servicedeskapi/organization:count=1"
  "reset:GET /jira/rest/api/3/user/search:count=2"
  "reset:POST /jira/rest/servicedeskapi/customer:count=1"
  "malformed:GET /jira/rest/api/3/project:count=1"
  "malformed:POST /jira/rest/servicedeskapi/organization:count=1"
)
for f in "${faults[@]}"; do
  rm -rf "$WORK/state"
  start_sandbox --faults "$f"
  write_jira_config "$cfg"
  es apply "$cfg" --env uat --max-poll-interval 100
  if [ "$RC" != 2 ]; then
    # A write whose answer was lost or cut fails the task cleanly, naming
    # Jira and the request; the next apply converges.
    grep -q "Jira" "$WORK/err" "$WORK/out" || fail "$f: the failure does not name Jira"
    es apply "$cfg" --env uat --max-poll-interval 100
    [ "$RC" = 2 ] || fail "$f: the apply after the fault did not converge (exit $RC)"
  fi
  converged "$f"
  stop_sandbox
done

# ---- the provider's conflict shape: another project holds the name --------
rm -rf "$WORK/state"
start_sandbox
write_jira_config "$cfg"
lead=$(curl -s -u "envsetup@acme.example:$token" \
  "$SANDBOX_URL/jira/rest/api/3/user/search?query=support-lead@acme.example" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["accountId"])')
curl -s -o /dev/null -u "envsetup@acme.example:$token" -H 'Content-Type: application/json' \
  -d "{\"key\":\"OTHER\",\"name\":\"Acme Support\",\"projectTypeKey\":\"service_desk\",\"projectTemplateKey\":\"com.atlassian.servicedesk:simplified-it-service-management\",\"leadAccountId\":\"$lead\"}" \
  "$SANDBOX_URL/jira/rest/api/3/project"
es apply "$cfg" --env uat --max-poll-interval 100
[ "$RC" != 0 ] && [ "$RC" != 2 ] || fail "a project name held by another project passed"
grep -q "create project ACME: Jira says a project named \"Acme Support\" already exists" "$WORK/out" "$WORK/err" ||
  fail "the name conflict is not explained"
count_is project 1 "name conflict: "
stop_sandbox

# ---- SIGKILL in each create window, then ONE apply -----------------------
# hook (jira:state key), sandbox kind, how many the converged run holds
kills=(
  "project_id project 1"
  "organization_id organization 1"
  "customer: customer 2"
  "made:agent: role_actor 2"
)
for k in "${kills[@]}"; do
  read -r key kind want <<<"$k"
  rm -rf "$WORK/state"
  start_sandbox
  write_jira_config "$cfg"
  ENVSETUP_TEST_KILL_BEFORE_PUT="jira:$key" "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
    apply "$cfg" --env uat --max-poll-interval 100 >"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
  [ "$rc" = 137 ] || fail "jira:$key: the kill hook did not fire (exit $rc)"
  apply_converges "killed at jira:$key"
  count_is "$kind" "$want" "killed at jira:$key: "
  es plan "$cfg" --env uat; expect_rc 0
  stop_sandbox
done

# ---- a rejected token names api_token and holds the rest -----------------
rm -rf "$WORK/state"
start_sandbox
write_jira_config "$cfg"
JIRA_API_TOKEN=wrong-token es apply "$cfg" --env uat --max-poll-interval 100
[ "$RC" != 0 ] && [ "$RC" != 2 ] || fail "a wrong token passed"
grep -q "api_token" "$WORK/out" "$WORK/err" || fail "the wrong token is not blamed on api_token"
count_is project 0 "rejected token: "

# ---- no secret anywhere ---------------------------------------------------
rm -rf "$WORK/state"
es -vv check "$cfg" --env uat
es -vv plan "$cfg" --env uat
es -vv apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
es -vv status "$cfg" --env uat
es -vv report "$cfg" --env uat
grep -q "Authorization: \*\*\*" "$WORK/all-output" || fail "no masked trace seen: -vv traces missing?"
basic=$(printf 'envsetup@acme.example:%s' "$token" | base64 -w0)
hits=0
for h in "$WORK/all-output" "$WORK/killed.out" $(find "$WORK/state" -type f); do
  if grep -qF -e "$token" -e "$basic" "$h"; then
    echo "secret found in $h" >&2
    hits=$((hits + 1))
  fi
done
[ "$hits" = 0 ] || fail "$hits files hold the API token"
echo "PASS [$TEST_NAME]"

#!/usr/bin/env bash
# The sidekiq plugin end to end through the real binary and loader, with no
# provider at all: plan (one login per component to generate), apply
# (exit 2: the admin-access gate waits for a person), the passwords kept
# in the 0600 secrets file and nowhere else, the same passwords after a
# second apply, after a kill between the generation and the state record,
# and after a new user name; status lists the user names and masks the
# passwords; destroy keeps the logins.
. "$(dirname "$0")/lib.sh"

cfg="$WORK/acme.cfg"
write_config() { # USERNAME
  cat >"$cfg" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.3"; title = "Sidekiq"; plugins = [ "sidekiq" ]; }
);
plugins = {
  sidekiq = {
    components = [ "connec", "impac" ];
    username = "$1";
  };
};
CFG
}

# The generated password of COMPONENT, from the secrets file.
password() {
  python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "password:" + sys.argv[2] and isinstance(v, str):
                print(v); sys.exit(0)
            walk(v)
walk(d)
sys.exit(1)' "$WORK/state/uat/secrets.json" "$1"
}

write_config sidekiq-admin
es check "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env uat; expect_rc 2
grep -q "sidekiq_login connec" "$WORK/out" || fail "plan does not list the connec login"
grep -q "sidekiq_login impac" "$WORK/out" || fail "plan does not list the impac login"
[ ! -e "$WORK/state/uat/secrets.json" ] || fail "plan generated a password"

es apply "$cfg" --env uat; cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"
expect_rc 2
grep -q "admin_access" "$WORK/out" || fail "apply does not show the admin gate"
p_connec=$(password connec) || fail "no connec password in the secrets file"
p_impac=$(password impac) || fail "no impac password in the secrets file"
[ "${#p_connec}" = 32 ] || fail "the connec password has ${#p_connec} characters, wanted 32"
[ "$p_connec" != "$p_impac" ] || fail "two components got the same password"
[ "$(stat -c %a "$WORK/state/uat/secrets.json")" = 600 ] || fail "secrets.json is not 0600"

es plan "$cfg" --env uat; cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"
expect_rc 0
es apply "$cfg" --env uat -vv; cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"
expect_rc 2
[ "$(password connec)" = "$p_connec" ] || fail "a re-run rotated the connec password"

es status "$cfg" --env uat; cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"
expect_out "sidekiq.username:connec = sidekiq-admin"
expect_out "sidekiq.password:connec = (secret"

# A kill after the password is generated and before the login is
# recorded: the next apply records the same password.
rm -rf "$WORK/state"
ENVSETUP_TEST_KILL_BEFORE_PUT=sidekiq:login:impac "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
  apply "$cfg" --env uat >"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
cat "$WORK/killed.out" >>"$WORK/all-output"
[ "$rc" = 137 ] || fail "the kill hook did not fire (exit $rc)"
killed=$(password impac) || fail "the killed run kept no impac password"
es apply "$cfg" --env uat; cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"
expect_rc 2
[ "$(password impac)" = "$killed" ] || fail "the resumed run made a second impac password"
p_connec=$(password connec)

# A new user name is an update; the password stays.
write_config ops-sidekiq
es plan "$cfg" --env uat; expect_rc 2
grep -q "sidekiq-admin -> ops-sidekiq" "$WORK/out" || fail "plan does not show the new user name"
es apply "$cfg" --env uat; cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"
expect_rc 2
[ "$(password connec)" = "$p_connec" ] || fail "a new user name rotated the password"
es plan "$cfg" --env uat; expect_rc 0

# Teardown has nothing to remove at a provider: the logins are kept.
es destroy "$cfg" --env uat --yes; cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"
[ "$RC" = 0 ] || fail "destroy exited $RC"

expect_no_secret "$p_connec" "$(password impac)"
echo "sidekiq: ok"

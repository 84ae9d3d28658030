#!/usr/bin/env bash
# The eway plugin end to end against the sandbox's eWAY fake, through the
# real binary and loader, with its own customer file: check, plan (0: it
# creates nothing), apply
# (the manual gates wait for a person), plan (0), apply again with nothing
# new; status shows every item of checklist 4.6 and the published
# eway_login values; fault runs (429 with and without Retry-After, 5xx,
# reset, malformed bodies, eWAY's error codes in a 200) converge or fail
# cleanly naming eWAY and the request; a SIGKILL while the search is in
# flight, then ONE apply; rejected keys; teardown sends nothing; and a -vv
# run whose every output is searched for every secret.
#
# The plugin creates nothing, so it never puts a state key: there is no
# create window for ENVSETUP_TEST_KILL_BEFORE_PUT, and the kill lands in
# its only request window instead (the barrier holds the answer).
. "$(dirname "$0")/lib.sh"

export EWAY_API_KEY=sandbox-eway-key-0001
export EWAY_API_PASSWORD=sandbox-eway-password-0001
SEARCH="GET /eway/Search/Settlement"

write_eway_config() { # FILE
  cat >"$1" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
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
    username = "payments@acme.example";
    admins = [ "finance-lead@acme.example" ];
    environments = {
      uat = { gateway_mode = "sandbox"; };
    };
  };
};
CFG
}

cfg="$WORK/acme.cfg"
apply() { es apply "$cfg" --env uat "$@"; }

# The check ran and published, and the run converged (exit 2: the manual
# gates wait for a person).
converged() { # context
  [ "$RC" = 2 ] || fail "$1: apply exited $RC"
  grep -E "eway:verify_credentials +done" "$WORK/out" >/dev/null || fail "$1: verify_credentials not done"
}

fresh() { # sandbox args...
  stop_sandbox
  rm -rf "$WORK/state"
  start_sandbox "$@"
  write_eway_config "$cfg"
}

# The searches the sandbox answered (its --record log).
searches() { grep -c '"/eway/Search/Settlement"' "$WORK/sandbox.record" || true; }

# ---- plan, apply, then nothing left to do --------------------------------
fresh --record "$WORK/sandbox.record"
es check "$cfg" --env uat; expect_rc 0
# Nothing to create: the first plan already has no change (exit 0), the
# check in place and the two gates waiting for a person.
es plan "$cfg" --env uat; expect_rc 0
expect_out "eway:verify_credentials"
expect_out "2 waiting for a person"
apply
converged "first apply"
es plan "$cfg" --env uat; expect_rc 0
apply
converged "second apply"
grep -E "eway:verify_credentials +done +no changes" "$WORK/out" >/dev/null ||
  fail "the second apply changed something"
es status "$cfg" --env uat; expect_rc 0
for t in verify_credentials enable_payment_methods invite_admins; do
  expect_out "eway:$t"
done
expect_out "eway.eway_login = 87654321"
expect_out "eway.eway_username = payments@acme.example"
expect_out "eway.gateway_mode = sandbox"
[ "$(searches)" -ge 1 ] || fail "no search reached the fake"

# ---- teardown: nothing is envsetup's to remove ---------------------------
es plan "$cfg" --env uat --destroy; expect_rc 0
before=$(searches)
es destroy "$cfg" --env uat --yes
[ "$RC" = 0 ] || fail "destroy exited $RC"
[ "$(searches)" = "$before" ] || fail "destroy called eWAY"

# ---- faults: converge, or fail cleanly naming eWAY and the request ------
faults=(
  "429:$SEARCH:count=2,retry-after=1"
  "429:$SEARCH:count=3"
  "503:$SEARCH:count=2"
  "500:$SEARCH:nth=1"
  "502:$SEARCH:nth=2"
  "reset:$SEARCH:nth=1"
  "malformed:$SEARCH:nth=1"
  "malformed:$SEARCH:nth=2"
)
for f in "${faults[@]}"; do
  fresh --faults "$f"
  apply
  converged "fault $f"
  es plan "$cfg" --env uat; expect_rc 0
done

# eWAY's own error in a 200: S5029 ("API Rate Limit Exceeded") is retried
# and the run converges; any other code fails cleanly naming it.
SANDBOX_EWAY_ERRORS=S5029:2 fresh
apply
converged "S5029 in a 200"
SANDBOX_EWAY_ERRORS=S5000:1000 fresh
apply
[ "$RC" = 4 ] || fail "eWAY error S5000: exit $RC, wanted 4"
grep -q "eWAY answered error S5000" "$WORK/out" "$WORK/err" || fail "the failure does not name eWAY's code"
grep -q "Search/Settlement" "$WORK/out" "$WORK/err" || fail "the failure does not name the request"

# An answer that never parses: a clean failure naming eWAY and the request.
fresh --faults "malformed:$SEARCH:p=1"
apply
[ "$RC" = 4 ] || fail "an answer that never parses: exit $RC, wanted 4"
grep -q "eWAY" "$WORK/out" "$WORK/err" || fail "the failure does not name eWAY"
grep -q "Search/Settlement" "$WORK/out" "$WORK/err" || fail "the failure does not name the request"

# ---- SIGKILL while the search is in flight, then ONE apply --------------
fresh
barrier_arm "after:$SEARCH"
es_bg apply "$cfg" --env uat -p 1
kill_at_barrier
apply
converged "killed during the search"
es plan "$cfg" --env uat; expect_rc 0

# ---- rejected keys: a 401 blames api_password -----------------------------
fresh
EWAY_API_PASSWORD=wrong-password es apply "$cfg" --env uat; expect_rc 4
expect_err "api_password"
grep -q "eWAY" "$WORK/out" "$WORK/err" || fail "the failure does not name eWAY"
expect_out "blocked"

# ---- no secret in any output ----------------------------------------------
key="ew-key-Zq8-$$-$RANDOM"
password="ew-pass-Zq8secretVALUE-$$-$RANDOM"
export EWAY_API_KEY=$key EWAY_API_PASSWORD=$password
export SANDBOX_EWAY_API_KEY=$key SANDBOX_EWAY_API_PASSWORD=$password
fresh
: >"$WORK/all-output"
es -vv check "$cfg" --env uat
es -vv plan "$cfg" --env uat
es -vv apply "$cfg" --env uat; expect_rc 2
es -vv plan "$cfg" --env uat --json; expect_rc 0
es -vv status "$cfg" --env uat
es -vv status "$cfg" --env uat --json
es -vv report "$cfg" --env uat; expect_rc 0
grep -q "Search/Settlement" "$WORK/all-output" || fail "no -vv trace of the search"
expect_no_secret "$key" "$password" "$(printf '%s:%s' "$key" "$password" | base64 -w0)"
echo "PASS [$TEST_NAME]"

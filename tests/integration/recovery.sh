#!/usr/bin/env bash
# The recovery commands (docs/recovery.md) against the sandbox:
# - a run killed after the provider made a domain leaves an open intent;
#   `state show` lists it; `state resolve` settles it as checked by hand;
#   the next apply converges with no duplicate;
# - `state resolve --as forget` drops a recorded id: plan finds the
#   resource at the provider and apply records it again, no duplicate;
# - `state force-unlock` refuses a wrong id and a live holder, and removes
#   the lock of a holder that is gone;
# - resolve is refused while a run holds the lock;
# - every hand change is in state.json's operator log with --by, and no
#   secret value reaches any output.
. "$(dirname "$0")/lib.sh"

cfg="$WORK/acme.cfg"
mg=mail.uat.acme.example
start_sandbox --async-polls 2
write_acme_config "$cfg"

# The lock's id as its error names it: PID@HOST@STARTED.
lock_id() { state_lock_id uat; }
# The ids of the open intents of TASK, from state show --json.
open_intents() { # TASK
  es state show "$cfg" --env uat --json
  expect_rc 0
  python3 -c 'import json,sys; print(" ".join(str(int(i["id"])) for i in json.load(open(sys.argv[1]))["intents"] if i["ref"]==sys.argv[2]))' \
    "$WORK/out" "$1"
}
operator_log() {
  es state show "$cfg" --env uat --json
  python3 -c 'import json,sys; print("\n".join("%s %s %s" % (e["action"], e["by"], e["target"]) for e in json.load(open(sys.argv[1])).get("operator_log", [])))' \
    "$WORK/out"
}

# 1. Killed after Mailgun made the domain, before its answer came back.
barrier_arm "after:POST /mailgun/v4/domains"
es_bg apply "$cfg" --env uat --max-poll-interval 100 -p 1
kill_at_barrier
dead_id=$(lock_id)

es state show "$cfg" --env uat
expect_rc 0
expect_out "open intents"
expect_out "mailgun:create_domain  POST"
expect_out "/mailgun/v4/domains"
ids=$(open_intents mailgun:create_domain)
[ -n "$ids" ] || fail "state show --json lists no open intent of mailgun:create_domain"
es state show "$cfg" --env uat mailgun:create_domain
expect_rc 0
expect_out "mailgun:create_domain"
es state show "$cfg" --env uat nosuchplugin
expect_rc 1
expect_err "nothing in the state"

# 2. The lock left behind: a wrong id is refused, the right one removes it.
es state force-unlock "$cfg" --env uat "1@nohost@2000-01-01T00:00:00Z" --by carol
expect_rc 3
expect_err "is not the id of the lock"
[ "$(lock_id)" = "$dead_id" ] || fail "a refused force-unlock changed the lock"
es state force-unlock "$cfg" --env uat "$dead_id"
expect_rc 64
es state force-unlock "$cfg" --env uat "$dead_id" --by carol
expect_rc 0
expect_out "removed the lock of pid ${dead_id%%@*}"
[ -z "$(lock_id)" ] || fail "force-unlock left the holder: $(lock_id)"
es state force-unlock "$cfg" --env uat "$dead_id" --by carol
expect_rc 1
expect_err "nothing to remove"

# 3. The operator checked Mailgun by hand: settle the intent.
for id in $ids; do
  es state resolve "$cfg" --env uat "$id" --by alice
  expect_rc 0
  expect_out "settled by alice"
done
es state resolve "$cfg" --env uat "${ids%% *}" --by alice
expect_rc 1
expect_err "no open intent"
[ -z "$(open_intents mailgun:create_domain)" ] || fail "resolve left the intent open"
es apply "$cfg" --env uat --max-poll-interval 100
[ "$RC" -eq 2 ] || fail "apply after resolve did not converge (exit $RC)"
[ "$(resources_count mailgun domain)" = 1 ] || fail "apply after resolve made a second domain"

# 4. Forget the recorded id: plan finds the domain, apply records it again.
es state show "$cfg" --env uat mailgun:domain_id
expect_rc 0
expect_out "mailgun:domain_id = "
es state resolve "$cfg" --env uat mailgun:domain_id --by bob --as forget
expect_rc 0
expect_out "forgotten by bob"
es state show "$cfg" --env uat mailgun:domain_id
expect_rc 0 # the operator log still names it
expect_out "forget by bob: mailgun:domain_id was "
! grep -qF "mailgun:domain_id = " "$WORK/out" || fail "forget left the id recorded"
es plan "$cfg" --env uat --only mailgun
expect_rc 2
expect_out "found at the provider: record its id"
es apply "$cfg" --env uat --max-poll-interval 100
[ "$RC" -eq 2 ] || fail "apply after forget did not converge (exit $RC)"
[ "$(resources_count mailgun domain)" = 1 ] || fail "apply after forget made a second domain"
es state show "$cfg" --env uat mailgun:domain_id
expect_rc 0
es plan "$cfg" --env uat
expect_rc 0

# 5. A live run holds the lock: resolve and force-unlock are refused;
#    once it is gone, its lock is removed.
barrier_arm "before:GET /mailgun/v4/domains"
es_bg plan "$cfg" --env uat --only mailgun
barrier_wait held "$ES_PID"
live_id=$(lock_id)
[ "${live_id%%@*}" = "$ES_PID" ] || fail "the lock names ${live_id%%@*}, not the plan $ES_PID"
"$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" state resolve "$cfg" --env uat mailgun:domain_id \
  --by bob --as forget >"$WORK/locked.out" 2>&1 && rc=0 || rc=$?
cat "$WORK/locked.out" >>"$WORK/all-output"
[ "$rc" = 3 ] || fail "resolve under a live lock: exit $rc, not 3"
grep -qF "lock id $live_id" "$WORK/locked.out" || fail "the lock error does not name the lock id: $(cat "$WORK/locked.out")"
"$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" state force-unlock "$cfg" --env uat "$live_id" \
  --by carol >"$WORK/locked.out" 2>&1 && rc=0 || rc=$?
cat "$WORK/locked.out" >>"$WORK/all-output"
[ "$rc" = 3 ] || fail "force-unlock of a live holder: exit $rc, not 3"
grep -qF "is alive on this host" "$WORK/locked.out" || fail "force-unlock refused without saying why: $(cat "$WORK/locked.out")"
[ "$(lock_id)" = "$live_id" ] || fail "a refused force-unlock changed the lock"
kill_at_barrier
es state force-unlock "$cfg" --env uat "$live_id" --by carol
expect_rc 0

# 6. Every hand change is on record with who made it.
log=$(operator_log)
for want in "force-unlock carol $dead_id" "resolve alice ${ids%% *}" \
  "forget bob mailgun:domain_id" "force-unlock carol $live_id"; do
  grep -qxF "$want" <<<"$log" || fail "operator log lacks '$want': $log"
done
grep -q "settled by alice" "$WORK/state/uat/envsetup.log" || fail "the run log lacks the resolve"
es state show "$cfg" --env uat --json
expect_rc 0
expect_out '"operator_log"'

# Secret outputs stay masked in show; no secret value anywhere.
# (Sealed in PostgreSQL: state_pg.sh looks for them in a dump instead.)
secrets=""
if [ "${ENVSETUP_TEST_STATE_BACKEND:-file}" = file ]; then
  secrets=$(secret_values "$WORK/state/uat/secrets.json")
  [ -n "$secrets" ] || fail "no secret in secrets.json to look for"
fi
es state show "$cfg" --env uat
expect_out "*** (secret, in secrets.json)"
# shellcheck disable=SC2086
expect_no_secret "$MAILGUN_API_KEY" "$AWS_SECRET_ACCESS_KEY" "$GODADDY_API_SECRET" $secrets
echo "recovery: killed run's intent shown, resolved by hand and converged; forgotten id found and recorded again; force-unlock refused a wrong id and a live holder, removed a dead one; $(wc -l <<<"$log") hand changes on record; no secret in any output"

#!/usr/bin/env bash
# A state or journal write that fails (here: a file-size limit, RLIMIT_FSIZE
# with SIGXFSZ ignored, so writes past 2 KiB fail with EFBIG as on a full
# disk) fails the task with the reason, never silently: no task is shown
# done, or a confirmation acknowledged, that the state does not hold.
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
start_sandbox
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"

limited() { # ARGS...: es with writes past 2 KiB failing
  set +e
  (trap '' XFSZ; ulimit -f 2
   exec "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" "$@" >"$WORK/out" 2>"$WORK/err")
  RC=$?
  set -e
  [ "$RC" -lt 128 ] || fail "crashed (exit $RC)"
}

# -p 1: one task at a time, so the journal fills at the same task each run.
limited apply "$cfg" --env uat --only mailgun -p 1 --max-poll-interval 10
expect_rc 4
grep -E '^\[[^]]*\] +mailgun:[a-z_]+ +failed .*state: File too large' "$WORK/out" >/dev/null ||
  fail "no task failed with the state's reason"

# What apply showed done is what the state holds done, task by task.
shown_done=$(awk '/^\[/ && $3 == "done" { print $2 }' "$WORK/out" | sort)
es status "$cfg" --env uat
recorded_done=$(awk '$1 == "done" { print $2 }' "$WORK/out" | sort)
[ "$shown_done" = "$recorded_done" ] ||
  fail "apply showed done: [$shown_done] but the state holds done: [$recorded_done]"

# Without the limit one apply converges.
es apply "$cfg" --env uat --only mailgun -p 1 --max-poll-interval 10
[ "$RC" -eq 0 ] || [ "$RC" -eq 2 ] || fail "apply after the write failure: exit $RC"

# A confirmation that cannot be written is refused, not acknowledged.
big=$(head -c 3000 /dev/zero | tr '\0' x)
limited confirm "$cfg" checklist:vpn_access --env uat --by "$big"
expect_rc 4
expect_err "could not record the confirmation: state: File too large"
grep -q "confirmed" "$WORK/out" && fail "an unrecorded confirmation was acknowledged"
echo "state_write_failures: all checks passed"

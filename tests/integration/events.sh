#!/usr/bin/env bash
# `--output json`: plan, apply and destroy as newline-delimited JSON events
# (docs/events.md). Every line validates against docs/events.schema.json,
# run_start comes first and the summary last, each task starts before it
# ends, the summary's counts are the text summary's, and no secret value is
# printed. Then the terminal: a live line per running task above the final
# lines, and none of it when stdout is not a terminal or with --no-color.
. "$(dirname "$0")/lib.sh"

schema="$ES_SOURCE_DIR/docs/events.schema.json"
check="$ES_SOURCE_DIR/tests/integration/events_check.py"
cfg="$WORK/acme.cfg"

# The counts of a text summary, named as in the events' summary.
plan_counts() {
  sed -nE 's/^Plan: ([0-9]+) to create, ([0-9]+) to update, ([0-9]+) to delete, ([0-9]+) known only after apply, ([0-9]+) to resume or record; ([0-9]+) in place; ([0-9]+) waiting for a person; ([0-9]+) blocked; ([0-9]+) failed\.$/{"blocked": \8, "create": \1, "delete": \3, "failed": \9, "in_place": \6, "resume": \5, "unknown": \4, "update": \2, "waiting_for_person": \7}/p' "$1"
}
apply_counts() {
  sed -nE 's/^Apply: ([0-9]+) done \(([0-9]+) changed\), ([0-9]+) failed, ([0-9]+) waiting for a person, ([0-9]+) blocked\.$/{"blocked": \5, "changed": \2, "done": \1, "failed": \3, "waiting_for_person": \4}/p' "$1"
}
events_ok() { # COMMAND: check $WORK/out, the counts in $WORK/counts
  python3 "$check" "$schema" "$WORK/out" "$1" >"$WORK/counts" || fail "$1 --output json: events do not hold (above)"
}

# ---- the terminal -------------------------------------------------------
# A fresh sandbox whose AWS account takes polls to create: the live line of
# aws:create_account shows the plugin's status while it waits, whatever the
# timing (the line is drawn when the status changes, not by the clock).
start_sandbox --async-polls 3
write_acme_config "$cfg"
tty_run() { # ARGS...: envsetup on a pseudo-terminal, output in $WORK/tty
  local cmd
  cmd=$(printf '%q ' "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" "$@")
  set +e
  script -qec "$cmd" /dev/null >"$WORK/tty" 2>&1
  RC=$?
  set -e
  cat "$WORK/tty" >>"$WORK/all-output"
  # What each line says, without the cursor moves and erases.
  sed -E 's/\x1b\[[0-9]*[A-Z]//g; s/\r//g' "$WORK/tty" >"$WORK/tty.text"
}
tty_run apply "$cfg" --env uat --max-poll-interval 100
expect_rc 2
esc=$(printf '\033')
grep -aqE "${esc}\[1A.${esc}\[2K" "$WORK/tty" || fail "no live line is erased in place on a terminal"
grep -aqE '^\[1\] +aws:create_account +account creation.* \.\.\. [0-9]+s$' "$WORK/tty.text" ||
  fail "no live line shows aws:create_account's status and elapsed time"
grep -aqE '^\[1\] +aws:create_account +account creation.* \(poll [0-9]+\) \.\.\. [0-9]+s$' "$WORK/tty.text" ||
  fail "no live line shows aws:create_account's polls"
grep -aqE '^\[1\] +aws:create_account +done +changed' "$WORK/tty.text" || fail "no final line for aws:create_account"
grep -aqE '^Apply: [0-9]+ done \([0-9]+ changed\)' "$WORK/tty.text" || fail "no summary on a terminal"
# The final line is the summary's help, not a live line left behind.
tail -n 1 "$WORK/tty.text" | grep -aq '^Items waiting for a person' || fail "the terminal does not end with the summary"

# --no-color and -q: plain lines, as when stdout is not a terminal.
tty_run apply "$cfg" --env uat --no-color
expect_rc 2
grep -aq "${esc}" "$WORK/tty" && fail "--no-color still draws live lines"
grep -aqE '^Apply: ' "$WORK/tty.text" || fail "no summary with --no-color"
tty_run apply "$cfg" --env uat -q
grep -aq "${esc}" "$WORK/tty" && fail "-q still draws live lines"
es apply "$cfg" --env uat
grep -q "${esc}" "$WORK/out" && fail "live lines when stdout is not a terminal"
stop_sandbox
rm -rf "$WORK/state"

# ---- the events ---------------------------------------------------------
start_sandbox --async-polls 2
write_acme_config "$cfg"
es plan "$cfg" --env uat --output json; expect_rc 2
events_ok plan
es plan "$cfg" --env uat; expect_rc 2
[ "$(plan_counts "$WORK/out")" = "$(cat "$WORK/counts")" ] ||
  fail "plan's events count $(cat "$WORK/counts"), its text $(plan_counts "$WORK/out")"

es apply "$cfg" --env uat --output json --max-poll-interval 100; expect_rc 2
cp "$WORK/out" "$WORK/apply.events"
events_ok apply
grep -q '"event":"task_progress","task":"aws:create_account"' "$WORK/apply.events" ||
  fail "no progress of the long-running aws:create_account"
grep -q '"event":"gate_waiting"' "$WORK/apply.events" || fail "no gate_waiting event"
grep -q '"event":"output","plugin":"mailgun","name":"smtp_password","secret":true}' "$WORK/apply.events" ||
  fail "the secret output smtp_password is not announced, or not without its value"
grep -q '"event":"output","plugin":"mailgun","name":"smtp_host","secret":false,"value":"' "$WORK/apply.events" ||
  fail "a plain output is announced without its value"
grep -q '^{' "$WORK/err" && fail "events on stderr"
password=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"]["mailgun"]["smtp_password"])' \
  "$WORK/state/uat/secrets.json")

# Once converged, the same apply twice: its text and its events agree.
es apply "$cfg" --env uat; expect_rc 2
text=$(apply_counts "$WORK/out")
es apply "$cfg" --env uat --output json; expect_rc 2
events_ok apply
[ -n "$text" ] && [ "$text" = "$(cat "$WORK/counts")" ] ||
  fail "apply's events count $(cat "$WORK/counts"), its text $text"

# Destroy, and the usage rules of --output.
es destroy "$cfg" --env uat --yes --output json
events_ok destroy
grep -q '"event":"task_end","task":"mailgun:[a-z_]*","section":"[^"]*","state":"removed"' "$WORK/out" ||
  fail "destroy's events show no removed task"
es status "$cfg" --env uat --output json; expect_rc 64
es apply "$cfg" --env uat --output json --json; expect_rc 64

expect_no_secret "$password" "$MAILGUN_API_KEY" "$AWS_SECRET_ACCESS_KEY" "$GODADDY_API_SECRET" "$EWAY_API_PASSWORD" \
  "$INTERCOM_ACCESS_TOKEN"
echo "events: ok"

#!/usr/bin/env bash
# Ctrl-C (SIGINT) during apply stops it promptly and cleanly: exit 4 with
# "interrupted", the lock released, nothing left half-recorded; the next
# apply resumes and converges in one run with no duplicate.
#
# The interrupt lands while a chosen change request is in flight: the
# sandbox's barrier holds it and says so. Once envsetup has taken the
# signal, the barrier lets the reply go, as a provider would answer, and
# envsetup must stop without starting the rest of the run.
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
cfg="$WORK/acme.cfg"

# Waits until PID has taken SIGINT off its pending sets (its handler ran),
# or has exited.
sigint_taken() {
  local key val pending
  for _ in $(seq 1000); do
    pending=0
    while read -r key val; do
      case $key in SigPnd: | ShdPnd:) pending=$((pending | 0x$val)) ;; esac
    done <"/proc/$1/status" 2>/dev/null || return 0
    [ $((pending & 2)) = 0 ] && return 0
    sleep 0.01
  done
  fail "SIGINT still pending in $1 after 10 s"
}

# barrier spec | parallelism | a resource the run starts only after the
# held request's task, so none may exist after the interrupt. One task at
# a time, then the default (every plugin's tasks at once, so the signal
# reaches several workers).
cases=(
  "after:POST /aws/organizations:op=CreateAccount|-p 1|aws iam_user"
  "before:POST /mailgun/v4/domains||mailgun webhook"
)
stops=""
for c in "${cases[@]}"; do
  IFS='|' read -r spec par later <<<"$c"
  read -ra par <<<"$par"
  start_sandbox --async-polls 2
  rm -rf "$WORK/state"
  write_acme_config "$cfg"
  barrier_arm "$spec"
  es_bg apply "$cfg" --env uat --max-poll-interval 100 "${par[@]}"
  barrier_wait held "$ES_PID"
  kill -INT "$ES_PID"
  start=$(date +%s%N)
  sigint_taken "$ES_PID"
  curl -sf -X POST "$SANDBOX_URL/_sandbox/barrier/release" >/dev/null ||
    fail "'$spec': the barrier could not be released"
  es_bg_wait
  took_ms=$((($(date +%s%N) - start) / 1000000))
  expect_rc 4
  expect_err "interrupted: run apply again to resume"
  [ "$took_ms" -lt 5000 ] || fail "'$spec': took ${took_ms} ms to stop after SIGINT"
  # The held request was answered, and what follows it was not started.
  barrier_wait released
  [ "$(resources_count $later)" = 0 ] || fail "'$spec': $later made after the interrupt"

  # The lock was released: the next run does not wait for it.
  es apply "$cfg" --env uat --max-poll-interval 100
  [ "$RC" = 2 ] || fail "'$spec': one apply after the interrupt did not converge (exit $RC)"
  for pk in "mailgun domain" "mailgun credential" "aws account" "aws hosted_zone" \
    "godaddy certificate_order"; do
    [ "$(resources_count $pk)" = 1 ] || fail "'$spec': $pk created twice (or never)"
  done
  es plan "$cfg" --env uat; expect_rc 0
  stop_sandbox
  stops="$stops ${took_ms}ms"
done
echo "interrupt: ${#cases[@]} interrupts at their barrier, stopped in$stops after SIGINT, resumed in one apply without duplicates"

#!/usr/bin/env bash
# Ctrl-C (SIGINT) during apply stops it promptly and cleanly: exit 4 with
# "interrupted", the lock released, nothing left half-recorded; the next
# apply resumes and converges with no duplicate.
. "$(dirname "$0")/lib.sh"

# Every create takes 400 ms, so the interrupt lands mid-run.
start_sandbox --async-polls 2 --faults "slow:POST /mailgun:ms=400;slow:POST /aws:ms=400"
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"

"$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" apply "$cfg" --env uat --max-poll-interval 100 \
  >"$WORK/out" 2>"$WORK/err" &
pid=$!
sleep 0.8
kill -INT "$pid"
start=$(date +%s%N)
set +e; wait "$pid"; RC=$?; set -e
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 4
expect_err "interrupted: run apply again to resume"
[ "$took_ms" -lt 5000 ] || fail "took ${took_ms} ms to stop after SIGINT"

# The lock was released: the next run does not wait for it.
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
[ "$(resources_count mailgun domain)" = 1 ] || fail "duplicate domain after resume"
[ "$(resources_count aws account)" = 1 ] || fail "duplicate account after resume"
es plan "$cfg" --env uat; expect_rc 0
echo "interrupt: stopped ${took_ms} ms after SIGINT, resumed without duplicates"

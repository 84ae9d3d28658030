#!/usr/bin/env bash
# Two runs on one customer x environment: the second fails at once with
# exit 3 naming the holder (pid, host), or waits with --lock-timeout; a
# read-only status does not need the lock; another environment has its own.
. "$(dirname "$0")/lib.sh"

start_sandbox --async-polls 2 --faults "slow:POST /mailgun:ms=500;slow:POST /aws:ms=500"
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"

"$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" apply "$cfg" --env uat --max-poll-interval 100 \
  >"$WORK/first.out" 2>&1 &
first=$!
for _ in $(seq 100); do
  [ -n "$(state_lock_id uat)" ] && break
  sleep 0.05
done

es plan "$cfg" --env uat; expect_rc 3
expect_err "locked by pid $first"
es status "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env production --only mailgun; [ "$RC" -ne 3 ] || fail "production waited on uat's lock"

# With --lock-timeout the second run waits for the first and then works.
es apply "$cfg" --env uat --max-poll-interval 100 --lock-timeout 120; expect_rc 2
wait "$first" || true
[ "$(resources_count mailgun domain)" = 1 ] || fail "two runs made two domains"
echo "lock: second run refused with the holder named, waited with --lock-timeout, no duplicates"

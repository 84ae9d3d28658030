#!/usr/bin/env bash
# Chaos: kill apply with SIGKILL at seeded random moments (between and
# during mutating calls: the sandbox adds latency to every reply). Wherever
# the kill lands, ONE apply converges with no duplicate and no lost id, so
# no assertion depends on the timing. kill_windows.sh aims at the exact
# windows deterministically.
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
seeds=${CRASH_SEEDS:-12}
kills=0
mid_request=0
for seed in $(seq 1 "$seeds"); do
  # Odd seeds make every create slow, so the kill mostly lands while a
  # mutating request is in flight; even seeds spread it over the run.
  if [ $((seed % 2)) = 1 ]; then
    start_sandbox --async-polls 2 --latency-ms 20 --faults "slow:POST /mailgun:ms=250"
  else
    start_sandbox --async-polls 2 --latency-ms 40
  fi
  rm -rf "$WORK/state"
  cfg="$WORK/acme.cfg"
  write_acme_config "$cfg"
  # Deterministic per seed: a delay between 0 and 1.2 s.
  delay=$(python3 -c "import random; random.seed($seed); print(round(random.uniform(0, 1.2), 3))")
  "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" apply "$cfg" --env uat --max-poll-interval 100 \
    >"$WORK/killed.out" 2>&1 &
  pid=$!
  sleep "$delay"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null || true
  # One apply converges from wherever the kill landed: 2 means only the
  # manual gates wait; a loop of applies would hide an extra-apply bug.
  es apply "$cfg" --env uat --max-poll-interval 100 --lock-timeout 5
  resumed_mid_request=0
  grep -q "stopped during a change request" "$WORK/err" && resumed_mid_request=1
  [ "$RC" -eq 2 ] || fail "seed $seed (killed after ${delay}s): one apply did not converge (exit $RC)"
  for kind in domain credential; do
    n=$(resources_count mailgun $kind)
    [ "$n" = 1 ] || fail "seed $seed: $n ${kind}s after resume"
  done
  [ "$(resources_count mailgun template)" = 2 ] || fail "seed $seed: templates"
  for kind in account hosted_zone; do
    n=$(resources_count aws $kind)
    [ "$n" = 1 ] || fail "seed $seed: $n aws ${kind}s after resume"
  done
  n=$(resources_count godaddy certificate_order)
  [ "$n" = 1 ] || fail "seed $seed: $n certificate orders after resume"
  es plan "$cfg" --env uat; expect_rc 0
  stop_sandbox
  mid_request=$((mid_request + resumed_mid_request))
done
echo "crash_resume: $seeds seeds, $kills kills landed mid-run ($mid_request during a change request), all converged without duplicates"

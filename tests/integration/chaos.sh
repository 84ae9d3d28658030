#!/usr/bin/env bash
# Chaos, seeded: CHAOS_RUNS (default 56) runs of a customer with every
# plugin the sandbox fakes (chaos_customer.cfg), each SIGKILLed at a point
# its seed picks, half with -p 1 and half with -p 6, then ONE apply (same
# -p) must converge: exit 2 (only manual gates wait), no duplicate and
# nothing missing at the provider, no resource missing from the state, the
# state's keys those of a run never killed, and plan finds nothing to do
# (crash_lib.sh). The kill points, so that each kill provably lands in the
# window it names (never after a sleep):
#   barrier  a request of the unkilled run (a write, or the first read of
#            its kind), held by the sandbox's barrier before the provider
#            sees it or after it answered;
#   write    ENVSETUP_TEST_CRASHPOINT at a journal record or a state,
#            secrets or key file write (before or after its rename);
#   put      ENVSETUP_TEST_KILL_BEFORE_PUT at a state key of a plugin,
#            between the provider's answer and the recorded id.
# Every run prints its seed and where it was killed; CHAOS_SEED=S replays
# that run alone (the same -p, kind of kill and choice: under -p 6 a crash
# point's number can name another window, the order being the threads'),
# and CHAOS_BASE=B the whole series (seeds B .. B+RUNS-1). CHAOS_JOBS (default
# 3) runs at once, each worker with its sandbox.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crash_lib.sh"
example_fakes

started=$SECONDS
customer="$ES_SOURCE_DIR/tests/integration/chaos_customer.cfg"
poll=(--max-poll-interval 10)

# The unkilled run, -p 1: the reference, the requests it sends (for the
# barriers), its write points and the state keys it puts.
start_sandbox --async-polls 2 --record "$WORK/requests.jsonl"
cfg="$WORK/chaos.cfg"
write_acme_config "$cfg" "$customer"
ENVSETUP_TEST_CRASHPOINT=count es apply "$cfg" --env uat "${poll[@]}" -p 1
[ "$RC" -eq 2 ] || fail "the unkilled run: exit $RC, not 2"
cp "$WORK/err" "$WORK/counted"
python3 -c 'import json,sys
for p, kv in sorted(json.load(open(sys.argv[1]))["kv"].items()):
    for k in sorted(kv): print("%s:%s" % (p, k))' "$WORK/state/uat/state.json" >"$WORK/puts"
crash_reference "$cfg"
stop_sandbox
python3 - "$WORK/requests.jsonl" >"$WORK/barriers" <<'PY'
import json, re, sys, urllib.parse

def operation(r):
    """The AWS operation or GraphQL operation the barrier's op= matches
    (tests/sandbox/README.md), and whether it only reads."""
    target = r["headers"].get("X-Amz-Target", "")
    if target:
        op = target.rsplit(".", 1)[-1]
    else:
        form = urllib.parse.parse_qs(r["query"] + "&" + (r["body"] if not r["body_base64"] else ""))
        op = form.get("Action", [""])[0]
    if op:
        # AssumeRole only hands out credentials, like a token request.
        return op, op.startswith(("Get", "List", "Describe", "AssumeRole"))
    m = re.match(r'\s*(query|mutation)\s+(\w+)', json.loads(r["body"]).get("query", "")) \
        if r["path"].endswith("/graphql") else None
    if m:
        return m.group(2), m.group(1) == "query"
    # A token request changes nothing, and how many a run makes depends
    # on when its tokens expire and on the threads.
    if "/oauth2/" in r["path"]:
        return "", True
    # Mandrill sends every call as a POST and names its reads so.
    if r["path"].startswith("/mandrill/"):
        return "", r["path"].rsplit("/", 1)[-1] in ("info", "list", "ping", "domains", "check-domain")
    return "", r["method"] == "GET"

seen = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    m, p = r["method"], r["path"]
    op, reads = operation(r)
    seen.append((m, p, op))
    # The barrier counts the requests whose path starts with its own
    # (and of its operation).
    nth = sum(1 for sm, sp, so in seen if sm == m and sp.startswith(p) and so == op)
    # How often a plugin reads (looks up again, polls) can vary with the
    # timing; its writes, and its first read of each, are in every run.
    if reads and nth > 1:
        continue
    for when in ("before", "after"):
        print("%s:%s %s:%snth=%d" % (when, m, p, "op=%s," % op if op else "", nth))
PY
grep -n '^crashpoint [0-9]*: \(journal record\|file .*/state/\)' "$WORK/counted" |
  sed 's/^[0-9]*:crashpoint \([0-9]*\): .*/\1/' >"$WORK/writes"
for f in barriers writes puts; do
  [ -s "$WORK/$f" ] || fail "the unkilled run gave no $f to kill at"
done

runs=${CHAOS_RUNS:-56}
base=${CHAOS_BASE:-$((RANDOM * 32768 + RANDOM))}
if [ -n "${CHAOS_SEED:-}" ]; then
  seq "$CHAOS_SEED" "$CHAOS_SEED" >"$WORK/seeds"
else
  seq "$base" $((base + runs - 1)) >"$WORK/seeds"
  echo "chaos: $runs runs, seeds $base..$((base + runs - 1)) (CHAOS_BASE=$base replays them, CHAOS_SEED=S one)"
fi

pick() { # FILE NUMBER: a line of FILE, the NUMBERth modulo its length
  sed -n "$(($2 % $(wc -l <"$1") + 1))p" "$1"
}

chaos_run() { # SEED
  local seed=$1 jobs kind at draw
  # Drawn here, not in pick's $(...): bash reseeds RANDOM in a subshell.
  RANDOM=$seed
  draw=$RANDOM
  jobs=$((seed % 2 ? 6 : 1))
  kind=$(((seed / 2) % 3))
  # A new sandbox, not a reset: the fakes' ids start again (some of the
  # fake AWS's counters survive a reset), so the barriers' paths are the
  # reference run's.
  stop_sandbox
  start_sandbox --async-polls 2
  write_acme_config "$cfg" "$customer"
  rm -rf "$WORK/state"
  case $kind in
    0)
      at=$(pick "$top/barriers" "$draw")
      barrier_arm "$at"
      es_bg apply "$cfg" --env uat "${poll[@]}" -p "$jobs"
      kill_at_barrier
      at="barrier $at"
      ;;
    1)
      at=$(pick "$top/writes" "$draw")
      ENVSETUP_TEST_CRASHPOINT=$at es_bg apply "$cfg" --env uat "${poll[@]}" -p "$jobs"
      es_bg_wait
      [ "$RC" = 137 ] || fail "seed $seed: crash point $at not reached (exit $RC)"
      at=$(sed -n -e "s|$WORK/||g" -e 's|http://127\.0\.0\.1:[0-9]*||g' -e 's/: killed$//' -e 's/^crashpoint/write at crashpoint/p' "$WORK/err")
      ;;
    2)
      at=$(pick "$top/puts" "$draw")
      ENVSETUP_TEST_KILL_BEFORE_PUT=$at es_bg apply "$cfg" --env uat "${poll[@]}" -p "$jobs"
      es_bg_wait
      [ "$RC" = 137 ] || fail "seed $seed: the put of $at not reached (exit $RC)"
      at="put $at"
      ;;
  esac
  crash_resume_check "seed $seed (-p $jobs, $at)" "$cfg" --env uat "${poll[@]}" -p "$jobs"
  echo "chaos: seed $seed -p $jobs: killed at $at; converged in one apply"
  echo "$seed -p$jobs ${at%% *}" >>"$WORK/survived"
}

chaos_worker() { # WORKER JOBS: seeds W, W+JOBS, ...
  local i=0 seed
  cfg="$WORK/chaos.cfg"
  while read -r seed; do
    i=$((i + 1))
    [ $(((i - 1) % $2)) = "$1" ] || continue
    chaos_run "$seed"
  done <"$top/seeds"
}
top=$WORK
crash_workers "${CHAOS_JOBS:-3}" chaos_worker
crash_check_all
survived=$(cat "$WORK"/worker*/survived 2>/dev/null | wc -l || true)
[ "$survived" = "$(wc -l <"$WORK/seeds")" ] || fail "$survived runs survived of $(wc -l <"$WORK/seeds")"
tally=$(cat "$WORK"/worker*/survived | awk '{ n[$2]++; n[$3]++ } END { for (k in n) { printf "%s%s: %d", sep, k, n[k]; sep = ", " } }')
echo "chaos: $survived kills survived ($tally), each converged in one apply with no duplicate and no resource missing from state, in $((SECONDS - started)) s"

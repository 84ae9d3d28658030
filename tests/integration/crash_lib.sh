# Shared by the crash suites, crashpoints.sh and chaos.sh; source it after
# lib.sh. Each case is: a run killed at a chosen point, then ONE apply that
# must converge (exit 2: only manual gates wait), then crash_check.py
# against a run never killed (no duplicate, nothing missing, no lost id, the
# same state keys), then a plan that finds nothing to do.
#   crash_reference CFG            the unkilled run's expectations, from
#                                  the sandbox and state as they are now
#   crash_resume_check CASE CFG APPLY-ARGS...  the resume and plan; fails
#                                  naming CASE; keeps what crash_check_all
#                                  checks
#   crash_check_all                crash_check.py over every case kept
#   crash_workers JOBS FUNCTION    runs FUNCTION W JOBS in JOBS background
#                                  workers, each with its own $WORK and
#                                  sandbox (start_sandbox is theirs to call),
#                                  and fails if any failed
CRASH_CHECK="$ES_SOURCE_DIR/tests/integration/crash_check.py"
CRASH_REFERENCE="$WORK/reference.json"

crash_reference() { # CFG
  curl -s "$SANDBOX_URL/_sandbox/resources" >"$WORK/resources.json"
  python3 "$CRASH_CHECK" reference "$WORK/state/uat/state.json" \
    "$WORK/resources.json" "$CRASH_REFERENCE" || fail "no reference"
  es plan "$1" --env uat
  [ "$RC" -eq 0 ] || fail "plan after a run never killed finds changes (exit $RC)"
}

crash_resume_check() { # CASE CFG APPLY-ARGS...
  local case=$1 cfg=$2
  shift 2
  es apply "$cfg" "$@"
  [ "$RC" -eq 2 ] || fail "$case: one apply after the kill did not converge (exit $RC; 2 = manual gates wait)"
  CRASH_CASES=$((${CRASH_CASES:-0} + 1))
  local keep="$WORK/cases/$CRASH_CASES"
  mkdir -p "$keep"
  echo "$case" >"$keep/name"
  cp "$WORK/state/uat/state.json" "$keep/state.json"
  curl -s "$SANDBOX_URL/_sandbox/resources" >"$keep/resources.json" || fail "$case: no resource list"
  es plan "$cfg" --env uat
  [ "$RC" -eq 0 ] || fail "$case: plan after the resume finds changes (exit $RC)"
}

# A fresh provider and no state, for the next case: the sandbox forgets
# what the last case made (reset reseeds its accounts).
crash_fresh() {
  curl -s -X POST -o /dev/null "$SANDBOX_URL/_sandbox/reset" || fail "sandbox reset"
  rm -rf "$WORK/state"
}

crash_check_all() {
  python3 "$CRASH_CHECK" check "$CRASH_REFERENCE" "$WORK"/worker*/cases/* >"$WORK/check.out" ||
    fail "after a kill and one apply: $(cat "$WORK/check.out")"
  tail -n 1 "$WORK/check.out"
}

crash_workers() { # JOBS FUNCTION
  local jobs=$1 fn=$2 w pids=() failed=0 top=$WORK
  for ((w = 0; w < jobs; w++)); do
    (
      WORK="$top/worker$w"
      mkdir -p "$WORK"
      SANDBOX_PID=""
      trap stop_sandbox EXIT
      "$fn" "$w" "$jobs"
    ) &
    pids+=($!)
  done
  for w in "${!pids[@]}"; do
    wait "${pids[$w]}" || failed=$((failed + 1))
  done
  # What every worker printed and ran joins the suite's output.
  cat "$top"/worker*/all-output >>"$top/all-output" 2>/dev/null || true
  [ "$failed" = 0 ] || fail "$failed of $jobs workers failed (their FAIL lines above)"
}

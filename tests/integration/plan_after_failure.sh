#!/usr/bin/env bash
# After a failed apply, plan shows what each task would change, with the
# reason the last apply stored (never "x task failed: " or "blocked: " with
# nothing after it), and exits 2 (pending) as for any change.
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
start_sandbox --faults '500:POST /mailgun/v4/domains:count=100'
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"

es apply "$cfg" --env uat --only mailgun -p 1 --max-poll-interval 10; expect_rc 4
grep -qE '^\[[^]]*\] +mailgun:create_domain +failed .*injected 500' "$WORK/out" ||
  fail "create_domain did not fail on the injected 500"
grep -qE '^\[[^]]*\] +mailgun:upload_templates +blocked +waiting on mailgun:create_domain' "$WORK/out" ||
  fail "upload_templates was not blocked by create_domain"

es plan "$cfg" --env uat --only mailgun; expect_rc 2
grep -E '^  x .*: *$' "$WORK/out" && fail "a task is shown without its reason"
grep -qE '^  \+ mailgun:create_domain +domain mail.uat.acme.example' "$WORK/out" ||
  fail "plan does not show create_domain's change"
grep -qE '^    last apply: failed: .*injected 500' "$WORK/out" ||
  fail "plan does not show why the last apply failed"
grep -qE '^  [*+~] mailgun:upload_templates ' "$WORK/out" ||
  fail "plan does not show upload_templates as a change"
expect_out "last apply: blocked: waiting on mailgun:create_domain"
expect_out "0 blocked; 0 failed."

es plan "$cfg" --env uat --only mailgun --json; expect_rc 2
python3 - "$WORK/out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
tasks = {t["task"]: t for t in doc["tasks"]}
t = tasks["mailgun:create_domain"]
assert t["result"] == "changes", t
assert t["message"].startswith("last apply: failed: "), t
assert doc["summary"]["failed"] == 0, doc["summary"]
PY
echo "plan_after_failure: all checks passed"

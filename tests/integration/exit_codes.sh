#!/usr/bin/env bash
# Exit codes that must not hide one another: with several customer files an
# error wins over pending (docs/cli.md, Exit codes), and `confirm` refuses a
# manual item whose dependencies are not done, naming what it waits on.
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
SANDBOX_URL=http://127.0.0.1:9   # never contacted: check and confirm only
good="$WORK/good.cfg"
write_acme_config "$good"
es check "$good" --env uat; expect_rc 0

sed 's|  migration_needed = "no";||' "$good" >"$WORK/pending.cfg"
es check "$WORK/pending.cfg" --env uat; expect_rc 2
sed 's|    region = "us";|    region = "us";\n    domian = "x.example";|' "$good" >"$WORK/invalid.cfg"
es check "$WORK/invalid.cfg" --env uat; expect_rc 1

# Pending (2) never hides an invalid file (1), in either order.
es check "$WORK/pending.cfg" "$WORK/invalid.cfg" --env uat; expect_rc 1
es check "$WORK/invalid.cfg" "$WORK/pending.cfg" --env uat; expect_rc 1
es check "$good" "$WORK/pending.cfg" --env uat; expect_rc 2

# A manual item is signed off after what it depends on.
es confirm "$good" checklist:retire_old_customers --by "Jane Doe" --env uat
expect_rc 2
expect_err "checklist:retire_old_customers waits on checklist:dump_connec (pending), checklist:dump_mnohub (pending)"
grep -q "confirmed" "$WORK/out" && fail "confirmed an item whose dependencies are not done"
es confirm "$good" checklist:disconnect_accounts --by "Jane Doe" --env uat; expect_rc 0
es confirm "$good" checklist:dump_connec --by "Jane Doe" --env uat; expect_rc 0
es confirm "$good" checklist:retire_old_customers --by "Jane Doe" --env uat; expect_rc 2
expect_err "waits on checklist:dump_mnohub (pending): it can be confirmed once that is done"
es confirm "$good" checklist:dump_mnohub --by "Jane Doe" --env uat; expect_rc 0
es confirm "$good" checklist:retire_old_customers --by "Jane Doe" --env uat; expect_rc 0
expect_out "confirmed checklist:retire_old_customers by Jane Doe"
echo "exit_codes: all checks passed"

#!/usr/bin/env bash
# The loader refuses each broken fixture plugin with a precise reason and
# exit code 5, and accepts the good one; a dependency cycle is refused when
# a run builds its graph.
. "$(dirname "$0")/lib.sh"
: "${ES_ABI_FIXTURES:?}"

describe() { es plugins describe "$1" --plugin-dir "$ES_ABI_FIXTURES/$1"; }

describe good; expect_rc 0; expect_out "good 0.0.1"
describe too-new-minor; expect_rc 5; expect_err "built for ABI 2.3, core provides 2.2"
describe bad-major; expect_rc 5; expect_err "built for ABI 3.2, core provides 2.2"
describe small-struct; expect_rc 5; expect_err "smaller than ABI 2.0"
describe missing-callback; expect_rc 5; expect_err "has no function"
describe wrong-name; expect_rc 5; expect_err "names itself 'somebody-else'"
describe dup-task; expect_rc 5; expect_err "task 'same' declared twice"
describe undeclared-need; expect_rc 5; expect_err "needs key 'no_such_key'"
describe crash; expect_rc 5; expect_err "crashed while loading (signal 11"
describe missing; expect_rc 5; expect_err "no plugin named 'missing'"

# A symlinked plugin is refused.
mkdir -p "$WORK/links"
ln -s "$ES_ABI_FIXTURES/good/good.so" "$WORK/links/good.so"
es plugins describe good --plugin-dir "$WORK/links"; expect_rc 5; expect_err "symlinks are refused"

# The cycle fixture loads, but a run refuses its graph.
describe cycle; expect_rc 0
cat >"$WORK/cycle.cfg" <<CFG
customer = { id = "cyc"; name = "Cycle"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "x.example"; }; };
checklist = ( { section = "0"; title = "Fixtures"; plugins = [ "cycle" ]; } );
plugins = { cycle = { enabled = true; }; };
CFG
es check "$WORK/cycle.cfg" --plugin-dir "$ES_ABI_FIXTURES/cycle"; expect_rc 1
expect_err "dependency cycle: cycle:first -> cycle:second -> cycle:first"

# plugins list shows the good one and names each refusal.
mkdir -p "$WORK/mixed"
cp "$ES_ABI_FIXTURES/good/good.so" "$ES_ABI_FIXTURES/too-new-minor/too-new-minor.so" "$WORK/mixed/"
es plugins list --plugin-dir "$WORK/mixed"; expect_rc 5
expect_out "good"; expect_out "too-new-minor"; expect_out "built for ABI 2.3"
echo "abi: all checks passed"

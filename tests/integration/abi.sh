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
# A constructor that ends the program is a refusal, not "exit 0"; one that
# never returns is given up on (the probe's limit, 10 s), not waited for.
describe ctor-exit; expect_rc 5; expect_err "exited (status 0) while loading"
set +e
timeout -s KILL 60 "$ES_BIN" plugins describe ctor-hang --plugin-dir "$ES_ABI_FIXTURES/ctor-hang" \
  >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
[ "$RC" -ne 137 ] || fail "a plugin whose constructor hangs hung envsetup"
expect_rc 5; expect_err "did not finish loading within 10 s"

# A plugin, or its directory, that others may write or that another user
# owns is refused: it would run with the operator's credentials.
mkdir -p "$WORK/perm"; chmod 0755 "$WORK/perm"
cp "$ES_ABI_FIXTURES/good/good.so" "$WORK/perm/"; chmod 0755 "$WORK/perm/good.so"
es plugins describe good --plugin-dir "$WORK/perm"; expect_rc 0
chmod 0757 "$WORK/perm/good.so"
es plugins describe good --plugin-dir "$WORK/perm"; expect_rc 5
expect_err "refused: writable by everyone (mode 0757)"
# Group-writable is fine for the user's own group (Debian's user private
# groups and umask 002), refused for another group.
chmod 0775 "$WORK/perm/good.so"
es plugins describe good --plugin-dir "$WORK/perm"; expect_rc 0
other=$(getent group | awk -F: -v g="$(id -g)" '$3 != g { print $3; exit }')
if chgrp "$other" "$WORK/perm/good.so" 2>/dev/null; then
  es plugins describe good --plugin-dir "$WORK/perm"; expect_rc 5; expect_err "writable by its group"
  chgrp "$(id -g)" "$WORK/perm/good.so"
fi
chmod 0755 "$WORK/perm/good.so"; chmod 0777 "$WORK/perm"
es plugins describe good --plugin-dir "$WORK/perm"; expect_rc 5
expect_err "its directory $WORK/perm is writable by everyone"
chmod 0755 "$WORK/perm"
if [ "$(id -u)" = 0 ]; then
  chown 65534 "$WORK/perm/good.so"
  es plugins describe good --plugin-dir "$WORK/perm"; expect_rc 5; expect_err "owned by uid 65534"
fi

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

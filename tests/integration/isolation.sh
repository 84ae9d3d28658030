#!/usr/bin/env bash
# isolation = "process" (docs/plugin-abi.md): a plugin that segfaults,
# aborts, exits, hangs past task_timeout or breaks its cpu_limit or
# memory_limit fails only its own task, with the cause named; its other
# tasks run in a process started again, another plugin's tasks (mailgun,
# from the same directory) complete, the exit code is 4, the state keeps
# what was recorded before the fault, and an apply after the fix
# converges. In-process, the same fault takes the whole run down.
. "$(dirname "$0")/lib.sh"
: "${ES_ABI_FIXTURES:?}"

start_sandbox
# A directory of its own: not the bundled one, so process is the default.
mkdir -p "$WORK/plugins"
cp "$ES_PLUGIN_DIR/mailgun.so" "$ES_ABI_FIXTURES/misbehave/misbehave.so" "$WORK/plugins/"
chmod 755 "$WORK/plugins" "$WORK/plugins"/*.so

# $1: the fault; the rest: more settings of the misbehave block.
write_config() {
  local f=$1; shift
  cat >"$WORK/c.cfg" <<CFG
customer = { id = "acme"; name = "Acme"; state_dir = "$WORK/state-$f"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = ( { section = "0"; title = "Isolation"; plugins = [ "misbehave", "mailgun" ]; } );
plugins = {
  misbehave = { fault = "$f"; $*
  };
  mailgun = {
    api_url = "$SANDBOX_URL/mailgun"; api_key = "env:MAILGUN_API_KEY"; region = "us";
    domain = "mail.$f.acme.example"; admins = [ "ops-lead@acme.example" ];
  };
};
CFG
}

apply() {
  es apply "$WORK/c.cfg" --env uat -p 1 --max-poll-interval 100 --plugin-dir "$WORK/plugins" "$@"
}

# The state as the next run reads it: state.json and the journal after it.
state_has() {
  grep -rq "\"$2\"" "$1" || return 1
}

sanitized=0
grep -q '^ENVSETUP_SANITIZE:BOOL=ON' "${ES_BUILD_DIR:-/nonexistent}/CMakeCache.txt" 2>/dev/null && sanitized=1

check_fault() {
  local f=$1 cause=$2; shift 2
  write_config "$f" "$@"
  apply -v; expect_rc 4
  grep -E "misbehave:work +failed +.*$cause" "$WORK/out" >/dev/null ||
    fail "$f: misbehave:work did not fail with '$cause'"
  grep -E "misbehave:work.*$cause" "$WORK/err" >/dev/null ||
    fail "$f: the log does not name plugin, task and cause"
  grep -E "misbehave:prepare +done" "$WORK/out" >/dev/null || fail "$f: prepare not done"
  grep -E "misbehave:independent +done" "$WORK/out" >/dev/null ||
    fail "$f: the task after the fault did not run in a new process"
  expect_err "plugin process started again"
  grep -E "misbehave:after +blocked" "$WORK/out" >/dev/null || fail "$f: after not blocked"
  grep -E "mailgun:create_domain +done" "$WORK/out" >/dev/null || fail "$f: mailgun did not complete"
  state_has "$WORK/state-$f" prepared || fail "$f: the state lost what prepare recorded"
  # The fix: one apply converges, the next plan has nothing to do.
  write_config none "$@"
  sed -i "s|state-none|state-$f|; s|mail.none.|mail.$f.|" "$WORK/c.cfg"
  apply; expect_rc 2
  for t in prepare work independent after; do
    grep -E "misbehave:$t +done" "$WORK/out" >/dev/null || fail "$f: after the fix, $t not done"
  done
  es plan "$WORK/c.cfg" --env uat --plugin-dir "$WORK/plugins"; expect_rc 0
  expect_out "No changes"
}

check_fault segv 'plugin process killed by signal 11 \(Segmentation fault\)'
check_fault abort 'plugin process killed by signal 6 \(Aborted\)'
# Under a sanitizer, exit() runs its leak check, which may change the status.
exit_status=0
[ "$sanitized" = 0 ] || exit_status='[0-9]+'
check_fault exit "plugin process exited with status $exit_status during the call"
check_fault hang 'plugin process did not return within 1000 ms \(task_timeout\); killed' 'task_timeout = "1s";'
check_fault cpu 'plugin process killed by signal 24 \(CPU time limit exceeded\): cpu_limit of 1 s' 'cpu_limit = "1s";'
# A sanitizer's shadow memory does not fit under an address-space limit.
if [ "$sanitized" = 0 ]; then
  check_fault memory 'signal 6 \(Aborted\) \(its memory_limit is 64 MiB\)' 'memory_limit = 64;'
fi
[ "$(resources_count mailgun domain)" = 6 ] || [ "$sanitized" = 1 ] ||
  fail "expected one domain per run, got $(resources_count mailgun domain)"

# Until the background run's plugin logs that it is failing as $1.
wait_failing() {
  for _ in $(seq 600); do
    grep -q "failing as: $1" "$WORK/err" && return 0
    kill -0 "$ES_PID" 2>/dev/null || fail "$1: envsetup ended before the fault"
    sleep 0.05
  done
  fail "$1: the plugin never reached the fault"
}

# Ctrl-C while the plugin hangs (no task_timeout yet): the callback has
# 10 s to notice, then its process is killed and the run ends.
write_config interrupt 'task_timeout = "1h";'
sed -i 's/fault = "interrupt"/fault = "hang"/' "$WORK/c.cfg"
es_bg apply "$WORK/c.cfg" --env uat -p 1 -v --plugin-dir "$WORK/plugins"
wait_failing hang
kill -INT "$ES_PID"
es_bg_wait; expect_rc 4
expect_err "interrupted, and the plugin process did not return within 10 s; killed"

# The process started again loads the file the loader checked, even when
# the path names another one by then (here, a plugin of another name).
write_config swap "go_file = \"$WORK/go\";"
sed -i 's/fault = "swap"/fault = "go_segv"/' "$WORK/c.cfg"
cp "$WORK/plugins/misbehave.so" "$WORK/misbehave.so.orig"
es_bg apply "$WORK/c.cfg" --env uat -p 1 -v --plugin-dir "$WORK/plugins"
wait_failing go_segv
cp "$WORK/plugins/mailgun.so" "$WORK/swapped.so"
mv "$WORK/swapped.so" "$WORK/plugins/misbehave.so"
touch "$WORK/go"
es_bg_wait; expect_rc 4
grep -E "misbehave:independent +done" "$WORK/out" >/dev/null ||
  fail "swap: the process started again did not load the checked file"
mv "$WORK/misbehave.so.orig" "$WORK/plugins/misbehave.so"

# In-process, the plugin's crash is envsetup's: nothing after it runs,
# and the state still holds what came before; the fixed apply converges.
write_config inproc 'isolation = "in-process";'
sed -i 's/fault = "inproc"/fault = "segv"/' "$WORK/c.cfg"
apply
[ "$RC" != 0 ] && [ "$RC" != 2 ] && [ "$RC" != 4 ] || fail "in-process: the crash did not end the run (rc $RC)"
grep -E "misbehave:independent +done" "$WORK/out" >/dev/null && fail "in-process: the run went on"
state_has "$WORK/state-inproc" prepared || fail "in-process: the state lost what prepare recorded"
sed -i 's/fault = "segv"/fault = "none"/' "$WORK/c.cfg"
apply; expect_rc 2
grep -E "misbehave:work +done" "$WORK/out" >/dev/null || fail "in-process: the fixed apply did not converge"

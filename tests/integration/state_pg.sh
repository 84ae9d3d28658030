#!/usr/bin/env bash
# The PostgreSQL state backend (docs/state.md) against a real server
# (tests/support/pg.sh):
# 1. a customer applied with files moves to PostgreSQL (state migrate), a
#    run still pointed at the files refuses, and back: the state as
#    `state show` says it and the secrets (export) equal, plan finds
#    nothing to do each time;
# 2. two runs with different state dirs share the customer's lock through
#    the server: the second fails naming the holder (exit 3) or waits
#    (--lock-timeout); one mailgun domain; force-unlock refuses a live
#    holder; a killed run's lock is freed by the server and taken over; a
#    session left open by a holder gone elsewhere is ended by force-unlock;
# 3. a wrong connection string (exit 1) and a server gone mid-run (exit 4):
#    a clear error (docs/cli.md), nothing lost: once the server is back one
#    apply converges without a duplicate; a database no run wrote to reads
#    as an empty state and gets no tables from a read-only command;
# 4. no secret value in a pg_dump of the database nor in any output.
. "$(dirname "$0")/lib.sh"
. "$ES_SOURCE_DIR/tests/support/pg.sh"

pg_start
export MAILGUN_API_KEY=key-sandbox-mailgun-0001
start_sandbox --async-polls 1
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"
pg_createdb shared
ES_PG_CONN=$(pg_conn shared)
ES_STATE_KEY=state-key-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
export ES_PG_CONN ES_STATE_KEY
only=(--only mailgun --max-poll-interval 100)

backend() { # file|postgresql: what the customer's file says
  sed -i -E 's/ state_backend = "[a-z]+";//; s|^(customer = \{.*)\};|\1 state_backend = "'"$1"'"; };|' "$cfg"
}
shown() { # the state as `state show --json` says it, where and when aside
  es state show "$cfg" --env uat --json
  expect_rc 0
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("written", None); d.pop("state", None); print(json.dumps(d, sort_keys=True))' "$WORK/out"
}
cat >"$WORK/mailgun-map.cfg" <<'MAP'
platform = "mailgun-only";
settings = (
  { file = "mail.env"; name = "SMTP_LOGIN"; from = "output:mailgun.smtp_login"; when = "mailgun"; },
  { file = "mail.env"; name = "SMTP_PASSWORD"; from = "output:mailgun.smtp_password"; when = "mailgun"; }
);
MAP
exported() { # the platform settings, secrets included (export, 0600 files)
  rm -rf "$WORK/export"
  es export "$cfg" --env uat --target "$WORK/mailgun-map.cfg" --out "$WORK/export"
  [ -d "$WORK/export" ] || fail "export (exit $RC)"
  (cd "$WORK/export" && find . -type f -print0 | sort -z | xargs -0 md5sum)
}

# 1. Files (plain secrets.json, no key yet), then to PostgreSQL and back.
es apply "$cfg" --env uat "${only[@]}"
[ "$RC" = 0 ] || [ "$RC" = 2 ] || fail "the first apply failed (exit $RC)"
secrets=$(secret_values "$WORK/state/uat/secrets.json")
[ -n "$secrets" ] || fail "no secret in secrets.json to look for"
sed -i -E 's|^(customer = \{.*)\};|\1 state_connection = "env:ES_PG_CONN"; };|' "$cfg"
es state migrate "$cfg" --env uat --to postgresql
expect_rc 1
expect_err "sealed only: set customer.state_key"
sed -i -E 's|^(customer = \{.*)\};|\1 state_key = "env:ES_STATE_KEY"; };|' "$cfg"
# A run killed mid-way leaves a journal (and an open intent) to move too:
# the domain is gone at the provider, so the run creates it again (its
# intent and answer journaled) and is killed before it records the id. (A
# run that only finds what the state lacks journals nothing before that.)
curl -fsS -X DELETE -u "api:$MAILGUN_API_KEY" \
  "$SANDBOX_URL/mailgun/v3/domains/mail.uat.acme.example" >/dev/null ||
  fail "could not delete the domain at the sandbox"
es_killed_before_put mailgun:domain_id apply "$cfg" --env uat "${only[@]}"
[ "$(wc -l <"$WORK/state/uat/journal.jsonl")" -gt 1 ] || fail "the killed run left no journal"
want_state=$(shown)
want_export=$(exported)
es state migrate "$cfg" --env uat --to postgresql
expect_rc 0
expect_out "now set customer.state_backend = \"postgresql\""
grep -qE "the snapshot, [1-9][0-9]* journal records" "$WORK/out" || fail "no journal record moved"
es plan "$cfg" --env uat "${only[@]}"
expect_rc 1
expect_err "was moved to the postgresql state backend"
backend postgresql
[ "$(shown)" = "$want_state" ] || fail "the state in PostgreSQL differs: $(shown) / $want_state"
[ "$(exported)" = "$want_export" ] || fail "the secrets in PostgreSQL differ"
rows=$(psql_in shared -tAc "SELECT count(*) FROM envsetup_journal")
[ "$rows" -gt 1 ] || fail "the journal rows are not in PostgreSQL ($rows)"
psql_in shared -tAc "SELECT sealed FROM envsetup_secrets" | grep -q '"sealed"' ||
  fail "the secrets row is not sealed"
es state migrate "$cfg" --env uat --to postgresql
expect_rc 1
expect_err "in the postgresql backend already"
es state migrate "$cfg" --env uat --to file
expect_rc 0
backend file
[ "$(shown)" = "$want_state" ] || fail "the state back in files differs"
[ "$(exported)" = "$want_export" ] || fail "the secrets back in files differ"
es state migrate "$cfg" --env uat --to postgresql
expect_rc 0
backend postgresql
[ "$(shown)" = "$want_state" ] || fail "the state moved twice differs"
# One apply from the moved state converges, no duplicate.
es apply "$cfg" --env uat "${only[@]}"
[ "$RC" = 0 ] || [ "$RC" = 2 ] || fail "the apply after the moves: exit $RC"
[ "$(resources_count mailgun domain)" = 1 ] || fail "the moved state lost the domain: made twice"
es plan "$cfg" --env uat "${only[@]}"; expect_rc 0

# 2. Two machines (two state dirs), one lock through the server.
barrier_arm "before:GET /mailgun/v4/domains"
es_bg plan "$cfg" --env uat --only mailgun --state-dir "$WORK/machine-a"
barrier_wait held "$ES_PID"
first=$ES_PID
"$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" plan "$cfg" --env uat --only mailgun \
  --state-dir "$WORK/machine-b" >"$WORK/second.out" 2>&1 && rc=0 || rc=$?
cat "$WORK/second.out" >>"$WORK/all-output"
[ "$rc" = 3 ] || fail "the second machine's run: exit $rc, not 3"
grep -qF "locked by pid $first on $(hostname) (user $(id -un))" "$WORK/second.out" ||
  fail "the lock error does not name the holder: $(cat "$WORK/second.out")"
live_id=$(sed -n 's/.*(lock id \([^;]*\);.*/\1/p' "$WORK/second.out")
[ "${live_id%%@*}" = "$first" ] || fail "lock id '$live_id' is not the holder's"
"$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" state force-unlock "$cfg" --env uat "$live_id" \
  --by carol >"$WORK/second.out" 2>&1 && rc=0 || rc=$?
cat "$WORK/second.out" >>"$WORK/all-output"
[ "$rc" = 3 ] || fail "force-unlock of a live holder: exit $rc, not 3"
grep -qF "is alive on this host" "$WORK/second.out" || fail "force-unlock refused without saying why"
# The waiting run goes on once the first is done.
"$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" apply "$cfg" --env uat "${only[@]}" --lock-timeout 120 \
  --state-dir "$WORK/machine-b" >"$WORK/waiter.out" 2>&1 &
waiter=$!
curl -sf -X POST "$SANDBOX_URL/_sandbox/barrier/release" >/dev/null || fail "barrier not released"
es_bg_wait
[ "$RC" = 0 ] || fail "the first machine's plan: exit $RC"
wait "$waiter" && rc=0 || rc=$?
cat "$WORK/waiter.out" >>"$WORK/all-output"
[ "$rc" = 0 ] || [ "$rc" = 2 ] || fail "the waiting run: exit $rc: $(tail -5 "$WORK/waiter.out")"
[ "$(resources_count mailgun domain)" = 1 ] || fail "two machines made two domains"
# A killed holder: the server frees its lock; the next run takes over.
barrier_arm "before:GET /mailgun/v4/domains"
es_bg plan "$cfg" --env uat --only mailgun --state-dir "$WORK/machine-a"
kill_at_barrier
es plan "$cfg" --env uat "${only[@]}" --state-dir "$WORK/machine-b"; expect_rc 0
expect_err "taking over the stale lock of pid"
# A holder gone while its session stays open (another host, a half-open
# connection): force-unlock ends that session. A psql session stands in
# for it, holding the advisory lock of acme x uat (the key
# test_state_backends pins) under a holder row of another host.
key=-7561296104093170155
psql_in shared -c "SELECT pg_advisory_lock($key)" -c "SELECT pg_sleep(600)" >/dev/null 2>&1 &
orphan=$!
for _ in $(seq 100); do
  [ "$(psql_in shared -tAc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" = 1 ] && break
  sleep 0.05
done
psql_in shared -c "INSERT INTO envsetup_lock VALUES ('acme', 'uat', 'elsewhere', 4242, 'jane', '2026-01-01T00:00:00Z', NULL, 0)"
es plan "$cfg" --env uat "${only[@]}"; expect_rc 3
expect_err "locked by pid 4242 on elsewhere (user jane)"
es state force-unlock "$cfg" --env uat 4242@elsewhere@2026-01-01T00:00:00Z --by carol
expect_rc 0
expect_out "removed the lock of pid 4242 on elsewhere"
expect_out "its session (server pid"
wait "$orphan" && fail "the orphaned session was not ended" || true
es plan "$cfg" --env uat "${only[@]}"; expect_rc 0
es state show "$cfg" --env uat --json
grep -q '"force-unlock"' "$WORK/out" || fail "the force-unlock is not in the operator log"

# 3. A wrong connection string; a server gone in the middle of a run.
good=$ES_PG_CONN
ES_PG_CONN="${good/password=/password=wrong-}"
es plan "$cfg" --env uat "${only[@]}"
expect_rc 1
expect_err "customer.state_connection: cannot connect to PostgreSQL"
expect_err "password authentication failed"
grep -qF "$PG_PASSWORD" "$WORK/err" && fail "the error shows the password"
ES_PG_CONN="host=127.0.0.1 port=1 dbname=shared user=envsetup password=$PG_PASSWORD"
es plan "$cfg" --env uat "${only[@]}"; expect_rc 1
expect_err "cannot connect to PostgreSQL"
# A database no run wrote to yet: status reads an empty state, creates
# nothing.
pg_createdb fresh
ES_PG_CONN=$(pg_conn fresh)
es status "$cfg" --env uat; expect_rc 0
[ -z "$(psql_in fresh -tAc "SELECT to_regclass('envsetup_state')")" ] ||
  fail "a read-only command created the tables"
ES_PG_CONN=$good
es state resolve "$cfg" --env uat mailgun:domain_id --by bob --as forget; expect_rc 0
barrier_arm "before:GET /mailgun/v4/domains"
es_bg apply "$cfg" --env uat "${only[@]}"
barrier_wait held "$ES_PID"
pg_stop
curl -sf -X POST "$SANDBOX_URL/_sandbox/barrier/release" >/dev/null || fail "barrier not released"
es_bg_wait
[ "$RC" = 4 ] || fail "a run whose server went away: exit $RC, not 4"
grep -q "postgresql:acme/uat: .*\(terminat\|closed\|connection\)" "$WORK/err" ||
  fail "the run does not say the state's server went away: $(tail -5 "$WORK/err")"
pg_restart
es apply "$cfg" --env uat "${only[@]}"
[ "$RC" = 0 ] || [ "$RC" = 2 ] || fail "the apply after the server came back: exit $RC"
[ "$(resources_count mailgun domain)" = 1 ] || fail "a domain was made twice"
es plan "$cfg" --env uat "${only[@]}"; expect_rc 0

# 4. No secret in the database's dump, nor in any output.
pg_dump -h "$PG_SOCKET" -p "$PG_PORT" -U envsetup shared >"$WORK/dump.sql" || fail "pg_dump"
grep -q envsetup_secrets "$WORK/dump.sql" || fail "the dump lacks the secrets table"
# shellcheck disable=SC2086
hits=$(printf '%s\n' $secrets "$ES_STATE_KEY" "$MAILGUN_API_KEY" | grep -cFf - "$WORK/dump.sql" || true)
[ "$hits" = 0 ] || fail "$hits lines of the dump hold a secret value"
# shellcheck disable=SC2086
expect_no_secret "$MAILGUN_API_KEY" "$ES_STATE_KEY" "$PG_PASSWORD" $secrets
echo "state_pg: file -> postgresql -> file -> postgresql equal ($rows journal rows); lock shared across state dirs (refused naming the holder, waited, one domain, stale lock taken over); wrong connection and lost server exit 1 and 4, nothing lost; pg_dump holds no secret"

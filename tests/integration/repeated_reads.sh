#!/usr/bin/env bash
# A task's phases run back to back: apply does not read again what its own
# plan just read, and verify does not read again what nothing changed
# (core/host_reads.c). Counted in the sandbox's --record: a no-change
# apply makes exactly plan's requests; a fresh apply repeats no read of a
# task with no write in between; and after a write, verify does read the
# provider again.
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
record="$WORK/record.jsonl"
start_sandbox --record "$record"
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"
domain=mail.uat.acme.example
es apply "$cfg" --env uat --only mailgun --max-poll-interval 1
expect_rc 2 # invite_admins waits for a person
recorded_requests mailgun "$record" >"$WORK/fresh"
# Looked up once (plan) before it is created, not again by apply...
lookups=$(sed -n "/^POST \/mailgun\/v4\/domains/q;p" "$WORK/fresh" | grep -c "^GET /mailgun/v4/domains/$domain\$" || true)
[ "$lookups" = 1 ] || fail "domain read $lookups times before its create: $(cat "$WORK/fresh")"
# ...and read again after it (verify after a change reads the provider).
sed -n "/^POST \/mailgun\/v4\/domains/,\$p" "$WORK/fresh" | grep -q "^GET /mailgun/v4/domains/$domain\$" ||
  fail "domain not read after its create: $(cat "$WORK/fresh")"

: >"$record"
es plan "$cfg" --env uat --only mailgun
expect_rc 0
recorded_requests mailgun "$record" >"$WORK/plan"
[ -s "$WORK/plan" ] || fail "plan made no request"
: >"$record"
es apply "$cfg" --env uat --only mailgun --max-poll-interval 1
expect_rc 2 # invite_admins waits for a person
recorded_requests mailgun "$record" >"$WORK/again"
diff "$WORK/plan" "$WORK/again" >"$WORK/diff" ||
  fail "a no-change apply made other requests than plan's: $(cat "$WORK/diff")"
stop_sandbox

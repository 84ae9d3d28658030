#!/usr/bin/env bash
# A task waiting between two polls holds neither a worker nor its plugin's
# slot: mailgun's webhooks and templates depend only on create_domain, so
# they are sent while verify_domain waits for its next poll, not after its
# last one. Checked by the order of the sandbox's --record, at a barrier:
# verify_domain never completes here (--async-polls 1000), so the templates
# request is reached only if the wait released the slot. Then Ctrl-C while
# every task in flight is waiting (verify_domain's next poll 60 s away)
# stops the run at once, and one apply converges afterwards.
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
cfg="$WORK/acme.cfg"
domain=mail.uat.acme.example
record="$WORK/record.jsonl"

mailgun_requests() { recorded_requests mailgun "$record"; }

start_sandbox --async-polls 1000 --record "$record"
write_acme_config "$cfg"
barrier_arm "before:* /mailgun/v3/$domain/templates"
es_bg apply "$cfg" --env uat --only mailgun
barrier_wait held "$ES_PID"
mailgun_requests >"$WORK/order"
polls=$(grep -c "^PUT /mailgun/v4/domains/$domain/verify" "$WORK/order" || true)
[ "$polls" -ge 1 ] || fail "templates sent before verify_domain's first poll: $(cat "$WORK/order")"
grep -q "/mailgun/v3/domains/$domain/webhooks" "$WORK/order" ||
  fail "templates held, but webhooks not sent while verify_domain waits: $(cat "$WORK/order")"
curl -sf -X POST "$SANDBOX_URL/_sandbox/barrier/release" >/dev/null || fail "barrier not released"
barrier_wait released

# Wait until smtp_credentials, the last task not depending on
# verify_domain, has finished: then every task in flight is waiting.
for _ in $(seq 600); do
  grep -Eq "mailgun:smtp_credentials +done" "$WORK/out" && break
  kill -0 "$ES_PID" 2>/dev/null || break
  sleep 0.05
done
grep -Eq "mailgun:smtp_credentials +done" "$WORK/out" || fail "smtp_credentials not done while verify_domain waits: $(cat "$WORK/out" "$WORK/err")"
kill -0 "$ES_PID" 2>/dev/null || fail "apply ended though verify_domain cannot complete"
kill -INT "$ES_PID"
start=$(date +%s%N)
es_bg_wait
took_ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 4
expect_err "interrupted: run apply again to resume"
# verify_domain's next poll was 60 s away: the signal woke the run.
[ "$took_ms" -lt 5000 ] || fail "took ${took_ms} ms to stop after SIGINT while waiting"
grep -E "mailgun:verify_domain +failed" "$WORK/out" >/dev/null || fail "verify_domain not closed as interrupted: $(cat "$WORK/out")"
[ "$(resources_count mailgun template)" = 2 ] || fail "expected 2 templates"
stop_sandbox

# The same with a verification that completes: webhooks and templates go
# out before verify_domain's last poll, and one apply converges.
rm -rf "$WORK/state" "$record"
start_sandbox --async-polls 8 --record "$record"
write_acme_config "$cfg"
es apply "$cfg" --env uat --only mailgun --max-poll-interval 100; expect_rc 2
mailgun_requests >"$WORK/order"
last_poll=$(grep -n "^PUT /mailgun/v4/domains/$domain/verify" "$WORK/order" | tail -1 | cut -d: -f1)
first_template=$(grep -n "/mailgun/v3/$domain/templates" "$WORK/order" | head -1 | cut -d: -f1)
first_webhook=$(grep -n "/mailgun/v3/domains/$domain/webhooks" "$WORK/order" | head -1 | cut -d: -f1)
[ -n "$last_poll" ] && [ -n "$first_template" ] && [ -n "$first_webhook" ] || fail "requests missing: $(cat "$WORK/order")"
[ "$first_webhook" -lt "$last_poll" ] || fail "webhooks waited for verify_domain's last poll: $(cat "$WORK/order")"
[ "$first_template" -lt "$last_poll" ] || fail "templates waited for verify_domain's last poll: $(cat "$WORK/order")"
for t in create_domain verify_domain configure_webhooks upload_templates smtp_credentials; do
  grep -E "mailgun:$t +done" "$WORK/out" >/dev/null || fail "mailgun:$t not done"
done
[ "$(resources_count mailgun domain)" = 1 ] || fail "expected 1 domain"
[ "$(resources_count mailgun template)" = 2 ] || fail "expected 2 templates"
es plan "$cfg" --env uat --only mailgun; expect_rc 0
echo "poll_release: templates and webhooks sent while verify_domain waited (after poll $polls); SIGINT while waiting stopped in ${took_ms} ms; converged"

#!/usr/bin/env bash
# The smtp plugin end to end against REAL SMTP servers on loopback
# (tests/support/smtp_server.py, Debian's python3-aiosmtpd), started here
# with a private CA made here, through the real binary, loader and core
# mail service: STARTTLS + AUTH, implicit TLS, a good login, a wrong
# password (535), a wrong CA, a refused connection, a denied relay; the
# test message arrives once and a re-run sends nothing; a SIGKILL between
# the send and its record (and before the send) followed by ONE apply
# sends no second message; a -vv run is searched for the password.
. "$(dirname "$0")/lib.sh"

SUPPORT=$ES_SOURCE_DIR/tests/support
export SMTP_PASSWORD='pw-Zq7!sm+tp/int'
# What AUTH PLAIN carries on the wire: base64 of "\0mailer\0password".
PLAIN=$(printf '\0mailer\0%s' "$SMTP_PASSWORD" | base64 -w0)

bash "$SUPPORT/smtp_test_ca.sh" "$WORK/certs"
printf '%s\n' "$SMTP_PASSWORD" >"$WORK/password"

SERVER_PIDS=()
stop_servers() {
  local p
  for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  cleanup
}
trap stop_servers EXIT

start_smtp() { # NAME [FLAGS...]: sets PORT_<NAME>; no sleep, the port comes through a fifo
  local name=$1 port
  shift
  mkdir -p "$WORK/$name"
  mkfifo "$WORK/$name/ready"
  bash "$SUPPORT/smtp_server.sh" --dir "$WORK/$name" --cert "$WORK/certs/server.pem" \
    --key "$WORK/certs/server.key" --user mailer --password-file "$WORK/password" \
    --ready "$WORK/$name/ready" "$@" >"$WORK/$name/server.log" 2>&1 &
  SERVER_PIDS+=($!)
  read -r port <"$WORK/$name/ready" || fail "the $name SMTP server did not start: $(cat "$WORK/$name/server.log")"
  printf -v "PORT_$name" '%s' "$port"
}
start_smtp starttls
start_smtp implicit --tls

received() { # NAME: messages the server accepted
  if [ -f "$WORK/$1/received.log" ]; then wc -l <"$WORK/$1/received.log"; else echo 0; fi
}
logins() { # NAME: AUTH attempts the server saw
  if [ -f "$WORK/$1/auth.log" ]; then wc -l <"$WORK/$1/auth.log"; else echo 0; fi
}

cfg="$WORK/acme.cfg"
write_smtp_config() { # PORT SECURITY TEST_TO CA_FILE
  cat >"$cfg" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.4"; title = "Transaction e-mails"; plugins = [ "smtp" ]; }
);
plugins = {
  smtp = {
    host = "127.0.0.1";
    port = $1;
    security = "$2";
    username = "mailer";
    password = "env:SMTP_PASSWORD";
    ca_file = "$4";
    from = "no-reply@example.test";
    test_to = "$3";
  };
};
CFG
}
fresh() { # PORT SECURITY TEST_TO [CA_FILE]
  rm -rf "$WORK/state"
  write_smtp_config "$1" "$2" "$3" "${4:-$WORK/certs/ca.pem}"
}
apply() { es apply "$cfg" --env uat "$@"; }

# ---- a good login, one test message, then nothing left to do ------------
fresh "$PORT_starttls" starttls ops@example.test
es check "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env uat; expect_rc 2
expect_out "smtp:verify_login"
expect_out "smtp:send_test_message"
[ "$(received starttls)" = 0 ] || fail "plan sent a message"
apply; expect_rc 0
grep -E "smtp:verify_login +done" "$WORK/out" >/dev/null || fail "verify_login not done"
grep -E "smtp:send_test_message +done" "$WORK/out" >/dev/null || fail "send_test_message not done"
[ "$(received starttls)" = 1 ] || fail "expected 1 message, got $(received starttls)"
grep -qx "no-reply@example.test -> ops@example.test" "$WORK/starttls/received.log" || fail "wrong envelope"
grep -q "^Subject: envsetup: test message" "$WORK/starttls/mail-1.eml" || fail "wrong message"
grep -q "^ok mailer" "$WORK/starttls/auth.log" || fail "the server saw no login"
es status "$cfg" --env uat; expect_rc 0
expect_out "smtp.smtp_host = 127.0.0.1"
expect_out "smtp.smtp_port = $PORT_starttls"
expect_out "smtp.smtp_username = mailer"
expect_out "smtp.smtp_domain = example.test"
expect_out "smtp.smtp_security = starttls"
es plan "$cfg" --env uat; expect_rc 0
expect_out "No changes"
apply; expect_rc 0
[ "$(received starttls)" = 1 ] || fail "a re-run sent again"

# ---- a wrong password: 535 ----------------------------------------------
SMTP_PASSWORD=not-the-password apply
[ "$RC" != 0 ] || fail "a wrong password applied"
grep -q "535 5.7.8" "$WORK/out" "$WORK/err" || fail "the 535 is not reported"
grep -q "password" "$WORK/err" "$WORK/out" || fail "the password key is not named"
grep -q "^failed mailer" "$WORK/starttls/auth.log" || fail "the server saw no failed login"

# ---- the wrong CA: TLS fails before any login goes out -------------------
before=$(logins starttls)
fresh "$PORT_starttls" starttls ops@example.test "$WORK/certs/other-ca.pem"
apply
[ "$RC" != 0 ] || fail "a wrong CA applied"
grep -q "TLS failed" "$WORK/out" "$WORK/err" || fail "the TLS failure is not reported"
[ "$(logins starttls)" = "$before" ] || fail "a login went to a server whose certificate did not verify"

# ---- nobody listening ----------------------------------------------------
free=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fresh "$free" starttls ops@example.test
apply
[ "$RC" != 0 ] || fail "a refused connection applied"
grep -q "cannot connect" "$WORK/out" "$WORK/err" || fail "the refused connection is not reported"

# ---- a recipient the server does not relay to ----------------------------
fresh "$PORT_starttls" starttls someone@elsewhere.test
apply
[ "$RC" != 0 ] || fail "a denied relay applied"
grep -q "550 5.7.1 Relaying denied" "$WORK/out" "$WORK/err" || fail "the relay refusal is not reported"
grep -q "test_to" "$WORK/out" "$WORK/err" || fail "test_to is not named"
[ "$(received starttls)" = 1 ] || fail "a refused message was counted"

# ---- implicit TLS (smtps) ------------------------------------------------
fresh "$PORT_implicit" tls ops@example.test
apply; expect_rc 0
[ "$(received implicit)" = 1 ] || fail "implicit TLS: expected 1 message, got $(received implicit)"
expect_out "send_test_message"

# ---- killed between the send and its record: at most once ----------------
fresh "$PORT_starttls" starttls kill@example.test
ENVSETUP_TEST_KILL_BEFORE_PUT=smtp:test_message_sent apply
[ "$RC" = 137 ] || fail "the kill hook did not fire (exit $RC)"
[ "$(received starttls)" = 2 ] || fail "the message was not sent before the kill"
es plan "$cfg" --env uat; expect_rc 2
expect_out "not resent"
apply; expect_rc 0
[ "$(received starttls)" = 2 ] || fail "the message was sent twice after a kill"
grep -q "not sent again" "$WORK/out" "$WORK/err" || fail "no warning that the message is recorded unsent"
apply; expect_rc 0
[ "$(received starttls)" = 2 ] || fail "a re-run after the kill sent again"

# ---- killed before the send: it goes exactly once -------------------------
fresh "$PORT_starttls" starttls once@example.test
ENVSETUP_TEST_KILL_BEFORE_PUT=smtp:test_message_sending apply
[ "$RC" = 137 ] || fail "the kill hook did not fire (exit $RC)"
[ "$(received starttls)" = 2 ] || fail "a message went before its intent was recorded"
apply; expect_rc 0
[ "$(received starttls)" = 3 ] || fail "expected the message once after the kill, got $(($(received starttls) - 2))"

# ---- the password is nowhere: outputs, traces, state ---------------------
fresh "$PORT_starttls" starttls trace@example.test
apply -vv; expect_rc 0
grep -q "SMTP > AUTH PLAIN" "$WORK/err" "$WORK/out" || fail "the -vv run traced no SMTP dialogue"
es status "$cfg" --env uat; expect_rc 0
expect_no_secret "$SMTP_PASSWORD" "$PLAIN"
echo "PASS smtp"

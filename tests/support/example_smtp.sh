#!/usr/bin/env bash
# example_smtp.sh DIR: start the SMTP relay the example customers' smtp
# plugin checks (initech's), for the demo and the integration tests: a
# real server (smtp_server.py, Debian's python3-aiosmtpd) with STARTTLS and
# AUTH, its certificate from a private CA made in DIR, the login
# platform@initech.example with $SMTP_PASSWORD, relaying to initech.example
# only. It runs in the background; this prints one line,
#   SANDBOX_SMTP=127.0.0.1:PORT:DIR/certs/ca.pem PID
# which scripts/sandbox-config reads (the port comes through a fifo: no
# sleep).
set -euo pipefail
dir=${1:?usage: example_smtp.sh DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${SMTP_PASSWORD:?set SMTP_PASSWORD, the password of the relay login}"
mkdir -p "$dir/mail"
bash "$here/smtp_test_ca.sh" "$dir/certs"
( umask 077; printf '%s\n' "$SMTP_PASSWORD" >"$dir/password" )
rm -f "$dir/ready"
mkfifo "$dir/ready"
bash "$here/smtp_server.sh" --dir "$dir/mail" --cert "$dir/certs/server.pem" \
  --key "$dir/certs/server.key" --user platform@initech.example \
  --password-file "$dir/password" --relay-domain initech.example \
  --ready "$dir/ready" >"$dir/server.log" 2>&1 </dev/null &
pid=$!
if ! read -r port <"$dir/ready"; then
  cat "$dir/server.log" >&2
  exit 1
fi
echo "SANDBOX_SMTP=127.0.0.1:$port:$dir/certs/ca.pem $pid"

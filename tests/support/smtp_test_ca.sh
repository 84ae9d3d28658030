#!/usr/bin/env bash
# Make a private CA, a server certificate it signs for 127.0.0.1 and
# localhost, and an unrelated second CA (the wrong-CA case), in DIR:
#   ca.pem, server.pem, server.key, other-ca.pem
# Used by the SMTP tests (tests/support/smtp_server.py serves server.pem).
set -euo pipefail
dir=${1:?usage: smtp_test_ca.sh DIR}
mkdir -p "$dir"
cd "$dir"
quiet() { "$@" >/dev/null 2>&1 || { echo "smtp_test_ca.sh: failed: $*" >&2; exit 1; }; }
for ca in ca other-ca; do
  quiet openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=envsetup test $ca" \
    -keyout "$ca.key" -out "$ca.pem" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign
done
quiet openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
quiet openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile server.ext -out server.pem
rm -f ca.key other-ca.key server.csr server.ext ca.srl

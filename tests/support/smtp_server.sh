#!/usr/bin/env bash
# Run smtp_server.py (same arguments) with a Python that has aiosmtpd:
# Debian's python3-aiosmtpd (scripts/deps) lives in /usr/bin/python3, which
# a python3 earlier on PATH (pyenv, a venv) may not see.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for py in python3 /usr/bin/python3; do
  if "$py" -c 'import aiosmtpd' 2>/dev/null; then
    exec "$py" "$here/smtp_server.py" "$@"
  fi
done
echo "smtp_server.sh: no python3 with aiosmtpd; install python3-aiosmtpd (scripts/deps)" >&2
exit 1

#!/usr/bin/env python3
"""A real SMTP server on loopback for the mail service's and the smtp
plugin's tests: Debian's python3-aiosmtpd (scripts/deps), TLS from a
certificate the test made, AUTH PLAIN/LOGIN against one user.

  smtp_server.py --dir D --cert C --key K --user U --password-file F
                 [--tls] [--no-auth] [--relay-domain example.test]
                 [--ready FIFO] [--port N]

--tls serves implicit TLS (smtps); otherwise STARTTLS, required before
MAIL and AUTH. --no-auth offers no AUTH at all (a server a login check
must not pass). RCPT TO outside --relay-domain is answered
"550 5.7.1 Relaying denied". Every accepted message is written to
D/mail-N.eml with its envelope in D/received.log ("FROM -> TO"); every
AUTH attempt to D/auth.log ("ok USER" or "failed USER").

Readiness without sleeping: the port is written, with a newline, to
--ready (a fifo the test reads) or stdout, once the socket listens. The
server runs until killed.
"""
import argparse
import asyncio
import os
import socket
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def append(path, line):
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")


class Handler:
    def __init__(self, directory, relay_domain, offer_auth):
        self.dir = directory
        self.relay_domain = relay_domain.lower()
        self.offer_auth = offer_auth
        self.count = 0

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        # aiosmtpd always lists AUTH, even with no mechanism to offer.
        session.host_name = hostname
        if self.offer_auth:
            return responses
        return [r for r in responses if not r[4:].upper().startswith("AUTH")]

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if not address.lower().endswith("@" + self.relay_domain):
            return "550 5.7.1 Relaying denied"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = os.path.join(self.dir, "mail-%d.eml" % self.count)
        with open(name, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        append(os.path.join(self.dir, "received.log"),
               "%s -> %s" % (envelope.mail_from, ",".join(envelope.rcpt_tos)))
        return "250 2.0.0 Message accepted for delivery"


def authenticator_for(directory, user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and
              auth_data.login == user.encode() and
              auth_data.password == password.encode())
        login = auth_data.login.decode(errors="replace") if isinstance(
            auth_data, LoginPassword) else "?"
        append(os.path.join(directory, "auth.log"),
               "%s %s" % ("ok" if ok else "failed", login))
        # handled=False: aiosmtpd answers a failure with
        # "535 5.7.8 Authentication credentials invalid".
        return AuthResult(success=ok, handled=False)
    return authenticate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--user", default="mailer")
    ap.add_argument("--password-file")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--no-auth", action="store_true")
    ap.add_argument("--relay-domain", default="example.test")
    ap.add_argument("--ready")
    ap.add_argument("--port", type=int, default=0,
                    help="listen here (the demo's fixed port); 0: any free one")
    a = ap.parse_args()
    # aiosmtpd 1.4 warns about its own Session.login_data on every AUTH.
    warnings.simplefilter("ignore", DeprecationWarning)

    password = ""
    if a.password_file:
        with open(a.password_file, encoding="utf-8") as f:
            password = f.read().strip()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)
    handler = Handler(a.dir, a.relay_domain, not a.no_auth)
    auth = None if a.no_auth else authenticator_for(a.dir, a.user, password)

    def factory():
        if a.tls:
            return SMTP(handler, hostname="mail.example.test",
                        authenticator=auth, auth_require_tls=False)
        return SMTP(handler, hostname="mail.example.test", tls_context=ctx,
                    require_starttls=True, authenticator=auth,
                    auth_require_tls=True)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", a.port))
    sock.listen(16)
    port = sock.getsockname()[1]

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(factory, sock=sock, ssl=ctx if a.tls else None))
    if a.ready:
        with open(a.ready, "w", encoding="utf-8") as f:
            f.write("%d\n" % port)
    else:
        sys.stdout.write("%d\n" % port)
        sys.stdout.flush()
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()

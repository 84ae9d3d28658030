#!/usr/bin/env python3
"""A loopback HTTP proxy for the conformance stage: routes by path prefix
and, optionally, logs every exchange (request and reply) as JSON lines.

usage: loopback_proxy.py --port-file FILE [--log FILE] PREFIX=UPSTREAM...

The longest matching PREFIX wins; "/" is a catch-all. The request goes to
UPSTREAM + the path as received, with its headers verbatim (Host included,
so a SigV4 signature still verifies upstream); hop-by-hop headers are
dropped. Used to put one Prism per spec behind one base URL (GoDaddy) and
to keep the replies a record-only checker needs (STS AssumeRole keys).
Listens on 127.0.0.1 only.
"""
import argparse
import http.client
import http.server
import json
import os
import threading
import urllib.parse

HOP = {"connection", "keep-alive", "proxy-connection", "expect", "te",
       "transfer-encoding", "upgrade", "proxy-authorization"}


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("routes", nargs="+")
    a = ap.parse_args()
    routes = []
    for r in a.routes:
        prefix, _, up = r.partition("=")
        u = urllib.parse.urlsplit(up)
        if u.scheme != "http" or u.hostname not in ("127.0.0.1", "localhost"):
            ap.error(f"upstream must be http on loopback: {up}")
        routes.append((prefix, u.hostname, u.port or 80, u.path.rstrip("/")))
    routes.sort(key=lambda r: -len(r[0]))
    return a, routes


ARGS, ROUTES = parse_args()
LOG_LOCK = threading.Lock()


def route(path):
    for prefix, host, port, base in ROUTES:
        if path == prefix or path.startswith(prefix.rstrip("/") + "/") or prefix == "/":
            return host, port, base
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def relay(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        target = route(urllib.parse.urlsplit(self.path).path)
        if target is None:
            self.answer(404, {"Content-Type": "text/plain"}, b"proxy: no route\n", body)
            return
        host, port, base = target
        conn = http.client.HTTPConnection(host, port, timeout=120)
        conn.putrequest(self.command, base + self.path, skip_host=True,
                        skip_accept_encoding=True)
        for k, v in self.headers.items():
            if k.lower() not in HOP and k.lower() != "content-length":
                conn.putheader(k, v)
        if body or self.command in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        headers = {k: v for k, v in resp.getheaders()
                   if k.lower() not in HOP and k.lower() != "content-length"}
        conn.close()
        self.answer(resp.status, headers, data, body)

    def answer(self, status, headers, data, req_body):
        self.send_response_only(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True
        if ARGS.log:
            line = {"method": self.command, "path": self.path,
                    "request_headers": dict(self.headers.items()),
                    "request_body": req_body.decode("utf-8", "replace"),
                    "status": status, "headers": headers,
                    "body": data.decode("utf-8", "replace")}
            with LOG_LOCK, open(ARGS.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = relay


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(tmp, ARGS.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()

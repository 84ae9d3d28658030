#!/usr/bin/env python3
"""Summarise one plugin's conformance run through Prism validating proxies.

usage: openapi_summary.py PLUGIN --exchanges LOG [--spec FILE]...
                          [--prism-log FILE]... [--auth REGEX] [--record FILE]

The plugin talks to loopback_proxy.py (which logs every exchange to LOG)
in front of one or more `prism proxy --errors` (one per spec) in front of
the sandbox. For each exchange in LOG:
- Prism's reply of type .../prism/errors#NO_PATH_MATCHED_ERROR or
  NO_METHOD_MATCHED_ERROR: a call no spec describes (uncovered);
- any other Prism error (UNPROCESSABLE_ENTITY, UNAUTHORIZED, VIOLATIONS
  for a reply of the sandbox that breaks the spec, ...): a violation, with
  Prism's own validation messages;
- with --auth, a request whose Authorization header does not match REGEX is
  a violation too (for specs that declare no security scheme, GoDaddy).
Operations are the spec operations (method + path template, from --spec)
the calls matched. The Prism logs must have received as many requests as
LOG holds (nothing bypassed Prism) and, with --record, the sandbox must
have received exactly the calls Prism forwarded.
Exit 1 unless calls > 0, every call was validated and nothing was violated.
"""
import argparse
import json
import re
import sys

import yaml

PRISM_ERR = "https://stoplight.io/prism/errors#"


def load_templates(paths):
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        base = doc.get("basePath", "") if "swagger" in doc else ""
        for tmpl, item in doc.get("paths", {}).items():
            rx = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(base.rstrip("/") + tmpl))
            for method in item:
                if method in ("get", "put", "post", "delete", "patch", "head", "options"):
                    out.append((method.upper(), re.compile(rx + r"\Z"), tmpl,
                                len(re.sub(r"\{[^}]+\}", "", tmpl))))
    return out


def operation(templates, method, path):
    found = [t for t in templates if t[0] == method and t[1].match(path)]
    if not found:
        return None
    return f"{method} {max(found, key=lambda t: t[3])[2]}"


def prism_error(ex):
    try:
        body = json.loads(ex["body"])
    except ValueError:
        return None
    if isinstance(body, dict) and str(body.get("type", "")).startswith(PRISM_ERR):
        return body
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("plugin")
    ap.add_argument("--exchanges", required=True)
    ap.add_argument("--spec", action="append", default=[])
    ap.add_argument("--prism-log", action="append", default=[])
    ap.add_argument("--auth")
    ap.add_argument("--record")
    a = ap.parse_args()
    templates = load_templates(a.spec)
    calls, validated, violations, uncovered, ops = 0, 0, [], [], {}
    forwarded = 0
    with open(a.exchanges, encoding="utf-8") as f:
        exchanges = [json.loads(line) for line in f if line.strip()]
    for ex in exchanges:
        calls += 1
        path = ex["path"].split("?")[0]
        where = f"{ex['method']} {ex['path']}"
        err = prism_error(ex)
        kind = err["type"][len(PRISM_ERR):] if err else None
        if kind in ("NO_PATH_MATCHED_ERROR", "NO_METHOD_MATCHED_ERROR", "NO_SERVER_MATCHED_ERROR"):
            uncovered.append(f"{where}: {err.get('title')} (no spec operation)")
            continue
        validated += 1
        op = operation(templates, ex["method"], path) or f"{ex['method']} {path}"
        ops[op] = ops.get(op, 0) + 1
        if err is None or kind == "VIOLATIONS":
            forwarded += 1
        if err:
            msgs = "; ".join(f"{'.'.join(map(str, v.get('location', [])))}: {v.get('message')}"
                             for v in err.get("validation", [])) or err.get("detail", "")
            violations.append(f"{op} ({where}) -> {err.get('status')} {kind}: {msgs}")
        if a.auth:
            auth = next((v for k, v in ex["request_headers"].items() if k.lower() == "authorization"), "")
            if not re.fullmatch(a.auth, auth):
                violations.append(f"{op} ({where}): Authorization does not match the documented scheme")
    received = 0
    for log in a.prism_log:
        with open(log, encoding="utf-8", errors="replace") as f:
            received += sum(1 for line in f if re.search(r"\[HTTP SERVER\] \w+ \S+ .*Request received", line))
    if a.prism_log and received != calls:
        violations.append(f"Prism received {received} requests but the plugin made {calls}")
    if a.record:
        with open(a.record, encoding="utf-8") as f:
            upstream = sum(1 for line in f if line.strip())
        if upstream != forwarded:
            violations.append(f"the sandbox got {upstream} requests, Prism forwarded {forwarded}")
    print(f"conformance.{a.plugin}: {calls} calls, {len(ops)} operations, {validated} validated, "
          f"{len(violations) + len(uncovered)} violations ({len(uncovered)} calls in no spec)")
    for op in sorted(ops):
        print(f"  {ops[op]:4d}  {op}")
    for v in (uncovered + violations)[:40]:
        print("  VIOLATION " + v)
    sys.exit(0 if calls and validated == calls and not violations and not uncovered else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Check recorded requests against a documented request table, for
providers without a machine-readable API description.

usage: table_check.py [--prefix /fake/mount] [--label NAME] TABLE RECORD...
       table_check.py --lint TABLE

TABLE is tables/<provider>.json:
  {"provider": "...", "rows": [{
     "operation": "user-create", "method": "POST",
     "path": "/v1.0/users/{id}",            # {x} one segment, {x+} several
     "query": {"required": [...], "allowed": [...]},
     "content_type": "application/json",    # or form, or null: no body
     "body": {"required": [...], "allowed": [...],
              "types": {"field": "string|boolean|integer|object|array"},
              "equals": {"field": "value"}, "pattern": {"field": "regex"},
              "repeated": ["field"]},     # form fields that may repeat
     "auth": "bearer" | "basic" | "sso-key" | "raw-key" | "none",
     "citation": "where the provider documents this call"}]}
Nested body fields are written "a.b" (objects only). A row without a
citation is refused (--lint). RECORD lines are the sandbox's --record
format; only those whose path starts with --prefix are checked, with the
prefix removed. Exit 1 unless every request matched a row and broke none.
"""
import argparse
import base64
import json
import re
import sys
import urllib.parse

TYPES = {"string": str, "boolean": bool, "integer": int, "object": dict, "array": list}
AUTH = {"bearer": r"Bearer [A-Za-z0-9._~+/=-]+", "basic": r"Basic [A-Za-z0-9+/=]+",
        "sso-key": r"sso-key [^:\s]+:\S+",
        # the key itself as the whole header, no scheme (SparkPost)
        "raw-key": r"[A-Za-z0-9._-]+"}


def load_table(path):
    with open(path, encoding="utf-8") as f:
        table = json.load(f)
    for i, row in enumerate(table.get("rows", [])):
        for key in ("operation", "method", "path", "auth", "citation"):
            if not row.get(key):
                raise SystemExit(f"{path}: row {i} lacks {key!r}")
        if row["auth"] not in AUTH and row["auth"] != "none":
            raise SystemExit(f"{path}: row {i}: unknown auth {row['auth']!r}")
        row["_rx"] = path_regex(row["path"])
    if not table.get("rows"):
        raise SystemExit(f"{path}: no rows")
    return table


def path_regex(template):
    out = ""
    for part in re.split(r"(\{[^}]+\})", template):
        if part.startswith("{"):
            out += "(.+)" if part.endswith("+}") else "([^/]+)"
        else:
            out += re.escape(part)
    return re.compile(out + r"\Z")


def header(rec, name):
    for k, v in rec["headers"].items():
        if k.lower() == name.lower():
            return v
    return None


def flatten(obj, prefix=""):
    out = {}
    for k, v in obj.items():
        out[prefix + k] = v
        if isinstance(v, dict):
            out.update(flatten(v, prefix + k + "."))
    return out


def check_body(row, rec, errs):
    raw = base64.b64decode(rec["body"]) if rec.get("body_base64") else (rec.get("body") or "").encode()
    want = row.get("content_type")
    ctype = (header(rec, "content-type") or "").split(";")[0].strip().lower()
    if want is None:
        if raw:
            errs.append("this call takes no body")
        return
    if ctype != want:
        errs.append(f"Content-Type {ctype or 'none'!r} is not {want!r}")
        return
    if want == "application/json":
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            errs.append("body is not JSON")
            return
        if not isinstance(doc, dict):
            errs.append("body is not a JSON object")
            return
        fields = flatten(doc)
    else:
        pairs = urllib.parse.parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
        fields = {}
        repeated = set(row.get("body", {}).get("repeated", []))
        for k, v in pairs:
            if k in fields and k not in repeated:
                errs.append(f"field {k!r} sent twice")
            fields[k] = v
    spec = row.get("body", {})
    allowed = set(spec.get("allowed", [])) | set(spec.get("required", []))
    for name in spec.get("required", []):
        if name not in fields:
            errs.append(f"required field {name!r} missing")
    for name in fields:
        parent_known = any(name.startswith(a + ".") and spec.get("types", {}).get(a) == "object"
                           and spec.get("open", {}).get(a) for a in allowed)
        if name not in allowed and not parent_known:
            errs.append(f"unknown field {name!r}")
    for name, t in spec.get("types", {}).items():
        if name in fields:
            v = fields[name]
            ok = isinstance(v, TYPES[t]) and not (t == "integer" and isinstance(v, bool))
            if not ok:
                errs.append(f"field {name!r} is not {t}")
    for name, value in spec.get("equals", {}).items():
        if name in fields and fields[name] != value:
            errs.append(f"field {name!r} must be {value!r}")
    for name, rx in spec.get("pattern", {}).items():
        if name in fields and not (isinstance(fields[name], str) and re.search(rx, fields[name])):
            errs.append(f"field {name!r} does not match {rx!r}")


def check_request(table, rec, path):
    rows = [r for r in table["rows"] if r["_rx"].match(path)]
    if not rows:
        return None, [f"no documented operation for path {path}"]
    same = [r for r in rows if r["method"] == rec["method"]]
    if not same:
        return None, [f"{rec['method']} is not documented for {path}"]
    # One method and path may be several documented operations (SparkPost's
    # "Update a Draft" and "Publish a Draft" are both PUT /templates/{id}):
    # the request is the first whose rules it keeps, else the first's errors.
    checked = [(r, check_row(r, rec)) for r in same]
    return next(((r, e) for r, e in checked if not e), checked[0])


def check_row(row, rec):
    errs = []
    q = dict(urllib.parse.parse_qsl(rec.get("query", ""), keep_blank_values=True))
    qspec = row.get("query", {})
    for name in qspec.get("required", []):
        if name not in q:
            errs.append(f"required query parameter {name!r} missing")
    for name in q:
        if name not in set(qspec.get("allowed", [])) | set(qspec.get("required", [])):
            errs.append(f"unknown query parameter {name!r}")
    auth = header(rec, "authorization")
    if row["auth"] == "none":
        if auth:
            errs.append("Authorization sent to a call that takes none")
    elif not auth or not re.fullmatch(AUTH[row["auth"]], auth):
        errs.append(f"missing or malformed {row['auth']} Authorization")
    check_body(row, rec, errs)
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", default="")
    ap.add_argument("--label")
    ap.add_argument("--lint", action="store_true")
    ap.add_argument("table")
    ap.add_argument("records", nargs="*")
    a = ap.parse_args()
    table = load_table(a.table)
    if a.lint:
        print(f"{a.table}: {len(table['rows'])} rows, all cited")
        return
    label = a.label or table["provider"]
    calls, validated, violations, ops = 0, 0, [], {}
    for path in a.records:
        for line in open(path, encoding="utf-8"):
            if not line.strip():
                continue
            rec = json.loads(line)
            if not rec["path"].startswith(a.prefix):
                continue
            calls += 1
            row, errs = check_request(table, rec, rec["path"][len(a.prefix):] or "/")
            where = f"{rec['method']} {rec['path']}"
            if row is None:
                violations += [f"{where}: {e} (uncovered)" for e in errs]
                continue
            validated += 1
            ops[row["operation"]] = ops.get(row["operation"], 0) + 1
            violations += [f"{row['operation']} ({where}): {e}" for e in errs]
    print(f"{label}: {calls} calls, {len(ops)} operations, {validated} validated, "
          f"{len(violations)} violations")
    for op in sorted(ops):
        print(f"  {ops[op]:4d}  {op}")
    for v in violations[:40]:
        print("  VIOLATION " + v)
    sys.exit(0 if validated == calls and not violations else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Derive the documented calls from API Blueprint files and check a request
table (tables/<provider>.json, see table_check.py) against them.

usage: apib_routes.py --list SPECDIR
       apib_routes.py SPECDIR TABLE

A call is an action heading `### Title [METHOD /v1/path{?a,b}]`, or a
resource heading `## Title [/v1/path{?a}]` followed by `### Title [METHOD]`.
Every row of TABLE must carry "apib": {"file": ..., "section": ...} naming
such a heading, with the row's method, its path (parameter names aside, the
table's paths below the API's base `/api`), and query parameters among the
heading's; its citation must name the file and the section. Exit 1 on any
row that does not.
"""
import json
import os
import re
import sys

ACTION = re.compile(r"^#{2,4}\s+(.+?)\s+\[([A-Z]+)(?:\s+(/[^\]\s]*))?\]\s*$")
RESOURCE = re.compile(r"^#{1,3}\s+(.+?)\s+\[(/[^\]\s]*)\]\s*$")


def split_uri(uri):
    """'/v1/templates/{id}{?draft}' -> ('/v1/templates/{}', {'draft'})."""
    query = set()
    for m in re.finditer(r"\{\?([^}]*)\}", uri):
        query |= {q.strip() for q in m.group(1).split(",") if q.strip()}
    path = re.sub(r"\{\?[^}]*\}", "", uri)
    return re.sub(r"\{[^}?]+\}", "{}", path), query


def routes(specdir):
    out = []
    for name in sorted(os.listdir(specdir)):
        if not name.endswith(".apib"):
            continue
        resource, current, in_params = None, None, False
        with open(os.path.join(specdir, name), encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                m = ACTION.match(line)
                if m and (m.group(3) or resource):
                    uri = m.group(3) or resource
                    path, query = split_uri(uri)
                    current = {"file": name, "section": m.group(1), "method": m.group(2),
                               "path": path, "query": query, "uri": uri}
                    out.append(current)
                    in_params = False
                    continue
                m = RESOURCE.match(line)
                if m:
                    resource, current = m.group(2), None
                    continue
                # "+ Parameters" lists query parameters too (List Subaccounts
                # has no {?...} in its heading): those not in the path.
                if re.match(r"^\+ (Parameters|Request|Response)", line):
                    in_params = line.startswith("+ Parameters")
                    continue
                p = re.match(r"^ {4}\+ `?([A-Za-z_]+)`?[ :(]", line)
                if in_params and current and p and "{" + p.group(1) + "}" not in current["uri"]:
                    current["query"].add(p.group(1))
    return out


def check(specdir, table_path):
    with open(table_path, encoding="utf-8") as f:
        rows = json.load(f)["rows"]
    known = routes(specdir)
    bad = 0
    for row in rows:
        ref = row.get("apib") or {}
        where = f"{row.get('operation')}: apib {ref.get('file')} \"{ref.get('section')}\""
        hits = [r for r in known if r["file"] == ref.get("file") and r["section"] == ref.get("section")
                and r["method"] == row["method"]]
        errs = []
        if not hits:
            errs.append(f"no {row['method']} heading of that title in that file")
        else:
            path, _ = split_uri(row["path"])
            if not any(h["path"] == path for h in hits):
                errs.append(f"path {row['path']} is not the heading's {hits[0]['path']}")
            q = row.get("query", {})
            extra = (set(q.get("allowed", [])) | set(q.get("required", []))) - hits[0]["query"]
            if extra:
                errs.append(f"query {sorted(extra)} not in the heading's {sorted(hits[0]['query'])}")
        cite = row.get("citation", "")
        if ref.get("file", "?") not in cite or ref.get("section", "?") not in cite:
            errs.append("the citation does not name the file and the section")
        for e in errs:
            print(f"MISMATCH {where}: {e}")
        bad += bool(errs)
    print(f"{table_path}: {len(rows)} rows against {len(known)} documented calls, {bad} mismatched")
    return 1 if bad else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--list":
        for r in routes(sys.argv[2]):
            print(f"{r['method']:6} {r['path']:45} {r['file']}: {r['section']}")
        return 0
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    return check(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Check recorded Azure requests: ARM calls against the azure-rest-api-specs
Swagger files, Microsoft Graph and the token endpoint against request tables.

usage: azure_check.py [--specs DIR] [--arm-prefix P] [--table PREFIX=TABLE]...
                      [--label NAME] RECORD

DIR (default /work/shared/specs/azure) holds the Swagger 2.0 files of
the ARM operations envsetup uses; every $ref is resolved inside DIR. For
each record line (sandbox --record format) under --arm-prefix (removed
before matching): the method and path must match a path template of one
of the files (literal segments compared case-insensitively, as ARM does;
{scope}-like parameters with x-ms-skip-url-encoding span segments; the
most literal template wins), `api-version` must be the file's version,
every required path/query parameter present and matching its
pattern/length, no undeclared query parameter, a Bearer token sent (the
files' azure_auth), and a declared body valid against its schema (types,
required, enum, additionalProperties, no readOnly property sent).
Lines under a --table PREFIX go to table_check.py with that table. With
--replies (a loopback_proxy.py log), a GET of exactly a URL that ARM handed
out in an Azure-AsyncOperation or Location header is the documented
long-running-operation poll (azure-docs articles/azure-resource-manager/
management/async-operations.md: "GET the URI in Azure-AsyncOperation"),
checked for a Bearer token and no body. A line under no prefix is an
uncovered call. Exit 1 unless every call was
validated and nothing was violated.
"""
import argparse
import json
import os
import re
import sys
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import table_check  # noqa: E402

SPEC_FILES = [
    "subscription/resource-manager/Microsoft.Subscription/stable/2021-10-01/subscriptions.json",
    "resources/resource-manager/Microsoft.Resources/stable/2021-04-01/resources.json",
    "authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleAssignmentsCalls.json",
    "authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleDefinitionsCalls.json",
]


class Specs:
    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.docs = {}
        self.ops = []
        for rel in SPEC_FILES:
            path = os.path.join(self.root, "specification", rel)
            if not os.path.isfile(path):
                raise SystemExit(f"azure_check: spec file missing: {path}")
            doc = self.load(path)
            for tmpl, item in doc.get("paths", {}).items():
                common = item.get("parameters", [])
                for method, op in item.items():
                    if method == "parameters":
                        continue
                    params = [self.resolve(p, path)[0] for p in common + op.get("parameters", [])]
                    self.ops.append({"file": path, "version": doc["info"]["version"],
                                     "template": tmpl, "method": method.upper(),
                                     "id": op.get("operationId", f"{method} {tmpl}"),
                                     "params": params, "op": op,
                                     "rx": self.template_regex(tmpl, params),
                                     "literal": len(re.sub(r"\{[^}]+\}", "", tmpl))})

    def load(self, path):
        path = os.path.realpath(path)
        if not path.startswith(self.root + os.sep):
            raise SystemExit(f"azure_check: $ref leaves the specs folder: {path}")
        if path not in self.docs:
            if not os.path.isfile(path):
                raise SystemExit(f"azure_check: spec file missing: {path}")
            with open(path, encoding="utf-8") as f:
                self.docs[path] = json.load(f)
        return self.docs[path]

    def resolve(self, obj, base):
        """Follow $ref chains; returns (object, file it lives in)."""
        seen = 0
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            file_part, _, pointer = ref.partition("#")
            if file_part:
                base = os.path.realpath(os.path.join(os.path.dirname(base), file_part))
            obj = self.load(base)
            for part in pointer.strip("/").split("/") if pointer.strip("/") else []:
                obj = obj[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
            if seen > 50:
                raise SystemExit(f"azure_check: $ref loop at {ref}")
        return obj, base

    @staticmethod
    def template_regex(tmpl, params):
        spans = {p["name"] for p in params if p.get("in") == "path" and p.get("x-ms-skip-url-encoding")}
        out = ""
        for part in re.split(r"(\{[^}]+\})", tmpl):
            if part.startswith("{"):
                name = part[1:-1]
                out += f"(?P<{re.sub(r'[^A-Za-z0-9_]', '_', name)}>" + (".+?" if name in spans else "[^/]+") + ")"
            else:
                out += re.escape(part)
        return re.compile(out + r"\Z", re.IGNORECASE)

    def match(self, method, path):
        found = [o for o in self.ops if o["rx"].match(path)]
        if not found:
            return None, f"no ARM operation has a path like {path}"
        with_method = [o for o in found if o["method"] == method]
        if not with_method:
            return None, f"{method} is not an operation of {found[0]['template']}"
        return max(with_method, key=lambda o: o["literal"]), None


# ------------------------------------------------------------ schema check

def check_schema(specs, schema, base, value, where, errs, depth=0, partial=False):
    """partial: an allOf parent, checked for its own properties and
    required list only; unknown and read-only properties are judged once,
    over the union, by the schema that names the parents."""
    schema, base = specs.resolve(schema, base)
    if depth > 40:
        return
    for sub in schema.get("allOf", []):
        check_schema(specs, sub, base, value, where, errs, depth + 1, partial=True)
    t = schema.get("type") or ("object" if "properties" in schema else None)
    if value is None:
        if not schema.get("x-nullable"):
            errs.append(f"{where}: null")
        return
    if t == "object":
        if not isinstance(value, dict):
            errs.append(f"{where}: expected an object")
            return
        props = dict(all_properties(specs, schema, base))
        for name in schema.get("required", []):
            if name not in value:
                errs.append(f"{where}: required property {name!r} missing")
        for name, sub in value.items():
            if partial:
                if name in schema.get("properties", {}):
                    check_schema(specs, schema["properties"][name], base, sub,
                                 f"{where}.{name}", errs, depth + 1)
                continue
            if name in props:
                p_schema, p_base = props[name]
                p_res, _ = specs.resolve(p_schema, p_base)
                if p_res.get("readOnly") or p_schema.get("readOnly"):
                    errs.append(f"{where}.{name}: read-only property sent")
                    continue
                if name in schema.get("properties", {}):
                    check_schema(specs, p_schema, p_base, sub, f"{where}.{name}", errs, depth + 1)
            elif isinstance(schema.get("additionalProperties"), dict):
                check_schema(specs, schema["additionalProperties"], base, sub, f"{where}.{name}",
                             errs, depth + 1)
            elif schema.get("additionalProperties") is True:
                pass
            elif props or schema.get("additionalProperties") is False:
                errs.append(f"{where}: unknown property {name!r}")
    elif t == "array":
        if not isinstance(value, list):
            errs.append(f"{where}: expected an array")
            return
        for i, item in enumerate(value):
            check_schema(specs, schema.get("items", {}), base, item, f"{where}[{i}]", errs, depth + 1)
    elif t == "string":
        if not isinstance(value, str):
            errs.append(f"{where}: expected a string")
            return
        check_string(schema, value, where, errs)
    elif t in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
           (t == "integer" and not isinstance(value, int)):
            errs.append(f"{where}: expected {t}")
    elif t == "boolean":
        if not isinstance(value, bool):
            errs.append(f"{where}: expected a boolean")
    if "enum" in schema and t != "string" and value not in schema["enum"]:
        errs.append(f"{where}: {value!r} not in {schema['enum']}")


def all_properties(specs, schema, base):
    """Properties of a schema and of its allOf parents, with their files."""
    schema, base = specs.resolve(schema, base)
    for sub in schema.get("allOf", []):
        yield from all_properties(specs, sub, base)
    for name, p in schema.get("properties", {}).items():
        yield name, (p, base)


def check_string(schema, value, where, errs):
    # Every enum is enforced, x-ms-enum modelAsString included: a value the
    # description does not list is not one we can show is right.
    if "enum" in schema and value not in schema["enum"]:
        errs.append(f"{where}: {value!r} not one of {schema['enum']}")
    if "minLength" in schema and len(value) < schema["minLength"]:
        errs.append(f"{where}: shorter than {schema['minLength']}")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errs.append(f"{where}: longer than {schema['maxLength']}")
    if "pattern" in schema:
        try:
            if not re.search(schema["pattern"], value):
                errs.append(f"{where}: {value!r} does not match {schema['pattern']}")
        except re.error:
            pass
    if schema.get("format") == "uuid" and not re.fullmatch(
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", value):
        errs.append(f"{where}: {value!r} is not a uuid")


# ------------------------------------------------------------- ARM request

def check_arm(specs, rec, path):
    op, why = specs.match(rec["method"], path)
    if op is None:
        return None, [why]
    errs = []
    m = op["rx"].match(path)
    query = urllib.parse.parse_qsl(rec.get("query", ""), keep_blank_values=True)
    qdict = {}
    for k, v in query:
        if k in qdict:
            errs.append(f"query parameter {k!r} sent twice")
        qdict[k] = v
    declared_q = set()
    body_param = None
    for p in op["params"]:
        where = f"{p.get('in')} parameter {p['name']}"
        if p.get("in") == "path":
            val = urllib.parse.unquote(m.group(re.sub(r"[^A-Za-z0-9_]", "_", p["name"])) or "")
            if not p.get("x-ms-skip-url-encoding"):
                check_string(p, val, where, errs)
        elif p.get("in") == "query":
            declared_q.add(p["name"])
            if p["name"] not in qdict:
                if p.get("required"):
                    errs.append(f"required {where} missing")
                continue
            val = qdict[p["name"]]
            if p["name"] == "api-version" and val != op["version"]:
                errs.append(f"api-version {val!r} is not {op['version']} "
                            f"({os.path.basename(op['file'])})")
            elif p.get("type") == "integer" and not re.fullmatch(r"-?\d+", val):
                errs.append(f"{where}: {val!r} is not an integer")
            elif p.get("type", "string") == "string":
                check_string(p, val, where, errs)
        elif p.get("in") == "header":
            if p.get("required") and table_check.header(rec, p["name"]) is None:
                errs.append(f"required {where} missing")
        elif p.get("in") == "body":
            body_param = p
    for k in qdict:
        if k not in declared_q:
            errs.append(f"undeclared query parameter {k!r}")
    auth = table_check.header(rec, "authorization") or ""
    if not re.fullmatch(r"Bearer [A-Za-z0-9._~+/=-]+", auth):
        errs.append("no Bearer token (azure_auth OAuth2)")
    raw = (rec.get("body") or "") if not rec.get("body_base64") else None
    if body_param is None:
        if raw:
            errs.append("body sent to an operation that declares none")
    elif not raw:
        if body_param.get("required"):
            errs.append(f"required body ({body_param['name']}) missing")
    else:
        ctype = (table_check.header(rec, "content-type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            errs.append(f"Content-Type {ctype or 'none'!r} is not application/json")
        try:
            doc = json.loads(raw)
        except ValueError:
            errs.append("body is not JSON")
        else:
            check_schema(specs, body_param["schema"], op["file"], doc, "body", errs)
    return f"{op['id']} ({op['version']})", errs


def poll_urls(log):
    """Path?query of every Azure-AsyncOperation / Location ARM sent."""
    out = set()
    if not log:
        return out
    with open(log, encoding="utf-8") as f:
        for line in f:
            ex = json.loads(line)
            for k, v in ex.get("headers", {}).items():
                if k.lower() in ("azure-asyncoperation", "location"):
                    u = urllib.parse.urlsplit(v)
                    out.add(u.path + ("?" + u.query if u.query else ""))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--specs", default=os.environ.get("ES_SPECS_DIR", "/work/shared/specs") + "/azure")
    ap.add_argument("--arm-prefix", default="/azure/arm")
    ap.add_argument("--table", action="append", default=[])
    ap.add_argument("--label", default="azure")
    ap.add_argument("--replies")
    ap.add_argument("record")
    a = ap.parse_args()
    specs = Specs(a.specs)
    tables = []
    for t in a.table:
        prefix, _, path = t.partition("=")
        if not os.path.isfile(path):
            raise SystemExit(f"azure_check: request table missing: {path}")
        tables.append((prefix, table_check.load_table(path)))
    polls = poll_urls(a.replies)
    calls, validated, violations, ops = 0, 0, [], {}
    with open(a.record, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            calls += 1
            where = f"{rec['method']} {rec['path']}"
            target = rec["path"] + ("?" + rec["query"] if rec.get("query") else "")
            if rec["method"] == "GET" and target in polls:
                name, errs = "async-operation-poll (async-operations.md)", []
                if not re.fullmatch(r"Bearer [A-Za-z0-9._~+/=-]+",
                                    table_check.header(rec, "authorization") or ""):
                    errs.append("no Bearer token")
                if rec.get("body"):
                    errs.append("a poll takes no body")
            elif rec["path"].startswith(a.arm_prefix + "/"):
                name, errs = check_arm(specs, rec, rec["path"][len(a.arm_prefix):])
            else:
                for prefix, table in tables:
                    if rec["path"].startswith(prefix + "/"):
                        row, errs = table_check.check_request(table, rec, rec["path"][len(prefix):])
                        name = row and f"{row['operation']} (table {os.path.basename(prefix)})"
                        break
                else:
                    name, errs = None, ["no validator covers this call"]
            if name is None:
                violations += [f"{where}: {e} (uncovered)" for e in errs]
                continue
            validated += 1
            ops[name] = ops.get(name, 0) + 1
            violations += [f"{name} {where}: {e}" for e in errs]
    print(f"conformance.{a.label}: {calls} calls, {len(ops)} operations, {validated} validated, "
          f"{len(violations)} violations")
    for op in sorted(ops):
        print(f"  {ops[op]:4d}  {op}")
    for v in violations[:40]:
        print("  VIOLATION " + v)
    sys.exit(0 if calls and validated == calls and not violations else 1)


if __name__ == "__main__":
    main()

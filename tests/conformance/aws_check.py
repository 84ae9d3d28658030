#!/usr/bin/env python3
"""Check recorded AWS requests against the botocore service models and
recompute every SigV4 signature.

usage: aws_check.py [--replies PROXY_LOG] [--label NAME] RECORD

RECORD is the sandbox's --record file (JSON lines: method, path, query,
headers verbatim, body). Lines whose fake is not "aws" are ignored. The
service of each request comes from its SigV4 credential scope; the path
prefix /aws/<service> (the sandbox's mount point, where the test points
the plugin's *_url keys) is removed before matching. Each request must:

- be a known operation of that service's model (botocore
  data/<service>/<version>/service-2.json, read as JSON only), in its
  protocol: query (POST, form body with Action and Version), json
  (X-Amz-Target and application/x-amz-json-<jsonVersion>), rest-xml
  (method + requestUri template, XML body with the input's root element);
- carry every required member, no unknown member, and values of the
  member's type (string length/enum, integer range, boolean, list, map,
  structure);
- be signed: AWS4-HMAC-SHA256, a credential scope of the request date, the
  region and the model's signing name, and a signature equal to one
  recomputed here from the documented algorithm (canonical request, string
  to sign, derived key). The management secret is the test secret
  (SANDBOX_AWS_SECRET_ACCESS_KEY); keys from STS AssumeRole are taken from
  the AssumeRole replies in PROXY_LOG, and their session token must be sent.

Prints operations called / validated / violations; exit 1 unless every
request was validated and nothing was violated.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import sys
import urllib.parse
import xml.etree.ElementTree as ET

BOTOCORE = os.environ.get("BOTOCORE_DATA", "/usr/lib/python3/dist-packages/botocore/data")
SERVICES = {"organizations": "2016-11-28", "sts": "2011-06-15",
            "iam": "2010-05-08", "route53": "2013-04-01"}
MASTER_SECRET = os.environ.get("SANDBOX_AWS_SECRET_ACCESS_KEY",
                               "sandbox/secret/key/0000000000000000000000")
MASTER_AKID = os.environ.get("SANDBOX_AWS_ACCESS_KEY_ID", "AKIASANDBOX000000001")
REGION = os.environ.get("SANDBOX_AWS_REGION", "us-east-1")


class Violation(Exception):
    pass


def load_model(service):
    path = os.path.join(BOTOCORE, service, SERVICES[service], "service-2.json")
    if not os.path.isfile(path):
        raise SystemExit(f"aws_check: spec file missing: {path}")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# ------------------------------------------------------------- shape checks

def check_scalar(model, shape, value, where, errs, text=True):
    """value is text (query, XML, URI: text=True) or a JSON value, where a
    number or boolean must not come as a string."""
    t = shape["type"]
    if t == "string":
        if not isinstance(value, str):
            errs.append(f"{where}: expected a string, got {type(value).__name__}")
            return
        if "min" in shape and len(value) < shape["min"]:
            errs.append(f"{where}: shorter than {shape['min']}")
        if "max" in shape and len(value) > shape["max"]:
            errs.append(f"{where}: longer than {shape['max']}")
        if "enum" in shape and value not in shape["enum"]:
            errs.append(f"{where}: {value!r} not one of {shape['enum']}")
    elif t in ("integer", "long"):
        if isinstance(value, str) and text:
            if not re.fullmatch(r"-?\d+", value):
                errs.append(f"{where}: {value!r} is not an integer")
                return
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            errs.append(f"{where}: expected an integer")
            return
        if "min" in shape and value < shape["min"]:
            errs.append(f"{where}: {value} below minimum {shape['min']}")
        if "max" in shape and value > shape["max"]:
            errs.append(f"{where}: {value} above maximum {shape['max']}")
    elif t == "boolean":
        if not (value in ("true", "false") if text else isinstance(value, bool)):
            errs.append(f"{where}: {value!r} is not a boolean")
    elif t in ("double", "float"):
        try:
            if not text and isinstance(value, str):
                raise ValueError
            float(value)
        except (TypeError, ValueError):
            errs.append(f"{where}: {value!r} is not a number")
    elif t == "timestamp":
        if not isinstance(value, (str, int, float)):
            errs.append(f"{where}: {value!r} is not a timestamp")
    elif t == "blob":
        if not isinstance(value, str):
            errs.append(f"{where}: expected base64 text")
    else:
        errs.append(f"{where}: a {t} where a scalar was given")


def member_name(mshape_ref, name):
    return mshape_ref.get("locationName", name)


def check_tree(model, shape_name, value, where, errs, text=True):
    """value: dict (structure / map), list, or scalar, as decoded by the
    protocol readers below; JSON values are checked directly."""
    shape = model["shapes"][shape_name]
    t = shape["type"]
    if t == "structure":
        if not isinstance(value, dict):
            errs.append(f"{where}: expected a structure")
            return
        members = shape.get("members", {})
        by_wire = {}
        for name, ref in members.items():
            if ref.get("location") in ("uri", "querystring", "header", "headers"):
                continue
            by_wire[name] = (name, ref)
            by_wire.setdefault(member_name(ref, name), (name, ref))
        seen = set()
        for key, sub in value.items():
            if key not in by_wire:
                errs.append(f"{where}: unknown member {key!r}")
                continue
            name, ref = by_wire[key]
            seen.add(name)
            check_tree(model, ref["shape"], sub, f"{where}.{name}", errs, text)
        for req in shape.get("required", []):
            ref = members.get(req, {})
            if ref.get("location") in ("uri", "querystring", "header", "headers"):
                continue
            if req not in seen:
                errs.append(f"{where}: required member {req!r} missing")
    elif t == "list":
        if isinstance(value, dict):  # query/XML: index -> item
            value = list(value.values())
        if not isinstance(value, list):
            errs.append(f"{where}: expected a list")
            return
        if "min" in shape and len(value) < shape["min"]:
            errs.append(f"{where}: fewer than {shape['min']} items")
        if "max" in shape and len(value) > shape["max"]:
            errs.append(f"{where}: more than {shape['max']} items")
        for i, item in enumerate(value):
            check_tree(model, shape["member"]["shape"], item, f"{where}[{i}]", errs, text)
    elif t == "map":
        if not isinstance(value, dict):
            errs.append(f"{where}: expected a map")
            return
        for k, v in value.items():
            check_scalar(model, model["shapes"][shape["key"]["shape"]], k, f"{where} key", errs)
            check_tree(model, shape["value"]["shape"], v, f"{where}[{k}]", errs, text)
    else:
        check_scalar(model, shape, value, where, errs, text)


# ------------------------------------------------------- query protocol

def query_tree(model, shape_name, params, where, errs):
    """Rebuild a value tree from flattened query keys (Name.member.N.Sub,
    Name.entry.N.key/value, Name.Sub) following the shape."""
    shape = model["shapes"][shape_name]
    t = shape["type"]
    if t == "structure":
        members = shape.get("members", {})
        wire = {member_name(r, n): n for n, r in members.items()}
        groups = {}
        for key, v in params.items():
            head, _, rest = key.partition(".")
            groups.setdefault(head, {})[rest] = v
        out = {}
        for head, sub in groups.items():
            if head not in wire:
                errs.append(f"{where}: unknown parameter {head!r}")
                continue
            name = wire[head]
            out[name] = query_tree(model, members[name]["shape"], sub, f"{where}.{name}", errs)
        return out
    if t == "list":
        items = {}
        for key, v in params.items():
            m = re.fullmatch(r"member\.(\d+)(?:\.(.*))?", key)
            if not m:
                errs.append(f"{where}: list item {key!r} is not member.N")
                continue
            items.setdefault(int(m.group(1)), {})[m.group(2) or ""] = v
        idx = sorted(items)
        if idx and idx != list(range(1, len(idx) + 1)):
            errs.append(f"{where}: list indices {idx} do not run 1..N")
        return [query_tree(model, shape["member"]["shape"], items[i], f"{where}[{i}]", errs)
                for i in idx]
    if t == "map":
        entries = {}
        for key, v in params.items():
            m = re.fullmatch(r"entry\.(\d+)\.(key|value)(?:\.(.*))?", key)
            if not m:
                errs.append(f"{where}: map item {key!r} is not entry.N.key/value")
                continue
            entries.setdefault(int(m.group(1)), {})[m.group(2)] = v
        return {e.get("key"): e.get("value") for e in entries.values()}
    if set(params) != {""}:
        errs.append(f"{where}: scalar given sub-keys {sorted(params)}")
        return params.get("")
    return params[""]


def check_query(model, rec, body, path, errs):
    if rec["method"] != "POST" or path not in ("/", ""):
        errs.append(f"query protocol wants POST /, got {rec['method']} {path}")
    ctype = header(rec, "content-type") or ""
    if not ctype.lower().startswith("application/x-www-form-urlencoded"):
        errs.append(f"Content-Type {ctype!r} is not application/x-www-form-urlencoded")
    pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    params = {}
    for k, v in pairs:
        if k in params:
            errs.append(f"parameter {k!r} sent twice")
        params[k] = v
    action = params.pop("Action", None)
    version = params.pop("Version", None)
    if version != model["metadata"]["apiVersion"]:
        errs.append(f"Version {version!r} is not {model['metadata']['apiVersion']}")
    op = model["operations"].get(action or "")
    if op is None:
        raise Violation(f"unknown operation Action={action!r}")
    if "input" in op:
        tree = query_tree(model, op["input"]["shape"], {k: v for k, v in params.items()},
                          action, errs)
        check_tree(model, op["input"]["shape"], tree, action, errs)
    elif params:
        errs.append(f"{action} takes no parameters, got {sorted(params)}")
    return action


# -------------------------------------------------------- json protocol

def check_json(model, rec, body, path, errs):
    md = model["metadata"]
    if rec["method"] != "POST" or path not in ("/", ""):
        errs.append(f"json protocol wants POST /, got {rec['method']} {path}")
    want = f"application/x-amz-json-{md.get('jsonVersion', '1.0')}"
    ctype = header(rec, "content-type") or ""
    if ctype.split(";")[0].strip().lower() != want:
        errs.append(f"Content-Type {ctype!r} is not {want}")
    target = header(rec, "x-amz-target") or ""
    prefix, _, action = target.partition(".")
    if prefix != md["targetPrefix"]:
        raise Violation(f"X-Amz-Target {target!r} lacks prefix {md['targetPrefix']}")
    op = model["operations"].get(action)
    if op is None:
        raise Violation(f"unknown operation X-Amz-Target={target!r}")
    try:
        doc = json.loads(body.decode("utf-8")) if body else {}
    except (ValueError, UnicodeDecodeError) as e:
        errs.append(f"body is not JSON: {e}")
        return action
    if "input" in op:
        check_tree(model, op["input"]["shape"], doc, action, errs, text=False)
    return action


# ----------------------------------------------------- rest-xml protocol

def template_regex(uri):
    path = uri.split("?")[0]
    out, names = "", []
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{"):
            name = part[1:-1]
            greedy = name.endswith("+")
            names.append(name.rstrip("+"))
            out += "(.+)" if greedy else "([^/]+)"
        else:
            out += re.escape(part)
    return re.compile(out + r"\Z"), names


def xml_value(model, shape_name, el, where, errs):
    shape = model["shapes"][shape_name]
    t = shape["type"]
    if t == "structure":
        members = shape.get("members", {})
        wire = {member_name(r, n): n for n, r in members.items()}
        out = {}
        for child in el:
            tag = child.tag.split("}")[-1]
            if tag not in wire:
                errs.append(f"{where}: unknown element <{tag}>")
                continue
            name = wire[tag]
            out[name] = xml_value(model, members[name]["shape"], child, f"{where}.{name}", errs)
        return out
    if t == "list":
        item = shape["member"]
        tag = item.get("locationName", "member")
        items = []
        for child in el:
            if child.tag.split("}")[-1] != tag:
                errs.append(f"{where}: list item <{child.tag.split('}')[-1]}> is not <{tag}>")
                continue
            items.append(xml_value(model, item["shape"], child, f"{where}[]", errs))
        return items
    if len(el):
        errs.append(f"{where}: scalar element has children")
    return el.text or ""


def check_rest_xml(model, rec, body, path, query, errs):
    for name, op in model["operations"].items():
        if op["http"]["method"] != rec["method"]:
            continue
        rx, names = template_regex(op["http"]["requestUri"])
        m = rx.match(path)
        if m:
            break
    else:
        raise Violation(f"no operation for {rec['method']} {path}")
    inp = model["shapes"][op["input"]["shape"]] if "input" in op else {"members": {}}
    members = inp.get("members", {})
    required = set(inp.get("required", []))
    seen = set()
    uri_vals = dict(zip(names, (urllib.parse.unquote(g) for g in m.groups())))
    qwire = {}
    for mname, ref in members.items():
        loc, wire = ref.get("location"), ref.get("locationName", mname)
        if loc == "uri":
            if wire in uri_vals:
                seen.add(mname)
                check_scalar(model, model["shapes"][ref["shape"]], uri_vals[wire], f"{name}.{mname}", errs)
        elif loc == "querystring":
            qwire[wire] = (mname, ref)
        elif loc == "header" and header(rec, wire) is not None:
            seen.add(mname)
    for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True):
        if k not in qwire:
            errs.append(f"{name}: unknown query parameter {k!r}")
            continue
        mname, ref = qwire[k]
        seen.add(mname)
        check_scalar(model, model["shapes"][ref["shape"]], v, f"{name}.{mname}", errs)
    body_members = {n: r for n, r in members.items() if "location" not in r}
    if body_members:
        root_name = op["input"].get("locationName") or inp.get("locationName")
        ns = (op["input"].get("xmlNamespace") or {}).get("uri")
        if not body:
            if required & set(body_members):
                errs.append(f"{name}: XML body missing")
        else:
            try:
                root = ET.fromstring(body)
            except ET.ParseError as e:
                errs.append(f"{name}: body is not XML: {e}")
                root = None
            if root is not None:
                want = f"{{{ns}}}{root_name}" if ns else root_name
                if root.tag != want:
                    errs.append(f"{name}: root element {root.tag} is not {want}")
                tree = xml_value(model, op["input"]["shape"], root, name, errs)
                check_tree(model, op["input"]["shape"], tree, name, errs)
    elif body:
        errs.append(f"{name}: takes no body")
    for req in required:
        if "location" in members.get(req, {}) and req not in seen:
            errs.append(f"{name}: required member {req!r} missing")
    return name


# -------------------------------------------------------------- SigV4

def header(rec, name):
    for k, v in rec["headers"].items():
        if k.lower() == name.lower():
            return v
    return None


def uri_encode(s, safe):
    return urllib.parse.quote(s, safe=safe)


def canonical_query(query):
    pairs = []
    for part in query.split("&") if query else []:
        k, _, v = part.partition("=")
        k, v = urllib.parse.unquote(k), urllib.parse.unquote(v)
        pairs.append((uri_encode(k, "-_.~"), uri_encode(v, "-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def sign(secret, rec, body, signed, date, scope):
    path = rec["path"] or "/"
    creq = "\n".join([
        rec["method"],
        uri_encode(path, "/~"),  # non-S3: the sent path, encoded once more
        canonical_query(rec["query"]),
        "".join(f"{h}:{' '.join((header(rec, h) or '').split())}\n" for h in signed),
        ";".join(signed),
        hashlib.sha256(body).hexdigest(),
    ])
    sts = "\n".join(["AWS4-HMAC-SHA256", date, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()


AUTH_RE = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/,]+)/(\d{8})/([^/,]+)/([^/,]+)/aws4_request,"
                     r"\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})\Z")


def check_signature(rec, body, sessions, model, errs):
    auth = header(rec, "authorization")
    if not auth:
        raise Violation("no Authorization header (unsigned request)")
    m = AUTH_RE.match(auth)
    if not m:
        raise Violation(f"Authorization is not AWS4-HMAC-SHA256: {auth.split(' ')[0]!r}")
    akid, day, region, service, signed_s, got = m.groups()
    signed = signed_s.split(";")
    date = header(rec, "x-amz-date") or ""
    if not re.fullmatch(r"\d{8}T\d{6}Z", date) or date[:8] != day:
        errs.append(f"X-Amz-Date {date!r} does not match the scope date {day}")
    if region != REGION:
        errs.append(f"scope region {region!r} is not {REGION}")
    signing = model["metadata"].get("signingName", model["metadata"]["endpointPrefix"])
    if service != signing:
        errs.append(f"scope service {service!r} is not {signing!r}")
    for h in ("host", "x-amz-date"):
        if h not in signed:
            errs.append(f"{h} is not signed")
    for h in rec["headers"]:
        if h.lower() in ("content-type", "x-amz-target", "x-amz-security-token") and h.lower() not in signed:
            errs.append(f"{h} is sent but not signed")
    if signed != sorted(signed):
        errs.append("SignedHeaders not sorted")
    sha = header(rec, "x-amz-content-sha256")
    if sha and sha != hashlib.sha256(body).hexdigest():
        errs.append("x-amz-content-sha256 is not the body's hash")
    if akid == MASTER_AKID:
        secret = MASTER_SECRET
    elif akid in sessions:
        secret, token = sessions[akid]
        if header(rec, "x-amz-security-token") != token:
            errs.append(f"session key {akid} without its session token")
    else:
        raise Violation(f"unknown access key {akid!r} (not the test key, not from AssumeRole)")
    want = sign(secret, rec, body, signed, date, f"{day}/{region}/{service}/aws4_request")
    if not hmac.compare_digest(want, got):
        errs.append("SigV4 signature mismatch (recomputed independently)")


def load_sessions(log):
    """AccessKeyId -> (secret, token) from AssumeRole replies."""
    out = {}
    if not log or not os.path.exists(log):
        return out
    ns = "{https://sts.amazonaws.com/doc/2011-06-15/}"
    for line in open(log, encoding="utf-8"):
        ex = json.loads(line)
        if "Action=AssumeRole" not in ex.get("request_body", "") or ex.get("status") != 200:
            continue
        try:
            root = ET.fromstring(ex["body"])
        except ET.ParseError:
            continue
        c = root.find(f"{ns}AssumeRoleResult/{ns}Credentials")
        if c is not None:
            out[c.findtext(f"{ns}AccessKeyId")] = (c.findtext(f"{ns}SecretAccessKey"),
                                                  c.findtext(f"{ns}SessionToken"))
    return out


# --------------------------------------------------------------- driver

def check_record(rec, models, sessions):
    errs = []
    body = base64.b64decode(rec["body"]) if rec.get("body_base64") else (rec.get("body") or "").encode()
    # The endpoint names the service, as a host name does at AWS: here the
    # sandbox mount /aws/<service>; else the credential scope says.
    m = re.match(r"/aws/([a-z0-9]+)(/|$)", rec["path"])
    if m:
        service = m.group(1)
    else:
        m = re.search(r"Credential=[^/]+/\d{8}/[^/]+/([^/,]+)/", header(rec, "authorization") or "")
        service = m.group(1) if m else None
    if service not in models:
        raise Violation(f"no AWS model for service {service!r}")
    model = models[service]
    path = rec["path"]
    prefix = f"/aws/{service}"
    if path.startswith(prefix):
        path = path[len(prefix):] or "/"
    proto = model["metadata"]["protocol"]
    if proto == "query":
        op = check_query(model, rec, body, path, errs)
    elif proto == "json":
        op = check_json(model, rec, body, path, errs)
    else:
        op = check_rest_xml(model, rec, body, path, rec.get("query", ""), errs)
    check_signature(rec, body, sessions, model, errs)
    return f"{service}:{op}", errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--replies")
    ap.add_argument("--label", default="aws")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("record")
    a = ap.parse_args()
    models = {s: load_model(s) for s in SERVICES}
    sessions = load_sessions(a.replies)
    calls, validated, violations, ops = 0, 0, [], {}
    with open(a.record, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            if rec.get("fake") != "aws" and not rec["path"].startswith("/aws/"):
                continue
            calls += 1
            try:
                op, errs = check_record(rec, models, sessions)
            except Violation as e:
                violations.append(f"{rec['method']} {rec['path']}: {e} (uncovered)")
                continue
            validated += 1
            ops[op] = ops.get(op, 0) + 1
            violations += [f"{op}: {e}" for e in errs]
    print(f"conformance.{a.label}: {calls} calls, {len(ops)} operations, "
          f"{validated} validated, {len(violations)} violations")
    if not a.quiet:
        for op in sorted(ops):
            print(f"  {ops[op]:4d}  {op}")
    for v in violations[:40]:
        print("  VIOLATION " + v)
    sys.exit(0 if calls and validated == calls and not violations else 1)


if __name__ == "__main__":
    main()

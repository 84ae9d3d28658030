#!/usr/bin/env bash
# Saved plans (docs/cli.md, "Saved plans"): `plan --out FILE` writes the
# document `plan --json` prints; `apply FILE` makes exactly its changes and
# refuses (exit 6, naming what changed) once the customer file, a file it
# reads or the state moved. Each task is planned again at apply time and
# is not applied when it would do what the plan did not show. Hostile plan
# files are refused with the file and the reason, never a crash.
. "$(dirname "$0")/lib.sh"

start_sandbox --async-polls 1
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"
# Templates of our own, to edit between plan and apply.
cp -r "$ES_SOURCE_DIR/etc/templates/acme" "$WORK/templates"
sed -i "s|templates_dir = \"[^\"]*\"|templates_dir = \"$WORK/templates\"|" "$cfg"
grep -q "templates_dir = \"$WORK/templates\"" "$cfg" || fail "templates_dir not rewritten"
plan="$WORK/uat.plan"

no_crash() { [ "$RC" -lt 128 ] || fail "crashed (exit $RC) on $1"; }
# The document without the members that differ between two writes of it.
same_doc() {
  python3 - "$1" "$2" <<'PY' || fail "$1 and $2 are not the same plan"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("created"); d.pop("checksum")
sys.exit(a != b)
PY
}
# forge IN OUT PYTHON: edit the plan and recompute its checksum the way
# docs/cli.md says (SHA-256 of the compact JSON without "checksum").
forge() {
  python3 - "$1" "$2" "$3" <<'PY'
import hashlib, json, sys
d = json.load(open(sys.argv[1]))
d.pop("checksum")
exec(sys.argv[3])
text = json.dumps(d, separators=(",", ":"), ensure_ascii=False)
d["checksum"] = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
}

# ---- one document: the file and plan --json -----------------------------
es plan "$cfg" --env uat --out "$plan"; expect_rc 2
expect_out "Saved the plan to $plan"
[ "$(stat -c %a "$plan")" = 600 ] || fail "the plan file is not 0600"
es plan "$cfg" --env uat --json; expect_rc 2
cp "$WORK/out" "$WORK/plan.json"
same_doc "$plan" "$WORK/plan.json"
forge "$plan" "$WORK/resum.plan" ""
python3 -c 'import json,sys; a,b=(json.load(open(p))["checksum"] for p in sys.argv[1:]); sys.exit(a!=b)' \
  "$plan" "$WORK/resum.plan" || fail "the documented checksum recipe does not reproduce the checksum"
python3 - "$plan" <<'PY' || fail "plan document lacks a member"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format_version"] == 1 and d["command"] == "plan"
assert d["customer"] == "acme" and d["environment"] == "uat"
assert len(d["config"]["sha256"]) == 64 and d["config"]["files"][0]["path"].endswith("acme.cfg")
assert any(f["path"].endswith("welcome/body.html") for f in d["config"]["files"])
import hashlib
listing = "".join("%s  %s\n" % (f["sha256"], f["path"]) for f in d["config"]["files"])
assert d["config"]["sha256"] == hashlib.sha256(listing.encode()).hexdigest(), "config.sha256 recipe"
assert d["state"]["serial"] == 0 and {p["name"] for p in d["plugins"]} == {"aws", "godaddy-ssl", "newrelic", "sumologic", "sidekiq", "mailgun", "intercom", "eway"}
t = {t["task"]: t for t in d["tasks"]}
assert t["mailgun:create_domain"]["changes"][0]["action"] == "create"
PY

# ---- the world moved: refused before any task runs ------------------------
cp "$cfg" "$WORK/acme.cfg.orig"
echo "# edited after the plan" >>"$cfg"
es apply "$plan"; expect_rc 6
expect_err "$cfg changed since the plan was made"
expect_err "plan again"
[ "$(resources_count mailgun domain)" = 0 ] || fail "a stale plan created a domain"
cp "$WORK/acme.cfg.orig" "$cfg"

cp "$WORK/templates/welcome/body.html" "$WORK/welcome.orig"
echo "<p>edited</p>" >>"$WORK/templates/welcome/body.html"
es apply "$plan"; expect_rc 6; expect_err "welcome/body.html changed since the plan was made"
cp "$WORK/welcome.orig" "$WORK/templates/welcome/body.html"
mkdir "$WORK/templates/new"
echo 'subject = "New";' >"$WORK/templates/new/template.cfg"
echo "<p>new</p>" >"$WORK/templates/new/body.html"
es apply "$plan"; expect_rc 6; expect_err "new/body.html is read now"
rm -r "$WORK/templates/new"

es apply "$cfg" --env uat --only mailgun:verify_api_key; expect_rc 0
es apply "$plan"; expect_rc 6; expect_err "state of acme/uat changed since the plan was made"
[ "$(resources_count mailgun domain)" = 0 ] || fail "a stale plan created a domain"
es plan "$cfg" --env uat --out "$plan"; expect_rc 2
es confirm "$cfg" checklist:vpn_access --by "Jane Doe" --env uat; expect_rc 0
es apply "$plan"; expect_rc 6; expect_err "state of acme/uat changed"

# ---- hostile plan files: refused with the file and the reason -------------
es plan "$cfg" --env uat --out "$plan"; expect_rc 2
refuse() { # file, exit, stderr text
  es apply "$1"; no_crash "$1"; expect_rc "$2"; expect_err "$1"; expect_err "$3"
}
head -c 300 "$plan" >"$WORK/cut.plan";             refuse "$WORK/cut.plan" 1 "not JSON (or cut short)"
echo "hello" >"$WORK/text.plan";                   refuse "$WORK/text.plan" 1 "not JSON"
{ cat "$plan"; echo "{}"; } >"$WORK/tail.plan";     refuse "$WORK/tail.plan" 1 "not JSON"
: >"$WORK/empty.plan";                             refuse "$WORK/empty.plan" 1 "empty"
head -c 4096 /dev/urandom >"$WORK/binary.plan";    refuse "$WORK/binary.plan" 1 "not a saved plan"
printf '{"a":\0}' >"$WORK/nul.plan";               refuse "$WORK/nul.plan" 1 "not JSON"
mkdir "$WORK/dir.plan";                            refuse "$WORK/dir.plan" 1 "not a regular file"
refuse "$WORK/missing.plan" 1 "No such file"
echo '[1, 2]' >"$WORK/array.json";                 refuse "$WORK/array.json" 1 "not a JSON object"
python3 -c 'print("[" * 100000)' >"$WORK/deep.plan"; refuse "$WORK/deep.plan" 1 "not JSON"
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$WORK/huge.plan"; refuse "$WORK/huge.plan" 1 "larger than 16 MiB"
echo '{"format_version": 1, "command": "status"}' >"$WORK/status.plan"; refuse "$WORK/status.plan" 1 "not a saved plan"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["format_version"]=2; json.dump(d,open(sys.argv[2],"w"))' \
  "$plan" "$WORK/v2.plan";                         refuse "$WORK/v2.plan" 1 "format_version 2 is not supported"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [t for t in d["tasks"] if "changes" in t][0]["changes"][0]["detail"]="edited"; json.dump(d,open(sys.argv[2],"w"))' \
  "$plan" "$WORK/edited.plan";                     refuse "$WORK/edited.plan" 1 "checksum does not match"
forge "$plan" "$WORK/nosum.plan" "" && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("checksum"); json.dump(d,open(sys.argv[1],"w"))' "$WORK/nosum.plan"
refuse "$WORK/nosum.plan" 1 "no checksum"
forge "$plan" "$WORK/noconfig.plan" 'd.pop("config")';                refuse "$WORK/noconfig.plan" 1 "no config digest"
forge "$plan" "$WORK/badchange.plan" '[t for t in d["tasks"] if "changes" in t][0]["changes"][0].pop("kind")'
refuse "$WORK/badchange.plan" 1 "a change without action, kind or name"
forge "$plan" "$WORK/globex.plan" 'd["customer"] = "globex"';          refuse "$WORK/globex.plan" 6 "made for customer globex"
forge "$plan" "$WORK/old.plan" 'd["envsetup_version"] = "0.0.1"';      refuse "$WORK/old.plan" 6 "made by envsetup 0.0.1"
forge "$plan" "$WORK/plugin.plan" 'd["plugins"][-1]["version"] = "9.9.9"'
refuse "$WORK/plugin.plan" 6 "the plan was made with 9.9.9"
forge "$plan" "$WORK/task.plan" 'd["tasks"].append({"task": "mailgun:nosuch", "result": "in place"})'
refuse "$WORK/task.plan" 1 "task mailgun:nosuch is not in"
[ "$(resources_count mailgun domain)" = 0 ] || fail "a refused plan created a domain"

# Another environment's plan, and a command line that would change the plan.
es plan "$cfg" --env production --out "$WORK/production.plan"; expect_rc 2
es apply "$WORK/production.plan" --env uat; expect_rc 1
expect_err "is a plan for environment production, not uat"
es apply "$plan" --only mailgun; expect_rc 64
es apply "$plan" --state-dir "$WORK/elsewhere"; expect_rc 64
es plan "$cfg" "$cfg" --env uat --out "$WORK/two.plan"; expect_rc 64
es apply "$cfg" --env uat --out "$WORK/x.plan"; expect_rc 64
sum=$(md5sum <"$cfg")
es plan "$cfg" --env uat --out "$cfg"; expect_rc 1; expect_err "not a saved plan"
[ "$(md5sum <"$cfg")" = "$sum" ] || fail "plan --out overwrote the customer file"

# ---- plan --out, apply FILE: converges -----------------------------------
es apply "$plan" --max-poll-interval 100; expect_rc 2
grep -q "not applied" "$WORK/out" && fail "a task of a fresh plan was not applied"
for t in mailgun:create_domain aws:dns_records godaddy-ssl:download_certificate; do
  grep -E "$t +done" "$WORK/out" >/dev/null || fail "$t not done"
done
[ "$(resources_count mailgun domain)" = 1 ] || fail "expected 1 domain"
es plan "$cfg" --env uat; expect_rc 0; expect_out "No changes"
es apply "$plan"; expect_rc 6; expect_err "state of acme/uat changed"

# ---- a task whose plan changed between plan and apply is not applied -------
# (with the document plan --json printed: it is a saved plan too)
es plan "$cfg" --env uat --json; expect_rc 0
cp "$WORK/out" "$WORK/drift.json"
hooks="$SANDBOX_URL/mailgun/v3/domains/mail.uat.acme.example/webhooks"
curl -sf -u "api:$MAILGUN_API_KEY" -X PUT -d url=https://drift.example/hook "$hooks/delivered" >/dev/null ||
  fail "could not change the webhook at the sandbox"
es apply "$WORK/drift.json" --max-poll-interval 100; expect_rc 6
grep -E "mailgun:configure_webhooks +failed +not applied: its plan changed since the saved plan" "$WORK/out" >/dev/null ||
  fail "configure_webhooks was not stopped"
expect_err "run plan again"
curl -sf -u "api:$MAILGUN_API_KEY" "$hooks/delivered" | grep -q drift.example ||
  fail "apply FILE changed a webhook the plan did not show"
es plan "$cfg" --env uat; expect_rc 2; expect_out "webhook delivered"

# ---- no secret value in a plan file or in plan --json -----------------------
es -vv plan "$cfg" --env uat --out "$WORK/last.plan"; expect_rc 2
es -vv plan "$cfg" --env uat --json; expect_rc 2
secrets_file=$(find "$WORK/state" -name secrets.json)
python3 - "$secrets_file" >"$WORK/needles" <<'PY'
import json, os, sys
out = {os.environ[n] for n in ("MAILGUN_API_KEY", "AWS_SECRET_ACCESS_KEY", "GODADDY_API_SECRET", "GODADDY_API_KEY")}
def walk(o):
    if isinstance(o, dict): [walk(v) for v in o.values()]
    elif isinstance(o, list): [walk(v) for v in o]
    elif isinstance(o, str) and len(o) >= 8: out.add(o)
walk(json.load(open(sys.argv[1])))
print("\n".join(sorted(out)))
PY
[ "$(wc -l <"$WORK/needles")" -ge 6 ] || fail "too few secret values to look for"
for f in "$WORK"/*.plan "$WORK/plan.json" "$WORK/out"; do
  [ -f "$f" ] || continue
  if grep -qFf "$WORK/needles" "$f"; then fail "a secret value is in $f"; fi
done
echo "saved_plan: all checks passed"

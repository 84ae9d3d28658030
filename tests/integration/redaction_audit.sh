#!/usr/bin/env bash
# Redaction audit: every command an operator runs, on the four example
# customers, with the sandbox's known credentials, and then every byte
# envsetup wrote is searched for every secret in every form it could leak
# in. Commands: check, plan (and --out), apply -vv (HTTP traces), apply
# --output json, apply under faults, a run killed at the state-put hook,
# status (and --json), report --format md|html|json, export (both
# targets), graph, plan --destroy, destroy. Searched: their stdout and
# stderr, every file under the state directory (run logs, journals,
# state, locks, keys, saved plans), the working directory, reports and
# exports; not searched: the secrets store (secrets.json) and the export's
# `.secrets` files (NAME.secrets.env, NAME.secrets.json), which must be
# 0600. Forms: the value, base64 (at each
# alignment, so inside a longer encoding too), URL-encoded with lower and
# upper hex (what curl_easy_escape and a form body give), JSON-escaped,
# and base64 of `user:secret` as HTTP Basic sends it. The secrets the
# providers return (generated passwords, keys, tokens) join the list from
# the store once the runs made them. Prints what it scanned and the hits.
. "$(dirname "$0")/lib.sh"

example_fakes
start_sandbox --async-polls 1
OUT="$WORK/outputs" RUN="$WORK/cwd"
mkdir -p "$OUT" "$RUN"
n=0
# envsetup ARGS from the working directory $RUN, stdout and stderr kept
# apart in $OUT (every one of them is scanned).
run() {
  n=$((n + 1))
  set +e
  (cd "$RUN" && "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" "$@") >"$OUT/$n.out" 2>"$OUT/$n.err" </dev/null
  RC=$?
  set -e
  cp "$OUT/$n.out" "$WORK/out"; cp "$OUT/$n.err" "$WORK/err"
}
ok() { [ "$RC" = 0 ] || [ "$RC" = 2 ] || fail "$*: exit $RC"; }

for name in acme globex initech umbrella; do
  cfg="$RUN/$name.cfg"
  "$ES_SOURCE_DIR/scripts/sandbox-config" "$ES_SOURCE_DIR/etc/customers/$name.cfg" "$SANDBOX_URL" "$WORK/state-$name" >"$cfg"
  run check "$cfg" --env uat; ok "$name check"
  run plan "$cfg" --env uat -vv; ok "$name plan"
  run plan "$cfg" --env uat --out "$RUN/$name.plan"; ok "$name plan --out"
  if [ "$name" = acme ]; then
    # Killed between Mailgun's answer and the put of the domain's id.
    set +e
    (cd "$RUN" && ENVSETUP_TEST_KILL_BEFORE_PUT=mailgun:domain_id "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
      apply "$cfg" --env uat -vv --max-poll-interval 100) >"$OUT/killed.out" 2>"$OUT/killed.err"
    rc=$?
    set -e
    [ "$rc" = 137 ] || fail "acme: the kill hook did not fire (exit $rc)"
    # Under faults: errors, retries and lost answers, traced.
    curl -s --data-raw '500:* /mailgun:p=0.3;reset:* /aws:p=0.2;errorbody:* /godaddy:p=0.2;429:* /sumologic:p=0.3,retry-after=1' \
      "$SANDBOX_URL/_sandbox/faults" >/dev/null
    run apply "$cfg" --env uat -vv --max-poll-interval 100
    [ "$RC" -lt 128 ] || fail "acme under faults: signal"
    curl -s --data-raw '' "$SANDBOX_URL/_sandbox/faults" >/dev/null
  fi
  run apply "$cfg" --env uat -vv --max-poll-interval 100; ok "$name apply -vv"
  run apply "$cfg" --env uat --output json --max-poll-interval 100; ok "$name apply --output json"
  run status "$cfg" --env uat; ok "$name status"
  run status "$cfg" --env uat --json; ok "$name status --json"
  for f in md html json; do
    run report "$cfg" --env uat --format "$f"; ok "$name report $f"
    cp "$OUT/$n.out" "$RUN/$name-report.$f"
  done
  for t in mnoe3 mnoe4; do
    run export "$cfg" --target "$t" --env uat --out "$RUN/export-$name-$t"
    [ "$RC" = 0 ] || [ "$RC" = 2 ] || [ "$RC" = 1 ] || fail "$name export $t: exit $RC"
  done
  run graph "$cfg" --env uat; ok "$name graph"
  run plan "$cfg" --env uat --destroy -vv; ok "$name plan --destroy"
  set +e
  echo "$name" | (cd "$RUN" && "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" destroy "$cfg" --env uat -vv \
    --max-poll-interval 100) >"$OUT/destroy-$name.out" 2>"$OUT/destroy-$name.err"
  rc=$?
  set -e
  [ "$rc" -lt 128 ] || fail "$name destroy: signal"
done

python3 - "$WORK" <<'PY' || fail "secrets leaked (above)"
import base64, json, os, re, stat, sys, urllib.parse

work = sys.argv[1]
# The credentials the customers reference (tests/support/sandbox_accounts.sh).
names = ["MAILGUN_API_KEY", "AWS_SECRET_ACCESS_KEY", "GODADDY_API_SECRET",
         "AZURE_CLIENT_SECRET", "INTERCOM_ACCESS_TOKEN", "INTERCOM_API_SECRET",
         "MANDRILL_API_KEY", "JIRA_API_TOKEN", "BRAINTREE_PRIVATE_KEY",
         "EWAY_API_PASSWORD", "NEWRELIC_API_KEY", "SUMOLOGIC_ACCESS_KEY",
         "SPLUNK_TOKEN", "SPARKPOST_API_KEY", "SMTP_PASSWORD", "GODADDY_API_KEY",
         "EWAY_API_KEY"]
secrets = {n: os.environ[n] for n in names if os.environ.get(n)}
users = ["api", "envsetup@globex.example", os.environ.get("BRAINTREE_PUBLIC_KEY", ""),
         os.environ.get("SUMOLOGIC_ACCESS_ID", ""), os.environ.get("EWAY_API_KEY", ""),
         os.environ.get("GODADDY_API_KEY", ""), "admin"]

# What the providers returned, kept in the stores: every string value.
def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)

stores, protected = [], set()
for root, _, files in os.walk(work):
    for f in files:
        p = os.path.join(root, f)
        if f == "secrets.json" or ".secrets." in f or f.endswith(".secrets"):
            protected.add(p)
            mode = stat.S_IMODE(os.stat(p).st_mode)
            if mode & 0o077:
                print("%s is mode %o, not 0600" % (p, mode))
                sys.exit(1)
            if f == "secrets.json":
                try:
                    for i, s in enumerate(strings(json.load(open(p)))):
                        if len(s) >= 8:
                            secrets["%s value %d" % (os.path.relpath(p, work), i)] = s
                except ValueError:
                    pass  # sealed: nothing to learn

def b64_anywhere(s):
    """The base64 of s as it appears inside any longer encoding: for each
    of the three alignments, the characters that depend on s alone."""
    out, raw = set(), s.encode()
    for k in range(3):
        enc = base64.b64encode(b"\0" * k + raw).decode().rstrip("=")
        start = (k * 8 + 5) // 6  # chars touched by the padding bytes
        end = len(enc) - (1 if (k + len(raw)) % 3 else 0)
        if end - start >= 6:
            out.add(enc[start:end])
    return out

needles = {}
for label, s in secrets.items():
    forms = {"plain": {s}, "base64": b64_anywhere(s),
             "url": {urllib.parse.quote(s, safe=""),
                     re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.quote(s, safe="")),
                     urllib.parse.quote_plus(s)},
             "json": {json.dumps(s)[1:-1], json.dumps(s)[1:-1].replace("/", "\\/")},
             "basic": {base64.b64encode(("%s:%s" % (u, s)).encode()).decode() for u in users if u and u != s}}
    for form, vals in forms.items():
        for v in vals:
            if v and (form == "plain" or v != s):
                needles[v.encode()] = "%s (%s)" % (label, form)

skip_dirs = {os.path.join(work, d) for d in ("smtp",)}
files = bytes_ = hits = 0
for root, dirs, fs in os.walk(work):
    if any(root == d or root.startswith(d + "/") for d in skip_dirs):
        continue
    for f in fs:
        p = os.path.join(root, f)
        # The sandbox (the provider side) and this script's own lists.
        if p in protected or f in ("sandbox.log", "sandbox.port", "needles") or not os.path.isfile(p):
            continue
        data = open(p, "rb").read()
        files += 1
        bytes_ += len(data)
        for needle, what in needles.items():
            if needle in data:
                hits += 1
                print("LEAK: %s in %s" % (what, os.path.relpath(p, work)))
print("redaction audit: %d files, %d bytes scanned for %d secrets in %d forms; %d hits; %d protected files (0600) not scanned"
      % (files, bytes_, len(secrets), len(needles), hits, len(protected)))
sys.exit(1 if hits else 0)
PY

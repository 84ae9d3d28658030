#!/usr/bin/env bash
# `envsetup report` after an apply of the example customer: the Markdown
# default, the JSON document, and the HTML page rendered in headless
# Chromium: its DOM must hold every section of the checklist, the progress
# chart (one bar group per section, counted as status counts), the last
# apply's timeline (one bar per task that ran), no external asset and no
# secret; its screenshot must be a PNG of the window's size.
. "$(dirname "$0")/lib.sh"

# CHROMIUM names another binary (or none: CHROMIUM=/nonexistent shows the skip).
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ] || [ ! -x "$CHROMIUM" ]; then
  if [ "${ENVSETUP_REQUIRE_CONFORMANCE:-0}" = 1 ]; then
    fail "chromium is not installed and ENVSETUP_REQUIRE_CONFORMANCE=1 (scripts/deps installs Debian's chromium)"
  fi
  echo "SKIP [$TEST_NAME]: chromium is not installed (scripts/deps installs Debian's chromium package); the HTML report is not rendered"
  exit 77
fi

start_sandbox --async-polls 2  # two polls: two waits on a bar
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"
es apply "$cfg" --env uat --max-poll-interval 100 --json; expect_rc 2
cp "$WORK/out" "$WORK/apply.json"
es status "$cfg" --env uat --json; expect_rc 0
cp "$WORK/out" "$WORK/status.json"

# The default is Markdown; a format it does not know is a usage error.
es report "$cfg" --env uat; expect_rc 0
grep -q '^## 1 ' "$WORK/out" || fail "the Markdown report has no section 1"
grep -q "BEGIN CERTIFICATE" "$WORK/out" && fail "the Markdown report prints a PEM"
es report "$cfg" --env uat --format pdf; expect_rc 64
expect_err "md, html or json"
es status "$cfg" --env uat --format html; expect_rc 64

es report "$cfg" --env uat --format json; expect_rc 0
cp "$WORK/out" "$WORK/report.json"
es report "$cfg" --env uat --format html; expect_rc 0
cp "$WORK/out" "$WORK/report.html"

"$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/chromium" \
  --dump-dom "file://$WORK/report.html" >"$WORK/dom.html" 2>"$WORK/chromium.err" ||
  fail "chromium could not render the report: $(tail -3 "$WORK/chromium.err")"
"$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/chromium" \
  --hide-scrollbars --window-size=1200,2000 --screenshot="$WORK/report.png" \
  "file://$WORK/report.html" >>"$WORK/chromium.err" 2>&1 ||
  fail "chromium could not take the screenshot: $(tail -3 "$WORK/chromium.err")"
cat "$WORK/dom.html" >>"$WORK/all-output"

python3 - "$WORK" <<'PY' || fail "the rendered report does not hold what it should (above)"
import json, struct, sys
from html.parser import HTMLParser

work = sys.argv[1]
doc = json.load(open(f"{work}/report.json"))
status = json.load(open(f"{work}/status.json"))
apply = json.load(open(f"{work}/apply.json"))
problems = []

class Dom(HTMLParser):
    """The elements of the rendered DOM, with their text and nesting."""
    def __init__(self):
        super().__init__()
        self.stack, self.h2, self.groups, self.external = [], [], [], []
        self.titles, self.wait_rects = [], {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "link", "img", "iframe") or (tag == "image"):
            src = a.get("src") or a.get("href") or a.get("xlink:href")
            if src or tag in ("script", "iframe"):
                self.external.append(f"<{tag} {src}>")
        if "url(" in (a.get("style") or "") and "http" in a.get("style"):
            self.external.append(f"<{tag} style>")
        svg = next((s for s in reversed(self.stack) if s[0] == "svg"), None)
        if tag == "g" and svg:
            self.groups.append((svg[1].get("id"), a.get("class"), a))
        if tag == "rect" and a.get("class") == "wait" and self.stack[-1][0] == "g":
            task = self.stack[-1][1].get("data-task")
            self.wait_rects[task] = self.wait_rects.get(task, 0) + 1
        self.stack.append((tag, a, []))
    def handle_endtag(self, tag):
        while self.stack:
            t, a, text = self.stack.pop()
            if t == "h2":
                self.h2.append("".join(text).strip())
            if t == "title" and self.stack and self.stack[-1][0] == "rect":
                self.titles.append((self.stack[-1][1].get("class"), "".join(text)))
            if self.stack:
                self.stack[-1][2].extend(text)
            if t == tag:
                break
    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)

dom = Dom()
html = open(f"{work}/dom.html").read()
dom.feed(html)
style = html[html.find("<style"):html.find("</style>")]
if "@import" in style or "url(" in style:
    problems.append("the inline CSS loads something")
if dom.external:
    problems.append(f"external assets: {dom.external}")

# Every section of the checklist as a heading, the seed's 1 to 5 (or
# their subsections) among them.
sections = doc["sections"]
ids = [s["id"] for s in sections]
for top in "12345":
    if not any(i == top or i.startswith(top + ".") for i in ids):
        problems.append(f"section {top} is missing from the report's document")
for s in sections:
    want = f'{s["id"]} {s["title"]}'
    if want not in dom.h2:
        problems.append(f"no heading '{want}' (headings: {dom.h2[:8]}...)")

# The progress chart: one bar group per section, in order, counted as
# status counts (status --json's items of each section).
bars = [a for svg, cls, a in dom.groups if svg == "progress-chart" and cls == "section-bar"]
if [b.get("data-section") for b in bars] != ids:
    problems.append(f"progress chart groups {[b.get('data-section') for b in bars]} != sections {ids}")
counted = {}
for it in status["items"]:
    if "task" in it:
        st = it["state"] if it["state"] in ("done", "waiting", "blocked", "failed") else "pending"
        key = (it["section"], st)
        counted[key] = counted.get(key, 0) + 1
drawn = {}
for s in sections:
    for st, n in s["counts"].items():
        if n != counted.get((s["id"], st), 0):
            problems.append(f"section {s['id']}: {n} {st} in the report, {counted.get((s['id'], st), 0)} in status")
        drawn[st] = drawn.get(st, 0) + n
shown = {}
for cls, title in dom.titles:
    if cls and cls.startswith("bar-"):
        st, n = title.split(": ")
        shown[st] = shown.get(st, 0) + int(n)
if {k: v for k, v in drawn.items() if v} != shown:
    problems.append(f"the bars draw {shown}, the counts are {drawn}")
for st in ("done", "waiting", "blocked"):
    if not drawn.get(st):
        problems.append(f"the example has no {st} item to draw")

# The timeline: one bar per task the apply ran (not those it blocked
# behind an unfinished dependency without running them).
ran = sorted(t["task"] for t in apply["tasks"]
             if not (t["state"] == "blocked" and t.get("message", "").startswith("waiting on ")))
timeline = sorted(a.get("data-task") for svg, cls, a in dom.groups
                  if svg == "timeline-chart" and cls == "task-bar")
if not ran or timeline != ran:
    problems.append(f"timeline bars {len(timeline)} != tasks that ran {len(ran)}: "
                    f"{sorted(set(timeline) ^ set(ran))[:6]}")
last = doc["last_apply"]
for t in last["tasks"]:
    if not 0 <= t["start_s"] <= t["end_s"] <= last["duration_s"] + 1e-6:
        problems.append(f"{t['task']}: start {t['start_s']} end {t['end_s']} outside the apply")
    # Each sleep where it happened: inside the task, adding up to its
    # total wait (16 at most: more extend the last one), one stretch each
    # on its bar.
    waits = t["waits"]
    if t["waited_s"] > 0 and not waits:
        problems.append(f"{t['task']}: waited {t['waited_s']} s but no wait recorded")
    if abs(sum(b - a for a, b in waits) - t["waited_s"]) > 0.01 and len(waits) < 16:
        problems.append(f"{t['task']}: waits {waits} do not add up to {t['waited_s']} s")
    if any(not t["start_s"] - 1e-6 <= a <= b for a, b in waits) or \
       any(a2 < b1 - 0.005 for (_, b1), (a2, _) in zip(waits, waits[1:])):
        problems.append(f"{t['task']}: waits {waits} out of order or before the task")
    inside = [w for w in waits if w[0] < t["end_s"]]
    if dom.wait_rects.get(t["task"], 0) != len(inside):
        problems.append(f"{t['task']}: {dom.wait_rects.get(t['task'], 0)} waits drawn, {len(inside)} recorded")
polled = [t for t in last["tasks"] if len(t["waits"]) > 1]
if not polled:
    problems.append("no task of the apply waited twice: the timeline's waits are not exercised")

# Certificates and outputs: the expiry shown, no PEM.
if not doc["certificates"]:
    problems.append("no certificate expiry in the report")
for c in doc["certificates"]:
    if c["domain"] not in html or c["expires_at"] not in html:
        problems.append(f"certificate {c['domain']} not shown")
if "BEGIN CERTIFICATE" in html:
    problems.append("the page prints a PEM")

png = open(f"{work}/report.png", "rb").read()
if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
    problems.append("the screenshot is not a PNG")
else:
    w, h = struct.unpack(">II", png[16:24])
    if (w, h) != (1200, 2000) or len(png) < 20000:
        problems.append(f"screenshot {w}x{h}, {len(png)} bytes: expected 1200x2000 and some content")
    print(f"screenshot {w}x{h}, {len(png)} bytes; {len(bars)} sections, {len(timeline)} timeline bars, "
          f"{sum(dom.wait_rects.values())} waits drawn")

for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

password=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"]["mailgun"]["smtp_password"])' \
  "$WORK/state/uat/secrets.json")
expect_no_secret "$password" "$MAILGUN_API_KEY" "$GODADDY_API_SECRET" "$EWAY_API_PASSWORD"
echo "report: ok"

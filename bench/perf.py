#!/usr/bin/env python3
"""Figures for issue 14, against the sandbox (bench/README.md says how to run).

  bench/perf.py BUILD_DIR [--runs N] [--customers N] [--only NAME,...]

Prints, one table per measurement, the median of --runs runs (default 5):
  cpu      fresh and no-change apply of etc/customers/acme.cfg at 0 ms
           latency: provider calls (the sandbox's --record), own CPU per
           call (user+sys of envsetup, getrusage), peak RSS.
  floor    one fresh apply at 50 ms latency: wall against the dependency
           floor (the longest chain of dependent calls x 50 ms).
  poll     mailgun alone at 20 ms latency, its domain verification
           taking 4 polls (--async-polls 4), 1 s apart and 1 ms apart:
           wall (do webhooks, templates and SMTP overlap the waits?) and
           CPU per second waited (the difference between the two).
  io       fresh apply of acme at 0 ms latency, then two no-change
           applies: provider reads, reads repeated with no write to that
           provider in between, and fsync/fdatasync calls (strace -f).
  ratelimit  mailgun alone at 0 ms latency, with rate_limit_per_min 300
           and without: CPU and wake-ups per second waited for tokens.
  many     --customers distinct copies of acme (default 10) in one
           invocation at 20 ms latency: wall, calls/s, RSS, CPU per call,
           and correctness (resources = N x one customer's, plan exits 0).
Nothing here is a test: it prints figures and fails only when a run does.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

CREDENTIALS = {
    "MAILGUN_API_KEY": "key-sandbox-mailgun-0001",
    "AWS_ACCESS_KEY_ID": "AKIASANDBOX000000001",
    "AWS_SECRET_ACCESS_KEY": "sandbox/secret/key/0000000000000000000000",
    "GODADDY_API_KEY": "sandbox-godaddy-key-0001",
    "GODADDY_API_SECRET": "sandbox-godaddy-secret-0001",
    "INTERCOM_ACCESS_TOKEN": "sandbox-intercom-token-0001",
    "INTERCOM_API_SECRET": "sandbox-intercom-iv-secret-0001",
    "NEWRELIC_API_KEY": "NRAK-SANDBOX00000000000000001",
    "SUMOLOGIC_ACCESS_ID": "suSandboxAccessId01",
    "SUMOLOGIC_ACCESS_KEY": "sandbox-sumo-key-0001",
    "EWAY_API_KEY": "sandbox-eway-key-0001",
    "EWAY_API_PASSWORD": "sandbox-eway-password-0001",
}
TRACE_CALL = re.compile(
    r"^\[([a-z0-9-]+:[a-z0-9_]+)\] (GET|POST|PUT|PATCH|DELETE|HEAD) http")
REFERENCE = re.compile(r"\$\{([a-z0-9-]+)\.([a-z0-9_]+)\}")


def find(build, name):
    for root, _, files in os.walk(build):
        if name in files and os.access(os.path.join(root, name), os.X_OK):
            return os.path.join(root, name)
    sys.exit(f"perf.py: no {name} under {build}")


class Bench:
    def __init__(self, build, src, work):
        self.es = find(build, "envsetup")
        self.sandbox = find(build, "envsetup-sandbox")
        self.plugins = os.path.join(build, "plugins")
        self.src, self.work = src, work
        self.proc = None
        self.env = dict(os.environ, **CREDENTIALS)

    # ---- sandbox ---------------------------------------------------------
    def start(self, *args):
        self.stop()
        port = os.path.join(self.work, "port")
        if os.path.exists(port):
            os.remove(port)
        self.record = os.path.join(self.work, "record.jsonl")
        open(self.record, "w").close()
        self.proc = subprocess.Popen(
            [self.sandbox, "--listen", "127.0.0.1:0", "--port-file", port,
             "--record", self.record, *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=self.env)
        for _ in range(200):
            if os.path.exists(port) and os.path.getsize(port):
                break
            time.sleep(0.05)
        self.url = "http://127.0.0.1:" + open(port).read().strip()

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(
            self.url + "/_sandbox/reset", data=b"", method="POST")).read()
        shutil.rmtree(os.path.join(self.work, "state"), ignore_errors=True)
        open(self.record, "w").close()

    def calls(self):
        with open(self.record) as f:
            return sum(1 for _ in f)

    def resources(self):
        with urllib.request.urlopen(self.url + "/_sandbox/resources") as r:
            counts = {}
            for res in json.load(r):
                k = (res.get("provider"), res.get("kind"))
                counts[k] = counts.get(k, 0) + 1
            return counts

    # ---- customers -------------------------------------------------------
    def config(self, copy=None):
        """acme pointed at the sandbox; copy N: every name made acmeN."""
        text = subprocess.run(
            [os.path.join(self.src, "scripts/sandbox-config"),
             os.path.join(self.src, "etc/customers/acme.cfg"), self.url,
             os.path.join(self.work, "state")],
            check=True, capture_output=True, text=True).stdout
        name = "acme"
        if copy is not None:
            name = f"acme{copy:03d}"
            # Names, addresses and domains; not the paths of shared files.
            text = re.sub(r'(?<![/\w])acme(?=[.\-@:"])', name, text)
            # Each customer its own state directory.
            text = re.sub(r'state_dir = "([^"]*)";',
                          rf'state_dir = "\1/{name}";', text, count=1)
        path = os.path.join(self.work, name + ".cfg")
        with open(path, "w") as f:
            f.write(text)
        return path

    # ---- envsetup --------------------------------------------------------
    def run(self, *args, expect=(0, 2), stderr=None):
        """Returns (wall s, cpu s, peak RSS KiB, exit code, voluntary
        context switches: each wake-up of a sleeping thread)."""
        start = time.monotonic()
        p = subprocess.Popen([self.es, "--plugin-dir", self.plugins, *args],
                             stdout=subprocess.DEVNULL,
                             stderr=stderr or subprocess.DEVNULL,
                             env=self.env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - start
        rc = os.waitstatus_to_exitcode(status)
        if rc not in expect:
            sys.exit(f"perf.py: envsetup {' '.join(args)}: exit {rc}")
        return (wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, rc,
                ru.ru_nvcsw)


def median(xs):
    return statistics.median(xs)


def table(title, head, rows):
    print(f"\n{title}")
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    for r in [head, *rows]:
        print("  " + "  ".join(str(c).rjust(w) for c, w in zip(r, widths)))


def bench_cpu(b, runs):
    b.start("--latency-ms", "0")
    cfg = b.config()
    fresh, again = [], []
    for _ in range(runs):
        b.reset()
        wall, cpu, rss, *_ = b.run("apply", cfg, "--env", "uat",
                                  "--max-poll-interval", "1")
        fresh.append((b.calls(), cpu, rss, wall))
        open(b.record, "w").close()
        wall, cpu, rss, *_ = b.run("apply", cfg, "--env", "uat",
                                  "--max-poll-interval", "1")
        again.append((b.calls(), cpu, rss, wall))
    rows = []
    for name, xs in (("fresh apply", fresh), ("no-change apply", again)):
        calls = median([x[0] for x in xs])
        cpu = median([x[1] for x in xs])
        rows.append((name, calls, f"{cpu:.3f}",
                     f"{1000 * median([x[1] / x[0] for x in xs]):.2f}",
                     f"{median([x[2] for x in xs]) / 1024:.1f}",
                     f"{median([x[3] for x in xs]):.2f}"))
    table("Own CPU, acme at 0 ms latency (median of %d)" % runs,
          ("run", "calls", "cpu s", "cpu ms/call", "peak RSS MB", "wall s"),
          rows)


def dependency_floor(b, cfg):
    """Longest chain of dependent calls, from a traced run's calls per task
    and the tasks' depends_on plus the config's output references."""
    b.reset()
    err = os.path.join(b.work, "trace")
    with open(err, "w") as f:
        b.run("apply", cfg, "--env", "uat", "--max-poll-interval", "1",
              "-vvv", stderr=f)
    calls = {}
    with open(err, errors="replace") as f:
        for line in f:
            m = TRACE_CALL.match(line)
            if m:
                calls[m.group(1)] = calls.get(m.group(1), 0) + 1
    deps, outputs, needs = {}, {}, {}
    for plugin in sorted({t.split(":")[0] for t in calls}):
        d = json.loads(subprocess.run(
            [b.es, "--plugin-dir", b.plugins, "plugins", "describe", plugin,
             "--json"], check=True, capture_output=True, text=True).stdout)
        for t in d["tasks"]:
            ref = f"{plugin}:{t['id']}"
            deps[ref] = {x if ":" in x else f"{plugin}:{x}"
                         for x in t.get("depends_on") or []}
            needs[ref] = set(t.get("needs") or [])
        for o in d["outputs"]:
            outputs[f"{plugin}.{o['name']}"] = f"{plugin}:{o['task']}"
    # "${p.output}" in plugin Q's key K: the producer before Q's tasks
    # that need K.
    plugin = None
    for line in open(cfg):
        m = re.match(r"^  ([a-z0-9-]+) = \{", line)
        if m:
            plugin = m.group(1)
        for m in REFERENCE.finditer(line):
            key = re.findall(r"(\w+) = [(\[]?[^=]*" + re.escape(m.group(0)),
                             line)
            for ref, n in needs.items():
                if ref.startswith(plugin + ":") and set(key) & n:
                    deps[ref].add(outputs.get(
                        f"{m.group(1)}.{m.group(2)}", ref))
    memo = {}

    def chain(ref, seen=()):
        if ref not in memo:
            memo[ref] = calls.get(ref, 0) + max(
                [chain(d, seen + (ref,)) for d in deps.get(ref, ())
                 if d not in seen and d != ref] or [0])
        return memo[ref]

    longest = max(chain(r) for r in calls)
    per_plugin = {}
    for r, n in calls.items():
        p = r.split(":")[0]
        per_plugin[p] = per_plugin.get(p, 0) + n
    return longest, sum(calls.values()), max(per_plugin.items(),
                                             key=lambda x: x[1])


def bench_floor(b, runs, latency_ms=50):
    b.start("--latency-ms", str(latency_ms))
    cfg = b.config()
    longest, total, busiest = dependency_floor(b, cfg)
    walls = []
    for _ in range(runs):
        b.reset()
        walls.append(b.run("apply", cfg, "--env", "uat",
                           "--max-poll-interval", "1")[0])
    floor = longest * latency_ms / 1000
    wall = median(walls)
    table(f"One customer at {latency_ms} ms latency (median of {runs})",
          ("calls", "longest chain", "floor s", "busiest plugin", "wall s",
           "wall/floor"),
          [(total, longest, f"{floor:.2f}",
            f"{busiest[0]} {busiest[1]}", f"{wall:.2f}",
            f"{wall / floor:.2f}")])


def bench_poll(b, runs):
    """What waiting costs: mailgun alone, its verification 4 polls apart,
    with 1 s waits and with none; the difference is the waiting."""
    b.start("--latency-ms", "20", "--async-polls", "4")
    cfg = b.config()
    rows = {}
    for wait in ("1", "1000"):
        for _ in range(runs):
            b.reset()
            wall, cpu, _, _, wakes = b.run("apply", cfg, "--env", "uat",
                                           "--only", "mailgun",
                                           "--max-poll-interval", wait)
            rows.setdefault(wait, []).append((wall, cpu, b.calls(), wakes))
    med = {w: [median([r[i] for r in xs]) for i in range(4)]
           for w, xs in rows.items()}
    waited = med["1000"][0] - med["1"][0]
    table("mailgun alone, its verification 4 polls apart, 20 ms latency "
          f"(median of {runs})",
          ("poll wait", "calls", "wall s", "cpu s", "wake-ups", "waited s",
           "cpu ms per s waited", "wake-ups per s waited"),
          [(f"{w} ms", m[2], f"{m[0]:.2f}", f"{m[1]:.3f}", m[3],
            f"{waited:.2f}" if w == "1000" else "",
            f"{1000 * (m[1] - med['1'][1]) / waited:.2f}"
            if w == "1000" else "",
            f"{(m[3] - med['1'][3]) / waited:.1f}" if w == "1000" else "")
           for w, m in med.items()])


READ_ACTION = re.compile(r"(^|[.=])(List|Get|Describe)[A-Za-z]*$")


def repeated_reads(record):
    """(reads, repeats): a read is a GET, an AWS List/Get/Describe
    (X-Amz-Target or Action=) or a GraphQL query; a repeat is a read identical to an earlier
    one (method, path, query, body) with no write to that provider in
    between."""
    seen, reads, repeats = {}, 0, 0
    with open(record) as f:
        for line in f:
            r = json.loads(line)
            provider = r.get("fake")
            action = (r["headers"].get("X-Amz-Target") or
                      "".join(re.findall(r"Action=(\w+)",
                                         r["query"] + r.get("body", ""))))
            key = (r["method"], r["fake_path"], r["query"], r.get("body"))
            graphql_read = (r["fake_path"].endswith("/graphql") and
                            "mutation" not in r.get("body", ""))
            if not (r["method"] == "GET" or READ_ACTION.search(action) or
                    graphql_read):
                seen[provider] = set()
                continue
            reads += 1
            mine = seen.setdefault(provider, set())
            repeats += key in mine
            mine.add(key)
    return reads, repeats


def bench_io(b, runs):
    """Reads repeated within one apply and fsyncs, fresh and no-change."""
    b.start("--latency-ms", "0")
    cfg = b.config()
    trace = os.path.join(b.work, "strace")
    # The first no-change apply after a fresh one re-records each task
    # "no changes" where it said "changed"; the next one is steady state.
    rows = {"fresh apply": [], "no-change apply": [],
            "no-change apply again": []}
    for _ in range(runs):
        b.reset()
        for name in rows:
            open(b.record, "w").close()
            subprocess.run(
                ["strace", "-f", "-qq", "-e", "trace=fsync,fdatasync",
                 "-o", trace, b.es, "--plugin-dir", b.plugins, "apply", cfg,
                 "--env", "uat", "--max-poll-interval", "1"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=b.env)
            with open(trace) as f:
                syncs = sum(1 for ln in f if "sync(" in ln)
            rows[name].append((b.calls(), *repeated_reads(b.record), syncs))
    table(f"Repeated reads and fsyncs, acme at 0 ms latency (median of {runs})",
          ("run", "calls", "reads", "repeated reads", "fsyncs"),
          [(name, *[median([x[i] for x in xs]) for i in range(4)])
           for name, xs in rows.items()])


def bench_ratelimit(b, runs, per_min=300):
    """What the rate limiter's waits cost: mailgun alone at 0 ms latency,
    without a limit and with rate_limit_per_min; the difference in wall is
    the waiting for tokens, the differences in CPU and wake-ups (ru_nvcsw)
    per second of it are what that waiting costs."""
    b.start("--latency-ms", "0")
    plain = b.config()
    limited = os.path.join(b.work, "limited.cfg")
    with open(plain) as f:
        text = f.read()
    with open(limited, "w") as f:
        f.write(re.sub(r"(\n  mailgun = \{)",
                       rf"\1 rate_limit_per_min = {per_min};", text, count=1))
    med = {}
    for name, cfg in (("none", plain), (f"{per_min}/min", limited)):
        rows = []
        for _ in range(runs):
            b.reset()
            wall, cpu, _, _, wakes = b.run("apply", cfg, "--env", "uat",
                                           "--only", "mailgun",
                                           "--max-poll-interval", "1")
            rows.append((b.calls(), wall, cpu, wakes))
        med[name] = [median([r[i] for r in rows]) for i in range(4)]
    base, lim = med["none"], med[f"{per_min}/min"]
    waited = lim[1] - base[1]
    table(f"mailgun alone, rate limit or none, 0 ms latency (median of {runs})",
          ("limit", "calls", "wall s", "cpu s", "wake-ups", "waited s",
           "cpu ms per s waited", "wake-ups per s waited"),
          [(name, m[0], f"{m[1]:.2f}", f"{m[2]:.3f}", m[3],
            f"{waited:.2f}" if m is lim else "",
            f"{1000 * (m[2] - base[2]) / waited:.2f}" if m is lim else "",
            f"{(m[3] - base[3]) / waited:.1f}" if m is lim else "")
           for name, m in med.items()])


def bench_many(b, n):
    # The fakes' accounts hold every copy's domain and teammates.
    b.env["SANDBOX_INTERCOM_ADMINS"] = ",".join(
        f"owner@acme{i:03d}.example,support-lead@acme{i:03d}.example"
        for i in range(n)) + ",owner@acme.example,support-lead@acme.example"
    b.env["SANDBOX_GODADDY_DOMAINS"] = ",".join(
        [f"acme{i:03d}.example" for i in range(n)] + ["acme.example"])
    b.start("--latency-ms", "20")
    one = b.config()
    b.reset()
    b.run("apply", one, "--env", "uat", "--max-poll-interval", "1")
    per_customer = b.resources()
    cfgs = [b.config(i) for i in range(n)]
    b.reset()
    wall, cpu, rss, *_ = b.run("apply", *cfgs, "--env", "uat",
                              "--max-poll-interval", "1")
    calls = b.calls()
    got = b.resources()
    # Each customer's own resources N times; the account-wide ones the
    # copies share (New Relic's domain, Intercom's attributes...) once.
    wrong = {k: (v, n * per_customer.get(k, 0)) for k, v in got.items()
             if v not in (n * per_customer.get(k, 0), per_customer.get(k))}
    wrong.update({k: (0, n * v) for k, v in per_customer.items()
                  if k not in got})
    plan_rc = b.run("plan", *cfgs, "--env", "uat", expect=range(256))[3]
    table(f"{n} distinct copies of acme in one invocation, 20 ms latency",
          ("customers", "calls", "wall s", "calls/s", "peak RSS MB",
           "cpu ms/call", "no duplicates", "plan after"),
          [(n, calls, f"{wall:.1f}", f"{calls / wall:.0f}",
            f"{rss / 1024:.1f}", f"{1000 * cpu / calls:.2f}",
            "yes" if not wrong else f"NO {wrong}", f"exit {plan_rc}")])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--customers", type=int, default=10)
    ap.add_argument("--only", default="cpu,floor,poll,many")
    a = ap.parse_args()
    src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    work = tempfile.mkdtemp(prefix="envsetup-perf.",
                            dir=os.environ.get("TMPDIR"))
    b = Bench(os.path.abspath(a.build), src, work)
    print(f"envsetup {b.es}; {os.cpu_count()} CPUs; load average "
          f"{os.getloadavg()[0]:.2f}")
    try:
        for name in a.only.split(","):
            if name == "many":
                bench_many(b, a.customers)
            else:
                globals()["bench_" + name](b, a.runs)
    finally:
        b.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

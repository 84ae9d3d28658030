#!/usr/bin/env python3
"""Issue 14's benchmark table, against the sandbox (bench/run builds and
runs it; docs/performance.md explains every row).

  bench/perf.py BUILD_DIR [--runs N] [--only NAME,...] [--quick] ...

Sections (--only, default all but poll, io and ratelimit), each a table, then a summary of
every figure against its target:
  startup  `envsetup check` of acme (every plugin loaded and validated)
  cpu      fresh and no-change apply of acme at 0 ms latency: own CPU per
           provider call (user+sys of envsetup and its children), RSS
  floor    one fresh apply at --latency-ms (50): wall against the
           dependency floor, the longest chain of dependent calls x L,
           from the run's own trace and `envsetup graph`
  many     1, 10, 100 (--customers) distinct copies of acme in one
           invocation at --many-latency-ms (20): wall, calls/s, peak RSS
           of the process tree, correctness
  ansible  acme's Mailgun requests as an Ansible playbook of uri tasks
           against the same sandbox, side by side with envsetup
  growth   time at n and 10n of journal length, users, records,
           templates, manual items, customers: super-linear flagged
  poll     mailgun alone, verification 4 polls apart: what waiting costs
  io       (on request; needs strace) fresh apply of acme at 0 ms, then
           two no-change applies: provider reads, reads repeated with no
           write to that provider in between, fsync/fdatasync calls
  ratelimit  (on request) mailgun alone at 0 ms, with rate_limit_per_min
           300 and without: CPU and wake-ups per second waited for tokens
Nothing here is a test: it prints figures and fails only when a run does.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ansible_side  # noqa: E402
import growth  # noqa: E402
from benchlib import Bench, median, table  # noqa: E402

TRACE_CALL = re.compile(
    r"\[([a-z0-9-]+:[a-z0-9_]+)\] (GET|POST|PUT|PATCH|DELETE|HEAD) http")
DOT_NODE = re.compile(r'^\s*(n[0-9]+) \[label="([^"\\]+)\\n')
DOT_EDGE = re.compile(r'^\s*(n[0-9]+) -> (n[0-9]+)')


def apply(*cfgs):
    """A fresh or repeated apply of cfgs, waits between polls capped at
    1 ms (the sandbox's operations finish after --async-polls polls)."""
    return ("apply", *cfgs, "--env", "uat", "--max-poll-interval", "1")


def bench_startup(b, a):
    b.start("--latency-ms", "0")
    cfg = b.config()
    runs = [b.run("check", cfg) for _ in range(max(a.runs, 5))]
    wall = median([r.wall for r in runs]) * 1000
    cpu = median([r.cpu for r in runs]) * 1000
    plugins = len({ref.split(":")[0] for ref in task_graph(b, cfg)}
                  - {"checklist"})
    fastest = min(r.wall for r in runs) * 1000
    table(f"Start-up: `envsetup check acme.cfg`, its {plugins} plugins "
          f"(median of {len(runs)})",
          ("wall ms", "fastest wall ms", "cpu ms", "peak RSS MB"),
          [(f"{wall:.1f}", f"{fastest:.1f}", f"{cpu:.1f}",
            f"{median([r.rss_max_mb for r in runs]):.1f}")])
    b.target("start-up (check, all plugins)",
             f"{wall:.1f} ms (cpu {cpu:.1f} ms)", "< 20 ms", wall < 20)


def bench_cpu(b, a):
    b.start("--latency-ms", "0")
    cfg = b.config()
    fresh, again = [], []
    for _ in range(a.runs):
        b.reset()
        r = b.run(*apply(cfg))
        fresh.append((b.calls(), r))
        b.forget_calls()
        r = b.run(*apply(cfg))
        again.append((b.calls(), r))
    rows = []
    for name, xs in (("fresh apply", fresh), ("no-change apply", again)):
        per_call = 1000 * median([r.cpu / n for n, r in xs])
        rows.append((name, median([n for n, _ in xs]),
                     f"{median([r.cpu for _, r in xs]):.3f}",
                     f"{per_call:.2f}",
                     f"{median([r.rss_max_mb for _, r in xs]):.1f}",
                     f"{median([r.wall for _, r in xs]):.2f}"))
        b.target(f"own CPU per call, {name} (0 ms)", f"{per_call:.2f} ms",
                 "<= 0.3 ms", per_call <= 0.3)
    table(f"Own CPU, acme at 0 ms latency (median of {a.runs})",
          ("run", "calls", "cpu s", "cpu ms/call", "peak RSS MB", "wall s"),
          rows)


def task_graph(b, cfg):
    """Edges of `envsetup graph`: task -> the tasks it waits for (its
    depends_on and the producers of the outputs its keys reference)."""
    dot = subprocess.run([b.es, "--plugin-dir", b.plugins, "graph", cfg,
                          "--env", "uat"], check=True, capture_output=True,
                         text=True, env=b.env).stdout
    refs, deps = {}, {}
    for line in dot.splitlines():
        m = DOT_NODE.match(line)
        if m:
            refs[m.group(1)] = m.group(2)
            deps.setdefault(m.group(2), set())
        m = DOT_EDGE.match(line)
        if m:
            # An edge points from a task to one it waits for.
            deps.setdefault(refs[m.group(1)], set()).add(refs[m.group(2)])
    return deps


def longest_chain(calls, deps):
    """The chain of dependent tasks with the most calls in total."""
    memo = {}

    def chain(ref, seen):
        if ref not in memo:
            memo[ref] = calls.get(ref, 0) + max(
                [chain(d, seen | {ref}) for d in deps.get(ref, ())
                 if d not in seen and d != ref] or [0])
        return memo[ref]

    return max([chain(r, frozenset()) for r in calls] or [0])


def traced_apply(b, cfg, *args):
    """A fresh apply with its HTTP trace: (Run, calls per task)."""
    b.reset()
    err = os.path.join(b.work, "trace")
    with open(err, "w") as f:
        r = b.run(*apply(cfg), "-vv", *args, stderr=f)
    calls = {}
    with open(err, errors="replace") as f:
        for line in f:
            m = TRACE_CALL.search(line)
            if m:
                calls[m.group(1)] = calls.get(m.group(1), 0) + 1
    return r, calls


def bench_floor(b, a):
    L = a.latency_ms
    b.start("--latency-ms", str(L))
    cfg = b.config()
    deps = task_graph(b, cfg)
    rows, ratios = [], []
    for _ in range(a.runs):
        r, calls = traced_apply(b, cfg)
        chain = longest_chain(calls, deps)
        recorded = b.calls()
        floor = chain * L / 1000
        ratios.append(r.wall / floor)
        per_plugin = {}
        for ref, n in calls.items():
            p = ref.split(":")[0]
            per_plugin[p] = per_plugin.get(p, 0) + n
        busiest = max(per_plugin.items(), key=lambda x: x[1])
        rows.append((recorded, sum(calls.values()), chain, floor,
                     f"{busiest[0]} {busiest[1]}", r.wall))
    b.floor_chain = median([r[2] for r in rows])
    b.one_customer_calls = median([r[0] for r in rows])
    ratio = median(ratios)
    table(f"One customer (acme) at {L} ms latency (median of {a.runs})",
          ("calls (sandbox)", "calls (trace)", "longest chain",
           "floor s", "busiest plugin", "wall s", "wall/floor"),
          [(median([r[0] for r in rows]), median([r[1] for r in rows]),
            b.floor_chain, f"{median([r[3] for r in rows]):.2f}",
            rows[len(rows) // 2][4], f"{median([r[5] for r in rows]):.2f}",
            f"{ratio:.2f}")])
    b.target(f"one customer, wall / floor at {L} ms", f"{ratio:.2f}",
             "<= 1.2", ratio <= 1.2)


def many_run(b, n, a, per_customer):
    L = a.many_latency_ms
    cfgs = [b.config(i) for i in range(n)]
    b.reset()
    b.latency(L)
    r = b.run(*apply(*cfgs), *a.many_args)
    calls = b.calls()
    got = b.resources()
    # Each customer's own resources N times; the account-wide ones the
    # copies share (New Relic's domain, Intercom's attributes...) once.
    wrong = {k: (v, n * per_customer.get(k, 0)) for k, v in got.items()
             if v not in (n * per_customer.get(k, 0), per_customer.get(k))}
    wrong.update({k: (0, n * v) for k, v in per_customer.items()
                  if k not in got})
    b.latency(0)  # the check's own time is not the figure
    out = os.path.join(os.path.dirname(b.work), f"envsetup-bench-plan-{n}.txt")
    with open(out, "w") as f:
        plan_rc = b.run("plan", *cfgs, "--env", "uat", expect=range(256),
                        stdout=f, stderr=f).rc
    if plan_rc == 0:
        os.remove(out)
    else:
        print(f"perf.py: plan after {n} customers exits {plan_rc}: {out}",
              file=sys.stderr)
    # The floor given the run's limits: the longest chain, or all the
    # calls spread over the global parallelism, whichever is longer.
    floor = max(getattr(b, "floor_chain", 0),
                calls / a.parallelism) * L / 1000
    return (n, calls, r, floor, not wrong, plan_rc, wrong)


def bench_many(b, a):
    L = a.many_latency_ms
    # The fakes' accounts hold every copy's domain and teammates.
    top = max(a.customers)
    b.env["SANDBOX_INTERCOM_ADMINS"] = ",".join(
        f"owner@acme{i:03d}.example,support-lead@acme{i:03d}.example"
        for i in range(top)) + ",owner@acme.example,support-lead@acme.example"
    b.env["SANDBOX_GODADDY_DOMAINS"] = ",".join(
        [f"acme{i:03d}.example" for i in range(top)] + ["acme.example"])
    b.start("--latency-ms", "0")
    b.reset()
    b.run(*apply(b.config()))
    per_customer = b.resources()
    rows = []
    b.many = {}
    for n in a.customers:
        n, calls, r, floor, ok, plan_rc, wrong = many_run(b, n, a,
                                                          per_customer)
        b.many[n] = r.wall
        rows.append((n, calls, f"{r.wall:.1f}", f"{calls / r.wall:.0f}",
                     f"{floor:.1f}", f"{r.wall / floor:.2f}",
                     f"{r.rss_max_mb:.1f}", f"{r.pss_sum_mb:.1f}",
                     f"{1000 * r.cpu / calls:.2f}",
                     "yes" if ok else f"NO {wrong}", f"exit {plan_rc}"))
        b.target(f"{n} customers: peak memory (RSS of the largest process"
                 " / PSS of the tree)",
                 f"{r.rss_max_mb:.1f} / {r.pss_sum_mb:.1f} MB",
                 "<= 50 MB (both)",
                 max(r.rss_max_mb, r.pss_sum_mb) <= 50)
        b.target(f"{n} customers: correct (no duplicates, plan after)",
                 f"{'yes' if ok else 'NO'}, plan exit {plan_rc}",
                 "yes, exit 0", ok and plan_rc == 0)
        if n == top:
            b.target(f"{n} customers: wall / floor at {L} ms",
                     f"{r.wall / floor:.2f}", "<= 1.2",
                     r.wall / floor <= 1.2)
    table(f"Many customers in one invocation at {L} ms latency "
          f"(one run each; floor: max(longest chain, calls / "
          f"{a.parallelism}) x {L} ms)",
          ("customers", "calls", "wall s", "calls/s", "floor s",
           "wall/floor", "RSS max MB", "PSS sum MB", "cpu ms/call",
           "no duplicates", "plan after"), rows)


def bench_poll(b, a):
    """What waiting costs: mailgun alone, its verification 4 polls apart,
    with 1 s waits and with none; the difference is the waiting."""
    b.start("--latency-ms", "20", "--async-polls", "4")
    cfg = b.config()
    rows = {}
    for wait in ("1", "1000"):
        for _ in range(a.runs):
            b.reset()
            r = b.run("apply", cfg, "--env", "uat", "--only", "mailgun",
                      "--max-poll-interval", wait)
            rows.setdefault(wait, []).append((r.wall, r.cpu, b.calls(),
                                              r.wakeups))
    med = {w: [median([r[i] for r in xs]) for i in range(4)]
           for w, xs in rows.items()}
    waited = med["1000"][0] - med["1"][0]
    table("mailgun alone, its verification 4 polls apart, 20 ms latency "
          f"(median of {a.runs})",
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


def bench_io(b, a):
    runs = a.runs
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


def bench_ratelimit(b, a, per_min=300):
    """What the rate limiter's waits cost: mailgun alone at 0 ms latency,
    without a limit and with rate_limit_per_min; the difference in wall is
    the waiting for tokens, the differences in CPU and wake-ups (ru_nvcsw)
    per second of it are what that waiting costs."""
    runs = a.runs
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
            r = b.run("apply", cfg, "--env", "uat", "--only", "mailgun",
                      "--max-poll-interval", "1")
            rows.append((b.calls(), r.wall, r.cpu, r.wakeups))
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


def bench_ansible(b, a):
    ansible_side.bench(b, a)


def bench_growth(b, a):
    growth.bench(b, a)


def machine(src):
    """What the figures were measured on, printed with them."""
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        debian = "Debian " + open("/etc/debian_version").read().strip()
    except OSError:
        debian = "not Debian"
    commit = subprocess.run(["git", "-C", src, "describe", "--always",
                             "--dirty"], capture_output=True,
                            text=True).stdout.strip() or "not a git tree"
    return f"commit {commit}; {os.cpu_count()} CPUs ({cpu}); {debian}"


def numbers(text):
    return [int(x) for x in text.split(",") if x]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only",
                    default="startup,cpu,floor,many,ansible,growth")
    ap.add_argument("--latency-ms", type=int, default=50,
                    help="the one-customer row's provider latency")
    ap.add_argument("--many-latency-ms", type=int, default=20,
                    help="the many-customers rows' provider latency")
    ap.add_argument("--customers", type=numbers, default=[1, 10, 100])
    ap.add_argument("--parallelism", type=int, default=10,
                    help="the global limit the many-customers floor "
                    "assumes (-p N is passed only with --pass-parallelism)")
    ap.add_argument("--pass-parallelism", action="store_true")
    ap.add_argument("--growth-scale", type=float, default=1.0,
                    help="multiplies every n of the growth table")
    ap.add_argument("--quick", action="store_true",
                    help="tiny sizes, one run: checks that it works")
    a = ap.parse_args()
    if a.quick:
        a.runs, a.customers, a.growth_scale = 1, [1, 2], 0.01
    a.many_args = ["-p", str(a.parallelism)] if a.pass_parallelism else []
    src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    work = tempfile.mkdtemp(prefix="envsetup-perf.",
                            dir=os.environ.get("TMPDIR"))
    b = Bench(os.path.abspath(a.build), src, work)
    print(f"# envsetup benchmark\n\n{machine(src)}; load average "
          f"{os.getloadavg()[0]:.2f} at the start")
    try:
        for name in a.only.split(","):
            globals()["bench_" + name](b, a)
    finally:
        b.stop()
        shutil.rmtree(work, ignore_errors=True)
    table("Summary: each figure against issue 14's target",
          ("row", "figure", "target", "met"), b.summary)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()

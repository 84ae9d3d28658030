"""Does any step cost more than linearly? Each workload runs at n and 10n
against the sandbox at 0 ms latency (fresh before each run); the figure is
envsetup's own CPU (user + system of it and its children), which the
load of a shared machine disturbs less than wall time. Linear growth
adds about 10 times what n adds to the time of one item (the start-up);
above 15 it is flagged super-linear. The workloads are issue 12's
quadratic paths and issue 14's list: journal length, IAM users, DNS
records, templates, chained manual items, customers."""
import json
import os
import re
import shutil

from benchlib import median, table

SUPER_LINEAR = 15


def acme_with(b, name, old, new):
    """acme pointed at the sandbox with one of its lists replaced."""
    text = open(b.config()).read()
    changed = re.sub(old, lambda _: new, text, count=1)
    assert changed != text, f"growth: acme.cfg has no {old}"
    path = os.path.join(b.work, name + ".cfg")
    with open(path, "w") as f:
        f.write(changed)
    return path


def quoted(items):
    return "[ " + ", ".join(f'"{x}"' for x in items) + " ]"


def users(b, n):
    cfg = acme_with(b, f"users{n}", r'users = \[ "dev1" \];',
                    f"users = {quoted(f'dev{i}' for i in range(n))};")
    return ("plan", cfg, "--env", "uat", "--only", "aws")


def records(b, n):
    cfg = acme_with(b, f"records{n}", r'records = \[ "connec=connec-uat[^]]*\]',
                    "records = " + quoted(f"h{i}=h{i}.elb.example.net"
                                          for i in range(n)))
    return ("apply", cfg, "--env", "uat", "--only", "aws",
            "--max-poll-interval", "1")


def templates(b, n):
    source = os.path.join(b.src, "etc/templates/acme/welcome")
    folder = os.path.join(b.work, f"templates{n}")
    shutil.rmtree(folder, ignore_errors=True)
    for i in range(n):
        shutil.copytree(source, os.path.join(folder, f"t{i:05d}"))
    cfg = acme_with(b, f"templates{n}", r'templates_dir = "[^"]*"',
                    f'templates_dir = "{folder}"')
    return ("apply", cfg, "--env", "uat", "--only", "mailgun",
            "--max-poll-interval", "1")


def manual_items(b, n):
    """n manual items, each depending on the one before."""
    items = [f'{{ id = "m{i}"; title = "Step {i}"; question = "Done?"; '
             f'owner = "ops";'
             + (f' depends_on = [ "checklist:m{i - 1}" ];' if i else "")
             + " }" for i in range(n)]
    path = os.path.join(b.work, f"manual{n}.cfg")
    with open(path, "w") as f:
        f.write(f'customer = {{ id = "chain"; name = "Chain"; state_dir = '
                f'"{b.work}/state/chain"; }};\n'
                'environments = { uat = { domain = "uat.chain.example"; }; };\n'
                'checklist = ( { section = "1"; title = "Ops"; manual = (\n'
                + ",\n".join(items) + "\n); } );\nplugins = { };\n")
    return ("plan", path, "--env", "uat")


def measure(b, make, n, runs):
    cpu, wall = [], []
    for _ in range(runs):
        b.reset()
        r = b.run(*make(b, n))
        cpu.append(r.cpu)
        wall.append(r.wall)
    return median(cpu), median(wall)


def journal(kind):
    """`status` of a state whose journal holds n records (what a run
    killed after a long apply leaves): intent (change requests never
    answered), pair (each answered), kv (provider ids, one key each)."""
    def make(b, n):
        # Made again for each run: opening a state may compact it.
        folder = os.path.join(b.work, "journal")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(os.path.join(folder, "state/uat"))
        cfg = os.path.join(folder, "j.cfg")
        with open(cfg, "w") as f:
            f.write(JOURNAL_CUSTOMER)
        write_journal(os.path.join(folder, "state/uat/journal.jsonl"),
                      kind, n)
        return ("status", cfg, "--env", "uat")
    return make


JOURNAL_CUSTOMER = """\
customer = { id = "journal"; name = "Journal"; state_dir = "state"; };
environments = { uat = { domain = "uat.journal.example"; }; };
checklist = ( { section = "1"; title = "Mail"; plugins = [ "mailgun" ]; } );
plugins = { mailgun = { api_key = "env:MAILGUN_API_KEY"; region = "us";
                        domain = "mail.journal.example";
                        api_url = "http://127.0.0.1:9/"; }; };
"""


def write_journal(path, kind, n):
    with open(path, "w") as f:
        f.write('{"type":"header","format_version":"1.0"}\n')
        for i in range(1, n + 1):
            if kind == "kv":
                f.write(json.dumps({"type": "kv_put", "plugin": "mailgun",
                                    "key": f"user_{i}",
                                    "value": f"id-{i}"}) + "\n")
                continue
            f.write(json.dumps({"type": "intent",
                                "ref": "mailgun:create_domain",
                                "method": "POST",
                                "url": f"https://x.example/{i}",
                                "intent": "x", "id": i, "at": 1}) + "\n")
            if kind == "pair":
                f.write(json.dumps({"type": "result", "id": i,
                                    "status": 200, "at": 1}) + "\n")


WORKLOADS = (
    ("IAM users (plan, aws)", users, 2000),
    ("DNS records (apply, aws)", records, 20),
    ("templates (apply, mailgun)", templates, 20),
    ("chained manual items (plan)", manual_items, 2000),
    ("journal of intent records (status)", journal("intent"), 4000),
    ("journal of answered intents (status)", journal("pair"), 4000),
    ("journal of recorded ids (status)", journal("kv"), 4000),
)



def row(b, rows, name, n, base, at_n, at_10n, unit):
    """The ratio of what n and 10n add to the baseline (one item): a
    start-up that dwarfs n's own work would hide the growth otherwise."""
    added_n, added_10n = at_n - base, at_10n - base
    if added_n < 0.005:
        ratio, verdict, met = None, "too small to tell", None
    else:
        ratio = added_10n / added_n
        met = ratio <= SUPER_LINEAR
        verdict = "linear" if met else "SUPER-LINEAR"
    shown = f"x{ratio:.1f}" if ratio is not None else "-"
    rows.append((name, f"{base:.3f}", n, f"{at_n:.3f}", 10 * n,
                 f"{at_10n:.3f}", unit, f"x{at_10n / at_n:.1f}", shown,
                 verdict))
    b.target(f"growth: {name}, n={n} to {10 * n}", shown,
             f"<= x{SUPER_LINEAR} (linear)", met)


def bench(b, a):
    b.start("--latency-ms", "0")
    rows = []
    for name, make, n in WORKLOADS:
        n = max(2, int(n * a.growth_scale))
        base, small, large = (measure(b, make, size, a.runs)
                              for size in (1, n, 10 * n))
        row(b, rows, name, n, base[0], small[0], large[0], "cpu s")
    many = getattr(b, "many", {})
    small = [c for c in many if 10 * c in many and 1 in many]
    if small:
        c = max(small)
        row(b, rows, f"customers in one apply ({a.many_latency_ms} ms)", c,
            many[1], many[c], many[10 * c], "wall s")
    table(f"Growth: time at 1, n and 10n (median of {a.runs}); the "
          f"verdict is on what n and 10n add to 1's time (linear: about "
          f"x10, flagged above x{SUPER_LINEAR})",
          ("workload", "at 1", "n", "at n", "10n", "at 10n", "figure",
           "10n / n", "added 10n / added n", "verdict"), rows)

"""What every benchmark of bench/perf.py shares: the sandbox, the example
customer pointed at it, an envsetup run measured (wall, CPU, peak RSS of
its whole process tree), and the summary of figures against targets."""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request


def find(build, name):
    for root, _, files in os.walk(build):
        if name in files and os.access(os.path.join(root, name), os.X_OK):
            return os.path.join(root, name)
    sys.exit(f"perf.py: no {name} under {build}")


def sandbox_credentials(src):
    """The sandbox's test credentials, from the one list the demo and the
    integration tests source (never the caller's real keys)."""
    creds = {}
    path = os.path.join(src, "tests/support/sandbox_accounts.sh")
    for line in open(path):
        m = re.match(r"^export ([A-Z0-9_]+)=(\S+)$", line.strip())
        if m:
            creds[m.group(1)] = m.group(2)
    return creds


def median(xs):
    return statistics.median(xs)


class TreeMemory:
    """Peak memory of a process and all its descendants, sampled every
    20 ms from /proc while it runs (customers may run in forked children):
    the largest resident set of one process, and the largest sum over the
    tree at one instant of the proportional set sizes (PSS: a page shared
    by forked processes counts once in the sum, where RSS would count it
    in each)."""

    def __init__(self, pid):
        self.pid, self.max_one, self.max_sum = pid, 0, 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    @staticmethod
    def sizes_kib(pid):
        """(RSS, PSS) of one process, 0 once it is gone."""
        rss = pss = 0
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss = int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss = int(line.split()[1])
        except OSError:
            pass
        return rss, pss

    def tree(self):
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            try:
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{tid}/children") as f:
                        todo.extend(int(c) for c in f.read().split())
            except OSError:
                pass
        return pids

    def sample(self):
        while not self.done.is_set():
            sizes = [self.sizes_kib(p) for p in self.tree()]
            self.max_one = max([self.max_one, *(rss for rss, _ in sizes)])
            self.max_sum = max(self.max_sum, sum(pss for _, pss in sizes))
            self.done.wait(0.02)

    def stop(self, ru_maxrss):
        self.done.set()
        self.thread.join()
        # wait4()'s ru_maxrss is exact for the largest single process
        # (itself and its reaped children); the sum can only be sampled.
        self.max_one = max(self.max_one, ru_maxrss)


class Run:
    def __init__(self, wall, ru, status, memory):
        self.wall = wall
        self.cpu = ru.ru_utime + ru.ru_stime
        self.rc = os.waitstatus_to_exitcode(status)
        self.wakeups = ru.ru_nvcsw
        self.rss_max_mb = memory.max_one / 1024
        self.pss_sum_mb = memory.max_sum / 1024


class Bench:
    def __init__(self, build, src, work):
        self.es = find(build, "envsetup")
        self.sandbox = find(build, "envsetup-sandbox")
        self.plugins = os.path.join(build, "plugins")
        self.src, self.work = src, work
        self.proc = None
        self.env = dict(os.environ, **sandbox_credentials(src))
        self.summary = []

    # ---- figures against targets -----------------------------------------
    def target(self, row, figure, target, met):
        """met: True, False, or None when there is no target or no
        figure (printed as n/a)."""
        self.summary.append((row, figure, target,
                             {True: "met", False: "NOT MET"}.get(met, "n/a")))

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
        for _ in range(400):
            if os.path.exists(port) and os.path.getsize(port):
                break
            time.sleep(0.05)
        self.url = "http://127.0.0.1:" + open(port).read().strip()

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None

    def control(self, what, body=b""):
        urllib.request.urlopen(urllib.request.Request(
            f"{self.url}/_sandbox/{what}", data=body, method="POST")).read()

    def latency(self, ms):
        self.control("latency", str(ms).encode())

    def reset(self):
        self.control("reset")
        shutil.rmtree(os.path.join(self.work, "state"), ignore_errors=True)
        self.forget_calls()

    def forget_calls(self):
        open(self.record, "w").close()

    def requests(self):
        with open(self.record) as f:
            return [json.loads(line) for line in f]

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
    def config(self, copy=None, customer="acme"):
        """The customer pointed at the sandbox; copy N: every name made
        acmeNNN, with its own state directory."""
        text = subprocess.run(
            [os.path.join(self.src, "scripts/sandbox-config"),
             os.path.join(self.src, f"etc/customers/{customer}.cfg"),
             self.url, os.path.join(self.work, "state")],
            check=True, capture_output=True, text=True).stdout
        name = customer
        if copy is not None:
            name = f"{customer}{copy:03d}"
            # Names, addresses and domains; not the paths of shared files.
            text = re.sub(rf'(?<![/\w]){customer}(?=[.\-@:"])', name, text)
            text = re.sub(r'state_dir = "([^"]*)";',
                          rf'state_dir = "\1/{name}";', text, count=1)
        path = os.path.join(self.work, name + ".cfg")
        with open(path, "w") as f:
            f.write(text)
        return path

    # ---- envsetup --------------------------------------------------------
    def run(self, *args, expect=(0, 2), stdout=None, stderr=None, cmd=None,
            env=None):
        """Runs envsetup (or cmd) to the end: a Run."""
        argv = cmd or [self.es, "--plugin-dir", self.plugins, *args]
        start = time.monotonic()
        p = subprocess.Popen(argv, stdout=stdout or subprocess.DEVNULL,
                             stderr=stderr or subprocess.DEVNULL,
                             env=env or self.env)
        memory = TreeMemory(p.pid)
        # wait4() reports the process's CPU and that of every descendant
        # it reaped: the whole tree's own CPU.
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - start
        p.returncode = os.waitstatus_to_exitcode(status)
        memory.stop(ru.ru_maxrss)
        r = Run(wall, ru, status, memory)
        if r.rc not in expect:
            sys.exit(f"perf.py: {' '.join(argv[:1] + list(args))}: "
                     f"exit {r.rc}")
        return r


def table(title, head, rows):
    """A Markdown table, readable as text and pasted as is into the docs."""
    print(f"\n### {title}\n")
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    for i, r in enumerate([head, *rows]):
        print("| " + " | ".join(str(c).ljust(w)
                                for c, w in zip(r, widths)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    sys.stdout.flush()

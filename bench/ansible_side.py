"""The tool users would otherwise pick: an Ansible playbook of `uri` tasks
making the same Mailgun requests as envsetup's apply of acme (issue 14,
research/anchors-orchestrators.md section 3.3), against the same sandbox,
alternated with envsetup in the same invocation.

The playbook is made from what envsetup just sent (the sandbox's record):
each request, in order, as one uri task with the same method, URL, body
and content type, Basic auth with the key from the environment, as an
Ansible user would write it, expecting the status envsetup got. Facts are
not gathered: the figure is Ansible's cost per HTTP call, not its set-up."""
import json
import os
import re
import shutil

from benchlib import median, table

RECAP = re.compile(r"\bok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+"
                   r"failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+"
                   r"ignored=(\d+)")


def form_fields(req):
    """The fields of a multipart/form-data body, in order."""
    boundary = req["content_type"].split("boundary=", 1)[1]
    fields = {}
    for part in req["body"].split("--" + boundary)[1:]:
        head, _, value = part.partition("\r\n\r\n")
        m = re.search(r'name="([^"]*)"', head)
        if m:
            fields[m.group(1)] = value[:-2] if value.endswith("\r\n") \
                else value
    return fields


def unexpanded(text):
    """text as an Ansible user writes it: Mailgun templates hold {{ }},
    which Ansible must not expand, and a value that looks like JSON
    would become a dict (the usual idiom: a leading space)."""
    if text.startswith(("{", "[")):
        text = " " + text
    return "{% raw %}" + text + "{% endraw %}" if "{" in text else text


def uri_task(i, url, req):
    task = {
        "url": url + req["path"] + ("?" + req["query"] if req["query"]
                                    else ""),
        "method": req["method"],
        "url_username": "api",
        "url_password": "{{ lookup('env', 'MAILGUN_API_KEY') }}",
        "force_basic_auth": True,
        "status_code": [req["status"]],
        "return_content": True,
    }
    kind = (req.get("content_type") or "").split(";")[0]
    if kind == "multipart/form-data":
        task["body_format"] = "form-multipart"
        task["body"] = {k: unexpanded(v)
                        for k, v in form_fields(req).items()}
    elif kind:
        task["headers"] = {"Content-Type": req["content_type"]}
        task["body"] = unexpanded(req.get("body") or "")
    return {"name": f"{i} {req['method']} {req['path']}",
            "ansible.builtin.uri": task, "ignore_errors": True}


def playbook(b, requests):
    path = os.path.join(b.work, "mailgun.yml")
    tasks = [uri_task(i, b.url, r) for i, r in enumerate(requests, 1)]
    # JSON is YAML: no quoting rules to get wrong.
    with open(path, "w") as f:
        json.dump([{"hosts": "localhost", "connection": "local",
                    "gather_facts": False, "tasks": tasks}], f, indent=1)
    return path


def ansible_env(b):
    tmp = os.path.join(b.work, "ansible-tmp")
    os.makedirs(tmp, exist_ok=True)
    return dict(b.env, ANSIBLE_LOCAL_TEMP=tmp, ANSIBLE_REMOTE_TMP=tmp,
                ANSIBLE_HOME=tmp, ANSIBLE_NOCOLOR="1",
                ANSIBLE_RETRY_FILES_ENABLED="0",
                ANSIBLE_PYTHON_INTERPRETER="/usr/bin/python3",
                ANSIBLE_LOCALHOST_WARNING="0",
                ANSIBLE_INVENTORY_UNPARSED_WARNING="0")


def run_ansible(b, book):
    out = os.path.join(b.work, "ansible.out")
    with open(out, "w") as f:
        r = b.run(cmd=[shutil.which("ansible-playbook"), "-i", "localhost,",
                       book], env=ansible_env(b), stdout=f,
                  stderr=f, expect=range(256))
    m = RECAP.search(open(out).read())
    if os.environ.get("BENCH_ANSIBLE_LOG"):
        shutil.copy(out, os.environ["BENCH_ANSIBLE_LOG"])
    if r.rc != 0 or not m:
        raise SystemExit(f"perf.py: ansible-playbook exit {r.rc}, see:\n"
                         + open(out).read()[-2000:])
    # A task whose status differs from envsetup's is "ignored".
    return r, int(m.group(7))


def bench(b, a):
    row = "Ansible uri tasks vs envsetup, per-call overhead ratio"
    if not shutil.which("ansible-playbook"):
        table("Ansible side by side", ("workload", "ansible"),
              [("acme's Mailgun requests", "ansible not installed")])
        b.target(row, "ansible not installed", ">= 1000x", None)
        return
    b.start("--latency-ms", "0")
    cfg = b.config()
    es, ans, book = [], [], None
    for _ in range(a.runs):
        b.reset()
        r = b.run("apply", cfg, "--env", "uat", "--only", "mailgun",
                  "--max-poll-interval", "1")
        requests = b.requests()
        es.append((len(requests), r))
        book = book or playbook(b, requests)
        b.reset()
        r, mismatched = run_ansible(b, book)
        ans.append((b.calls(), r, mismatched))
    es_ms = 1000 * median([r.cpu / n for n, r in es])
    an_ms = 1000 * median([r.cpu / n for n, r, _ in ans])
    ratio = an_ms / es_ms
    table(f"acme's Mailgun requests: envsetup vs an Ansible playbook of "
          f"uri tasks, 0 ms latency, alternated (median of {a.runs})",
          ("tool", "calls", "cpu s", "cpu ms/call", "wall s",
           "peak PSS MB (tree sum)", "status differs"),
          [("envsetup apply --only mailgun", median([n for n, _ in es]),
            f"{median([r.cpu for _, r in es]):.3f}", f"{es_ms:.2f}",
            f"{median([r.wall for _, r in es]):.2f}",
            f"{median([r.pss_sum_mb for _, r in es]):.1f}", "-"),
           ("ansible-playbook (uri)", median([n for n, _, _ in ans]),
            f"{median([r.cpu for _, r, _ in ans]):.2f}", f"{an_ms:.1f}",
            f"{median([r.wall for _, r, _ in ans]):.2f}",
            f"{median([r.pss_sum_mb for _, r, _ in ans]):.1f}",
            max(m for _, _, m in ans))])
    b.target(row, f"{ratio:.0f}x ({an_ms:.1f} vs {es_ms:.2f} ms/call)",
             ">= 1000x", ratio >= 1000)

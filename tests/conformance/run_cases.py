#!/usr/bin/env python3
"""Run a validator over one-request fixtures and check its verdict.

usage: run_cases.py CASES -- COMMAND [ARGS...]

CASES is JSON lines {"case": NAME, "expect": TEXT, "record": {...}} (a
sandbox --record line; for openapi_summary, a loopback_proxy exchange).
Each record is written alone to a file appended to COMMAND. expect ""
means the validator must accept it (exit 0); otherwise it must reject it
(exit 1) and its output must contain TEXT. Prints one line per case; exit
1 if any validator verdict was wrong.
"""
import json
import os
import subprocess
import sys
import tempfile

sep = sys.argv.index("--")
cases_file, command = sys.argv[1], sys.argv[sep + 1:]
bad = 0
with open(cases_file, encoding="utf-8") as f:
    cases = [json.loads(line) for line in f if line.strip()]
if not cases:
    sys.exit(f"{cases_file}: no cases")
for c in cases:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as t:
        t.write(json.dumps(c["record"]) + "\n")
    p = subprocess.run(command + [t.name], capture_output=True, text=True)
    os.unlink(t.name)
    out = p.stdout + p.stderr
    if c["expect"] == "":
        ok = p.returncode == 0
        verdict = "accepted" if p.returncode == 0 else "REJECTED a valid request"
    else:
        ok = p.returncode == 1 and c["expect"] in out
        verdict = ("caught" if ok else
                   f"NOT CAUGHT (exit {p.returncode}, wanted {c['expect']!r})")
    print(f"  {'ok ' if ok else 'BAD'}  {c['case']}: {verdict}")
    if not ok:
        bad += 1
        print("       " + out.strip().replace("\n", "\n       "))
print(f"{os.path.basename(cases_file)}: {len(cases) - bad}/{len(cases)} verdicts right")
sys.exit(1 if bad else 0)

#!/usr/bin/env python3
"""Checks what bench/perf.py printed: every section's table and the
summary parse, each expected row is in the summary with a figure and a
verdict, and the correctness rows are met. Timings are never judged.

  bench/table_check.py OUTPUT.md"""
import re
import sys

EXPECTED = (
    "start-up (check, all plugins)",
    "own CPU per call, fresh apply",
    "own CPU per call, no-change apply",
    "one customer, wall / floor",
    "customers: peak memory",
    "customers: correct",
    "Ansible uri tasks vs envsetup",
    "growth: IAM users",
    "growth: DNS records",
    "growth: templates",
    "growth: chained manual items",
    "growth: journal of intent records",
)
VERDICTS = {"met", "NOT MET", "n/a"}


def tables(text):
    """{title: [row cells...]} of every Markdown table under a ### title."""
    found, title = {}, None
    for line in text.splitlines():
        if line.startswith("### "):
            title = line[4:]
            found[title] = []
        elif title and line.startswith("|") and not line.startswith("|-"):
            found[title].append([c.strip() for c in line.strip("|")
                                 .split("|")])
    return found


def check(text):
    problems = []
    found = tables(text)
    for title, rows in found.items():
        if len(rows) < 2:
            problems.append(f"table '{title}' has no rows")
        elif any(len(r) != len(rows[0]) for r in rows):
            problems.append(f"table '{title}': rows of unequal width")
    summary = next((rows for t, rows in found.items()
                    if t.startswith("Summary")), None)
    if not summary or summary[0] != ["row", "figure", "target", "met"]:
        return problems + ["no summary table"]
    for want in EXPECTED:
        rows = [r for r in summary[1:] if want in r[0]]
        if not rows:
            problems.append(f"summary: no row '{want}'")
        for name, figure, _, met in rows:
            if met not in VERDICTS:
                problems.append(f"summary '{name}': verdict '{met}'")
            if met != "n/a" and not re.match(r"^x?[0-9]", figure) and \
                    not figure.startswith(("yes", "NO")):
                problems.append(f"summary '{name}': figure '{figure}'")
            if "correct" in name and met != "met":
                problems.append(f"summary '{name}': {figure}")
    return problems


def main():
    problems = check(open(sys.argv[1]).read())
    for p in problems:
        print("table_check:", p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

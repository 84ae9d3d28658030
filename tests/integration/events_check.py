"""Check an `envsetup ... --output json` stream (tests/integration/events.sh).

usage: events_check.py SCHEMA EVENTS COMMAND

Every line must validate against the schema (docs/events.schema.json, with
Debian's python3-jsonschema); run_start comes first and names COMMAND, the
summary last; each task starts once, before its progress, its gate_waiting
and its one end. Prints the summary's counts as JSON on stdout.
"""
import json
import sys

import jsonschema


def main():
    schema_path, events_path, command = sys.argv[1:4]
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    events = []
    with open(events_path) as f:
        for number, line in enumerate(f, 1):
            try:
                e = json.loads(line)
            except ValueError as err:
                problems.append(f"line {number}: not JSON: {err}: {line[:80]!r}")
                continue
            for err in validator.iter_errors(e):
                problems.append(f"line {number}: {err.message} at {list(err.path)}")
            events.append((number, e))
    if not events:
        problems.append("no events")
    else:
        first, last = events[0][1], events[-1][1]
        if first.get("event") != "run_start" or first.get("command") != command:
            problems.append(f"line 1 is not run_start of {command}: {first}")
        if last.get("event") != "summary" or last.get("command") != command:
            problems.append(f"the last line is not the summary of {command}: {last}")
    started, ended = set(), set()
    for number, e in events[1:-1]:
        kind, task = e.get("event"), e.get("task")
        if kind in ("run_start", "summary"):
            problems.append(f"line {number}: a second {kind}")
        elif kind == "task_start":
            if task in started:
                problems.append(f"line {number}: {task} starts twice")
            started.add(task)
        elif kind in ("task_progress", "gate_waiting", "task_end"):
            if task not in started or task in ended:
                problems.append(f"line {number}: {kind} of {task} outside its start and end")
            if kind == "task_end":
                ended.add(task)
    if started - ended:
        problems.append(f"tasks started and never ended: {sorted(started - ended)}")
    for p in problems[:20]:
        print(f"{events_path}: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(json.dumps(events[-1][1]["counts"], sort_keys=True))


main()

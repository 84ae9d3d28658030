#!/usr/bin/env python3
"""What the crash suites (crashpoints.sh, chaos.sh) check after a kill and
one resuming apply, against a run never killed:

  crash_check.py reference STATE_JSON RESOURCES_JSON OUT_JSON
      keeps the unkilled run's resource counts (provider/kind), the kinds
      whose every resource the state records (an id or name that is a
      state value), and the state's keys, plugin by plugin;
  crash_check.py check REFERENCE_JSON CASE_DIR...
      each CASE_DIR holding a case's `name`, `state.json` and
      `resources.json` (the sandbox's list): exit 1, naming the case and
      each problem, for a duplicate or a missing resource (counts differ),
      a resource of a recorded kind that no state value names (a lost id),
      or a state key the unkilled run has and this one lacks (or the
      reverse). One process for every case: starting Python per case
      would cost as much as the case's runs.
"""
import collections
import json
import os
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def state_values(state):
    return {v for kv in state.get("kv", {}).values() for v in kv.values()}


def recorded(resource, values):
    # The sandbox names some resources under their parent
    # ("ACCOUNT/user", "domain/template"); the state keeps the last part.
    rid = str(resource["id"])
    return rid in values or any(rid.endswith("/" + v) for v in values if v)


def kind(resource):
    return resource["provider"] + "/" + resource["kind"]


def reference(state_path, resources_path, out_path):
    state, resources = load(state_path), load(resources_path)
    values = state_values(state)
    counts = collections.Counter(kind(r) for r in resources)
    kinds = {kind(r) for r in resources}
    unrecorded = {kind(r) for r in resources if not recorded(r, values)}
    doc = {
        "counts": dict(sorted(counts.items())),
        "recorded_kinds": sorted(kinds - unrecorded),
        "keys": {p: sorted(kv) for p, kv in sorted(state.get("kv", {}).items())},
    }
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1)
    print("reference: %d resources of %d kinds, %d kinds recorded by id, %d state keys"
          % (sum(counts.values()), len(kinds), len(doc["recorded_kinds"]),
             sum(len(k) for k in doc["keys"].values())))


def problems_of(ref, state, resources):
    values = state_values(state)
    problems = []
    counts = collections.Counter(kind(r) for r in resources)
    for k in sorted(set(counts) | set(ref["counts"])):
        got, want = counts.get(k, 0), ref["counts"].get(k, 0)
        if got > want:
            problems.append("duplicate: %d %s at the provider, a run never killed makes %d" % (got, k, want))
        elif got < want:
            problems.append("missing: %d %s at the provider, a run never killed makes %d" % (got, k, want))
    for r in resources:
        if kind(r) in ref["recorded_kinds"] and not recorded(r, values):
            problems.append("lost id: %s %s is at the provider but not in the state" % (kind(r), r["id"]))
    keys = {p: set(kv) for p, kv in state.get("kv", {}).items()}
    for p in sorted(set(keys) | set(ref["keys"])):
        want, got = set(ref["keys"].get(p, [])), keys.get(p, set())
        for k in sorted(want - got):
            problems.append("state lacks %s:%s, which a run never killed records" % (p, k))
        for k in sorted(got - want):
            problems.append("state has %s:%s, which a run never killed does not record" % (p, k))
    return problems


def check(ref_path, case_dirs):
    ref, failed = load(ref_path), 0
    for d in case_dirs:
        with open(os.path.join(d, "name")) as f:
            name = f.read().strip()
        problems = problems_of(ref, load(os.path.join(d, "state.json")),
                               load(os.path.join(d, "resources.json")))
        for p in problems:
            print("%s: %s" % (name, p))
        failed += bool(problems)
    print("checked %d cases: %d with problems" % (len(case_dirs), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "reference":
        reference(*sys.argv[2:])
    elif len(sys.argv) >= 3 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3:]))
    else:
        sys.exit(__doc__)

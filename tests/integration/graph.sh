#!/usr/bin/env bash
# envsetup graph: the example customer's task graph as DOT, read back by a
# small parser: every task and manual item status lists is a node, in its
# section's cluster; depends_on are edges (mailgun:verify_domain waits on
# mailgun:create_domain); output references are dashed edges labelled
# with the key that reads them (godaddy-ssl:dns_records reads mailgun's
# records and Route 53's delegation). No provider and no secret needed.
. "$(dirname "$0")/lib.sh"
SANDBOX_URL=http://127.0.0.1:9 # never contacted
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"
env -u MAILGUN_API_KEY -u AWS_SECRET_ACCESS_KEY "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
  graph "$cfg" --env uat >"$WORK/graph.dot" 2>"$WORK/err" || fail "graph: exit $?"
es status "$cfg" --env uat --json; expect_rc 0
python3 - "$WORK/graph.dot" "$WORK/out" <<'PY' || fail "the graph does not match the run"
import json, re, sys
dot = open(sys.argv[1]).read()
assert dot.startswith("digraph envsetup {") and dot.rstrip().endswith("}"), "not a DOT digraph"
assert dot.count("{") == dot.count("}"), "unbalanced braces"
nodes = dict(re.findall(r'^\s+(n\d+) \[label="([^"\\]*(?:\\.[^"\\]*)*)"', dot, re.M))
ref = {k: v.split("\\n")[0] for k, v in nodes.items()}
edges = {(ref[a], ref[b], extra) for a, b, extra in re.findall(r"^\s+(n\d+) -> (n\d+)(.*);$", dot, re.M)}
tasks = {i["task"] for i in json.load(open(sys.argv[2]))["items"] if "task" in i}
missing = tasks - set(ref.values())
assert not missing, "not in the graph: %s" % missing
assert ("mailgun:verify_domain", "mailgun:create_domain", "") in edges, "a depends_on edge is missing"
dashed = {(a, b) for a, b, extra in edges if "dashed" in extra and 'label="publish_records"' in extra}
assert ("godaddy-ssl:dns_records", "mailgun:create_domain") in dashed, "the mailgun records reference is missing"
assert ("godaddy-ssl:dns_records", "aws:hosted_zone") in dashed, "the Route 53 delegation reference is missing"
assert 'label="4.4 Transaction emails"' in dot, "no cluster per section"
assert re.search(r'label="checklist:vpn_access\\n[^"]*", shape=note', dot), "a manual item is not a note"
print("graph: %d nodes, %d edges, %d references" % (len(nodes), len(edges), len(dashed)))
PY
echo "graph: ok"

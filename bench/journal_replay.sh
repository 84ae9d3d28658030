#!/usr/bin/env bash
# How long opening a state takes with a journal of N records (what a run
# killed after a long apply leaves): `envsetup status` replays it. Prints
# "KIND N seconds" per line; the time must grow linearly with N.
#   bench/journal_replay.sh BUILD_DIR [N...]   (default 10000 20000 40000)
# Kinds: intent (unanswered change requests), pair (each answered),
# kv (provider ids recorded, one key each).
set -euo pipefail
build=${1:?usage: bench/journal_replay.sh BUILD_DIR [N...]}
shift
sizes=("${@:-10000}")
[ $# -gt 0 ] || sizes=(10000 20000 40000)
work=$(mktemp -d "${TMPDIR:-/tmp}/envsetup-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export ES_BENCH_KEY=key-bench-0123456789
cat >"$work/b.cfg" <<CFG
customer = { id = "bench"; name = "Bench"; state_dir = "state"; };
environments = { uat = { domain = "uat.bench.example"; }; };
checklist = ( { section = "1"; title = "Mail"; plugins = [ "mailgun" ]; } );
plugins = { mailgun = { api_key = "env:ES_BENCH_KEY"; region = "us"; domain = "mail.bench.example";
                        api_url = "http://127.0.0.1:9/"; }; };
CFG
for kind in intent pair kv; do
  for n in "${sizes[@]}"; do
    rm -rf "$work/state"
    python3 - "$n" "$kind" "$work/state/uat" <<'PY'
import json, os, sys
n, kind, d = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.makedirs(d)
with open(d + "/journal.jsonl", "w") as f:
    f.write('{"type":"header","format_version":"1.0"}\n')
    for i in range(1, n + 1):
        if kind == "kv":
            f.write(json.dumps({"type": "kv_put", "plugin": "mailgun", "key": "user_%d" % i,
                                "value": "id-%d" % i}) + "\n")
            continue
        f.write(json.dumps({"type": "intent", "ref": "mailgun:create_domain", "method": "POST",
                            "url": "https://x.example/%d" % i, "intent": "x", "id": i, "at": 1}) + "\n")
        if kind == "pair":
            f.write(json.dumps({"type": "result", "id": i, "status": 200, "at": 1}) + "\n")
PY
    start=$(date +%s.%N)
    "$build/core/envsetup" --plugin-dir "$build/plugins" status "$work/b.cfg" --env uat >/dev/null 2>"$work/err" ||
      { echo "status failed: $(head -3 "$work/err")" >&2; exit 1; }
    end=$(date +%s.%N)
    printf '%s %s %.3f\n' "$kind" "$n" "$(echo "$end - $start" | bc)"
  done
done

#!/usr/bin/env bash
# What docs/cli.md and docs/config.md say, held to: every --json document has
# format_version 1; plan writes nothing but the state lock (state.json, the
# journal and the run log stay as they were); @include resolves against the
# folder of the customer file given, also from an included file.
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
start_sandbox
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"

version_is_1() { # what printed it
  python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get("format_version"); sys.exit(v != 1)' \
    "$WORK/out" || fail "$1 --json: format_version is not 1"
}
es check "$cfg" --env uat --json; expect_rc 0; version_is_1 check
es plugins list --json; version_is_1 "plugins list"
es plugins describe mailgun --json; expect_rc 0; version_is_1 "plugins describe"
es apply "$cfg" --env uat --only mailgun:verify_api_key --json; expect_rc 0; version_is_1 apply
es status "$cfg" --env uat --json; version_is_1 status
es plan "$cfg" --env uat --only mailgun --json; expect_rc 2; version_is_1 plan

# plan: the state lock only.
dir=$(dirname "$(find "$WORK/state" -name state.json)")
snapshot() { for f in state.json journal.jsonl envsetup.log; do
  stat -c "$f %i %s %Y" "$dir/$f" 2>/dev/null || echo "$f absent"; md5sum <"$dir/$f" 2>/dev/null; done; }
before=$(snapshot)
sleep 1.1 # a rewrite within the same second would keep the mtime
es plan "$cfg" --env uat --only mailgun; expect_rc 2
es plan "$cfg" --env uat --only mailgun --json; expect_rc 2
[ "$before" = "$(snapshot)" ] || fail "plan changed the state files: $before / $(snapshot)"

# @include from an included file resolves against the top file's folder.
mkdir -p "$WORK/parts/nested"
printf '@include "parts/nested/leaf.cfg"\n' >"$WORK/parts/middle.cfg"
grep '^customer = {' "$cfg" >"$WORK/parts/nested/leaf.cfg" || fail "no customer line in $cfg"
sed 's|^customer = {.*|@include "parts/middle.cfg"|' "$cfg" >"$WORK/top.cfg"
es check "$WORK/top.cfg" --env uat; expect_rc 0
echo "cli_docs: all checks passed"

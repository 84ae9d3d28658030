#!/usr/bin/env bash
# Each plugin is probed (loaded in a child first) once an invocation, not
# once per customer: with several customers (one process each) the parent
# probes the plugin folder's plugins once, before it forks.
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
SANDBOX_URL=http://127.0.0.1:9 # check calls no provider
write_acme_config "$WORK/a.cfg"
sed 's/id = "acme"/id = "acme2"/' "$WORK/a.cfg" >"$WORK/b.cfg"
es -vv check "$WORK/a.cfg" --env uat
one=$(grep -c "probing .* in a child process" "$WORK/err" || true)
[ "$one" -gt 0 ] || fail "no probe logged for one customer"
plugins=$(find "$ES_PLUGIN_DIR" -maxdepth 1 -name '*.so' | wc -l)
sed 's/id = "acme"/id = "acme3"/' "$WORK/a.cfg" >"$WORK/c.cfg"
es -vv check "$WORK/a.cfg" "$WORK/b.cfg" "$WORK/c.cfg" --env uat; expect_rc 0
probes=$(grep "probing .* in a child process" "$WORK/err" | sed 's/.*probing //' | sort)
[ "$(echo "$probes" | wc -l)" = "$plugins" ] ||
  fail "three customers: $(echo "$probes" | wc -l) probes for $plugins plugins"
[ -z "$(echo "$probes" | uniq -d)" ] || fail "probed twice: $(echo "$probes" | uniq -d)"

#!/usr/bin/env bash
# Each plugin is probed (loaded in a child first) once an invocation, not
# once per customer: two customers of the same plugins, one probe each.
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
SANDBOX_URL=http://127.0.0.1:9 # check calls no provider
write_acme_config "$WORK/a.cfg"
sed 's/id = "acme"/id = "acme2"/' "$WORK/a.cfg" >"$WORK/b.cfg"
es -vv check "$WORK/a.cfg" --env uat
one=$(grep -c "probing .* in a child process" "$WORK/err" || true)
[ "$one" -gt 0 ] || fail "no probe logged for one customer"
es -vv check "$WORK/a.cfg" "$WORK/b.cfg" --env uat
two=$(grep -c "probing .* in a child process" "$WORK/err" || true)
[ "$two" = "$one" ] || fail "two customers: $two probes, one customer: $one"

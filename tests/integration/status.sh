#!/usr/bin/env bash
# What status and report show a person after an apply of the example
# customer: they need none of the customer's keys; long outputs (a CSR, a
# list of records) are one-line summaries, `status --output PLUGIN.NAME`
# prints one in full, and a secret output is never printed, even when
# asked for by name.
. "$(dirname "$0")/lib.sh"

start_sandbox --async-polls 1
cfg="$WORK/acme.cfg"
write_acme_config "$cfg"
es plan "$cfg" --env uat; expect_rc 2
cp "$WORK/out" "$WORK/plan.out"
es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
cat "$WORK/out" "$WORK/err" >"$WORK/all-output"

# One set of counts: what plan says will wait for a person or be blocked
# behind one is what apply then reports.
grep -qF "(+ create, ~ update, - delete" "$WORK/plan.out" || fail "plan has no legend for its symbols"
pw=$(sed -nE 's/^Plan: .*; ([0-9]+) waiting for a person; ([0-9]+) blocked;.*/\1 \2/p' "$WORK/plan.out")
aw=$(sed -nE 's/^Apply: .*, ([0-9]+) waiting for a person, ([0-9]+) blocked\./\1 \2/p' "$WORK/out")
[ -n "$pw" ] && [ "$pw" = "$aw" ] || fail "plan counts '$pw' waiting/blocked, apply '$aw'"
case "$pw" in "0 "* | *" 0") fail "the example has no waiting and blocked items to compare ($pw)" ;; esac
# Aligned columns: every apply line's task starts in the same column,
# whatever the length of its section ([1], [4.4]).
cols=$(grep -E '^\[[0-9.]+\] ' "$WORK/out" | awk '{ print index($0, $2) }' | sort -u | wc -l)
[ "$cols" = 1 ] || fail "apply's task column starts at $cols different places"

# Without a single provider secret in the environment.
no_keys=(env -u MAILGUN_API_KEY -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY
  -u GODADDY_API_KEY -u GODADDY_API_SECRET -u INTERCOM_ACCESS_TOKEN
  -u INTERCOM_API_SECRET -u EWAY_API_KEY -u EWAY_API_PASSWORD)
"${no_keys[@]}" "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" status "$cfg" --env uat \
  >"$WORK/status.out" 2>"$WORK/status.err" || fail "status without the keys: exit $?"
"${no_keys[@]}" "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" report "$cfg" --env uat \
  >"$WORK/report.out" 2>"$WORK/report.err" || fail "report without the keys: exit $?"
cat "$WORK/status.out" "$WORK/status.err" "$WORK/report.out" "$WORK/report.err" >>"$WORK/all-output"

# Status: answered elements and tasks share their columns.
cols=$(grep -E '^  (answered|UNANSWERED|done|waiting|blocked|pending) ' "$WORK/status.out" |
  awk '{ print index($0, $2) }' | sort -u | wc -l)
[ "$cols" = 1 ] || fail "status's second column starts at $cols different places"

# Long values are one line each; no PEM body among the outputs.
csr="godaddy-ssl.csr:app.uat.acme.example"
grep -qE "^  $csr = \(PEM CERTIFICATE REQUEST, [0-9]+ lines\)$" "$WORK/status.out" ||
  fail "status does not summarise the CSR"
grep -qE '^  mailgun\.dns_records = \(JSON list of [0-9]+ items\)$' "$WORK/status.out" ||
  fail "status does not summarise the DNS records"
grep -q "BEGIN CERTIFICATE REQUEST-----$" "$WORK/status.out" && fail "status prints a PEM"
long=$(sed -n '/^Outputs/,$p' "$WORK/status.out" | awk 'length > 160' | wc -l)
[ "$long" = 0 ] || fail "status has $long output lines over 160 characters"

# One output in full: the CSR as the state holds it.
es status "$cfg" --env uat --output "$csr"; expect_rc 0
head -1 "$WORK/out" | grep -qx -- "-----BEGIN CERTIFICATE REQUEST-----" || fail "--output does not print the PEM"
tail -1 "$WORK/out" | grep -qx -- "-----END CERTIFICATE REQUEST-----" || fail "--output cuts the PEM"
openssl req -in "$WORK/out" -noout 2>/dev/null || fail "--output's CSR does not parse"
es status "$cfg" --env uat --output mailgun.dns_records; expect_rc 0
python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))) >= 3' "$WORK/out" ||
  fail "--output does not print the records as JSON"

# A secret output is refused by name, pointing at where it is.
es status "$cfg" --env uat --output mailgun.smtp_password; expect_rc 1
expect_err "mailgun.smtp_password is a secret"
expect_err "secrets.json"
[ ! -s "$WORK/out" ] || fail "a secret output printed something"
cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"
es status "$cfg" --env uat --output mailgun.no_such; expect_rc 1
expect_err "no output mailgun.no_such"
es plan "$cfg" --env uat --output mailgun.dns_records; expect_rc 64

password=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"]["mailgun"]["smtp_password"])' \
  "$WORK/state/uat/secrets.json")
expect_no_secret "$password" "$MAILGUN_API_KEY" "$GODADDY_API_SECRET" "$EWAY_API_PASSWORD"
echo "status: ok"

#!/usr/bin/env bash
# Several customers in one invocation (docs/cli.md, Several customers): one
# process each, at most --customers at a time, sharing --parallelism
# through the jobserver. Distinct copies of the example customer converge
# together with no duplicate; each one's output is one block; an invalid
# file and a customer whose lock is held fail alone with their exit code;
# the summary table lists each; never more than -p tasks run at once
# across the customers (the parent's exact count, printed in the table);
# --output json lines are whole and name their customer; a SIGINT to the
# parent reaches every child, which stops as a single run stops, and the
# next invocation converges.
. "$(dirname "$0")/lib.sh"
example_fakes
start_sandbox --async-polls 1 --latency-ms 5
mkdir -p "$WORK/c"

# The example customer as customer acmeN: its own id, domains, AWS
# account and state directory (the people, Intercom's teammates, stay).
copy() { # N [FOLDER]
  "$ES_SOURCE_DIR/scripts/sandbox-config" "$ES_SOURCE_DIR/etc/customers/acme.cfg" \
    "$SANDBOX_URL" "$WORK/state/acme$1" |
    sed -e "s/id = \"acme\"/id = \"acme$1\"/; s/acme-/acme$1-/g" \
      -e "s/uat\.acme\.example/uat.acme$1.example/g; s/aws+uat@acme/aws+uat@acme$1/g" \
      >"${2:-$WORK/c}/acme$1.cfg"
}
for n in 1 2 3 4; do copy $n; done
sed 's|    region = "us";|    region = "us";\n    domian = "x.example";|' "$WORK/c/acme1.cfg" >"$WORK/c/broken.cfg"
mv "$WORK/c/acme4.cfg" "$WORK/acme4.cfg" # the one whose lock is held

# acme4's lock held by a run of its own, stopped at the sandbox's barrier.
barrier_arm "before:POST /mailgun/v4/domains"
"$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" apply "$WORK/acme4.cfg" --env uat \
  --max-poll-interval 100 >"$WORK/holder.out" 2>&1 &
holder=$!
barrier_wait held "$holder"
cp "$WORK/acme4.cfg" "$WORK/c/acme4.cfg"

# A folder: every *.cfg in it, sorted; three customers at a time, four
# tasks at once between them.
es apply "$WORK/c" --env uat --customers 3 -p 4 --max-poll-interval 100
expect_rc 3 # locked (3) is the worst of 2, 1 and 3
curl -sf -X POST "$SANDBOX_URL/_sandbox/barrier/release" >/dev/null || fail "barrier release"
wait "$holder" || [ $? = 2 ] || fail "the lock holder failed: $(tail "$WORK/holder.out")"

row() { grep -E "^  $1 +$2 +$3 +" "$WORK/out" >/dev/null || fail "no summary row '$1 $2 $3'"; }
expect_out "Customers: 5 (0 done, 3 pending, 2 failed)"
for n in 1 2 3; do row "acme$n" uat 2; done
row acme4 uat 3
row broken.cfg - 1
grep -q "^  acme1 .*waiting" "$WORK/out" || fail "the table lacks acme1's counts"
expect_err "broken.cfg:"
expect_err "locked by pid $holder"

# Each customer's output is one block, in no other's.
python3 - "$WORK/out" "$WORK/err" <<'PY' || fail "outputs interleaved"
import re, sys
for path in sys.argv[1:]:
    block, seen = None, set()
    for line in open(path):
        m = re.match(r"==> .*/(\w+)\.cfg <==$", line)
        if m:
            block = m.group(1)
            assert block not in seen, f"{path}: {block} has two blocks"
            seen.add(block)
            continue
        if line.startswith("Customers: "):
            break
        for other in re.findall(r"\b(acme\d)\b", line):
            assert other == block, f"{path}: {other}'s line in {block}'s block: {line}"
PY
grep -c "^==> .*acme[123].cfg <==" "$WORK/out" | grep -qx 3 || fail "not one stdout block per customer"

# The jobserver's count of tasks running at once, across the customers.
most=$(sed -n 's/^At most \([0-9]*\) tasks ran at once across the customers (--parallelism 4)\.$/\1/p' "$WORK/out")
[ -n "$most" ] || fail "no count of tasks at once"
[ "$most" -le 4 ] || fail "$most tasks ran at once with -p 4"
[ "$most" -ge 2 ] || fail "the customers never overlapped ($most task at once)"

# No duplicates, and a plan of each finds nothing to do.
for pk in "mailgun domain" "aws account" "aws hosted_zone" "godaddy certificate_order"; do
  [ "$(resources_count $pk)" = 4 ] || fail "$pk: $(resources_count $pk) for 4 customers"
done
rm "$WORK/c/broken.cfg"
es plan "$WORK"/c/acme*.cfg --env uat --customers 2 -p 1; expect_rc 0
expect_out "Customers: 4 (4 done, 0 pending, 0 failed)"
one=$(sed -n 's/^At most \([0-9]*\) tasks ran.*(--parallelism 1)\.$/\1/p' "$WORK/out")
[ "$one" = 1 ] || fail "-p 1: $one tasks at once"

# --output json: whole lines, each naming its customer.
es plan "$WORK"/c/acme*.cfg --env uat --output json
expect_rc 0
python3 - "$WORK/out" "$ES_SOURCE_DIR/docs/events.schema.json" <<'PY' || fail "--output json of several customers"
import json, sys
import jsonschema
validator = jsonschema.Draft202012Validator(json.load(open(sys.argv[2])))
starts = set()
for line in open(sys.argv[1]):
    e = json.loads(line)
    validator.validate(e)
    assert e["customer"] in ("acme1", "acme2", "acme3", "acme4"), line
    if e["event"] == "run_start":
        starts.add(e["customer"])
assert len(starts) == 4, starts
PY
expect_err "Customers: 4"

# SIGINT to the parent while one customer's change request is held: one
# token (-p 1) so no other customer can run a task meanwhile, and each is
# still running when the signal comes. Every child stops as interrupted.
for n in 5 6 7; do mkdir -p "$WORK/i"; copy $n "$WORK/i"; done
barrier_arm "before:POST /mailgun/v4/domains"
es_bg apply "$WORK/i" --env uat --customers 3 -p 1 --max-poll-interval 100
barrier_wait held "$ES_PID"
kill -INT "$ES_PID"
for _ in $(seq 1000); do
  grep -q "passing SIGINT to 3 customers" "$WORK/err" && break
  sleep 0.01
done
grep -q "passing SIGINT to 3 customers" "$WORK/err" || fail "the parent did not pass SIGINT on"
curl -sf -X POST "$SANDBOX_URL/_sandbox/barrier/release" >/dev/null || fail "barrier release"
es_bg_wait
expect_rc 4
[ "$(grep -c "interrupted: run apply again to resume" "$WORK/err")" = 3 ] ||
  fail "not every customer stopped as interrupted"
for n in 5 6 7; do row "acme$n" uat 4; done
es apply "$WORK/i" --env uat --customers 3 --max-poll-interval 100; expect_rc 2
for pk in "mailgun domain" "aws account" "aws hosted_zone" "godaddy certificate_order"; do
  [ "$(resources_count $pk)" = 7 ] || fail "after the interrupt, $pk: $(resources_count $pk) for 7 customers"
done
es plan "$WORK/i" --env uat; expect_rc 0
# destroy --yes of several: each customer's teardown takes its tokens too.
es destroy "$WORK/i" --env uat --yes --customers 3 -p 2 --max-poll-interval 100; expect_rc 0
for n in 5 6 7; do row "acme$n" uat 0; done
gone=$(sed -n 's/^At most \([0-9]*\) tasks ran.*(--parallelism 2)\.$/\1/p' "$WORK/out")
[ -n "$gone" ] && [ "$gone" -le 2 ] || fail "destroy -p 2: '$gone' tasks at once"
# destroy without --yes asks each customer's id: one at a time, each
# child reading its own line of standard input.
set +e
printf 'acme1\nacme2\nacme3\nacme4\n' | "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
  destroy "$WORK/c" --env uat --only mailgun --max-poll-interval 100 >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"
expect_rc 2 # what other plugins made on the domain holds two tasks back
for n in 1 2 3 4; do grep -qE "^  acme$n +uat +2 +pending +4 removed, 2 blocked$" "$WORK/out" ||
  fail "acme$n was not destroyed with its own answer"; done
expect_out "At most 1 tasks ran at once"
expect_no_secret "$MAILGUN_API_KEY" "$AWS_SECRET_ACCESS_KEY" "$GODADDY_API_SECRET"
echo "customers: 5 customers at once (invalid and locked alone), at most $most/4 tasks at once, interrupt reached 3 children, converged"

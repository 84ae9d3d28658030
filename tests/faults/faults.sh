#!/usr/bin/env bash
# The faults suite (CTest label `faults`): every plugin that talks HTTP,
# through an example customer that runs it (`--only PLUGIN`), against every
# fault kind of the sandbox (tests/sandbox/README.md, Faults), injected at
# random into that plugin's requests for one apply. Each run must either
# converge (exit 0 or 2) or fail cleanly (exit 1 or 4, the failed task's
# reason naming the provider and the request); never a signal or a
# sanitizer report, always a state.json that parses and a `status` that
# works. Then the faults are taken away and ONE apply must converge, with
# exactly the resources a clean run makes (no duplicate, nothing missing).
#
# Rows of PLUGINS are plugin, example customer, the fake prefixes its
# requests go to ("-": it sends no HTTP request, listed so that the table
# names every plugin) and, optionally, a path whose answer cannot be lost
# without a person's help (a secret the provider shows once), which the
# kinds that lose a done write's answer (LOSSY) leave alone; adding a
# plugin adds a row. FAULTS_SEED (default 1)
# seeds the sandbox's probabilities, so a failing case can be replayed;
# FAULTS_ONLY=PLUGIN or FAULTS_KINDS="500 reset" narrow the run.
. "$ES_SOURCE_DIR/tests/integration/lib.sh"

PLUGINS="
aws          acme     /aws
azure        globex   /azure
godaddy-ssl  acme     /godaddy
mailgun      acme     /mailgun
mandrill     globex   /mandrill
sparkpost    umbrella /sparkpost  /sparkpost/api/v1/subaccounts
smtp         initech  -
newrelic     acme     /newrelic
sumologic    acme     /sumologic
splunk       globex   /splunk
splunk       umbrella /acs,/splunk
sidekiq      acme     -
intercom     acme     /intercom
jira         globex   /jira
braintree    initech  /braintree
eway         acme     /eway
"
# Kind name, then the rule for one prefix (@ stands for it). A rule fires
# at random (p=) or on a count, never on every request: runs must be able
# to get through. `timeout` waits past the 1 s http_timeout the case sets.
FAULTS="
429              429:* @:p=0.2
429-retry-after  429:* @:p=0.2,retry-after=1
500              500:* @:p=0.2
502              502:* @:p=0.2
503              503:* @:p=0.2
reset            reset:* @:p=0.2
timeout          slow:* @:p=0.5,count=2,ms=1500
slow-body        slowbody:* @:p=0.2,ms=300
malformed        malformed:* @:p=0.2
truncated        truncated:* @:p=0.2
wrong-type       wrongtype:* @:p=0.2
error-body       errorbody:* @:p=0.2
"
LOSSY="truncated timeout"
# The providers' names as the plugins word them, for "named in the message".
provider_name() {
  case $1 in
    aws) echo AWS ;; azure) echo Azure ;; godaddy-ssl) echo GoDaddy ;;
    mailgun) echo Mailgun ;; mandrill) echo Mandrill ;; sparkpost) echo SparkPost ;;
    newrelic) echo "New Relic" ;; sumologic) echo "Sumo Logic" ;; splunk) echo Splunk ;;
    intercom) echo Intercom ;; jira) echo Jira ;; braintree) echo Braintree ;; eway) echo eWAY ;;
  esac
}

example_fakes
sandbox_post() { # PATH BODY
  local code
  code=$(curl -s -o "$WORK/control.json" -w '%{http_code}' --data-raw "$2" "$SANDBOX_URL$1")
  [ "$code" = 200 ] || fail "sandbox $1 '$2': $code $(cat "$WORK/control.json")"
}

# What the sandbox holds for the fakes of PREFIXES, one "provider kind
# name" line per resource (ids differ from run to run; a resource without
# a name is counted by its kind; AWS's change and account-creation
# records are operations, not resources), sorted: equal lists mean no
# duplicate and nothing missing.
holdings() { # PREFIXES
  curl -s "$SANDBOX_URL/_sandbox/resources" | python3 -c '
import json, sys
fakes = {p.strip("/") for p in sys.argv[1].split(",")}
out = []
for r in json.load(sys.stdin):
    if r["provider"] in fakes and r["kind"] not in ("injected_error", "change", "create_account_status"):
        a = r.get("attrs") or {}
        name = next((str(a[k]) for k in ("name", "email", "domain", "Name", "key", "displayName", "commonName", "title", "user") if isinstance(a, dict) and k in a), "-")
        out.append("%s %s %s" % (r["provider"], r["kind"], name))
print("\n".join(sorted(out)))' "$1"
}

# The customer's file with the plugin's http_timeout at 1 s.
config_for() { # CUSTOMER PLUGIN OUT
  write_acme_config "$3.tmp" "$ES_SOURCE_DIR/etc/customers/$1.cfg"
  sed "s|^\(  *\)$2 = {|&\n\1  http_timeout = \"1s\";|" "$3.tmp" >"$3"
}

# An apply that has not ended after FAULTS_RUN_TIMEOUT s (default 120)
# hangs: that fails the case (timeout's 124).
apply() { # CFG PLUGIN
  set +e
  timeout -s KILL "${FAULTS_RUN_TIMEOUT:-120}" "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
    apply "$1" --env uat --only "$2" --max-poll-interval 100 >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
  [ "$RC" != 137 ] || fail "apply --only $2 did not end within ${FAULTS_RUN_TIMEOUT:-120} s"
}

# No signal, no sanitizer report, a state that parses and a status that works.
check_clean() { # WHAT CFG
  [ "$RC" -lt 128 ] || fail "$1: killed by signal $((RC - 128))"
  if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$WORK/err" "$WORK/out"; then
    fail "$1: sanitizer report"
  fi
  while IFS= read -r f; do
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$f" 2>/dev/null || fail "$1: $f does not parse"
  done < <(find "$WORK/state" -name state.json)
  cp "$WORK/out" "$WORK/apply.out"; cp "$WORK/err" "$WORK/apply.err"
  es status "$2" --env uat
  [ "$RC" = 0 ] || [ "$RC" = 2 ] || fail "$1: status exit $RC"
  cp "$WORK/apply.out" "$WORK/out"; cp "$WORK/apply.err" "$WORK/err"
}

# One row: its own sandbox and work directory, its cases in turn; the
# last line counts them.
run_row() { # PLUGIN CUSTOMER PREFIXES [ONCE-ONLY-PATH]
  local plugin=$1 customer=$2 prefixes=$3 once=${4:-} cfg kind rule case_name spec p
  local cases=0 failed_cleanly=0 converged=0 injected_total=0 before injected faulted_rc name
  WORK=$WORK/$plugin-$customer
  mkdir -p "$WORK"
  SANDBOX_PID=""
  trap stop_sandbox EXIT
  start_sandbox --async-polls 1 --seed "${FAULTS_SEED:-1}" --record "$WORK/record.jsonl"
  cfg="$WORK/$plugin-$customer.cfg"
  config_for "$customer" "$plugin" "$cfg"
  # A clean run makes the baseline: what one apply leaves at the sandbox.
  apply "$cfg" "$plugin"
  [ "$RC" = 0 ] || [ "$RC" = 2 ] || fail "$plugin ($customer): clean apply exit $RC"
  holdings "$prefixes" >"$WORK/baseline"
  while read -r kind rule; do
    [ -n "$kind" ] || continue
    case " ${FAULTS_KINDS:-$kind} " in *" $kind "*) ;; *) continue ;; esac
    case_name="$plugin ($customer) x $kind"
    spec=""
    IFS=, read -ra ps <<<"$prefixes"
    case " $LOSSY " in *" $kind "*) [ -z "$once" ] || rule="$rule,skip=$once" ;; esac
    for p in "${ps[@]}"; do spec="$spec${spec:+;}${rule//@/$p}"; done
    sandbox_post /_sandbox/reset ""
    sandbox_post /_sandbox/faults "$spec"
    rm -rf "$WORK/state"
    before=$(grep -c '"fault":"' "$WORK/record.jsonl" || true)
    apply "$cfg" "$plugin"
    faulted_rc=$RC
    injected=$(($(grep -c '"fault":"' "$WORK/record.jsonl" || true) - before))
    injected_total=$((injected_total + injected))
    check_clean "$case_name" "$cfg"
    case $faulted_rc in
      0 | 2) converged=$((converged + 1)) ;;
      1 | 4)
        failed_cleanly=$((failed_cleanly + 1))
        # Every failed task's reason names the provider and the request
        # (its method and URL, or what it asked for).
        name=$(provider_name "$plugin")
        while IFS= read -r line; do
          case $line in *"$name"*) ;; *) fail "$case_name: the reason does not name $name: $line" ;; esac
        done < <(grep -E "^\[[0-9.]+\] +$plugin:[a-z_]+ +failed" "$WORK/apply.out")
        ;;
      *) fail "$case_name: exit $faulted_rc (expected 0, 2, 1 or 4)" ;;
    esac
    sandbox_post /_sandbox/faults ""
    apply "$cfg" "$plugin"
    check_clean "$case_name, then without faults" "$cfg"
    [ "$RC" = 0 ] || [ "$RC" = 2 ] || fail "$case_name: the apply without faults exit $RC"
    ! grep -qE "^\[[0-9.]+\] +$plugin:[a-z_]+ +failed" "$WORK/out" || fail "$case_name: a task failed without faults"
    holdings "$prefixes" >"$WORK/after"
    diff "$WORK/baseline" "$WORK/after" >"$WORK/diff" ||
      fail "$case_name: the sandbox holds other resources than a clean run's: $(cat "$WORK/diff")"
    cases=$((cases + 1))
    printf '%-44s exit %s, %s faults injected\n' "$case_name" "$faulted_rc" "$injected"
  done <<<"$FAULTS"
  echo "ROW $cases $converged $failed_cleanly $injected_total"
}

# Rows run side by side (FAULTS_JOBS, default 8): a case mostly waits on
# backoffs and polls, not on the CPU.
rows=0 running=0 bad=0
while read -r plugin customer prefixes once; do
  [ -n "$plugin" ] || continue
  [ -z "${FAULTS_ONLY:-}" ] || [ "$FAULTS_ONLY" = "$plugin" ] || continue
  if [ "$prefixes" = - ]; then
    echo "$plugin ($customer): sends no HTTP request, no fault to inject"
    continue
  fi
  rows=$((rows + 1))
  (run_row "$plugin" "$customer" "$prefixes" "$once") >"$WORK/row-$rows.log" 2>&1 &
  running=$((running + 1))
  if [ "$running" -ge "${FAULTS_JOBS:-8}" ]; then
    wait -n || bad=$((bad + 1))
    running=$((running - 1))
  fi
done <<<"$PLUGINS"
while [ "$running" -gt 0 ]; do
  wait -n || bad=$((bad + 1))
  running=$((running - 1))
done
cases=0 converged=0 failed_cleanly=0 injected=0
for i in $(seq "$rows"); do
  grep -v '^ROW ' "$WORK/row-$i.log" || true
  read -r _ c v f n < <(grep '^ROW ' "$WORK/row-$i.log" || echo "ROW 0 0 0 0")
  cases=$((cases + c)) converged=$((converged + v)) failed_cleanly=$((failed_cleanly + f)) injected=$((injected + n))
done
echo "faults: $cases cases run ($converged converged under faults, $failed_cleanly failed cleanly), $injected faults injected, seed ${FAULTS_SEED:-1}"
[ "$bad" = 0 ] || fail "$bad of $rows rows failed (above)"
[ "$cases" -gt 0 ] || fail "no case ran"

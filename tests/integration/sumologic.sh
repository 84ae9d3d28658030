#!/usr/bin/env bash
# The sumologic plugin end to end against the sandbox's Sumo Logic fake,
# through the real binary and loader, with its own customer file:
# plan, apply, plan (0), apply again without duplicates, a changed
# recipient list put into the monitors; fault runs (429
# with and without Retry-After, 429 rate.limit.exceeded from the fake's
# own limit, 5xx, reset, malformed bodies, DuplicateResourceName); a
# SIGKILL in each create window (at the sandbox barrier, the answer lost,
# and at the state-put hook) followed by ONE apply; destroy, which keeps
# what was adopted; a rejected key; and a -vv run whose every output is
# searched for the access key and the HTTP sources' upload URLs.
. "$(dirname "$0")/lib.sh"

PACING=""

export SUMOLOGIC_ACCESS_ID=suSandboxAccessId01 SUMOLOGIC_ACCESS_KEY=sandbox-sumo-key-0001

write_sumologic_config() { # FILE
  cat >"$1" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.2"; title = "Logs and alerts"; plugins = [ "sumologic" ]; }
);
plugins = {
  sumologic = {
    access_id = "env:SUMOLOGIC_ACCESS_ID";
    access_key = "env:SUMOLOGIC_ACCESS_KEY";
    deployment = "eu";
    api_url_eu = "$SANDBOX_URL/sumologic";
    admins = [ "ops.lead@acme.example" ];
    users = [ "dev@acme.example" ];
    components = [ "app", "api" ];
    alert_emails = [ "oncall@acme.example" ];
    $PACING
  };
};
CFG
}

cfg="$WORK/acme.cfg"
apply() { es apply "$cfg" --env uat "$@"; }

# One of each, and the run converged (exit 2: installed_collectors waits
# for a person).
converged() { # context
  local kind want
  [ "$RC" = 2 ] || fail "$1: apply exited $RC"
  for kw in role:2 user:2 collector:1 source:2 monitor:2; do
    kind=${kw%%:*} want=${kw#*:}
    [ "$(resources_count sumologic "$kind")" = "$want" ] ||
      fail "$1: expected $want $kind, got $(resources_count sumologic "$kind")"
  done
}

fresh() { # sandbox args...
  stop_sandbox
  rm -rf "$WORK/state"
  start_sandbox "$@"
  write_sumologic_config "$cfg"
}

# ---- apply, then nothing left to do --------------------------------------
fresh
es check "$cfg" --env uat; expect_rc 0
es plan "$cfg" --env uat; expect_rc 2
expect_out "sumologic:hosted_collector"
apply
for t in verify_credentials roles users hosted_collector http_sources monitors; do
  grep -E "sumologic:$t +done" "$WORK/out" >/dev/null || fail "sumologic:$t not done"
done
expect_out "sumologic:installed_collectors"
converged "first apply"
es plan "$cfg" --env uat; expect_rc 0
expect_out "No changes"
apply
converged "second apply"
es status "$cfg" --env uat; expect_rc 0
expect_out "sumologic.collector_id"
expect_out "sumologic.source_url:app = (secret"
expect_out "sumologic.source_category:api = acme-uat/api"
# Another on-call address: both monitors are put back in line, nothing new.
sed -i 's/alert_emails = \[ "oncall@acme.example" \];/alert_emails = [ "oncall@acme.example", "cto@acme.example" ];/' "$cfg"
es plan "$cfg" --env uat; expect_rc 2
expect_out "acme-uat app log errors"
apply
converged "new recipients"
es plan "$cfg" --env uat; expect_rc 0
[ "$(curl -s "$SANDBOX_URL/_sandbox/resources?provider=sumologic&kind=monitor" | grep -o 'cto@acme.example' | wc -l)" = 2 ] ||
  fail "the monitors do not mail the new address"
# The admin got the system Administrator role, which was adopted, not made.
curl -s "$SANDBOX_URL/_sandbox/resources?provider=sumologic&kind=user" |
  python3 -c 'import json,sys; u={r["attrs"]["email"]: r["attrs"]["roleIds"] for r in json.load(sys.stdin)}; assert u["ops.lead@acme.example"]==["00000000000000A1"], u' ||
  fail "the admin lacks the Administrator role"

# The runs above are paced at the descriptor's 240 requests a minute; the
# fault and kill runs below need no pacing (the fake has no limit unless
# told), except the one that checks Sumo's own limit.
PACING="rate_limit_per_min = 0;"

# ---- faults: converge, or fail cleanly naming Sumo Logic and the request --
faults=(
  "429:POST /sumologic/v1/collectors:count=2,retry-after=1"
  "429:GET /sumologic/v1/roles:count=2"
  "503:POST /sumologic/v1/users:nth=1"
  "500:GET /sumologic/v1/monitors/root:count=2"
  "reset:POST /sumologic/v1/monitors:nth=1"
  "reset:GET /sumologic/v1/collectors/name:nth=1"
  "malformed:GET /sumologic/v1/users:nth=2"
  "malformed:POST /sumologic/v1/collectors:nth=1"
)
for f in "${faults[@]}"; do
  fresh --faults "$f"
  apply
  converged "fault $f"
  es plan "$cfg" --env uat; expect_rc 0
done

# Sumo's own limit: more than 4 calls a second get 429 rate.limit.exceeded
# without Retry-After; the core's pacing keeps the run within it or retries.
PACING="" SANDBOX_SUMOLOGIC_RATE_LIMIT=4 fresh
apply
converged "4 requests a second"

# A listing that never parses: a clean failure naming Sumo Logic and the
# request, and no source made.
fresh --faults "malformed:GET /sumologic/v1/collectors/1"
apply
[ "$RC" = 4 ] || fail "a listing that never parses: exit $RC, wanted 4"
grep -q "Sumo Logic" "$WORK/out" "$WORK/err" || fail "the failure does not name Sumo Logic"
grep -q "sources" "$WORK/out" "$WORK/err" || fail "the failure does not name the request"
[ "$(resources_count sumologic source)" = 0 ] || fail "a source was made without a readable look-up"

# ---- DuplicateResourceName: the customer's collector and source, made by
# another writer and not yet seen by the look-ups, are adopted and kept --
SANDBOX_SUMOLOGIC_UNSEEN=acme-uat,app fresh --record "$WORK/dup.record"
auth=(-u "$SUMOLOGIC_ACCESS_ID:$SUMOLOGIC_ACCESS_KEY" -H 'Content-Type: application/json')
cid=$(curl -s "${auth[@]}" -d '{"collector":{"collectorType":"Hosted","name":"acme-uat"}}' \
  "$SANDBOX_URL/sumologic/v1/collectors" | python3 -c 'import json,sys; print(json.load(sys.stdin)["collector"]["id"])')
curl -s "${auth[@]}" -d '{"source":{"sourceType":"HTTP","name":"app"}}' \
  "$SANDBOX_URL/sumologic/v1/collectors/$cid/sources" >/dev/null
apply
converged "DuplicateResourceName"
for p in /sumologic/v1/collectors "/sumologic/v1/collectors/$cid/sources"; do
  # A 400 to such a create is the fake's DuplicateResourceName (the record
  # keeps no reply bodies; the plugin's bodies are valid, conformance says).
  python3 -c 'import json,sys; sys.exit(not any(r["method"]=="POST" and r["path"]==sys.argv[2] and r["status"]==400 for r in map(json.loads, open(sys.argv[1]))))' "$WORK/dup.record" "$p" ||
    fail "no create of $p met DuplicateResourceName"
done
grep -q '"made:collector_id"' "$WORK/state/uat/state.json" && fail "an adopted collector was claimed"
grep -q '"made:source:app"' "$WORK/state/uat/state.json" && fail "an adopted source was claimed"
grep -q '"made:source:api"' "$WORK/state/uat/state.json" || fail "the made source was not claimed"
es plan "$cfg" --env uat; expect_rc 0
es destroy "$cfg" --env uat --yes; expect_rc 0
[ "$(resources_count sumologic collector)" = 1 ] || fail "destroy removed the adopted collector"
[ "$(resources_count sumologic source)" = 1 ] || fail "destroy removed the adopted source, or kept the made one"
[ "$(resources_count sumologic monitor)" = 0 ] || fail "destroy kept a monitor"

# ---- SIGKILL with the answer lost (barrier), then ONE apply ---------------
# barrier match, sandbox kind, how many the run makes
barriers=(
  "POST /sumologic/v1/roles role 2"
  "POST /sumologic/v1/users user 2"
  "POST /sumologic/v1/collectors collector 1"
  "POST /sumologic/v1/collectors/1 source 2"
  "POST /sumologic/v1/monitors monitor 2"
)
for b in "${barriers[@]}"; do
  read -r method path kind want <<<"$b"
  fresh
  barrier_arm "after:$method $path"
  es_bg apply "$cfg" --env uat
  kill_at_barrier
  [ "$(resources_count sumologic "$kind")" -ge 1 ] || fail "$path: nothing was made before the kill"
  apply
  converged "kill after $method $path"
  [ "$(resources_count sumologic "$kind")" = "$want" ] || fail "$path: $kind made twice"
  es plan "$cfg" --env uat; expect_rc 0
done

# ---- SIGKILL between the answer and the put, then ONE apply --------------
kills=(
  "role:user role"
  "user:dev@acme.example user"
  "collector_id collector"
  "source:api source"
  "monitor:app monitor"
)
for k in "${kills[@]}"; do
  read -r key kind <<<"$k"
  fresh
  ENVSETUP_TEST_KILL_BEFORE_PUT=sumologic:$key "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
    apply "$cfg" --env uat >"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
  cat "$WORK/killed.out" >>"$WORK/all-output"
  [ "$rc" = 137 ] || fail "$key: the kill hook did not fire (exit $rc)"
  apply
  converged "kill at $key"
  grep -q "\"made:$key\"" "$WORK/state/uat/state.json" ||
    fail "$key: the resumed run lost that envsetup made it"
  es plan "$cfg" --env uat; expect_rc 0
done

# ---- destroy: what envsetup made goes, the system role stays --------------
es plan "$cfg" --env uat --destroy; expect_rc 2
es destroy "$cfg" --env uat --yes; expect_rc 0
for kw in role:1 user:0 collector:0 source:0 monitor:0; do
  kind=${kw%%:*} want=${kw#*:}
  [ "$(resources_count sumologic "$kind")" = "$want" ] ||
    fail "destroy: expected $want $kind, got $(resources_count sumologic "$kind")"
done

# ---- a rejected key -------------------------------------------------------
fresh
SUMOLOGIC_ACCESS_KEY=wrong-key es apply "$cfg" --env uat; expect_rc 4
expect_err "access_key"
expect_out "blocked"
[ "$(resources_count sumologic collector)" = 0 ] || fail "a rejected key made a collector"

# ---- no secret in any output ----------------------------------------------
key="sumo-Zq8secretVALUE-$$-$RANDOM"
export SUMOLOGIC_ACCESS_KEY=$key SANDBOX_SUMOLOGIC_ACCESS_KEY=$key
fresh
: >"$WORK/all-output"
es -vv check "$cfg" --env uat
es -vv plan "$cfg" --env uat
es -vv apply "$cfg" --env uat; expect_rc 2
es -vv plan "$cfg" --env uat --json; expect_rc 0
es -vv apply "$cfg" --env uat; expect_rc 2
es -vv status "$cfg" --env uat
es -vv report "$cfg" --env uat; expect_rc 0
grep -q "v1/collectors" "$WORK/all-output" || fail "no -vv trace of the requests"
secrets_file="$WORK/state/uat/secrets.json"
[ "$(stat -c %a "$secrets_file")" = 600 ] || fail "secrets.json is not 0600"
mapfile -t urls < <(python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["outputs"]["sumologic"]; [print(v) for k,v in sorted(o.items()) if k.startswith("source_url")]' "$secrets_file")
[ "${#urls[@]}" = 2 ] || fail "the two upload URLs are not kept (${#urls[@]})"
# The token part alone, too: a URL cut or re-encoded must not leak it.
expect_no_secret "$key" "${urls[@]}" "${urls[0]##*/}" "${urls[1]##*/}"
grep -q '"url":"\*\*\*"' "$WORK/all-output" || fail "no masked upload URL seen in the -vv replies"
echo "PASS [$TEST_NAME]"

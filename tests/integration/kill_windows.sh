#!/usr/bin/env bash
# Kill apply in the window between "the provider finished" and "its id is
# recorded", for every long-running create (aws account and hosted zone,
# azure subscription alias, godaddy certificate order, mailgun domain). The
# core's test hook SIGKILLs the process right before the state key is
# written, so each kill lands exactly there. Then ONE apply must converge:
# the id recorded, nothing created twice, and plan finds nothing to do.
# Then the same for godaddy-ssl's key, CSR and certificate files, killed
# between their write and their rename.
. "$(dirname "$0")/lib.sh"

export MAILGUN_API_KEY=key-sandbox-mailgun-0001
export AZURE_CLIENT_SECRET=sandbox-azure-secret-0001
example_fakes # globex runs jira

# customer, hook (plugin:state key), provider, sandbox kind, recorded key
cases=(
  "acme aws:account_id aws account account_id"
  "acme aws:zone_id aws hosted_zone zone_id"
  "acme mailgun:domain_id mailgun domain domain_id"
  "acme godaddy-ssl:order godaddy certificate_order order:"
  "globex azure:subscription_id azure alias subscription_id"
)
for c in "${cases[@]}"; do
  read -r customer hook provider kind key <<<"$c"
  start_sandbox --async-polls 1
  rm -rf "$WORK/state"
  cfg="$WORK/$customer.cfg"
  write_acme_config "$cfg" "$ES_SOURCE_DIR/etc/customers/$customer.cfg"
  ENVSETUP_TEST_KILL_BEFORE_PUT=$hook "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
    apply "$cfg" --env uat --max-poll-interval 100 >"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
  # 137: killed by SIGKILL, by the hook, at the write of the id.
  [ "$rc" = 137 ] || fail "$hook: the kill hook did not fire (exit $rc)"
  [ "$(resources_count "$provider" "$kind")" = 1 ] ||
    fail "$hook: the provider should hold the $kind before the resume"
  es apply "$cfg" --env uat --max-poll-interval 100
  [ "$RC" = 2 ] || fail "$hook: one apply after the kill did not converge (exit $RC; 2 = manual gates wait)"
  grep -qE " failed" "$WORK/out" && grep -qE "^\[[0-9.]+\] +[a-z-]+:[a-z_]+ +failed" "$WORK/out" &&
    fail "$hook: a task failed in the resume"
  [ "$(resources_count "$provider" "$kind")" = 1 ] || fail "$hook: $kind created twice"
  es state show "$cfg" --env uat --json
  grep -q "\"$key" "$WORK/out" ||
    fail "$hook: the state does not record $key after the resume"
  es plan "$cfg" --env uat; expect_rc 0
  stop_sandbox
done

# Kill godaddy-ssl while it writes its files: the plugin's hook SIGKILLs
# the process once FILE.tmp is written and fsynced, before the rename. A
# "partial" case then cuts that leftover in half, as a kill in the middle
# of the write would have left it. ONE apply must replace the leftover and
# converge, with a valid 0600 key that the CSR and the certificate are for.
# file suffix (the hook's TEXT), what to do to the leftover
file_cases=(
  ".key as-left"
  ".key partial"
  ".csr as-left"
  ".crt partial"
)
cn=app.uat.acme.example
for c in "${file_cases[@]}"; do
  read -r suffix leftover <<<"$c"
  start_sandbox --async-polls 1
  rm -rf "$WORK/state"
  cfg="$WORK/acme.cfg"
  write_acme_config "$cfg"
  keys="$WORK/state/keys/acme/uat"
  ENVSETUP_TEST_KILL_AFTER_WRITE="$cn$suffix" "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" \
    apply "$cfg" --env uat --max-poll-interval 100 >"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
  [ "$rc" = 137 ] || fail "$cn$suffix: the write hook did not fire (exit $rc)"
  tmp="$keys/$cn$suffix.tmp"
  [ -s "$tmp" ] || fail "$cn$suffix: no complete temporary file left by the kill"
  if [ "$suffix" = .key ]; then
    [ ! -e "$keys/$cn.key" ] || fail "$cn.key: the final name exists before the rename"
    [ "$(stat -c %a "$tmp")" = 600 ] || fail "$cn.key.tmp: mode $(stat -c %a "$tmp"), not 600"
  fi
  if [ "$leftover" = partial ]; then
    truncate -s $(($(stat -c %s "$tmp") / 2)) "$tmp"
  fi
  es apply "$cfg" --env uat --max-poll-interval 100
  [ "$RC" = 2 ] || fail "$cn$suffix ($leftover): one apply after the kill did not converge (exit $RC)"
  [ ! -e "$tmp" ] || fail "$cn$suffix: the leftover temporary file is still there"
  [ "$(stat -c %a "$keys/$cn.key")" = 600 ] || fail "$cn.key: mode is not 600"
  openssl pkey -in "$keys/$cn.key" -check -noout >/dev/null 2>&1 ||
    fail "$cn$suffix: the key is not a valid private key"
  want=$(openssl pkey -in "$keys/$cn.key" -pubout 2>/dev/null)
  [ "$(openssl req -in "$keys/$cn.csr" -pubkey -noout 2>/dev/null)" = "$want" ] ||
    fail "$cn$suffix: the CSR is not for the key"
  [ "$(openssl x509 -in "$keys/$cn.crt" -pubkey -noout 2>/dev/null)" = "$want" ] ||
    fail "$cn$suffix: the certificate is not for the key"
  [ "$(resources_count godaddy certificate_order)" = 1 ] || fail "$cn$suffix: certificate ordered twice"
  es plan "$cfg" --env uat; expect_rc 0
  stop_sandbox
done
echo "kill_windows: ${#cases[@]} kills between the provider's answer and the recorded id and ${#file_cases[@]} between a file's write and its rename, each converged in one apply"

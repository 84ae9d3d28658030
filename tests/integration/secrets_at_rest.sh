#!/usr/bin/env bash
# Secrets at rest: with customer.state_key, secrets.json is sealed with
# AES-256-GCM. The generated Sidekiq passwords are then nowhere in clear
# in the state directory; opening the file with the key (here, Python's
# cryptography, the recipe docs/config.md gives) finds them, the same
# after a second apply (a new nonce, the same secrets); a wrong key and an
# altered file are refused naming customer.state_key, and nothing is
# written; status needs no key; a plain secrets.json is sealed at its next
# write once a key is set.
. "$(dirname "$0")/lib.sh"

cfg="$WORK/acme.cfg"
export ENVSETUP_STATE_KEY=$(head -c 32 /dev/urandom | base64)
write_config() { # [STATE_KEY-LINE]
  cat >"$cfg" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; $1 };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = ( { section = "4.3"; title = "Sidekiq"; plugins = [ "sidekiq" ]; } );
plugins = { sidekiq = { components = [ "connec", "impac" ]; }; };
CFG
}
secrets="$WORK/state/uat/secrets.json"
py=python3
$py -c 'import cryptography' 2>/dev/null || py=/usr/bin/python3
# The document inside sealed secrets.json, opened with KEY.
unseal() { # KEY
  $py - "$secrets" "$1" <<'PY'
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
s = json.load(open(sys.argv[1]))["sealed"]
assert s["alg"] == "AES-256-GCM" and s["kdf"] == "SHA-256"
key = hashlib.sha256(sys.argv[2].encode()).digest()
b = lambda k: base64.b64decode(s[k])
print(AESGCM(key).decrypt(b("nonce"), b("data") + b("tag"), b"acme").decode())
PY
}

write_config 'state_key = "env:ENVSETUP_STATE_KEY";'
es apply "$cfg" --env uat; cat "$WORK/out" "$WORK/err" >"$WORK/all-output"; expect_rc 2
grep -q '"sealed"' "$secrets" || fail "secrets.json is not sealed"
[ "$(stat -c %a "$secrets")" = 600 ] || fail "secrets.json is not 0600"
first=$(unseal "$ENVSETUP_STATE_KEY") || fail "the key does not open secrets.json"
p1=$($py -c 'import json,sys; print(json.loads(sys.argv[1])["outputs"]["sidekiq"]["password:connec"])' "$first")
[ "${#p1}" = 32 ] || fail "no connec password inside the sealed file"
! grep -rqF "$p1" "$WORK/state" || fail "a password is in clear in the state directory"
nonce1=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["sealed"]["nonce"])' "$secrets")

# A second apply with one more component rewrites the file: a new nonce,
# the same first password.
sed -i 's/components = \[ "connec", "impac" \]/components = [ "connec", "impac", "connectors" ]/' "$cfg"
es apply "$cfg" --env uat; cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"; expect_rc 2
nonce2=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["sealed"]["nonce"])' "$secrets")
[ "$nonce1" != "$nonce2" ] || fail "the nonce was reused"
second=$(unseal "$ENVSETUP_STATE_KEY") || fail "the key does not open the rewritten file"
grep -qF "$p1" <<<"$second" || fail "the connec password changed"
grep -q "password:connectors" <<<"$second" || fail "the new component's password is not sealed"

# status reads no secret: no key needed.
env -u ENVSETUP_STATE_KEY "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" status "$cfg" --env uat \
  >"$WORK/status.out" 2>&1 || fail "status needs the state key"
cat "$WORK/status.out" >>"$WORK/all-output"

# A wrong key, an altered file: refused, naming the key; nothing written.
cp "$secrets" "$WORK/sealed.copy"
sed -i 's/components = \[ "connec", "impac", "connectors" \]/components = [ "connec", "impac", "connectors", "nex" ]/' "$cfg"
ENVSETUP_STATE_KEY=not-the-key es apply "$cfg" --env uat; expect_rc 1
expect_err "customer.state_key does not open it"
cmp -s "$secrets" "$WORK/sealed.copy" || fail "a wrong key changed secrets.json"
$py - "$secrets" <<'PY'
import base64, json, sys
d = json.load(open(sys.argv[1]))
data = bytearray(base64.b64decode(d["sealed"]["data"])); data[0] ^= 1
d["sealed"]["data"] = base64.b64encode(bytes(data)).decode()
json.dump(d, open(sys.argv[1], "w"))
PY
es apply "$cfg" --env uat; expect_rc 1
expect_err "customer.state_key does not open it"
cp "$WORK/sealed.copy" "$secrets"
env -u ENVSETUP_STATE_KEY "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" apply "$cfg" --env uat \
  >"$WORK/out" 2>"$WORK/err" && fail "apply ran without the key of a sealed file"
expect_err "customer.state_key"

# A plain secrets.json is sealed at its next write once a key is set.
rm -rf "$WORK/state"
write_config ""
es apply "$cfg" --env uat; expect_rc 2
grep -q '"sealed"' "$secrets" && fail "sealed without a key"
plain=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"]["sidekiq"]["password:connec"])' "$secrets")
write_config 'state_key = "env:ENVSETUP_STATE_KEY";'
sed -i 's/components = \[ "connec", "impac" \]/components = [ "connec", "impac", "nex" ]/' "$cfg"
es apply "$cfg" --env uat; cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"; expect_rc 2
grep -q '"sealed"' "$secrets" || fail "a plain secrets.json was not sealed at its next write"
unseal "$ENVSETUP_STATE_KEY" | grep -qF "$plain" || fail "sealing lost the plain file's password"

expect_no_secret "$p1" "$plain" "$ENVSETUP_STATE_KEY"
echo "secrets_at_rest: ok"

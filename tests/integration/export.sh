#!/usr/bin/env bash
# envsetup export against the mappings in etc/platforms: after an apply of
# each example customer, --target mnoe3 and mnoe4 write every setting the
# mapping gives for the plugins the customer runs, under the platform's
# names, with the value of its source (an output as status --output
# prints it, a literal, a config key), secret ones only in the 0600
# .secrets files and never on the terminal. Before apply, export names
# what is missing and writes nothing; a mapping that sets one name twice
# or does not parse is refused naming its file and line.
. "$(dirname "$0")/lib.sh"
export AZURE_CLIENT_SECRET=sandbox-azure-secret-0001
example_fakes
start_sandbox --async-polls 1

# The settings of MAPPING, one JSON object per line.
settings() {
  python3 - "$1" <<'PY'
import json, re, sys
text = re.sub(r"#.*", "", open(sys.argv[1]).read())
for block in re.findall(r"\{([^{}]*)\}", text):
    s = dict(re.findall(r'(\w+)\s*=\s*"?([^";]*)"?\s*;', block))
    if "file" in s:
        print(json.dumps(s))
PY
}

for name in acme globex initech umbrella; do
  cfg="$WORK/$name.cfg"
  "$ES_SOURCE_DIR/scripts/sandbox-config" "$ES_SOURCE_DIR/etc/customers/$name.cfg" "$SANDBOX_URL" "$WORK/state-$name" >"$cfg"

  # Nothing published yet: export names what is missing, writes nothing
  # (umbrella's settings are all config values and optional outputs).
  if [ "$name" != umbrella ]; then
    es export "$cfg" --target mnoe3 --env uat --out "$WORK/early"; expect_rc 2
    expect_err "have no value yet"
    expect_err "(published by apply)"
    [ ! -e "$WORK/early" ] || fail "$name: an export with missing values wrote files"
  fi

  es apply "$cfg" --env uat --max-poll-interval 100; expect_rc 2
  cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"
  es status "$cfg" --env uat --json; expect_rc 0
  python3 -c 'import json,sys; print("\n".join(sorted({i["task"].split(":")[0] for i in json.load(open(sys.argv[1]))["items"] if "task" in i})))' \
    "$WORK/out" >"$WORK/plugins-$name"

  for target in mnoe3 mnoe4; do
    out="$WORK/export-$name-$target"
    es export "$cfg" --target "$target" --env uat --out "$out"; expect_rc 0
    cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"
    settings "$ES_SOURCE_DIR/etc/platforms/$target.cfg" >"$WORK/settings"
    n=0
    while IFS= read -r s; do
      read -r file key from plugin optional type < <(python3 -c '
import json, sys
s = json.loads(sys.argv[1])
src = s["from"]
plugin = s.get("when") or src.split(":", 1)[1].split(".", 1)[0]
print(s["file"], s["name"], src, plugin, s.get("optional", "false"), s.get("type", "string"))' "$s")
      grep -qx "$plugin" "$WORK/plugins-$name" || continue
      # Its value where the export put it: the public file, or the
      # secrets file beside it.
      got=$(python3 - "$out" "$file" "$key" <<'PY'
import json, os, re, sys
out, file, key = sys.argv[1:]
stem, ext = os.path.splitext(file)
for path, secret in ((os.path.join(out, file), 0), (os.path.join(out, stem + ".secrets" + ext), 1)):
    if not os.path.exists(path):
        continue
    if ext == ".json":
        node = json.load(open(path))
        try:
            for part in key.split("."):
                m = re.fullmatch(r"(\w+)\[(\d+)\]", part)
                node = node[m.group(1)][int(m.group(2))] if m else node[part]
        except (KeyError, IndexError, TypeError):
            continue
        print(secret, json.dumps(node) if not isinstance(node, str) else node)
        sys.exit(0)
    for line in open(path):
        if line.startswith(key + "="):
            print(secret, json.loads(line[len(key) + 1:]))
            sys.exit(0)
sys.exit(1)
PY
) || { [ "$optional" = true ] && continue; fail "$name $target: $file $key is not exported"; }
      secret=${got%% *}; value=${got#* }
      case "$from" in
        value:*)
          want=${from#value:}
          [ "$type" = string ] || want=$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])))' "$want") ;;
        output:*)
          if [ "$secret" = 1 ]; then want=$value; else
            es status "$cfg" --env uat --output "${from#output:}"; expect_rc 0
            want=$(cat "$WORK/out")
            [ "$type" = json ] && want=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$WORK/out")
          fi ;;
        *) want=$value ;;
      esac
      [ "$value" = "$want" ] || fail "$name $target: $file $key is '$value', the mapping's source $from gives '$want'"
      if [ "$secret" = 1 ]; then
        echo "$value" >>"$WORK/secrets-seen"
        f="$out/${file%.*}.secrets.${file##*.}"
        [ "$(stat -c %a "$f")" = 600 ] || fail "$name $target: $f is not 0600"
      fi
      n=$((n + 1))
    done <"$WORK/settings"
    [ "$n" -ge 3 ] || fail "$name $target: only $n settings exported"
    echo "export: $name $target: $n settings checked against the mapping"
  done
done

# Every secret the exports hold stays in the .secrets files.
sort -u "$WORK/secrets-seen" >"$WORK/needles"
[ -s "$WORK/needles" ] || fail "no secret was exported at all"
for f in "$WORK"/export-*/*; do
  case "$f" in *.secrets.*) continue ;; esac
  ! grep -qFf "$WORK/needles" "$f" || fail "a secret value is in $f"
done
mapfile -t secrets <"$WORK/needles"
expect_no_secret "${secrets[@]}"

# Two enabled plugins giving one setting: refused, naming the mapping.
cfg="$WORK/initech.cfg"
sed 's|payment_gateway = "Braintree";|payment_gateway = "Braintree";|' "$cfg" >/dev/null
cat >"$WORK/twice.cfg" <<'MAP'
platform = "twice";
settings = (
  { file = "a.env"; name = "X"; from = "value:1"; when = "braintree"; },
  { file = "a.env"; name = "X"; from = "value:2"; when = "braintree"; }
);
MAP
es export "$cfg" --target "$WORK/twice.cfg" --env uat --out "$WORK/twice"; expect_rc 1
grep -qE "twice.cfg:4: a.env X: set twice" "$WORK/err" || fail "a name set twice is not refused with file and line"
[ ! -e "$WORK/twice" ] || fail "a refused export wrote files"
printf 'platform = "bad";\nsettings = ( { file = "../x.env"; name = "X"; from = "value:1"; when = "braintree"; } );\n' >"$WORK/bad.cfg"
es export "$cfg" --target "$WORK/bad.cfg" --env uat --out "$WORK/bad"; expect_rc 1
expect_err "bad.cfg:2"
expect_err "plain file name"
es export "$cfg" --target nosuch --env uat --out "$WORK/none"; expect_rc 1
expect_err "target 'nosuch'"
es export "$cfg" --target mnoe3 --env uat; expect_rc 64
echo "export: ok"

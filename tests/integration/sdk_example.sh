#!/usr/bin/env bash
# The smallest plugin in docs/plugin-abi.md, built out of tree the way a
# third-party author would (only include/envsetup and
# cmake/EnvsetupPlugin.cmake), then loaded and run by the real binary:
# plan shows the change, apply makes it, plan again shows none. Keeps the
# documentation honest.
. "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/hello"
python3 - "$ES_SOURCE_DIR/docs/plugin-abi.md" "$WORK/hello/hello.c" <<'PY'
import sys
text = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(text.split("```c\n", 1)[1].split("```", 1)[0])
PY
build_plugin hello
exports=$(nm -D --defined-only "$WORK/plugins/hello.so" | awk '{print $3}')
[ "$exports" = "envsetup_plugin_entry" ] || fail "hello.so exports: $exports"

cat >"$WORK/hello.cfg" <<CFG
customer = { id = "demo"; name = "Demo"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.demo.example"; }; };
checklist = ( { section = "4.7"; title = "Others"; plugins = [ "hello" ]; } );
plugins = { hello = { name = "world"; }; };
CFG
es plan "$WORK/hello.cfg" --env uat --plugin-dir "$WORK/plugins"; expect_rc 2
expect_out "+ hello:greet"
es apply "$WORK/hello.cfg" --env uat --plugin-dir "$WORK/plugins"; expect_rc 0
es plan "$WORK/hello.cfg" --env uat --plugin-dir "$WORK/plugins"; expect_rc 0
expect_out "No changes"
echo "sdk_example: the documented plugin builds out of tree, exports one symbol and runs"

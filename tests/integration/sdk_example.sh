#!/usr/bin/env bash
# Plugins built out of tree the way a third-party author would, from the
# SDK installed into a prefix and nothing else of the tree:
#  - the smallest plugin of docs/plugin-abi.md and its unit test, from the
#    sdk component alone (headers, EnvsetupPlugin.cmake, the mock host);
#  - docs/examples/plugin-hello (docs/writing-a-plugin.md's project),
#    through find_package(envsetup 2.1) against a full `cmake --install`,
#    its unit test against the installed mock host, then loaded by the
#    installed binary with --plugin-dir: plan, apply, plan, destroy;
#  - envsetup.pc's Cflags compile it too.
# The unit tests run through the mock host; then the real binary loads
# each plugin: plan shows the change, apply makes it, plan again shows
# none. Keeps the documentation honest.
. "$(dirname "$0")/lib.sh"
: "${ES_BUILD_DIR:?}"

[ -f "$ES_BUILD_DIR/tests/support/libenvsetup_mock_host.a" ] ||
  fail "build the target envsetup_mock_host first"
cmake --install "$ES_BUILD_DIR" --component sdk --prefix "$WORK/prefix" \
  >"$WORK/install.log" 2>&1 || fail "install: $(tail -5 "$WORK/install.log")"
sdk_cmake=$(find "$WORK/prefix" -name EnvsetupPlugin.cmake)
[ -n "$sdk_cmake" ] || fail "the sdk component installs no EnvsetupPlugin.cmake"
[ -f "$WORK/prefix/include/envsetup/mock_host.h" ] || fail "no mock_host.h installed"

# The first C block is the plugin, the one with START_TEST its test.
mkdir -p "$WORK/hello/tests"
python3 - "$ES_SOURCE_DIR/docs/plugin-abi.md" "$WORK/hello" <<'PY'
import sys
blocks = [b.split("```", 1)[0] for b in open(sys.argv[1]).read().split("```c\n")[1:]]
open(sys.argv[2] + "/hello.c", "w").write(blocks[0])
open(sys.argv[2] + "/tests/test_hello.c", "w").write(next(b for b in blocks if "START_TEST" in b))
PY
cat >"$WORK/hello/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(hello C)
set(CMAKE_C_STANDARD 11)
add_compile_options(-Wall -Wextra -Werror)
set(ENVSETUP_INCLUDE_DIR "$WORK/prefix/include")
set(ENVSETUP_PLUGIN_OUTPUT_DIR "$WORK/plugins")
include("$sdk_cmake")
enable_testing()
envsetup_add_plugin(hello SOURCES hello.c)
envsetup_add_plugin_test(hello tests/test_hello.c)
CMAKE
# A sanitized tree installs a sanitized mock host library: an author's
# build links it with the same flags.
san=()
if grep -q '^ENVSETUP_SANITIZE:BOOL=ON' "$ES_BUILD_DIR/CMakeCache.txt"; then
  san=("-DCMAKE_C_FLAGS=-fsanitize=address,undefined"
       "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined"
       "-DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined"
       "-DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=address,undefined")
fi
cmake -S "$WORK/hello" -B "$WORK/hello/build" "${san[@]}" >"$WORK/cmake.log" 2>&1 || fail "configure: $(tail -5 "$WORK/cmake.log")"
cmake --build "$WORK/hello/build" >>"$WORK/cmake.log" 2>&1 || fail "build: $(tail -20 "$WORK/cmake.log")"
grep -q "$ES_SOURCE_DIR" "$WORK/hello/build/CMakeCache.txt" && fail "the example used the source tree"
exports=$(nm -D --defined-only "$WORK/plugins/hello.so" | awk '{print $3}')
[ "$exports" = "envsetup_plugin_entry" ] || fail "hello.so exports: $exports"
ctest --test-dir "$WORK/hello/build" --output-on-failure >"$WORK/ctest.log" 2>&1 ||
  fail "unit test: $(tail -20 "$WORK/ctest.log")"
grep -q "unit.test_hello .*Passed" "$WORK/ctest.log" || fail "unit.test_hello did not run: $(cat "$WORK/ctest.log")"

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
sed -i 's/name = "world"/name = "moon"/' "$WORK/hello.cfg"
es plan "$WORK/hello.cfg" --env uat --plugin-dir "$WORK/plugins"; expect_rc 2
expect_out "~ hello:greet"

# docs/writing-a-plugin.md quotes the example and mailgun: every block is
# a verbatim piece of one of their files, so it compiles with them.
python3 - "$ES_SOURCE_DIR" <<'PY' || fail "docs/writing-a-plugin.md quotes code that is not in the tree"
import glob, re, sys
top = sys.argv[1]
files = glob.glob(top + "/docs/examples/plugin-hello/**/*", recursive=True) + \
        glob.glob(top + "/plugins/mailgun/*.[ch]")
texts = [open(f).read() for f in files if f.endswith((".c", ".h", ".txt"))]
doc = open(top + "/docs/writing-a-plugin.md").read()
blocks = re.findall(r"```(?:c|cmake)\n(.*?)```", doc, re.S)
bad = [b for b in blocks if not any(b in t for t in texts)]
for b in bad:
    print("not in docs/examples/plugin-hello or plugins/mailgun:\n" + b, file=sys.stderr)
sys.exit(1 if bad or len(blocks) < 8 else 0)
PY

# The example project, against a full install (program, plugins, SDK).
prefix=$WORK/full
cmake --install "$ES_BUILD_DIR" --prefix "$prefix" >"$WORK/install-full.log" 2>&1 ||
  fail "full install: $(tail -5 "$WORK/install-full.log")"
cp -r "$ES_SOURCE_DIR/docs/examples/plugin-hello" "$WORK/example"
rm -rf "$WORK/example/build"
cmake -S "$WORK/example" -B "$WORK/example/build" -DCMAKE_PREFIX_PATH="$prefix" \
  "${san[@]}" >"$WORK/example.log" 2>&1 || fail "example configure: $(tail -5 "$WORK/example.log")"
cmake --build "$WORK/example/build" >>"$WORK/example.log" 2>&1 ||
  fail "example build: $(tail -20 "$WORK/example.log")"
grep -q "^envsetup_DIR:PATH=$prefix/" "$WORK/example/build/CMakeCache.txt" ||
  fail "find_package(envsetup) did not find the installed SDK: $(grep envsetup_DIR "$WORK/example/build/CMakeCache.txt")"
grep -q "$ES_SOURCE_DIR/\(include\|cmake\)" "$WORK/example/build/CMakeCache.txt" &&
  fail "the example used the source tree"
ctest --test-dir "$WORK/example/build" --output-on-failure >"$WORK/ctest-example.log" 2>&1 ||
  fail "example unit test: $(tail -20 "$WORK/ctest-example.log")"
grep -q "unit.test_hello .*Passed" "$WORK/ctest-example.log" ||
  fail "the example's unit test did not run: $(cat "$WORK/ctest-example.log")"
# A version the installed SDK cannot satisfy is refused at configure time.
sed 's/find_package(envsetup 2.1 REQUIRED)/find_package(envsetup 2.99 REQUIRED)/' \
  "$ES_SOURCE_DIR/docs/examples/plugin-hello/CMakeLists.txt" >"$WORK/example/CMakeLists.txt"
cmake -S "$WORK/example" -B "$WORK/example/build-new" -DCMAKE_PREFIX_PATH="$prefix" \
  >"$WORK/example-new.log" 2>&1 && fail "find_package(envsetup 2.99) accepted an SDK of ABI 2.x"
grep -q "envsetupConfig.cmake" "$WORK/example-new.log" || fail "2.99 refused without naming the SDK: $(tail "$WORK/example-new.log")"

# envsetup.pc gives the headers to any build system.
pc_path=$(dirname "$(find "$prefix" -name envsetup.pc)")
cflags=$(PKG_CONFIG_PATH=$pc_path pkg-config --cflags envsetup) || fail "pkg-config --cflags envsetup"
# The prefix is found from the .pc's own folder, so the install is relocatable.
inc=${cflags#-I}
[ "$(realpath "${inc% }")" = "$(realpath "$prefix/include")" ] ||
  fail "envsetup.pc's Cflags: $cflags (want -I$prefix/include)"
version=$(PKG_CONFIG_PATH=$pc_path pkg-config --modversion envsetup)
abi=$(sed -nE 's/^#define ES_ABI_MINOR ([0-9]+).*/2.\1/p' "$ES_SOURCE_DIR/include/envsetup/version.h")
[ "$version" = "$abi" ] || fail "envsetup.pc's version: $version (want the ABI's, $abi)"
# shellcheck disable=SC2086 # one -I flag
cc -std=c11 -Wall -Wextra -Werror -fPIC -c $cflags \
  "$ES_SOURCE_DIR/docs/examples/plugin-hello/hello.c" -o "$WORK/hello-pc.o" 2>"$WORK/pc.log" ||
  fail "hello.c with pkg-config's Cflags: $(cat "$WORK/pc.log")"

ES_BIN=$prefix/bin/envsetup
sed -i 's/name = "moon"/name = "world"/' "$WORK/hello.cfg"
sed -i "s|state_dir = \"$WORK/state\"|state_dir = \"$WORK/state-example\"|" "$WORK/hello.cfg"
es plan "$WORK/hello.cfg" --env uat --plugin-dir "$WORK/example/build/plugins"; expect_rc 2
expect_out "+ hello:greet"
es apply "$WORK/hello.cfg" --env uat --plugin-dir "$WORK/example/build/plugins"; expect_rc 2
expect_out "greeting_heard"
es status "$WORK/hello.cfg" --env uat --plugin-dir "$WORK/example/build/plugins"
expect_out "Hello, world!"
es plan "$WORK/hello.cfg" --env uat --plugin-dir "$WORK/example/build/plugins"; expect_rc 0
es destroy "$WORK/hello.cfg" --env uat --yes --plugin-dir "$WORK/example/build/plugins"; expect_rc 0
es plan --destroy "$WORK/hello.cfg" --env uat --plugin-dir "$WORK/example/build/plugins"; expect_rc 0
echo "sdk_example: the documented plugins and their unit tests build out of tree from the installed SDK (sdk component; find_package(envsetup 2.1); envsetup.pc); they export one symbol and the installed binary runs them"

#!/usr/bin/env bash
# The smallest plugin in docs/plugin-abi.md and its unit test, built out
# of tree the way a third-party author would: from the SDK installed into
# a prefix (`cmake --install --component sdk`: headers,
# EnvsetupPlugin.cmake, the mock host library) and nothing else of the
# tree. The test runs through the mock host; then the real binary loads
# the plugin: plan shows the change, apply makes it, plan again shows
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
echo "sdk_example: the documented plugin and its unit test build out of tree from the installed SDK; it exports one symbol and runs"

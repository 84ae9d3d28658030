#!/usr/bin/env bash
# Style gates, as CI runs them: every C file is clang-format clean (the
# checked-in .clang-format), and cppcheck finds no warning. Warnings are
# errors here as in the compiler.
set -euo pipefail
top=${ES_SOURCE_DIR:?}
cd "$top"
if git rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.c' '*.h')
else
  mapfile -t files < <(find core include sdk plugins tests -name '*.c' -o -name '*.h')
fi
case "${1:-all}" in
format)
  clang-format --dry-run --Werror "${files[@]}"
  echo "style: ${#files[@]} files clang-format clean"
  ;;
cppcheck)
  # cJSON_ArrayForEach comes from a system header cppcheck does not read.
  cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 \
    -D_GNU_SOURCE -Iinclude -Icore --inline-suppr \
    --suppress=missingIncludeSystem --suppress=unknownMacro \
    core sdk plugins tests/sandbox tests/abi tests/fuzz
  echo "style: cppcheck found nothing in core, the SDK, plugins and the sandbox"
  ;;
tidy)
  # The checked-in .clang-tidy over what ships (core, plugins, the SDK's
  # mock host), compiled as the build compiles it (compile_commands.json).
  if ! command -v clang-tidy >/dev/null 2>&1; then
    echo "style: clang-tidy not installed: skipped"
    [ "${ENVSETUP_REQUIRE_CONFORMANCE:-0}" = 1 ] && exit 1
    exit 77
  fi
  db=${ES_BUILD_DIR:?}/compile_commands.json
  [ -f "$db" ] || { echo "style: no $db (configure with CMAKE_EXPORT_COMPILE_COMMANDS)"; exit 1; }
  mapfile -t tidy < <(printf '%s\n' "${files[@]}" | grep -E '^(core|plugins|tests/support)/.*\.c$' |
    grep -v '/tests/test_')
  # clang-tidy counts the warnings it hid in system headers ("N warnings
  # generated"): only diagnostics in our files, and its status, matter.
  out=$(mktemp)
  rc=0
  printf '%s\n' "${tidy[@]}" | xargs -P"$(nproc)" -n8 clang-tidy -p "$ES_BUILD_DIR" --quiet \
    >"$out" 2>&1 || rc=$?
  grep -v 'warnings\? generated\.$' "$out" || true
  rm -f "$out"
  [ "$rc" -eq 0 ] || exit 1
  echo "style: clang-tidy found nothing in ${#tidy[@]} files of core, plugins and the SDK"
  ;;
esac

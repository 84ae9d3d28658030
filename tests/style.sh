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
    core sdk plugins tests/sandbox tests/abi
  echo "style: cppcheck found nothing in core, the SDK, plugins and the sandbox"
  ;;
esac

#!/usr/bin/env bash
# valgrind.<name>: integration test tests/integration/<name>.sh with every
# `es` run of envsetup under valgrind memcheck (lib.sh's
# ENVSETUP_TEST_WRAPPER). An invalid read or write, a use of uninitialised
# memory or a definite leak makes that run exit 99, which the test sees as
# a wrong exit code; the logs are checked again afterwards, so a run whose
# exit code the test ignores cannot hide one. Without valgrind: skipped
# (77), or failed when ENVSETUP_REQUIRE_CONFORMANCE=1 (CI).
#   run.sh NAME
set -euo pipefail
name=$1
if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind not installed: valgrind.$name skipped"
  [ "${ENVSETUP_REQUIRE_CONFORMANCE:-0}" = 1 ] && exit 1
  exit 77
fi
logs=$(mktemp -d "${TMPDIR:-/tmp}/es-valgrind-$name.XXXXXX")
trap 'rm -rf "$logs"' EXIT
# --child-silent-after-fork: a plugin child (isolation = "process") that
# execs nothing reports into the same log as its parent otherwise.
export ENVSETUP_TEST_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full
  --errors-for-leak-kinds=definite --show-leak-kinds=definite
  --child-silent-after-fork=yes --num-callers=40
  --suppressions=$ES_SOURCE_DIR/tests/valgrind/glibc.supp
  --log-file=$logs/vg.%p.log"
ENVSETUP_TEST_WRAPPER=${ENVSETUP_TEST_WRAPPER//$'\n'/ }
rc=0
bash "$ES_SOURCE_DIR/tests/integration/$name.sh" || rc=$?
runs=$(find "$logs" -name 'vg.*.log' | wc -l)
bad=$(find "$logs" -name 'vg.*.log' -size +0 | sort)
if [ -n "$bad" ]; then
  for f in $bad; do head -60 "$f"; done
  echo "valgrind.$name: memcheck reported errors in $(echo "$bad" | wc -l) of $runs runs"
  exit 1
fi
[ "$rc" -eq 0 ] || exit "$rc"
echo "valgrind.$name: $runs envsetup runs under memcheck, no error"

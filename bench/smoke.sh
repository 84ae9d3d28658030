#!/usr/bin/env bash
# ctest bench.smoke: the whole benchmark at tiny sizes (bench/perf.py
# --quick) prints its table and the table parses (bench/table_check.py).
# No figure is asserted, only that each row is there and that the runs
# were correct (no duplicate resources, plan exits 0 after).
set -euo pipefail
: "${ES_SOURCE_DIR:?}" "${ES_BUILD_DIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/envsetup-bench-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work
"$ES_SOURCE_DIR/bench/run" --build-dir "$ES_BUILD_DIR" --no-build --quick \
  >"$work/table.md"
cat "$work/table.md"
python3 "$ES_SOURCE_DIR/bench/table_check.py" "$work/table.md"

#!/usr/bin/env bash
# One fuzz.<target> test: run libFuzzer binary BIN for SECONDS over its
# seeds and regressions (CORPUS, read recursively: regressions/ replays
# first-class) plus the inputs it found in earlier runs (WORK). Prints one
# line: executions and time. A crash, leak or sanitizer report fails the
# test and names the input to keep as a regression.
#   run.sh BIN TARGET CORPUS WORK SECONDS
set -euo pipefail
bin=$1 target=$2 corpus=$3 work=$4 seconds=$5
mkdir -p "$work/corpus" "$work/artifacts"
rm -f "$work/summary"
# A plugin added without seeds yet starts from nothing.
corpus_dirs=()
[ -d "$corpus" ] && corpus_dirs=("$corpus")
log="$work/fuzz.log"
# -close_fd_mask=1: the code under test may print to stdout; sanitizer
# reports go to stderr, which stays open. -rss_limit_mb and -timeout turn
# a blow-up or a hang into a failure with its input.
if "$bin" -max_total_time="$seconds" -print_final_stats=1 -close_fd_mask=1 \
  -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" ${corpus_dirs[@]+"${corpus_dirs[@]}"} >"$log" 2>&1; then
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  # scripts/test prints every target's line from summary after ctest.
  echo "fuzz $target: ${runs:-?} executions in ${took:-$seconds}s, corpus $(find "$work/corpus" -type f | wc -l) inputs" | tee "$work/summary"
  exit 0
fi
grep -E 'ERROR|SUMMARY|Test unit written|#[0-9]+ 0x' "$log" | head -40
artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
echo "fuzz $target: FAILED (full log: $log)"
[ -n "$artifact" ] && echo "keep the input: cp '$artifact' $corpus/regressions/, then fix it"
exit 1

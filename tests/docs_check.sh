#!/usr/bin/env bash
# The generated plugin docs are up to date (CTest docs.plugins):
#  - docs/plugins/ holds exactly what scripts/gen-plugin-docs makes from every
#    built plugin's descriptor (`envsetup plugins describe NAME --markdown`),
#    with no build path in it;
#  - the Markdown of tests/abi/fixture_markdown.c, whose strings hold pipes,
#    newlines, HTML and backticks, is still tests/data/docs/markdown.md.
set -euo pipefail
: "${ES_SOURCE_DIR:?}" "${ES_BIN:?}" "${ES_PLUGIN_DIR:?}" "${ES_ABI_FIXTURES:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/envsetup-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT
status=0

ES_BIN=$ES_BIN ES_PLUGIN_DIR=$ES_PLUGIN_DIR \
  "$ES_SOURCE_DIR/scripts/gen-plugin-docs" --out "$work/plugins" >/dev/null
if ! diff -ru "$ES_SOURCE_DIR/docs/plugins" "$work/plugins"; then
  echo "docs: docs/plugins/ differs from the plugins' descriptors (-: checked in, +: generated)."
  echo "docs: regenerate and commit them: scripts/gen-plugin-docs $(dirname "$ES_PLUGIN_DIR")"
  status=1
fi
if grep -rlF -e "$ES_PLUGIN_DIR" -e "$ES_SOURCE_DIR" "$work/plugins"; then
  echo "docs: the generated docs above name a build or source path"
  status=1
fi

fixture=(plugins describe markdown --markdown --plugin-dir "$ES_ABI_FIXTURES/markdown")
"$ES_BIN" "${fixture[@]}" >"$work/markdown.md"
if ! diff -u "$ES_SOURCE_DIR/tests/data/docs/markdown.md" "$work/markdown.md"; then
  echo "docs: the escaping fixture's Markdown changed (+: now). If that is intended and renders right:"
  echo "  $ES_BIN ${fixture[*]} >tests/data/docs/markdown.md"
  status=1
fi

[ "$status" = 0 ] && echo "docs: docs/plugins/ matches every built plugin's descriptor"
exit "$status"

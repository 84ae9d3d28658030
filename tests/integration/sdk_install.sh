#!/usr/bin/env bash
# What `cmake --install --prefix P` gives an operator: the program finding
# its bundled plugins and checklist from its own folder, the man pages
# (rendered without a warning by groff, and by man -l), and the bash
# completion (sourced, driven through COMP_WORDS/COMP_CWORD).
. "$(dirname "$0")/lib.sh"
: "${ES_BUILD_DIR:?}"

prefix=$WORK/prefix
cmake --install "$ES_BUILD_DIR" --prefix "$prefix" >"$WORK/install.log" 2>&1 ||
  fail "install: $(tail -5 "$WORK/install.log")"
for f in bin/envsetup share/envsetup/checklists/enterprise.cfg \
  share/bash-completion/completions/envsetup include/envsetup/plugin.h \
  share/man/man1/envsetup.1 share/man/man5/envsetup.cfg.5 \
  share/man/man7/envsetup-plugin.7; do
  [ -f "$prefix/$f" ] || fail "not installed: $f"
done
[ -n "$(find "$prefix" -name envsetupConfigVersion.cmake)" ] || fail "no envsetupConfigVersion.cmake"
[ -n "$(find "$prefix" -path '*/pkgconfig/envsetup.pc')" ] || fail "no envsetup.pc"

# The installed binary lists the installed plugins, with no --plugin-dir
# and no ENVSETUP_PLUGIN_DIR: bin/../lib/envsetup/plugins.
plugins=$(cd "$ES_PLUGIN_DIR" && ls -- *.so | sed 's/\.so$//')
env -u ENVSETUP_PLUGIN_DIR "$prefix/bin/envsetup" plugins list >"$WORK/list" 2>&1 ||
  fail "installed plugins list: $(cat "$WORK/list")"
grep -q "^plugins in $prefix/lib[^ ]*/envsetup/plugins:" "$WORK/list" ||
  fail "the installed binary does not look beside itself: $(head -1 "$WORK/list")"
for p in $plugins; do
  grep -q "^  $p " "$WORK/list" || fail "installed binary does not list $p"
  [ -f "$prefix/share/man/man7/envsetup-$p.7" ] || fail "no man page envsetup-$p(7)"
done

# Every page renders without a warning, and the plugin pages say what the
# descriptor says.
pages=("$prefix"/share/man/man*/*)
[ ${#pages[@]} -ge $((3 + $(wc -w <<<"$plugins"))) ] || fail "man pages: ${pages[*]}"
for page in "${pages[@]}"; do
  groff -man -Tutf8 -ww -z "$page" 2>"$WORK/groff.err" || fail "groff $page: $(cat "$WORK/groff.err")"
  [ ! -s "$WORK/groff.err" ] || fail "groff warns on $page: $(cat "$WORK/groff.err")"
  MANWIDTH=80 man -l "$page" >"$WORK/page" 2>"$WORK/man.err" || fail "man -l $page: $(cat "$WORK/man.err")"
  [ ! -s "$WORK/man.err" ] || fail "man -l warns on $page: $(cat "$WORK/man.err")"
done
MANWIDTH=200 man -l "$prefix/share/man/man7/envsetup-mailgun.7" >"$WORK/page" 2>/dev/null
for text in "envsetup-mailgun - Mailgun sending domain" "create_domain (4.4)" "dns_records (dns records)" \
  "Which domain sends the e-mails of this environment?"; do
  grep -qF -- "$text" "$WORK/page" || fail "envsetup-mailgun(7) lacks '$text'"
done
# envsetup(1) keeps up with --help: every command and option it lists.
MANWIDTH=200 man -l "$prefix/share/man/man1/envsetup.1" >"$WORK/envsetup.1.txt" 2>/dev/null
"$prefix/bin/envsetup" --help >"$WORK/help"
for word in $(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' "$WORK/help") \
  $(grep -o -- '--[a-z][a-z-]*' "$WORK/help" | sort -u); do
  grep -qw -- "$word" "$WORK/envsetup.1.txt" || fail "envsetup(1) lacks '$word', which --help lists"
done

# Completion: subcommands, plugin names, task ids.
bash --norc -c '
. "$1/share/bash-completion/completions/envsetup"
bin=$1/bin/envsetup
c() {
  COMP_WORDS=("$bin" "$@"); COMP_CWORD=$#; COMPREPLY=()
  _envsetup
  printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
}
echo "pl=$(c pl)"
echo "empty=$(c "")"
echo "describe=$(c plugins describe ma)"
echo "only=$(c plan x.cfg --only mailgun:cr)"
echo "split=$(c confirm x.cfg jira : agent)"
echo "list=$(c plan x.cfg --skip aws,god)"
echo "opt=$(c plan --plugin-d)"
echo "sub=$(c state m)"
echo "to=$(c state migrate x.cfg --to p)"
' _ "$prefix" >"$WORK/compl" 2>&1 || fail "completion: $(cat "$WORK/compl")"
expect_line() { grep -qxF -- "$1" "$WORK/compl" || fail "completion: want '$1', got: $(cat "$WORK/compl")"; }
expect_line "pl=plan plugins "
expect_line "describe=mailgun mandrill "
expect_line "only=create_domain "
expect_line "split=agent_licensing agent_roles "
expect_line "list=aws,godaddy-ssl "
expect_line "opt=--plugin-dir "
expect_line "sub=migrate "
expect_line "to=postgresql "
for cmd in check plan apply status confirm init destroy plugins; do
  grep -q "^empty=.*\b$cmd\b" "$WORK/compl" || fail "completion of '' lacks $cmd: $(cat "$WORK/compl")"
done
echo "sdk_install: the installed binary finds its plugins; $(( ${#pages[@]} )) man pages render without warnings; completion of commands, plugins and tasks works"

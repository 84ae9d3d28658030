#!/usr/bin/env bash
# `check` on the shared template directory (docs/templates.md), through the
# real binary and loader: the shipped platform templates pass; a missing
# template, an undeclared {{variable}}, a template.cfg that does not parse,
# a FIFO and a symbolic link out of the directory are each an error naming
# the key and the file (and line). Every check runs under `timeout 20`, so
# a reader that blocks on the FIFO fails the test instead of hanging it.
. "$(dirname "$0")/lib.sh"

export MANDRILL_API_KEY=md-templates-test-key

write_config() { # FILE TEMPLATES_DIR [TEMPLATES_LINE]
  cat >"$1" <<CFG
customer = { id = "acme"; name = "Acme Corp"; state_dir = "$WORK/state"; };
environments = { uat = { domain = "uat.acme.example"; }; };
checklist = (
  { section = "4.4"; title = "Transaction e-mails"; plugins = [ "mandrill" ]; }
);
plugins = {
  mandrill = {
    api_key = "env:MANDRILL_API_KEY";
    domain = "mail.acme.example";
    templates_dir = "$2";
    ${3:-}
  };
};
CFG
}

cfg="$WORK/acme.cfg"
check() { # the customer file's check, bounded
  timeout 20 "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" check "$cfg" --env uat \
    >"$WORK/out" 2>"$WORK/err" && RC=0 || RC=$?
  [ "$RC" != 124 ] || fail "check did not finish in 20 s"
}
said() { grep -qF -- "$1" "$WORK/out" "$WORK/err" || fail "not said: $1"; }

# The fourteen shipped templates are what mandrill requires by default.
write_config "$cfg" "$ES_SOURCE_DIR/etc/templates/platform"
check; expect_rc 0

# acme's two templates: the platform's are missing, each named.
write_config "$cfg" "$ES_SOURCE_DIR/etc/templates/acme"
check; expect_rc 1
said "mandrill.templates_dir: has no template 'confirmation-instructions' (the platform sends it)"
said "has no template 'access-approved-all'"
[ "$(grep -c "has no template" "$WORK/out" "$WORK/err" | awk -F: '{s+=$2} END {print s}')" = 14 ] ||
  fail "expected the fourteen platform templates reported missing"
# ... and a configured list is what is required instead.
write_config "$cfg" "$ES_SOURCE_DIR/etc/templates/acme" 'templates = [ "welcome", "goodbye" ];'
check; expect_rc 1
said "has no template 'goodbye' (listed in templates)"
grep -q "confirmation-instructions" "$WORK/out" "$WORK/err" && fail "the platform's were required too"

# A copy to break, one way at a time.
t="$WORK/templates"
fresh_copy() { rm -rf "$t"; cp -r "$ES_SOURCE_DIR/etc/templates/platform" "$t"; write_config "$cfg" "$t"; }

fresh_copy
printf '<p>Hello {{first_name}}</p>\n<p>{{frist_name}}</p>\n' >"$t/password-change/body.html"
check; expect_rc 1
said "$t/password-change/body.html:2: mandrill.templates_dir: {{frist_name}} uses 'frist_name', which template.cfg does not declare in variables"

fresh_copy
printf 'subject = "Hi";\nvariables = [ "first_name"\n' >"$t/email-change/template.cfg"
check; expect_rc 1
said "$t/email-change/template.cfg:3: mandrill.templates_dir:"

# A FIFO: refused by its type, never opened for a blocking read.
fresh_copy
rm "$t/unlock-instructions/body.txt"
mkfifo "$t/unlock-instructions/body.txt"
check; expect_rc 1
said "$t/unlock-instructions/body.txt: mandrill.templates_dir: is not a regular file"

# A symbolic link out of the directory: refused, never read.
fresh_copy
rm "$t/access-denied/body.html"
ln -s /etc/passwd "$t/access-denied/body.html"
check; expect_rc 1
said "$t/access-denied/body.html: mandrill.templates_dir: is a symbolic link"
grep -q "root:" "$WORK/out" "$WORK/err" && fail "the link's target was read"

# The same refusal stops plan before any request (no provider is reachable
# at this api_url's default, so a request would fail differently).
timeout 20 "$ES_BIN" --plugin-dir "$ES_PLUGIN_DIR" plan "$cfg" --env uat \
  >"$WORK/out" 2>"$WORK/err" && RC=0 || RC=$?
[ "$RC" = 1 ] || fail "plan with a broken template directory exited $RC, wanted 1"
said "is a symbolic link"
echo "templates: ok"

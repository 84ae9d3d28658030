/*
 * One template's template.cfg (subject, description, variables) and the
 * {{variables}} of its subject and bodies (template_cfg.h). Variables are
 * handlebars expressions, the one syntax Mailgun, Mandrill (merge_language
 * "handlebars") and SparkPost all render; each name used must be
 * declared, so a typo is a `check` error and not a blank in a customer's
 * e-mail.
 */
#include <ctype.h>
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>

#include "template_cfg.h"

#define EXPR_MAX 256

/* ---- template.cfg --------------------------------------------------- */

static int identifier(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/* libconfig would read any file an @include names: refused, so a
 * template stays inside its folder. The line, or 0. */
static int include_line(const char *text)
{
	const char *at = strstr(text, "@include");
	int line = 1;

	if (!at)
		return 0;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

static void take_variables(struct es_template_reader *r, const char *path,
                           const config_setting_t *s, struct es_template *t)
{
	int n = config_setting_length(s);
	const char **vars = calloc((size_t)n + 1, sizeof(char *));

	if (!vars)
		return;
	t->variables = vars;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		const char *v = config_setting_get_string(e);
		int dup = 0;

		for (size_t k = 0; v && k < t->n_variables; k++)
			dup |= !strcmp(vars[k], v);
		if (!v || !identifier(v, strlen(v)) || dup)
			es_template_problem(
			    r, path, config_setting_source_line(e),
			    "variables: item %d %s", i + 1,
			    !v    ? "is not a string"
			    : dup ? "is declared twice"
			          : "is not a variable name (letters, digits "
			            "and _, not first a digit)");
		else if ((vars[t->n_variables] = strdup(v)))
			t->n_variables++;
	}
}

static char *string_member(struct es_template_reader *r, const char *path,
                           const config_setting_t *s)
{
	const char *v = config_setting_get_string(s);

	if (!v) {
		es_template_problem(r, path, config_setting_source_line(s),
		                    "%s must be a string: \"...\"",
		                    config_setting_name(s));
		return NULL;
	}
	return strdup(v);
}

void es_template_cfg_parse(struct es_template_reader *r, const char *path,
                           const char *text, struct es_template *t)
{
	config_setting_t *root, *subject = NULL;
	config_t c;
	int line = include_line(text);

	if (line) {
		es_template_problem(r, path, line,
		                    "@include is not allowed in template.cfg");
		return;
	}
	config_init(&c);
	if (config_read_string(&c, text) != CONFIG_TRUE) {
		es_template_problem(r, path, config_error_line(&c), "%s",
		                    config_error_text(&c));
		config_destroy(&c);
		return;
	}
	root = config_root_setting(&c);
	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *s = config_setting_get_elem(root, i);
		const char *name = config_setting_name(s);

		if (!strcmp(name, "subject"))
			subject = s;
		else if (!strcmp(name, "description"))
			t->description = string_member(r, path, s);
		else if (!strcmp(name, "variables") &&
		         (config_setting_is_array(s) ||
		          config_setting_is_list(s)))
			take_variables(r, path, s, t);
		else
			es_template_problem(
			    r, path, config_setting_source_line(s), "%s",
			    !strcmp(name, "variables")
			        ? "variables must be a list: [ \"first_name\" ]"
			        : "unknown setting: template.cfg takes "
			          "subject, "
			          "description and variables");
	}
	if (!t->variables)
		t->variables = calloc(1, sizeof(char *));
	if (!subject)
		es_template_problem(r, path, 0, "has no subject");
	else if ((t->subject = string_member(r, path, subject)) &&
	         (!t->subject[0] || strpbrk(t->subject, "\r\n")))
		es_template_problem(r, path,
		                    config_setting_source_line(subject),
		                    "subject must be one line, not empty");
	else if (t->subject)
		es_template_vars_check(r, path, t->subject,
		                       config_setting_source_line(subject), t);
	config_destroy(&c);
}

/* ---- {{variables}} -------------------------------------------------- */

static int declared(const struct es_template *t, const char *name, size_t n)
{
	for (size_t i = 0; t->variables && i < t->n_variables; i++)
		if (strlen(t->variables[i]) == n &&
		    !strncmp(t->variables[i], name, n))
			return 1;
	return 0;
}

/* Literals, data variables (@index), this and parent paths (../) name no
 * variable of the message. */
static int names_no_variable(const char *tok)
{
	static const char *const words[] = {"this", "true",      "false",
	                                    "null", "undefined", NULL};

	if (strchr("\"'@|-0123456789", tok[0]) || !strncmp(tok, "../", 3) ||
	    !strncmp(tok, "this.", 5) || !strcmp(tok, "as"))
		return 1;
	for (size_t i = 0; words[i]; i++)
		if (!strcmp(tok, words[i]))
			return 1;
	return 0;
}

static void check_token(struct es_template_reader *r, const char *path,
                        int line, const char *expr, const char *tok,
                        const struct es_template *t)
{
	const char *eq = strchr(tok, '=');
	size_t n;

	if (eq && eq[1]) /* hash argument key=value: the value */
		tok = eq + 1;
	if (names_no_variable(tok))
		return;
	n = strcspn(tok, ".[");
	if (!identifier(tok, n))
		es_template_problem(r, path, line,
		                    "{{%s}}: '%s' is not a variable name", expr,
		                    tok);
	else if (!declared(t, tok, n))
		es_template_problem(
		    r, path, line,
		    "{{%s}} uses '%.*s', which template.cfg does "
		    "not declare in variables",
		    expr, (int)n, tok);
}

/* Split `s` at blanks, keeping quoted strings whole; up to `max`. */
static size_t tokens(char *s, char **out, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		s += strspn(s, " \t\r\n");
		if (!*s)
			break;
		out[n++] = s;
		if (*s == '"' || *s == '\'') {
			char *end = strchr(s + 1, *s);

			s = end ? end + 1 : s + strlen(s);
		} else {
			s += strcspn(s, " \t\r\n");
		}
		if (*s)
			*s++ = '\0';
	}
	return n;
}

/* One expression, the text between the braces. */
static void check_expr(struct es_template_reader *r, const char *path, int line,
                       const char *inner, size_t len,
                       const struct es_template *t)
{
	char buf[EXPR_MAX], shown[EXPR_MAX], *b = buf, *tok[16];
	size_t n, first = 0;

	len = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	memcpy(buf, inner, len);
	buf[len] = '\0';
	while (*b == '~' || isspace((unsigned char)*b)) /* ~: whitespace */
		b++;
	for (n = strlen(b);
	     n && (b[n - 1] == '~' || isspace((unsigned char)b[n - 1]));)
		b[--n] = '\0';
	snprintf(shown, sizeof(shown), "%s", b);
	if (*b == '!' || *b == '/' || !strcmp(b, "else"))
		return; /* a comment, a block's end, its else */
	if (*b == '>' || !*b) {
		es_template_problem(r, path, line, "{{%s}}: %s", shown,
		                    *b ? "partials are not supported"
		                       : "an empty expression");
		return;
	}
	if (*b == '#' || *b == '^') { /* {{#if x}}: the helper, then args */
		b++;
		first = 1;
	}
	n = tokens(b, tok, sizeof(tok) / sizeof(tok[0]));
	if (n > 1 && !first) /* {{helper a b}}, {{else if x}} */
		first = strcmp(tok[0], "else") == 0 ? 2 : 1;
	for (size_t i = first; i < n; i++)
		check_token(r, path, line, shown, tok[i], t);
}

void es_template_vars_check(struct es_template_reader *r, const char *path,
                            const char *text, int first_line,
                            const struct es_template *t)
{
	const char *p = text, *open;
	int line = first_line;

	while ((open = strstr(p, "{{"))) {
		int triple = open[2] == '{';
		const char *from = open + 2 + triple;
		const char *close = !strncmp(from, "!--", 3)
		                        ? strstr(from, "--}}")
		                    : triple ? strstr(from, "}}}")
		                             : strstr(from, "}}");

		for (; p < open; p++)
			line += *p == '\n';
		if (!close) {
			es_template_problem(r, path, line,
			                    "{{ is not closed by %s",
			                    triple ? "}}}" : "}}");
			return;
		}
		if (close[0] == '-') /* {{!-- comment --}} */
			close += 2;
		check_expr(r, path, line, from, (size_t)(close - from), t);
		for (; p < close; p++)
			line += *p == '\n';
		p = close + 2 + triple;
	}
}

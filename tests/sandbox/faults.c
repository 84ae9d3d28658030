/*
 * Fault injection: rules `KIND:MATCH[:OPTIONS]` separated by ';' decide
 * which requests get an error, a dropped connection, a delay or a broken
 * body instead of the fake's answer, so clients' retry and recovery paths
 * can be tested. Probabilities come from a PRNG seeded by --seed, so a
 * failing run can be replayed.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"

struct fault_rule {
	struct sb_fault fault;
	struct sb_match match;
	long nth, every, count; /* 0 when not given */
	double probability;     /* < 0 when not given */
	long seen;              /* matching requests so far */
	char skip[256];         /* "": none; paths under it are not faulted */
};

static struct fault_rule *rules;
static size_t n_rules;
static unsigned long seed_value;
static uint64_t rng_state;

static void reseed(void)
{
	rng_state = seed_value * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
	if (rng_state == 0)
		rng_state = 1;
}

/* xorshift64*: small, good enough, and the same on every platform. */
static double next_random(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) /
	       (double)(1ULL << 53);
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_kind(struct fault_rule *r, const char *kind)
{
	static const struct {
		const char *name;
		enum sb_fault_kind kind;
		int status;
	} kinds[] = {
	    {"429", SB_FAULT_STATUS, 429},
	    {"500", SB_FAULT_STATUS, 500},
	    {"502", SB_FAULT_STATUS, 502},
	    {"503", SB_FAULT_STATUS, 503},
	    {"reset", SB_FAULT_RESET, 0},
	    {"slow", SB_FAULT_SLOW, 0},
	    {"malformed", SB_FAULT_MALFORMED, 200},
	    {"truncated", SB_FAULT_TRUNCATED, 0},
	    {"slowbody", SB_FAULT_SLOW_BODY, 0},
	    {"wrongtype", SB_FAULT_WRONG_TYPE, 200},
	    {"errorbody", SB_FAULT_ERROR_BODY, 200},
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(kind, kinds[i].name) == 0) {
			r->fault.kind = kinds[i].kind;
			r->fault.status = kinds[i].status;
			snprintf(r->fault.name, sizeof(r->fault.name), "%s",
			         kind);
			return 0;
		}
	}
	return -1;
}

int sb_match_parse(struct sb_match *m, const char *match)
{
	const char *space = strchr(match, ' ');
	if (!space)
		return -1;
	size_t mlen = (size_t)(space - match);
	if (mlen == 0 || mlen >= sizeof(m->method))
		return -1;
	for (size_t i = 0; i < mlen; i++)
		if (!(isupper((unsigned char)match[i]) ||
		      (mlen == 1 && match[i] == '*')))
			return -1;
	memcpy(m->method, match, mlen);
	m->method[mlen] = '\0';
	while (*space == ' ')
		space++;
	if (*space != '/' || strlen(space) >= sizeof(m->prefix) ||
	    strchr(space, ' '))
		return -1;
	strcpy(m->prefix, space);
	return 0;
}

int sb_match_hits(const struct sb_match *m, const char *method,
                  const char *path)
{
	return (strcmp(m->method, "*") == 0 ||
	        strcmp(m->method, method) == 0) &&
	       strncmp(path, m->prefix, strlen(m->prefix)) == 0;
}

static int parse_option(struct fault_rule *r, char *opt, const char **why)
{
	char *eq = strchr(opt, '=');
	long v;
	if (!eq) {
		*why = "option without '='";
		return -1;
	}
	*eq = '\0';
	const char *key = opt, *value = eq + 1;
	*why = "bad value";
	if (strcmp(key, "nth") == 0)
		return parse_long(value, 1, LONG_MAX, &r->nth);
	if (strcmp(key, "every") == 0)
		return parse_long(value, 1, LONG_MAX, &r->every);
	if (strcmp(key, "count") == 0)
		return parse_long(value, 1, LONG_MAX, &r->count);
	if (strcmp(key, "p") == 0) {
		char *end;
		errno = 0;
		r->probability = strtod(value, &end);
		return errno || end == value || *end || r->probability < 0 ||
		               r->probability > 1
		           ? -1
		           : 0;
	}
	if (strcmp(key, "retry-after") == 0) {
		*why = "retry-after needs a 429 or 503 rule and 0..86400";
		if (r->fault.status != 429 && r->fault.status != 503)
			return -1;
		if (parse_long(value, 0, 86400, &v) < 0)
			return -1;
		r->fault.retry_after = (int)v;
		return 0;
	}
	if (strcmp(key, "skip") == 0) {
		*why = "skip needs a /path-prefix";
		if (value[0] != '/' || strlen(value) >= sizeof(r->skip))
			return -1;
		strcpy(r->skip, value);
		return 0;
	}
	if (strcmp(key, "ms") == 0) {
		*why = "ms needs a slow or slowbody rule and 0..600000";
		if ((r->fault.kind != SB_FAULT_SLOW &&
		     r->fault.kind != SB_FAULT_SLOW_BODY) ||
		    parse_long(value, 0, 600000, &v) < 0)
			return -1;
		r->fault.delay_ms = (int)v;
		return 0;
	}
	*why = "unknown option";
	return -1;
}

/* One rule, modified in place (it is a private copy). */
static int parse_rule(struct fault_rule *r, char *text, const char **why)
{
	memset(r, 0, sizeof(*r));
	r->probability = -1;
	r->fault.retry_after = -1;
	r->fault.delay_ms = -1;
	char *match = strchr(text, ':');
	*why = "expected KIND:METHOD /path[:OPTIONS]";
	if (!match)
		return -1;
	*match++ = '\0';
	char *options = strchr(match, ':');
	if (options)
		*options++ = '\0';
	if (parse_kind(r, text) < 0) {
		*why = "unknown kind (429, 500, 502, 503, reset, slow, "
		       "malformed, truncated, slowbody, wrongtype, errorbody)";
		return -1;
	}
	if (sb_match_parse(&r->match, match) < 0) {
		*why =
		    "MATCH must be 'METHOD /path-prefix' or '* /path-prefix'";
		return -1;
	}
	char *save = NULL;
	for (char *opt = options ? strtok_r(options, ",", &save) : NULL; opt;
	     opt = strtok_r(NULL, ",", &save))
		if (parse_option(r, opt, why) < 0)
			return -1;
	if ((r->fault.kind == SB_FAULT_SLOW ||
	     r->fault.kind == SB_FAULT_SLOW_BODY) &&
	    r->fault.delay_ms < 0) {
		*why = "slow and slowbody need ms=N";
		return -1;
	}
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int sb_faults_parse(const char *spec, unsigned long seed, char *err,
                    size_t err_len)
{
	char *copy = strdup(spec ? spec : "");
	struct fault_rule *parsed = NULL;
	size_t n = 0, index = 0;
	if (!copy) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	char *save = NULL;
	for (char *text = strtok_r(copy, ";", &save); text;
	     text = strtok_r(NULL, ";", &save)) {
		index++;
		text = trim(text);
		if (!*text)
			continue;
		char original[300];
		snprintf(original, sizeof(original), "%s", text);
		struct fault_rule *grown =
		    realloc(parsed, (n + 1) * sizeof(*parsed));
		const char *why = "out of memory";
		if (!grown || parse_rule(&grown[n], text, &why) < 0) {
			snprintf(err, err_len, "fault rule %zu '%s': %s", index,
			         original, why);
			free(grown ? grown : parsed);
			free(copy);
			return -1;
		}
		parsed = grown;
		n++;
	}
	free(copy);
	sb_faults_free();
	rules = parsed;
	n_rules = n;
	seed_value = seed;
	reseed();
	return 0;
}

/* Every condition given must hold; a rule without any fires always. */
static int rule_fires(struct fault_rule *r)
{
	long n = r->seen;
	if (r->nth && n != r->nth)
		return 0;
	if (r->every && n % r->every != 0)
		return 0;
	if (r->count && n > r->count)
		return 0;
	if (r->probability >= 0 && next_random() >= r->probability)
		return 0;
	return 1;
}

struct sb_fault sb_faults_check(const char *method, const char *path)
{
	struct sb_fault none = {.kind = SB_FAULT_NONE, .retry_after = -1};
	struct sb_fault *fired = NULL;
	for (size_t i = 0; i < n_rules; i++) {
		struct fault_rule *r = &rules[i];
		if (!sb_match_hits(&r->match, method, path) ||
		    (r->skip[0] &&
		     strncmp(path, r->skip, strlen(r->skip)) == 0))
			continue;
		r->seen++;
		if (rule_fires(r) && !fired)
			fired = &r->fault;
	}
	return fired ? *fired : none;
}

void sb_faults_reset(void)
{
	for (size_t i = 0; i < n_rules; i++)
		rules[i].seen = 0;
	reseed();
}

void sb_faults_free(void)
{
	free(rules);
	rules = NULL;
	n_rules = 0;
}

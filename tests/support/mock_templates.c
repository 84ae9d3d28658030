/*
 * The mock host's templates service (mock_host.h, since 2.2): templates
 * scripted per key with mock_template(), in the order added, as the core
 * would hand them over after reading a template directory. A key made
 * broken with mock_templates_broken() answers -1 with a diagnostic, as a
 * directory that fails `check` would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envsetup/mock_host.h"
#include "mock_host_internal.h"

#define MOCK_TEMPLATES_MAX 32

static const char *const no_variables[] = {NULL};

static struct {
	struct es_template t[MOCK_TEMPLATES_MAX];
	const char *key[MOCK_TEMPLATES_MAX];
	char digest[MOCK_TEMPLATES_MAX][65];
	size_t n;
	const char *broken;
} mt;

void mock_templates_reset(void)
{
	memset(&mt, 0, sizeof(mt));
}

/* FNV-1a 64 under four seeds: 64 hex digits that change with any byte
 * of subject, html or text, as the core's SHA-256 digest does. */
static void digest(const struct es_template *t, char out[65])
{
	const char *parts[3] = {t->subject, t->html, t->text ? t->text : ""};

	for (unsigned seed = 0; seed < 4; seed++) {
		unsigned long long h = 14695981039346656037ull + seed;

		for (int p = 0; p < 3; p++)
			for (const char *c = parts[p]; *c; c++)
				h = (h ^ (unsigned char)*c) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
		snprintf(out + 16 * seed, 17, "%016llx", h);
	}
}

void mock_template(const char *key, const char *name, const char *subject,
                   const char *html, const char *text)
{
	struct es_template *t = &mt.t[mt.n];

	if (mt.n >= MOCK_TEMPLATES_MAX) {
		fprintf(stderr, "mock host: too many templates\n");
		abort();
	}
	*t = (struct es_template){.struct_size = sizeof(*t),
	                          .name = name,
	                          .subject = subject,
	                          .html = html,
	                          .text = text,
	                          .variables = no_variables};
	digest(t, mt.digest[mt.n]);
	t->digest = mt.digest[mt.n];
	mt.key[mt.n++] = key;
}

void mock_templates_broken(const char *key)
{
	mt.broken = key;
}

static long t_count(es_call *call, const char *key)
{
	long n = 0;

	if (mt.broken && !strcmp(mt.broken, key)) {
		mock_host()->diag->error(call, key,
		                         "mock: the template directory is "
		                         "broken");
		return -1;
	}
	for (size_t i = 0; i < mt.n; i++)
		n += strcmp(mt.key[i], key) == 0;
	return n;
}

static const struct es_template *t_get(es_call *call, const char *key, size_t i)
{
	(void)call;
	if (mt.broken && !strcmp(mt.broken, key))
		return NULL;
	for (size_t k = 0; k < mt.n; k++)
		if (strcmp(mt.key[k], key) == 0 && i-- == 0)
			return &mt.t[k];
	return NULL;
}

const struct es_templates_api mock_templates_api = {
    .struct_size = sizeof(mock_templates_api),
    .count = t_count,
    .get = t_get,
};

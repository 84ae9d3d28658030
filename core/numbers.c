/* The number parsers (see numbers.h). */
#include "numbers.h"

#include <string.h>

/* Digits at *p into *n (at most `limit`), advancing *p. */
static enum es_number_error digits(const char **p, uint64_t limit, uint64_t *n)
{
	if (**p < '0' || **p > '9')
		return ES_NUMBER_INVALID;
	for (*n = 0; **p >= '0' && **p <= '9'; (*p)++) {
		uint64_t d = (uint64_t)(**p - '0');

		if (*n > (limit - d) / 10)
			return ES_NUMBER_RANGE;
		*n = *n * 10 + d;
	}
	return ES_NUMBER_OK;
}

enum es_number_error es_parse_int64(const char *text, int64_t *out)
{
	const char *p = text;
	int negative = 0;
	enum es_number_error e;
	uint64_t n;

	if (!p)
		return ES_NUMBER_INVALID;
	if (*p == '-' || *p == '+')
		negative = *p++ == '-';
	/* -2^63 is one further than 2^63 - 1. */
	e = digits(&p, (uint64_t)INT64_MAX + (uint64_t)negative, &n);
	if (e == ES_NUMBER_RANGE) {
		while (*p >= '0' && *p <= '9')
			p++;
		return *p ? ES_NUMBER_INVALID : ES_NUMBER_RANGE;
	}
	if (e != ES_NUMBER_OK || *p)
		return ES_NUMBER_INVALID;
	*out = negative ? (int64_t)(0 - n) : (int64_t)n;
	return ES_NUMBER_OK;
}

enum es_number_error es_parse_duration_ms(const char *text, int64_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {{"", 1000},   {"ms", 1},      {"s", 1000},
	             {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
	const char *p = text;
	enum es_number_error e;
	uint64_t n;

	if (!p)
		return ES_NUMBER_INVALID;
	e = digits(&p, INT64_MAX, &n);
	if (e == ES_NUMBER_INVALID)
		return e;
	while (*p >= '0' && *p <= '9')
		p++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].unit) != 0)
			continue;
		if (e == ES_NUMBER_RANGE || n > INT64_MAX / units[i].ms)
			return ES_NUMBER_RANGE;
		*ms = (int64_t)(n * units[i].ms);
		return ES_NUMBER_OK;
	}
	return ES_NUMBER_INVALID;
}

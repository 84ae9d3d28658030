/*
 * The one parser of each kind of number the core reads from text: whole
 * numbers (config values and defaults, required_when rules, record
 * priorities, command-line counts) and durations ("500ms", "2h"). Each
 * checks for overflow at 64 bits, so a value too large is refused, never
 * wrapped or cut to another width.
 */
#ifndef ENVSETUP_CORE_NUMBERS_H
#define ENVSETUP_CORE_NUMBERS_H

#include <stdint.h>

enum es_number_error {
	ES_NUMBER_OK = 0,
	ES_NUMBER_INVALID = -1, /* not a number of that kind */
	ES_NUMBER_RANGE = -2,   /* a number, but past 64 bits */
};

/* A decimal integer, optional sign, the whole of `text`. */
enum es_number_error es_parse_int64(const char *text, int64_t *out);

/* Digits then a unit: ms, s, m, h, d, or none for seconds. */
enum es_number_error es_parse_duration_ms(const char *text, int64_t *ms);

#endif

/*
 * Logging and redaction (see log.h). One mutex guards the secret list and
 * the log file, so lines from concurrent tasks never interleave.
 */
#include "log.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file_open.h"
#include "live.h"

#define ES_REDACT_MIN 4
#define ES_REDACT_MASK "***"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_verbosity = 1;
static FILE *log_file;
static char **secrets;
static size_t n_secrets, cap_secrets;

void es_wipe(void *buf, size_t len)
{
	/* volatile so the compiler cannot drop the stores as dead. */
	volatile unsigned char *p = buf;

	while (len--)
		*p++ = 0;
}

void es_log_set_verbosity(int verbosity)
{
	log_verbosity = verbosity;
}

int es_log_verbosity(void)
{
	return log_verbosity;
}

int es_log_open_file(const char *path)
{
	int fd = es_open_regular(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	FILE *f;

	if (fd < 0)
		return fd;
	f = fdopen(fd, "a");
	if (!f) {
		close(fd);
		return -1;
	}
	pthread_mutex_lock(&log_lock);
	if (log_file)
		fclose(log_file);
	log_file = f;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void es_log_close_file(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	pthread_mutex_unlock(&log_lock);
}

void es_redact_add(const char *value)
{
	char *copy;

	if (!value || strlen(value) < ES_REDACT_MIN)
		return;
	pthread_mutex_lock(&log_lock);
	for (size_t i = 0; i < n_secrets; i++) {
		if (strcmp(secrets[i], value) == 0) {
			pthread_mutex_unlock(&log_lock);
			return;
		}
	}
	if (n_secrets == cap_secrets) {
		size_t cap = cap_secrets ? cap_secrets * 2 : 16;
		char **grown = realloc(secrets, cap * sizeof(*grown));

		if (!grown) {
			pthread_mutex_unlock(&log_lock);
			return;
		}
		secrets = grown;
		cap_secrets = cap;
	}
	copy = strdup(value);
	if (copy) {
		/* Kept longest first: a secret that holds another is masked
		 * whole, never as the rest of the shorter one's mask. */
		size_t at = n_secrets;

		while (at > 0 && strlen(secrets[at - 1]) < strlen(copy)) {
			secrets[at] = secrets[at - 1];
			at--;
		}
		secrets[at] = copy;
		n_secrets++;
	}
	pthread_mutex_unlock(&log_lock);
}

/* Caller holds log_lock. The list is longest first (es_redact_add), so
 * "abcd1234XYZW" is masked before its prefix "abcd1234" could leave
 * "***XYZW". */
static char *redact_locked(const char *text)
{
	size_t len = strlen(text);
	char *out = malloc(len + 1);

	if (!out)
		return NULL;
	memcpy(out, text, len + 1);
	for (size_t i = 0; i < n_secrets; i++) {
		size_t slen = strlen(secrets[i]);
		char *hit;

		while ((hit = strstr(out, secrets[i])) != NULL) {
			size_t before = (size_t)(hit - out);
			size_t after = strlen(hit + slen);
			size_t mlen = strlen(ES_REDACT_MASK);
			char *next = malloc(before + mlen + after + 1);

			if (!next) {
				free(out);
				return NULL;
			}
			memcpy(next, out, before);
			memcpy(next + before, ES_REDACT_MASK, mlen);
			memcpy(next + before + mlen, hit + slen, after + 1);
			free(out);
			out = next;
		}
	}
	return out;
}

char *es_redact(const char *text)
{
	char *out;

	if (!text)
		return NULL;
	pthread_mutex_lock(&log_lock);
	out = redact_locked(text);
	pthread_mutex_unlock(&log_lock);
	return out;
}

int es_redact_contains(const char *text)
{
	int found = 0;

	if (!text)
		return 0;
	pthread_mutex_lock(&log_lock);
	for (size_t i = 0; i < n_secrets && !found; i++)
		found = strstr(text, secrets[i]) != NULL;
	pthread_mutex_unlock(&log_lock);
	return found;
}

void es_redact_clear(void)
{
	pthread_mutex_lock(&log_lock);
	for (size_t i = 0; i < n_secrets; i++) {
		es_wipe(secrets[i], strlen(secrets[i]));
		free(secrets[i]);
	}
	free(secrets);
	secrets = NULL;
	n_secrets = cap_secrets = 0;
	pthread_mutex_unlock(&log_lock);
}

static const char *level_name(enum es_log_level level)
{
	switch (level) {
	case ES_LOG_ERROR:
		return "error";
	case ES_LOG_WARNING:
		return "warning";
	case ES_LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* stderr shows errors always, warnings at -q's default and up. */
static int shown_on_stderr(enum es_log_level level)
{
	if (level == ES_LOG_ERROR)
		return 1;
	return (int)level <= log_verbosity;
}

void es_text_printable(char *text)
{
	for (unsigned char *c = (unsigned char *)text; c && *c; c++)
		if ((*c < 0x20 && *c != '\t' && *c != '\n') || *c == 0x7f)
			*c = '?';
}

void es_logv(enum es_log_level level, const char *prefix, const char *fmt,
             va_list ap)
{
	char stack[1024];
	char *text = stack, *clean;
	va_list copy;
	int n;

	/* A line nobody reads (a trace below the verbosity, no run log) is
	 * neither formatted nor masked: masking goes over every secret. */
	pthread_mutex_lock(&log_lock);
	n = shown_on_stderr(level) || log_file;
	pthread_mutex_unlock(&log_lock);
	if (!n)
		return;
	va_copy(copy, ap);
	n = vsnprintf(stack, sizeof(stack), fmt, ap);
	if (n >= (int)sizeof(stack)) {
		text = malloc((size_t)n + 1);
		if (text)
			vsnprintf(text, (size_t)n + 1, fmt, copy);
		else
			text = stack; /* truncated is better than nothing */
	}
	va_end(copy);
	if (n < 0)
		stack[0] = '\0';

	pthread_mutex_lock(&log_lock);
	clean = redact_locked(text);
	if (!clean) {
		/* Out of memory: never fall back to the unredacted text. */
		pthread_mutex_unlock(&log_lock);
		if (text != stack)
			free(text);
		return;
	}
	/* Provider replies, config text and a lock holder's record reach
	 * the terminal here: no escape sequence goes through. */
	es_text_printable(clean);
	if (shown_on_stderr(level)) {
		/* Above the live lines when both go to the terminal. */
		es_live_hold();
		if (level <= ES_LOG_WARNING)
			fprintf(stderr, "%s: ", level_name(level));
		if (prefix)
			fprintf(stderr, "[%s] ", prefix);
		fprintf(stderr, "%s\n", clean);
		fflush(stderr);
		es_live_release();
	}
	if (log_file) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(log_file, "%s %s %s%s%s\n", stamp, level_name(level),
		        prefix ? prefix : "", prefix ? " " : "", clean);
		fflush(log_file);
	}
	pthread_mutex_unlock(&log_lock);
	free(clean);
	if (text != stack)
		free(text);
}

void es_log(enum es_log_level level, const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	es_logv(level, prefix, fmt, ap);
	va_end(ap);
}

/*
 * Logging and redaction. Every line the program writes about a run passes
 * through es_redact(), which masks every secret value registered with
 * es_redact_add() (config secrets once resolved, generated passwords,
 * tokens a plugin remembers, secret outputs). Thread-safe.
 */
#ifndef ENVSETUP_CORE_LOG_H
#define ENVSETUP_CORE_LOG_H

#include <stddef.h>

#include "envsetup/host.h"

/* How much goes to stderr: -q 0 (errors), default 1 (warnings and
 * progress), -v 2 (info), -vv 3 (debug and HTTP traces). The run log file,
 * when open, receives everything up to debug. */
void es_log_set_verbosity(int verbosity);
int es_log_verbosity(void);
/* Replace each control character of `text` but tab and newline (an ESC
 * starting a terminal sequence, a CR overwriting the line) by '?'. */
void es_text_printable(char *text);

/* Append every line to `path` as well (created 0600, a regular file, not
 * through a symlink). 0, or es_open_regular's failure (file_open.h). */
int es_log_open_file(const char *path);
void es_log_close_file(void);

/* `prefix` (nullable) is "plugin:task". The text is redacted. */
void es_log(enum es_log_level level, const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void es_logv(enum es_log_level level, const char *prefix, const char *fmt,
             va_list ap);

/* Register a secret value to mask. Values shorter than 4 bytes are
 * ignored (masking "a" everywhere would destroy every message) but are
 * also never accepted as secrets by the config layer. The value is copied
 * and wiped at exit. */
void es_redact_add(const char *value);
/* A copy of `text` with every registered secret replaced by "***"
 * (transfer full, free()). Never NULL unless out of memory. */
char *es_redact(const char *text);
/* 1 when `text` contains a registered secret (for tests and assertions). */
int es_redact_contains(const char *text);
/* Forget and wipe every registered value (at exit). */
void es_redact_clear(void);

/* Overwrite memory that held a secret. */
void es_wipe(void *buf, size_t len);

#endif

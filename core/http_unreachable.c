/*
 * Origins that did not answer at all during this run (http_internal.h):
 * once every attempt of a request found nobody there (connection refused,
 * no such host, a connect timeout), later requests to that origin fail at
 * once, so a run against unreachable providers ends in seconds instead of
 * retrying each task's every request for minutes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

struct unreachable {
	char *origin;
	char why[256];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct unreachable *list;
static size_t n_list;

void es_http_unreachable_note(const char *url, const char *why)
{
	char *origin = es_http_origin(url);
	struct unreachable *grown;

	if (!origin)
		return;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_list; i++) {
		if (strcmp(list[i].origin, origin) == 0) {
			free(origin);
			origin = NULL;
			break;
		}
	}
	grown = origin ? realloc(list, (n_list + 1) * sizeof(*list)) : NULL;
	if (grown) {
		list = grown;
		list[n_list].origin = origin;
		snprintf(list[n_list].why, sizeof(list[n_list].why), "%s", why);
		n_list++;
	} else {
		free(origin);
	}
	pthread_mutex_unlock(&lock);
}

int es_http_unreachable(const char *url, char *why, size_t len)
{
	char *origin = es_http_origin(url);
	int found = 0;

	if (!origin)
		return 0;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_list && !found; i++) {
		if (strcmp(list[i].origin, origin) == 0) {
			snprintf(why, len, "%s", list[i].why);
			found = 1;
		}
	}
	pthread_mutex_unlock(&lock);
	free(origin);
	return found;
}

void es_http_unreachable_forget(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_list; i++)
		free(list[i].origin);
	free(list);
	list = NULL;
	n_list = 0;
	pthread_mutex_unlock(&lock);
}

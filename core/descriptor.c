/*
 * The checks on what a plugin declares (loader.h): sizes within the ABI,
 * names, keys, tasks and outputs, each refused with a precise reason; and
 * the look-ups of a loaded plugin's keys, tasks and outputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "envsetup/version.h"
#include "loader.h"

const char *const es_reserved_keys[] = {
    "enabled",         "rate_limit_per_min",
    "max_concurrency", "http_timeout",
    "ca_file",         "protect",
    "isolation",       "task_timeout",
    "memory_limit",    "cpu_limit",
    "environments",    NULL,
};

/* The smallest sizes a plugin may declare: everything up to and including
 * the last field ABI 2.0 defined. */
#define SIZE_UPTO(type, field)                                                 \
	(offsetof(type, field) + sizeof(((type *)0)->field))
#define DESCRIPTOR_MIN                                                         \
	SIZE_UPTO(struct es_plugin_descriptor, rate_limit_per_min)
#define KEY_MIN SIZE_UPTO(struct es_key, required_when)
#define TASK_MIN SIZE_UPTO(struct es_task, run)
#define OUTPUT_MIN SIZE_UPTO(struct es_output, description)

int es_valid_name(const char *s, int allow_dash)
{
	if (!s || !(*s >= 'a' && *s <= 'z'))
		return 0;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || (allow_dash && *s == '-')))
			return 0;
	}
	return 1;
}

static int in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* Walk a plugin's NULL-terminated array using the first element's
 * struct_size as the stride, so entries of a newer minor are skipped
 * correctly. Returns the count, or -1 with a message. */
static long walk_array(const void *first, size_t min_size, size_t name_off,
                       const void **out, size_t max, char *err, size_t errlen)
{
	const unsigned char *p = first;
	uint32_t stride;
	size_t n = 0;

	if (!first)
		return 0;
	stride = *(const uint32_t *)p;
	if (stride == 0)
		return 0; /* empty array: the terminator only */
	if (stride < min_size) {
		snprintf(err, errlen,
		         "entry struct_size %u is smaller than ABI 2.0's %zu",
		         stride, min_size);
		return -1;
	}
	for (;; p += stride) {
		const char *name = *(const char *const *)(p + name_off);

		if (!name)
			break;
		if (n == max) {
			snprintf(err, errlen, "more than %zu entries", max);
			return -1;
		}
		if (*(const uint32_t *)p != stride) {
			snprintf(err, errlen,
			         "entry '%s' has struct_size %u, others %u",
			         name, *(const uint32_t *)p, stride);
			return -1;
		}
		if (out)
			out[n] = p;
		n++;
	}
	return (long)n;
}

#define MAX_ENTRIES 256

static int check_keys(struct es_plugin *p, char *err, size_t errlen)
{
	const void *tmp[MAX_ENTRIES];
	long n =
	    walk_array(p->desc->keys, KEY_MIN, offsetof(struct es_key, name),
	               tmp, MAX_ENTRIES, err, errlen);

	if (n < 0)
		return -1;
	p->keys = calloc((size_t)n + 1, sizeof(*p->keys));
	if (!p->keys)
		return -1;
	p->n_keys = (size_t)n;
	for (long i = 0; i < n; i++) {
		const struct es_key *k = tmp[i];

		p->keys[i] = k;
		if (!es_valid_name(k->name, 0)) {
			snprintf(err, errlen, "key '%s' is not snake_case",
			         k->name);
			return -1;
		}
		if (in_list(es_reserved_keys, k->name)) {
			snprintf(err, errlen,
			         "key '%s' is reserved by the core", k->name);
			return -1;
		}
		if (k->type < ES_TYPE_STRING || k->type > ES_TYPE_RECORDS) {
			snprintf(err, errlen, "key '%s' has unknown type %d",
			         k->name, (int)k->type);
			return -1;
		}
		if (k->type == ES_TYPE_ENUM &&
		    (!k->allowed || !k->allowed[0])) {
			snprintf(err, errlen,
			         "enum key '%s' lists no allowed values",
			         k->name);
			return -1;
		}
		if (!k->question || !*k->question) {
			snprintf(err, errlen, "key '%s' has no question",
			         k->name);
			return -1;
		}
		for (long j = 0; j < i; j++) {
			if (strcmp(p->keys[j]->name, k->name) == 0) {
				snprintf(err, errlen, "key '%s' declared twice",
				         k->name);
				return -1;
			}
		}
	}
	/* Beyond the type (config_format.c): bounds with their flags, format
	 * and pattern on string or list keys, a pattern that compiles and is
	 * anchored, required_when naming another key and a value it takes.
	 * Refused here, with the plugin named, rather than at every check. */
	for (size_t i = 0; i < p->n_keys; i++)
		if (es_key_schema_check(p->keys[i], p->keys, p->n_keys, err,
		                        errlen) < 0)
			return -1;
	return 0;
}

static int check_outputs(struct es_plugin *p, char *err, size_t errlen)
{
	const void *tmp[MAX_ENTRIES];
	long n = 0;

	if (p->desc->outputs)
		n = walk_array(p->desc->outputs, OUTPUT_MIN,
		               offsetof(struct es_output, name), tmp,
		               MAX_ENTRIES, err, errlen);
	if (n < 0)
		return -1;
	p->outputs = calloc((size_t)n + 1, sizeof(*p->outputs));
	if (!p->outputs)
		return -1;
	p->n_outputs = (size_t)n;
	for (long i = 0; i < n; i++) {
		const struct es_output *o = tmp[i];

		p->outputs[i] = o;
		if (!es_valid_name(o->name, 0) || o->type < ES_OUTPUT_STRING ||
		    o->type > ES_OUTPUT_RECORDS || !o->description ||
		    !*o->description) {
			snprintf(err, errlen,
			         "output '%s' needs a snake_case name, a known "
			         "type and a description",
			         o->name);
			return -1;
		}
		if (!o->task || !es_plugin_task(p, o->task)) {
			snprintf(err, errlen,
			         "output '%s' names no task of the plugin",
			         o->name);
			return -1;
		}
		for (long j = 0; j < i; j++)
			if (strcmp(p->outputs[j]->name, o->name) == 0) {
				snprintf(err, errlen,
				         "output '%s' declared twice", o->name);
				return -1;
			}
	}
	return 0;
}

static int check_tasks(struct es_plugin *p, char *err, size_t errlen)
{
	const void *tmp[MAX_ENTRIES];
	long n =
	    walk_array(p->desc->tasks, TASK_MIN, offsetof(struct es_task, id),
	               tmp, MAX_ENTRIES, err, errlen);

	if (n < 0)
		return -1;
	if (n == 0) {
		snprintf(err, errlen, "declares no tasks");
		return -1;
	}
	p->tasks = calloc((size_t)n + 1, sizeof(*p->tasks));
	if (!p->tasks)
		return -1;
	p->n_tasks = (size_t)n;
	for (long i = 0; i < n; i++)
		p->tasks[i] = tmp[i];
	for (long i = 0; i < n; i++) {
		const struct es_task *t = p->tasks[i];

		if (!es_valid_name(t->id, 0)) {
			snprintf(err, errlen, "task id '%s' is not snake_case",
			         t->id);
			return -1;
		}
		if (!t->title || !t->section) {
			snprintf(err, errlen,
			         "task '%s' needs a title and a section",
			         t->id);
			return -1;
		}
		if ((t->flags & ES_TASK_MANUAL) &&
		    (!t->question || !*t->question)) {
			snprintf(err, errlen,
			         "manual task '%s' has no question", t->id);
			return -1;
		}
		if (!(t->flags & ES_TASK_MANUAL) == !t->run) {
			snprintf(err, errlen,
			         t->run ? "manual task '%s' has a function: "
			                  "a person does it"
			                : "task '%s' has no function (run)",
			         t->id);
			return -1;
		}
		for (long j = 0; j < i; j++) {
			if (strcmp(p->tasks[j]->id, t->id) == 0) {
				snprintf(err, errlen,
				         "task '%s' declared twice", t->id);
				return -1;
			}
		}
		for (const char *const *k = t->needs; k && *k; k++) {
			if (!es_plugin_key(p, *k)) {
				snprintf(err, errlen,
				         "task '%s' needs key '%s', which the "
				         "schema "
				         "does not declare",
				         t->id, *k);
				return -1;
			}
		}
		for (const char *const *dep = t->depends_on; dep && *dep;
		     dep++) {
			if (!strchr(*dep, ':') && !es_plugin_task(p, *dep)) {
				snprintf(
				    err, errlen,
				    "task '%s' depends on unknown task '%s'",
				    t->id, *dep);
				return -1;
			}
		}
	}
	return 0;
}

int es_descriptor_check(struct es_plugin *p, const char *expected_name,
                        char *err, size_t errlen)
{
	const struct es_plugin_descriptor *d = p->desc;
	const struct es_plugin_ops *ops;

	if (d->struct_size < offsetof(struct es_plugin_descriptor, abi_minor) +
	                         sizeof(d->abi_minor)) {
		snprintf(err, errlen, "descriptor struct_size %u is too small",
		         d->struct_size);
		return -1;
	}
	if (d->abi_major != ES_ABI_MAJOR || d->abi_minor > ES_ABI_MINOR) {
		snprintf(
		    err, errlen,
		    "built for ABI %u.%u, core provides %d.%d (needs major "
		    "%d and minor at most %d)",
		    d->abi_major, d->abi_minor, ES_ABI_MAJOR, ES_ABI_MINOR,
		    ES_ABI_MAJOR, ES_ABI_MINOR);
		return -1;
	}
	if (d->struct_size < DESCRIPTOR_MIN) {
		snprintf(
		    err, errlen,
		    "descriptor struct_size %u is smaller than ABI 2.0's %zu",
		    d->struct_size, (size_t)DESCRIPTOR_MIN);
		return -1;
	}
	if (!d->name || strcmp(d->name, expected_name) != 0) {
		snprintf(err, errlen, "names itself '%s' but the file is %s.so",
		         d->name ? d->name : "(null)", expected_name);
		return -1;
	}
	if (!es_valid_name(d->name, 1) || !d->version || !*d->version ||
	    !d->description || !*d->description) {
		snprintf(
		    err, errlen,
		    "needs a lower-case name, a version and a description");
		return -1;
	}
	ops = d->ops; /* optional: a plugin with no instance state */
	if (ops && ops->struct_size <
	               SIZE_UPTO(struct es_plugin_ops, destroy_instance)) {
		snprintf(err, errlen, "ops struct_size %u is too small",
		         ops->struct_size);
		return -1;
	}
	if (ops &&
	    !ES_OPS_HAS(ops, create) != !ES_OPS_HAS(ops, destroy_instance)) {
		snprintf(err, errlen,
		         "ops has create without destroy_instance, or the "
		         "reverse");
		return -1;
	}
	if (check_keys(p, err, errlen) < 0 || check_tasks(p, err, errlen) < 0 ||
	    check_outputs(p, err, errlen) < 0)
		return -1;
	return 0;
}

const struct es_key *es_plugin_key(const struct es_plugin *p, const char *name)
{
	for (size_t i = 0; i < p->n_keys; i++)
		if (strcmp(p->keys[i]->name, name) == 0)
			return p->keys[i];
	return NULL;
}

const struct es_task *es_plugin_task(const struct es_plugin *p, const char *id)
{
	for (size_t i = 0; i < p->n_tasks; i++)
		if (strcmp(p->tasks[i]->id, id) == 0)
			return p->tasks[i];
	return NULL;
}

const struct es_output *es_plugin_output(const struct es_plugin *p,
                                         const char *name)
{
	size_t n = strcspn(name, ":");

	for (size_t i = 0; i < p->n_outputs; i++) {
		const struct es_output *o = p->outputs[i];

		if (strlen(o->name) == n && strncmp(o->name, name, n) == 0 &&
		    (name[n] == '\0' ||
		     ((o->flags & ES_OUTPUT_PER_ITEM) && name[n + 1])))
			return o;
	}
	return NULL;
}

/*
 * Output references during a run (refs.c): the edges they add to the
 * task graph, their resolution before a task is called, and what the
 * host's config table reads (refs.h has the syntax and the checks).
 */
#ifndef ENVSETUP_CORE_REFS_RUN_H
#define ENVSETUP_CORE_REFS_RUN_H

#include "config_internal.h"
#include "refs.h"
#include "run.h"

/* The resolved values of one task call (es_call.refs). */
struct es_refs_call;

/* Calls fn once for each node that publishes an output the task of node
 * `idx` reads through the keys of its needs, unless already a dependency. */
void es_refs_producers(struct es_run *run, size_t idx,
                       void (*fn)(struct es_run *run, size_t idx,
                                  size_t producer, void *arg),
                       void *arg);

/* The value of node `from` that reads an output of node `to` (so a cycle
 * through it is reported at its line), or NULL. */
const struct es_value *es_refs_edge_value(struct es_run *run, size_t from,
                                          size_t to);

/* Resolve the references of the keys call->node's task needs, from the
 * state's outputs, into the call. Returns 0 when all are known; the
 * number of keys whose output is not published yet, each added to
 * `unknown` (nullable) as a plan change {unknown, KEY, ${plugin.output},
 * "(known after apply)"}; or -1 when a resolved value breaks the key's
 * rules (a diagnostic in call->diags). */
int es_refs_resolve(struct es_call *call, cJSON *unknown);

/* The value the call reads for `bound`: itself when it holds no
 * reference, its resolved copy, or NULL (unset) when not resolved. */
const struct es_value *es_refs_value(struct es_call *call,
                                     const struct es_value *bound);

/* es_config_api.get_json: a RECORDS key as JSON, owned by the call. */
const es_json *es_refs_json(struct es_call *call, const char *key);

/* Free what the call resolved (es_call_release). */
void es_refs_release(struct es_call *call);

#endif

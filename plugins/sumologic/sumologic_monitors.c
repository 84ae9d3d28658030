/*
 * sumologic: the log search monitors. One per component, in the root
 * folder of the Monitors library, counting the component's lines that
 * match alert_query and e-mailing the customer's on-call addresses when
 * there are more than alert_threshold within alert_window (and again when
 * it resolves). Found by name among the root's children and kept in line
 * with the config; teardown removes only what es_claim() recorded that
 * envsetup made.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sumologic.h"

/* The root folder's id into root, and the id of its child monitor named
 * `name` into id (empty when there is none). */
static enum es_status find_monitor(struct ctx *c, const char *name, char *root,
                                   char *id, size_t size)
{
	const struct es_json_api *j = c->h->json;
	const es_json *children;
	const char *root_id;
	struct es_reply r;
	enum es_status st;

	root[0] = id[0] = '\0';
	st = es_client_call(&c->api, &r, NULL, "/v1/monitors/root");
	root_id = j->get_string(r.json, "id");
	children = j->get(r.json, "children");
	if (st == ES_OK && (r.outcome != ES_FOUND || !root_id ||
	                    j->kind(children) != ES_JSON_ARRAY))
		st = es_reply_malformed(&c->api, &r, "get monitors root",
		                        "the root folder's id and children");
	if (st == ES_OK)
		snprintf(root, size, "%s", root_id);
	for (size_t i = 0; st == ES_OK && i < j->array_size(children); i++) {
		const es_json *m = j->array_item(children, i);
		const char *n = j->get_string(m, "name");
		const char *type = j->get_string(m, "type");
		const char *mid = j->get_string(m, "id");

		if (!n || strcmp(n, name) != 0 || !type ||
		    strcmp(type, "MonitorsLibraryMonitorResponse") != 0)
			continue;
		if (!mid)
			st =
			    es_reply_malformed(&c->api, &r, "get monitors root",
			                       "the monitor's id");
		else
			snprintf(id, size, "%s", mid);
		break;
	}
	es_reply_free(&r);
	return st;
}

/* A static trigger on the count of matching lines (the OpenAPI
 * description's TriggerCondition with StaticCondition). */
static es_json *trigger(struct ctx *c, const char *type, const char *compare,
                        const char *range)
{
	const struct es_json_api *j = c->h->json;
	es_json *t = j->new_object();

	j->set_string(t, "detectionMethod", "StaticCondition");
	j->set_string(t, "triggerType", type);
	j->set_string(t, "timeRange", range);
	j->set_int64(t, "threshold",
	             c->h->config->get_int(c->call, "alert_threshold"));
	j->set_string(t, "thresholdType", compare);
	j->set_string(t, "occurrenceType", "ResultCount");
	j->set_string(t, "triggerSource", "AllResults");
	return t;
}

static es_json *monitor_body(struct ctx *c, const char *name,
                             const char *category)
{
	const struct es_json_api *j = c->h->json;
	es_json *m = j->new_object(), *queries = j->new_array(),
	        *q = j->new_object(), *triggers = j->new_array(),
	        *notifications = j->new_array(), *n = j->new_object(),
	        *email = j->new_object(), *to = j->new_array(),
	        *when = j->new_array();
	char query[1400], range[8];

	snprintf(query, sizeof(query), "_sourceCategory=%s (%s)", category,
	         sumo_cfg(c, "alert_query"));
	snprintf(range, sizeof(range), "-%s", sumo_cfg(c, "alert_window"));
	j->set_string(m, "name", name);
	j->set_string(m, "description", "Made by envsetup");
	j->set_string(m, "type", "MonitorsLibraryMonitor");
	j->set_string(m, "monitorType", "Logs");
	j->set_string(q, "rowId", "A");
	j->set_string(q, "query", query);
	j->add(queries, NULL, q);
	j->add(m, "queries", queries);
	j->add(triggers, NULL, trigger(c, "Critical", "GreaterThan", range));
	j->add(triggers, NULL,
	       trigger(c, "ResolvedCritical", "LessThanOrEqual", range));
	j->add(m, "triggers", triggers);
	j->set_string(email, "connectionType", "Email");
	for (size_t i = 0; i < c->h->config->list_size(c->call, "alert_emails");
	     i++)
		j->append_string(
		    to, c->h->config->list_item(c->call, "alert_emails", i));
	j->add(email, "recipients", to);
	j->set_string(email, "subject", "{{TriggerType}}: {{Name}}");
	j->set_string(email, "timeZone", "UTC");
	j->add(n, "notification", email);
	j->append_string(when, "Critical");
	j->append_string(when, "ResolvedCritical");
	j->add(n, "runForTriggerTypes", when);
	j->add(notifications, NULL, n);
	j->add(m, "notifications", notifications);
	j->set_bool(m, "isDisabled", 0);
	return m;
}

static enum es_status create_monitor(struct ctx *c, const char *root,
                                     const char *name, const char *category,
                                     const char *key)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = monitor_body(c, name, category);
	char intent[448], path[300], *q = c->h->http->escape(root);
	struct es_reply r;
	enum es_status st;

	if (!body || !q || es_claim(c->x, key, name)) {
		j->free(body);
		c->h->mem_free(q);
		return ES_FAILED;
	}
	snprintf(intent, sizeof(intent), "create monitor %s", name);
	snprintf(path, sizeof(path), "/v1/monitors?parentId=%s", q);
	c->h->mem_free(q);
	st = sumo_write(c, &r, "POST", body, intent, path);
	return sumo_created(c, &r, st, intent, key);
}

/* 1 when the monitor's string at `path` differs from ours. */
static int differs(struct ctx *c, const es_json *have, const es_json *want,
                   const char *path)
{
	const char *a = c->h->json->get_string(have, path);
	const char *b = c->h->json->get_string(want, path);

	return !a || !b || strcmp(a, b) != 0;
}

/* What the config decides (the query, the threshold and window of both
 * triggers, the recipients) differs between monitor `have` and `want`?
 * Sumo fills in defaults of its own (resolutionWindow, minDataPoints ...):
 * those are left alone. */
static int out_of_line(struct ctx *c, const es_json *have, const es_json *want)
{
	const struct es_json_api *j = c->h->json;
	static const char *const rec =
	    "notifications[0].notification.recipients";
	const es_json *got = j->get(have, rec), *to = j->get(want, rec);
	int bad = differs(c, have, want, "queries[0].query") ||
	          j->array_size(got) != j->array_size(to);

	for (size_t i = 0; !bad && i < 2; i++) {
		char path[40];

		snprintf(path, sizeof(path), "triggers[%zu].timeRange", i);
		bad |= differs(c, have, want, path);
		snprintf(path, sizeof(path), "triggers[%zu].threshold", i);
		bad |= j->get_number(have, path, -1) !=
		       j->get_number(want, path, -2);
	}
	for (size_t i = 0; !bad && i < j->array_size(to); i++) {
		const char *a = j->get_string(j->array_item(got, i), "");
		const char *b = j->get_string(j->array_item(to, i), "");

		bad |= !a || !b || strcasecmp(a, b) != 0;
	}
	return bad;
}

/* Monitor `id` queries, counts and mails as the config says? Else report,
 * and PUT it back in line (monitorsUpdateById wants the version read). */
static enum es_status keep_in_line(struct ctx *c, const char *id,
                                   const char *name, const char *category)
{
	const struct es_json_api *j = c->h->json;
	es_json *want = monitor_body(c, name, category);
	char intent[480], path[200];
	int64_t version;
	struct es_reply r;
	enum es_status st;

	if (!want)
		return ES_FAILED;
	snprintf(path, sizeof(path), "/v1/monitors/%s", id);
	st = es_client_call(&c->api, &r, NULL, "%s", path);
	version = j->get_int64(r.json, "version", -1);
	if (st == ES_OK && r.outcome == ES_FOUND && version < 0)
		st = es_reply_malformed(&c->api, &r, "get monitor",
		                        "its version");
	else if (st == ES_OK && r.outcome != ES_FOUND)
		st = ES_RETRY; /* deleted since the root listed it */
	if (st != ES_OK || !out_of_line(c, r.json, want) ||
	    es_reported(c->x, &st, ES_CHANGE_UPDATE, "monitor", name,
	                "query, threshold, window or recipients")) {
		es_reply_free(&r);
		j->free(want);
		return st;
	}
	es_reply_free(&r);
	j->set_string(want, "type", "MonitorsLibraryMonitorUpdate");
	j->set_int64(want, "version", version);
	snprintf(intent, sizeof(intent), "update monitor %s", name);
	st = sumo_write(c, &r, "PUT", want, intent, path);
	/* A 409: changed since it was read. Read it again later. */
	if (st == ES_OK && r.outcome == ES_CONFLICT)
		st = ES_RETRY;
	es_reply_free(&r);
	return st;
}

static enum es_status one_monitor(struct ctx *c, const char *component)
{
	char key[SUMO_KEY_MAX], name[400], collector[160], category[320],
	    root[SUMO_ID_MAX], id[SUMO_ID_MAX];
	enum es_status st;

	sumo_collector_name(c, collector, sizeof(collector));
	snprintf(key, sizeof(key), "monitor:%s", component);
	snprintf(name, sizeof(name), "%s %s log errors", collector, component);
	snprintf(category, sizeof(category), "%s/%s", collector, component);
	if (sumo_teardown(c)) {
		const char *mine = c->h->state->get(c->call, key);

		return mine ? sumo_remove(c, key, "monitor", name,
		                          "/v1/monitors/%s", mine)
		            : ES_OK;
	}
	if ((st = find_monitor(c, name, root, id, sizeof(id))))
		return st;
	if (id[0])
		return es_record(c->x, &st, key, id, "monitor", name)
		           ? st
		           : keep_in_line(c, id, name, category);
	if (es_reported(c->x, &st, ES_CHANGE_CREATE, "monitor", name,
	                "e-mails alert_emails"))
		return st;
	return create_monitor(c, root, name, category, key);
}

enum es_status sumo_monitors(const struct es_ctx *x)
{
	struct ctx c;
	size_t n;
	enum es_status st = ES_OK;

	if (sumo_open(x, &c))
		return ES_INVALID_CONFIG;
	/* Nobody to alert: no monitors (teardown still removes any made
	 * when there was). */
	if (!sumo_teardown(&c) &&
	    c.h->config->list_size(c.call, "alert_emails") == 0)
		return ES_OK;
	n = c.h->config->list_size(c.call, "components");
	for (size_t i = 0; st == ES_OK && i < n; i++)
		st = one_monitor(
		    &c, c.h->config->list_item(c.call, "components", i));
	return st;
}

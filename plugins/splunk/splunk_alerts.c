/*
 * splunk: alerts. Each `alerts` item ("Name: SPL") is a scheduled saved
 * search "<index> Name" over the environment's index that e-mails
 * alert_emails when a run finds more than alert_threshold events. It is
 * looked up first; a create answered 409 (it exists after all) is looked
 * up again and updated, and one that differs from the config is updated
 * in place (POST to the entity, without `name`).
 */
#include <stdio.h>
#include <string.h>

#include "splunk.h"

#define SEARCHES "/servicesNS/nobody/search/saved/searches"
#define ALERT_MAX 1024

/* One alert as the config wants it. */
struct alert {
	char label[SP_NAME_MAX];    /* "Server errors" */
	char name[SP_NAME_MAX * 2]; /* "acme_uat Server errors" */
	char key[SP_NAME_MAX + 8];
	char search[ALERT_MAX];
	char threshold[32];
	char emails[ALERT_MAX];
	const char *cron;
};

static int alert_from(struct ctx *c, const char *item, struct alert *a)
{
	const char *sep = strstr(item, ": ");
	size_t n = c->h->config->list_size(c->call, "alert_emails"), at = 0;

	if (!sep)
		return -1; /* the schema's pattern refuses it first */
	snprintf(a->label, sizeof(a->label), "%.*s", (int)(sep - item), item);
	snprintf(a->name, sizeof(a->name), "%s %s", c->index, a->label);
	snprintf(a->key, sizeof(a->key), "alert:%s", a->label);
	snprintf(a->search, sizeof(a->search), "index=%s %s", c->index,
	         sep + 2);
	snprintf(a->threshold, sizeof(a->threshold), "%lld",
	         (long long)c->h->config->get_int(c->call, "alert_threshold"));
	a->emails[0] = '\0';
	for (size_t i = 0; i < n && at < sizeof(a->emails); i++)
		at += (size_t)snprintf(
		    a->emails + at, sizeof(a->emails) - at, "%s%s",
		    i ? "," : "",
		    c->h->config->list_item(c->call, "alert_emails", i));
	a->cron = sp_cfg(c, "alert_schedule");
	return 0;
}

/* What differs between the saved search and the config (NULL: none). */
static const char *alert_gap(struct ctx *c, const es_json *content,
                             const struct alert *a)
{
	const struct es_json_api *j = c->h->json;
	const char *s = j->get_string(content, "search");
	const char *cron = j->get_string(content, "cron_schedule");
	const char *to =
	    j->get_string(j->member(content, "action.email.to"), "");
	const char *actions = j->get_string(content, "actions");
	const char *threshold = j->get_string(content, "alert_threshold");

	if (!s || strcmp(s, a->search) != 0)
		return "search differs";
	if (!cron || strcmp(cron, a->cron) != 0)
		return "schedule differs";
	if (!threshold || strcmp(threshold, a->threshold) != 0)
		return "threshold differs";
	if (!to || strcmp(to, a->emails) != 0 || !actions ||
	    !strstr(actions, "email"))
		return "recipients differ";
	return NULL;
}

static enum es_status write_alert(struct ctx *c, const struct alert *a,
                                  int create)
{
	char intent[SP_NAME_MAX * 2 + 32];
	struct sp_form f = {0};
	struct es_reply r;
	enum es_status st;

	if (create)
		sp_form_add(&f, "name", a->name);
	sp_form_add(&f, "search", a->search);
	sp_form_add(&f, "is_scheduled", "1");
	sp_form_add(&f, "cron_schedule", a->cron);
	sp_form_add(&f, "dispatch.earliest_time", "-5m");
	sp_form_add(&f, "dispatch.latest_time", "now");
	sp_form_add(&f, "alert_type", "number of events");
	sp_form_add(&f, "alert_comparator", "greater than");
	sp_form_add(&f, "alert_threshold", a->threshold);
	sp_form_add(&f, "alert.track", "1");
	sp_form_add(&f, "actions", "email");
	sp_form_add(&f, "action.email.to", a->emails);
	snprintf(intent, sizeof(intent), "%s alert %s",
	         create ? "create" : "update", a->name);
	if (create && es_claim(c->x, a->key, a->name))
		return ES_FAILED;
	st = sp_post(c, &r, SEARCHES, create ? NULL : a->name, &f, intent);
	if (st == ES_OK && r.outcome == ES_FOUND && create &&
	    c->h->state->put(c->call, a->key, a->name))
		st = ES_FAILED;
	if (st == ES_OK && r.outcome == ES_CONFLICT)
		st = sp_exists_after_all(c, "alert", a->name);
	es_reply_free(&r);
	return st;
}

static enum es_status one_alert(struct ctx *c, const struct alert *a)
{
	const es_json *content;
	const char *gap;
	struct es_reply r;
	enum es_status st = sp_get_entity(c, &r, SEARCHES, a->name, &content);

	if (st != ES_OK)
		goto out;
	if (r.outcome == ES_ABSENT) {
		if (!es_reported(c->x, &st, ES_CHANGE_CREATE, "alert", a->name,
		                 a->emails))
			st = write_alert(c, a, 1);
		goto out;
	}
	if (es_record(c->x, &st, a->key, a->name, "alert", a->name))
		goto out;
	if ((gap = alert_gap(c, content, a)) &&
	    !es_reported(c->x, &st, ES_CHANGE_UPDATE, "alert", a->name, gap))
		st = write_alert(c, a, 0);
out:
	es_reply_free(&r);
	return st;
}

static enum es_status remove_alert(struct ctx *c, const char *name)
{
	return sp_delete_entity(c, SEARCHES, name, "alert");
}

enum es_status sp_alerts(const struct es_ctx *x)
{
	struct ctx c;
	struct alert a;
	es_json *names;
	char *text;
	size_t n;
	enum es_status st = ES_OK;

	if (sp_open(x, &c))
		return ES_INVALID_CONFIG;
	n = c.h->config->list_size(c.call, "alerts");
	names = c.h->json->new_array();
	if (!names)
		return ES_FAILED;
	for (size_t i = 0; st == ES_OK && i < n; i++) {
		if (alert_from(&c, c.h->config->list_item(c.call, "alerts", i),
		               &a))
			continue;
		if (c.phase >= ES_PHASE_PLAN_DESTROY)
			st = sp_teardown(&c, a.key, "alert", remove_alert);
		else
			st = one_alert(&c, &a);
		c.h->json->append_string(names, a.name);
	}
	if (st == ES_OK && c.phase == ES_PHASE_VERIFY) {
		text = c.h->json->print(names);
		st = text ? sp_publish(&c, "alerts", text, 0) : ES_FAILED;
		c.h->mem_free(text);
	}
	c.h->json->free(names);
	return st;
}

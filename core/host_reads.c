/*
 * The reads a task already made in this run (run.h: es_call.reads). A
 * task's phases run back to back on one call: plan, then apply, then
 * verify. What plan just read, apply would read again to look up before it
 * creates, and verify of a task plan found in place a third time: the
 * same answer, since nothing was written in between. So a read (a
 * request that is not `mutating`) is answered from the answer the task had
 * in an earlier phase, with these rules:
 *  - any write of the task forgets every read: what it changed is read
 *    again (verify after a change reads the provider);
 *  - within one call of the task's function, a read made before is
 *    answered too (a plugin looking a list up once per item); but a later
 *    call in the same phase (the next poll of a long-running task, a
 *    retry after ES_RETRY) reads the provider: it is called again because
 *    the provider's answer of now may differ. A wait inside the function
 *    (es_progress_api.sleep_ms) forgets every read for the same reason;
 *  - only definite answers are kept: 2xx and 404 (absent). A 429, a 5xx
 *    or no answer is read again;
 *  - a task that was in progress (ES_IN_PROGRESS) keeps nothing from then
 *    on: the provider changes on its own while it works, so what one poll
 *    read may be stale by the next phase. For the same reason verify after
 *    an apply reads the provider (runner.c): an operation an earlier run
 *    began may have completed between the reads of this one. So verify
 *    is answered from the task's reads only when apply did not run (plan
 *    found it done and in place, the no-change apply).
 * The cache lives as long as the call (one task, one run), so no answer
 * outlives the run nor crosses tasks: a task's dependencies finished
 * before its plan, so what it reads cannot change through them meanwhile.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "run.h"

struct es_read {
	char *key;
	/* The phase and call of the task's function that last had it. */
	enum es_phase phase;
	unsigned invocation;
	es_http_response *resp;
	struct es_read *next;
};

struct es_call_reads {
	struct es_read *first;
	int stopped; /* es_call_reads_stop: nothing kept any more */
};

static int append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 2 > *cap) {
		size_t c = *cap ? *cap : 256;
		char *p;

		while (c < *len + n + 2)
			c *= 2;
		p = realloc(*buf, c);
		if (!p)
			return -1;
		*buf = p;
		*cap = c;
	}
	memcpy(*buf + *len, s ? s : "", n);
	*len += n;
	(*buf)[(*len)++] = '\x1f'; /* unit separator: fields never hold it */
	(*buf)[*len] = '\0';
	return 0;
}

#define ADD(s) append(&k, &len, &cap, (s), (s) ? strlen(s) : 0)

/* Everything that makes the request what it is, before the secrets are
 * substituted (the same names stand for the same values in one run). */
static char *request_key(const struct es_http_request *r)
{
	char *k = NULL;
	size_t len = 0, cap = 0;
	int bad = ADD(r->method) || ADD(r->url) || ADD(r->basic_user) ||
	          ADD(r->aws_sigv4) || ADD(r->content_type) ||
	          append(&k, &len, &cap, r->body, r->body ? r->body_len : 0);

	for (size_t i = 0; !bad && i < r->n_headers; i++)
		bad = ADD(r->headers[i].name) || ADD(r->headers[i].value);
	for (size_t i = 0; !bad && i < r->n_form; i++)
		bad = ADD(r->form[i].name) || ADD(r->form[i].value);
	if (bad) {
		free(k);
		return NULL;
	}
	return k;
}

static void forget_all(struct es_call_reads *c)
{
	while (c && c->first) {
		struct es_read *next = c->first->next;

		free(c->first->key);
		es_http_response_free(c->first->resp);
		free(c->first);
		c->first = next;
	}
}

static struct es_read *find(struct es_call_reads *c, const char *key)
{
	for (struct es_read *r = c ? c->first : NULL; r; r = r->next)
		if (strcmp(r->key, key) == 0)
			return r;
	return NULL;
}

static struct es_call_reads *reads_of(es_call *call)
{
	if (!call->reads)
		call->reads = calloc(1, sizeof(*call->reads));
	return call->reads;
}

es_http_response *es_call_read_again(es_call *call,
                                     const struct es_http_request *req)
{
	struct es_read *r;
	char *key;

	if (req->mutating) {
		forget_all(call->reads);
		return NULL;
	}
	if (!call->node || !call->reads)
		return NULL;
	key = request_key(req);
	r = key ? find(call->reads, key) : NULL;
	free(key);
	if (!r || !r->resp ||
	    (r->phase == call->phase && r->invocation != call->invocation))
		return NULL;
	r->phase = call->phase;
	r->invocation = call->invocation;
	/* Not "METHOD URL" first: that is a request's trace line. */
	es_log(ES_LOG_DEBUG, call->prefix,
	       "answered by this task's earlier read (no write since): %s %s",
	       req->method, req->url);
	return es_http_response_copy(r->resp);
}

void es_call_read_keep(es_call *call, const struct es_http_request *req,
                       const es_http_response *resp)
{
	long status = es_http_response_status(resp);
	struct es_read *r;
	char *key;

	if (req->mutating || !call->node || !resp ||
	    (call->reads && call->reads->stopped) ||
	    !((status >= 200 && status < 300) || status == 404))
		return;
	if (!reads_of(call))
		return;
	key = request_key(req);
	if (!key)
		return;
	r = find(call->reads, key);
	if (r) {
		free(key);
		es_http_response_free(r->resp);
	} else if ((r = calloc(1, sizeof(*r)))) {
		r->key = key;
		r->next = call->reads->first;
		call->reads->first = r;
	} else {
		free(key);
		return;
	}
	r->phase = call->phase;
	r->invocation = call->invocation;
	r->resp = es_http_response_copy(resp); /* NULL: read again */
}

void es_call_reads_forget(es_call *call)
{
	forget_all(call->reads);
}

void es_call_reads_stop(es_call *call)
{
	if (reads_of(call)) {
		forget_all(call->reads);
		call->reads->stopped = 1;
	}
}

void es_call_reads_release(es_call *call)
{
	forget_all(call->reads);
	free(call->reads);
	call->reads = NULL;
}

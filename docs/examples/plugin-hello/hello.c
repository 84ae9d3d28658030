/* The hello plugin: greets someone once per environment, publishes the
 * greeting, and takes it back on `envsetup destroy`. */
#include <string.h>

#include "envsetup/envsetup.h"

/* Plans, applies, verifies and tears down the greeting, by ctx->phase. */
static enum es_status greet(const struct es_ctx *ctx)
{
	const struct es_host *h = ctx->host;
	const char *name = h->config->get_string(ctx->call, "name");
	const char *done = h->state->get(ctx->call, "greeted");
	enum es_status st;
	char text[256];

	if (ctx->phase == ES_PHASE_PLAN_DESTROY ||
	    ctx->phase == ES_PHASE_DESTROY) {
		if (!done)
			return ES_OK; /* never made, or already gone */
		if (es_reported(ctx, &st, ES_CHANGE_DELETE, "greeting", done,
		                NULL))
			return st;
		return h->state->del(ctx->call, "greeted") ? ES_FAILED : ES_OK;
	}
	snprintf(text, sizeof(text), "%s, %s!",
	         h->config->get_string(ctx->call, "greeting"), name);
	if (done && strcmp(done, name) == 0)
		return ES_OK; /* in place */
	/* plan: record the change; verify: fail, saying what is missing */
	if (es_reported(ctx, &st, done ? ES_CHANGE_UPDATE : ES_CHANGE_CREATE,
	                "greeting", name, NULL))
		return st;
	h->log->log(ctx->call, ES_LOG_INFO, "%s", text);
	if (h->state->put(ctx->call, "greeted", name))
		return ES_FAILED;
	return h->output->set(ctx->call, "greeting", text, 0) ? ES_FAILED
	                                                      : ES_OK;
}

static const struct es_key hello_keys[] = {
    ES_KEY(.name = "name", .type = ES_TYPE_STRING, .flags = ES_KEY_REQUIRED,
           .pattern = "^[^[:cntrl:]]{1,80}$",
           .question = "Whom should we greet?", .example = "world"),
    ES_KEY(.name = "greeting", .type = ES_TYPE_STRING, .default_value = "Hello",
           .pattern = "^[^[:cntrl:]]{1,40}$",
           .question = "Which word do we greet with?"),
    ES_KEYS_END,
};

static const struct es_task hello_tasks[] = {
    ES_TASK(.id = "greet", .title = "Greet", .section = "4.7",
            .needs = ES_LIST("name", "greeting"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = greet),
    ES_TASK(.id = "greeting_heard", .title = "Hear the greeting",
            .section = "4.7", .depends_on = ES_LIST("greet"),
            .flags = ES_TASK_MANUAL,
            .question = "Did the customer hear the greeting?"),
    ES_TASKS_END,
};

static const struct es_output hello_outputs[] = {
    ES_OUTPUT(.name = "greeting", .type = ES_OUTPUT_STRING, .task = "greet",
              .description = "The greeting, as said"),
    ES_OUTPUTS_END,
};

ES_PLUGIN(hello, .name = "hello", .version = "1.0.0",
          .description = "Says hello (the SDK's example plugin)",
          .keys = hello_keys, .tasks = hello_tasks, .outputs = hello_outputs)

/*
 * smtp: checklist 4.4, transaction e-mails through the customer's own
 * ("classic") SMTP server.
 *
 * Reads top to bottom: schema, tasks, outputs, validate(), descriptor.
 * smtp_api.c sets up the server from the config; smtp_login.c and
 * smtp_message.c hold one function per task. The SMTP dialogue is the
 * core's (es_host.mail): RFC 5321 (EHLO, MAIL, RCPT, DATA, QUIT), RFC 3207
 * (STARTTLS), RFC 8314 (implicit TLS), RFC 4954 (AUTH); README.md says
 * which command each task sends.
 *
 * Nothing is created at the server: verify_login only reads, and a sent
 * test message cannot be taken back, so teardown removes nothing.
 */
#include <string.h>

#include "smtp.h"

/* ---- schema: the elements needed before start ------------------------ */

static const char *const securities[] = {"starttls", "tls", NULL};

static const struct es_key smtp_keys[] = {
    ES_KEY(.name = "host", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "Which SMTP server sends the platform's e-mails "
                       "(SMTP_HOST)?",
           .example = "smtp.acme.example",
           /* A host name or an IPv4 address: nothing else can ride in
            * the server's URL. */
           .pattern = "^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$"),
    ES_KEY(.name = "port", .type = ES_TYPE_INT,
           .flags = ES_KEY_PER_ENV | ES_KEY_MIN | ES_KEY_MAX,
           .default_value = "587", .min = 1, .max = 65535,
           .question = "On which port (SMTP_PORT)? 587 for STARTTLS, 465 "
                       "for implicit TLS"),
    ES_KEY(.name = "security", .type = ES_TYPE_ENUM, .flags = ES_KEY_PER_ENV,
           .default_value = "starttls", .allowed = securities,
           .question = "How does the server do TLS: STARTTLS on a plain "
                       "connection (starttls) or TLS from the first byte "
                       "(tls)? Plain text is never used"),
    ES_KEY(.name = "username", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "Which login does the platform send with "
                       "(SMTP_USERNAME)?",
           .example = "platform@acme.example"),
    ES_KEY(.name = "password", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET | ES_KEY_PER_ENV,
           .question = "Its password (SMTP_PASSWORD)",
           .example = "env:SMTP_PASSWORD"),
    ES_KEY(.name = "from", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "Which address do the platform's e-mails come "
                       "from (default sender)?",
           .example = "no-reply@acme.example", .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "test_to", .type = ES_TYPE_STRING, .flags = ES_KEY_PER_ENV,
           .question = "Send one test message to prove delivery? To which "
                       "address (unset: no test message)",
           .example = "ops@acme.example", .format = ES_FORMAT_EMAIL),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task smtp_tasks[] = {
    ES_TASK(.id = "verify_login",
            .title = "Check the SMTP server, its TLS and the login",
            .section = "4.4",
            .needs = ES_LIST("host", "port", "security", "username", "password",
                             "from"),
            .flags = ES_TASK_TEARDOWN, .run = smtp_verify_login),
    ES_TASK(.id = "send_test_message", .title = "Send one test message",
            .section = "4.4", .depends_on = ES_LIST("verify_login"),
            .needs = ES_LIST("host", "port", "security", "username", "password",
                             "from", "test_to"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = smtp_send_test_message),
    ES_TASKS_END,
};

/* ---- outputs: what the platform reads -------------------------------- */

/* The platform's SMTP settings (MNOE 3.x SMTP_*, 4.0 system.smtp.*). The
 * password is not among them: the customer's file already says where it
 * lives (env: or file:), and envsetup never copies a secret it was given. */
static const struct es_output smtp_outputs[] = {
    ES_OUTPUT(.name = "smtp_host", .type = ES_OUTPUT_STRING,
              .task = "verify_login",
              .description = "SMTP_HOST (system.smtp.address)"),
    ES_OUTPUT(.name = "smtp_port", .type = ES_OUTPUT_STRING,
              .task = "verify_login",
              .description = "SMTP_PORT (system.smtp.port)"),
    ES_OUTPUT(.name = "smtp_username", .type = ES_OUTPUT_STRING,
              .task = "verify_login",
              .description = "SMTP_USERNAME (system.smtp.user_name)"),
    ES_OUTPUT(.name = "smtp_domain", .type = ES_OUTPUT_STRING,
              .task = "verify_login",
              .description = "SMTP_DOMAIN (system.smtp.domain): the "
                             "domain of `from`"),
    ES_OUTPUT(.name = "smtp_security", .type = ES_OUTPUT_STRING,
              .task = "verify_login",
              .description = "starttls or tls (ActionMailer "
                             "enable_starttls_auto or tls)"),
    ES_OUTPUTS_END,
};

/* ---- validate: offline cross-checks beyond the schema ---------------- */

/* The ports whose TLS mode is fixed by RFC 8314: 465 is implicit TLS,
 * 587 and 25 start in plain text. The other way round never connects. */
static enum es_status smtp_validate(const struct es_ctx *x)
{
	const struct es_config_api *conf = x->host->config;
	const char *security = conf->get_string(x->call, "security");
	int64_t port = conf->get_int(x->call, "port");
	int tls = security && strcmp(security, "tls") == 0;

	if (tls && (port == 587 || port == 25)) {
		x->host->diag->error(
		    x->call, "security",
		    "security = \"tls\" (implicit TLS) on port "
		    "%lld, which starts in plain text: use "
		    "\"starttls\", or port 465",
		    (long long)port);
		return ES_INVALID_CONFIG;
	}
	if (!tls && port == 465) {
		x->host->diag->error(
		    x->call, "security",
		    "security = \"starttls\" on port 465, which "
		    "is implicit TLS: use \"tls\", or port 587");
		return ES_INVALID_CONFIG;
	}
	return ES_OK;
}

/* ---- descriptor ------------------------------------------------------ */

ES_PLUGIN(smtp, .name = "smtp", .version = "1.0.0",
          .description = "The customer's own SMTP server: TLS, login and "
                         "one test message (checklist 4.4)",
          .keys = smtp_keys, .tasks = smtp_tasks, .outputs = smtp_outputs,
          .ops = ES_OPS(.validate = smtp_validate))

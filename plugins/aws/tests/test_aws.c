/*
 * The aws plugin's XML helpers and task logic, against a mock host: HTTP
 * answers come from a table of rules, and every request, diagnostic, plan
 * change, state key, secret and output is recorded for the assertions.
 * The plugin sources are compiled in (its .so exports only the entry).
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envsetup/host.h"
#include "host_tables.h"

#include "../aws.c"
#include "../aws_account.c"
#include "../aws_api.c"
#include "../aws_iam.c"
#include "../aws_route53.c"
#include "../aws_xml.c"

/* ------------------------------------------------------------ mock host */

#define MAX 128

struct rule {
	const char *match; /* substring of "METHOD URL\nTARGET\nBODY" */
	long status;
	const char *body;
	int once, used;
};

static struct rule rules[MAX];
static size_t n_rules;
static char *sent[MAX];
static size_t n_sent;
static char diag_key[64], diag_text[1024];
static int n_diag;
static char *plans[MAX];
static size_t n_plans;
static char *kv[MAX][2], *secrets[MAX][2], *outputs[MAX][2];
static size_t n_kv, n_secrets, n_outputs;

struct cfg {
	const char *key;
	const char *value;
	const char *list[4];
};
static struct cfg config[32];

struct es_http_response {
	long status;
	char *body;
};

static void on(const char *match, long status, const char *body, int once)
{
	ck_assert_uint_lt(n_rules, MAX);
	rules[n_rules++] = (struct rule){match, status, body, once, 0};
}

static void set_config(const char *key, const char *value)
{
	for (size_t i = 0; i < 32; i++)
		if (config[i].key == NULL || strcmp(config[i].key, key) == 0) {
			config[i].key = key;
			config[i].value = value;
			return;
		}
}

static void set_list(const char *key, const char *a, const char *b)
{
	for (size_t i = 0; i < 32; i++)
		if (config[i].key == NULL || strcmp(config[i].key, key) == 0) {
			config[i].key = key;
			config[i].list[0] = a;
			config[i].list[1] = b;
			return;
		}
}

static const struct cfg *find_cfg(const char *key)
{
	for (size_t i = 0; i < 32 && config[i].key != NULL; i++)
		if (strcmp(config[i].key, key) == 0)
			return &config[i];
	return NULL;
}

static void m_log(es_call *c, enum es_log_level l, const char *fmt, ...)
{
	(void)c;
	(void)l;
	(void)fmt;
}

static void m_error(es_call *c, const char *key, const char *fmt, ...)
{
	va_list ap;

	(void)c;
	va_start(ap, fmt);
	vsnprintf(diag_text, sizeof(diag_text), fmt, ap);
	va_end(ap);
	snprintf(diag_key, sizeof(diag_key), "%s", key != NULL ? key : "");
	n_diag++;
}

static void m_retry_after(es_call *c, uint32_t ms)
{
	(void)c;
	(void)ms;
}

static void m_ask(es_call *c, const char *fmt, ...)
{
	(void)c;
	(void)fmt;
}

static int m_is_set(es_call *c, const char *key)
{
	(void)c;
	return find_cfg(key) != NULL;
}

static const char *m_get_string(es_call *c, const char *key)
{
	const struct cfg *v = find_cfg(key);
	(void)c;
	return v != NULL ? v->value : NULL;
}

static int64_t m_get_int(es_call *c, const char *key)
{
	const char *v = m_get_string(c, key);
	return v != NULL ? atoll(v) : 0;
}

static int m_get_bool(es_call *c, const char *key)
{
	return m_get_int(c, key) != 0;
}

static size_t m_list_size(es_call *c, const char *key)
{
	const struct cfg *v = find_cfg(key);
	size_t n = 0;
	(void)c;
	while (v != NULL && n < 4 && v->list[n] != NULL)
		n++;
	return n;
}

static const char *m_list_item(es_call *c, const char *key, size_t i)
{
	const struct cfg *v = find_cfg(key);
	(void)c;
	return v != NULL && i < 4 ? v->list[i] : NULL;
}

static const char *m_customer(es_call *c)
{
	(void)c;
	return "acme";
}

static const char *m_env_value(es_call *c, const char *name)
{
	(void)c;
	(void)name;
	return NULL;
}

static char *request_text(const struct es_http_request *req)
{
	const char *target = "";
	char *s = NULL;

	for (size_t i = 0; i < req->n_headers; i++)
		if (strcmp(req->headers[i].name, "X-Amz-Target") == 0)
			target = req->headers[i].value;
	if (asprintf(&s, "%s %s\n%s\n%.*s\nuser=%s sigv4=%s token=%s",
	             req->method, req->url, target, (int)req->body_len,
	             req->body != NULL ? req->body : "", req->basic_user,
	             req->aws_sigv4,
	             req->n_headers > 0 ? req->headers[0].value : "") < 0)
		s = NULL;
	return s;
}

static es_http_response *m_request(es_call *c,
                                   const struct es_http_request *req)
{
	char *text = request_text(req);
	es_http_response *r = calloc(1, sizeof(*r));

	(void)c;
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_lt(n_sent, MAX);
	sent[n_sent++] = text;
	for (size_t i = 0; i < n_rules; i++) {
		if ((rules[i].once && rules[i].used) ||
		    strstr(text, rules[i].match) == NULL)
			continue;
		rules[i].used = 1;
		r->status = rules[i].status;
		r->body = strdup(rules[i].body);
		return r;
	}
	r->status = 599;
	r->body = strdup("no rule");
	return r;
}

static long m_status(const es_http_response *r)
{
	return r->status;
}

static const char *m_body(const es_http_response *r, size_t *len)
{
	*len = strlen(r->body);
	return r->body;
}

static const char *m_header(const es_http_response *r, const char *name)
{
	(void)r;
	(void)name;
	return NULL;
}

static void m_response_free(es_http_response *r)
{
	free(r->body);
	free(r);
}

static const char *lookup(char *(*t)[2], size_t n, const char *k)
{
	for (size_t i = n; i-- > 0;)
		if (t[i][0] != NULL && strcmp(t[i][0], k) == 0)
			return t[i][1];
	return NULL;
}

static void store(char *(*t)[2], size_t *n, const char *k, const char *v)
{
	ck_assert_uint_lt(*n, MAX);
	t[*n][0] = strdup(k);
	t[*n][1] = v != NULL ? strdup(v) : NULL;
	(*n)++;
}

static const char *m_state_get(es_call *c, const char *key)
{
	(void)c;
	return lookup(kv, n_kv, key);
}

static int m_state_put(es_call *c, const char *key, const char *value)
{
	(void)c;
	store(kv, &n_kv, key, value);
	return 0;
}

static int m_state_del(es_call *c, const char *key)
{
	(void)c;
	store(kv, &n_kv, key, NULL);
	return 0;
}

static int m_interrupted(es_call *c)
{
	(void)c;
	return 0;
}

static int m_output(es_call *c, const char *n, const char *v, int secret)
{
	(void)c;
	(void)secret;
	store(outputs, &n_outputs, n, v);
	return 0;
}

static int m_secret_get(es_call *c, const char *n, char *b, size_t bl,
                        size_t *l)
{
	(void)c, (void)n, (void)b, (void)bl, (void)l;
	return -1;
}

static int m_remember(es_call *c, const char *name, const char *value)
{
	(void)c;
	store(secrets, &n_secrets, name, value);
	return 0;
}

static int m_generate(es_call *c, const char *name, size_t length)
{
	(void)c;
	ck_assert_uint_eq(length, 20);
	store(secrets, &n_secrets, name, "generated-password-1");
	return 0;
}

static void m_change(es_call *c, enum es_change ch, const char *kind,
                     const char *name, const char *detail)
{
	char *s = NULL;
	(void)c;
	ck_assert_int_ge(asprintf(&s, "%d %s %s %s", ch, kind, name,
	                          detail != NULL ? detail : ""),
	                 0);
	plans[n_plans++] = s;
}

static void m_step(es_call *c, const char *fmt, ...)
{
	(void)c;
	(void)fmt;
}

static int m_cancelled(es_call *c)
{
	(void)c;
	return 0;
}

static void m_sleep(es_call *c, uint32_t ms)
{
	(void)c;
	(void)ms;
}

static int m_confirmed(es_call *c)
{
	(void)c;
	return 0;
}

static void m_wipe(void *p, size_t n)
{
	memset(p, 0, n);
}

static int m_is_explicit(es_call *c, const char *key)
{
	return m_is_set(c, key);
}

static const struct es_log_api log_api = {.struct_size = sizeof(log_api),
                                          .log = m_log};
static const struct es_diag_api diag_api = {
    .struct_size = sizeof(diag_api),
    .error = m_error,
    .retry_after = m_retry_after,
    .ask = m_ask,
};
static const struct es_config_api config_api = {
    .struct_size = sizeof(config_api),
    .is_set = m_is_set,
    .get_string = m_get_string,
    .get_int = m_get_int,
    .get_bool = m_get_bool,
    .get_duration_ms = m_get_int,
    .list_size = m_list_size,
    .list_item = m_list_item,
    .customer = m_customer,
    .environment = m_customer,
    .env_value = m_env_value,
    .is_explicit = m_is_explicit,
};
static const struct es_http_api http_api = {
    .struct_size = sizeof(http_api),
    .request = m_request,
    .status = m_status,
    .body = m_body,
    .header = m_header,
    .response_free = m_response_free,
};
static const struct es_state_api state_api = {
    .struct_size = sizeof(state_api),
    .get = m_state_get,
    .put = m_state_put,
    .del = m_state_del,
    .interrupted = m_interrupted,
};
static const struct es_output_api output_api = {
    .struct_size = sizeof(output_api), .set = m_output};
static const struct es_secret_api secret_api = {
    .struct_size = sizeof(secret_api),
    .get = m_secret_get,
    .remember = m_remember,
    .generate = m_generate,
};
static const struct es_plan_api plan_api = {.struct_size = sizeof(plan_api),
                                            .change = m_change};
static const struct es_progress_api progress_api = {
    .struct_size = sizeof(progress_api),
    .step = m_step,
    .cancelled = m_cancelled,
    .sleep_ms = m_sleep,
};
static const struct es_gate_api gate_api = {.struct_size = sizeof(gate_api),
                                            .confirmed = m_confirmed};
static const struct es_host host = {
    .struct_size = sizeof(host),
    .abi_major = ES_ABI_MAJOR,
    .abi_minor = ES_ABI_MINOR,
    .log = &log_api,
    .diag = &diag_api,
    .config = &config_api,
    .http = &http_api,
    .json = &es_host_json,
    .state = &state_api,
    .output = &output_api,
    .secret = &secret_api,
    .plan = &plan_api,
    .progress = &progress_api,
    .gate = &gate_api,
    .mem_free = free,
    .wipe = m_wipe,
};

static const struct es_plugin_descriptor *desc;
static void *inst;

static void free_table(char *(*t)[2], size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		free(t[i][0]);
		free(t[i][1]);
	}
	*n = 0;
}

static void setup(void)
{
	memset(config, 0, sizeof(config));
	set_config("account_mode", "create");
	set_config("account_email", "aws+uat@acme.example");
	set_config("account_name", "acme-uat");
	set_config("role_name", "OrganizationAccountAccessRole");
	set_config("admin_group", "admins");
	set_config("user_group", "users");
	set_config("region", "us-east-1");
	set_config("ttl", "300");
	set_config("record_type", "CNAME");
	set_config("poll_interval", "1000");
	set_config("organizations_url", "http://127.0.0.1:9/aws/organizations");
	set_config("sts_url", "http://127.0.0.1:9/aws/sts/");
	set_config("iam_url", "http://127.0.0.1:9/aws/iam");
	set_config("route53_url", "http://127.0.0.1:9/aws/route53");
	set_list("admin_policy_arns",
	         "arn:aws:iam::aws:policy/AdministratorAccess", NULL);
	set_list("user_policy_arns", "arn:aws:iam::aws:policy/ReadOnlyAccess",
	         NULL);
	desc = envsetup_plugin_entry(ES_ABI_MAJOR, ES_ABI_MINOR);
	ck_assert_ptr_nonnull(desc);
	ck_assert_int_eq(desc->ops->create(&host, NULL, &inst), ES_OK);
}

static void teardown(void)
{
	desc->ops->destroy_instance(inst);
	for (size_t i = 0; i < n_sent; i++)
		free(sent[i]);
	for (size_t i = 0; i < n_plans; i++)
		free(plans[i]);
	n_sent = n_plans = n_rules = 0;
	n_diag = 0;
	diag_key[0] = diag_text[0] = '\0';
	free_table(kv, &n_kv);
	free_table(secrets, &n_secrets);
	free_table(outputs, &n_outputs);
}

static enum es_status apply(const char *task)
{
	return desc->ops->apply(NULL, inst, task);
}

static size_t sent_with(const char *needle)
{
	size_t n = 0;
	for (size_t i = 0; i < n_sent; i++)
		n += strstr(sent[i], needle) != NULL;
	return n;
}

/* ---------------------------------------------------------------- tests */

static const char iam_error[] =
    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
    "<Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
    "<Message>The user with name alice cannot be found.</Message></Error>"
    "<RequestId>r-1</RequestId></ErrorResponse>";

START_TEST(xml_helpers)
{
	static const char doc_text[] =
	    "<?xml version=\"1.0\"?><GetGroupResponse xmlns=\"x\">"
	    "<GetGroupResult><Group><GroupName>a&amp;b</GroupName></Group>"
	    "<Users><member><UserName>u1</UserName></member>"
	    "<member><UserName>u2</UserName></member></Users>"
	    "</GetGroupResult></GetGroupResponse>";
	xmlDocPtr doc = aws_xml_parse(doc_text, strlen(doc_text));
	xmlNodePtr root = xmlDocGetRootElement(doc);
	char *code, *msg, *s;

	ck_assert_ptr_nonnull(doc);
	s = aws_xml_get(root, "GetGroupResult/Group/GroupName");
	ck_assert_str_eq(s, "a&b");
	free(s);
	ck_assert_ptr_null(aws_xml_get(root, "GetGroupResult/Nope"));
	xmlNodePtr m =
	    aws_xml_child(aws_xml_path(root, "GetGroupResult/Users"), "member");
	s = aws_xml_get(aws_xml_next(m, "member"), "UserName");
	ck_assert_str_eq(s, "u2");
	free(s);
	ck_assert_ptr_null(aws_xml_next(aws_xml_next(m, "member"), "member"));
	s = aws_xml_text(aws_xml_find(root, "UserName"));
	ck_assert_str_eq(s, "u1");
	free(s);
	xmlFreeDoc(doc);

	ck_assert_int_eq(
	    aws_xml_error(iam_error, strlen(iam_error), &code, &msg), 0);
	ck_assert_str_eq(code, "NoSuchEntity");
	ck_assert_str_eq(msg, "The user with name alice cannot be found.");
	free(code);
	free(msg);
	static const char batch[] =
	    "<InvalidChangeBatch xmlns=\"x\"><messages><Message>exists"
	    "</Message></messages></InvalidChangeBatch>";
	ck_assert_int_eq(aws_xml_error(batch, strlen(batch), &code, &msg), 0);
	ck_assert_str_eq(code, "InvalidChangeBatch");
	ck_assert_str_eq(msg, "exists");
	free(code);
	free(msg);

	s = aws_xml_escape("<a href='x'>&\"</a>");
	ck_assert_str_eq(s,
	                 "&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;");
	free(s);
}
END_TEST

START_TEST(xml_hostile)
{
	static const char xxe[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e SYSTEM "
	    "\"file:///etc/passwd\">]><r><Code>&e;</Code></r>";
	static const char laughs[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">"
	    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
	    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><r><v>&c;</v></r>";
	xmlDocPtr doc = aws_xml_parse(xxe, strlen(xxe));
	char *s, *code, *msg;

	/* The external entity is neither fetched nor expanded. */
	if (doc != NULL) {
		s = aws_xml_get(xmlDocGetRootElement(doc), "Code");
		ck_assert_ptr_null(strstr(s != NULL ? s : "", "root:"));
		free(s);
		xmlFreeDoc(doc);
	}
	doc = aws_xml_parse(laughs, strlen(laughs));
	if (doc != NULL)
		xmlFreeDoc(doc);
	ck_assert_ptr_null(aws_xml_parse("not xml", 7));
	ck_assert_ptr_null(aws_xml_parse("", 0));
	ck_assert_ptr_null(aws_xml_parse("<a><b></a>", 10));
	ck_assert_int_ne(aws_xml_error("{}", 2, &code, &msg), 0);
	ck_assert_ptr_null(code);
}
END_TEST

#define TGT "AWSOrganizationsV20161128."

START_TEST(create_account_flow)
{
	on(TGT "ListAccounts", 200,
	   "{\"Accounts\":[{\"Id\":\"111111111111\","
	   "\"Email\":\"root@mgmt.example\"}]}",
	   0);
	on(TGT "ListCreateAccountStatus", 200, "{\"CreateAccountStatuses\":[]}",
	   0);
	on(TGT "CreateAccount", 200,
	   "{\"CreateAccountStatus\":{\"Id\":"
	   "\"car-abcdef012345\",\"State\":\"IN_PROGRESS\"}}",
	   1);
	on(TGT "DescribeCreateAccountStatus", 200,
	   "{\"CreateAccountStatus\":"
	   "{\"Id\":\"car-abcdef012345\",\"State\":\"IN_PROGRESS\"}}",
	   1);
	on(TGT "DescribeCreateAccountStatus", 200,
	   "{\"CreateAccountStatus\":"
	   "{\"Id\":\"car-abcdef012345\",\"State\":\"SUCCEEDED\","
	   "\"AccountId\":\"222233334444\"}}",
	   1);

	ck_assert_int_eq(apply("create_account"), ES_IN_PROGRESS);
	ck_assert_str_eq(lookup(kv, n_kv, "create_request_id"),
	                 "car-abcdef012345");
	ck_assert_uint_eq(sent_with(TGT "CreateAccount"), 1);
	ck_assert_ptr_nonnull(
	    strstr(sent[2], "\"Email\":\"aws+uat@acme.example\""));
	ck_assert_ptr_nonnull(
	    strstr(sent[2], "POST http://127.0.0.1:9/aws/organizations/\n"));
	ck_assert_ptr_nonnull(strstr(sent[2],
	                             "user={{secret:access_key_id}} "
	                             "sigv4=aws:amz:us-east-1:organizations"));
	ck_assert_int_eq(apply("create_account"), ES_IN_PROGRESS);
	ck_assert_int_eq(apply("create_account"), ES_OK);
	ck_assert_uint_eq(sent_with(TGT "CreateAccount"), 1);
	ck_assert_str_eq(lookup(kv, n_kv, "account_id"), "222233334444");
	ck_assert_ptr_null(lookup(kv, n_kv, "create_request_id"));
	ck_assert_str_eq(lookup(outputs, n_outputs, "account_id"),
	                 "222233334444");
	ck_assert_str_eq(lookup(outputs, n_outputs, "console_url"),
	                 "https://222233334444.signin.aws.amazon.com/console");
}
END_TEST

START_TEST(create_account_found_on_page_two)
{
	on("\"NextToken\":\"t2\"", 200,
	   "{\"Accounts\":[{\"Id\":\"999988887777\","
	   "\"Email\":\"AWS+UAT@acme.example\"}]}",
	   0);
	on(TGT "ListAccounts", 200,
	   "{\"Accounts\":[{\"Id\":\"111111111111\","
	   "\"Email\":\"x@y.example\"}],\"NextToken\":\"t2\"}",
	   0);

	ck_assert_int_eq(apply("create_account"), ES_OK);
	ck_assert_uint_eq(sent_with(TGT "CreateAccount"), 0);
	ck_assert_str_eq(lookup(kv, n_kv, "account_id"), "999988887777");
	ck_assert_int_eq(desc->ops->plan(NULL, inst, "create_account"), ES_OK);
	ck_assert_uint_eq(n_plans, 0);
}
END_TEST

START_TEST(create_account_email_taken)
{
	m_state_put(NULL, "create_request_id", "car-abcdef012345");
	on(TGT "DescribeCreateAccountStatus", 200,
	   "{\"CreateAccountStatus\":"
	   "{\"Id\":\"car-abcdef012345\",\"State\":\"FAILED\","
	   "\"FailureReason\":\"EMAIL_ALREADY_EXISTS\"}}",
	   0);
	ck_assert_int_eq(apply("create_account"), ES_FAILED);
	ck_assert_str_eq(diag_key, "account_email");
	ck_assert_ptr_nonnull(strstr(diag_text, "EMAIL_ALREADY_EXISTS"));
	ck_assert_ptr_null(lookup(kv, n_kv, "create_request_id"));
}
END_TEST

START_TEST(errors_map_to_statuses)
{
	on(TGT "ListAccounts", 400,
	   "{\"__type\":\"com.amazon#"
	   "UnrecognizedClientException\",\"message\":\"bad token\"}",
	   1);
	ck_assert_int_eq(apply("create_account"), ES_INVALID_CONFIG);
	ck_assert_str_eq(diag_key, "access_key_id");
	ck_assert_ptr_nonnull(strstr(diag_text, "UnrecognizedClientException"));
	on(TGT "ListAccounts", 400, "{\"__type\":\"TooManyRequestsException\"}",
	   1);
	ck_assert_int_eq(apply("create_account"), ES_RETRY);
	on(TGT "ListAccounts", 503, "", 1);
	ck_assert_int_eq(apply("create_account"), ES_RETRY);
	on(TGT "ListAccounts", 400, "{\"__type\":\"InvalidInputException\"}",
	   1);
	ck_assert_int_eq(apply("create_account"), ES_FAILED);
}
END_TEST

static const char assume_ok[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    "<AssumeRoleResult><Credentials><AccessKeyId>ASIATESTTESTTEST0001"
    "</AccessKeyId><SecretAccessKey>sts-secret-value-xyz</SecretAccessKey>"
    "<SessionToken>sts-token-value-xyz</SessionToken><Expiration>"
    "2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult>"
    "</AssumeRoleResponse>";

static const char empty_group[] =
    "<GetGroupResponse><GetGroupResult><Group><GroupName>g</GroupName>"
    "</Group><Users/><IsTruncated>false</IsTruncated></GetGroupResult>"
    "</GetGroupResponse>";

START_TEST(users_created_with_password_reference)
{
	m_state_put(NULL, "account_id", "222233334444");
	set_list("admin_users", "alice", NULL);
	on("Action=AssumeRole", 200, assume_ok, 0);
	on("Action=GetGroup&", 200, empty_group, 0);
	on("Action=GetUser&", 404, iam_error, 0);
	on("Action=CreateUser&", 200, "<CreateUserResponse/>", 0);
	on("Action=GetLoginProfile&", 404, iam_error, 0);
	on("Action=CreateLoginProfile&", 200, "<CreateLoginProfileResponse/>",
	   0);
	on("Action=AddUserToGroup&", 200, "<AddUserToGroupResponse/>", 0);

	ck_assert_int_eq(apply("iam_users"), ES_OK);
	ck_assert_uint_eq(sent_with("Action=AssumeRole&Version=2011-06-15&"
	                            "RoleArn=arn%3Aaws%3Aiam%3A%3A222233334444"
	                            "%3Arole%2FOrganizationAccountAccessRole&"
	                            "RoleSessionName=envsetup-acme&"
	                            "DurationSeconds=3600"),
	                  1);
	ck_assert_str_eq(lookup(secrets, n_secrets, "sts_session_token"),
	                 "sts-token-value-xyz");
	ck_assert_uint_eq(sent_with("Action=CreateUser&Version=2010-05-08&"
	                            "UserName=alice\n"),
	                  1);
	ck_assert_uint_eq(sent_with("Action=CreateLoginProfile&Version="
	                            "2010-05-08&UserName=alice&Password="
	                            "{{secret:password_alice}}&"
	                            "PasswordResetRequired=true"),
	                  1);
	ck_assert_uint_eq(sent_with("Action=AddUserToGroup&Version=2010-05-08&"
	                            "GroupName=admins&UserName=alice"),
	                  1);
	ck_assert_uint_eq(sent_with("user={{secret:sts_access_key_id}} "
	                            "sigv4=aws:amz:us-east-1:iam token="
	                            "{{secret:sts_session_token}}"),
	                  7);
	ck_assert_str_eq(lookup(secrets, n_secrets, "password_alice"),
	                 "generated-password-1");
	/* The session secret never travels in a request. */
	ck_assert_uint_eq(sent_with("sts-secret-value-xyz"), 0);
}
END_TEST

START_TEST(assume_role_denied)
{
	static const char denied[] =
	    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
	    "</Code><Message>not authorized</Message></Error></ErrorResponse>";
	char now[32];

	m_state_put(NULL, "account_id", "222233334444");
	on("Action=AssumeRole", 403, denied, 0);
	/* An old account: the role name or the keys are wrong. */
	ck_assert_int_eq(apply("assume_role"), ES_INVALID_CONFIG);
	ck_assert_str_eq(diag_key, "role_name");
	/* Just created: AWS is still setting the role up. */
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	m_state_put(NULL, "account_created_at", now);
	ck_assert_int_eq(apply("assume_role"), ES_RETRY);
	ck_assert_uint_eq(n_secrets, 0);
}
END_TEST

START_TEST(records_upsert_then_insync)
{
	m_state_put(NULL, "account_id", "222233334444");
	m_state_put(NULL, "zone_id", "Z0SBX1");
	set_config("hosted_zone", "acme.example");
	set_list("records", "app=lb-uat.example.net",
	         "api.acme.example=api.example.net");
	on("Action=AssumeRole", 200, assume_ok, 0);
	on("rrset?maxitems=1&name=app.acme.example.&type=CNAME", 200,
	   "<ListResourceRecordSetsResponse><ResourceRecordSets>"
	   "<ResourceRecordSet><Name>app.acme.example.</Name><Type>CNAME</Type>"
	   "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>old.example"
	   "</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>"
	   "</ResourceRecordSets></ListResourceRecordSetsResponse>",
	   0);
	on("rrset?maxitems=1&name=api.acme.example.&type=CNAME", 200,
	   "<ListResourceRecordSetsResponse><ResourceRecordSets>"
	   "<ResourceRecordSet><Name>api.acme.example.</Name><Type>CNAME</Type>"
	   "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>"
	   "api.example.net</Value></ResourceRecord></ResourceRecords>"
	   "</ResourceRecordSet></ResourceRecordSets>"
	   "</ListResourceRecordSetsResponse>",
	   0);
	on("POST http://127.0.0.1:9/aws/route53/2013-04-01/hostedzone/Z0SBX1/"
	   "rrset/",
	   200,
	   "<ChangeResourceRecordSetsResponse><ChangeInfo><Id>"
	   "/change/C0SBX9</Id><Status>PENDING</Status></ChangeInfo>"
	   "</ChangeResourceRecordSetsResponse>",
	   1);
	on("GET http://127.0.0.1:9/aws/route53/2013-04-01/change/C0SBX9", 200,
	   "<GetChangeResponse><ChangeInfo><Status>PENDING</Status>"
	   "</ChangeInfo></GetChangeResponse>",
	   1);
	on("GET http://127.0.0.1:9/aws/route53/2013-04-01/change/C0SBX9", 200,
	   "<GetChangeResponse><ChangeInfo><Status>INSYNC</Status>"
	   "</ChangeInfo></GetChangeResponse>",
	   1);

	ck_assert_int_eq(desc->ops->plan(NULL, inst, "dns_records"), ES_OK);
	ck_assert_uint_eq(n_plans, 1);
	ck_assert_str_eq(plans[0], "2 record app.acme.example. CNAME "
	                           "old.example -> lb-uat.example.net");
	ck_assert_int_eq(apply("dns_records"), ES_IN_PROGRESS);
	ck_assert_str_eq(lookup(kv, n_kv, "change_id"), "C0SBX9");
	ck_assert_uint_eq(sent_with("<Change><Action>UPSERT</Action>"
	                            "<ResourceRecordSet><Name>app.acme.example."
	                            "</Name><Type>CNAME</Type><TTL>300</TTL>"
	                            "<ResourceRecords><ResourceRecord><Value>"
	                            "lb-uat.example.net</Value>"),
	                  1);
	ck_assert_uint_eq(sent_with("<Name>api.acme.example.</Name>"), 0);
	/* Still pending: the value in the mock is unchanged, but apply only
	 * polls while a change is recorded. */
	on("rrset?maxitems=1&name=app", 200,
	   "<ListResourceRecordSetsResponse><ResourceRecordSets>"
	   "<ResourceRecordSet><Name>app.acme.example.</Name><Type>CNAME</Type>"
	   "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>"
	   "lb-uat.example.net</Value></ResourceRecord></ResourceRecords>"
	   "</ResourceRecordSet></ResourceRecordSets>"
	   "</ListResourceRecordSetsResponse>",
	   0);
	rules[1].match = "never-matches";
	ck_assert_int_eq(apply("dns_records"), ES_OK);
	ck_assert_ptr_null(lookup(kv, n_kv, "change_id"));
	ck_assert_uint_eq(sent_with("rrset/\n"), 1);
	ck_assert_uint_eq(sent_with("token={{secret:sts_session_token}}"),
	                  n_sent - 1);
}
END_TEST

START_TEST(plan_before_the_account_exists)
{
	set_list("users", "bob", "carol");
	set_config("hosted_zone", "acme.example");
	on(TGT "ListAccounts", 200, "{\"Accounts\":[]}", 0);
	ck_assert_int_eq(desc->ops->plan(NULL, inst, "create_account"), ES_OK);
	ck_assert_int_eq(desc->ops->plan(NULL, inst, "iam_groups"), ES_OK);
	ck_assert_int_eq(desc->ops->plan(NULL, inst, "iam_users"), ES_OK);
	ck_assert_int_eq(desc->ops->plan(NULL, inst, "hosted_zone"), ES_OK);
	ck_assert_uint_eq(n_plans, 6);
	ck_assert_str_eq(plans[0], "1 account acme-uat aws+uat@acme.example");
	ck_assert_str_eq(plans[4], "1 iam_user carol users");
	ck_assert_uint_eq(n_sent, 1); /* only ListAccounts */
}
END_TEST

START_TEST(validate_cross_fields)
{
	ck_assert_int_eq(desc->ops->validate(NULL, inst), ES_OK);
	set_list("users", "bob smith", NULL);
	ck_assert_int_eq(desc->ops->validate(NULL, inst), ES_INVALID_CONFIG);
	ck_assert_str_eq(diag_key, "users");
	set_list("users", NULL, NULL);
	set_config("account_mode", "adopt");
	ck_assert_int_eq(desc->ops->validate(NULL, inst), ES_INVALID_CONFIG);
	ck_assert_str_eq(diag_key, "account_id");
	set_config("account_id", "123456789012");
	set_list("records", "no-equals-sign", NULL);
	ck_assert_int_eq(desc->ops->validate(NULL, inst), ES_INVALID_CONFIG);
	ck_assert_str_eq(diag_key, "hosted_zone");
	ck_assert_ptr_null(envsetup_plugin_entry(ES_ABI_MAJOR + 1, 0));
	ck_assert_int_eq(desc->ops->apply(NULL, inst, "nosuch"),
	                 ES_UNSUPPORTED);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("aws");
	TCase *tc = tcase_create("aws");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, xml_helpers);
	tcase_add_test(tc, xml_hostile);
	tcase_add_test(tc, create_account_flow);
	tcase_add_test(tc, create_account_found_on_page_two);
	tcase_add_test(tc, create_account_email_taken);
	tcase_add_test(tc, errors_map_to_statuses);
	tcase_add_test(tc, users_created_with_password_reference);
	tcase_add_test(tc, assume_role_denied);
	tcase_add_test(tc, records_upsert_then_insync);
	tcase_add_test(tc, plan_before_the_account_exists);
	tcase_add_test(tc, validate_cross_fields);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

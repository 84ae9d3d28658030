#!/usr/bin/env bash
# Credentials go only to the origins of a plugin's URL keys, through the
# real binary and host table: a small out-of-tree plugin sends its secret
# to `target`, a plain string key, and the core lets it go only when
# `target` has the origin of `api_url` as this environment sees it (the
# uat override, not the production default). A refusal fails the task at
# once, unretried, and the other origin receives nothing. The same request
# without the secret goes anywhere.
. "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/probe"
cat >"$WORK/probe/probe.c" <<'C'
#include "envsetup/envsetup.h"

/* One task: plan says "create", apply sends the request and records it,
 * verify checks the record. */
static enum es_status probe_send(const struct es_ctx *x)
{
	const struct es_host *h = x->host;
	const struct es_http_header auth = {"Authorization", "Bearer {{secret:token}}"};
	struct es_http_request req = {
		.struct_size = sizeof(req),
		.method = "GET",
		.url = h->config->get_string(x->call, "target"),
	};
	es_http_response *resp;
	long status;
	enum es_status st;

	if (h->state->get(x->call, "sent"))
		return ES_OK;
	if (es_reported(x, &st, ES_CHANGE_CREATE, "request", "target", NULL))
		return st;
	if (h->config->get_bool(x->call, "with_secret")) {
		req.headers = &auth;
		req.n_headers = 1;
	}
	resp = h->http->request(x->call, &req);
	if (!resp)
		return ES_RETRY; /* as the provider plugins do */
	status = h->http->status(resp);
	h->http->response_free(resp);
	if (status != 200)
		return ES_FAILED;
	return h->state->put(x->call, "sent", "yes") == 0 ? ES_OK : ES_FAILED;
}

static const struct es_key probe_keys[] = {
	ES_KEY(.name = "api_url", .type = ES_TYPE_URL, .flags = ES_KEY_PER_ENV,
	       .default_value = "https://api.probe.example",
	       .question = "Probe API base URL"),
	ES_KEY(.name = "target", .type = ES_TYPE_STRING, .flags = ES_KEY_REQUIRED,
	       .question = "Where to send the request"),
	ES_KEY(.name = "token", .type = ES_TYPE_STRING,
	       .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
	       .question = "The bearer token"),
	ES_KEY(.name = "with_secret", .type = ES_TYPE_BOOL, .default_value = "true",
	       .question = "Send the token?"),
	ES_KEYS_END,
};

static const struct es_task probe_tasks[] = {
	ES_TASK(.id = "send", .title = "Send", .section = "4.7",
	        .needs = ES_LIST("target"), .flags = ES_TASK_MUTATING,
	        .run = probe_send),
	ES_TASKS_END,
};

static const struct es_plugin_descriptor probe = {
	ES_DESCRIPTOR_HEADER,
	.name = "probe", .version = "1.0.0", .description = "Sends one request",
	.keys = probe_keys, .tasks = probe_tasks,
};

ES_PLUGIN_DEFINE(probe)
C
build_plugin probe

# A loopback server that writes "Host path Authorization" per request.
python3 - "$WORK/server.port" "$WORK/seen" >"$WORK/server.log" 2>&1 <<'PY' &
import http.server, sys
port_file, seen = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(seen, "a") as f:
            f.write("%s %s %s\n" % (self.headers.get("Host"), self.path,
                                    self.headers.get("Authorization", "-")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(port_file + ".tmp", "w").write(str(s.server_port))
import os; os.rename(port_file + ".tmp", port_file)
s.serve_forever()
PY
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 100); do [ -s "$WORK/server.port" ] && break; sleep 0.05; done
[ -s "$WORK/server.port" ] || fail "server did not start: $(cat "$WORK/server.log")"
PORT=$(cat "$WORK/server.port")
touch "$WORK/seen"
export PROBE_TOKEN=probe-token-0001

# probe.cfg for one case: STATE TARGET WITH_SECRET
write_config() {
  cat >"$WORK/probe.cfg" <<CFG
customer = { id = "probe"; name = "Probe"; state_dir = "$WORK/state-$1"; };
environments = { uat = { domain = "uat.probe.example"; };
                 production = { domain = "probe.example"; }; };
checklist = ( { section = "4.7"; title = "Others"; plugins = [ "probe" ]; } );
plugins = { probe = { token = "env:PROBE_TOKEN"; target = "$2"; with_secret = $3;
                      environments = { uat = { api_url = "http://127.0.0.1:$PORT/v1"; }; }; }; };
CFG
}
run_apply() {
  es apply "$WORK/probe.cfg" --env "$1" --plugin-dir "$WORK/plugins"
}

# To the origin of the uat api_url, whatever the path: sent, with the token.
write_config ok "http://127.0.0.1:$PORT/other/path" true
run_apply uat; expect_rc 0
grep -qF "127.0.0.1:$PORT /other/path Bearer probe-token-0001" "$WORK/seen" ||
  fail "the token did not arrive: $(cat "$WORK/seen")"

# Another origin (same server, other host name): refused unsent, at once.
write_config host "http://localhost:$PORT/steal" true
run_apply uat; expect_rc 4
expect_err "refusing to send token to http://localhost:$PORT: not the origin of any URL key of probe (api_url = http://127.0.0.1:$PORT)"
! grep -q "transient failure" "$WORK/err" || fail "a refused request was retried"
[ "$(grep -c "refusing to send" "$WORK/err")" -eq 1 ] || fail "refused more than once"

# Production keeps the default api_url: the loopback origin is not its own.
write_config prod "http://127.0.0.1:$PORT/prod" true
run_apply production; expect_rc 4
expect_err "refusing to send token to http://127.0.0.1:$PORT: not the origin of any URL key of probe (api_url = https://api.probe.example)"
grep -q "steal\|/prod" "$WORK/seen" && fail "a refused request arrived: $(cat "$WORK/seen")"
grep -qF "probe-token-0001" "$WORK/all-output" && fail "the token was printed"

# Without the secret, any origin will do.
write_config plain "http://localhost:$PORT/download" false
run_apply uat; expect_rc 0
grep -qF "localhost:$PORT /download -" "$WORK/seen" || fail "the plain request did not arrive: $(cat "$WORK/seen")"
echo "origins: credentials only to the URL keys' origins, refusals final, plain requests anywhere"

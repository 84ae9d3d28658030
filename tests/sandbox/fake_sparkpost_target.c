/*
 * The test POST SparkPost sends to a webhook's target before it answers
 * the create (webhooks.apib "Create a Webhook"): a plain HTTP/1.1 POST of
 * a sample batch, allowed to 127.0.0.0/8 only, since the sandbox never
 * reaches outside the machine. Any port: the tests' listener cannot bind
 * 80 (real SparkPost allows only 80 and 443).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fake_sparkpost.h"

#define BATCH "[{\"msys\":{}}]" /* the sample batch's empty event */

/* "http://127.x.y.z:PORT/path" into its parts; -1 for anything else. */
static int parse_target(const char *url, struct sockaddr_in *addr,
                        const char **path)
{
	char host[64];
	unsigned port = 80;
	int n = 0;

	if (strncmp(url, "http://", 7) != 0 ||
	    sscanf(url + 7, "%63[0-9.]%n", host, &n) != 1)
		return -1;
	if (url[7 + n] == ':' && sscanf(url + 8 + n, "%5u", &port) != 1)
		return -1;
	*path = strchr(url + 7, '/');
	if (!*path)
		*path = "/";
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_port = htons((unsigned short)port);
	if (port == 0 || port > 65535 ||
	    inet_pton(AF_INET, host, &addr->sin_addr) != 1 ||
	    (ntohl(addr->sin_addr.s_addr) >> 24) != 127)
		return -1;
	return 0;
}

int sp_target_post(const char *url, char *why, size_t size)
{
	struct sockaddr_in addr;
	struct timeval tv = {.tv_sec = 5};
	const char *path;
	char req[1024], reply[256];
	int fd, status = 0;
	ssize_t got;

	if (parse_target(url, &addr, &path)) {
		snprintf(why, size,
		         "target unreachable from the sandbox "
		         "(only http://127.x.y.z targets)");
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return snprintf(why, size, "no socket"), -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	snprintf(req, sizeof(req),
	         "POST %.800s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	         "User-Agent: SparkPost\r\nContent-Type: application/json\r\n"
	         "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	         path, strlen(BATCH), BATCH);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		snprintf(why, size, "connection refused");
		return -1;
	}
	got = read(fd, reply, sizeof(reply) - 1);
	close(fd);
	reply[got > 0 ? got : 0] = '\0';
	if (got <= 0 || sscanf(reply, "HTTP/1.%*d %d", &status) != 1) {
		snprintf(why, size, "no HTTP answer");
		return -1;
	}
	snprintf(why, size, "the target answered %d", status);
	return status == 200 ? 0 : -1;
}

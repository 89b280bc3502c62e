/*
 * fetch.h - downloading one URL with libcurl (GnuTLS flavour), as the agent needs it.
 *
 * Contract:
 * - Only https:// and file:// URLs are fetched; redirects are followed at most 5 times and only to
 *   https:// (a redirect to http:// or anything else is refused). The server certificate is
 *   verified against opts->ca_file, or the system store when NULL. Proxies come from the
 *   environment exactly as curl honours them (https_proxy, no_proxy, ...).
 * - The request is conditional when the caller passes the ETag / Last-Modified of the last 200:
 *   a 304 answer yields FETCH_NOT_MODIFIED and an empty body.
 * - The body goes into res->body, a struct buf limited to opts->max_bytes: a larger body is an
 *   error and nothing of it is kept. Connect and total timeouts apply per attempt; transient
 *   failures (connection, timeout, HTTP 5xx/429) are retried opts->retries times with a backoff
 *   that doubles from opts->backoff_ms.
 * - fetch_url() returns FETCH_OK / FETCH_NOT_MODIFIED, or FETCH_ERROR with a message that starts
 *   with the URL. res is initialised by fetch_url and released with fetch_result_free (also
 *   after an error). fetch_global_init() once per process before any fetch.
 */
#ifndef RW_FETCH_H
#define RW_FETCH_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

enum fetch_status {
	FETCH_ERROR = -1,
	FETCH_OK = 0,
	FETCH_NOT_MODIFIED = 1,
};

struct fetch_opts {
	long connect_timeout_s;
	long total_timeout_s;
	size_t max_bytes;
	int retries;
	long backoff_ms;
	const char *ca_file;       /* NULL: the system store */
	const char *etag;          /* NULL: none (If-None-Match) */
	const char *last_modified; /* NULL: none (If-Modified-Since, the server's own text) */
};

struct fetch_result {
	struct buf body;
	char *etag;          /* from the final response, or NULL */
	char *last_modified; /* from the final response, or NULL */
	char *final_url;     /* after redirects */
	long http_code;      /* 0 for file:// */
	long long bytes;     /* body bytes received over all attempts */
	int attempts;
};

int fetch_global_init(struct rw_err *e);
int fetch_url(const char *url, const struct fetch_opts *o, struct fetch_result *res,
              struct rw_err *e);
void fetch_result_free(struct fetch_result *res);

/* A session reuses one libcurl handle, so that fetches from the same host share a connection
 * (and a TLS session). Optional: fetch_url() uses a fresh handle each time. Not thread-safe. */
struct fetch_session;
int fetch_session_new(struct fetch_session **out, struct rw_err *e);
void fetch_session_free(struct fetch_session *s); /* safe with NULL */
int fetch_url_in(struct fetch_session *fs, const char *url, const struct fetch_opts *o,
                 struct fetch_result *res, struct rw_err *e);

#endif

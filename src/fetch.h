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
 * - Only identity is accepted: the request says "Accept-Encoding: identity", curl decodes nothing,
 *   and a response that comes with any other Content-Encoding (a gzip body from a misconfigured
 *   server or CDN) is refused (RW_EXIT_INPUT, not retried): bytes we did not ask for in a form we
 *   did not ask for are not taken apart, and the pin is checked on what was sent.
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

/* The bounds of a fetch_many phase (a struct of its own: fetch_opts is initialised positionally).
 */
struct fetch_phase {
	long deadline_s;    /* the whole phase; 0: FETCH_DEADLINE_DEFAULT_S */
	double deadline_at; /* or an absolute monotonic_seconds() time (wins when nonzero) */
	int max_parallel;   /* transfers at once; 0: FETCH_PARALLEL_DEFAULT */
};

#define FETCH_DEADLINE_DEFAULT_S 300L
#define FETCH_PARALLEL_DEFAULT 4

struct fetch_result {
	struct buf body;
	char *etag;          /* from the final response, or NULL */
	char *last_modified; /* from the final response, or NULL */
	char *final_url;     /* after redirects */
	long http_code;      /* 0 for file:// */
	long long bytes;     /* body bytes received over all attempts */
	int attempts;
	/* fetch_many only: */
	int status;        /* FETCH_OK / FETCH_NOT_MODIFIED / FETCH_ERROR */
	struct rw_err err; /* the message when status is FETCH_ERROR */
	double seconds;    /* from the phase's start to this request's end */
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

/* ---- many URLs at once (libcurl's multi interface) ------------------------------------------
 * fetch_many() fetches reqs[0..n) in parallel, at most ph->max_parallel at once, over one multi
 * handle (one connection cache) and one share of DNS and TLS sessions, with the same rules as
 * fetch_url (protocols, redirects, size cap, conditional requests from each req's etag /
 * last_modified; o->etag and o->last_modified are ignored). Each request is retried on transient
 * failures up to o->retries times with the doubling backoff, as long as the phase's deadline
 * allows: the whole phase ends by ph->deadline_at (or start + ph->deadline_s, default
 * FETCH_DEADLINE_DEFAULT_S; ph may be NULL for the defaults), each attempt's timeouts are cut to
 * what is left, and a request still unfinished at the deadline ends as FETCH_ERROR "URL: not
 * finished within the fetch deadline of Ns". out[i] (initialised here, released with
 * fetch_result_free each) gets request i's result with status and err. progress(ctx, i, &out[i],
 * done, n) is called once per request as it finishes, in finishing order, from the calling thread
 * (NULL: none). Returns 0 when the phase ran (whatever each request's status), -1 with e set when
 * it could not start (no out[] then needs more than fetch_result_free). */
struct fetch_req {
	const char *url;
	const char *etag;          /* NULL: none */
	const char *last_modified; /* NULL: none */
};

typedef void (*fetch_progress_fn)(void *ctx, size_t index, const struct fetch_result *r,
                                  size_t done, size_t total);

int fetch_many(const struct fetch_req *reqs, size_t n, const struct fetch_opts *o,
               const struct fetch_phase *ph, struct fetch_result *out, fetch_progress_fn progress,
               void *ctx, struct rw_err *e);

#endif

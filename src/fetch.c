/* fetch.c - one URL with libcurl: HTTPS only, bounded, conditional, retried. */
#include "fetch.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "date.h"

#define FETCH_MAX_REDIRS 5

struct xfer {
	struct fetch_result *res;
	int too_big;
	char *encoding; /* a Content-Encoding other than identity, of the last response */
};

int fetch_global_init(struct rw_err *e)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, RW_EXIT_FAILURE, "libcurl: global initialisation failed");
	return 0;
}

void fetch_result_free(struct fetch_result *res)
{
	buf_free(&res->body);
	free(res->etag);
	free(res->last_modified);
	free(res->final_url);
	res->etag = res->last_modified = res->final_url = NULL;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	if (x->encoding != NULL)
		return 0; /* an encoded body is not ours to decode or to keep: stop here */
	if (buf_append(&x->res->body, p, size * n) < 0) {
		x->too_big = 1;
		return 0;
	}
	return size * n;
}

/* Copies the value of header line h (name: value\r\n) when its name is name. */
static int header_value(const char *h, size_t n, const char *name, char **dst)
{
	size_t nl = strlen(name);
	const char *v, *end = h + n;
	char *s;

	if (n <= nl || strncasecmp(h, name, nl) != 0 || h[nl] != ':')
		return 0;
	v = h + nl + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	s = strndup(v, (size_t)(end - v));
	if (s == NULL)
		return -1;
	free(*dst);
	*dst = s;
	return 1;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	/* A new response (after a redirect): forget the previous one's validators. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		free(x->res->etag);
		free(x->res->last_modified);
		free(x->encoding);
		x->res->etag = x->res->last_modified = x->encoding = NULL;
		return len;
	}
	if (header_value(p, len, "ETag", &x->res->etag) < 0 ||
	    header_value(p, len, "Last-Modified", &x->res->last_modified) < 0 ||
	    header_value(p, len, "Content-Encoding", &x->encoding) < 0)
		return 0;
	if (x->encoding && strcasecmp(x->encoding, "identity") == 0) {
		free(x->encoding);
		x->encoding = NULL;
	}
	return len;
}

static int transient(CURLcode c, long http)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return 1;
	case CURLE_OK:
		return http >= 500 || http == 429;
	default:
		return 0;
	}
}

/* One attempt. Returns FETCH_* and sets *retry when another attempt may help. */
struct fetch_session {
	CURL *h; /* kept between fetches: its connection and TLS session caches are reused */
};

int fetch_session_new(struct fetch_session **out, struct rw_err *e)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL || ((*out)->h = curl_easy_init()) == NULL) {
		free(*out);
		*out = NULL;
		return err_set(e, RW_EXIT_FAILURE, "libcurl: cannot start a session");
	}
	return 0;
}

void fetch_session_free(struct fetch_session *s)
{
	if (s == NULL)
		return;
	curl_easy_cleanup(s->h);
	free(s);
}

/* Before an attempt: the result holds nothing of a previous one (bytes and attempts add up). */
static void reset_result(struct fetch_result *res, const struct fetch_opts *o)
{
	buf_free(&res->body);
	buf_init(&res->body, o->max_bytes);
	free(res->etag);
	free(res->last_modified);
	res->etag = res->last_modified = NULL;
	res->http_code = 0;
}

/* Sets every option of one attempt on h; *hdrs receives the request headers (caller frees after
 * the transfer). timeout_ms / connect_ms: this attempt's bounds (the phase deadline may make them
 * shorter than the configured ones). */
static void prepare(CURL *h, const char *url, const struct fetch_opts *o, const char *etag,
                    const char *last_modified, struct xfer *x, char *errbuf,
                    struct curl_slist **hdrs, long timeout_ms, long connect_ms)
{
	struct curl_slist *nh;
	char *line = NULL;

	*hdrs = NULL;
	/* We ask for identity and we get identity: curl does not decode (a body sent encoded
	 * anyway is refused after the headers, see judge()). */
	nh = curl_slist_append(*hdrs, "Accept-Encoding: identity");
	*hdrs = nh ? nh : *hdrs;
	if (etag && asprintf(&line, "If-None-Match: %s", etag) >= 0) {
		nh = curl_slist_append(*hdrs, line);
		*hdrs = nh ? nh : *hdrs;
		free(line);
	}
	if (last_modified && asprintf(&line, "If-Modified-Since: %s", last_modified) >= 0) {
		nh = curl_slist_append(*hdrs, line);
		*hdrs = nh ? nh : *hdrs;
		free(line);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,file");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)FETCH_MAX_REDIRS);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file) {
		/* Only this file: not also the built-in CA directory (loading it costs ~25 ms). */
		curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
		curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	}
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "rootwarden/" RW_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, NULL);
	curl_easy_setopt(h, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
}

/* After an attempt that ended with c: FETCH_* with e set on error, *retry when another attempt
 * may help. */
static int judge(CURL *h, CURLcode c, const char *url, const struct fetch_opts *o,
                 struct fetch_result *res, struct xfer *x, const char *errbuf, int *retry,
                 struct rw_err *e)
{
	curl_off_t got = 0;
	char *eff = NULL;
	int rc = FETCH_ERROR;

	*retry = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->http_code);
	curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &got);
	res->bytes += (long long)got;
	if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff) {
		free(res->final_url);
		res->final_url = strdup(eff);
	}
	*retry = transient(c, res->http_code);
	if (x->encoding && (c == CURLE_OK || c == CURLE_WRITE_ERROR)) {
		*retry = 0;
		err_set(e, RW_EXIT_INPUT,
		        "%s: refused: the body came with Content-Encoding '%s' although only "
		        "identity was accepted",
		        url, x->encoding);
	} else if (x->too_big || c == CURLE_FILESIZE_EXCEEDED) {
		err_set(e, RW_EXIT_INPUT, "%s: the body is larger than max_bytes (%zu); rejected",
		        url, o->max_bytes);
	} else if (c == CURLE_UNSUPPORTED_PROTOCOL && res->final_url &&
	           strcmp(res->final_url, url) != 0) {
		err_set(e, RW_EXIT_INPUT,
		        "%s: redirect to '%s' refused: only https:// redirects are followed", url,
		        res->final_url);
	} else if (c == CURLE_UNSUPPORTED_PROTOCOL) {
		err_set(e, RW_EXIT_INPUT,
		        "%s: refused: only https:// and file:// are fetched, and redirects only to "
		        "https:// (%s)",
		        url, errbuf[0] ? errbuf : curl_easy_strerror(c));
	} else if (c == CURLE_TOO_MANY_REDIRECTS) {
		err_set(e, RW_EXIT_INPUT, "%s: more than %d redirects", url, FETCH_MAX_REDIRS);
	} else if (c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CACERT_BADFILE) {
		err_set(e, RW_EXIT_INPUT, "%s: the server's certificate is not trusted: %s", url,
		        errbuf[0] ? errbuf : curl_easy_strerror(c));
	} else if (c == CURLE_OPERATION_TIMEDOUT) {
		err_set(e, RW_EXIT_FAILURE, "%s: timed out (connect %lds, total %lds): %s", url,
		        o->connect_timeout_s, o->total_timeout_s,
		        errbuf[0] ? errbuf : curl_easy_strerror(c));
	} else if (c != CURLE_OK) {
		err_set(e, RW_EXIT_FAILURE, "%s: %s", url,
		        errbuf[0] ? errbuf : curl_easy_strerror(c));
	} else if (res->http_code == 304) {
		rc = FETCH_NOT_MODIFIED;
	} else if (res->http_code == 200 || res->http_code == 0) {
		rc = FETCH_OK;
	} else {
		err_set(e, RW_EXIT_FAILURE, "%s: HTTP status %ld", url, res->http_code);
	}
	if (rc != FETCH_OK)
		buf_free(&res->body);
	return rc;
}

static long ms_of(long s)
{
	return s > 0 ? s * 1000 : 0;
}

static int attempt(struct fetch_session *fs, const char *url, const struct fetch_opts *o,
                   struct fetch_result *res, int *retry, struct rw_err *e)
{
	CURL *h = fs ? fs->h : curl_easy_init();
	struct curl_slist *hdrs = NULL;
	struct xfer x = {res, 0, NULL};
	char errbuf[CURL_ERROR_SIZE] = "";
	int rc;

	*retry = 0;
	reset_result(res, o);
	if (h == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: cannot start libcurl", url);
	prepare(h, url, o, o->etag, o->last_modified, &x, errbuf, &hdrs, ms_of(o->total_timeout_s),
	        ms_of(o->connect_timeout_s));
	rc = judge(h, curl_easy_perform(h), url, o, res, &x, errbuf, retry, e);
	free(x.encoding);
	curl_slist_free_all(hdrs);
	if (fs)
		curl_easy_reset(h); /* no option (or pointer to our stack) outlives the call */
	else
		curl_easy_cleanup(h);
	return rc;
}

int fetch_url(const char *url, const struct fetch_opts *o, struct fetch_result *res,
              struct rw_err *e)
{
	return fetch_url_in(NULL, url, o, res, e);
}

int fetch_url_in(struct fetch_session *fs, const char *url, const struct fetch_opts *o,
                 struct fetch_result *res, struct rw_err *e)
{
	long wait_ms = o->backoff_ms;
	int retry = 0, rc = FETCH_ERROR;

	memset(res, 0, sizeof(*res));
	buf_init(&res->body, o->max_bytes);
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "file://", 7) != 0)
		return err_set(e, RW_EXIT_INPUT, "%s: only https:// and file:// URLs are fetched",
		               url);
	for (int i = 0; i <= o->retries; i++) {
		if (i > 0 && wait_ms > 0) {
			struct timespec ts = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};

			nanosleep(&ts, NULL);
			wait_ms *= 2;
		}
		res->attempts++;
		rc = attempt(fs, url, o, res, &retry, e);
		if (rc != FETCH_ERROR || !retry)
			break;
	}
	if (rc == FETCH_ERROR && res->attempts > 1) {
		char tail[64];

		snprintf(tail, sizeof(tail), " (after %d attempts)", res->attempts);
		if (e && strlen(e->msg) + strlen(tail) < sizeof(e->msg))
			strcat(e->msg, tail);
	}
	return rc;
}

/* ---- fetch_many ------------------------------------------------------------------------------ */

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_WAITING, JOB_DONE };

struct job {
	CURL *h;
	struct xfer x;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
	enum job_state state;
	double next_at; /* JOB_WAITING: when the next attempt may start */
	long wait_ms;   /* the next backoff */
	int cut;        /* this attempt's timeouts were cut to what the deadline left */
};

struct phase {
	const struct fetch_req *reqs;
	const struct fetch_opts *o;
	struct fetch_result *out;
	struct job *jobs;
	size_t n, done;
	double start, deadline;
	CURLM *m;
	CURLSH *share;
	fetch_progress_fn progress;
	void *ctx;
};

static void finish(struct phase *p, size_t i, int status)
{
	struct job *j = &p->jobs[i];
	struct fetch_result *r = &p->out[i];

	j->state = JOB_DONE;
	r->status = status;
	r->seconds = monotonic_seconds() - p->start;
	if (status == FETCH_ERROR && r->attempts > 1) {
		char tail[64];

		snprintf(tail, sizeof(tail), " (after %d attempts)", r->attempts);
		if (strlen(r->err.msg) + strlen(tail) < sizeof(r->err.msg))
			strcat(r->err.msg, tail);
	}
	p->done++;
	if (p->progress)
		p->progress(p->ctx, i, r, p->done, p->n);
}

static long left_ms(const struct phase *p, double now)
{
	double left = (p->deadline - now) * 1000.0;

	return left < 1 ? 1 : (long)left;
}

static long min_ms(long a, long b)
{
	return a > 0 && a < b ? a : b;
}

static int start_job(struct phase *p, size_t i, double now)
{
	struct job *j = &p->jobs[i];
	const struct fetch_req *q = &p->reqs[i];
	long left = left_ms(p, now);

	if (j->h == NULL && (j->h = curl_easy_init()) == NULL)
		return -1;
	curl_easy_reset(j->h);
	curl_slist_free_all(j->hdrs);
	j->hdrs = NULL;
	free(j->x.encoding);
	j->x.encoding = NULL;
	j->x.too_big = 0;
	j->x.res = &p->out[i];
	j->errbuf[0] = '\0';
	reset_result(&p->out[i], p->o);
	j->cut = left <= ms_of(p->o->total_timeout_s) || left <= ms_of(p->o->connect_timeout_s) ||
	         p->o->total_timeout_s <= 0;
	prepare(j->h, q->url, p->o, q->etag, q->last_modified, &j->x, j->errbuf, &j->hdrs,
	        min_ms(ms_of(p->o->total_timeout_s), left),
	        min_ms(ms_of(p->o->connect_timeout_s), left));
	curl_easy_setopt(j->h, CURLOPT_SHARE, p->share);
	curl_easy_setopt(j->h, CURLOPT_PRIVATE, (void *)(uintptr_t)i);
	if (curl_multi_add_handle(p->m, j->h) != CURLM_OK)
		return -1;
	p->out[i].attempts++;
	j->state = JOB_RUNNING;
	return 0;
}

/* A transfer of the multi handle ended: judge it, then retry later or finish. */
static void ended(struct phase *p, CURL *h, CURLcode c)
{
	void *priv = NULL;
	size_t i;
	struct job *j;
	struct fetch_result *r;
	int retry = 0, rc;
	double now = monotonic_seconds();

	curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&priv);
	i = (size_t)(uintptr_t)priv;
	j = &p->jobs[i];
	r = &p->out[i];
	curl_multi_remove_handle(p->m, h);
	err_clear(&r->err);
	rc = judge(h, c, p->reqs[i].url, p->o, r, &j->x, j->errbuf, &retry, &r->err);
	if (rc == FETCH_ERROR && c == CURLE_OPERATION_TIMEDOUT && j->cut) {
		err_set(&r->err, RW_EXIT_FAILURE,
		        "%s: not finished within the fetch deadline of %.0fs", p->reqs[i].url,
		        p->deadline - p->start);
		retry = 0;
	}
	if (rc == FETCH_ERROR && retry && r->attempts <= p->o->retries &&
	    now + (double)j->wait_ms / 1000.0 < p->deadline) {
		j->state = JOB_WAITING;
		j->next_at = now + (double)j->wait_ms / 1000.0;
		j->wait_ms *= 2;
		return;
	}
	finish(p, i, rc);
}

int fetch_many(const struct fetch_req *reqs, size_t n, const struct fetch_opts *o,
               const struct fetch_phase *ph, struct fetch_result *out, fetch_progress_fn progress,
               void *ctx, struct rw_err *e)
{
	static const struct fetch_phase defaults = {0, 0, 0};
	struct phase p = {reqs, o, out, NULL, n, 0, 0, 0, NULL, NULL, progress, ctx};
	int max, rc = -1;

	if (ph == NULL)
		ph = &defaults;
	max = ph->max_parallel > 0 ? ph->max_parallel : FETCH_PARALLEL_DEFAULT;
	p.start = monotonic_seconds();
	p.deadline = ph->deadline_at > 0
	                     ? ph->deadline_at
	                     : p.start + (double)(ph->deadline_s > 0 ? ph->deadline_s
	                                                             : FETCH_DEADLINE_DEFAULT_S);
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		buf_init(&out[i].body, o->max_bytes);
		out[i].status = FETCH_ERROR;
	}
	if (n == 0)
		return 0;
	p.jobs = calloc(n, sizeof(*p.jobs));
	p.m = curl_multi_init();
	p.share = curl_share_init();
	if (p.jobs == NULL || p.m == NULL || p.share == NULL) {
		err_set(e, RW_EXIT_FAILURE, "libcurl: cannot start the fetch phase");
		goto out;
	}
	curl_share_setopt(p.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(p.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	for (size_t i = 0; i < n; i++) {
		p.jobs[i].wait_ms = o->backoff_ms;
		if (strncmp(reqs[i].url, "https://", 8) != 0 &&
		    strncmp(reqs[i].url, "file://", 7) != 0) {
			err_set(&out[i].err, RW_EXIT_INPUT,
			        "%s: only https:// and file:// URLs are fetched", reqs[i].url);
			finish(&p, i, FETCH_ERROR);
		}
	}
	while (p.done < n) {
		double now = monotonic_seconds();
		int running = 0, msgs = 0, wait = 100;
		CURLMsg *msg;

		if (now >= p.deadline) {
			/* Everything still open ends now, with the reason. */
			for (size_t i = 0; i < n; i++) {
				if (p.jobs[i].state == JOB_DONE)
					continue;
				if (p.jobs[i].state == JOB_RUNNING)
					curl_multi_remove_handle(p.m, p.jobs[i].h);
				buf_free(&out[i].body);
				err_set(&out[i].err, RW_EXIT_FAILURE,
				        "%s: not finished within the fetch deadline of %.0fs",
				        reqs[i].url, p.deadline - p.start);
				finish(&p, i, FETCH_ERROR);
			}
			break;
		}
		for (size_t i = 0; i < n; i++)
			running += p.jobs[i].state == JOB_RUNNING;
		for (size_t i = 0; i < n && running < max; i++) {
			struct job *j = &p.jobs[i];

			if (j->state == JOB_QUEUED ||
			    (j->state == JOB_WAITING && now >= j->next_at)) {
				if (start_job(&p, i, now) < 0) {
					err_set(&out[i].err, RW_EXIT_FAILURE,
					        "%s: cannot start libcurl", reqs[i].url);
					finish(&p, i, FETCH_ERROR);
					continue;
				}
				running++;
			}
		}
		curl_multi_perform(p.m, &running);
		while ((msg = curl_multi_info_read(p.m, &msgs)) != NULL)
			if (msg->msg == CURLMSG_DONE)
				ended(&p, msg->easy_handle, msg->data.result);
		if (p.done >= n)
			break;
		/* Sleep until there is something to do: traffic, a backoff that ends, the deadline.
		 */
		now = monotonic_seconds();
		for (size_t i = 0; i < n; i++)
			if (p.jobs[i].state == JOB_WAITING) {
				long ms = (long)((p.jobs[i].next_at - now) * 1000.0);

				if (ms < wait)
					wait = ms < 1 ? 1 : (int)ms;
			}
		if (left_ms(&p, now) < wait)
			wait = (int)left_ms(&p, now);
		curl_multi_poll(p.m, NULL, 0, wait, NULL);
	}
	rc = 0;
out:
	for (size_t i = 0; p.jobs && i < n; i++) {
		if (p.jobs[i].h) {
			if (p.jobs[i].state == JOB_RUNNING && p.m)
				curl_multi_remove_handle(p.m, p.jobs[i].h);
			curl_easy_cleanup(p.jobs[i].h);
		}
		curl_slist_free_all(p.jobs[i].hdrs);
		free(p.jobs[i].x.encoding);
	}
	free(p.jobs);
	if (p.m)
		curl_multi_cleanup(p.m);
	if (p.share)
		curl_share_cleanup(p.share);
	return rc;
}

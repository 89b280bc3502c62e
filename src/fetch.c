/* fetch.c - one URL with libcurl: HTTPS only, bounded, conditional, retried. */
#include "fetch.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define FETCH_MAX_REDIRS 5

struct xfer {
	struct fetch_result *res;
	int too_big;
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
		x->res->etag = x->res->last_modified = NULL;
		return len;
	}
	if (header_value(p, len, "ETag", &x->res->etag) < 0 ||
	    header_value(p, len, "Last-Modified", &x->res->last_modified) < 0)
		return 0;
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

static int attempt(struct fetch_session *fs, const char *url, const struct fetch_opts *o,
                   struct fetch_result *res, int *retry, struct rw_err *e)
{
	CURL *h = fs ? fs->h : curl_easy_init();
	struct curl_slist *hdrs = NULL, *nh;
	struct xfer x = {res, 0};
	char errbuf[CURL_ERROR_SIZE] = "", *line = NULL;
	CURLcode c;
	curl_off_t got = 0;
	char *eff = NULL;
	int rc = FETCH_ERROR;

	*retry = 0;
	buf_free(&res->body);
	buf_init(&res->body, o->max_bytes);
	free(res->etag);
	free(res->last_modified);
	res->etag = res->last_modified = NULL;
	res->http_code = 0;
	if (h == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: cannot start libcurl", url);
	if (o->etag && asprintf(&line, "If-None-Match: %s", o->etag) >= 0) {
		nh = curl_slist_append(hdrs, line);
		hdrs = nh ? nh : hdrs;
		free(line);
	}
	if (o->last_modified && asprintf(&line, "If-Modified-Since: %s", o->last_modified) >= 0) {
		nh = curl_slist_append(hdrs, line);
		hdrs = nh ? nh : hdrs;
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
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, o->total_timeout_s);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "rootwarden/" RW_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "identity");
	if (hdrs)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	c = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->http_code);
	curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &got);
	res->bytes += (long long)got;
	if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff) {
		free(res->final_url);
		res->final_url = strdup(eff);
	}
	*retry = transient(c, res->http_code);
	if (x.too_big || c == CURLE_FILESIZE_EXCEEDED) {
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

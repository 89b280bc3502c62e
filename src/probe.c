/* probe.c - the probe engine: the scheme table, URL parsing, the thread pool, one connection and
 * one TLS handshake per attempt. The protocol preambles are in probe_<proto>.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "date.h"
#include "probe.h"

static const struct probe_scheme *const schemes[] = {
        &probe_scheme_postgres, &probe_scheme_mysql, &probe_scheme_tds,
        &probe_scheme_tls,      &probe_scheme_https, NULL,
};

/* Each version alone. GnuTLS 3.7 on Debian 12 still has TLS 1.0/1.1 and their CBC/SHA-1
 * suites in NORMAL; +VERS and the SHA-1 signature overrides are explicit so that a stricter
 * system-wide policy does not turn "the server refuses 1.0" into "we did not ask". */
static const char *const version_priority[PROBE_N_VERSIONS] = {
        "NORMAL:-VERS-ALL:+VERS-TLS1.0:+SHA1:+SIGN-RSA-SHA1:+SIGN-ECDSA-SHA1:%VERIFY_ALLOW_SIGN_"
        "WITH_SHA1",
        "NORMAL:-VERS-ALL:+VERS-TLS1.1:+SHA1:+SIGN-RSA-SHA1:+SIGN-ECDSA-SHA1:%VERIFY_ALLOW_SIGN_"
        "WITH_SHA1",
        "NORMAL:-VERS-ALL:+VERS-TLS1.2",
        "NORMAL:-VERS-ALL:+VERS-TLS1.3",
};
static const char *const version_names[PROBE_N_VERSIONS] = {"TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"};

const char *probe_version_name(enum probe_version v)
{
	return (unsigned)v < PROBE_N_VERSIONS ? version_names[v] : "?";
}

const char *probe_tls_name(enum probe_tls t)
{
	static const char *const n[] = {"unknown",    "not-offered", "offered",
	                                "login-only", "required",    "tls-first"};

	return (unsigned)t < sizeof(n) / sizeof(n[0]) ? n[t] : "unknown";
}

const char *probe_outcome_name(enum probe_outcome o)
{
	static const char *const n[] = {"not-tried", "accepted", "refused", "failed"};

	return (unsigned)o < sizeof(n) / sizeof(n[0]) ? n[o] : "?";
}

const struct probe_scheme *probe_scheme_find(const char *name)
{
	for (size_t i = 0; schemes[i]; i++) {
		if (strcmp(schemes[i]->name, name) == 0)
			return schemes[i];
		for (size_t k = 0; k < 2 && schemes[i]->aliases[k]; k++)
			if (strcmp(schemes[i]->aliases[k], name) == 0)
				return schemes[i];
	}
	return NULL;
}

void probe_opts_init(struct probe_opts *o)
{
	o->concurrency = 32;
	o->connect_timeout_ms = 3000;
	o->handshake_timeout_ms = 5000;
}

/* scheme://host[:port][/path][?query]; userinfo is refused (a probe never logs in, and a
 * password must not sit on a command line). */
int probe_url_parse(const char *url, struct probe_url *out, struct rw_err *e)
{
	const char *p = strstr(url, "://"), *h, *hend, *rest, *q;
	char scheme[32];
	size_t len;

	memset(out, 0, sizeof(*out));
	out->url = url;
	if (p == NULL || (size_t)(p - url) >= sizeof(scheme) || p == url)
		return err_set(
		        e, RW_CHECK_UNKNOWN,
		        "%s: not a URL (postgres://, mysql://, sqlserver://, tls://, https://)",
		        url);
	memcpy(scheme, url, (size_t)(p - url));
	scheme[p - url] = '\0';
	out->scheme = probe_scheme_find(scheme);
	if (out->scheme == NULL)
		return err_set(e, RW_CHECK_UNKNOWN,
		               "%s: unknown scheme '%s' (postgres, mysql, sqlserver, tls, https)",
		               url, scheme);
	h = p + 3;
	rest = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(rest - h))) {
		const char *at = memchr(h, '@', (size_t)(rest - h));

		/* the message names the URL without what may be a password */
		return err_set(e, RW_CHECK_UNKNOWN,
		               "%.*s***%s: a user or password in the URL is refused: a probe never "
		               "logs in",
		               (int)(h - url), url, at);
	}
	if (*h == '[') {
		hend = memchr(h, ']', (size_t)(rest - h));
		if (hend == NULL)
			return err_set(e, RW_CHECK_UNKNOWN, "%s: unterminated '[' in the host",
			               url);
		len = (size_t)(hend - h - 1);
		if (len == 0 || len >= sizeof(out->host))
			return err_set(e, RW_CHECK_UNKNOWN, "%s: bad host", url);
		memcpy(out->host, h + 1, len);
		hend++;
	} else {
		hend = h + strcspn(h, ":/?#");
		len = (size_t)(hend - h);
		if (len == 0 || len >= sizeof(out->host))
			return err_set(e, RW_CHECK_UNKNOWN, "%s: no host", url);
		memcpy(out->host, h, len);
	}
	out->host[len] = '\0';
	if (*hend == ':') {
		const char *ps = hend + 1;
		size_t pl = (size_t)(rest - ps);
		char *end;
		long port;

		if (pl == 0 || pl >= sizeof(out->port))
			return err_set(e, RW_CHECK_UNKNOWN, "%s: bad port", url);
		memcpy(out->port, ps, pl);
		out->port[pl] = '\0';
		port = strtol(out->port, &end, 10);
		if (*end != '\0' || port < 1 || port > 65535)
			return err_set(e, RW_CHECK_UNKNOWN, "%s: bad port '%s'", url, out->port);
	} else if (hend != rest) {
		return err_set(e, RW_CHECK_UNKNOWN, "%s: bad host", url);
	} else if (out->scheme->default_port) {
		snprintf(out->port, sizeof(out->port), "%s", out->scheme->default_port);
	} else {
		return err_set(e, RW_CHECK_UNKNOWN, "%s: %s:// needs a port", url,
		               out->scheme->name);
	}
	out->tls_first = out->scheme->always_tls_first;
	q = strchr(rest, '?');
	if (q) {
		char opt[128];
		const char *o = q + 1;

		while (*o) {
			size_t ol = strcspn(o, "&#");

			if (ol >= sizeof(opt))
				return err_set(e, RW_CHECK_UNKNOWN, "%s: option too long", url);
			memcpy(opt, o, ol);
			opt[ol] = '\0';
			if (out->scheme->tls_first_option &&
			    strcmp(opt, out->scheme->tls_first_option) == 0)
				out->tls_first = 1;
			else if (ol)
				return err_set(e, RW_CHECK_UNKNOWN, "%s: unknown option '%s'%s%s",
				               url, opt,
				               out->scheme->tls_first_option ? " (known: " : "",
				               out->scheme->tls_first_option
				                       ? out->scheme->tls_first_option
				                       : "");
			o += ol;
			if (*o == '#')
				break;
			if (*o == '&')
				o++;
		}
	}
	return 0;
}

/* ---- bounded socket I/O ------------------------------------------------------------------- */

static int wait_fd(int fd, short events, double deadline)
{
	for (;;) {
		double left = deadline - monotonic_seconds();
		struct pollfd pfd = {.fd = fd, .events = events};
		int r;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

ssize_t probe_recv_some(struct probe_conn *c, void *p, size_t n)
{
	for (;;) {
		ssize_t r;

		if (wait_fd(c->fd, POLLIN, c->deadline) < 0)
			return -1;
		r = recv(c->fd, p, n, 0);
		if (r >= 0 || (errno != EINTR && errno != EAGAIN))
			return r;
	}
}

static void why_errno(char *why, size_t wn, int err)
{
	snprintf(why, wn, "%s", err == ETIMEDOUT ? "timed out" : strerror(err));
}

int probe_recv(struct probe_conn *c, void *p, size_t n, char *why, size_t wn)
{
	unsigned char *b = p;

	while (n > 0) {
		ssize_t r = probe_recv_some(c, b, n);

		if (r == 0) {
			snprintf(why, wn, "connection closed by the server");
			return -1;
		}
		if (r < 0) {
			why_errno(why, wn, errno);
			return -1;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

int probe_send(struct probe_conn *c, const void *p, size_t n, char *why, size_t wn)
{
	const unsigned char *b = p;

	while (n > 0) {
		ssize_t r;

		if (wait_fd(c->fd, POLLOUT, c->deadline) < 0) {
			why_errno(why, wn, errno);
			return -1;
		}
		r = send(c->fd, b, n, MSG_NOSIGNAL);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			why_errno(why, wn, errno);
			return -1;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static ssize_t plain_push(gnutls_transport_ptr_t t, const void *p, size_t n)
{
	struct probe_conn *c = t;
	char why[64];

	if (probe_send(c, p, n, why, sizeof(why)) < 0)
		return -1;
	return (ssize_t)n;
}

static ssize_t plain_pull(gnutls_transport_ptr_t t, void *p, size_t n)
{
	return probe_recv_some(t, p, n);
}

/* A connected non-blocking socket to host:port within the connect timeout, or -1 with why. */
static int connect_to(const struct probe_url *u, int timeout_ms, char *why, size_t wn)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int fd = -1, r, err = 0;

	r = getaddrinfo(u->host, u->port, &hints, &ai);
	if (r != 0) {
		snprintf(why, wn, "cannot resolve %.100s: %s", u->host, gai_strerror(r));
		return -1;
	}
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		double deadline = monotonic_seconds() + timeout_ms / 1000.0;
		socklen_t sl = sizeof(err);
		int one = 1;

		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		            a->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		err = errno;
		if (err == EINPROGRESS) {
			if (wait_fd(fd, POLLOUT, deadline) < 0)
				err = errno;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
				err = errno;
			if (err == 0)
				break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		snprintf(why, wn, "cannot connect to %.100s port %s: %s", u->host, u->port,
		         err == ETIMEDOUT ? "timed out (no answer)" : strerror(err));
	return fd;
}

/* ---- one attempt ---------------------------------------------------------------------------- */

struct job {
	const struct probe_url *u;
	const struct probe_opts *o;
	int kind; /* -1 default priorities, else enum probe_version */
	/* results */
	int connected;
	char connect_error[256];
	struct probe_preamble pre;
	int preamble_ok;
	struct probe_attempt at;
	struct certlist chain;
	double seconds;
	int oom;
};

static int is_ip_literal(const char *h)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
}

/* A handshake that fails because of what the server answered (an alert, a close, a reset) is a
 * refusal; a timeout or a local error is a failure (we do not know). */
static enum probe_outcome classify(int r, int saved_errno)
{
	switch (r) {
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_NO_CIPHER_SUITES:
	case GNUTLS_E_UNKNOWN_CIPHER_SUITE:
	case GNUTLS_E_NO_COMMON_KEY_SHARE:
	case GNUTLS_E_INSUFFICIENT_SECURITY:
	case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
	case GNUTLS_E_UNEXPECTED_PACKET:
	case GNUTLS_E_UNEXPECTED_HANDSHAKE_PACKET:
	case GNUTLS_E_RECEIVED_ILLEGAL_PARAMETER:
	case GNUTLS_E_ILLEGAL_PARAMETER:
		return PROBE_REFUSED;
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		return saved_errno == ETIMEDOUT ? PROBE_FAILED : PROBE_REFUSED;
	default:
		return PROBE_FAILED;
	}
}

static void handshake(struct job *j, struct probe_conn *c)
{
	const struct probe_scheme *s = j->u->scheme;
	gnutls_session_t ses = NULL;
	gnutls_certificate_credentials_t cred = NULL;
	const char *err_pos = NULL;
	int r;

	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_init(&ses, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL) < 0) {
		j->oom = 1;
		goto out;
	}
	if (j->kind < 0)
		r = gnutls_set_default_priority(ses);
	else
		r = gnutls_priority_set_direct(ses, version_priority[j->kind], &err_pos);
	if (r < 0) {
		j->at.outcome = PROBE_FAILED;
		snprintf(j->at.error, sizeof(j->at.error), "GnuTLS priority: %s at '%s'",
		         gnutls_strerror(r), err_pos ? err_pos : "");
		goto out;
	}
	gnutls_credentials_set(ses, GNUTLS_CRD_CERTIFICATE, cred);
	if (!is_ip_literal(j->u->host))
		gnutls_server_name_set(ses, GNUTLS_NAME_DNS, j->u->host, strlen(j->u->host));
	if (j->u->tls_first && s->alpn_tls_first) {
		gnutls_datum_t proto = {(unsigned char *)s->alpn_tls_first,
		                        (unsigned)strlen(s->alpn_tls_first)};

		gnutls_alpn_set_protocols(ses, &proto, 1, GNUTLS_ALPN_MANDATORY);
	}
	gnutls_transport_set_ptr(ses, c);
	gnutls_transport_set_push_function(ses, s->push && !j->u->tls_first ? s->push : plain_push);
	gnutls_transport_set_pull_function(ses, s->pull && !j->u->tls_first ? s->pull : plain_pull);
	do {
		errno = 0;
		r = gnutls_handshake(ses);
	} while (r < 0 && gnutls_error_is_fatal(r) == 0);
	if (r < 0) {
		int saved = errno;

		j->at.outcome = classify(r, saved);
		if (r == GNUTLS_E_FATAL_ALERT_RECEIVED)
			snprintf(j->at.error, sizeof(j->at.error), "alert %s",
			         gnutls_alert_get_name(gnutls_alert_get(ses)));
		else if ((r == GNUTLS_E_PULL_ERROR || r == GNUTLS_E_PUSH_ERROR) && saved)
			snprintf(j->at.error, sizeof(j->at.error), "%s",
			         saved == ETIMEDOUT ? "handshake timed out" : strerror(saved));
		else
			snprintf(j->at.error, sizeof(j->at.error), "%s", gnutls_strerror(r));
		goto out;
	}
	j->at.outcome = PROBE_ACCEPTED;
	snprintf(j->at.version, sizeof(j->at.version), "%s",
	         gnutls_protocol_get_name(gnutls_protocol_get_version(ses)));
	{
		/* The IANA name of the negotiated suite (GnuTLS >= 3.7.4). */
		const char *suite = gnutls_ciphersuite_get(ses);

		snprintf(j->at.cipher, sizeof(j->at.cipher), "%s", suite ? suite : "");
	}
	{
		gnutls_datum_t a = {NULL, 0};

		if (gnutls_alpn_get_selected_protocol(ses, &a) == 0 &&
		    a.size < sizeof(j->at.alpn)) {
			memcpy(j->at.alpn, a.data, a.size);
			j->at.alpn[a.size] = '\0';
		}
	}
	{
		unsigned n = 0;
		const gnutls_datum_t *peers = gnutls_certificate_get_peers(ses, &n);

		for (unsigned i = 0; peers && i < n; i++) {
			struct rw_err ce = {0};
			char origin[64];
			struct cert *crt;

			snprintf(origin, sizeof(origin), "certificate %u as sent", i);
			crt = cert_from_der(peers[i].data, peers[i].size, origin, &ce);
			if (crt == NULL || certlist_add(&j->chain, crt) < 0) {
				j->oom = crt != NULL;
				break;
			}
		}
	}
	/* Nothing is sent after the handshake: no close_notify either (a database server logs a
	 * close without a login either way). */
out:
	if (ses)
		gnutls_deinit(ses);
	if (cred)
		gnutls_certificate_free_credentials(cred);
}

static void run_job(struct job *j)
{
	struct probe_conn c = {.fd = -1, .u = j->u};
	double t0 = monotonic_seconds();
	char why[256] = "";

	c.fd = connect_to(j->u, j->o->connect_timeout_ms, j->connect_error,
	                  sizeof(j->connect_error));
	if (c.fd < 0)
		goto out;
	j->connected = 1;
	c.deadline = monotonic_seconds() + j->o->handshake_timeout_ms / 1000.0;
	if (j->u->tls_first) {
		j->pre.tls = PROBE_TLS_FIRST;
		snprintf(j->pre.detail, sizeof(j->pre.detail), "TLS first%s%s%s",
		         j->u->scheme->alpn_tls_first ? " (ALPN " : "",
		         j->u->scheme->alpn_tls_first ? j->u->scheme->alpn_tls_first : "",
		         j->u->scheme->alpn_tls_first ? ")" : "");
	} else if (j->u->scheme->start(&c, &j->pre, why, sizeof(why)) < 0) {
		snprintf(j->connect_error, sizeof(j->connect_error), "%s", why);
		goto out;
	}
	j->preamble_ok = 1;
	if (j->pre.tls == PROBE_TLS_NOT_OFFERED)
		goto out;
	handshake(j, &c);
out:
	if (c.fd >= 0)
		close(c.fd);
	j->seconds = monotonic_seconds() - t0;
}

struct pool {
	struct job *jobs;
	size_t n;
	size_t next;
	pthread_mutex_t lock;
};

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		run_job(&p->jobs[i]);
	}
}

/* Merges an endpoint's attempts (jobs[0] default, then one per version) into its result. */
static void merge(struct job *jobs, struct probe_result *r)
{
	struct job *d = &jobs[0];

	r->u = *d->u;
	for (int k = 0; k < PROBE_N_ATTEMPTS; k++)
		if (jobs[k].seconds > r->seconds)
			r->seconds = jobs[k].seconds;
	if (!d->connected || !d->preamble_ok) {
		snprintf(r->error, sizeof(r->error), "%s", d->connect_error);
		return;
	}
	r->reachable = 1;
	r->pre = d->pre;
	r->deflt = d->at;
	for (int v = 0; v < PROBE_N_VERSIONS; v++) {
		struct job *j = &jobs[1 + v];

		if (r->pre.tls == PROBE_TLS_NOT_OFFERED)
			break;
		if (!j->connected || !j->preamble_ok) {
			r->version[v].outcome = PROBE_FAILED;
			snprintf(r->version[v].error, sizeof(r->version[v].error), "%s",
			         j->connect_error);
		} else {
			r->version[v] = j->at;
		}
	}
	/* The chain as sent to a default client; else to the first version that got one. */
	for (int k = 0; k < PROBE_N_ATTEMPTS; k++)
		if (jobs[k].chain.n > 0) {
			certlist_take_all(&r->chain, &jobs[k].chain);
			break;
		}
}

int probe_run(const struct probe_url *urls, size_t n, const struct probe_opts *o,
              struct probe_result *out, struct rw_err *e)
{
	struct pool p = {.n = n * PROBE_N_ATTEMPTS};
	pthread_t *tids = NULL;
	size_t nthreads = 0, want;
	int rc = -1;

	memset(out, 0, n * sizeof(*out));
	if (n == 0)
		return 0;
	p.jobs = calloc(p.n, sizeof(*p.jobs));
	want = o->concurrency > 0 ? (size_t)o->concurrency : 1;
	if (want > p.n)
		want = p.n;
	tids = calloc(want, sizeof(*tids));
	if (p.jobs == NULL || tids == NULL) {
		err_set(e, RW_CHECK_UNKNOWN, "probe: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < PROBE_N_ATTEMPTS; k++) {
			struct job *j = &p.jobs[i * PROBE_N_ATTEMPTS + (size_t)k];

			j->u = &urls[i];
			j->o = o;
			j->kind = k - 1;
		}
	pthread_mutex_init(&p.lock, NULL);
	for (; nthreads < want; nthreads++)
		if (pthread_create(&tids[nthreads], NULL, worker, &p) != 0)
			break;
	if (nthreads == 0)
		worker(&p); /* no thread could start: run them here, one by one */
	for (size_t t = 0; t < nthreads; t++)
		pthread_join(tids[t], NULL);
	pthread_mutex_destroy(&p.lock);
	rc = 0;
	for (size_t i = 0; i < n; i++) {
		merge(&p.jobs[i * PROBE_N_ATTEMPTS], &out[i]);
		for (int k = 0; k < PROBE_N_ATTEMPTS; k++)
			if (p.jobs[i * PROBE_N_ATTEMPTS + (size_t)k].oom)
				rc = err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", urls[i].url);
	}
out:
	if (p.jobs)
		for (size_t i = 0; i < p.n; i++)
			certlist_free(&p.jobs[i].chain);
	free(p.jobs);
	free(tids);
	return rc;
}

void probe_result_free(struct probe_result *r)
{
	if (r == NULL)
		return;
	certlist_free(&r->chain);
}

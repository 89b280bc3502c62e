/* token_check.c - the rules an Entra ID access token must pass for MySQL Flexible Server. */
#include "token_check.h"

#include <ctype.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "date.h"
#include "fileio.h"
#include "jwks_sync.h"
#include "jwt.h"

/* Sovereign hosts. Azure Government signs in at login.microsoftonline.us; its v1 tokens carry
 * https://login.microsoftonline.us/TID/ (the issuer Microsoft's own SDKs accept for it) and, as
 * the public cloud's do, https://sts.windows.net/TID/. Azure China (21Vianet) signs in at
 * login.chinacloudapi.cn, now also published as login.partner.microsoftonline.cn, which is the
 * host of its v2 issuer; its v1 issuer is sts.chinacloudapi.cn. Audiences: the ossrdbms resource
 * ids of each cloud (az cloud show --query endpoints.ossrdbmsResourceId). */
static const struct token_cloud clouds[] = {
        {"public", "https://ossrdbms-aad.database.windows.net", "sts.windows.net",
         "login.microsoftonline.com",
         "https://login.microsoftonline.com/common/discovery/v2.0/keys", NULL, NULL},
        {"government", "https://ossrdbms-aad.database.usgovcloudapi.net",
         "login.microsoftonline.us", "login.microsoftonline.us",
         "https://login.microsoftonline.us/common/discovery/v2.0/keys", "sts.windows.net", NULL},
        {"china", "https://ossrdbms-aad.database.chinacloudapi.cn", "sts.chinacloudapi.cn",
         "login.chinacloudapi.cn", "https://login.chinacloudapi.cn/common/discovery/v2.0/keys",
         NULL, "login.partner.microsoftonline.cn"},
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct token_cloud *token_cloud_find(const char *name)
{
	for (const struct token_cloud *c = clouds; name && c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int token_tenant_ok(const char *s)
{
	static const int groups[] = {8, 4, 4, 4, 12};

	for (int g = 0; g < 5; g++) {
		for (int i = 0; i < groups[g]; i++, s++)
			if (!isxdigit((unsigned char)*s))
				return 0;
		if (*s != (g == 4 ? '\0' : '-'))
			return 0;
		s += g < 4;
	}
	return 1;
}

int token_parse_time(const char *s, time_t *out)
{
	char d[11], *end;
	int32_t day;
	int h, m, sec, n = 0;

	if (s[0] == '@') {
		long long v = strtoll(s + 1, &end, 10);

		if (s[1] == '\0' || *end != '\0' || v < 0)
			return -1;
		*out = (time_t)v;
		return 0;
	}
	if (strlen(s) < 10)
		return -1;
	memcpy(d, s, 10);
	d[10] = '\0';
	if (date_parse(d, &day) < 0)
		return -1;
	*out = date_start(day);
	if (s[10] == '\0')
		return 0;
	if (sscanf(s + 10, "T%2d:%2d:%2dZ%n", &h, &m, &sec, &n) != 3 || n != 10 ||
	    s[10 + n] != '\0' || h > 23 || m > 59 || sec > 60 || h < 0 || m < 0 || sec < 0)
		return -1;
	*out += h * 3600 + m * 60 + sec;
	return 0;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* "1 h 5 min", "3 min", "42 s" */
static void span(long long s, char *out, size_t n)
{
	if (s < 0)
		s = -s;
	if (s >= 3600)
		snprintf(out, n, "%lld h %lld min", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(out, n, "%lld min", s / 60);
	else
		snprintf(out, n, "%lld s", s);
}

/* A claim or header value as shown in a reason: at most n - 1 bytes, control characters as '?'
 * (they come from the untrusted token and must not break the report's lines). */
static const char *printable(const char *s, char *buf, size_t n)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

struct ctx {
	struct findings *f;
	const char *subject;
	int oom;
};

#define ADD(c, rule, v, fix, ...)                                                                  \
	do {                                                                                       \
		if (findings_add((c)->f, (c)->subject, rule, v, fix, __VA_ARGS__) < 0)             \
			(c)->oom = 1;                                                              \
	} while (0)

static int is_hmac(const char *alg)
{
	return strncasecmp(alg, "HS", 2) == 0;
}

/* alg, kid and signature. */
static void check_signature(struct ctx *c, const struct jwt *t, const struct token_opts *o)
{
	char pb[256];
	const struct jwk *k = NULL;
	struct jwks *fresh = NULL;
	struct rw_err re = {{0}, 0};
	int alg_ok = 0, refetched = 0, refetch_failed = 0;

	if (t->kid) {
		k = jwks_find(o->keys, t->kid);
		if (k == NULL && o->refetch) {
			refetched = 1;
			if (o->refetch(o->refetch_ctx, &fresh, &re) < 0)
				refetch_failed = 1;
			else
				k = jwks_find(fresh, t->kid);
		}
	}
	if (t->alg == NULL)
		ADD(c, "alg", V_FAIL, NULL, "no alg in the header");
	else if (strcasecmp(t->alg, "none") == 0)
		ADD(c, "alg", V_FAIL, NULL, "alg none: an unsigned token; refused");
	else if (is_hmac(t->alg))
		ADD(c, "alg", V_FAIL, NULL,
		    "alg %s is a shared-secret MAC, refused (Entra ID signs with RS256; an HMAC "
		    "keyed with the public key is the classic key-confusion attack)",
		    printable(t->alg, pb, 17));
	else if (strcmp(t->alg, "RS256") != 0)
		ADD(c, "alg", V_FAIL, NULL, "alg %s refused: only RS256 is accepted",
		    printable(t->alg, pb, 17));
	else if (k && k->alg && strcmp(k->alg, t->alg) != 0)
		ADD(c, "alg", V_FAIL, NULL, "alg %s, but key %s declares %s", t->alg, k->kid,
		    printable(k->alg, pb, 17));
	else {
		alg_ok = 1;
		ADD(c, "alg", V_PASS, NULL, "RS256");
	}

	if (t->kid == NULL)
		ADD(c, "kid", V_FAIL, NULL,
		    "no kid in the header: the signing key cannot be found");
	else if (k == NULL && refetch_failed)
		ADD(c, "kid", V_FAIL, "run rootwarden sync, or give --jwks",
		    "unknown signing key %s (and fetching the key set again failed: %s)",
		    printable(t->kid, pb, 129), re.msg);
	else if (k == NULL)
		ADD(c, "kid", V_FAIL,
		    "run rootwarden sync so the key set is current, or give --jwks",
		    "unknown signing key %s: not in the key set%s", printable(t->kid, pb, 129),
		    refetched ? ", also after fetching it again" : "");
	else
		ADD(c, "kid", V_PASS, NULL, "signing key %s in the key set (RSA %u bits%s)%s",
		    k->kid, k->bits, k->has_x5c ? ", x5c certificate matches" : "",
		    refetched ? ", found after fetching the key set again" : "");

	if (!alg_ok)
		ADD(c, "signature", V_FAIL, NULL, "not verified: the alg is refused");
	else if (k == NULL)
		ADD(c, "signature", V_FAIL, NULL, "not verified: no signing key");
	else if (jwk_verify_rs256(k, t->signing_input, t->signing_input_len, t->sig, t->sig_len,
	                          &re) < 0)
		ADD(c, "signature", V_FAIL, NULL,
		    "RSA-SHA256 signature does not verify with key %s (%s): tampered with, or "
		    "not signed by this key",
		    k->kid, re.msg);
	else
		ADD(c, "signature", V_PASS, NULL, "RSA-SHA256 signature verifies with key %s",
		    k->kid);
	jwks_free(fresh);
}

static const char *claim_str(const struct jwt *t, const char *name)
{
	json_t *v = json_object_get(t->claims, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A NumericDate claim: 1 and *out when present and a number, 0 when absent, -1 when not a
 * number. */
static int claim_time(const struct jwt *t, const char *name, long long *out)
{
	json_t *v = json_object_get(t->claims, name);

	if (v == NULL)
		return 0;
	if (!json_is_number(v))
		return -1;
	*out = (long long)json_number_value(v);
	return 1;
}

/* The tenant's issuer on host: "https://HOST/TID/" (v1) or "https://HOST/TID/v2.0" (v2); NULL for
 * no host (and on out of memory, with *oom set). */
static char *issuer(const char *host, const char *tenant, int v2, int *oom)
{
	char *s = NULL;

	if (host && asprintf(&s, "https://%s/%s/%s", host, tenant, v2 ? "v2.0" : "") < 0) {
		*oom = 1;
		s = NULL;
	}
	return s;
}

static void check_issuer(struct ctx *c, const struct jwt *t, const struct token_opts *o,
                         const char *tenant)
{
	char pb[256];
	const char *iss = claim_str(t, "iss"), *tid = claim_str(t, "tid");
	const struct token_cloud *cl = o->cloud;
	char *v1 = issuer(cl->v1_host, tenant, 0, &c->oom);
	char *v1b = issuer(cl->v1_alt, tenant, 0, &c->oom);
	char *v2 = issuer(cl->v2_host, tenant, 1, &c->oom);
	char *v2b = issuer(cl->v2_alt, tenant, 1, &c->oom);

	if (c->oom)
		goto out;
	if (iss == NULL)
		ADD(c, "issuer", V_FAIL, NULL, "no iss claim");
	else if (strcasecmp(iss, v1) == 0 || (v1b && strcasecmp(iss, v1b) == 0))
		ADD(c, "issuer", V_PASS, NULL, "v1 issuer %s", iss);
	else if (strcasecmp(iss, v2) == 0 || (v2b && strcasecmp(iss, v2b) == 0))
		ADD(c, "issuer", V_PASS, NULL, "v2 issuer %s", iss);
	else
		ADD(c, "issuer", V_FAIL, NULL,
		    "iss %s is neither the %s cloud's v1 issuer %s%s%s%s nor its v2 issuer "
		    "%s%s%s%s",
		    printable(iss, pb, 201), cl->name, v1, v1b ? " (or " : "", v1b ? v1b : "",
		    v1b ? ")" : "", v2, v2b ? " (or " : "", v2b ? v2b : "", v2b ? ")" : "");
	if (tid == NULL)
		ADD(c, "tenant", V_FAIL, NULL, "no tid claim");
	else if (strcasecmp(tid, tenant) != 0)
		ADD(c, "tenant", V_FAIL, NULL, "tid %s is not the server's tenant %s",
		    printable(tid, pb, 65), tenant);
	else
		ADD(c, "tenant", V_PASS, NULL, "tid %s", tenant);
out:
	free(v1);
	free(v1b);
	free(v2);
	free(v2b);
}

static void check_audience(struct ctx *c, const struct jwt *t, const struct token_opts *o)
{
	char pb[256];
	const char *want = o->audience ? o->audience : o->cloud->audience;
	json_t *aud = json_object_get(t->claims, "aud"), *v;
	size_t i;
	int found = 0;

	if (json_is_string(aud))
		found = strcmp(json_string_value(aud), want) == 0;
	else if (json_is_array(aud))
		json_array_foreach(aud, i, v) found |=
		        json_is_string(v) && strcmp(json_string_value(v), want) == 0;
	if (found)
		ADD(c, "audience", V_PASS, NULL, "aud %s", want);
	else if (json_is_string(aud))
		ADD(c, "audience", V_FAIL,
		    "request the token for the database resource " /* */
		    "(az account get-access-token --resource-type oss-rdbms)",
		    "aud %s is not %s: a token for another resource",
		    printable(json_string_value(aud), pb, 201), want);
	else
		ADD(c, "audience", V_FAIL, NULL, "aud %s (%s)",
		    aud ? "does not hold" : "absent, want", want);
}

static void check_times(struct ctx *c, const struct jwt *t, const struct token_opts *o)
{
	time_t at = o->at ? o->at : time(NULL);
	long skew = o->skew_s < 0 ? TOKEN_CLOCK_SKEW_S : o->skew_s;
	long long exp = 0, nbf = 0, iat = 0;
	char ts[21], sp[32];
	int r;

	r = claim_time(t, "exp", &exp);
	if (r <= 0) {
		ADD(c, "expiry", V_FAIL, NULL, "exp %s", r ? "is not a number" : "is absent");
	} else {
		time_format((time_t)exp, ts);
		span(exp - at, sp, sizeof(sp));
		if (at >= exp + skew)
			ADD(c, "expiry", V_FAIL, "get a new token (they live about an hour)",
			    "expired at %s, %s ago", ts, sp);
		else if (at >= exp)
			ADD(c, "expiry", V_WARN, "get a new token",
			    "expired at %s, %s ago (within the %ld s clock skew)", ts, sp, skew);
		else if (exp - at < o->min_remaining_s)
			ADD(c, "expiry", V_WARN, "refresh the token before it is used",
			    "expires at %s, in %s (less than %ld min)", ts, sp,
			    o->min_remaining_s / 60);
		else
			ADD(c, "expiry", V_PASS, NULL, "expires at %s, in %s", ts, sp);
	}
	r = claim_time(t, "nbf", &nbf);
	if (r < 0) {
		ADD(c, "not-before", V_FAIL, NULL, "nbf is not a number");
	} else if (r == 0) {
		ADD(c, "not-before", V_PASS, NULL, "no nbf");
	} else {
		time_format((time_t)nbf, ts);
		span(nbf - at, sp, sizeof(sp));
		if (at + skew < nbf)
			ADD(c, "not-before", V_FAIL, "check this host's clock; wait until then",
			    "not valid before %s, in %s (more than the %ld s clock skew)", ts, sp,
			    skew);
		else
			ADD(c, "not-before", V_PASS, NULL, "valid since %s", ts);
	}
	r = claim_time(t, "iat", &iat);
	if (r < 0) {
		ADD(c, "issued-at", V_FAIL, NULL, "iat is not a number");
	} else if (r == 0) {
		ADD(c, "issued-at", V_WARN, NULL, "no iat (Entra ID always sets it)");
	} else {
		time_format((time_t)iat, ts);
		span(iat - at, sp, sizeof(sp));
		if (at + skew < iat)
			ADD(c, "issued-at", V_FAIL, "check this host's clock",
			    "issued in the future: %s, in %s (more than the %ld s clock skew)", ts,
			    sp, skew);
		else
			ADD(c, "issued-at", V_PASS, NULL, "issued at %s", ts);
	}
}

static void check_identity(struct ctx *c, const struct jwt *t)
{
	char pb[256];
	static const char *const names[] = {
	        "upn", "preferred_username", "unique_name", "oid", "appid", "azp", NULL};
	struct buf b;
	int any = 0;

	buf_init(&b, 1024);
	for (size_t i = 0; names[i]; i++) {
		const char *v = claim_str(t, names[i]);

		if (v == NULL)
			continue;
		if (buf_printf(&b, "%s%s %s", any ? ", " : "", names[i], printable(v, pb, 129)) < 0)
			break;
		any = 1;
	}
	if (any)
		ADD(c, "identity", V_PASS, NULL, "%s", b.data);
	else
		ADD(c, "identity", V_WARN, NULL,
		    "no upn, preferred_username, oid or appid: nothing to match a database user");
	buf_free(&b);
}

int token_check(const char *token, size_t len, const struct token_opts *o, struct findings *f,
                struct rw_err *e)
{
	struct jwt t;
	struct rw_err pe = {{0}, 0};
	char fp[JWT_FP_LEN + 1], subject[64], *tenant = NULL;
	struct ctx c = {f, subject, 0};

	jwt_fingerprint(token, len, fp);
	snprintf(subject, sizeof(subject), "token sha256:%s", fp);
	if (jwt_parse(token, len, &t, &pe) < 0) {
		if (pe.status == RW_EXIT_FAILURE)
			return err_set(e, RW_EXIT_FAILURE, "%s", pe.msg);
		ADD(&c, "format", V_FAIL, NULL, "%s", pe.msg);
		goto out;
	}
	ADD(&c, "format", V_PASS, NULL, "JWS compact serialisation, %zu bytes",
	    t.signing_input_len + 1 + (t.sig_len * 4 + 2) / 3);
	if ((tenant = strdup(o->tenant)) == NULL) {
		c.oom = 1;
		goto out;
	}
	lower(tenant);
	check_signature(&c, &t, o);
	check_issuer(&c, &t, o, tenant);
	check_audience(&c, &t, o);
	check_times(&c, &t, o);
	check_identity(&c, &t);
out:
	jwt_free(&t);
	free(tenant);
	if (c.oom)
		return err_set(e, RW_EXIT_FAILURE, "token: out of memory");
	return 0;
}

struct refetch {
	const char *url;
	const struct fetch_opts *fo;
};

static int refetch_url(void *arg, struct jwks **out, struct rw_err *e)
{
	struct refetch *r = arg;

	return jwks_fetch(r->url, r->fo, out, e);
}

static int is_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0 ||
	       strncmp(s, "file://", 7) == 0;
}

int token_check_source(const char *token, size_t len, const char *token_file,
                       const struct token_opts *o, const char *jwks, const char *state_dir,
                       const struct fetch_opts *fo, struct findings *f, struct rw_err *e)
{
	struct token_opts to = *o;
	struct refetch rf = {jwks, fo};
	struct jwks *keys = NULL;
	char *kept = NULL, *kept_url = NULL;
	const char *src = jwks;
	struct stat st;
	int rc = -1;

	if (jwks == NULL) {
		if ((kept = jwks_state_path(state_dir, o->cloud->name)) == NULL)
			return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", state_dir);
		src = kept;
		if (stat(kept, &st) < 0) {
			err_set(e, RW_EXIT_INPUT,
			        "%s: no key set kept by sync here (configure jwks for rootwarden "
			        "sync, "
			        "or give --jwks FILE|URL)",
			        kept);
			goto out;
		}
	}
	if (jwks && is_url(jwks)) {
		if (jwks_fetch(jwks, fo, &keys, e) < 0)
			goto out;
		to.refetch = refetch_url;
		to.refetch_ctx = &rf;
	} else if (jwks_read_file(src, &keys, e) < 0) {
		goto out;
	} else if (jwks == NULL && (kept_url = jwks_state_url(state_dir, o->cloud->name))) {
		/* sync's copy: an unknown kid fetches the URL it came from once more */
		rf.url = kept_url;
		to.refetch = refetch_url;
		to.refetch_ctx = &rf;
	}
	to.keys = keys;
	if (findings_add(f, src, "keyset", V_PASS, NULL, "%zu RSA signing key%s", keys->n,
	                 keys->n == 1 ? "" : "s") < 0) {
		err_set(e, RW_EXIT_FAILURE, "out of memory");
		goto out;
	}
	if (token_file && stat(token_file, &st) == 0 && (st.st_mode & 077)) {
		char fix[4200];

		snprintf(fix, sizeof(fix), "chmod go= %s", token_file);
		if (findings_add(f, token_file, "token-file", V_WARN, fix,
		                 "mode %04o: the token, a password, is readable by %s",
		                 (unsigned)(st.st_mode & 07777),
		                 st.st_mode & 007 ? "every user" : "the file's group") < 0) {
			err_set(e, RW_EXIT_FAILURE, "out of memory");
			goto out;
		}
	}
	rc = token_check(token, len, &to, f, e);
out:
	jwks_free(keys);
	free(kept);
	free(kept_url);
	return rc;
}

void token_buf_free(struct buf *b)
{
	if (b->data)
		gnutls_memset(b->data, 0, b->cap);
	buf_free(b);
}

int token_read_file(const char *path, struct buf *out, struct rw_err *e)
{
	buf_init(out, 0);
	return file_read_all(path, TOKEN_MAX_INPUT, out, e);
}

int token_check_configured(const char *token_file, const char *tenant, const char *cloud,
                           const char *jwks, const char *state_dir, const char *ca_file,
                           struct findings *f, struct rw_err *e)
{
	struct token_opts o = {.tenant = tenant,
	                       .cloud = token_cloud_find(cloud ? cloud : "public"),
	                       .min_remaining_s = TOKEN_MIN_REMAINING_DEFAULT_MIN * 60,
	                       .skew_s = -1};
	struct fetch_opts fo = {10, 30, JWKS_MAX_BYTES, 1, 1000, ca_file, NULL, NULL};
	struct buf tok = {0};
	int rc;

	if (tenant == NULL || !token_tenant_ok(tenant))
		return err_set(e, RW_EXIT_INPUT,
		               "check token: tenant '%s' is not a tenant id (GUID)",
		               tenant ? tenant : "");
	if (o.cloud == NULL)
		return err_set(e, RW_EXIT_INPUT,
		               "check token: cloud '%s' is not public, government or china", cloud);
	if (token_file == NULL)
		return err_set(e, RW_EXIT_INPUT, "check token: token_file is missing");
	if (token_read_file(token_file, &tok, e) < 0) {
		token_buf_free(&tok);
		return -1;
	}
	rc = token_check_source(tok.data ? tok.data : "", tok.len, token_file, &o, jwks, state_dir,
	                        &fo, f, e);
	token_buf_free(&tok);
	return rc;
}

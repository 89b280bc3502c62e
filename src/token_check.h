/*
 * token_check.h - the rules of "rootwarden check token": is this Entra ID (Azure AD) access token
 * one that Azure Database for MySQL Flexible Server will accept as a password.
 *
 * Rules, each one finding (findings.h) about the subject "token sha256:FINGERPRINT":
 *   format      a JWS compact serialisation with JSON header and payload (jwt.h)
 *   alg         "alg" is RS256; none, every HS* / ES* / PS* and anything else FAIL, as does an alg
 *               other than the one the key declares
 *   kid         the header's kid is in the key set; when it is not and a refetch is possible (the
 *               key set came from a URL, or is sync's copy with the URL it came from) the set is
 *               fetched once more, then FAIL "unknown signing key"
 *   signature   RSASSA-PKCS1-v1_5 SHA-256 over HEADER.PAYLOAD with the key's n and e (GnuTLS)
 *   issuer      iss is the tenant's v1 issuer https://V1HOST/TID/ or v2 https://V2HOST/TID/v2.0
 *               for the cloud (a cloud may have a second host for either: v1_alt, v2_alt)
 *   tenant      tid is the tenant
 *   audience    aud (a string or an array) holds the cloud's database audience or --audience
 *   expiry      exp: FAIL once past exp + skew, WARN when past exp within the skew or when fewer
 *               than min_remaining seconds are left
 *   not-before  nbf (optional): FAIL when at + skew < nbf
 *   issued-at   iat: WARN when absent, FAIL when later than at + skew
 *   identity    the upn / preferred_username / unique_name, oid, appid / azp it carries (PASS;
 *               WARN when none is there), for matching against the database user
 * and, from token_check_source(): keyset (where the keys came from, how many) and token-file (a
 * token file readable by group or others is a WARN).
 * The clock skew is TOKEN_CLOCK_SKEW_S (5 minutes) unless opts say otherwise.
 *
 * Secrets: nothing here puts the token, or any of its three parts, in a finding, an error or any
 * output; only its fingerprint (jwt.h). Buffers that held the token are zeroed before they are
 * freed.
 *
 * Contract: token_check() and token_check_source() add findings and return 0 when the token was
 * checked (whatever the verdicts), -1 with e when it could not be (the key set cannot be read,
 * out of memory): the caller reports UNKNOWN. They never print.
 */
#ifndef RW_TOKEN_CHECK_H
#define RW_TOKEN_CHECK_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "fetch.h"
#include "findings.h"
#include "jwks.h"

#define TOKEN_CLOCK_SKEW_S 300
#define TOKEN_MIN_REMAINING_DEFAULT_MIN 5
#define TOKEN_MAX_INPUT ((size_t)8 << 20) /* what is read at all; jwt.h limits what parses */

/* One row per Entra ID cloud. */
struct token_cloud {
	const char *name;     /* "public", "government", "china" */
	const char *audience; /* the database resource: https://ossrdbms-aad.database.... */
	const char *v1_host;  /* v1 issuer host: sts.windows.net, sts.chinacloudapi.cn */
	const char *v2_host;  /* v2 issuer and login host: login.microsoftonline.com ... */
	const char *jwks_url; /* https://V2HOST/common/discovery/v2.0/keys */
	const char *v1_alt;   /* another v1 issuer host the cloud's tokens carry, or NULL */
	const char *v2_alt;   /* another v2 issuer host, or NULL */
};

/* NULL when the name is not a cloud. */
const struct token_cloud *token_cloud_find(const char *name);
/* 1 when s is a tenant id (a GUID, 8-4-4-4-12 hex digits). */
int token_tenant_ok(const char *s);
/* --at: YYYY-MM-DD (00:00 UTC), YYYY-MM-DDTHH:MM:SSZ or @SECONDS; -1 when it is none of them. */
int token_parse_time(const char *s, time_t *out);

struct token_opts {
	const char *tenant;              /* required: the server's tenant id */
	const struct token_cloud *cloud; /* required */
	const char *audience;            /* NULL: the cloud's */
	time_t at;                       /* the time checked: 0 = now */
	long min_remaining_s;            /* WARN below this (TOKEN_MIN_REMAINING_DEFAULT_MIN) */
	long skew_s;                     /* < 0: TOKEN_CLOCK_SKEW_S */
	const struct jwks *keys;         /* borrowed; token_check() only */
	/* Called at most once, when the kid is not in keys: a fresh key set, owned by the caller
	 * of the callback (token_check frees it). NULL: the set cannot be refetched. */
	int (*refetch)(void *ctx, struct jwks **out, struct rw_err *e);
	void *refetch_ctx;
};

int token_check(const char *token, size_t len, const struct token_opts *o, struct findings *f,
                struct rw_err *e);

/*
 * The same with the key set read from jwks: a file, an https:// (or file://) URL fetched with fo
 * (its etag/last_modified are ignored; a URL is fetched again once for an unknown kid), or NULL
 * for the copy sync keeps in state_dir (jwks_sync.h: STATE/jwks/CLOUD.json; for an unknown kid
 * the URL its record names is fetched once, with fo, and nothing is stored). token_file, when
 * not NULL, is the file the token was read from (for the token-file rule).
 */
int token_check_source(const char *token, size_t len, const char *token_file,
                       const struct token_opts *o, const char *jwks, const char *state_dir,
                       const struct fetch_opts *fo, struct findings *f, struct rw_err *e);

/* Reads a token from a file (at most TOKEN_MAX_INPUT bytes) into out (buf_init'ed here; release
 * with token_buf_free, which zeroes it). */
int token_read_file(const char *path, struct buf *out, struct rw_err *e);
void token_buf_free(struct buf *b);

/*
 * A configured check for sync: the token in token_file, tenant, cloud (NULL: "public"), jwks as
 * above (NULL: the state copy), state_dir. Fetches (a jwks URL, a refetch) use 10 s connect,
 * 30 s total, JWKS_MAX_BYTES, 1 retry and ca_file (the configuration's fetch.ca_file; NULL: the
 * system CA store); min_remaining 5 minutes, now. 0 = ran (findings
 * added, including UNKNOWN-free FAILs for a bad token); -1 = could not run (unreadable token
 * file, bad tenant or cloud, key set unreadable), with e.
 */
int token_check_configured(const char *token_file, const char *tenant, const char *cloud,
                           const char *jwks, const char *state_dir, const char *ca_file,
                           struct findings *f, struct rw_err *e);

#endif

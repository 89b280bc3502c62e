/*
 * probe_assess.h - what a probe's result means (probe.h gathers, this judges): findings
 * (findings.h, subject = the URL or a bundle path), the root the chain ends at, the Azure
 * "Minimum TLS version" the accepted versions amount to, and the client settings that verify the
 * server with each bundle that does.
 *
 * Rules (rule names are stable; docs/checks.md lists them for users):
 *   connect         UNKNOWN: refused, silent, not this protocol (the reason says which)
 *   tls             FAIL cleartext only (not offered); WARN TDS ENCRYPT_OFF (login only);
 *                   PASS offered / required / TLS first
 *   tls-versions    each version alone: WARN when TLS 1.0 or 1.1 is accepted, FAIL when none is
 *   tls-default     what GnuTLS's default client gets (WARN below TLS 1.2)
 *   chain           the certificates as sent: FAIL out of order, an expired or not yet valid
 *                   intermediate, an intermediate signed with SHA-1/MD5; WARN leaf only when the
 *                   leaf's issuer is not a known root (catalog or bundle)
 *   validity, eku, key-usage, hostname, key-strength, signature-hash
 *                   servercert.h on the leaf, hostname for the URL's host (SQL Server's wording
 *                   for sqlserver://)
 *   root            the root it chains to, by catalog id when it is one
 *   bundle          per bundle: verify-full now (chain to an anchor of the bundle + host name)
 *   bundle-step     per bundle and coming step of the timeline: does the bundle (its content then:
 *                   what sync writes for a configured bundle, the file as it is otherwise) still
 *                   verify the chain as it is now, and does it hold the roots the step requires
 *                   (WARN when it lacks one: the server may move to it)
 *
 * Contract: probe_assess() fills a struct probe_assessment the caller releases with
 * probe_assessment_free() (safe on a zeroed one); -1 only when out of memory or a bundle cannot
 * be read (e says which). Nothing prints.
 */
#ifndef RW_PROBE_ASSESS_H
#define RW_PROBE_ASSESS_H

#include <stddef.h>
#include <time.h>

#include "catalog.h"
#include "findings.h"
#include "probe.h"
#include "rotation.h"

struct probe_bundle {
	const char *path;
	/* A bundle sync manages (from --config): its content on a coming day is what sync writes
	 * then. NULL: the file stays as it is. Borrowed. */
	const struct rotation_target *managed;
	/* A java-pkcs12 / jks store's password (never printed); NULL: a managed bundle's own
	 * (password_file), else EMIT_DEFAULT_PASSWORD. Borrowed. */
	const char *password;
};

struct probe_assess_opts {
	const struct catalog *cat; /* may be NULL: roots are not named by catalog id */
	const char *profile;       /* timeline; NULL: a managed bundle's own profiles */
	const struct probe_bundle *bundles;
	size_t n_bundles;
	time_t at; /* 0: now (ROOTWARDEN_NOW) */
	struct rotation_opts ro;
};

struct probe_assessment {
	struct findings f;
	long root;              /* catalog root index the chain ends at, or -1 */
	char root_label[256];   /* its name, or the anchor / issuer it ends at; "" when no chain */
	char azure_min_tls[32]; /* "TLS1_2", "TLSEnforcementDisabled", "" unknown */
	char **settings;        /* "client: setting" for each bundle that verifies */
	size_t n_settings;
};

int probe_assess(const struct probe_result *r, const struct probe_assess_opts *o,
                 struct probe_assessment *out, struct rw_err *e);
void probe_assessment_free(struct probe_assessment *a);

/* Reads a trust bundle's certificates, in any format emit.h reads (PEM, DER, a directory of them
 * such as openssl-directory, PKCS #7, PKCS #12, JKS: emit_read_any), a store opened with password
 * (NULL: EMIT_DEFAULT_PASSWORD), and says how it is laid out (kind may be NULL): which client
 * settings can name it. The one place a probe reads a bundle. */
int probe_bundle_read(const char *path, const char *password, struct certlist *out,
                      enum probe_bundle_kind *kind, struct rw_err *e);

/* The check sync runs for checks = ({ kind = "probe"; url; profile; bundle; password_file; }):
 * probes url, judges it with catalog cat (sync's targets' catalog; NULL: the installed one), the
 * bundle (may be NULL; a java-pkcs12 / jks store opened with the first line of password_file,
 * NULL: EMIT_DEFAULT_PASSWORD) and the profile's timeline (may be NULL). 0 = ran, findings
 * appended (an unreachable server, or a store that does not open, is an UNKNOWN finding); -1 =
 * could not run (bad URL, unreadable password file, unknown profile), e says why. The password
 * is wiped after use and appears in no finding or error. */
int probe_check_configured(const char *url, const char *profile, const char *bundle,
                           const char *password_file, const struct catalog *cat, struct findings *f,
                           struct rw_err *e);

#endif

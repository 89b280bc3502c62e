/*
 * keyperm.h - is a private key file owned and protected as its server needs.
 *
 * Rules (each a finding, see findings.h; every WARN/FAIL carries the chown / chmod / setfacl
 * command or action that fixes it):
 *   file-type    a regular file; a symbolic link is followed only with follow set (then the
 *                finding names the link and its target, and the other rules check the target)
 *   owner, mode  by policy:
 *                  postgresql  owned by the service user (default postgres) with no group or
 *                              other access, or owned by root with at most group read
 *                  mssql       owned by the service user (default mssql), mode 0400 or 0600
 *                  mysql       owned by the service user (default mysql), no other access
 *                  strict      any owner, no group or other access
 *   acl          no POSIX ACL entry (named user or group, after the mask) grants read beyond the
 *                policy: the mode's group bits show the ACL mask, so a 0640 file may let a named
 *                user in. The service user's own entry is allowed (not under strict); named groups
 *                only under mysql, and under postgresql for the service user's group on a
 *                root-owned key.
 *   parent-dirs  no directory above the key (and above the link, when followed) is writable by
 *                group or other: FAIL, or WARN when the directory is sticky (like /tmp)
 *   service-access  the service user (not under strict) can search every directory above the
 *                key and, when the owner rule passed, read it (POSIX access check with ACLs: the
 *                owner, a named user entry, the owning or a named group, other; the mask
 *                limiting the named entries and groups). "Unable to open certificate file"
 *                at start is most often this.
 *   key-parse    the file is a private key GnuTLS reads (PEM or DER; PKCS#1, PKCS#8, SEC1); an
 *                encrypted key is reported as such (FAIL under mssql, WARN otherwise)
 *
 * Contract: keyperm_check() appends findings for one path and returns 0 even when rules fail; a
 * path that cannot be checked (missing, unreadable) gives an UNKNOWN finding. It returns -1 only
 * when out of memory. It only reads (lstat, stat, ACL, the file).
 */
#ifndef RW_KEYPERM_H
#define RW_KEYPERM_H

#include "err.h"
#include "findings.h"

enum keyperm_policy { KP_STRICT = 0, KP_POSTGRESQL, KP_MSSQL, KP_MYSQL };

struct keyperm_opts {
	enum keyperm_policy policy;
	const char *service_user; /* NULL: the policy's default (postgres, mssql, mysql) */
	int follow;               /* follow a symbolic link */
};

/* 0 and *out set, or -1 for an unknown name. */
int keyperm_policy_parse(const char *name, enum keyperm_policy *out);
const char *keyperm_policy_name(enum keyperm_policy p);
/* "postgres", "mssql", "mysql"; NULL for strict. */
const char *keyperm_default_user(enum keyperm_policy p);

int keyperm_check(const char *path, const struct keyperm_opts *o, struct findings *out,
                  struct rw_err *e);

#endif

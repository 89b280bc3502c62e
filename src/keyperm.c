/* keyperm.c - private key files: type, owner, mode, POSIX ACLs, parent directories, contents. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <acl/libacl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "fileio.h"
#include "keyperm.h"

#define KEY_MAX_BYTES ((size_t)1 << 20)

static const char *const policy_names[] = {"strict", "postgresql", "mssql", "mysql"};
static const char *const policy_users[] = {NULL, "postgres", "mssql", "mysql"};

int keyperm_policy_parse(const char *name, enum keyperm_policy *out)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, policy_names[i]) == 0) {
			*out = (enum keyperm_policy)i;
			return 0;
		}
	return -1;
}

const char *keyperm_policy_name(enum keyperm_policy p)
{
	return (unsigned)p < 4 ? policy_names[p] : "?";
}

const char *keyperm_default_user(enum keyperm_policy p)
{
	return (unsigned)p < 4 ? policy_users[p] : NULL;
}

/* What one check works with. */
struct kp {
	const struct keyperm_opts *o;
	struct findings *out;
	const char *subject; /* the path as given */
	const char *target;  /* the file checked (the link's target when followed) */
	struct stat st;
	const char *user; /* the service user's name, NULL for strict */
	int have_user;    /* user exists on this host */
	uid_t uid;
	gid_t gid;
	int owner_ok; /* the owner rule passed */
	int ext_acl;  /* the file has an extended ACL (so chmod changes the mask, not the group) */
	int oom;
};

#define ADD(k, rule, v, fix, ...)                                                                  \
	do {                                                                                       \
		if (findings_add((k)->out, (k)->subject, rule, v, fix, __VA_ARGS__) < 0)           \
			(k)->oom = 1;                                                              \
	} while (0)

/* "cmd ARG... PATH" with the path quoted for the shell; NULL when out of memory. */
static char *cmd(const char *verb, const char *path)
{
	struct buf b;

	buf_init(&b, 0);
	if (buf_printf(&b, "%s ", verb) < 0 || shell_quote(&b, path) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

static int in_groups(const gid_t *groups, int n, gid_t g)
{
	for (int i = 0; i < n; i++)
		if (groups[i] == g)
			return 1;
	return 0;
}

/* The action for a key in a sticky world-writable directory. */
static char *move_cmd(const char *path)
{
	struct buf b;

	buf_init(&b, 0);
	if (buf_puts(&b, "mv ") < 0 || shell_quote(&b, path) < 0 ||
	    buf_puts(&b, " /etc/ssl/private/ (or another directory only root can write; then "
	                 "point the server at the new path)") < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

static void user_name(uid_t uid, char *out, size_t n)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(out, n, "%s", pw->pw_name);
	else
		snprintf(out, n, "%u", (unsigned)uid);
}

static void group_name(gid_t gid, char *out, size_t n)
{
	struct group *gr = getgrgid(gid);

	if (gr)
		snprintf(out, n, "%s", gr->gr_name);
	else
		snprintf(out, n, "%u", (unsigned)gid);
}

static void mode_rule(struct kp *k, const char *chmod_arg, const char *why, unsigned m)
{
	char verb[32];
	char *fix;

	snprintf(verb, sizeof(verb), "chmod %s", chmod_arg);
	fix = cmd(verb, k->target);
	if (fix == NULL) {
		k->oom = 1;
		return;
	}
	ADD(k, "mode", V_FAIL, fix, "mode %04o%s", m, why);
	free(fix);
}

static void check_owner_mode(struct kp *k)
{
	unsigned m = (unsigned)(k->st.st_mode & 07777);
	char owner[64], want_fix[128];
	char *fix = NULL;
	int by_user = k->have_user && k->st.st_uid == k->uid;
	int by_root = k->st.st_uid == 0;

	user_name(k->st.st_uid, owner, sizeof(owner));
	snprintf(want_fix, sizeof(want_fix), "chown %s", k->user ? k->user : "root");

	/* owner */
	if (k->o->policy == KP_STRICT) {
		ADD(k, "owner", V_PASS, NULL, "owned by %s (strict allows any owner)", owner);
	} else if (!k->have_user) {
		fix = cmd(want_fix, k->target);
		ADD(k, "owner", V_FAIL, fix,
		    "owned by %s; the %s policy wants %s, which does not exist on this host "
		    "(install the service or give --service-user)",
		    owner, keyperm_policy_name(k->o->policy), k->user);
	} else if (by_user) {
		k->owner_ok = 1;
		ADD(k, "owner", V_PASS, NULL, "owned by %s", owner);
	} else if (k->o->policy == KP_POSTGRESQL && by_root) {
		k->owner_ok = 1;
		ADD(k, "owner", V_PASS, NULL, "owned by root (allowed with at most group read)");
	} else {
		fix = cmd(want_fix, k->target);
		ADD(k, "owner", V_FAIL, fix, "owned by %s; the %s policy wants %s%s", owner,
		    keyperm_policy_name(k->o->policy), k->user,
		    k->o->policy == KP_POSTGRESQL ? " (or root with at most group read)" : "");
	}
	free(fix);
	fix = NULL;

	/* mode */
	switch (k->o->policy) {
	case KP_MSSQL:
		if (m == 0400 || m == 0600)
			ADD(k, "mode", V_PASS, NULL, "mode %04o", m);
		else
			mode_rule(k, (m & 0200) || !(m & 0400) ? "0600" : "0400",
			          "; SQL Server wants 0400 or 0600", m);
		break;
	case KP_MYSQL:
		if ((m & 0007) == 0 && (m & 0400))
			ADD(k, "mode", V_PASS, NULL, "mode %04o: no access for others", m);
		else if (m & 0007)
			mode_rule(k, "o=", " gives others access; mysql wants none", m);
		else
			mode_rule(k, "u+r", ": the owner cannot read it", m);
		break;
	case KP_POSTGRESQL:
		if (by_root && !by_user) {
			if ((m & 0037) == 0)
				ADD(k, "mode", V_PASS, NULL,
				    "mode %04o: owned by root, at most group read", m);
			else
				mode_rule(k, "g-wx,o=",
				          "; a root-owned key may allow at most group read", m);
			break;
		}
		/* owned by the service user (or to be): as strict */
		__attribute__((fallthrough));
	case KP_STRICT:
		if ((m & 0077) == 0 && (m & 0400))
			ADD(k, "mode", V_PASS, NULL, "mode %04o: no group or other access", m);
		else if (m & 0077)
			mode_rule(k, "go=",
			          k->o->policy == KP_POSTGRESQL
			                  ? " gives group or others access; PostgreSQL "
			                    "refuses a key it owns with any"
			                  : " gives group or others access",
			          m);
		else
			mode_rule(k, "u+r", ": the owner cannot read it", m);
		break;
	}
}

/* May this named ACL entry read the key under the policy? */
static int acl_allowed(const struct kp *k, acl_tag_t tag, unsigned id)
{
	if (k->o->policy == KP_STRICT || !k->have_user)
		return 0;
	if (tag == ACL_USER)
		return id == k->uid;
	if (k->o->policy == KP_MYSQL)
		return 1;
	return k->o->policy == KP_POSTGRESQL && k->st.st_uid == 0 && id == k->gid;
}

static void check_acl(struct kp *k)
{
	acl_t acl = acl_get_file(k->target, ACL_TYPE_ACCESS);
	acl_entry_t ent;
	int r, mask_read = 1, mask_seen = 0, bad = 0, named = 0;
	unsigned m = (unsigned)(k->st.st_mode & 0777);

	if (acl == NULL) {
		if (errno == ENOTSUP || errno == ENOSYS)
			ADD(k, "acl", V_PASS, NULL, "the file system has no POSIX ACLs");
		else
			ADD(k, "acl", V_UNKNOWN, "run the check as root", "cannot read the ACL: %s",
			    strerror(errno));
		return;
	}
	/* the mask first: it limits every named entry */
	for (r = acl_get_entry(acl, ACL_FIRST_ENTRY, &ent); r == 1;
	     r = acl_get_entry(acl, ACL_NEXT_ENTRY, &ent)) {
		acl_tag_t tag;
		acl_permset_t ps;

		if (acl_get_tag_type(ent, &tag) == 0 && tag == ACL_MASK &&
		    acl_get_permset(ent, &ps) == 0) {
			mask_read = acl_get_perm(ps, ACL_READ) == 1;
			mask_seen = 1;
		}
	}
	for (r = acl_get_entry(acl, ACL_FIRST_ENTRY, &ent); r == 1;
	     r = acl_get_entry(acl, ACL_NEXT_ENTRY, &ent)) {
		acl_tag_t tag;
		acl_permset_t ps;
		void *q;
		unsigned id;
		char name[64], verb[160];
		char *fix;

		if (acl_get_tag_type(ent, &tag) < 0 || (tag != ACL_USER && tag != ACL_GROUP))
			continue;
		named++;
		if (acl_get_permset(ent, &ps) < 0 || acl_get_perm(ps, ACL_READ) != 1 || !mask_read)
			continue;
		q = acl_get_qualifier(ent);
		if (q == NULL)
			continue;
		id = tag == ACL_USER ? (unsigned)*(uid_t *)q : (unsigned)*(gid_t *)q;
		acl_free(q);
		if (acl_allowed(k, tag, id))
			continue;
		if (tag == ACL_USER)
			user_name((uid_t)id, name, sizeof(name));
		else
			group_name((gid_t)id, name, sizeof(name));
		snprintf(verb, sizeof(verb), "setfacl -x %s:%s", tag == ACL_USER ? "u" : "g", name);
		fix = cmd(verb, k->target);
		ADD(k, "acl", V_FAIL, fix,
		    "ACL entry %s:%s lets %s %s read the key (mode %04o shows the ACL mask in its "
		    "group bits)",
		    tag == ACL_USER ? "user" : "group", name, tag == ACL_USER ? "user" : "group",
		    name, m);
		free(fix);
		bad++;
	}
	acl_free(acl);
	k->ext_acl = named > 0 || mask_seen;
	if (bad == 0 && named == 0)
		ADD(k, "acl", V_PASS, NULL,
		    mask_seen ? "no named ACL entries (an ACL mask only)"
		              : "no extended ACL entries");
	else if (bad == 0)
		ADD(k, "acl", V_PASS, NULL,
		    "%d named ACL entr%s, none grants read beyond the policy", named,
		    named == 1 ? "y" : "ies");
}

/* Checks every directory from dir up to "/" once (seen holds what was checked). */
static void check_dirs(struct kp *k, const char *start, char ***seen, size_t *n_seen, int *bad)
{
	char *d = realpath(start, NULL);

	if (d == NULL) {
		ADD(k, "parent-dirs", V_UNKNOWN, "run the check as root", "%s: %s", start,
		    strerror(errno));
		(*bad)++;
		return;
	}
	for (;;) {
		struct stat st;
		int dup = 0;
		char *slash;

		for (size_t i = 0; i < *n_seen; i++)
			dup |= strcmp((*seen)[i], d) == 0;
		if (!dup) {
			char **nv = realloc(*seen, (*n_seen + 1) * sizeof(char *));
			char *copy = strdup(d);

			if (nv == NULL || copy == NULL) {
				free(copy);
				if (nv)
					*seen = nv;
				k->oom = 1;
				break;
			}
			*seen = nv;
			(*seen)[(*n_seen)++] = copy;
			if (stat(d, &st) < 0) {
				ADD(k, "parent-dirs", V_UNKNOWN, "run the check as root", "%s: %s",
				    d, strerror(errno));
				(*bad)++;
			} else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
				const char *who = (st.st_mode & S_IWOTH) ? "others" : "its group";
				char *fix;

				(*bad)++;
				if (st.st_mode & S_ISVTX) {
					fix = move_cmd(k->target);
					ADD(k, "parent-dirs", V_WARN, fix,
					    "%s is writable by %s but sticky (mode %04o): others "
					    "cannot replace the key, but a key belongs in a "
					    "directory only root can write",
					    d, who, (unsigned)(st.st_mode & 07777));
				} else {
					fix = cmd((st.st_mode & S_IWOTH) && (st.st_mode & S_IWGRP)
					                  ? "chmod go-w"
					          : (st.st_mode & S_IWOTH) ? "chmod o-w"
					                                   : "chmod g-w",
					          d);
					ADD(k, "parent-dirs", V_FAIL, fix,
					    "%s is writable by %s (mode %04o): they can replace "
					    "the "
					    "key",
					    d, who, (unsigned)(st.st_mode & 07777));
				}
				free(fix);
			}
		}
		if (strcmp(d, "/") == 0)
			break;
		slash = strrchr(d, '/');
		if (slash == d)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(d);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Does the user (uid, groups) get all of 'want' (ACL_READ, ACL_EXECUTE) on path, by the POSIX
 * access check algorithm (owner, named user, owning and named groups, other; the mask limiting
 * all but owner and other)? Root is always let in. */
static int user_may(const char *path, const struct stat *st, uid_t uid, const gid_t *groups,
                    int n_groups, const acl_perm_t *want, int n_want)
{
	acl_t acl = NULL;
	acl_entry_t ent;
	int r, res = -1, group_matched = 0, group_ok = 0, have_mask = 0, mask_ok = 1;
	int other_ok = 1, named_user = -1;
	unsigned m = (unsigned)st->st_mode;

	if (uid == 0)
		return 1;
		/* perms of an entry as "has every wanted bit" */
#define IN_GROUPS(g) in_groups(groups, n_groups, (g))
	acl = acl_get_file(path, ACL_TYPE_ACCESS);
	if (acl == NULL) {
		unsigned shift = st->st_uid == uid ? 6 : IN_GROUPS(st->st_gid) ? 3 : 0;

		for (int i = 0; i < n_want; i++)
			if (!(m >> shift & (want[i] == ACL_READ ? 4u : 1u)))
				return 0;
		return 1;
	}
	for (r = acl_get_entry(acl, ACL_FIRST_ENTRY, &ent); r == 1;
	     r = acl_get_entry(acl, ACL_NEXT_ENTRY, &ent)) {
		acl_tag_t tag;
		acl_permset_t ps;
		int ok = 1;
		void *q;

		if (acl_get_tag_type(ent, &tag) < 0 || acl_get_permset(ent, &ps) < 0)
			continue;
		for (int i = 0; i < n_want; i++)
			ok &= acl_get_perm(ps, want[i]) == 1;
		switch (tag) {
		case ACL_USER_OBJ:
			if (st->st_uid == uid)
				res = ok;
			break;
		case ACL_USER:
			q = acl_get_qualifier(ent);
			if (q && *(uid_t *)q == uid)
				named_user = ok;
			acl_free(q);
			break;
		case ACL_GROUP_OBJ:
			if (IN_GROUPS(st->st_gid)) {
				group_matched = 1;
				group_ok |= ok;
			}
			break;
		case ACL_GROUP:
			q = acl_get_qualifier(ent);
			if (q && IN_GROUPS(*(gid_t *)q)) {
				group_matched = 1;
				group_ok |= ok;
			}
			acl_free(q);
			break;
		case ACL_MASK:
			have_mask = 1;
			mask_ok = ok;
			break;
		case ACL_OTHER:
			other_ok = ok;
			break;
		default:
			break;
		}
	}
	acl_free(acl);
#undef IN_GROUPS
	if (res >= 0)
		return res;
	if (named_user >= 0)
		return named_user && (!have_mask || mask_ok);
	if (group_matched)
		return group_ok && (!have_mask || mask_ok);
	return other_ok;
}

/* Can the service user reach the key (search every directory above it) and read it? */
static void check_access(struct kp *k, int owner_ok)
{
	static const acl_perm_t rd[] = {ACL_READ}, ex[] = {ACL_EXECUTE};
	gid_t groups[256];
	int n = (int)(sizeof(groups) / sizeof(groups[0]));
	char *d = NULL, *p;
	struct buf fix;

	if (!k->user || !k->have_user)
		return;
	buf_init(&fix, 0);
	if (getgrouplist(k->user, k->gid, groups, &n) < 0)
		n = (int)(sizeof(groups) / sizeof(groups[0]));
	/* directories from the top down */
	d = strdup(k->target);
	if (d == NULL) {
		k->oom = 1;
		goto out;
	}
	for (p = strchr(d + 1, '/'); p; p = strchr(p + 1, '/')) {
		struct stat st;
		char *dir;

		*p = '\0';
		dir = *d ? d : "/";
		if (stat(dir, &st) == 0 && !user_may(dir, &st, k->uid, groups, n, ex, 1)) {
			if (buf_printf(&fix, "setfacl -m u:%s:x ", k->user) < 0 ||
			    shell_quote(&fix, dir) < 0)
				k->oom = 1;
			ADD(k, "service-access", V_FAIL, fix.data,
			    "%s cannot search %s (mode %04o): the server cannot open the key",
			    k->user, dir, (unsigned)(st.st_mode & 07777));
			goto out;
		}
		*p = '/';
	}
	if (owner_ok && !user_may(k->target, &k->st, k->uid, groups, n, rd, 1)) {
		struct group *gr = getgrgid(k->gid);

		if (buf_puts(&fix, "chgrp ") < 0 ||
		    buf_puts(&fix, gr ? gr->gr_name : k->user) < 0 || buf_puts(&fix, " ") < 0 ||
		    shell_quote(&fix, k->target) < 0 ||
		    buf_puts(&fix, k->ext_acl ? " && setfacl -m g::r " : " && chmod g+r ") < 0 ||
		    shell_quote(&fix, k->target) < 0)
			k->oom = 1;
		ADD(k, "service-access", V_FAIL, fix.data,
		    "%s cannot read the key: the server will not start", k->user);
		goto out;
	}
	ADD(k, "service-access", V_PASS, NULL, "%s can reach%s the key", k->user,
	    owner_ok ? " and read" : "");
out:
	free(d);
	buf_free(&fix);
}

static void check_parents(struct kp *k, const char *link)
{
	char **seen = NULL;
	size_t n_seen = 0;
	int bad = 0;
	char *d = dir_of(k->target);

	if (d)
		check_dirs(k, d, &seen, &n_seen, &bad);
	free(d);
	if (link && (d = dir_of(link)) != NULL) {
		check_dirs(k, d, &seen, &n_seen, &bad);
		free(d);
	}
	if (bad == 0 && !k->oom)
		ADD(k, "parent-dirs", V_PASS, NULL,
		    "no directory above the key is writable by group or others (%zu checked)",
		    n_seen);
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	free(seen);
}

static void check_contents(struct kp *k)
{
	struct buf b;
	struct rw_err e = {0};
	gnutls_x509_privkey_t key = NULL;
	gnutls_datum_t d;
	int r;

	if (file_read_all(k->target, KEY_MAX_BYTES, &b, &e) < 0) {
		ADD(k, "key-parse", V_UNKNOWN, "run the check as root or as the key's owner",
		    "cannot read it: %s", e.msg);
		goto out;
	}
	d.data = (unsigned char *)b.data;
	d.size = (unsigned)b.len;
	if (gnutls_x509_privkey_init(&key) < 0) {
		k->oom = 1;
		goto out;
	}
	r = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (r < 0 && r != GNUTLS_E_DECRYPTION_FAILED)
		r = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_DER, NULL, 0);
	if (r == GNUTLS_E_DECRYPTION_FAILED) {
		char *fix = NULL;
		struct buf f;

		buf_init(&f, 0);
		if (buf_puts(&f, "decrypt it for the server: openssl pkey -in ") < 0 ||
		    shell_quote(&f, k->target) < 0 || buf_puts(&f, " -out ") < 0 ||
		    shell_quote(&f, k->target) < 0 ||
		    buf_puts(&f, ".plain, then move it in place") < 0)
			k->oom = 1;
		else
			fix = buf_steal(&f, NULL);
		buf_free(&f);
		if (k->o->policy == KP_MSSQL)
			ADD(k, "key-parse", V_FAIL, fix,
			    "an encrypted private key: SQL Server cannot use it (no passphrase)");
		else
			ADD(k, "key-parse", V_WARN, fix,
			    "an encrypted private key: the server needs its passphrase to start%s",
			    k->o->policy == KP_POSTGRESQL ? " (ssl_passphrase_command)" : "");
		free(fix);
	} else if (r < 0) {
		ADD(k, "key-parse", V_FAIL, "point the server at its private key file (PEM or DER)",
		    "not a private key (PEM or DER): %s%s", gnutls_strerror(r),
		    strstr(b.data, "-----BEGIN CERTIFICATE") ? "; it holds a certificate" : "");
	} else {
		unsigned bits = 0;
		int pk = gnutls_x509_privkey_get_pk_algorithm2(key, &bits);

		ADD(k, "key-parse", V_PASS, NULL, "%s private key, %u bits",
		    gnutls_pk_get_name((gnutls_pk_algorithm_t)pk), bits);
	}
out:
	if (key)
		gnutls_x509_privkey_deinit(key);
	buf_free(&b);
}

int keyperm_check(const char *path, const struct keyperm_opts *o, struct findings *out,
                  struct rw_err *e)
{
	struct kp k = {.o = o, .out = out, .subject = path, .target = path};
	struct stat lst;
	char *real = NULL;
	const char *link = NULL;

	k.user = o->policy == KP_STRICT ? NULL
	         : o->service_user      ? o->service_user
	                                : keyperm_default_user(o->policy);
	if (k.user) {
		struct passwd *pw = getpwnam(k.user);

		if (pw) {
			k.have_user = 1;
			k.uid = pw->pw_uid;
			k.gid = pw->pw_gid;
		}
	}
	if (lstat(path, &lst) < 0) {
		ADD(&k, "file-type", V_UNKNOWN,
		    "give the path of the key file the server is configured with",
		    "cannot check it: %s", strerror(errno));
		goto out;
	}
	if (S_ISLNK(lst.st_mode)) {
		real = realpath(path, NULL);
		if (!o->follow) {
			struct buf f;

			buf_init(&f, 0);
			if (buf_puts(&f,
			             "check the target with --follow, or replace the link by the "
			             "file: cp --remove-destination ") < 0 ||
			    shell_quote(&f, real ? real : "TARGET") < 0 || buf_puts(&f, " ") < 0 ||
			    shell_quote(&f, path) < 0)
				k.oom = 1;
			ADD(&k, "file-type", V_FAIL, f.data,
			    "a symbolic link to %s, not followed without --follow",
			    real ? real : "a missing file");
			buf_free(&f);
			goto out;
		}
		if (real == NULL || stat(real, &k.st) < 0) {
			ADD(&k, "file-type", V_UNKNOWN,
			    "point the link at the key file, or the server at the file itself",
			    "a symbolic link to a missing file: %s", strerror(errno));
			goto out;
		}
		k.target = real;
		link = path;
	} else {
		k.st = lst;
		/* fixes name the absolute path, to be run from anywhere */
		real = realpath(path, NULL);
		if (real)
			k.target = real;
	}
	if (!S_ISREG(k.st.st_mode)) {
		ADD(&k, "file-type", V_FAIL, "point the server at the key file itself",
		    "%s is not a regular file", k.target);
		goto out;
	}
	if (link)
		ADD(&k, "file-type", V_PASS, NULL,
		    "a symbolic link to the regular file %s (followed; the rules below check the "
		    "target)",
		    k.target);
	else
		ADD(&k, "file-type", V_PASS, NULL, "a regular file");
	check_owner_mode(&k);
	check_acl(&k);
	check_parents(&k, link);
	check_access(&k, findings_find(out, path, "owner") &&
	                         findings_find(out, path, "owner")->verdict == V_PASS);
	check_contents(&k);
out:
	free(real);
	if (k.oom)
		return err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", path);
	return 0;
}

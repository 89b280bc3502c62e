/* test_keyperm.c - private key files: owner and mode by policy, ACLs, symlinks, parent
 * directories, contents. Ownership cases need root (CI runs as root) and create system users
 * rwtest-mssql and rwtest-pg when missing; without root they are skipped. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "findings.h"
#include "keyperm.h"

#define U_MSSQL "rwtest-mssql"
#define U_PG "rwtest-pg"

struct env {
	char *dir;        /* a fresh directory under the current (build) directory */
	int base_verdict; /* the parent-dirs verdict of dir itself (the build tree's ancestors) */
	int base_access;  /* service-access of a test user to dir (as root; else V_PASS) */
	struct findings f;
};

static int have_user(const char *name)
{
	char *argv[] = {"useradd", "--system",          "--no-create-home",
	                "--shell", "/usr/sbin/nologin", (char *)name,
	                NULL};

	/* other tests may be adding users at the same time (ctest -j): useradd then fails to lock
	 * /etc/passwd, so try a few times */
	for (int i = 0; i < 10; i++) {
		if (getpwnam(name))
			return 1;
		if (geteuid() != 0)
			return 0;
		if (tu_run(argv, NULL) != 0)
			usleep(200000);
	}
	return getpwnam(name) != NULL;
}

static uid_t uid_of(const char *name)
{
	return getpwnam(name)->pw_uid;
}

static void need_root_users(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: ownership cases need root (to chown to test users)\n");
		skip();
	}
	if (!have_user(U_MSSQL) || !have_user(U_PG)) {
		fprintf(stderr, "skipped: cannot create test users %s, %s\n", U_MSSQL, U_PG);
		skip();
	}
}

static char *write_key(const char *dir, const char *name, mode_t mode)
{
	char *p = tu_path(dir, name);
	gnutls_datum_t pem = tu_key_pem(tu_key(TU_EC_P256));

	tu_write(p, pem.data, pem.size);
	gnutls_free(pem.data);
	assert_int_equal(chmod(p, mode), 0);
	return p;
}

static int run(struct env *env, const char *path, enum keyperm_policy pol, const char *user,
               int follow)
{
	struct keyperm_opts o = {.policy = pol, .service_user = user, .follow = follow};
	struct rw_err e = {0};

	findings_free(&env->f);
	assert_int_equal(keyperm_check(path, &o, &env->f, &e), 0);
	return findings_status(&env->f);
}

static const struct finding *rule(struct env *env, const char *name)
{
	const struct finding *x = findings_find(&env->f, NULL, name);

	if (x == NULL)
		fail_msg("no finding for rule %s", name);
	return x;
}

static void expect(struct env *env, const char *name, enum verdict v, const char *fix_part)
{
	const struct finding *x = rule(env, name);

	if (x->verdict != v)
		fail_msg("rule %s: %s (%s), expected %s", name, verdict_name(x->verdict), x->reason,
		         verdict_name(v));
	if (fix_part && (x->fix == NULL || strstr(x->fix, fix_part) == NULL))
		fail_msg("rule %s: fix '%s' lacks '%s'", name, x->fix ? x->fix : "(none)",
		         fix_part);
	if (v != V_PASS && x->fix == NULL)
		fail_msg("rule %s: a %s without a fix", name, verdict_name(v));
}

/* The status expected when the rules under test give 'rules': the build tree's own parent
 * directories may add a WARN or FAIL that the test cannot control. */
static int want(struct env *env, int rules)
{
	return rules > env->base_verdict ? rules : env->base_verdict;
}

/* The same for checks with a service user, whose access to the directory counts too. */
static int want_svc(struct env *env, int rules)
{
	int w = want(env, rules);

	return w > env->base_access ? w : env->base_access;
}

static gid_t gid_of(const char *name)
{
	return getpwnam(name)->pw_gid;
}

static int setup(void **state)
{
	struct env *env = calloc(1, sizeof(*env));
	char tmpl[] = "rwkeyperm.XXXXXX";
	char *k;

	assert_non_null(mkdtemp(tmpl));
	env->dir = realpath(tmpl, NULL);
	assert_int_equal(chmod(env->dir, 0755), 0);
	findings_init(&env->f);
	k = write_key(env->dir, "probe.key", 0600);
	run(env, k, KP_STRICT, NULL, 0);
	env->base_verdict = (int)rule(env, "parent-dirs")->verdict;
	env->base_access = V_PASS;
	if (geteuid() == 0 && have_user(U_MSSQL) && have_user(U_PG)) {
		/* a checkout under a directory other users cannot search (like /root) */
		assert_int_equal(chown(k, uid_of(U_MSSQL), (gid_t)-1), 0);
		run(env, k, KP_MSSQL, U_MSSQL, 0);
		env->base_access = (int)rule(env, "service-access")->verdict;
		if (env->base_access != V_PASS)
			print_message("note: test users cannot search %s: %s\n", env->dir,
			              rule(env, "service-access")->reason);
	}
	unlink(k);
	free(k);
	*state = env;
	return 0;
}

static int teardown(void **state)
{
	struct env *env = *state;

	tu_rmrf(env->dir);
	free(env->dir);
	findings_free(&env->f);
	free(env);
	return 0;
}

/* owner and mode for every policy: { policy, owner (0 root, 1 service user, 2 another user),
 * mode, owner verdict, mode verdict, the fix the failing rule names } */
struct om_case {
	enum keyperm_policy pol;
	int owner;
	mode_t mode;
	enum verdict v_owner, v_mode;
	const char *fix;
	enum verdict v_access; /* service-access (root-owned keys have the service user's group) */
};

static const struct om_case om_cases[] = {
        {KP_MSSQL, 1, 0600, V_PASS, V_PASS, NULL, V_PASS},
        {KP_MSSQL, 1, 0400, V_PASS, V_PASS, NULL, V_PASS},
        {KP_MSSQL, 1, 0640, V_PASS, V_FAIL, "chmod 0600 ", V_PASS},
        {KP_MSSQL, 1, 0444, V_PASS, V_FAIL, "chmod 0400 ", V_PASS},
        {KP_MSSQL, 1, 0700, V_PASS, V_FAIL, "chmod 0600 ", V_PASS},
        {KP_MSSQL, 0, 0600, V_FAIL, V_PASS, "chown " U_MSSQL " ", V_PASS},
        {KP_MSSQL, 2, 0600, V_FAIL, V_PASS, "chown " U_MSSQL " ", V_PASS},
        {KP_POSTGRESQL, 1, 0600, V_PASS, V_PASS, NULL, V_PASS},
        {KP_POSTGRESQL, 1, 0400, V_PASS, V_PASS, NULL, V_PASS},
        {KP_POSTGRESQL, 1, 0640, V_PASS, V_FAIL, "chmod go= ", V_PASS},
        {KP_POSTGRESQL, 1, 0604, V_PASS, V_FAIL, "chmod go= ", V_PASS},
        {KP_POSTGRESQL, 0, 0640, V_PASS, V_PASS, NULL, V_PASS},
        {KP_POSTGRESQL, 0, 0600, V_PASS, V_PASS, NULL, V_FAIL},
        {KP_POSTGRESQL, 0, 0660, V_PASS, V_FAIL, "chmod g-wx,o= ", V_PASS},
        {KP_POSTGRESQL, 0, 0644, V_PASS, V_FAIL, "chmod g-wx,o= ", V_PASS},
        {KP_POSTGRESQL, 2, 0600, V_FAIL, V_PASS, "chown " U_PG " ", V_PASS},
        {KP_MYSQL, 1, 0640, V_PASS, V_PASS, NULL, V_PASS},
        {KP_MYSQL, 1, 0600, V_PASS, V_PASS, NULL, V_PASS},
        {KP_MYSQL, 1, 0644, V_PASS, V_FAIL, "chmod o= ", V_PASS},
        {KP_MYSQL, 0, 0600, V_FAIL, V_PASS, "chown " U_PG " ", V_PASS},
        {KP_STRICT, 0, 0600, V_PASS, V_PASS, NULL, V_UNKNOWN /* no rule */},
        {KP_STRICT, 2, 0400, V_PASS, V_PASS, NULL, V_UNKNOWN /* no rule */},
        {KP_STRICT, 0, 0640, V_PASS, V_FAIL, "chmod go= ", V_UNKNOWN /* no rule */},
        {KP_STRICT, 0, 0604, V_PASS, V_FAIL, "chmod go= ", V_UNKNOWN /* no rule */},
};

static void test_owner_mode_by_policy(void **state)
{
	struct env *env = *state;

	need_root_users();
	for (size_t i = 0; i < sizeof(om_cases) / sizeof(om_cases[0]); i++) {
		const struct om_case *c = &om_cases[i];
		/* the service user: mssql -> rwtest-mssql, the others -> rwtest-pg */
		const char *svc = c->pol == KP_MSSQL ? U_MSSQL : c->pol == KP_STRICT ? NULL : U_PG;
		const char *other = c->pol == KP_MSSQL ? U_PG : U_MSSQL;
		char name[64];
		char *k;
		uid_t uid;
		int st, rules;

		snprintf(name, sizeof(name), "case%zu.key", i);
		k = write_key(env->dir, name, c->mode);
		uid = c->owner == 0 ? 0 : uid_of(c->owner == 1 ? (svc ? svc : U_PG) : other);
		assert_int_equal(chown(k, uid, uid == 0 && svc ? gid_of(svc) : (gid_t)-1), 0);
		assert_int_equal(chmod(k, c->mode), 0);
		st = run(env, k, c->pol, svc, 0);
		print_message("case %zu: %s owner %d mode %04o -> %s\n", i,
		              keyperm_policy_name(c->pol), c->owner, (unsigned)c->mode,
		              check_status_name(st));
		expect(env, "file-type", V_PASS, NULL);
		expect(env, "owner", c->v_owner, c->v_owner == V_FAIL ? c->fix : NULL);
		expect(env, "mode", c->v_mode, c->v_mode == V_FAIL ? c->fix : NULL);
		expect(env, "acl", V_PASS, NULL);
		expect(env, "key-parse", V_PASS, NULL);
		if (c->fix) {
			const struct finding *x =
			        rule(env, c->v_owner == V_FAIL ? "owner" : "mode");
			assert_non_null(strstr(x->fix, k)); /* the exact path */
		}
		rules = c->v_owner > c->v_mode ? (int)c->v_owner : (int)c->v_mode;
		if (c->pol == KP_STRICT) {
			assert_null(findings_find(&env->f, NULL, "service-access"));
			assert_int_equal(st, want(env, rules));
		} else if (env->base_access == V_PASS) {
			expect(env, "service-access", c->v_access,
			       c->v_access == V_FAIL ? "chgrp " : NULL);
			rules = rules > (int)c->v_access ? rules : (int)c->v_access;
			assert_int_equal(st, want(env, rules));
		} else {
			assert_int_equal(st, want_svc(env, rules));
		}
		unlink(k);
		free(k);
	}
}

static void test_default_user_missing(void **state)
{
	struct env *env = *state;
	char *k = write_key(env->dir, "nouser.key", 0600);

	/* no such user on this host: the owner rule fails and says so */
	assert_int_equal(run(env, k, KP_MSSQL, "rwtest-no-such-user", 0), want(env, 2));
	expect(env, "owner", V_FAIL, "chown rwtest-no-such-user ");
	assert_non_null(strstr(rule(env, "owner")->reason, "does not exist"));
	free(k);
}

static int setfacl(const char *spec, const char *path)
{
	char *argv[] = {"setfacl", "-m", (char *)spec, (char *)path, NULL};

	return tu_run(argv, NULL);
}

/* A root-owned 0640 key is fine for postgresql by its mode bits, but those group bits are the ACL
 * mask: a named user entry lets that user read it. */
static void test_acl_hidden_by_mode(void **state)
{
	struct env *env = *state;
	char *k;
	char spec[64];

	need_root_users();
	k = write_key(env->dir, "acl.key", 0600);
	assert_int_equal(chown(k, 0, gid_of(U_PG)), 0);
	snprintf(spec, sizeof(spec), "u:%s:r", U_MSSQL);
	if (setfacl(spec, k) != 0) {
		fprintf(stderr, "skipped: setfacl failed (no ACL support here?)\n");
		free(k);
		skip();
	}
	assert_int_equal(chmod(k, 0640), 0); /* the mask stays r-- */
	assert_int_equal(run(env, k, KP_POSTGRESQL, U_PG, 0), want_svc(env, 2));
	expect(env, "owner", V_PASS, NULL);
	expect(env, "mode", V_PASS, NULL);
	expect(env, "acl", V_FAIL, "setfacl -x u:" U_MSSQL " ");
	assert_non_null(strstr(rule(env, "acl")->fix, k));

	/* the service user's own entry is what the policy allows */
	snprintf(spec, sizeof(spec), "u:%s:r", U_PG);
	assert_int_equal(setfacl(spec, k), 0);
	{
		char *argv[] = {"setfacl", "-x", "u:" U_MSSQL, k, NULL};

		assert_int_equal(tu_run(argv, NULL), 0);
	}
	assert_int_equal(run(env, k, KP_POSTGRESQL, U_PG, 0), want_svc(env, 0));
	expect(env, "acl", V_PASS, NULL);
	free(k);
}

/* Without root: a named entry under strict, found even though it is the mask that shows. */
static void test_acl_strict(void **state)
{
	struct env *env = *state;
	char *k = write_key(env->dir, "acl-strict.key", 0600);

	if (setfacl("u:daemon:r", k) != 0) {
		fprintf(stderr, "skipped: setfacl failed (no ACL support here?)\n");
		free(k);
		skip();
	}
	assert_int_equal(run(env, k, KP_STRICT, NULL, 0), want(env, 2));
	expect(env, "acl", V_FAIL, "setfacl -x u:daemon ");
	/* a mask without read takes the entry's read away */
	assert_int_equal(setfacl("m::---", k), 0);
	assert_int_equal(run(env, k, KP_STRICT, NULL, 0), want(env, 0));
	expect(env, "acl", V_PASS, NULL);
	free(k);
}

/* Can the service user reach and read the key: a directory it cannot search, a root-owned key
 * whose group is not the service's, and the ACL entries that fix both. */
static void test_service_access(void **state)
{
	struct env *env = *state;
	char *d, *k;
	char *argv[] = {"setfacl", "-m", "u:" U_MSSQL ":x", NULL, NULL};

	need_root_users();
	if (env->base_access != V_PASS) {
		fprintf(stderr, "skipped: test users cannot search %s\n", env->dir);
		skip();
	}
	d = tu_path(env->dir, "private");
	assert_int_equal(mkdir(d, 0700), 0);
	k = write_key(d, "mssql.key", 0600);
	assert_int_equal(chown(k, uid_of(U_MSSQL), (gid_t)-1), 0);
	assert_int_equal(run(env, k, KP_MSSQL, U_MSSQL, 0), want(env, 2));
	expect(env, "owner", V_PASS, NULL);
	expect(env, "mode", V_PASS, NULL);
	expect(env, "service-access", V_FAIL, "setfacl -m u:" U_MSSQL ":x ");
	assert_non_null(strstr(rule(env, "service-access")->reason, d));
	/* the fix it names */
	argv[3] = d;
	if (tu_run(argv, NULL) != 0) {
		fprintf(stderr, "skipped: setfacl failed (no ACL support here?)\n");
		skip();
	}
	assert_int_equal(run(env, k, KP_MSSQL, U_MSSQL, 0), want(env, 0));
	expect(env, "service-access", V_PASS, NULL);
	free(k);

	/* postgresql: root-owned 0640 with group root: postgres cannot read it */
	k = write_key(env->dir, "pg.key", 0640);
	assert_int_equal(run(env, k, KP_POSTGRESQL, U_PG, 0), want(env, 2));
	expect(env, "owner", V_PASS, NULL);
	expect(env, "mode", V_PASS, NULL);
	expect(env, "service-access", V_FAIL, "chgrp ");
	/* a named-user ACL entry for the service user lets it read */
	assert_int_equal(setfacl("u:" U_PG ":r", k), 0);
	assert_int_equal(run(env, k, KP_POSTGRESQL, U_PG, 0), want(env, 0));
	expect(env, "service-access", V_PASS, NULL);
	expect(env, "acl", V_PASS, NULL);
	free(k);
	free(d);
}

static void test_symlink(void **state)
{
	struct env *env = *state;
	char *k = write_key(env->dir, "real.key", 0600);
	char *l = tu_path(env->dir, "link.key");
	const struct finding *x;

	assert_int_equal(symlink(k, l), 0);
	assert_int_equal(run(env, l, KP_STRICT, NULL, 0), 2);
	expect(env, "file-type", V_FAIL, "--follow");
	assert_null(findings_find(&env->f, NULL, "mode")); /* not followed: nothing else */

	assert_int_equal(run(env, l, KP_STRICT, NULL, 1), want(env, 0));
	x = rule(env, "file-type");
	assert_int_equal(x->verdict, V_PASS);
	assert_string_equal(x->subject, l);    /* the link ... */
	assert_non_null(strstr(x->reason, k)); /* ... and its target */
	expect(env, "mode", V_PASS, NULL);

	/* the target's problems are found through the link, with the target in the fix */
	assert_int_equal(chmod(k, 0644), 0);
	assert_int_equal(run(env, l, KP_STRICT, NULL, 1), want(env, 2));
	expect(env, "mode", V_FAIL, "chmod go= ");
	assert_non_null(strstr(rule(env, "mode")->fix, k));
	free(k);
	free(l);
}

static void test_parent_dirs(void **state)
{
	struct env *env = *state;
	char *d = tu_path(env->dir, "gw"), *s = tu_path(env->dir, "sticky");
	char *k;

	assert_int_equal(mkdir(d, 0775), 0);
	assert_int_equal(chmod(d, 0775), 0);
	k = write_key(d, "a.key", 0600);
	assert_int_equal(run(env, k, KP_STRICT, NULL, 0), 2);
	expect(env, "parent-dirs", V_FAIL, "chmod g-w ");
	assert_non_null(strstr(rule(env, "parent-dirs")->fix, d));
	free(k);

	assert_int_equal(chmod(d, 0757), 0);
	k = tu_path(d, "a.key");
	assert_int_equal(run(env, k, KP_STRICT, NULL, 0), 2);
	expect(env, "parent-dirs", V_FAIL, "chmod o-w ");
	free(k);

	assert_int_equal(mkdir(s, 0777), 0);
	assert_int_equal(chmod(s, 01777), 0);
	k = write_key(s, "b.key", 0600);
	assert_int_equal(run(env, k, KP_STRICT, NULL, 0), want(env, 1));
	expect(env, "parent-dirs", V_WARN, "mv ");
	free(k);

	k = write_key(env->dir, "c.key", 0600);
	run(env, k, KP_STRICT, NULL, 0);
	expect(env, "parent-dirs", (enum verdict)env->base_verdict, NULL);
	free(k);
	free(d);
	free(s);
}

static void test_contents(void **state)
{
	struct env *env = *state;
	char *k = tu_path(env->dir, "enc.key"), *g = tu_path(env->dir, "garbage.key");
	gnutls_datum_t enc = {NULL, 0};

	assert_int_equal(gnutls_x509_privkey_export2_pkcs8(tu_key(TU_EC_P256), GNUTLS_X509_FMT_PEM,
	                                                   "secret", 0, &enc),
	                 0);
	tu_write(k, enc.data, enc.size);
	gnutls_free(enc.data);
	assert_int_equal(chmod(k, 0600), 0);
	assert_int_equal(run(env, k, KP_STRICT, NULL, 0), want(env, 1));
	expect(env, "key-parse", V_WARN, "openssl pkey");
	assert_non_null(strstr(rule(env, "key-parse")->reason, "encrypted"));

	tu_writef(g, "this is not a key\n");
	assert_int_equal(chmod(g, 0600), 0);
	assert_int_equal(run(env, g, KP_STRICT, NULL, 0), 2);
	expect(env, "key-parse", V_FAIL, NULL);
	assert_non_null(strstr(rule(env, "key-parse")->reason, "not a private key"));
	free(k);
	free(g);
}

static void test_encrypted_mssql_fails(void **state)
{
	struct env *env = *state;
	char *k = tu_path(env->dir, "enc-mssql.key");
	gnutls_datum_t enc = {NULL, 0};

	need_root_users();
	assert_int_equal(gnutls_x509_privkey_export2_pkcs8(tu_key(TU_EC_P256), GNUTLS_X509_FMT_DER,
	                                                   "secret", 0, &enc),
	                 0);
	tu_write(k, enc.data, enc.size);
	gnutls_free(enc.data);
	assert_int_equal(chown(k, uid_of(U_MSSQL), (gid_t)-1), 0);
	assert_int_equal(chmod(k, 0600), 0);
	assert_int_equal(run(env, k, KP_MSSQL, U_MSSQL, 0), 2);
	expect(env, "key-parse", V_FAIL, NULL);
	assert_non_null(strstr(rule(env, "key-parse")->reason, "encrypted"));
	free(k);
}

static void test_missing_and_not_regular(void **state)
{
	struct env *env = *state;
	char *m = tu_path(env->dir, "missing.key");

	assert_int_equal(run(env, m, KP_STRICT, NULL, 0), 3);
	expect(env, "file-type", V_UNKNOWN, NULL);
	assert_int_equal(run(env, env->dir, KP_STRICT, NULL, 0), 2);
	expect(env, "file-type", V_FAIL, NULL);
	free(m);
}

static void test_policy_names(void **state)
{
	enum keyperm_policy p;

	assert_int_equal(keyperm_policy_parse("postgresql", &p), 0);
	assert_int_equal(p, KP_POSTGRESQL);
	assert_int_equal(keyperm_policy_parse("mssql", &p), 0);
	assert_int_equal(keyperm_policy_parse("oracle", &p), -1);
	assert_string_equal(keyperm_default_user(KP_MSSQL), "mssql");
	assert_null(keyperm_default_user(KP_STRICT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_owner_mode_by_policy, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_default_user_missing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_acl_hidden_by_mode, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_acl_strict, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_service_access, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_symlink, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_parent_dirs, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_contents, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_encrypted_mssql_fails, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_missing_and_not_regular, setup, teardown),
	        cmocka_unit_test(test_policy_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

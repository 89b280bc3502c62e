/* test_config.c - the agent configuration: defaults, every key, and file:line errors for what a
 * user gets wrong. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "config.h"

static const char *PIN = "f515c3b5bdbf11aa313cbe303d6238cbbb6586cbed14005c4dc7d634a05d9560";

/* Writes text to a fresh file and loads it; returns config_load's result. */
static int load(const char *text, struct config **cfg, struct rw_err *e, char **dir_out)
{
	char *dir = tu_tmpdir(), *p = tu_path(dir, "rw.conf");
	int r;

	tu_write(p, text, strlen(text));
	r = config_load(p, cfg, e);
	free(p);
	if (dir_out)
		*dir_out = dir;
	else {
		tu_rmrf(dir);
		free(dir);
	}
	return r;
}

static void expect_error(const char *text, const char *line_and_words)
{
	struct config *cfg = NULL;
	struct rw_err e = {{0}, 0};

	assert_int_equal(load(text, &cfg, &e, NULL), -1);
	assert_null(cfg);
	assert_int_equal(e.status, RW_EXIT_INPUT);
	if (strstr(e.msg, line_and_words) == NULL)
		fail_msg("expected '%s' in '%s'", line_and_words, e.msg);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return s[0] == '/' && n >= t && strcmp(s + n - t, tail) == 0;
}

static void test_empty_file_gets_every_default(void **state)
{
	struct config *cfg = NULL;
	struct rw_err e = {{0}, 0};

	(void)state;
	assert_int_equal(load("# nothing\n", &cfg, &e, NULL), 0);
	assert_string_equal(cfg->state_dir, "/var/lib/rootwarden");
	assert_true(ends_with(cfg->hooks_dir, "/rootwarden/hooks.d"));
	assert_null(cfg->roots_dir);
	assert_int_equal(cfg->hook_timeout_s, 60);
	assert_int_equal(cfg->retire_grace_days, 30);
	assert_int_equal(cfg->fetch.max_bytes, 1 << 20);
	assert_int_equal(cfg->fetch.retries, 2);
	assert_int_equal(cfg->fetch.catalog_roots, 1);
	assert_null(cfg->fetch.ca_file);
	assert_int_equal(cfg->n_bundles, 0);
	config_free(cfg);
}

static void test_full_file(void **state)
{
	char text[4096];
	struct config *cfg = NULL;
	struct rw_err e = {{0}, 0};
	const struct config_bundle *b;

	(void)state;
	snprintf(text, sizeof(text),
	         "state_dir = \"/var/lib/rw\";\nhooks_dir = \"/etc/rw/hooks.d\";\n"
	         "hook_timeout = 5;\nkeep_expired = true;\n"
	         "fetch = { connect_timeout = 3; timeout = 9; max_bytes = 65536; retries = 0;\n"
	         "  backoff_ms = 10; ca_file = \"/etc/ssl/ca.pem\"; catalog_roots = false; };\n"
	         "roots = ( { id = \"corp\"; urls = [ \"https://pki.example/corp.crt\" ];\n"
	         "            sha256 = \"%s\"; },\n"
	         "          { id = \"local\"; file = \"/etc/rw/local.pem\"; } );\n"
	         "bundles = ( { name = \"app\"; path = \"/etc/app/ca.pem\";\n"
	         "  profiles = [ \"azure-mysql-flexible\" ]; roots = [ \"corp\" ];\n"
	         "  exclude = [ \"%s\" ]; mode = \"0640\"; owner = \"root\";\n"
	         "  hooks = ( [ \"systemctl\", \"try-reload-or-restart\", \"app.service\" ],\n"
	         "            [ \"/usr/local/bin/notify\" ] ); } );\n",
	         PIN, PIN);
	assert_int_equal(load(text, &cfg, &e, NULL), 0);
	assert_string_equal(cfg->state_dir, "/var/lib/rw");
	assert_int_equal(cfg->hook_timeout_s, 5);
	assert_int_equal(cfg->keep_expired, 1);
	assert_int_equal(cfg->fetch.connect_timeout_s, 3);
	assert_int_equal(cfg->fetch.max_bytes, 65536);
	assert_int_equal(cfg->fetch.catalog_roots, 0);
	assert_string_equal(cfg->fetch.ca_file, "/etc/ssl/ca.pem");
	assert_int_equal(cfg->n_roots, 2);
	assert_string_equal(cfg->roots[0].name, "corp");
	assert_string_equal(cfg->roots[0].sha256,
	                    "F515C3B5BDBF11AA313CBE303D6238CBBB6586CBED14005C4DC7D634A05D9560");
	assert_string_equal(cfg->roots[1].file, "/etc/rw/local.pem");
	b = &cfg->bundles[0];
	assert_string_equal(b->format, "pem");
	assert_int_equal(b->mode, 0640);
	assert_string_equal(b->exclude[0], cfg->roots[0].sha256);
	assert_int_equal(b->n_hooks, 2);
	assert_int_equal(b->hooks[0].argc, 3);
	assert_string_equal(b->hooks[0].argv[2], "app.service");
	assert_null(b->hooks[0].argv[3]);
	config_free(cfg);
}

static void test_errors_name_file_and_line(void **state)
{
	char text[1024];

	(void)state;
	expect_error("state_dir = \"/x\";\nstatedir = \"/y\";\n",
	             "rw.conf:2: unknown key 'statedir'");
	expect_error("hook_timeout = \"60\";\n", "rw.conf:1: 'hook_timeout'");
	expect_error("state_dir = \"var/lib\";\n",
	             "rw.conf:1: 'state_dir' in the configuration must be an absolute path");
	expect_error("fetch = { retries = 1; proxy = \"x\"; };\n",
	             "rw.conf:1: unknown key 'proxy' in fetch");
	expect_error("bundles = (\n { name = \"a\"; path = \"/a.pem\"; profiles = [\"p\"]; },\n"
	             " { name = \"a\"; path = \"/b.pem\"; profiles = [\"p\"]; } );\n",
	             "rw.conf:3: duplicate bundle name 'a'");
	expect_error("bundles = ( { name = \"a\"; path = \"rel.pem\"; profiles = [\"p\"]; } );\n",
	             "must be an absolute path");
	expect_error("bundles = ( { name = \"a\"; path = \"/a.pem\"; profiles = [\"p\"]; format = "
	             "\"xml\"; } );\n",
	             "unknown format 'xml'");
	expect_error("bundles = ( { name = \"a\"; path = \"/a.pem\"; profiles = [\"p\"]; mode = "
	             "420; } );\n",
	             "octal string");
	expect_error("bundles = ( { name = \"a\"; path = \"/a.pem\"; profiles = [\"p\"];\n hooks = "
	             "( \"systemctl reload x\" ); } );\n",
	             "rw.conf:2: each hook");
	expect_error("bundles = ( { name = \"a\"; path = \"/a.pem\"; } );\n", "would be empty");
	expect_error("bundles = ( { name = \"a\"; path = \"/a.pem\"; roots = [\"nope\"]; } );\n",
	             "names root 'nope'");
	expect_error("roots = ( { id = \"x\"; urls = [ \"https://h/x.crt\" ]; } );\n",
	             "rw.conf:1: root 'x' has 'urls' but no 'sha256' or 'spki_sha256' pin");
	snprintf(text, sizeof(text),
	         "roots = ( { id = \"x\"; urls = [ \"http://h/x.crt\" ]; sha256 = \"%s\"; } );\n",
	         PIN);
	expect_error(text, "must be https:// or file:///");
	snprintf(text, sizeof(text),
	         "roots = ( { id = \"x\"; file = \"/x.pem\"; },\n { id = \"x\"; file = \"/y.pem\"; "
	         "} );\n");
	expect_error(text, "rw.conf:2: duplicate root id 'x'");
	expect_error("roots = ( { id = \"x\"; sha256 = \"12\"; file = \"/x.pem\"; } );\n",
	             "not a SHA-256");
	expect_error("state_dir = ;\n", "rw.conf:1: syntax error");
	/* a trust bundle that others could change, or a setuid one */
	expect_error(
	        "bundles = ( { name = \"a\"; path = \"/a.pem\"; profiles = [\"p\"]; mode = "
	        "\"0666\"; } );\n",
	        "rw.conf:1: 'mode' in bundle 'a': '0666' would let others change a trust bundle");
	expect_error("bundles = ( { name = \"a\"; path = \"/a.pem\"; profiles = [\"p\"]; mode = "
	             "\"4644\"; } );\n",
	             "would let others change");
	/* two bundles in one file, and a directory as a bundle */
	expect_error("bundles = (\n { name = \"a\"; path = \"/a.pem\"; profiles = [\"p\"]; },\n"
	             " { name = \"b\"; path = \"/a.pem\"; profiles = [\"q\"]; } );\n",
	             "rw.conf:3: bundle 'b' writes '/a.pem', as bundle 'a' does (line 2)");
	expect_error("bundles = ( { name = \"a\"; path = \"/etc/ssl/\"; profiles = [\"p\"]; } );\n",
	             "names a directory");
}

static void test_printed_configuration_loads_again(void **state)
{
	struct config *cfg = NULL, *again = NULL;
	struct rw_err e = {{0}, 0};
	char *dir = NULL, *p;
	FILE *fp;

	(void)state;
	assert_int_equal(
	        load("hook_timeout = 7;\nbundles = ( { name = \"a\"; path = \"/a.pem\";\n"
	             "  profiles = [\"azure-china\"]; hooks = ( [\"/bin/true\", \"x y\"] ); } );\n",
	             &cfg, &e, &dir),
	        0);
	p = tu_path(dir, "printed.conf");
	fp = fopen(p, "w");
	assert_non_null(fp);
	assert_int_equal(config_print(cfg, fp), 0);
	fclose(fp);
	assert_int_equal(config_load(p, &again, &e), 0);
	assert_int_equal(again->hook_timeout_s, 7);
	assert_string_equal(again->bundles[0].hooks[0].argv[1], "x y");
	assert_string_equal(again->state_dir, cfg->state_dir);
	config_free(cfg);
	config_free(again);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_empty_file_gets_every_default),
	        cmocka_unit_test(test_full_file),
	        cmocka_unit_test(test_errors_name_file_and_line),
	        cmocka_unit_test(test_printed_configuration_loads_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* cmd_roots.c - "rootwarden roots list|show": what the catalog holds. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "date.h"
#include "jsonout.h"

static const char synopsis[] =
        "rootwarden roots list [--json] [--roots-dir DIR]\n"
        "       rootwarden roots show ID [--json] [--roots-dir DIR]\n"
        "\n"
        "  list   every root: id, name, not-after, SHA-256, the profiles using it\n"
        "  show   one root in full: pins, URLs, subject, issuer, key, signature,\n"
        "         validity, and every profile step that names it\n";

enum { O_JSON, O_ROOTS };
static const struct cliopt opts[] = {
        [O_JSON] = {"json", 0, NULL, "machine-readable output", 0},
        [O_ROOTS] = {"roots-dir", 0, "DIR", "the catalog directory (default: the installed roots)",
                     0},
        {NULL, 0, NULL, NULL, 0},
};

const struct cmd_help cmd_roots_help = {synopsis, opts, NULL, NULL};

/* Profiles whose timeline names root ri, as "a, b" or "-". */
static void profiles_using(const struct catalog *cat, size_t ri, char *out, size_t len, json_t *arr)
{
	out[0] = '\0';
	for (size_t p = 0; p < cat->n_profiles; p++) {
		const struct catalog_profile *pr = &cat->profiles[p];
		int uses = 0;

		for (size_t s = 0; s < pr->n_steps && !uses; s++)
			uses = catalog_step_has(&pr->steps[s], ri);
		if (!uses)
			continue;
		snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? ", " : "", pr->id);
		if (arr)
			json_array_append_new(arr, json_string(pr->id));
	}
	if (!out[0])
		snprintf(out, len, "-");
}

/* The root shape (jsonout.h) and what the catalog knows of it; with full, every detail. */
static json_t *root_json(const struct catalog *cat, size_t ri, int full)
{
	const struct catalog_root *r = &cat->roots[ri];
	const struct cert *c = r->cert;
	json_t *o = jsonout_catalog_root(cat, ri), *profiles = json_array(), *urls;
	char list[2048];

	json_object_set_new(o, "spki_sha256", json_string(r->spki_sha256));
	profiles_using(cat, ri, list, sizeof(list), profiles);
	json_object_set_new(o, "profiles", profiles);
	if (!full)
		return o;
	urls = json_array();
	for (size_t i = 0; i < r->n_urls; i++)
		json_array_append_new(urls, json_string(r->urls[i]));
	json_object_set_new(o, "urls", urls);
	json_object_set_new(o, "not_before", c ? jsonout_time(c->not_before) : json_null());
	json_object_set_new(o, "issuer", jsonout_str(c ? c->issuer : NULL));
	json_object_set_new(o, "key_type", jsonout_str(c ? c->key_type : NULL));
	json_object_set_new(o, "key_bits", c ? json_integer(c->key_bits) : json_null());
	json_object_set_new(o, "signature", jsonout_str(c ? c->sig_alg : NULL));
	json_object_set_new(o, "file", jsonout_str(r->file));
	return o;
}

/* {"version", "date", "path"} of the catalog the roots come from */
static json_t *catalog_json(const struct catalog *cat)
{
	return json_pack("{s:I, s:o, s:o}", "version", (json_int_t)cat->version, "date",
	                 jsonout_day(cat->date), "path", jsonout_str(cat->path));
}

/* The document of a command that failed after its options: the header alone. */
static void print_failure(const char *doc, const struct rw_err *e)
{
	json_t *j = jsonout_new(doc);

	if (j)
		jsonout_set_exit(j, e->status ? e->status : RW_EXIT_FAILURE, e->msg);
	(void)jsonout_print(j, stdout);
}

static int roots_list(const struct catalog *cat, int json)
{
	char na[11], list[2048];

	if (json) {
		json_t *doc = jsonout_new("roots-list"), *arr = json_array();

		for (size_t i = 0; i < cat->n_roots; i++)
			json_array_append_new(arr, root_json(cat, i, 0));
		json_object_set_new(doc, "catalog", catalog_json(cat));
		json_object_set_new(doc, "roots", arr);
		return jsonout_print(doc, stdout) < 0 ? RW_EXIT_FAILURE : RW_EXIT_OK;
	}
	printf("%-32s %-46s %-10s %-64s %s\n", "ID", "NAME", "NOT AFTER", "SHA-256", "PROFILES");
	for (size_t i = 0; i < cat->n_roots; i++) {
		const struct catalog_root *r = &cat->roots[i];

		if (r->cert)
			date_format(date_of_time(r->cert->not_after), na);
		else
			snprintf(na, sizeof(na), "-");
		profiles_using(cat, i, list, sizeof(list), NULL);
		printf("%-32s %-46s %-10s %-64s %s\n", r->id, r->name, na, r->sha256, list);
	}
	return RW_EXIT_OK;
}

static int roots_show(const struct catalog *cat, const char *id, int json)
{
	long ri = catalog_root_index(cat, id);
	const struct catalog_root *r;
	json_t *o;
	char d[11];

	if (ri < 0) {
		struct rw_err e = {{0}, 0};

		err_set(&e, RW_EXIT_INPUT, "%s: no root with id '%s' (see 'rootwarden roots list')",
		        cat->path, id);
		if (json)
			print_failure("roots-show", &e);
		return cli_fail(&e);
	}
	o = root_json(cat, (size_t)ri, 1);
	if (json) {
		json_t *doc = jsonout_new("roots-show");

		json_object_set_new(doc, "catalog", catalog_json(cat));
		json_object_set_new(doc, "root", o);
		return jsonout_print(doc, stdout) < 0 ? RW_EXIT_FAILURE : RW_EXIT_OK;
	}
	r = &cat->roots[ri];
	printf("id:          %s\nname:        %s\n", r->id, r->name);
	if (r->cert) {
		printf("subject:     %s\nissuer:      %s\n", r->cert->subject, r->cert->issuer);
		printf("not before:  %s\n", json_string_value(json_object_get(o, "not_before")));
		printf("not after:   %s\n", json_string_value(json_object_get(o, "not_after")));
		printf("key:         %s %u bits\nsignature:   %s\n", r->cert->key_type,
		       r->cert->key_bits, r->cert->sig_alg);
		printf("file:        %s\n", r->file ? r->file : "-");
	}
	printf("SHA-256:     %s\nSPKI SHA-256: %s\n", r->sha256, r->spki_sha256);
	for (size_t i = 0; i < r->n_urls; i++)
		printf("url:         %s\n", r->urls[i]);
	for (size_t p = 0; p < cat->n_profiles; p++)
		for (size_t s = 0; s < cat->profiles[p].n_steps; s++) {
			const struct catalog_step *st = &cat->profiles[p].steps[s];

			if (!catalog_step_has(st, (size_t)ri))
				continue;
			date_format(st->from, d);
			printf("used by:     %s from %s (%s)\n", cat->profiles[p].id, d,
			       catalog_step_requires(st, (size_t)ri) ? "required" : "optional");
		}
	json_decref(o);
	return RW_EXIT_OK;
}

int cmd_roots(int argc, char **argv)
{
	struct cliopt_parser p;
	const char *roots_dir = NULL;
	struct catalog *cat = NULL;
	struct rw_err e = {{0}, 0};
	char **ops;
	int c, n, json = 0, rc;

	cliopt_init(&p, "roots", opts, argc, argv);
	while ((c = cliopt_next(&p)) >= 0) {
		if (c == O_JSON)
			json = 1;
		else if (c == O_ROOTS)
			roots_dir = p.arg;
	}
	if (c != CLIOPT_DONE)
		return RW_EXIT_USAGE;
	ops = cliopt_operands(&p, &n);
	if (n == 1 && strcmp(ops[0], "list") == 0) {
		if (cli_load_catalog(roots_dir, &cat, &e) < 0) {
			if (json)
				print_failure("roots-list", &e);
			return cli_fail(&e);
		}
		rc = roots_list(cat, json);
	} else if (n == 2 && strcmp(ops[0], "show") == 0) {
		if (cli_load_catalog(roots_dir, &cat, &e) < 0) {
			if (json)
				print_failure("roots-show", &e);
			return cli_fail(&e);
		}
		rc = roots_show(cat, ops[1], json);
	} else {
		return cli_usage_error("roots", RW_EXIT_USAGE, "give 'list' or 'show ID'");
	}
	catalog_free(cat);
	return rc;
}

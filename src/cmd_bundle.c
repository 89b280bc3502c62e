/* cmd_bundle.c - "rootwarden bundle": one-shot, offline, reproducible bundle generation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gnutls/gnutls.h>

#include "buf.h"

#include "bundle.h"
#include "cli.h"
#include "date.h"
#include "emit.h"
#include "fileio.h"
#include "jsonout.h"
#include "save.h"
#include "tempfile.h"
#include "verifycache.h"

static const char synopsis[] =
        "rootwarden bundle (--profile P... | --all) (--output PATH | --output-dir DIR) [options]\n"
        "\n"
        "Writes the client trust bundle that the profiles need on a date, from the shipped roots\n"
        "(no network). The same inputs always give the same bytes. A bundle that would be empty\n"
        "or lack a required root is refused; an unchanged file is not rewritten.\n";

enum {
	O_PROFILE,
	O_ALL,
	O_AT,
	O_OUTPUT,
	O_OUTDIR,
	O_ROOTS,
	O_INCLUDE,
	O_EXCLUDE,
	O_FORMAT,
	O_MODE,
	O_GRACE,
	O_AHEAD,
	O_KEEP,
	O_CACHE,
	O_QUIET,
	O_PASSWORD,
	O_JSON
};
static const struct cliopt opts[] = {
        [O_PROFILE] = {"profile", 'p', "P",
                       "a service profile (repeatable: the union); see 'rootwarden roots list'", 1},
        [O_ALL] = {"all", 'a', NULL,
                   "every profile of the catalog (with --output-dir: one file each)", 0},
        [O_AT] = {"at", 0, "YYYY-MM-DD", "the date to build for (default: today, UTC)", 0},
        [O_OUTPUT] = {"output", 'o', "PATH", "the bundle file; '-' for standard output", 0},
        [O_OUTDIR] = {"output-dir", 0, "DIR",
                      "one output per profile: DIR/PROFILE.EXT (EXT: the format's\n"
                      "extension), or the directory DIR/PROFILE for directory formats",
                      0},
        [O_ROOTS] = {"roots-dir", 0, "DIR",
                     "the catalog and shipped roots (default: the installed roots)", 0},
        [O_INCLUDE] = {"include", 0, "PATH",
                       "extra local roots: a PEM/DER file or a directory of them\n"
                       "(repeatable); each must be a valid self-signed CA root",
                       1},
        [O_EXCLUDE] = {"exclude", 0, "SHA256",
                       "leave out the certificate with this fingerprint (repeatable)", 1},
        [O_FORMAT] = {"format", 'f', "NAME",
                      "output format (default: pem): pem, pem-directory,\n"
                      "openssl-directory, der-directory, pkcs7, java-pkcs12, jks",
                      0},
        [O_MODE] = {"mode", 0, "OCTAL",
                    "file mode of the written bundle (default: 0644 for a new file;\n"
                    "an existing file keeps its mode)",
                    0},
        [O_GRACE] = {"grace-days", 0, "N",
                     "keep a retired root N days after its step (default: 30)", 0},
        [O_AHEAD] = {"ahead-days", 0, "N",
                     "add the roots of a coming step N days before it (default: 0)", 0},
        [O_KEEP] = {"keep-expired", 0, NULL, "keep expired roots (default: drop them)", 0},
        [O_CACHE] = {"cache-dir", 0, "DIR",
                     "keep self-signature verdicts of --include roots in DIR\n"
                     "(never changes the output; refused when others can write DIR)",
                     0},
        [O_QUIET] = {"quiet", 'q', NULL, "print nothing but errors", 0},
        [O_PASSWORD] = {"password-file", 0, "F",
                        "the store password of java-pkcs12 and jks: the first line of F\n"
                        "(default: changeit)",
                        0},
        [O_JSON] = {"json", 0, NULL,
                    "print one JSON report on standard output: each output written,\n"
                    "its format, profiles and roots (not with --output -)",
                    0},
        {NULL, 0, NULL, NULL, 0},
};

const struct cmd_help cmd_bundle_help = {synopsis, opts, NULL, NULL};

struct bundle_args {
	struct strvec profiles, includes, excludes;
	const char *output, *output_dir, *roots_dir, *format, *password_file, *cache_dir;
	int all, quiet, mode_given, json;
	struct bundle_spec spec;
	struct emit_opts emit;
};

/* Hashed in chunks: a bundle of 10,000 roots is 12 MB, which need not be in memory twice. */
static void report(FILE *fp, const char *who, const char *path, int result, const struct bundle *b,
                   int32_t day)
{
	char d[11], na[11], fsha[CERT_HEX_LEN + 1];

	date_format(day, d);
	fprintf(fp, "%s at %s: %s %s, %zu root%s\n", who, d, path,
	        result == SAVE_UNCHANGED ? "unchanged" : "written", b->certs.n,
	        b->certs.n == 1 ? "" : "s");
	for (size_t i = 0; i < b->certs.n; i++) {
		const struct cert *c = b->certs.v[i];

		date_format(date_of_time(c->not_after), na);
		fprintf(fp, "  %-46s not after %s  SHA-256 %s\n", c->label, na, c->sha256);
	}
	for (size_t i = 0; i < b->n_notes; i++)
		fprintf(fp, "  note: %s\n", b->notes[i]);
	if (strcmp(path, "-") != 0 && file_sha256(path, fsha, NULL) == 0)
		fprintf(fp, "  file SHA-256 %s\n", fsha);
}

/* One output of the --json report (docs/schema/bundle.schema.json). */
static json_t *output_json(const struct catalog *cat, const char *const *profiles, size_t n,
                           const char *path, const struct emit_format *f, int result,
                           const struct bundle *b, const char *error)
{
	json_t *o = json_object(), *jp = json_array(), *roots = json_array(), *notes = json_array();
	char fsha[CERT_HEX_LEN + 1];

	for (size_t i = 0; i < n; i++)
		json_array_append_new(jp, json_string(profiles[i]));
	for (size_t i = 0; i < b->certs.n; i++)
		json_array_append_new(
		        roots,
		        jsonout_cert_root(b->certs.v[i], cat,
		                          catalog_root_by_sha256(cat, b->certs.v[i]->sha256)));
	for (size_t i = 0; i < b->n_notes; i++)
		json_array_append_new(notes, json_string(b->notes[i]));
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "format", json_string(f->name));
	json_object_set_new(o, "profiles", jp);
	json_object_set_new(o, "state",
	                    json_string(result == SAVE_ERROR       ? "failed"
	                                : result == SAVE_UNCHANGED ? "unchanged"
	                                                           : "written"));
	json_object_set_new(o, "changed", json_boolean(result == SAVE_WRITTEN));
	json_object_set_new(o, "error", jsonout_str(error));
	json_object_set_new(o, "file_sha256",
	                    result != SAVE_ERROR && f->dest == EMIT_FILE &&
	                                    file_sha256(path, fsha, NULL) == 0
	                            ? json_string(fsha)
	                            : json_null());
	json_object_set_new(o, "roots", roots);
	json_object_set_new(o, "notes", notes);
	return o;
}

/* The --json document of a run that stopped before writing: the header alone. */
static void print_failure(const struct bundle_args *a, int rc, const char *msg)
{
	json_t *doc;

	if (!a->json)
		return;
	doc = jsonout_new("bundle");
	if (doc)
		jsonout_set_exit(doc, rc, msg);
	(void)jsonout_print(doc, stdout);
}

static int write_one(const struct bundle *b, const char *path, const struct bundle_args *a,
                     const struct emit_format *f, struct rw_err *e)
{
	struct emit_opts o = a->emit;
	struct stat st;

	/* Without --mode, a file that exists keeps its mode (a user's 0600 stays 0600). */
	if (!a->mode_given && f->dest == EMIT_FILE && strcmp(path, "-") != 0 &&
	    stat(path, &st) == 0 && S_ISREG(st.st_mode))
		o.save.mode = st.st_mode & 07777 & ~(mode_t)07022;
	/* Temps that killed runs left beside the target (ours only, older than a write takes: a
	 * concurrent bundle's own temp is left alone). Best effort: a failure changes nothing. */
	if (strcmp(path, "-") != 0)
		tempfile_sweep_beside(path, time(NULL) - TEMPFILE_SWEEP_GRACE_S, NULL, NULL);
	return emit_write(f, b, path, &o, e);
}

static int parse_args(int argc, char **argv, struct bundle_args *a)
{
	struct cliopt_parser p;
	char *end;
	int c, n;

	cliopt_init(&p, "bundle", opts, argc, argv);
	while ((c = cliopt_next(&p)) >= 0) {
		switch (c) {
		case O_PROFILE:
			if (strvec_push(&a->profiles, p.arg) < 0)
				return -1;
			break;
		case O_ALL:
			a->all = 1;
			break;
		case O_AT:
			if (cli_opt_date("bundle", RW_EXIT_USAGE, "--at", p.arg, &a->spec.day) < 0)
				return -1;
			break;
		case O_OUTPUT:
			a->output = p.arg;
			break;
		case O_OUTDIR:
			a->output_dir = p.arg;
			break;
		case O_ROOTS:
			a->roots_dir = p.arg;
			break;
		case O_INCLUDE:
			if (strvec_push(&a->includes, p.arg) < 0)
				return -1;
			break;
		case O_EXCLUDE:
			if (strvec_push(&a->excludes, p.arg) < 0)
				return -1;
			break;
		case O_FORMAT:
			a->format = p.arg;
			break;
		case O_MODE:
			a->mode_given = 1;
			a->emit.save.mode = (mode_t)strtoul(p.arg, &end, 8);
			if (*p.arg == '\0' || *end != '\0' || a->emit.save.mode > 07777 ||
			    (a->emit.save.mode & 07022))
				return cli_usage_error(
				               "bundle", RW_EXIT_USAGE,
				               "--mode: '%s' is not an octal mode without group or "
				               "other write or special bits",
				               p.arg),
				       -1;
			break;
		case O_GRACE:
			if (cli_opt_int("bundle", RW_EXIT_USAGE, "--grace-days", p.arg, 0, 3650,
			                &a->spec.grace_days) < 0)
				return -1;
			break;
		case O_AHEAD:
			if (cli_opt_int("bundle", RW_EXIT_USAGE, "--ahead-days", p.arg, 0, 3650,
			                &a->spec.ahead_days) < 0)
				return -1;
			break;
		case O_KEEP:
			a->spec.keep_expired = 1;
			break;
		case O_CACHE:
			a->cache_dir = p.arg;
			break;
		case O_QUIET:
			a->quiet = 1;
			break;
		case O_PASSWORD:
			a->password_file = p.arg;
			break;
		case O_JSON:
			a->json = 1;
			break;
		}
	}
	if (c != CLIOPT_DONE)
		return -1;
	(void)cliopt_operands(&p, &n);
	if (n > 0)
		return cli_usage_error("bundle", RW_EXIT_USAGE,
		                       "unexpected argument (an operand this command does not "
		                       "take; not shown, it may be a secret)"),
		       -1;
	if (!a->all && a->profiles.n == 0)
		return cli_usage_error("bundle", RW_EXIT_USAGE, "give --profile P or --all"), -1;
	if (a->all && a->profiles.n)
		return cli_usage_error("bundle", RW_EXIT_USAGE,
		                       "--all and --profile exclude each other"),
		       -1;
	if (!a->output == !a->output_dir)
		return cli_usage_error("bundle", RW_EXIT_USAGE,
		                       "give exactly one of --output and --output-dir"),
		       -1;
	if (a->json && a->output && strcmp(a->output, "-") == 0)
		return cli_usage_error(
		               "bundle", RW_EXIT_USAGE,
		               "--json and --output - exclude each other (both use standard "
		               "output)"),
		       -1;
	return 0;
}

int cmd_bundle(int argc, char **argv)
{
	struct bundle_args a;
	struct catalog *cat = NULL;
	struct bundle *bundles = NULL;
	char **paths = NULL;
	const struct emit_format *f;
	struct rw_err e = {{0}, 0};
	char *password = NULL;
	struct verifycache *vc = NULL;
	size_t nb = 0;
	int rc = RW_EXIT_FAILURE, res, vc_refused = 0;
	json_t *doc = NULL, *outputs = NULL;

	memset(&a, 0, sizeof(a));
	bundle_spec_init(&a.spec);
	emit_opts_init(&a.emit);
	a.format = "pem";
	if (parse_args(argc, argv, &a) < 0) {
		rc = RW_EXIT_USAGE;
		goto out;
	}
	if (a.password_file) {
		/* never an argument: argv is visible to every user */
		if (file_read_password(a.password_file, 0, &password, &e) < 0) {
			print_failure(&a, e.status ? e.status : RW_EXIT_FAILURE, e.msg);
			rc = cli_fail(&e);
			goto out;
		}
		a.emit.password = password;
	}
	f = emit_format_find(a.format);
	if (f == NULL) {
		rc = cli_usage_error("bundle", RW_EXIT_USAGE, "--format: unknown format '%s'",
		                     a.format);
		goto out;
	}
	if (cli_load_catalog(a.roots_dir, &cat, &e) < 0) {
		print_failure(&a, e.status ? e.status : RW_EXIT_FAILURE, e.msg);
		rc = cli_fail(&e);
		goto out;
	}
	if (a.all)
		for (size_t i = 0; i < cat->n_profiles; i++) {
			const struct catalog_profile *p = &cat->profiles[i];
			char d[11];

			if (catalog_profile_ended(p, a.spec.day)) { /* nothing to write for it */
				date_format(p->ends.day, d);
				fprintf(stderr, "rootwarden: %s: skipped: ended on %s\n", p->id, d);
				continue;
			}
			strvec_push(&a.profiles, p->id);
		}
	for (size_t i = 0; i < a.profiles.n; i++)
		if (catalog_profile(cat, a.profiles.v[i]) == NULL) {
			err_set(&e, RW_EXIT_INPUT,
			        "%s: unknown profile '%s' (see 'rootwarden roots list')", cat->path,
			        a.profiles.v[i]);
			print_failure(&a, RW_EXIT_INPUT, e.msg);
			rc = cli_fail(&e);
			goto out;
		}
	a.spec.includes = a.includes.v;
	a.spec.n_includes = a.includes.n;
	a.spec.excludes = a.excludes.v;
	a.spec.n_excludes = a.excludes.n;
	if (a.cache_dir != NULL) {
		/* A cache that cannot be used only costs time: warn and go on without it. */
		if (verifycache_open_dir(a.cache_dir, 0, &vc, &vc_refused, &e) < 0) {
			print_failure(&a, e.status ? e.status : RW_EXIT_FAILURE, e.msg);
			rc = cli_fail(&e);
			goto out;
		}
		if (e.msg[0] != '\0')
			fprintf(stderr, "rootwarden: warning: %s\n", e.msg);
		err_clear(&e);
		a.spec.verify_cache = vc_refused ? NULL : vc;
	}

	/* Build every bundle before writing any: a bad input changes no file. */
	nb = a.output_dir ? a.profiles.n : 1;
	bundles = calloc(nb, sizeof(*bundles));
	paths = calloc(nb, sizeof(*paths));
	if (bundles == NULL || paths == NULL)
		goto out;
	for (size_t i = 0; i < nb; i++) {
		struct bundle_spec spec = a.spec;

		if (a.output_dir) {
			spec.profiles = &a.profiles.v[i];
			spec.n_profiles = 1;
			if ((f->dest == EMIT_DIR
			             ? asprintf(&paths[i], "%s/%s", a.output_dir, a.profiles.v[i])
			             : asprintf(&paths[i], "%s/%s.%s", a.output_dir,
			                        a.profiles.v[i], f->ext)) < 0) {
				paths[i] = NULL;
				goto out;
			}
		} else {
			spec.profiles = a.profiles.v;
			spec.n_profiles = a.profiles.n;
			if ((paths[i] = strdup(a.output)) == NULL)
				goto out;
		}
		if (bundle_build(cat, &spec, &bundles[i], &e) < 0) {
			print_failure(&a, e.status ? e.status : RW_EXIT_FAILURE, e.msg);
			rc = cli_fail(&e);
			nb = i;
			goto out;
		}
	}
	if (vc != NULL && !vc_refused) {
		for (size_t i = 0; i < nb; i++)
			for (size_t k = 0; k < bundles[i].certs.n; k++)
				(void)verifycache_note(vc, bundles[i].certs.v[k]);
		if (verifycache_save_dir(vc, a.cache_dir, &e) == SAVE_ERROR)
			fprintf(stderr, "rootwarden: warning: %s\n", e.msg);
		err_clear(&e);
	}
	rc = RW_EXIT_OK;
	if (a.json && (doc = jsonout_new("bundle")) != NULL) {
		json_object_set_new(doc, "at", jsonout_day(a.spec.day));
		json_object_set_new(doc, "format", json_string(f->name));
		json_object_set_new(doc, "outputs", outputs = json_array());
	}
	for (size_t i = 0; i < nb; i++) {
		FILE *rep = strcmp(paths[i], "-") == 0 ? stderr : stdout;
		char who[1024] = "";

		res = write_one(&bundles[i], paths[i], &a, f, &e);
		if (outputs)
			json_array_append_new(
			        outputs,
			        output_json(cat,
			                    (const char *const *)(a.output_dir ? &a.profiles.v[i]
			                                                       : a.profiles.v),
			                    a.output_dir ? 1 : a.profiles.n, paths[i], f, res,
			                    &bundles[i], res == SAVE_ERROR ? e.msg : NULL));
		if (res == SAVE_ERROR) {
			/* the exit status is the last failure's: so is the document's (each
			 * output's own error is in its entry) */
			if (doc)
				jsonout_set_exit(doc, e.status ? e.status : RW_EXIT_FAILURE, e.msg);
			rc = cli_fail(&e);
			continue;
		}
		if (a.quiet || a.json || rep == stderr)
			continue;
		for (size_t k = 0; k < (a.output_dir ? 1 : a.profiles.n); k++)
			snprintf(who + strlen(who), sizeof(who) - strlen(who), "%s%s", k ? "+" : "",
			         a.output_dir ? a.profiles.v[i] : a.profiles.v[k]);
		report(rep, who, paths[i], res, &bundles[i], a.spec.day);
	}
	if (doc && jsonout_print(doc, stdout) < 0) {
		fprintf(stderr, "rootwarden: out of memory\n");
		rc = RW_EXIT_FAILURE;
	}
	doc = NULL;
out:
	json_decref(doc);
	for (size_t i = 0; bundles && i < nb; i++)
		bundle_free(&bundles[i]);
	for (size_t i = 0; paths && i < (a.output_dir ? a.profiles.n : 1); i++)
		free(paths[i]);
	free(bundles);
	free(paths);
	catalog_free(cat);
	verifycache_free(vc);
	strvec_free(&a.profiles);
	strvec_free(&a.includes);
	strvec_free(&a.excludes);
	if (password) {
		gnutls_memset(password, 0, strlen(password));
		free(password);
	}
	return rc;
}

/* cmd_bundle.c - "rootwarden bundle": one-shot, offline, reproducible bundle generation. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/gnutls.h>

#include "buf.h"
#include "bundle.h"
#include "cli.h"
#include "date.h"
#include "emit.h"
#include "fileio.h"
#include "save.h"

const char cmd_bundle_usage[] =
        "rootwarden bundle (--profile P... | --all) (--output PATH | --output-dir DIR) [options]\n"
        "\n"
        "Writes the client trust bundle that the profiles need on a date, from the shipped roots\n"
        "(no network). The same inputs always give the same bytes. A bundle that would be empty "
        "or\n"
        "lack a required root is refused; an unchanged file is not rewritten.\n"
        "\n"
        "  --profile P        a service profile (repeatable: the union); see 'rootwarden roots "
        "list'\n"
        "  --all              every profile of the catalog (with --output-dir: one file each)\n"
        "  --at YYYY-MM-DD    the date to build for (default: today, UTC)\n"
        "  --output PATH      the bundle file; '-' for standard output\n"
        "  --output-dir DIR   one output per profile: DIR/PROFILE.EXT (EXT: the format's\n"
        "                     extension), or the directory DIR/PROFILE for directory formats\n"
        "  --roots-dir DIR    the catalog and shipped roots (default: the installed roots)\n"
        "  --include PATH     extra local roots: a PEM/DER file or a directory of them "
        "(repeatable);\n"
        "                     each must be a valid self-signed CA root\n"
        "  --exclude SHA256   leave out the certificate with this fingerprint (repeatable)\n"
        "  --format NAME      output format (default: pem): pem, pem-directory,\n"
        "                     openssl-directory, der-directory, pkcs7, java-pkcs12, jks\n"
        "  --password-file F  the store password of java-pkcs12 and jks: the first line of F\n"
        "                     (default: changeit)\n"
        "  --mode OCTAL       file mode of the written bundle (default: 0644 for a new file;\n"
        "                     an existing file keeps its mode)\n"
        "  --grace-days N     keep a retired root N days after its step (default: 30)\n"
        "  --ahead-days N     add the roots of a coming step N days before it (default: 0)\n"
        "  --keep-expired     keep expired roots (default: drop them)\n"
        "  --quiet            print nothing but errors\n";

struct bundle_args {
	struct strvec profiles, includes, excludes;
	const char *output, *output_dir, *roots_dir, *format, *password_file;
	int all, quiet, mode_given;
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

static int write_one(const struct bundle *b, const char *path, const struct bundle_args *a,
                     const struct emit_format *f, struct rw_err *e)
{
	struct emit_opts o = a->emit;
	struct stat st;

	/* Without --mode, a file that exists keeps its mode (a user's 0600 stays 0600). */
	if (!a->mode_given && f->dest == EMIT_FILE && strcmp(path, "-") != 0 &&
	    stat(path, &st) == 0 && S_ISREG(st.st_mode))
		o.save.mode = st.st_mode & 07777 & ~(mode_t)07022;
	return emit_write(f, b, path, &o, e);
}

/* The store password: the first line of a file (never an argument: argv is visible to all). */
static int read_password(const char *path, struct buf *pw, struct rw_err *e)
{
	char *nl;

	if (file_read_all(path, 4096, pw, e) < 0)
		return -1;
	nl = memchr(pw->data, '\n', pw->len);
	if (nl != NULL)
		pw->len = (size_t)(nl - pw->data);
	if (pw->len && pw->data[pw->len - 1] == '\r')
		pw->len--;
	pw->data[pw->len] = '\0';
	if (pw->len == 0 || memchr(pw->data, '\0', pw->len) != NULL)
		return err_set(e, RW_EXIT_INPUT, "%s: no password on its first line", path);
	return 0;
}

static int parse_args(int argc, char **argv, struct bundle_args *a)
{
	enum {
		O_AT = 256,
		O_OUTDIR,
		O_ROOTS,
		O_INCLUDE,
		O_EXCLUDE,
		O_FORMAT,
		O_MODE,
		O_GRACE,
		O_AHEAD,
		O_KEEP,
		O_PASSWORD
	};
	static const struct option opts[] = {
	        {"profile", required_argument, NULL, 'p'},
	        {"all", no_argument, NULL, 'a'},
	        {"at", required_argument, NULL, O_AT},
	        {"output", required_argument, NULL, 'o'},
	        {"output-dir", required_argument, NULL, O_OUTDIR},
	        {"roots-dir", required_argument, NULL, O_ROOTS},
	        {"include", required_argument, NULL, O_INCLUDE},
	        {"exclude", required_argument, NULL, O_EXCLUDE},
	        {"format", required_argument, NULL, O_FORMAT},
	        {"mode", required_argument, NULL, O_MODE},
	        {"grace-days", required_argument, NULL, O_GRACE},
	        {"keep-expired", no_argument, NULL, O_KEEP},
	        {"ahead-days", required_argument, NULL, O_AHEAD},
	        {"quiet", no_argument, NULL, 'q'},
	        {"password-file", required_argument, NULL, O_PASSWORD},
	        {NULL, 0, NULL, 0},
	};
	int c;
	char *end;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:ao:q", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (strvec_push(&a->profiles, optarg) < 0)
				return -1;
			break;
		case 'a':
			a->all = 1;
			break;
		case O_AT:
			if (cli_opt_date("bundle", RW_EXIT_USAGE, "--at", optarg, &a->spec.day) < 0)
				return -1;
			break;
		case 'o':
			a->output = optarg;
			break;
		case O_OUTDIR:
			a->output_dir = optarg;
			break;
		case O_ROOTS:
			a->roots_dir = optarg;
			break;
		case O_INCLUDE:
			if (strvec_push(&a->includes, optarg) < 0)
				return -1;
			break;
		case O_EXCLUDE:
			if (strvec_push(&a->excludes, optarg) < 0)
				return -1;
			break;
		case O_FORMAT:
			a->format = optarg;
			break;
		case O_MODE:
			a->mode_given = 1;
			a->emit.save.mode = (mode_t)strtoul(optarg, &end, 8);
			if (*optarg == '\0' || *end != '\0' || a->emit.save.mode > 07777 ||
			    (a->emit.save.mode & 07022))
				return cli_usage_error(
				               "bundle", RW_EXIT_USAGE,
				               "--mode: '%s' is not an octal mode without group or "
				               "other write or special bits",
				               optarg),
				       -1;
			break;
		case O_GRACE:
			if (cli_opt_int("bundle", RW_EXIT_USAGE, "--grace-days", optarg, 0, 3650,
			                &a->spec.grace_days) < 0)
				return -1;
			break;
		case O_AHEAD:
			if (cli_opt_int("bundle", RW_EXIT_USAGE, "--ahead-days", optarg, 0, 3650,
			                &a->spec.ahead_days) < 0)
				return -1;
			break;
		case O_KEEP:
			a->spec.keep_expired = 1;
			break;
		case O_PASSWORD:
			a->password_file = optarg;
			break;
		case 'q':
			a->quiet = 1;
			break;
		case ':':
			return cli_usage_error("bundle", RW_EXIT_USAGE, "%s needs a value",
			                       argv[optind - 1]),
			       -1;
		default:
			return cli_usage_error("bundle", RW_EXIT_USAGE, "unknown option '%s'",
			                       argv[optind - 1]),
			       -1;
		}
	}
	if (optind < argc)
		return cli_usage_error("bundle", RW_EXIT_USAGE, "unexpected argument '%s'",
		                       argv[optind]),
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
	struct buf password;
	size_t nb = 0;
	int rc = RW_EXIT_FAILURE, res;

	memset(&a, 0, sizeof(a));
	bundle_spec_init(&a.spec);
	emit_opts_init(&a.emit);
	buf_init(&password, 0);
	a.format = "pem";
	if (parse_args(argc, argv, &a) < 0) {
		rc = RW_EXIT_USAGE;
		goto out;
	}
	f = emit_format_find(a.format);
	if (f == NULL) {
		rc = cli_usage_error("bundle", RW_EXIT_USAGE, "--format: unknown format '%s'",
		                     a.format);
		goto out;
	}
	if (a.password_file) {
		if (read_password(a.password_file, &password, &e) < 0) {
			rc = cli_fail(&e);
			goto out;
		}
		a.emit.password = password.data;
	}
	if (cli_load_catalog(a.roots_dir, &cat, &e) < 0) {
		rc = cli_fail(&e);
		goto out;
	}
	if (a.all)
		for (size_t i = 0; i < cat->n_profiles; i++)
			strvec_push(&a.profiles, cat->profiles[i].id);
	for (size_t i = 0; i < a.profiles.n; i++)
		if (catalog_profile(cat, a.profiles.v[i]) == NULL) {
			fprintf(stderr,
			        "rootwarden: %s: unknown profile '%s' (see 'rootwarden roots "
			        "list')\n",
			        cat->path, a.profiles.v[i]);
			rc = RW_EXIT_INPUT;
			goto out;
		}
	a.spec.includes = a.includes.v;
	a.spec.n_includes = a.includes.n;
	a.spec.excludes = a.excludes.v;
	a.spec.n_excludes = a.excludes.n;

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
			rc = cli_fail(&e);
			nb = i;
			goto out;
		}
	}
	rc = RW_EXIT_OK;
	for (size_t i = 0; i < nb; i++) {
		FILE *rep = strcmp(paths[i], "-") == 0 ? stderr : stdout;
		char who[1024] = "";

		res = write_one(&bundles[i], paths[i], &a, f, &e);
		if (res == SAVE_ERROR) {
			rc = cli_fail(&e);
			continue;
		}
		if (a.quiet || rep == stderr)
			continue;
		for (size_t k = 0; k < (a.output_dir ? 1 : a.profiles.n); k++)
			snprintf(who + strlen(who), sizeof(who) - strlen(who), "%s%s", k ? "+" : "",
			         a.output_dir ? a.profiles.v[i] : a.profiles.v[k]);
		report(rep, who, paths[i], res, &bundles[i], a.spec.day);
	}
out:
	for (size_t i = 0; bundles && i < nb; i++)
		bundle_free(&bundles[i]);
	for (size_t i = 0; paths && i < (a.output_dir ? a.profiles.n : 1); i++)
		free(paths[i]);
	free(bundles);
	free(paths);
	catalog_free(cat);
	strvec_free(&a.profiles);
	strvec_free(&a.includes);
	strvec_free(&a.excludes);
	if (password.data)
		gnutls_memset(password.data, 0, password.cap);
	buf_free(&password);
	return rc;
}

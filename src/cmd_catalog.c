/* cmd_catalog.c - "rootwarden catalog sign|verify|diff": the signed catalog channel for whoever
 * publishes catalogs, and a review of what a new catalog changes. The work is catalog_update.c's
 * (signatures, archives, verdicts) and rotation.c's (written sets); this file parses options and
 * prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "catalog_update.h"
#include "cli.h"
#include "config.h"
#include "date.h"
#include "fileio.h"
#include "jsonout.h"
#include "plan.h"
#include "rotation.h"
#include "save.h"

static const char synopsis[] =
        "rootwarden catalog sign --key KEY [--output SIG] ARCHIVE\n"
        "       rootwarden catalog verify ARCHIVE --sig SIG (--key PUB | --pin SPKI)...\n"
        "                         [--accepted-version N --accepted-sha256 HEX] [--roots-dir DIR]\n"
        "       rootwarden catalog diff OLD NEW [--from YYYY-MM-DD] [--until YYYY-MM-DD]\n"
        "                         [-c | --config FILE]\n"
        "       (each also takes --json)\n"
        "\n"
        "The signed catalog channel. ARCHIVE is a POSIX ustar file of catalog.conf and the root\n"
        "PEM files it names (tar --format=ustar -cf catalog.tar catalog.conf *.pem); its\n"
        "signature is a detached text file (Ed25519, with the signer's public key).\n"
        "\n"
        "  sign     sign ARCHIVE with the Ed25519 private key KEY (PEM); writes SIG (default\n"
        "           ARCHIVE.sig) and prints the key's SPKI SHA-256, the pin hosts configure\n"
        "  verify   judge ARCHIVE as sync would: signature against the keys (--key: a PEM\n"
        "           public key file; --pin: an SPKI SHA-256), then the archive, then its\n"
        "           catalog_version (newer than the shipped catalog of --roots-dir and than\n"
        "           --accepted-version; the same version must have --accepted-sha256), then\n"
        "           every root against its pins; prints the verdict\n"
        "  diff     for each profile, the days between --from (default today) and --until\n"
        "           (default 10 years later) on which the bundle written from NEW differs\n"
        "           from the one written from OLD (directories holding catalog.conf), and\n"
        "           the step of NEW (or OLD) that makes it differ; with --config, the same\n"
        "           for each bundle of FILE (its profiles together, its exclusions)\n";

/* One table for the three verbs; each verb takes the rows its letter is in (verbs[]). */
enum { O_KEY, O_OUTPUT, O_SIG, O_PIN, O_AV, O_AS, O_ROOTS, O_FROM, O_UNTIL, O_CONFIG, O_JSON };
static const struct cliopt opts[] = {
        [O_KEY] = {"key", 0, "FILE",
                   "sign: the Ed25519 private key (PEM); verify: a trusted public key\n"
                   "(PEM; repeatable)",
                   1},
        [O_OUTPUT] = {"output", 'o', "SIG", "sign: where to write the signature", 0},
        [O_SIG] = {"sig", 0, "SIG", "verify: the detached signature", 0},
        [O_PIN] = {"pin", 0, "SPKI", "verify: a trusted key's SPKI SHA-256 (repeatable)", 1},
        [O_AV] = {"accepted-version", 0, "N", "verify: the catalog_version accepted last", 0},
        [O_AS] = {"accepted-sha256", 0, "HEX", "verify: the SHA-256 of the archive accepted last",
                  0},
        [O_ROOTS] = {"roots-dir", 0, "DIR", "verify: the shipped catalog to compare versions with",
                     0},
        [O_FROM] = {"from", 0, "YYYY-MM-DD", "diff: the first day compared (default today)", 0},
        [O_UNTIL] = {"until", 0, "YYYY-MM-DD", "diff: the last day compared (default +10 years)",
                     0},
        [O_CONFIG] = {"config", 'c', "FILE",
                      "diff: compare the bundles of this configuration instead of the profiles", 0},
        [O_JSON] = {"json", 0, NULL, "print one JSON report on standard output instead", 0},
        {NULL, 0, NULL, NULL, 0},
};
static const char *const verbs[] = {
        [O_KEY] = "sv",  [O_OUTPUT] = "s", [O_SIG] = "v",    [O_PIN] = "v",
        [O_AV] = "v",    [O_AS] = "v",     [O_ROOTS] = "v",  [O_FROM] = "d",
        [O_UNTIL] = "d", [O_CONFIG] = "d", [O_JSON] = "svd",
};

static const char footer[] =
        "Exit status: sign 0, or 1 (could not write) / 2 (usage) / 3 (bad key or input);\n"
        "verify 0 accepted or same, 3 refused (bad-signature, malformed, older, conflict,\n"
        "pin-failed), 1 local error; diff 0 no difference, 1 differences, 3 bad input.\n";

const struct cmd_help cmd_catalog_help = {synopsis, opts, footer, NULL};

/* The next option of verb v ('s', 'v', 'd'); CLIOPT_ERROR (printed) for another verb's. */
static int next_opt(struct cliopt_parser *p, char v, const char *verb)
{
	int c = cliopt_next(p);

	if (c >= 0 && strchr(verbs[c], v) == NULL) {
		cli_usage_error("catalog", 0, "%s: --%s is not an option of %s", verb, opts[c].name,
		                verb);
		return CLIOPT_ERROR;
	}
	return c;
}

static const char hint[] = "catalog";

/* A --json document: "catalog-sign", "catalog-verify", "catalog-diff". */
static json_t *doc_new(int json, const char *doc)
{
	return json ? jsonout_new(doc) : NULL;
}

/* Prints doc (if any) with status rc and error msg (NULL: none); returns rc. */
static int doc_finish(json_t *doc, int rc, const char *msg)
{
	if (doc == NULL)
		return rc;
	jsonout_set_exit(doc, rc, msg);
	if (jsonout_print(doc, stdout) < 0) {
		fprintf(stderr, "rootwarden: out of memory\n");
		return RW_EXIT_FAILURE;
	}
	return rc;
}

static int read_all(const char *path, size_t max, struct buf *b, struct rw_err *e)
{
	return file_read_all(path, max, b, e);
}

/* ---- sign ---- */

static int run_sign(int argc, char **argv)
{
	struct cliopt_parser p;
	const char *key = NULL, *output = NULL;
	char **ops;
	int n;
	struct buf arch, k;
	struct rw_err e = {{0}, 0};
	struct save_opts so;
	char spki[CERT_HEX_LEN + 1], *sig = NULL, *def = NULL;
	int c, rc = RW_EXIT_INPUT, json = 0;
	json_t *doc;

	cliopt_init(&p, "catalog", opts, argc, argv);
	while ((c = next_opt(&p, 's', "sign")) >= 0) {
		if (c == O_KEY)
			key = p.arg;
		else if (c == O_OUTPUT)
			output = p.arg;
		else if (c == O_JSON)
			json = 1;
	}
	if (c != CLIOPT_DONE)
		return RW_EXIT_USAGE;
	ops = cliopt_operands(&p, &n);
	if (key == NULL || n != 1)
		return cli_usage_error(hint, RW_EXIT_USAGE, "sign: give --key KEY and one ARCHIVE");
	doc = doc_new(json, "catalog-sign");
	json_object_set_new(doc, "archive", json_string(ops[0]));
	json_object_set_new(doc, "signature", json_null());
	json_object_set_new(doc, "signer_spki_sha256", json_null());
	buf_init(&arch, 0);
	buf_init(&k, 0);
	if (read_all(ops[0], CATALOG_ARCHIVE_MAX, &arch, &e) < 0 ||
	    read_all(key, 64 * 1024, &k, &e) < 0 ||
	    catalog_signature_make((const unsigned char *)arch.data, arch.len,
	                           (const unsigned char *)k.data, k.len, key, &sig, spki, &e) < 0) {
		rc = cli_fail(&e);
		goto out;
	}
	if (output == NULL && asprintf(&def, "%s.sig", ops[0]) < 0) {
		def = NULL;
		goto out;
	}
	save_opts_init(&so);
	if (save_bytes(output ? output : def, sig, strlen(sig), &so, &e) == SAVE_ERROR) {
		rc = cli_fail(&e);
		goto out;
	}
	if (doc) {
		json_object_set_new(doc, "signature", json_string(output ? output : def));
		json_object_set_new(doc, "signer_spki_sha256", json_string(spki));
	} else {
		printf("%s: signed by the key with SPKI SHA-256 %s\n", output ? output : def, spki);
	}
	rc = RW_EXIT_OK;
out:
	rc = doc_finish(doc, rc, rc == RW_EXIT_OK ? NULL : e.msg[0] ? e.msg : "out of memory");
	if (k.data)
		memset(k.data, 0, k.len); /* the private key leaves no copy behind */
	buf_free(&k);
	buf_free(&arch);
	free(sig);
	free(def);
	return rc;
}

/* ---- verify ---- */

static void print_verdict(const char *archive, const struct catalog_update_result *res)
{
	printf("%s: %s", archive, catalog_update_verdict_name(res->verdict));
	if (res->version)
		printf(", catalog_version %lld", res->version);
	if (res->catalog && res->catalog->date >= 0) {
		char d[11];

		date_format(res->catalog->date, d);
		printf(" of %s", d);
	}
	printf(", SHA-256 %s", res->sha256);
	if (res->signer_spki[0])
		printf(", signed by SPKI SHA-256 %s", res->signer_spki);
	printf("\n");
}

static int run_verify(int argc, char **argv)
{
	struct cliopt_parser p;
	char **ops;
	int n;
	const char *sigpath = NULL, *roots = NULL, *tmp = getenv("TMPDIR");
	struct strvec keys = {0}, key_files = {0};
	struct buf arch, sig, kb[16];
	size_t nkb = 0;
	struct catalog_accepted last = {0, ""};
	struct catalog_update_result res;
	struct catalog *shipped = NULL;
	struct rw_err e = {{0}, 0};
	char work[4096];
	int v;
	int c, rc = RW_EXIT_FAILURE, json = 0;
	json_t *doc = NULL;

	buf_init(&arch, 0);
	buf_init(&sig, 0);
	cliopt_init(&p, "catalog", opts, argc, argv);
	while ((c = next_opt(&p, 'v', "verify")) >= 0) {
		switch (c) {
		case O_SIG:
			sigpath = p.arg;
			break;
		case O_KEY: /* read after the options, so that --json can report a bad one */
			if (key_files.n == sizeof(kb) / sizeof(kb[0])) {
				rc = cli_usage_error(hint, RW_EXIT_USAGE, "verify: too many --key");
				goto out;
			}
			strvec_push(&key_files, p.arg);
			break;
		case O_JSON:
			json = 1;
			break;
		case O_PIN:
			strvec_push(&keys, p.arg);
			break;
		case O_AV:
			if (cli_opt_int(hint, RW_EXIT_USAGE, "--accepted-version", p.arg, 0,
			                2147483647L, &v) < 0) {
				rc = RW_EXIT_USAGE;
				goto out;
			}
			last.version = v;
			break;
		case O_AS:
			if (fingerprint_normalize(p.arg, last.sha256) < 0) {
				rc = cli_usage_error(hint, RW_EXIT_USAGE,
				                     "--accepted-sha256: not 64 hex digits");
				goto out;
			}
			break;
		case O_ROOTS:
			roots = p.arg;
			break;
		}
	}
	if (c != CLIOPT_DONE) {
		rc = RW_EXIT_USAGE;
		goto out;
	}
	ops = cliopt_operands(&p, &n);
	if (sigpath == NULL || keys.n + key_files.n == 0 || n != 1) {
		rc = cli_usage_error(hint, RW_EXIT_USAGE,
		                     "verify: give ARCHIVE, --sig SIG and --key or --pin");
		goto out;
	}
	doc = doc_new(json, "catalog-verify");
	json_object_set_new(doc, "archive", json_string(ops[0]));
	json_object_set_new(doc, "verdict", json_null());
	json_object_set_new(doc, "catalog_version", json_null());
	json_object_set_new(doc, "catalog_date", json_null());
	json_object_set_new(doc, "sha256", json_null());
	json_object_set_new(doc, "signer_spki_sha256", json_null());
	for (size_t i = 0; i < key_files.n; i++) {
		buf_init(&kb[nkb], 0);
		if (read_all(key_files.v[i], 64 * 1024, &kb[nkb], &e) < 0 ||
		    buf_puts(&kb[nkb], "") < 0) {
			nkb++;
			rc = cli_fail(&e);
			goto out;
		}
		strvec_push(&keys, kb[nkb++].data);
	}
	if (cli_load_catalog(roots, &shipped, &e) < 0 ||
	    read_all(ops[0], CATALOG_ARCHIVE_MAX + 1, &arch, &e) < 0 ||
	    read_all(sigpath, CATALOG_SIG_MAX, &sig, &e) < 0) {
		rc = cli_fail(&e);
		goto out;
	}
	snprintf(work, sizeof(work), "%s/rootwarden-verify.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(work) == NULL) {
		err_set(&e, RW_EXIT_FAILURE, "%s: cannot create a directory", work);
		rc = cli_fail(&e);
		goto out;
	}
	catalog_update_check((const unsigned char *)arch.data, arch.len,
	                     (const unsigned char *)sig.data, sig.len, keys.v, keys.n,
	                     shipped->version, &last, work, ops[0], &res, &e);
	if (doc) {
		json_object_set_new(doc, "verdict",
		                    json_string(catalog_update_verdict_name(res.verdict)));
		json_object_set_new(doc, "catalog_version",
		                    res.version ? json_integer(res.version) : json_null());
		json_object_set_new(doc, "catalog_date",
		                    jsonout_day(res.catalog ? res.catalog->date : -1));
		json_object_set_new(doc, "sha256", jsonout_str(res.sha256[0] ? res.sha256 : NULL));
		json_object_set_new(doc, "signer_spki_sha256",
		                    jsonout_str(res.signer_spki[0] ? res.signer_spki : NULL));
	} else {
		print_verdict(ops[0], &res);
	}
	if (res.verdict != CATALOG_UPDATE_ACCEPTED && res.verdict != CATALOG_UPDATE_SAME)
		fprintf(stderr, "rootwarden: %s\n", e.msg);
	rc = res.verdict == CATALOG_UPDATE_ACCEPTED || res.verdict == CATALOG_UPDATE_SAME
	             ? RW_EXIT_OK
	     : res.verdict == CATALOG_UPDATE_ERROR ? RW_EXIT_FAILURE
	                                           : RW_EXIT_INPUT;
	catalog_update_discard(res.dir);
	catalog_update_result_free(&res);
	rmdir(work);
out:
	if (doc)
		rc = doc_finish(doc, rc, rc == RW_EXIT_OK ? NULL : e.msg[0] ? e.msg : "failed");
	for (size_t i = 0; i < nkb; i++)
		buf_free(&kb[i]);
	buf_free(&arch);
	buf_free(&sig);
	strvec_free(&keys);
	strvec_free(&key_files);
	catalog_free(shipped);
	return rc;
}

/* ---- diff ---- */

/* What a diff compares: one profile (bundle == NULL; label is its id) or a configured bundle,
 * whose profiles are written together with its exclusions. Borrowed strings. */
struct diff_subject {
	const char *label;
	const char *bundle, *path;
	const char *const *profiles;
	size_t n_profiles;
	const char *const *excludes;
	size_t n_excludes;
};

/* The written set of subject s from cat on day as sorted SHA-256 pins (the profiles cat does not
 * know are left out; none known, or no timeline yet: an empty set). */
static int written(const struct catalog *cat, const struct diff_subject *s, int32_t day,
                   struct buf *pins, struct rw_err *e)
{
	const char **known = calloc(s->n_profiles + 1, sizeof(*known));
	struct rotation_target t = {s->label,      NULL, NULL, 0,   s->excludes,
	                            s->n_excludes, NULL, 0,    NULL};
	struct rotation_opts o;
	struct rotation_roots w;
	int rc = -1;

	buf_init(pins, 0);
	if (known == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	for (size_t i = 0; i < s->n_profiles; i++)
		if (catalog_profile(cat, s->profiles[i]))
			known[t.n_profiles++] = s->profiles[i];
	t.profiles = known;
	rotation_opts_init(&o);
	o.day = day;
	if (t.n_profiles > 0)
		rc = rotation_written(cat, &t, day, &o, &w, e);
	free(known);
	if (rc < 0) {
		/* no timeline yet on that day: an empty set, the same in both */
		e->msg[0] = '\0';
		buf_puts(pins, "");
		return 0;
	}
	for (size_t i = 0; i < w.n; i++)
		buf_printf(pins, "%s%s", i ? " " : "", cat->roots[w.v[i]].sha256);
	if (pins->data == NULL)
		buf_puts(pins, "");
	rotation_roots_free(&w);
	return 0;
}

static int has_pin(const char *set, const char *pin)
{
	return strstr(set, pin) != NULL;
}

/* Names of the roots in a (pins) but not in b, from catalog cat. */
static void only_in(const struct catalog *cat, const char *a, const char *b, struct buf *out)
{
	for (size_t ri = 0; ri < cat->n_roots; ri++)
		if (has_pin(a, cat->roots[ri].sha256) && !has_pin(b, cat->roots[ri].sha256))
			buf_printf(out, "%s%s", out->len ? ", " : "", cat->roots[ri].name);
}

/* Why cat's plan for s looks as it does on day: the causes of that day (of each profile), else
 * the steps in force. */
static void cause(const struct catalog *cat, const struct diff_subject *s, int32_t day,
                  struct buf *b)
{
	char d[11];

	for (size_t i = 0; i < s->n_profiles; i++) {
		const struct catalog_profile *p = catalog_profile(cat, s->profiles[i]);
		struct buf one;

		if (p == NULL)
			continue;
		buf_init(&one, 0);
		plan_day_causes(cat, p, day, PLAN_DEFAULT_GRACE_DAYS, 0, &one);
		if (one.len)
			buf_printf(b, "%s%s", b->len ? "; " : "", one.data);
		buf_free(&one);
	}
	if (b->len)
		return;
	for (size_t i = 0; i < s->n_profiles; i++) {
		const struct catalog_profile *p = catalog_profile(cat, s->profiles[i]);
		long k = p ? plan_step_at(p, day) : -1;

		if (k >= 0) {
			date_format(p->steps[k].from, d);
			buf_printf(b, "%s%s step %s in force", b->len ? "; " : "", p->id, d);
		}
	}
}

/* The roots of cat whose pins are in a but not in b, as root objects. */
static json_t *only_in_json(const struct catalog *cat, const char *a, const char *b)
{
	json_t *arr = json_array();

	for (size_t ri = 0; arr && ri < cat->n_roots; ri++)
		if (has_pin(a, cat->roots[ri].sha256) && !has_pin(b, cat->roots[ri].sha256))
			json_array_append_new(arr, jsonout_catalog_root(cat, ri));
	return arr;
}

/* One difference of the --json report: {profile, from, change, added, removed, cause}, and for a
 * configured bundle "bundle": {name, path} ("profile" then lists its profiles, ", "-joined). */
static json_t *change_json(const struct diff_subject *s, int32_t day, const char *change,
                           json_t *added, json_t *removed, const char *why)
{
	json_t *j;
	struct buf ps;

	buf_init(&ps, 0);
	for (size_t i = 0; i < s->n_profiles; i++)
		buf_printf(&ps, "%s%s", i ? ", " : "", s->profiles[i]);
	j = json_pack("{s:s, s:o, s:s, s:o, s:o, s:o}", "profile", ps.data ? ps.data : "", "from",
	              jsonout_day(day), "change", change, "added", added ? added : json_array(),
	              "removed", removed ? removed : json_array(), "cause", jsonout_str(why));
	if (j && s->bundle)
		json_object_set_new(j, "bundle",
		                    json_pack("{s:s, s:s}", "name", s->bundle, "path", s->path));
	buf_free(&ps);
	return j;
}

/* Prints (text) or appends to changes (JSON) each day the two written sets part or meet. */
static int diff_subject(const struct catalog *old, const struct catalog *new,
                        const struct diff_subject *s, int32_t from, int32_t until, json_t *changes,
                        struct rw_err *e)
{
	const struct catalog *both[2] = {old, new};
	const char *id = s->label;
	size_t cap = 1 + old->n_roots + new->n_roots, k = 0, found = 0;
	int32_t *days;
	int was_diff = 0;
	char *prev = NULL;

	if (s->bundle == NULL) {
		const struct catalog_profile *po = catalog_profile(old, id);

		if (po == NULL || catalog_profile(new, id) == NULL) {
			if (changes)
				json_array_append_new(
				        changes,
				        change_json(s, -1, po ? "only-in-old" : "only-in-new", NULL,
				                    NULL, NULL));
			else
				printf("%s: only in %s\n", id, po ? "OLD" : "NEW");
			return 1;
		}
	}
	for (size_t c = 0; c < 2; c++)
		for (size_t i = 0; i < s->n_profiles; i++) {
			const struct catalog_profile *p = catalog_profile(both[c], s->profiles[i]);

			if (p)
				cap += plan_profile_days(both[c], p, PLAN_DEFAULT_GRACE_DAYS, 0,
				                         NULL, 0);
		}
	days = calloc(cap, sizeof(*days));
	if (days == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	days[k++] = from;
	for (size_t c = 0; c < 2; c++)
		for (size_t i = 0; i < s->n_profiles; i++) {
			const struct catalog_profile *p = catalog_profile(both[c], s->profiles[i]);

			if (p)
				k += plan_profile_days(both[c], p, PLAN_DEFAULT_GRACE_DAYS, 0,
				                       days + k, cap - k);
		}
	for (size_t i = 0; i < old->n_roots; i++)
		if (old->roots[i].cert)
			days[k++] = date_of_time(old->roots[i].cert->not_after) + 1;
	for (size_t i = 0; i < new->n_roots; i++)
		if (new->roots[i].cert)
			days[k++] = date_of_time(new->roots[i].cert->not_after) + 1;
	for (size_t i = 0; i < k; i++) /* sort: few days, insertion sort */
		for (size_t j = i; j > 0 && days[j] < days[j - 1]; j--) {
			int32_t x = days[j];

			days[j] = days[j - 1];
			days[j - 1] = x;
		}
	for (size_t i = 0; i < k; i++) {
		struct buf wo, wn, key, add, drop, why;
		char d[11];

		if (days[i] < from || days[i] > until || (i > 0 && days[i] == days[i - 1]))
			continue;
		if (written(old, s, days[i], &wo, e) < 0 || written(new, s, days[i], &wn, e) < 0) {
			buf_free(&wo);
			free(prev);
			free(days);
			return -1;
		}
		buf_init(&key, 0);
		buf_printf(&key, "%s|%s", wo.data, wn.data);
		if (prev == NULL || strcmp(prev, key.data) != 0) {
			if (strcmp(wo.data, wn.data) != 0) {
				buf_init(&add, 0);
				buf_init(&drop, 0);
				buf_init(&why, 0);
				only_in(new, wn.data, wo.data, &add);
				only_in(old, wo.data, wn.data, &drop);
				cause(new, s, days[i], &why);
				date_format(days[i], d);
				if (changes)
					json_array_append_new(
					        changes,
					        change_json(s, days[i], "differs",
					                    only_in_json(new, wn.data, wo.data),
					                    only_in_json(old, wo.data, wn.data),
					                    why.len ? why.data : NULL));
				else
					printf("%s from %s: NEW writes%s%s%s%s than OLD [NEW: "
					       "%s]\n",
					       id, d, add.len ? " also " : "",
					       add.len ? add.data : "",
					       drop.len ? (add.len ? ", and not " : " not ") : "",
					       drop.len ? drop.data : "", why.len ? why.data : "-");
				buf_free(&add);
				buf_free(&drop);
				buf_free(&why);
				found = 1;
			} else if (was_diff) {
				date_format(days[i], d);
				if (changes)
					json_array_append_new(changes,
					                      change_json(s, days[i], "same-again",
					                                  NULL, NULL, NULL));
				else
					printf("%s from %s: the same again\n", id, d);
			}
			was_diff = strcmp(wo.data, wn.data) != 0;
			free(prev);
			prev = buf_steal(&key, NULL);
		}
		buf_free(&key);
		buf_free(&wo);
		buf_free(&wn);
	}
	free(prev);
	free(days);
	return (int)found;
}

static int run_diff(int argc, char **argv)
{
	struct cliopt_parser p;
	char **ops;
	int n;
	struct catalog *old = NULL, *new = NULL;
	struct rw_err e = {{0}, 0};
	int32_t from = date_today(), until = -1;
	int c, rc = RW_EXIT_INPUT, any = 0, json = 0;
	json_t *doc = NULL, *changes = NULL;
	const char *config = NULL;
	struct config *cfg = NULL;

	cliopt_init(&p, "catalog", opts, argc, argv);
	while ((c = next_opt(&p, 'd', "diff")) >= 0) {
		if (c == O_JSON) {
			json = 1;
		} else if (c == O_CONFIG) {
			config = p.arg;
		} else if (c == O_FROM) {
			if (cli_opt_date(hint, RW_EXIT_USAGE, "--from", p.arg, &from) < 0)
				return RW_EXIT_USAGE;
		} else if (c == O_UNTIL) {
			if (cli_opt_date(hint, RW_EXIT_USAGE, "--until", p.arg, &until) < 0)
				return RW_EXIT_USAGE;
		}
	}
	if (c != CLIOPT_DONE)
		return RW_EXIT_USAGE;
	ops = cliopt_operands(&p, &n);
	if (n != 2)
		return cli_usage_error(hint, RW_EXIT_USAGE, "diff: give OLD and NEW");
	if (until < 0)
		until = from + 3652;
	if (json) {
		doc = jsonout_new("catalog-diff");
		json_object_set_new(doc, "from", jsonout_day(from));
		json_object_set_new(doc, "until", jsonout_day(until));
		json_object_set_new(doc, "old", json_null());
		json_object_set_new(doc, "new", json_null());
		json_object_set_new(doc, "differ", json_null());
		changes = json_array();
	}
	if (catalog_load(ops[0], &old, &e) < 0 || catalog_load(ops[1], &new, &e) < 0 ||
	    (config && config_load(config, &cfg, &e) < 0)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (doc) {
		json_object_set_new(doc, "old",
		                    json_pack("{s:s, s:I}", "path", ops[0], "version",
		                              (json_int_t)old->version));
		json_object_set_new(doc, "new",
		                    json_pack("{s:s, s:I}", "path", ops[1], "version",
		                              (json_int_t) new->version));
	} else {
		printf("OLD %s: catalog_version %lld; NEW %s: catalog_version %lld\n", ops[0],
		       old->version, ops[1], new->version);
	}
	/* A profile neither catalog knows is a typo, not "no difference" (config check refuses it
	 * too); one only OLD or only NEW knows is the change being looked at. */
	for (size_t i = 0; cfg && i < cfg->n_bundles; i++)
		for (size_t k = 0; k < cfg->bundles[i].n_profiles; k++) {
			const char *id = cfg->bundles[i].profiles[k];

			if (catalog_profile(old, id) == NULL && catalog_profile(new, id) == NULL) {
				err_set(&e, RW_EXIT_INPUT,
				        "%s:%d: bundle '%s': profile '%s' is in neither catalog",
				        config, cfg->bundles[i].line, cfg->bundles[i].name, id);
				rc = cli_fail(&e);
				goto out;
			}
		}
	for (size_t i = 0; cfg && i < cfg->n_bundles; i++) {
		const struct config_bundle *cb = &cfg->bundles[i];
		char label[256];
		struct diff_subject sub = {label,          cb->name,
		                           cb->path,       (const char *const *)cb->profiles,
		                           cb->n_profiles, (const char *const *)cb->exclude,
		                           cb->n_exclude};
		int r;

		snprintf(label, sizeof(label), "bundle %s", cb->name);
		r = diff_subject(old, new, &sub, from, until, changes, &e);
		if (r < 0) {
			rc = cli_fail(&e);
			goto out;
		}
		any |= r;
	}
	for (size_t i = 0; !cfg && i < new->n_profiles; i++) {
		const char *id = new->profiles[i].id;
		struct diff_subject sub = {id, NULL, NULL, &id, 1, NULL, 0};
		int r = diff_subject(old, new, &sub, from, until, changes, &e);

		if (r < 0) {
			rc = cli_fail(&e);
			goto out;
		}
		any |= r;
	}
	for (size_t i = 0; !cfg && i < old->n_profiles; i++)
		if (catalog_profile(new, old->profiles[i].id) == NULL) {
			const char *id = old->profiles[i].id;
			struct diff_subject sub = {id, NULL, NULL, &id, 1, NULL, 0};

			if (changes)
				json_array_append_new(changes, change_json(&sub, -1, "only-in-old",
				                                           NULL, NULL, NULL));
			else
				printf("%s: only in OLD\n", id);
			any = 1;
		}
	if (!any && !doc)
		printf("no bundle differs between the two catalogs in that time\n");
	rc = any ? 1 : RW_EXIT_OK;
out:
	if (doc) {
		/* exit 1 here is "the catalogs differ", not a failure: the one status name that is
		 * not the agent table's (docs/json.md) */
		json_object_set_new(doc, "differ",
		                    rc == 1 || rc == RW_EXIT_OK ? json_boolean(any) : json_null());
		json_object_set_new(doc, "changes", changes);
		if (rc == 1)
			jsonout_set_status(doc, rc, "differ", NULL);
		else
			jsonout_set_exit(doc, rc, rc == RW_EXIT_OK ? NULL : e.msg);
		if (jsonout_print(doc, stdout) < 0)
			rc = RW_EXIT_FAILURE;
	}
	catalog_free(old);
	catalog_free(new);
	config_free(cfg);
	return rc;
}

/* ---- the subcommands ---- */

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} subcommands[] = {
        {"sign", run_sign},
        {"verify", run_verify},
        {"diff", run_diff},
};

int cmd_catalog(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(hint, RW_EXIT_USAGE, "give sign, verify or diff");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_print_help(&cmd_catalog_help, stdout);
		return RW_EXIT_OK;
	}
	return cli_usage_error(hint, RW_EXIT_USAGE, "unknown subcommand '%s'", argv[1]);
}

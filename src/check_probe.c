/* check_probe.c - the probe check kind as sync runs it: a live server probed on every run
 * (engine probe.h, judgement probe_assess.h; the command-line front end is 'rootwarden probe',
 * cmd_probe.c). */
#include <stdlib.h>

#include "catalog.h"
#include "check.h"
#include "config.h"
#include "probe.h"
#include "cli.h"
#include "probe_assess.h"

struct probe_spec {
	const char *url, *profile, *bundle, *password_file; /* borrowed from config */
	const struct catalog *cat; /* the targets' (borrowed): the profile's timeline */
};

int check_probe_from_config(const struct config *cfg, const struct catalog *cat,
                            const struct config_check *cc, void **spec, struct rw_err *e)
{
	struct probe_spec *s = calloc(1, sizeof(*s));
	struct probe_url u;
	struct rw_err ue = {{0}, 0};

	if (s == NULL)
		return err_set(e, RW_EXIT_FAILURE, "check '%s': out of memory", cc->name);
	s->url = config_check_str(cc, "url");
	s->profile = config_check_str(cc, "profile");
	s->bundle = config_check_str(cc, "bundle");
	s->password_file = config_check_str(cc, "password_file");
	s->cat = cat;
	if (probe_url_parse(s->url, &u, &ue) < 0) {
		free(s);
		return err_set(e, RW_EXIT_INPUT, "%s:%d: check '%s': %s", cfg->path,
		               config_check_line(cc, "url"), cc->name, ue.msg);
	}
	/* refused at load, as sync refuses a bundle's unknown profile, not UNKNOWN on every run */
	if (s->profile && cat && catalog_profile(cat, s->profile) == NULL) {
		free(s);
		return err_set(e, RW_EXIT_INPUT, "%s:%d: check '%s': unknown profile '%s'",
		               cfg->path, config_check_line(cc, "profile"), cc->name,
		               config_check_str(cc, "profile"));
	}
	if (s->password_file && s->bundle == NULL) {
		free(s);
		return err_set(e, RW_EXIT_INPUT,
		               "%s:%d: check '%s': password_file is for a bundle's store: give "
		               "bundle too",
		               cfg->path, config_check_line(cc, "password_file"), cc->name);
	}
	*spec = s;
	return 0;
}

int check_probe_run(const void *spec, struct findings *f, struct rw_err *e)
{
	const struct probe_spec *s = spec;

	return probe_check_configured(s->url, s->profile, s->bundle, s->password_file, s->cat, f,
	                              e);
}

void check_probe_free(void *spec)
{
	free(spec);
}

/* The row's front end: 'rootwarden check probe URL...' is 'rootwarden probe URL...'. */
int check_probe_main(int argc, char **argv)
{
	return cmd_probe(argc, argv);
}

/* check_token.c - the token check kind as sync runs it: a token a service keeps on disk, checked
 * with the key set sync keeps in the state directory (rules in token_check.h; the front end is
 * cmd_check_token.c). */
#include <stdlib.h>

#include "check.h"
#include "config.h"
#include "token_check.h"

struct token_spec {
	const char *token_file, *tenant, *cloud, *jwks, *state_dir; /* borrowed from config */
	const char *ca_file; /* the configuration's fetch.ca_file, for a key set URL or a refetch */
};

int check_token_from_config(const struct config *cfg, const struct config_check *cc, void **spec,
                            struct rw_err *e)
{
	struct token_spec *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return err_set(e, RW_EXIT_FAILURE, "check '%s': out of memory", cc->name);
	s->token_file = config_check_str(cc, "token_file");
	s->tenant = config_check_str(cc, "tenant");
	s->cloud = config_check_str(cc, "cloud");
	s->jwks = config_check_str(cc, "jwks");
	s->state_dir = cfg->state_dir;
	s->ca_file = cfg->fetch.ca_file;
	if (!token_tenant_ok(s->tenant)) {
		free(s);
		return err_set(e, RW_EXIT_INPUT,
		               "%s:%d: check '%s': tenant '%s' is not a tenant id (GUID)",
		               cfg->path, config_check_line(cc, "tenant"), cc->name,
		               config_check_str(cc, "tenant"));
	}
	if (s->cloud && token_cloud_find(s->cloud) == NULL) {
		free(s);
		return err_set(e, RW_EXIT_INPUT,
		               "%s:%d: check '%s': cloud '%s' is not public, government or china",
		               cfg->path, config_check_line(cc, "cloud"), cc->name,
		               config_check_str(cc, "cloud"));
	}
	*spec = s;
	return 0;
}

int check_token_run(const void *spec, struct findings *f, struct rw_err *e)
{
	const struct token_spec *s = spec;

	return token_check_configured(s->token_file, s->tenant, s->cloud, s->jwks, s->state_dir,
	                              s->ca_file, f, e);
}

void check_token_free(void *spec)
{
	free(spec);
}

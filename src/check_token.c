/* check_token.c - the token check kind: from the configuration, a token a service keeps on disk
 * checked with the key set sync keeps in the state directory; from the command line (spec made
 * in cmd_check_token.c), a token already read. Rules in token_check.h. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_spec.h"
#include "config.h"
#include "token_check.h"

int check_token_from_config(const struct config *cfg, const struct catalog *cat,
                            const struct config_check *cc, void **spec, struct rw_err *e)
{
	(void)cat;
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

	if (!s->cli)
		return token_check_configured(s->token_file, s->tenant, s->cloud, s->jwks,
		                              s->state_dir, s->ca_file, f, e);
	/* a key set URL, or sync's copy that may be refetched from where it came from */
	if ((s->jwks == NULL || strstr(s->jwks, "://")) && fetch_global_init(e) < 0)
		return -1;
	return token_check_source(s->tok.data ? s->tok.data : "", s->tok.len, s->token_file,
	                          &s->opts, s->jwks, s->state_dir, &s->fo, f, e);
}

void check_token_free(void *spec)
{
	struct token_spec *s = spec;

	if (s)
		token_buf_free(&s->tok); /* zeroed */
	free(s);
}

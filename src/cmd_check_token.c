/* cmd_check_token.c - "rootwarden check token": will MySQL Flexible Server accept this Entra ID
 * access token (rules in token_check.h). Prints; never prints the token. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "cli.h"
#include "check_spec.h"
#include "token_check.h"

#define DEFAULT_STATE_DIR "/var/lib/rootwarden" /* as config.c's state_dir */

static const char synopsis[] =
        "rootwarden check token --tenant TID [--token-file F | --token-env VAR] [options]\n"
        "\n"
        "Checks an Entra ID (Azure AD) access token the way Azure Database for MySQL Flexible\n"
        "Server will: a well-formed JWS, alg RS256 (none and HMAC refused), a signing key of the\n"
        "key set, the RSA-SHA256 signature, the tenant's v1 or v2 issuer and tid, the database\n"
        "audience, exp / nbf / iat (clock skew 300 s), and shows the identity it carries.\n"
        "The token is read from --token-file, --token-env or standard input and is never\n"
        "printed: only its fingerprint (the first 12 hex digits of its SHA-256).\n";

enum {
	O_FILE,
	O_ENV,
	O_TENANT,
	O_CLOUD,
	O_AUD,
	O_AT,
	O_MIN,
	O_JWKS,
	O_STATE,
	O_CA,
	O_JSON,
	O_METRICS
};
static const struct cliopt opts[] = {
        [O_FILE] = {"token-file", 0, "F", "read the token from F", 0},
        [O_ENV] = {"token-env", 0, "VAR", "read the token from the environment variable VAR", 0},
        [O_TENANT] = {"tenant", 0, "TID", "the server's tenant id (a GUID; required)", 0},
        [O_CLOUD] = {"cloud", 0, "C",
                     "public (default), government or china: the audience, the\n"
                     "issuer hosts and the key set URL",
                     0},
        [O_AUD] = {"audience", 0, "AUD",
                   "the audience to require instead of the cloud's\n"
                   "(public: https://ossrdbms-aad.database.windows.net)",
                   0},
        [O_AT] = {"at", 0, "TIME",
                  "check at YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @SECONDS (UTC;\n"
                  "default: now)",
                  0},
        [O_MIN] = {"min-remaining", 0, "MIN",
                   "WARN when the token expires within MIN minutes (default 5)", 0},
        [O_JWKS] = {"jwks", 0, "FILE|URL",
                    "the signing key set: a file, or an https:// URL fetched now\n"
                    "(and once more for an unknown kid); default: the copy sync\n"
                    "keeps, STATE/jwks/CLOUD.json",
                    0},
        [O_STATE] = {"state-dir", 0, "DIR",
                     "the state directory for the default key set\n"
                     "(default " DEFAULT_STATE_DIR ")",
                     0},
        [O_CA] = {"ca-file", 0, "FILE",
                  "trust anchors for fetching --jwks URL (default: the system store)", 0},
        [O_JSON] = {"json", 0, NULL, "JSON output", 0},
        [O_METRICS] = {"metrics-file", 0, "PATH",
                       "also write rootwarden_check_status to a Prometheus text file\n"
                       "(atomically; labels check=\"token\" and target=the token file,\n"
                       "env:VAR or stdin)",
                       0},
        {NULL, 0, NULL, NULL, 0},
};

static const char footer[] =
        "Exit status: 0 all pass, 1 a WARN (e.g. expires within --min-remaining), 2 a FAIL\n"
        "(expired, bad signature, wrong tenant or audience, malformed), 3 could not check (no\n"
        "token, key set unreadable, usage error, the metrics file cannot be written).\n";

const struct cmd_help check_token_help = {synopsis, opts, footer, NULL};

/* The token from stdin, at most TOKEN_MAX_INPUT bytes. */
static int read_stdin(struct buf *b, struct rw_err *e)
{
	char chunk[4096];
	size_t n;

	buf_init(b, TOKEN_MAX_INPUT);
	if (isatty(STDIN_FILENO))
		return err_set(
		        e, RW_EXIT_INPUT,
		        "standard input is a terminal: give --token-file, --token-env or pipe "
		        "the token in");
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (buf_append(b, chunk, n) < 0) {
			memset(chunk, 0, sizeof(chunk));
			return err_set(e, RW_EXIT_INPUT, "standard input: more than %zu bytes",
			               TOKEN_MAX_INPUT);
		}
	memset(chunk, 0, sizeof(chunk));
	if (ferror(stdin))
		return err_set(e, RW_EXIT_INPUT, "standard input: read error");
	return 0;
}

int check_token_from_argv(int argc, char **argv, void **spec, struct check_cli *cli,
                          struct rw_err *e)
{
	struct token_spec *s = calloc(1, sizeof(*s));
	const char *token_env = NULL;
	int c, n, min;
	struct cliopt_parser p;

	if ((*spec = s) == NULL)
		return err_set(e, RW_EXIT_FAILURE, "check token: out of memory");
	s->cli = 1;
	s->state_dir = DEFAULT_STATE_DIR;
	s->opts = (struct token_opts){.cloud = token_cloud_find("public"),
	                              .min_remaining_s = TOKEN_MIN_REMAINING_DEFAULT_MIN * 60,
	                              .skew_s = -1};
	s->fo = (struct fetch_opts){10, 30, JWKS_MAX_BYTES, 1, 500, NULL, NULL, NULL};
	cliopt_init(&p, "check token", opts, argc, argv);
	while ((c = cliopt_next(&p)) >= 0) {
		switch (c) {
		case O_FILE:
			s->token_file = p.arg;
			break;
		case O_ENV:
			token_env = p.arg;
			break;
		case O_TENANT:
			if (!token_tenant_ok(p.arg))
				return cli_usage_error(
				        "check", CHECK_ARGV_USAGE,
				        "token: --tenant: '%s' is not a tenant id (GUID)", p.arg);
			s->opts.tenant = p.arg;
			break;
		case O_CLOUD:
			if ((s->opts.cloud = token_cloud_find(p.arg)) == NULL)
				return cli_usage_error(
				        "check", CHECK_ARGV_USAGE,
				        "token: --cloud: '%s' is not public, government or china",
				        p.arg);
			break;
		case O_AUD:
			s->opts.audience = p.arg;
			break;
		case O_AT:
			if (token_parse_time(p.arg, &s->opts.at) < 0)
				return cli_usage_error("check", CHECK_ARGV_USAGE,
				                       "token: --at: '%s' is not YYYY-MM-DD, "
				                       "YYYY-MM-DDTHH:MM:SSZ or @SECONDS",
				                       p.arg);
			break;
		case O_MIN:
			if (cli_opt_int("check", CHECK_ARGV_USAGE, "token: --min-remaining", p.arg,
			                0, 1440, &min) < 0)
				return CHECK_ARGV_USAGE;
			s->opts.min_remaining_s = min * 60L;
			break;
		case O_JWKS:
			s->jwks = p.arg;
			break;
		case O_STATE:
			s->state_dir = p.arg;
			break;
		case O_CA:
			s->fo.ca_file = p.arg;
			break;
		case O_JSON:
			cli->json = 1;
			break;
		case O_METRICS:
			cli->metrics = p.arg;
			break;
		}
	}
	if (c != CLIOPT_DONE)
		return CHECK_ARGV_USAGE;
	(void)cliopt_operands(&p, &n);
	/* not echoed: it may be the token itself */
	if (n > 0)
		return cli_usage_error(
		        "check", CHECK_ARGV_USAGE,
		        "token: unexpected argument (the token is read from "
		        "--token-file, --token-env or standard input, never from the "
		        "command line, where other users can see it)");
	if (s->opts.tenant == NULL)
		return cli_usage_error("check", CHECK_ARGV_USAGE, "token: give --tenant TID");
	if (s->token_file && token_env)
		return cli_usage_error("check", CHECK_ARGV_USAGE,
		                       "token: give one of --token-file and --token-env");
	/* The series' target names the token's source (never the token), set before the token is
	 * read so that a token that cannot be read is exported as UNKNOWN too. */
	if (s->token_file)
		cli->target = strdup(s->token_file);
	else if (token_env && asprintf(&cli->target, "env:%s", token_env) < 0)
		cli->target = NULL;
	else if (token_env == NULL)
		cli->target = strdup("stdin");
	if (cli->target == NULL)
		return err_set(e, RW_EXIT_FAILURE, "check token: out of memory");
	if (s->token_file)
		return token_read_file(s->token_file, &s->tok, e);
	if (token_env) {
		const char *v = getenv(token_env);

		buf_init(&s->tok, TOKEN_MAX_INPUT);
		if (v == NULL)
			return err_set(e, RW_EXIT_INPUT, "environment variable %s is not set",
			               token_env);
		if (buf_append(&s->tok, v, strlen(v)) < 0)
			return err_set(e, RW_EXIT_INPUT,
			               "environment variable %s: more than %zu bytes", token_env,
			               TOKEN_MAX_INPUT);
		return 0;
	}
	return read_stdin(&s->tok, e);
}

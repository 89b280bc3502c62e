/* cliopt.c - options from one table per command (cliopt.h). */
#include "cliopt.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

void cliopt_init(struct cliopt_parser *p, const char *cmd, const struct cliopt *opts, int argc,
                 char **argv)
{
	memset(p, 0, sizeof(*p));
	p->cmd = cmd;
	p->opts = opts;
	p->argc = argc;
	p->argv = argv;
	p->optind = 1;
}

/* shown: the option's own name ("--name", "-x"), never a value: a value may be a secret. */
static int take_value(struct cliopt_parser *p, int i, const char *inline_value, const char *shown)
{
	if (p->opts[i].metavar == NULL) {
		if (inline_value)
			return cli_usage_error(p->cmd, CLIOPT_ERROR, "%s takes no value", shown);
		p->arg = NULL;
		return i;
	}
	if (!p->opts[i].repeatable && i < 64) {
		if (p->seen & (1ull << i))
			return cli_usage_error(p->cmd, CLIOPT_ERROR, "--%s given twice",
			                       p->opts[i].name);
		p->seen |= 1ull << i;
	}
	if (inline_value) {
		p->arg = inline_value;
		return i;
	}
	if (p->optind >= p->argc)
		return cli_usage_error(p->cmd, CLIOPT_ERROR, "%s needs a value", shown);
	p->arg = p->argv[p->optind++];
	return i;
}

int cliopt_next(struct cliopt_parser *p)
{
	while (p->optind < p->argc) {
		char *a = p->argv[p->optind];

		if (strcmp(a, "--") == 0) {
			p->optind++;
			while (p->optind < p->argc) {
				if (p->n_operands >=
				    (int)(sizeof(p->operands) / sizeof(p->operands[0])))
					return cli_usage_error(p->cmd, CLIOPT_ERROR,
					                       "too many arguments");
				p->operands[p->n_operands++] = p->argv[p->optind++];
			}
			break;
		}
		if (a[0] != '-' || a[1] == '\0') { /* an operand ("-" is one: standard input) */
			if (p->n_operands >= (int)(sizeof(p->operands) / sizeof(p->operands[0])))
				return cli_usage_error(p->cmd, CLIOPT_ERROR, "too many arguments");
			p->operands[p->n_operands++] = a;
			p->optind++;
			continue;
		}
		p->optind++;
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			if (len == 4 && strncmp(name, "help", 4) == 0 && eq == NULL)
				return CLIOPT_HELP;
			for (int i = 0; p->opts[i].name; i++)
				if (strlen(p->opts[i].name) == len &&
				    strncmp(p->opts[i].name, name, len) == 0) {
					char shown[80];

					snprintf(shown, sizeof(shown), "--%s", p->opts[i].name);
					return take_value(p, i, eq ? eq + 1 : NULL, shown);
				}
			/* never what follows '=': it may be a secret given by mistake */
			return cli_usage_error(p->cmd, CLIOPT_ERROR, "unknown option '--%.*s'",
			                       (int)len, name);
		}
		if (a[2] != '\0') /* no bundling: "-pX" is not "-p X" (and X is never shown) */
			return cli_usage_error(p->cmd, CLIOPT_ERROR,
			                       "unknown option '-%c...' (give short options one at "
			                       "a time, apart from "
			                       "their values)",
			                       a[1]);
		if (a[1] == 'h')
			return CLIOPT_HELP;
		for (int i = 0; p->opts[i].name; i++)
			if (p->opts[i].short_name == a[1])
				return take_value(p, i, NULL, a);
		return cli_usage_error(p->cmd, CLIOPT_ERROR, "unknown option '-%c'", a[1]);
	}
	return CLIOPT_DONE;
}

char **cliopt_operands(struct cliopt_parser *p, int *n)
{
	*n = p->n_operands;
	return p->operands;
}

int cliopt_help(struct buf *out, const struct cliopt *opts)
{
	for (const struct cliopt *o = opts; o->name; o++) {
		char head[128];
		const char *h = o->help;
		int w;

		w = snprintf(head, sizeof(head), "  %s%c%s--%s%s%s", o->short_name ? "-" : "",
		             o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ",
		             o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
		if (!o->short_name) /* "      --name" aligned with "  -x, --name" */
			w = snprintf(head, sizeof(head), "      --%s%s%s", o->name,
			             o->metavar ? " " : "", o->metavar ? o->metavar : "");
		if (buf_puts(out, head) < 0)
			return -1;
		if (w >= 28) {
			buf_puts(out, "\n");
			w = 0;
		}
		buf_printf(out, "%*s", 30 - w, "");
		for (; *h; h++) {
			buf_printf(out, "%c", *h);
			if (*h == '\n' && h[1])
				buf_printf(out, "%30s", "");
		}
		if (buf_puts(out, "\n") < 0)
			return -1;
	}
	return 0;
}

/*
 * cmd_help_completion.c - "rootwarden help --completion bash|zsh|words": shell completion made
 * from the program's own tables, so that it cannot drift from them: the commands
 * (cli_commands()), each command's and each check kind's options (their cliopt tables), the
 * verbs of roots/catalog/config (the first word after the command in each synopsis line), the
 * check kinds (check_kinds()), the output formats (emit_formats()) and the catalog's profile ids
 * (the catalog the program would read, cli_roots_dir()).
 *
 * "words" prints the same facts one per line ("command sync", "option sync --config PATH",
 * "verb roots list", "kind key", "format pem", "profile ID", "checkkey KIND KEY TYPE REQUIRED")
 * for tests and other generators. The build runs "bash" and "zsh" to make the installed
 * completion files.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "check.h"
#include "cli.h"
#include "cliopt.h"
#include "emit.h"

/* What a value of an option is completed with. */
enum value_kind { V_NONE, V_FILE, V_DIR, V_PROFILE, V_FORMAT, V_KIND };

static enum value_kind value_kind(const struct cliopt *o)
{
	const char *m = o->metavar;

	if (m == NULL)
		return V_NONE;
	if (strcmp(o->name, "profile") == 0)
		return V_PROFILE;
	if (strcmp(o->name, "format") == 0)
		return V_FORMAT;
	if (strcmp(m, "DIR") == 0)
		return V_DIR;
	if (strcmp(m, "PATH") == 0 || strcmp(m, "FILE") == 0 || strcmp(m, "F") == 0 ||
	    strcmp(m, "SIG") == 0 || strncmp(m, "FILE|", 5) == 0)
		return V_FILE;
	return V_NONE;
}

/* Calls fn for each verb of a command: the word after "rootwarden CMD " on each synopsis line
 * when it is a lower-case word (not an option, operand or bracket). */
static void each_verb(const struct command *c, void (*fn)(const char *cmd, const char *verb))
{
	const char *s = c->help && c->help->synopsis ? c->help->synopsis : "";
	char seen[512] = "";
	size_t nlen = strlen(c->name);

	for (const char *line = s; *line;) {
		const char *end = strchr(line, '\n');
		const char *p = strstr(line, "rootwarden ");
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (p != NULL && p < line + len && strncmp(p + 11, c->name, nlen) == 0 &&
		    p[11 + nlen] == ' ') {
			const char *w = p + 12 + nlen;
			size_t n = 0;
			char verb[64], key[66];

			while (w + n < line + len && islower((unsigned char)w[n]) && n < 63)
				n++;
			if (n > 0 && (w[n] == ' ' || w[n] == '\n' || w[n] == '\0')) {
				memcpy(verb, w, n);
				verb[n] = '\0';
				snprintf(key, sizeof(key), " %s ", verb);
				if (strstr(seen, key) == NULL &&
				    strlen(seen) + strlen(key) < sizeof(seen)) {
					strcat(seen, key);
					fn(c->name, verb);
				}
			}
		}
		line += len + (end != NULL);
	}
}

static const char *key_type(enum check_key_type t)
{
	switch (t) {
	case CHECK_KEY_PATH:
		return "path";
	case CHECK_KEY_PATHS:
		return "paths";
	case CHECK_KEY_STRING:
		return "string";
	case CHECK_KEY_STRINGS:
		return "strings";
	}
	return "?";
}

static void print_verb_word(const char *cmd, const char *verb)
{
	printf("verb %s %s\n", cmd, verb);
}

static void print_opts_words(const char *where, const struct cliopt *o)
{
	for (; o && o->name; o++) {
		printf("option %s --%s%s%s\n", where, o->name, o->metavar ? " " : "",
		       o->metavar ? o->metavar : "");
		if (o->short_name)
			printf("option %s -%c%s%s\n", where, o->short_name, o->metavar ? " " : "",
			       o->metavar ? o->metavar : "");
	}
}

static int print_words(const struct catalog *cat)
{
	for (const struct command *c = cli_commands(); c->name; c++) {
		printf("command %s\n", c->name);
		print_opts_words(c->name, c->help ? c->help->options : NULL);
		each_verb(c, print_verb_word);
	}
	for (const struct check_kind *k = check_kinds(); k->name; k++) {
		char where[64];

		printf("kind %s\n", k->name);
		snprintf(where, sizeof(where), "check-%s", k->name);
		print_opts_words(where, k->help ? k->help->options : NULL);
		for (const struct check_key *ck = k->keys; ck && ck->name; ck++)
			printf("checkkey %s %s %s %s\n", k->name, ck->name, key_type(ck->type),
			       ck->required ? "required" : "optional");
	}
	for (const struct emit_format *f = emit_formats(); f->name; f++)
		printf("format %s\n", f->name);
	for (size_t i = 0; cat && i < cat->n_profiles; i++)
		printf("profile %s\n", cat->profiles[i].id);
	return RW_EXIT_OK;
}

/* ---- bash ---- */

static void bash_opts_case(const char *pattern, const struct cliopt *o)
{
	printf("\t%s) echo '--help", pattern);
	for (; o && o->name; o++) {
		printf(" --%s", o->name);
		if (o->short_name)
			printf(" -%c", o->short_name);
	}
	printf("' ;;\n");
}

static void bash_verb(const char *cmd, const char *verb)
{
	(void)cmd;
	printf(" %s", verb);
}

/* Every option (long and short) whose value completes as kind v, "|"-separated, for a case
 * pattern; an option name that several tables give is listed once. */
static void bash_value_pattern(struct buf *b, enum value_kind v)
{
	const struct cliopt *tables[64];
	size_t n = 0;

	for (const struct command *c = cli_commands(); c->name && n < 64; c++)
		if (c->help && c->help->options)
			tables[n++] = c->help->options;
	for (const struct check_kind *k = check_kinds(); k->name && n < 64; k++)
		if (k->help && k->help->options)
			tables[n++] = k->help->options;
	for (size_t t = 0; t < n; t++)
		for (const struct cliopt *o = tables[t]; o->name; o++) {
			char word[80];

			if (o->metavar == NULL || value_kind(o) != v)
				continue;
			snprintf(word, sizeof(word), "|--%s|", o->name);
			if (b->data == NULL || strstr(b->data, word) == NULL)
				buf_printf(b, "%s--%s|", b->len ? "" : "|", o->name);
			if (o->short_name) {
				snprintf(word, sizeof(word), "|-%c|", o->short_name);
				if (strstr(b->data, word) == NULL)
					buf_printf(b, "-%c|", o->short_name);
			}
		}
}

static void bash_value_case(enum value_kind v, const char *action)
{
	struct buf b;

	buf_init(&b, 0);
	bash_value_pattern(&b, v);
	if (b.len > 2) {
		b.data[b.len - 1] = '\0'; /* the trailing '|' */
		printf("\t%s)\n\t\t%s\n\t\treturn ;;\n", b.data + 1, action);
	}
	buf_free(&b);
}

/* The names of check kinds, output formats and profiles, space-separated: the word lists both
 * shells' files start with. */
static void print_kind_names(void)
{
	for (const struct check_kind *k = check_kinds(); k->name; k++)
		printf("%s%s", k == check_kinds() ? "" : " ", k->name);
}

static void print_format_names(void)
{
	for (const struct emit_format *f = emit_formats(); f->name; f++)
		printf("%s%s", f == emit_formats() ? "" : " ", f->name);
}

static void print_profile_ids(const struct catalog *cat)
{
	for (size_t i = 0; cat && i < cat->n_profiles; i++)
		printf("%s%s", i ? " " : "", cat->profiles[i].id);
}

static int print_bash(const struct catalog *cat)
{
	printf("# bash completion for rootwarden(8). Generated from the program's tables by\n"
	       "# 'rootwarden help --completion bash'; do not edit.\n\n");
	printf("_rootwarden_commands='");
	for (const struct command *c = cli_commands(); c->name; c++)
		printf("%s%s", c == cli_commands() ? "" : " ", c->name);
	printf("'\n_rootwarden_kinds='");
	print_kind_names();
	printf("'\n_rootwarden_formats='");
	print_format_names();
	printf("'\n_rootwarden_profiles='");
	print_profile_ids(cat);
	printf("'\n\n# The options of a command (check: of a check kind).\n"
	       "_rootwarden_options()\n{\n\tcase $1 in\n");
	for (const struct check_kind *k = check_kinds(); k->name; k++) {
		char pattern[80];

		snprintf(pattern, sizeof(pattern), "'check %s'", k->name);
		bash_opts_case(pattern, k->help ? k->help->options : NULL);
	}
	for (const struct command *c = cli_commands(); c->name; c++)
		bash_opts_case(c->name, c->help ? c->help->options : NULL);
	printf("\tesac\n}\n\n# The word after a command.\n_rootwarden_verbs()\n{\n\tcase $1 in\n"
	       "\tcheck) echo \"$_rootwarden_kinds\" ;;\n"
	       "\thelp) echo \"$_rootwarden_commands\" ;;\n");
	for (const struct command *c = cli_commands(); c->name; c++) {
		if (strcmp(c->name, "check") == 0 || strcmp(c->name, "help") == 0)
			continue;
		printf("\t%s) echo '", c->name);
		each_verb(c, bash_verb);
		printf("' ;;\n");
	}
	printf("\tesac\n}\n\n");
	printf("_rootwarden()\n{\n"
	       "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	       "\tlocal cmd=${COMP_WORDS[1]} where\n"
	       "\tCOMPREPLY=()\n"
	       "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$_rootwarden_commands --help --version\" -- "
	       "\"$cur\"))\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\tcase $prev in\n");
	bash_value_case(V_PROFILE,
	                "COMPREPLY=($(compgen -W \"$_rootwarden_profiles\" -- \"$cur\"))");
	bash_value_case(V_FORMAT, "COMPREPLY=($(compgen -W \"$_rootwarden_formats\" -- \"$cur\"))");
	bash_value_case(V_DIR, "COMPREPLY=($(compgen -d -- \"$cur\"))");
	bash_value_case(V_FILE, "COMPREPLY=($(compgen -f -- \"$cur\"))");
	bash_value_case(V_NONE, ":");
	printf("\tesac\n"
	       "\twhere=$cmd\n"
	       "\t[ \"$cmd\" = check ] && [ \"$COMP_CWORD\" -gt 2 ] && where=\"check "
	       "${COMP_WORDS[2]}\"\n"
	       "\tif [[ $cur == -* ]]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$(_rootwarden_options \"$where\")\" -- \"$cur\"))\n"
	       "\telif [ \"$COMP_CWORD\" -eq 2 ] && [ -n \"$(_rootwarden_verbs \"$cmd\")\" ]; "
	       "then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$(_rootwarden_verbs \"$cmd\")\" -- \"$cur\"))\n"
	       "\telse\n"
	       "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	       "\tfi\n"
	       "}\n"
	       "complete -o filenames -F _rootwarden rootwarden\n");
	return RW_EXIT_OK;
}

/* ---- zsh ---- */

/* Prints s for a zsh single-quoted _arguments/_describe string: the first line of a help text,
 * with ' closed and reopened, and the characters _arguments gives meaning to ([]:\) escaped. */
static void zsh_text(const char *s)
{
	for (; s && *s && *s != '\n'; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else if (*s == '[' || *s == ']' || *s == ':' || *s == '\\')
			printf("\\%c", *s);
		else
			putchar(*s);
	}
}

static const char *zsh_action(const struct cliopt *o)
{
	switch (value_kind(o)) {
	case V_PROFILE:
		return "{compadd -a _rootwarden_profiles}";
	case V_FORMAT:
		return "{compadd -a _rootwarden_formats}";
	case V_KIND:
		return "{compadd -a _rootwarden_kind_names}";
	case V_DIR:
		return "_files -/";
	case V_FILE:
		return "_files";
	case V_NONE:
		break;
	}
	return " ";
}

/* One _arguments spec per option: '(-x --name)'{-x,--name}'[help]:METAVAR:action', where the
 * exclusion list stops an option being offered twice; a repeatable row is '*'{-x,--name}'...'
 * instead, offered again after each use. */
static void zsh_specs(const char *pattern, const struct cliopt *o)
{
	printf("\t%s)\n\t\t_rootwarden_s=(\n", pattern);
	for (; o && o->name; o++) {
		int many = o->repeatable;

		printf("\t\t\t");
		if (o->short_name && many)
			printf("'*'{-%c,--%s}'[", o->short_name, o->name);
		else if (o->short_name)
			printf("'(-%c --%s)'{-%c,--%s}'[", o->short_name, o->name, o->short_name,
			       o->name);
		else
			printf("'%s--%s[", many ? "*" : "", o->name);
		zsh_text(o->help);
		printf("]");
		if (o->metavar) {
			printf(":");
			zsh_text(o->metavar);
			printf(":%s", zsh_action(o));
		}
		printf("'\n");
	}
	printf("\t\t\t'(- *)'{-h,--help}'[show this help]'\n\t\t) ;;\n");
}

static void zsh_verb(const char *cmd, const char *verb)
{
	(void)cmd;
	printf(" %s", verb);
}

static int print_zsh(const struct catalog *cat)
{
	printf("#compdef rootwarden\n"
	       "# zsh completion for rootwarden(8). Generated from the program's tables by\n"
	       "# 'rootwarden help --completion zsh'; do not edit.\n\n");
	printf("_rootwarden_commands=(\n");
	for (const struct command *c = cli_commands(); c->name; c++) {
		printf("\t'%s:", c->name);
		zsh_text(c->summary);
		printf("'\n");
	}
	printf(")\n_rootwarden_kinds=(\n");
	for (const struct check_kind *k = check_kinds(); k->name; k++) {
		printf("\t'%s:", k->name);
		zsh_text(k->summary);
		printf("'\n");
	}
	printf(")\n_rootwarden_kind_names=(");
	print_kind_names();
	printf(")\n_rootwarden_formats=(");
	print_format_names();
	printf(")\n_rootwarden_profiles=(");
	print_profile_ids(cat);
	printf(")\n\n# _rootwarden_specs WHERE: the _arguments specs of a command (check: of a "
	       "kind)\n"
	       "# in $_rootwarden_s; _rootwarden_verbs CMD: its verbs in $_rootwarden_v.\n"
	       "_rootwarden_specs()\n{\n\t_rootwarden_s=()\n\tcase $1 in\n");
	for (const struct check_kind *k = check_kinds(); k->name; k++) {
		char pattern[80];

		snprintf(pattern, sizeof(pattern), "'check %s'", k->name);
		zsh_specs(pattern, k->help ? k->help->options : NULL);
	}
	for (const struct command *c = cli_commands(); c->name; c++)
		zsh_specs(c->name, c->help ? c->help->options : NULL);
	printf("\tesac\n}\n\n_rootwarden_verbs()\n{\n\t_rootwarden_v=()\n\tcase $1 in\n"
	       "\thelp) _rootwarden_v=(${_rootwarden_commands%%%%:*}) ;;\n");
	for (const struct command *c = cli_commands(); c->name; c++) {
		if (strcmp(c->name, "check") == 0 || strcmp(c->name, "help") == 0)
			continue;
		printf("\t%s) _rootwarden_v=(", c->name);
		each_verb(c, zsh_verb);
		printf(" ) ;;\n");
	}
	printf("\tesac\n}\n\n");
	printf("_rootwarden()\n{\n"
	       "\tlocal where _rootwarden_s _rootwarden_v\n"
	       "\tif (( CURRENT == 2 )); then\n"
	       "\t\t_describe -t commands 'rootwarden command' _rootwarden_commands\n"
	       "\t\t_arguments '(- *)--help[show help]' '(- *)--version[print the version]'\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\twhere=$words[2]\n"
	       "\tif [[ $where == check ]]; then\n"
	       "\t\tif (( CURRENT == 3 )); then\n"
	       "\t\t\t_describe -t kinds 'check kind' _rootwarden_kinds\n"
	       "\t\t\treturn\n"
	       "\t\tfi\n"
	       "\t\twhere=\"check $words[3]\"\n"
	       "\t\tshift 2 words\n"
	       "\t\t(( CURRENT -= 2 ))\n"
	       "\telse\n"
	       "\t\t_rootwarden_verbs $where\n"
	       "\t\tif (( CURRENT == 3 )) && (( $#_rootwarden_v )) && [[ $words[3] != -* ]]; then\n"
	       "\t\t\tcompadd -a _rootwarden_v\n"
	       "\t\t\treturn\n"
	       "\t\tfi\n"
	       "\t\tshift words\n"
	       "\t\t(( CURRENT-- ))\n"
	       "\tfi\n"
	       "\t_rootwarden_specs $where\n"
	       "\t_arguments -s -S $_rootwarden_s '*:file:_files'\n"
	       "}\n\n"
	       "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n"
	       "\t_rootwarden \"$@\"\n"
	       "else\n"
	       "\tcompdef _rootwarden rootwarden\n"
	       "fi\n");
	return RW_EXIT_OK;
}

int cmd_help_completion(int argc, char **argv)
{
	struct catalog *cat = NULL;
	struct rw_err e = {{0}, 0};
	int rc;

	if (argc != 2 || (strcmp(argv[1], "bash") != 0 && strcmp(argv[1], "zsh") != 0 &&
	                  strcmp(argv[1], "words") != 0))
		return cli_usage_error("help", RW_EXIT_USAGE,
		                       "--completion takes one of: bash, zsh, words");
	/* Profile ids come from the catalog this program reads; without one, none are offered. */
	if (cli_load_catalog(NULL, &cat, &e) < 0) {
		fprintf(stderr, "rootwarden: %s (no profile ids in the completion)\n", e.msg);
		cat = NULL;
	}
	if (strcmp(argv[1], "bash") == 0)
		rc = print_bash(cat);
	else if (strcmp(argv[1], "zsh") == 0)
		rc = print_zsh(cat);
	else
		rc = print_words(cat);
	catalog_free(cat);
	return rc;
}

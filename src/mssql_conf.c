/* mssql_conf.c - a line reader for SQL Server's mssql.conf (INI), [network] TLS keys only. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fileio.h"
#include "mssql_conf.h"

void mssql_conf_free(struct mssql_conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->tlscert);
	free(c->tlskey);
	free(c->tlsprotocols);
	free(c->tlsciphers);
	free(c);
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int parse_protocols(const char *v, unsigned *bits)
{
	char *copy = strdup(v), *save = NULL;
	int rc = 0;

	if (copy == NULL)
		return -1;
	*bits = 0;
	for (char *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		if (strcmp(t, "1.0") == 0)
			*bits |= MSSQL_TLS10;
		else if (strcmp(t, "1.1") == 0)
			*bits |= MSSQL_TLS11;
		else if (strcmp(t, "1.2") == 0)
			*bits |= MSSQL_TLS12;
		else if (strcmp(t, "1.3") == 0)
			*bits |= MSSQL_TLS13;
		else
			rc = -1;
	}
	free(copy);
	return *bits ? rc : -1;
}

static int set_str(char **dst, int *line_dst, const char *v, int line)
{
	free(*dst);
	*dst = strdup(v);
	if (line_dst)
		*line_dst = line;
	return *dst ? 0 : -1;
}

/* One "key = value" of [network]. */
static int network_key(struct mssql_conf *c, const char *key, const char *v, int line,
                       struct rw_err *e)
{
	if (strcasecmp(key, "tlscert") == 0)
		return set_str(&c->tlscert, &c->line_tlscert, v, line);
	if (strcasecmp(key, "tlskey") == 0)
		return set_str(&c->tlskey, &c->line_tlskey, v, line);
	if (strcasecmp(key, "tlsciphers") == 0)
		return set_str(&c->tlsciphers, NULL, v, line);
	if (strcasecmp(key, "tlsprotocols") == 0) {
		if (parse_protocols(v, &c->tls_protocols) < 0)
			return err_set(
			        e, RW_CHECK_UNKNOWN,
			        "%s:%d: tlsprotocols '%s' is not a list of 1.0, 1.1, 1.2, 1.3",
			        c->path, line, v);
		return set_str(&c->tlsprotocols, &c->line_tlsprotocols, v, line);
	}
	if (strcasecmp(key, "forceencryption") == 0) {
		if (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0)
			c->forceencryption = 1;
		else if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0)
			c->forceencryption = 0;
		else
			return err_set(e, RW_CHECK_UNKNOWN,
			               "%s:%d: forceencryption '%s' is not 0 or 1", c->path, line,
			               v);
		c->line_forceencryption = line;
	}
	return 0;
}

int mssql_conf_parse(const char *data, size_t len, const char *path, struct mssql_conf **out,
                     struct rw_err *e)
{
	struct mssql_conf *c = calloc(1, sizeof(*c));
	char *text = NULL, *save = NULL, *p;
	int in_network = 0, line = 0, rc = -1;

	*out = NULL;
	if (c == NULL || (c->path = strdup(path)) == NULL || (text = malloc(len + 1)) == NULL) {
		err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", path);
		goto out;
	}
	if (memchr(data, '\0', len) != NULL) {
		err_set(e, RW_CHECK_UNKNOWN, "%s: not a text file (NUL byte)", path);
		goto out;
	}
	memcpy(text, data, len);
	text[len] = '\0';
	c->forceencryption = -1;
	/* strsep keeps empty lines, so line numbers stay right */
	save = text;
	while ((p = strsep(&save, "\n")) != NULL) {
		char *s = trim(p), *eq, *key, *v;

		line++;
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (end == NULL || *trim(end + 1) != '\0' || end == s + 1) {
				err_set(e, RW_CHECK_UNKNOWN,
				        "%s:%d: a section header must be '[name]'", path, line);
				goto out;
			}
			*end = '\0';
			in_network = strcasecmp(trim(s + 1), "network") == 0;
			continue;
		}
		eq = strchr(s, '=');
		if (eq == NULL) {
			err_set(e, RW_CHECK_UNKNOWN,
			        "%s:%d: expected 'key = value', '[section]' or a comment", path,
			        line);
			goto out;
		}
		*eq = '\0';
		key = trim(s);
		v = trim(eq + 1);
		if (*key == '\0') {
			err_set(e, RW_CHECK_UNKNOWN, "%s:%d: a key is missing before '='", path,
			        line);
			goto out;
		}
		for (char *k = key; *k; k++)
			if (!isalnum((unsigned char)*k) && *k != '_' && *k != '.' && *k != '-') {
				err_set(e, RW_CHECK_UNKNOWN, "%s:%d: '%s' is not a key name", path,
				        line, key);
				goto out;
			}
		/* a value may be quoted */
		if (strlen(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[strlen(v) - 1] == v[0]) {
			v[strlen(v) - 1] = '\0';
			v++;
		}
		if (in_network && network_key(c, key, v, line, e) < 0) {
			if (e && e->msg[0] == '\0')
				err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", path);
			goto out;
		}
	}
	*out = c;
	c = NULL;
	rc = 0;
out:
	free(text);
	mssql_conf_free(c);
	return rc;
}

int mssql_conf_read(const char *path, struct mssql_conf **out, struct rw_err *e)
{
	struct buf b;
	int rc;

	*out = NULL;
	if (file_read_all(path, 1 << 20, &b, e) < 0) {
		buf_free(&b);
		if (e)
			e->status = RW_CHECK_UNKNOWN;
		return -1;
	}
	rc = mssql_conf_parse(b.data ? b.data : "", b.len, path, out, e);
	buf_free(&b);
	return rc;
}

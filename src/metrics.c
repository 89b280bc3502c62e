/* metrics.c - Prometheus text exposition format, built in memory and saved atomically. */
#include "metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exitcode.h"
#include "fileio.h"

struct sample {
	char **labels; /* 2 * n_labels: name, value, ... */
	size_t n_labels;
	double value;
};

struct family {
	char *name;
	char *help;
	enum metric_type type;
	struct sample *s;
	size_t n;
};

struct metrics {
	struct family *f;
	size_t n;
};

static const struct {
	const char *name;
	enum metric_type type;
	const char *help;
} known[] = {
        {M_ROOT_NOT_AFTER, METRIC_GAUGE,
         "Expiry (notAfter) of a root in a bundle, in seconds since the Unix epoch."},
        {M_BUNDLE_ROOTS, METRIC_GAUGE, "Number of certificates in a bundle."},
        {M_BUNDLE_LAST_CHANGE, METRIC_GAUGE,
         "When a bundle's file last changed, in seconds since the Unix epoch."},
        {M_SYNC_LAST_SUCCESS, METRIC_GAUGE,
         "When sync last finished with success, changed or degraded status, in seconds since "
         "the Unix epoch."},
        {M_FETCH_FAILURES, METRIC_COUNTER, "Failed fetches of a root since the state was created."},
        {M_QUARANTINED, METRIC_GAUGE,
         "Number of fetched certificates that failed their pin and are held in quarantine."},
        {M_ROTATION_NEXT_STEP, METRIC_GAUGE,
         "Start of a profile's next rotation step, in seconds since the Unix epoch."},
        {M_ROTATION_PROFILE_STATUS, METRIC_GAUGE,
         "Rotation verdict of a profile: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."},
        {M_ROTATION_BUNDLE_STATUS, METRIC_GAUGE,
         "Rotation readiness of a bundle: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."},
        {M_ROTATION_BUNDLE_NEXT_CHANGE, METRIC_GAUGE,
         "When sync will next change a bundle's roots, in seconds since the Unix epoch."},
        {M_CHECK_STATUS, METRIC_GAUGE,
         "Status of a rootwarden check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."},
        {M_CHECK_BUNDLE_CERTS, METRIC_GAUGE, "Number of certificates in a checked bundle file."},
        {M_CATALOG_VERSION, METRIC_GAUGE,
         "catalog_version of the catalog sync used; source: shipped or channel (signed update)."},
        {M_CATALOG_AGE, METRIC_GAUGE,
         "Days since the catalog in use was last checked "
         "(catalog_date)."},
        {M_CATALOG_UPDATE_OK, METRIC_GAUGE,
         "1 when the signed catalog channel was checked without a problem, 0 when its archive "
         "could not be fetched or was refused."},
        {M_SYNC_STATUS, METRIC_GAUGE,
         "Exit status of the last sync: 0 unchanged, 5 changed, 6 degraded, 1 failed, 3 could "
         "not start (bad configuration or catalog; the file then holds only this)."},
        {M_CHECK_BUNDLE_NOT_AFTER, METRIC_GAUGE,
         "Expiry (notAfter) of a certificate in a checked bundle file, in seconds since the "
         "Unix epoch."},
};

struct metrics *metrics_new(void)
{
	return calloc(1, sizeof(struct metrics));
}

static void sample_free(struct sample *s)
{
	for (size_t i = 0; i < 2 * s->n_labels; i++)
		free(s->labels[i]);
	free(s->labels);
}

void metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		for (size_t k = 0; k < m->f[i].n; k++)
			sample_free(&m->f[i].s[k]);
		free(m->f[i].s);
		free(m->f[i].name);
		free(m->f[i].help);
	}
	free(m->f);
	free(m);
}

static int valid_name(const char *s, int colon)
{
	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || (colon && *s == ':')))
			return 0;
	return 1;
}

static struct family *find(const struct metrics *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->f[i].name, name) == 0)
			return &m->f[i];
	return NULL;
}

int metrics_add_family(struct metrics *m, const char *name, enum metric_type type, const char *help,
                       struct rw_err *e)
{
	struct family *f = find(m, name), *nv;

	if (f != NULL) {
		if (f->type != type || strcmp(f->help, help) != 0)
			return err_set(e, RW_EXIT_FAILURE,
			               "metric %s: declared twice with different type or help",
			               name);
		return 0;
	}
	if (!valid_name(name, 1))
		return err_set(e, RW_EXIT_FAILURE, "metric '%s': not a valid metric name", name);
	nv = realloc(m->f, (m->n + 1) * sizeof(*nv));
	if (nv == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	m->f = nv;
	f = &m->f[m->n];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	f->help = strdup(help);
	f->type = type;
	if (f->name == NULL || f->help == NULL) {
		free(f->name);
		free(f->help);
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	}
	m->n++;
	return 0;
}

static int same_labels(const struct sample *s, const char *const *labels, size_t n)
{
	if (s->n_labels != n)
		return 0;
	for (size_t i = 0; i < 2 * n; i++)
		if (strcmp(s->labels[i], labels[i]) != 0)
			return 0;
	return 1;
}

int metrics_addv(struct metrics *m, const char *name, double value, const char *const *labels,
                 size_t n_labels, struct rw_err *e)
{
	struct family *f = find(m, name);
	struct sample *s, *nv;

	if (f == NULL) {
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcmp(known[i].name, name) == 0) {
				if (metrics_add_family(m, name, known[i].type, known[i].help, e) <
				    0)
					return -1;
				f = find(m, name);
			}
		if (f == NULL)
			return err_set(e, RW_EXIT_FAILURE, "metric %s: family not declared", name);
	}
	for (size_t i = 0; i < n_labels; i++) {
		if (!valid_name(labels[2 * i], 0) || strncmp(labels[2 * i], "__", 2) == 0)
			return err_set(e, RW_EXIT_FAILURE,
			               "metric %s: '%s' is not a valid label name", name,
			               labels[2 * i] ? labels[2 * i] : "(null)");
		if (labels[2 * i + 1] == NULL)
			return err_set(e, RW_EXIT_FAILURE, "metric %s: label %s has no value", name,
			               labels[2 * i]);
		for (size_t k = 0; k < i; k++)
			if (strcmp(labels[2 * k], labels[2 * i]) == 0)
				return err_set(e, RW_EXIT_FAILURE,
				               "metric %s: label %s given twice", name,
				               labels[2 * i]);
	}
	for (size_t i = 0; i < f->n; i++)
		if (same_labels(&f->s[i], labels, n_labels)) {
			f->s[i].value = value;
			return 0;
		}
	nv = realloc(f->s, (f->n + 1) * sizeof(*nv));
	if (nv == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	f->s = nv;
	s = &f->s[f->n];
	s->value = value;
	s->n_labels = n_labels;
	s->labels = calloc(2 * n_labels + 1, sizeof(*s->labels));
	if (s->labels == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	for (size_t i = 0; i < 2 * n_labels; i++)
		if ((s->labels[i] = strdup(labels[i])) == NULL) {
			sample_free(s);
			return err_set(e, RW_EXIT_FAILURE, "out of memory");
		}
	f->n++;
	return 0;
}

int metrics_add(struct metrics *m, struct rw_err *e, const char *name, double value, ...)
{
	const char *labels[32];
	size_t n = 0;
	va_list ap;
	const char *k;

	va_start(ap, value);
	while ((k = va_arg(ap, const char *)) != NULL) {
		if (n + 2 > sizeof(labels) / sizeof(labels[0])) {
			va_end(ap);
			return err_set(e, RW_EXIT_FAILURE, "metric %s: too many labels", name);
		}
		labels[n++] = k;
		labels[n++] = va_arg(ap, const char *);
	}
	va_end(ap);
	return metrics_addv(m, name, value, labels, n / 2, e);
}

static void escape(struct buf *b, const char *s, int quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_puts(b, "\\\\");
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else if (quote && *s == '"')
			buf_puts(b, "\\\"");
		else
			buf_append(b, s, 1);
	}
}

static void value(struct buf *b, double v)
{
	if (isnan(v))
		buf_puts(b, "NaN");
	else if (isinf(v))
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
	else if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		buf_printf(b, "%.0f", v);
	else
		buf_printf(b, "%.17g", v);
}

char *metrics_render(const struct metrics *m)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < m->n; i++) {
		const struct family *f = &m->f[i];

		buf_printf(&b, "# HELP %s ", f->name);
		escape(&b, f->help, 0);
		buf_printf(&b, "\n# TYPE %s %s\n", f->name,
		           f->type == METRIC_COUNTER ? "counter" : "gauge");
		for (size_t k = 0; k < f->n; k++) {
			const struct sample *s = &f->s[k];

			buf_puts(&b, f->name);
			for (size_t l = 0; l < s->n_labels; l++) {
				buf_printf(&b, "%s%s=\"", l ? "," : "{", s->labels[2 * l]);
				escape(&b, s->labels[2 * l + 1], 1);
				buf_puts(&b, "\"");
			}
			buf_puts(&b, s->n_labels ? "} " : " ");
			value(&b, s->value);
			buf_puts(&b, "\n");
		}
	}
	if (b.data == NULL && buf_puts(&b, "") < 0)
		return NULL;
	return buf_steal(&b, NULL);
}

int metrics_write(const struct metrics *m, const char *path, const struct save_opts *o,
                  struct rw_err *e)
{
	struct save_opts def;
	char *text = metrics_render(m);
	int r;

	if (text == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path), SAVE_ERROR;
	if (o == NULL) {
		save_opts_init(&def);
		o = &def;
	}
	r = save_bytes(path, text, strlen(text), o, e);
	free(text);
	return r;
}

/* The family a line of the text format belongs to ("# HELP NAME ...", "# TYPE NAME ...",
 * "NAME{...} V", "NAME V"), copied into name; 0 when it names none (another comment). */
static int line_family(const char *l, size_t len, char *name, size_t size)
{
	size_t i = 0, n;

	if (len >= 7 && (strncmp(l, "# HELP ", 7) == 0 || strncmp(l, "# TYPE ", 7) == 0))
		i = 7;
	else if (len > 0 && l[0] == '#')
		return 0;
	for (n = i; n < len && l[n] != ' ' && l[n] != '{'; n++)
		;
	if (n == i || n - i >= size)
		return 0;
	memcpy(name, l + i, n - i);
	name[n - i] = '\0';
	return 1;
}

int metrics_write_over(const struct metrics *m, const char *path, const struct save_opts *o,
                       struct rw_err *e)
{
	struct save_opts def;
	struct buf old, out;
	char *text = metrics_render(m);
	int r = SAVE_ERROR, lost = 0;

	buf_init(&out, 0);
	buf_init(&old, 0);
	if (text == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
		goto out;
	}
	/* What is there now, if anything; an unreadable file is simply replaced. */
	if (file_read_all(path, 16u << 20, &old, NULL) == 0) {
		for (size_t at = 0; at < old.len;) {
			const char *l = old.data + at, *nl = memchr(l, '\n', old.len - at);
			size_t len = nl ? (size_t)(nl - l) : old.len - at;
			char name[256];

			if (!line_family(l, len, name, sizeof(name)) || find(m, name) == NULL)
				lost |= buf_append(&out, l, len) < 0 ||
				        buf_append(&out, "\n", 1) < 0;
			at += len + (nl != NULL);
		}
	}
	lost |= buf_puts(&out, text) < 0;
	if (lost || out.data == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
		goto out;
	}
	if (o == NULL) {
		save_opts_init(&def);
		o = &def;
	}
	r = save_bytes(path, out.data, out.len, o, e);
out:
	free(text);
	buf_free(&old);
	buf_free(&out);
	return r;
}

int metrics_write_check_status(const char *path, const char *check, const char *target, int status,
                               struct rw_err *e)
{
	struct metrics *m = metrics_new();
	int rc = -1;

	if (m == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	if ((target ? metrics_add(m, e, M_CHECK_STATUS, (double)status, "check", check, "target",
	                          target, NULL)
	            : metrics_add(m, e, M_CHECK_STATUS, (double)status, "check", check, NULL)) < 0)
		goto out;
	if (metrics_write(m, path, NULL, e) == SAVE_ERROR)
		goto out;
	rc = 0;
out:
	metrics_free(m);
	return rc;
}

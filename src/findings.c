/* findings.c - a list of check verdicts and its text and JSON renderings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "jsonout.h"
#include "monline.h"

void findings_init(struct findings *f)
{
	memset(f, 0, sizeof(*f));
}

static void finding_clear(struct finding *x)
{
	free(x->subject);
	free(x->rule);
	free(x->reason);
	free(x->fix);
}

int findings_add(struct findings *f, const char *subject, const char *rule, enum verdict v,
                 const char *fix, const char *fmt, ...)
{
	struct finding x = {0};
	va_list ap;
	int n;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct finding *nv = realloc(f->v, cap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		f->v = nv;
		f->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&x.reason, fmt, ap);
	va_end(ap);
	if (n < 0)
		x.reason = NULL;
	x.subject = strdup(subject ? subject : "");
	x.rule = strdup(rule);
	x.fix = fix ? strdup(fix) : NULL;
	x.verdict = v;
	if (x.reason == NULL || x.subject == NULL || x.rule == NULL || (fix && x.fix == NULL)) {
		finding_clear(&x);
		return -1;
	}
	f->v[f->n++] = x;
	return 0;
}

int findings_take_all(struct findings *dst, struct findings *src)
{
	if (dst->n + src->n > dst->cap) {
		size_t cap = dst->n + src->n + 16;
		struct finding *nv = realloc(dst->v, cap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		dst->v = nv;
		dst->cap = cap;
	}
	memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	src->n = 0;
	return 0;
}

void findings_free(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		finding_clear(&f->v[i]);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

int findings_status(const struct findings *f)
{
	int s = 0;

	for (size_t i = 0; i < f->n; i++)
		if ((int)f->v[i].verdict > s)
			s = (int)f->v[i].verdict;
	return s;
}

const struct finding *findings_find(const struct findings *f, const char *subject, const char *rule)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].rule, rule) == 0 &&
		    (subject == NULL || strcmp(f->v[i].subject, subject) == 0))
			return &f->v[i];
	return NULL;
}

size_t findings_count(const struct findings *f, enum verdict v)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].verdict == v;
	return n;
}

const char *verdict_name(enum verdict v)
{
	static const char *const names[] = {"PASS", "WARN", "FAIL", "UNKNOWN"};

	return (unsigned)v < 4 ? names[v] : "UNKNOWN";
}

const char *check_status_name(int status)
{
	static const char *const names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

	return status >= 0 && status < 4 ? names[status] : "UNKNOWN";
}

static int counts(const struct findings *f, struct buf *out, int with_rules)
{
	static const enum verdict order[] = {V_UNKNOWN, V_FAIL, V_WARN, V_PASS};
	int first = 1;

	for (size_t k = 0; k < 4; k++) {
		enum verdict v = order[k];
		size_t n = findings_count(f, v);
		int listed = 0;

		if (n == 0 && v != V_PASS)
			continue;
		if (buf_printf(out, "%s%zu %s", first ? "" : ", ", n, verdict_name(v)) < 0)
			return -1;
		first = 0;
		if (!with_rules || v == V_PASS)
			continue;
		for (size_t i = 0; i < f->n; i++) {
			if (f->v[i].verdict != v)
				continue;
			if (buf_printf(out, "%s%s", listed ? ", " : " (", f->v[i].rule) < 0)
				return -1;
			listed = 1;
		}
		if (listed && buf_puts(out, ")") < 0)
			return -1;
	}
	return 0;
}

int findings_text(const struct findings *f, const char *kind, struct buf *out)
{
	int st = findings_status(f);

	struct buf sum, perf;
	int rc;

	buf_init(&sum, 0);
	buf_init(&perf, 0);
	rc = counts(f, &sum, 1) < 0 ||
	                     buf_printf(&perf, "unknown=%zu fail=%zu warn=%zu pass=%zu",
	                                findings_count(f, V_UNKNOWN), findings_count(f, V_FAIL),
	                                findings_count(f, V_WARN), findings_count(f, V_PASS)) < 0 ||
	                     monline(out, kind, st, sum.data ? sum.data : "", perf.data) < 0
	             ? -1
	             : 0;
	buf_free(&sum);
	buf_free(&perf);
	if (rc < 0)
		return -1;
	/* grouped by subject, in order of first appearance */
	for (size_t i = 0; i < f->n; i++) {
		int seen = 0;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(f->v[j].subject, f->v[i].subject) == 0;
		if (seen)
			continue;
		if (buf_printf(out, "%s\n", f->v[i].subject) < 0)
			return -1;
		for (size_t j = i; j < f->n; j++) {
			const struct finding *x = &f->v[j];

			if (strcmp(x->subject, f->v[i].subject) != 0)
				continue;
			if (buf_printf(out, "  %-7s %-16s %s\n", verdict_name(x->verdict), x->rule,
			               x->reason) < 0)
				return -1;
			if (x->fix && buf_printf(out, "  %-7s %-16s fix: %s\n", "", "", x->fix) < 0)
				return -1;
		}
	}
	return 0;
}

json_t *findings_json(const struct findings *f, const char *kind)
{
	int st = findings_status(f);
	json_t *root = jsonout_new("check"), *arr = json_array(), *cnt = json_object();

	if (root == NULL || arr == NULL || cnt == NULL)
		goto fail;
	for (int v = V_PASS; v <= V_UNKNOWN; v++)
		json_object_set_new(cnt, verdict_name((enum verdict)v),
		                    json_integer((json_int_t)findings_count(f, (enum verdict)v)));
	for (size_t i = 0; i < f->n; i++) {
		const struct finding *x = &f->v[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "subject", x->subject, "rule",
		                      x->rule, "verdict", verdict_name(x->verdict), "reason",
		                      x->reason, "fix", x->fix ? json_string(x->fix) : json_null());

		if (o == NULL || json_array_append_new(arr, o) < 0)
			goto fail;
	}
	if (jsonout_set_check(root, st, NULL) < 0)
		goto fail;
	json_object_set_new(root, "check", json_string(kind));
	json_object_set_new(root, "counts", cnt);
	json_object_set_new(root, "findings", arr);
	return root;
fail:
	json_decref(root);
	json_decref(arr);
	json_decref(cnt);
	return NULL;
}

char *findings_summary(const struct findings *f)
{
	struct buf b;

	buf_init(&b, 4096);
	if (buf_printf(&b, "%s: ", check_status_name(findings_status(f))) < 0 ||
	    counts(f, &b, 1) < 0) {
		/* too long: fall back to the counts alone */
		buf_free(&b);
		buf_init(&b, 0);
		if (buf_printf(&b, "%s: ", check_status_name(findings_status(f))) < 0 ||
		    counts(f, &b, 0) < 0) {
			buf_free(&b);
			return NULL;
		}
	}
	return buf_steal(&b, NULL);
}

int shell_quote(struct buf *out, const char *s)
{
	int plain = *s != '\0';

	for (const char *p = s; *p; p++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		            "/._-+:,=@%",
		            *p))
			plain = 0;
	if (plain)
		return buf_puts(out, s);
	if (buf_puts(out, "'") < 0)
		return -1;
	for (const char *p = s; *p; p++)
		if (buf_puts(out, *p == '\'' ? "'\\''" : (char[]){*p, 0}) < 0)
			return -1;
	return buf_puts(out, "'");
}

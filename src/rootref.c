/* rootref.c - one shape for a root in every document (rootref.h). */
#include "rootref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "date.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void rootref_clear(struct rootref *r)
{
	free(r->id);
	free(r->name);
	free(r->subject);
	memset(r, 0, sizeof(*r));
}

static int filled(const struct rootref *r, const char *id, const char *name, const char *subject)
{
	return (id == NULL || r->id) && (name == NULL || r->name) &&
	       (subject == NULL || r->subject);
}

int rootref_from_cert(struct rootref *r, const struct cert *c, const struct catalog *cat, long ri)
{
	const char *id = ri >= 0 ? cat->roots[ri].id : NULL;
	const char *name = ri >= 0 ? cat->roots[ri].name : c->label;

	memset(r, 0, sizeof(*r));
	memcpy(r->sha256, c->sha256, sizeof(r->sha256));
	r->id = dup_or_null(id);
	r->name = dup_or_null(name);
	r->subject = dup_or_null(c->subject);
	r->not_after = c->not_after;
	if (!filled(r, id, name, c->subject)) {
		rootref_clear(r);
		return -1;
	}
	return 0;
}

int rootref_from_catalog(struct rootref *r, const struct catalog *cat, size_t ri)
{
	const struct catalog_root *cr = &cat->roots[ri];

	if (cr->cert)
		return rootref_from_cert(r, cr->cert, cat, (long)ri);
	memset(r, 0, sizeof(*r));
	memcpy(r->sha256, cr->sha256, sizeof(r->sha256));
	r->id = dup_or_null(cr->id);
	r->name = dup_or_null(cr->name);
	if (!filled(r, cr->id, cr->name, NULL)) {
		rootref_clear(r);
		return -1;
	}
	return 0;
}

int rootref_copy(struct rootref *dst, const struct rootref *src)
{
	memset(dst, 0, sizeof(*dst));
	memcpy(dst->sha256, src->sha256, sizeof(dst->sha256));
	dst->id = dup_or_null(src->id);
	dst->name = dup_or_null(src->name);
	dst->subject = dup_or_null(src->subject);
	dst->not_after = src->not_after;
	if (!filled(dst, src->id, src->name, src->subject)) {
		rootref_clear(dst);
		return -1;
	}
	return 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *rootref_json(const struct rootref *r)
{
	json_t *o = json_object();
	char t[21];

	json_object_set_new(o, "id", str_or_null(r->id));
	json_object_set_new(o, "name", str_or_null(r->name));
	json_object_set_new(o, "sha256", json_string(r->sha256));
	json_object_set_new(o, "subject", str_or_null(r->subject));
	if (r->not_after) {
		time_format(r->not_after, t);
		json_object_set_new(o, "not_after", json_string(t));
	} else {
		json_object_set_new(o, "not_after", json_null());
	}
	return o;
}

void rootref_from_json(struct rootref *r, json_t *o)
{
	const char *s = json_string_value(json_object_get(o, "sha256"));
	const char *na = json_string_value(json_object_get(o, "not_after"));
	const char *name = json_string_value(json_object_get(o, "name"));
	struct tm tm = {0};

	memset(r, 0, sizeof(*r));
	snprintf(r->sha256, sizeof(r->sha256), "%s", s ? s : "");
	if (name == NULL) /* the shape of state files written by 0.1 */
		name = json_string_value(json_object_get(o, "label"));
	r->id = dup_or_null(json_string_value(json_object_get(o, "id")));
	r->name = dup_or_null(name);
	r->subject = dup_or_null(json_string_value(json_object_get(o, "subject")));
	if (na && strptime(na, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL)
		r->not_after = timegm(&tm);
}

int rootrefs_push(struct rootrefs *l, const struct rootref *r)
{
	struct rootref *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	l->v = nv;
	if (rootref_copy(&nv[l->n], r) < 0)
		return -1;
	l->n++;
	return 0;
}

int rootrefs_has(const struct rootrefs *l, const char *sha256)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].sha256, sha256) == 0)
			return 1;
	return 0;
}

void rootrefs_free(struct rootrefs *l)
{
	for (size_t i = 0; i < l->n; i++)
		rootref_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

json_t *rootrefs_json(const struct rootrefs *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, rootref_json(&l->v[i]));
	return a;
}

char *rootrefs_sha_list(const struct rootrefs *l)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	for (size_t i = 0; i < l->n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", l->v[i].sha256);
	s = buf_steal(&b, NULL);
	buf_free(&b);
	return s ? s : strdup("");
}

json_t *rootref_catalog_json(const struct catalog *cat, size_t ri)
{
	struct rootref r;
	json_t *o;

	if (rootref_from_catalog(&r, cat, ri) < 0)
		return NULL;
	o = rootref_json(&r);
	rootref_clear(&r);
	return o;
}

json_t *rootrefs_catalog_json(const struct catalog *cat, const size_t *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, rootref_catalog_json(cat, v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* jsonout.c - the document header, status names and value helpers of every command's JSON
 * output (jsonout.h, docs/json.md). */
#include "jsonout.h"

#include <stdlib.h>

#include "date.h"
#include "exitcode.h"
#include "findings.h"
#include "rootref.h"

const char *jsonout_exit_text(int code)
{
	static const char *const names[] = {
	        [RW_EXIT_OK] = "ok",
	        [RW_EXIT_FAILURE] = "failed",
	        [RW_EXIT_USAGE] = "usage",
	        [RW_EXIT_INPUT] = "bad-input",
	        [RW_EXIT_LOCKED] = "locked",
	        [RW_EXIT_CHANGED] = "changed",
	        [RW_EXIT_DEGRADED] = "degraded",
	};

	if (code < 0 || code > RW_EXIT_DEGRADED)
		return "failed";
	return names[code];
}

json_t *jsonout_status_json(int code, const char *text)
{
	return json_pack("{s:i, s:s}", "code", code, "text", text);
}

json_t *jsonout_check_json(int st)
{
	return jsonout_status_json(st, check_status_name(st));
}

json_t *jsonout_new(const char *doc)
{
	json_t *o = json_object();
	char *id = NULL;

	if (o == NULL || asprintf(&id, JSONOUT_SCHEMA_PREFIX "%s/1", doc) < 0) {
		json_decref(o);
		return NULL;
	}
	if (json_object_set_new(o, "schema", json_string(id)) < 0 ||
	    json_object_set_new(o, "status", jsonout_status_json(0, jsonout_exit_text(0))) < 0 ||
	    json_object_set_new(o, "error", json_null()) < 0) {
		json_decref(o);
		o = NULL;
	}
	free(id);
	return o;
}

int jsonout_set_status(json_t *doc, int code, const char *text, const char *error)
{
	if (json_object_set_new(doc, "status", jsonout_status_json(code, text)) < 0 ||
	    json_object_set_new(doc, "error", jsonout_str(error)) < 0)
		return -1;
	return 0;
}

int jsonout_set_exit(json_t *doc, int code, const char *error)
{
	return jsonout_set_status(doc, code, jsonout_exit_text(code), error);
}

int jsonout_set_check(json_t *doc, int st, const char *error)
{
	return jsonout_set_status(doc, st, check_status_name(st), error);
}

int jsonout_print(json_t *doc, FILE *fp)
{
	char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	int rc = -1;

	json_decref(doc);
	if (s == NULL)
		return -1;
	if (fputs(s, fp) >= 0 && fputc('\n', fp) != EOF && fflush(fp) == 0)
		rc = 0;
	free(s);
	return rc;
}

json_t *jsonout_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *jsonout_time(time_t t)
{
	char s[21];

	if (t == 0)
		return json_null();
	time_format(t, s);
	return json_string(s);
}

json_t *jsonout_day(int32_t day)
{
	char d[11];

	if (day < 0)
		return json_null();
	date_format(day, d);
	return json_string(d);
}

json_t *jsonout_cert_root(const struct cert *c, const struct catalog *cat, long ri)
{
	struct rootref r;
	json_t *o;

	if (rootref_from_cert(&r, c, cat, ri) < 0)
		return NULL;
	o = rootref_json(&r);
	rootref_clear(&r);
	return o;
}

json_t *jsonout_catalog_root(const struct catalog *cat, size_t ri)
{
	return rootref_catalog_json(cat, ri);
}

json_t *jsonout_catalog_roots(const struct catalog *cat, const size_t *v, size_t n)
{
	return rootrefs_catalog_json(cat, v, n);
}

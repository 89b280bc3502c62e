/* cmd_check_report.c - printing a check's findings as text or JSON (front end). */
#include <stdio.h>
#include <stdlib.h>

#include "cmd_check_report.h"
#include "monline.h"

int check_report(const struct findings *f, const char *kind, int json, const struct rw_err *err)
{
	int st = err ? RW_CHECK_UNKNOWN : findings_status(f);

	if (json) {
		json_t *o = findings_json(f, kind);
		char *s = NULL;

		if (o && err) {
			json_object_set_new(o, "status", json_integer(RW_CHECK_UNKNOWN));
			json_object_set_new(o, "status_text",
			                    json_string(check_status_name(RW_CHECK_UNKNOWN)));
			json_object_set_new(o, "error", json_string(err->msg));
		}
		if (o)
			s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (s == NULL) {
			fprintf(stderr, "rootwarden: out of memory\n");
			return RW_CHECK_UNKNOWN;
		}
		printf("%s\n", s);
		free(s);
		return st;
	}
	struct buf b;

	buf_init(&b, 0);
	if (err ? monline(&b, kind, RW_CHECK_UNKNOWN, err->msg, NULL) < 0
	        : findings_text(f, kind, &b) < 0) {
		buf_free(&b);
		fprintf(stderr, "rootwarden: out of memory\n");
		return RW_CHECK_UNKNOWN;
	}
	fputs(b.data ? b.data : "", stdout);
	buf_free(&b);
	return st;
}

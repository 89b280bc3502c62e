/* cmd_check_report.c - printing a check's findings as text or JSON (front end). */
#include <stdio.h>
#include <stdlib.h>

#include "cmd_check_report.h"
#include "cli.h"
#include "jsonout.h"
#include "metrics.h"
#include "monline.h"

int check_report(const struct findings *f, const char *kind, int json, const struct rw_err *err)
{
	int st = err ? RW_CHECK_UNKNOWN : findings_status(f);

	if (json) {
		json_t *o = findings_json(f, kind);

		if (o && err && jsonout_set_check(o, RW_CHECK_UNKNOWN, err->msg) < 0) {
			json_decref(o);
			o = NULL;
		}
		if (err) /* the document says it; stderr says it too, as in every command */
			fprintf(stderr, "rootwarden: %s\n", err->msg);
		if (jsonout_print(o, stdout) < 0) {
			fprintf(stderr, "rootwarden: out of memory\n");
			return RW_CHECK_UNKNOWN;
		}
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

int check_report_metrics(const struct findings *f, const char *kind, int json,
                         const struct rw_err *err, const char *metrics, const char *target)
{
	int st = err ? RW_CHECK_UNKNOWN : findings_status(f);
	struct rw_err me = {{0}, 0};

	if (metrics == NULL || metrics_write_check_status(metrics, kind, target, st, &me) == 0)
		return check_report(f, kind, json, err);
	if (json)
		return check_report(f, kind, json, err ? err : &me);
	(void)check_report(f, kind, json, err);
	cli_fail(&me);
	return RW_CHECK_UNKNOWN;
}

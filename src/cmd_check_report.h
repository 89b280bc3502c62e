/*
 * cmd_check_report.h - how the common check front end (cmd_check.c's cmd_check_run) prints
 * a check's verdicts.
 *
 * Contract: check_report() prints the findings to stdout as text (findings_text) or JSON
 * (findings_json, one object and a newline) and returns the monitoring-plugin status. With err
 * set (the check could not run), it prints "check KIND UNKNOWN: message" (text) or the same
 * JSON object with "status": 3 and "error" (JSON), and returns RW_CHECK_UNKNOWN. Front-end
 * code: it prints.
 */
#ifndef RW_CMD_CHECK_REPORT_H
#define RW_CMD_CHECK_REPORT_H

#include "err.h"
#include "findings.h"

int check_report(const struct findings *f, const char *kind, int json, const struct rw_err *err);

/*
 * check_report_metrics() is check_report() that also writes the status to the metrics file
 * metrics (NULL: none) as rootwarden_check_status{check=kind,target}. The file is written
 * first, so that with --json a file that cannot be written is the document's UNKNOWN and its
 * error; in text the report comes first and the error after it on stderr. Either way the
 * status returned is then RW_CHECK_UNKNOWN.
 */
int check_report_metrics(const struct findings *f, const char *kind, int json,
                         const struct rw_err *err, const char *metrics, const char *target);

#endif

/*
 * cmd_check_report.h - how the check front ends (cmd_check_sqlserver.c, cmd_check_key.c) print
 * their verdicts.
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

#endif

/*
 * monline.h - the first line of every check's and of rotation's text report, in the form the
 * monitoring-plugins guidelines give: "SERVICE STATUS - summary | perfdata".
 *
 * Contract: monline() appends one line (ending in '\n') to out: SERVICE (e.g. "KEY",
 * "ROTATION"), STATUS the plugin status name of status (OK, WARNING, CRITICAL, UNKNOWN), the
 * summary with any '|' and newline replaced (they would end the text part), then " | " and
 * perfdata when perfdata is non-empty (space-separated label=value[;warn;crit;min;max], labels of
 * [a-z_] only). Returns 0, or -1 when out of memory (out's own limit). Prints nothing.
 */
#ifndef RW_MONLINE_H
#define RW_MONLINE_H

#include "buf.h"

int monline(struct buf *out, const char *service, int status, const char *summary,
            const char *perfdata);

#endif

/*
 * findings.h - the verdicts of a check (check sqlserver, check key): one line per rule, with the
 * reason and the command that fixes it, rendered as text or JSON.
 *
 * Contract:
 * - A struct findings owns every string in it; findings_init() zeroes it, findings_free() frees
 *   it (safe on a zeroed or freed list). findings_add() copies subject, rule, reason and fix.
 * - A verdict is a monitoring-plugin status: PASS 0, WARN 1, FAIL 2, UNKNOWN 3 (could not check).
 *   findings_status() is the worst verdict (UNKNOWN counts as worst), 0 for an empty list.
 * - findings_text() appends the human report to a buf; findings_json() returns a new jansson
 *   object (caller json_decref's). Neither prints.
 */
#ifndef RW_FINDINGS_H
#define RW_FINDINGS_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"

enum verdict { V_PASS = 0, V_WARN = 1, V_FAIL = 2, V_UNKNOWN = 3 };

struct finding {
	char *subject; /* what it is about: a path, "mssql.conf", a host */
	char *rule;    /* a short stable name: "eku", "mode", "acl" ... */
	enum verdict verdict;
	char *reason; /* one line */
	char *fix;    /* one line: the command or action that fixes it; NULL for PASS */
};

struct findings {
	struct finding *v;
	size_t n;
	size_t cap;
};

void findings_init(struct findings *f);
/* -1 when out of memory (the list is unchanged). fix may be NULL. */
int findings_add(struct findings *f, const char *subject, const char *rule, enum verdict v,
                 const char *fix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Moves every finding of src to the end of dst (src is left empty); -1 when out of memory. */
int findings_take_all(struct findings *dst, struct findings *src);
void findings_free(struct findings *f);

int findings_status(const struct findings *f);
/* The first finding with this rule (and subject, when not NULL), or NULL. */
const struct finding *findings_find(const struct findings *f, const char *subject,
                                    const char *rule);
size_t findings_count(const struct findings *f, enum verdict v);

const char *verdict_name(enum verdict v);  /* "PASS", "WARN", "FAIL", "UNKNOWN" */
const char *check_status_name(int status); /* "OK", "WARNING", "CRITICAL", "UNKNOWN" */

/* "KIND STATUS - counts | unknown=N fail=N warn=N pass=N" (monline.h), then one block per
 * subject. */
int findings_text(const struct findings *f, const char *kind, struct buf *out);
/* A check's whole document (jsonout.h header, docs/schema/check.schema.json): {"schema",
 * "status": {"code": n, "text": "OK|WARNING|CRITICAL|UNKNOWN"}, "error": null, "check": kind,
 * "counts": {...}, "findings": [...]}; NULL when out of memory. */
json_t *findings_json(const struct findings *f, const char *kind);
/* A one-line summary: "CRITICAL: 2 FAIL (eku, hostname), 1 WARN (validity), 9 PASS";
 * malloc'd, NULL when out of memory. */
char *findings_summary(const struct findings *f);

/* Appends s to out quoted for a POSIX shell when it needs it ('...' with '\'' for quotes). */
int shell_quote(struct buf *out, const char *s);

#endif

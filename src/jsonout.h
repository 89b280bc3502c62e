/*
 * jsonout.h - the one convention of every JSON document a command prints (docs/json.md).
 *
 * A document is ONE object whose first keys are, in this order:
 *   "schema": "rootwarden/<doc>/1"   the document's name and major version (docs/schema/)
 *   "status": {"code": N, "text": T} the command's exit status and its name
 *   "error":  "message" or null      why the command failed (also on stderr), null on success
 * Every other key a document defines is always present: null for a scalar without a value, []
 * for an empty list. Roots are rootref objects (rootref.h). Usage errors print no document.
 *
 * Status names come from one place: jsonout_exit_text() for the agent and bundle commands (sync,
 * bundle, roots, config, catalog, version: the exit status of src/exitcode.h), check_status_name()
 * for the monitoring commands (rotation, check, probe: OK, WARNING, CRITICAL, UNKNOWN).
 *
 * Contract: jsonout_new() returns a new object (caller owns it; NULL when out of memory); the
 * setters replace a key in place, keeping its position; jsonout_print() writes the document and
 * a newline to a stream, and takes (json_decref's) the document in every case. The *_json value
 * helpers return new references (json_null() for "no value"); library code (findings.c,
 * sync_report.c) builds documents with them, only front ends print.
 */
#ifndef RW_JSONOUT_H
#define RW_JSONOUT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "catalog.h"
#include "cert.h"

/* "rootwarden/" DOC "/1": the schema id prefix of every document. */
#define JSONOUT_SCHEMA_PREFIX "rootwarden/"

/* A new document: {"schema": "rootwarden/DOC/1", "status": {0, "ok"}, "error": null}. */
json_t *jsonout_new(const char *doc);
/* The agent commands' status names: 0 ok, 1 failed, 2 usage, 3 bad-input, 4 locked, 5 changed,
 * 6 degraded; "failed" for anything else. */
const char *jsonout_exit_text(int code);
/* {"code": code, "text": text} */
json_t *jsonout_status_json(int code, const char *text);
/* {"code": st, "text": "OK"|"WARNING"|"CRITICAL"|"UNKNOWN"} */
json_t *jsonout_check_json(int st);
/* Set "status" from an exit status (agent table) / a monitoring status, and "error" (NULL:
 * null). -1 when out of memory. */
int jsonout_set_exit(json_t *doc, int code, const char *error);
int jsonout_set_check(json_t *doc, int st, const char *error);
/* Set "status" with an explicit name (catalog diff's "differ"), and "error". */
int jsonout_set_status(json_t *doc, int code, const char *text, const char *error);
/* Writes the document (2-space indent, keys in insertion order) and a newline; decref's doc.
 * -1 when out of memory or the stream failed. */
int jsonout_print(json_t *doc, FILE *fp);

/* Values */
json_t *jsonout_str(const char *s); /* string, or null for NULL */
json_t *jsonout_time(time_t t);     /* "YYYY-MM-DDTHH:MM:SSZ", or null for 0 */
json_t *jsonout_day(int32_t day);   /* "YYYY-MM-DD", or null for a day < 0 */
/* The root object (rootref.h) of a certificate; id and name from catalog root ri when ri >= 0. */
json_t *jsonout_cert_root(const struct cert *c, const struct catalog *cat, long ri);
/* The root object of catalog root ri (its certificate may be absent: not_after null). */
json_t *jsonout_catalog_root(const struct catalog *cat, size_t ri);
/* An array of the root objects of catalog roots v[0..n). */
json_t *jsonout_catalog_roots(const struct catalog *cat, const size_t *v, size_t n);

#endif

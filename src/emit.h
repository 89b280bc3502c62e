/*
 * emit.h - output formats of a bundle. One file per format (emit_<name>.c), one row each in the
 * table of emit.c. Adding a format is adding a file and a row.
 *
 * Contract: a writer streams the bundle into an open save transaction (save.h) and returns 0, or
 * -1 with a message; it never commits or discards the transaction (the caller does). Output is a
 * pure function of the bundle: no time, host name, locale or version in it, so the same inputs
 * give the same bytes.
 */
#ifndef RW_EMIT_H
#define RW_EMIT_H

#include "bundle.h"
#include "err.h"
#include "save.h"

struct emit_format {
	const char *name;
	const char *summary;
	int (*write)(const struct bundle *b, struct save *s, struct rw_err *e);
};

const struct emit_format *emit_format_find(const char *name);
/* NULL-terminated by a row with name == NULL. */
const struct emit_format *emit_formats(void);

int emit_pem(const struct bundle *b, struct save *s, struct rw_err *e);

#endif

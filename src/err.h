/*
 * err.h - errors as values.
 *
 * Contract: a library function that can fail returns int (0 success, -1 failure) or a pointer
 * (NULL on failure) and, on failure, has stored exactly one message in the struct rw_err the
 * caller passed, together with the exit status that the failure maps to (enum rw_exit). The
 * message starts with what it is about: "path: why", "path:line: why" or "url: why". Nothing in
 * the library prints or exits; the front end prints the message once and returns the status.
 * A NULL struct rw_err is allowed and discards the message.
 */
#ifndef RW_ERR_H
#define RW_ERR_H

#include "exitcode.h"

struct rw_err {
	char msg[1024];
	int status; /* enum rw_exit */
};

/* Stores the message and status in e (if not NULL) and returns -1, so that
 * "return err_set(e, ...)" reads as a failure. */
int err_set(struct rw_err *e, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Prefixes the stored message with "prefix: " (for adding context on the way up). */
void err_prefix(struct rw_err *e, const char *prefix);

/* Clears a context before reuse. */
void err_clear(struct rw_err *e);

#endif

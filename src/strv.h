/*
 * strv.h - a growable array of owned strings (char **v, size_t n), for notes and reasons.
 *
 * Contract: strv_addf() formats a string (vasprintf) and appends it, growing *v; the array and
 * its strings are owned by the caller and released with strv_free() (safe on NULL / 0). On failure
 * (out of memory) it returns -1 and leaves the array as it was.
 */
#ifndef RW_STRV_H
#define RW_STRV_H

#include <stdarg.h>
#include <stddef.h>

int strv_addf(char ***v, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int strv_vaddf(char ***v, size_t *n, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));
void strv_free(char **v, size_t n);

#endif

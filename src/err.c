#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct rw_err *e, int status, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->status = status;
	return -1;
}

void err_prefix(struct rw_err *e, const char *prefix)
{
	char tmp[sizeof(e->msg)];
	size_t n;

	if (e == NULL)
		return;
	n = strlen(prefix);
	if (n > sizeof(tmp) - 3)
		n = sizeof(tmp) - 3;
	memcpy(tmp, prefix, n);
	memcpy(tmp + n, ": ", 2);
	n += 2;
	memcpy(tmp + n, e->msg, sizeof(tmp) - n - 1);
	tmp[sizeof(tmp) - 1] = '\0';
	memcpy(e->msg, tmp, sizeof(e->msg));
}

void err_clear(struct rw_err *e)
{
	if (e == NULL)
		return;
	e->msg[0] = '\0';
	e->status = RW_EXIT_OK;
}

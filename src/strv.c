#include "strv.h"

#include <stdio.h>
#include <stdlib.h>

int strv_vaddf(char ***v, size_t *n, const char *fmt, va_list ap)
{
	char *s = NULL, **nv;

	if (vasprintf(&s, fmt, ap) < 0)
		return -1;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL) {
		free(s);
		return -1;
	}
	*v = nv;
	nv[(*n)++] = s;
	return 0;
}

int strv_addf(char ***v, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strv_vaddf(v, n, fmt, ap);
	va_end(ap);
	return r;
}

void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* monline.c - "SERVICE STATUS - summary | perfdata" (see monline.h). */
#include "monline.h"

#include <ctype.h>

static const char *status_name(int status)
{
	static const char *const n[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

	return status >= 0 && status <= 3 ? n[status] : "UNKNOWN";
}

int monline(struct buf *out, const char *service, int status, const char *summary,
            const char *perfdata)
{
	for (const char *s = service; *s; s++)
		if (buf_printf(out, "%c", toupper((unsigned char)*s)) < 0)
			return -1;
	if (buf_printf(out, " %s - ", status_name(status)) < 0)
		return -1;
	for (const char *s = summary ? summary : ""; *s; s++)
		if (buf_printf(out, "%c", *s == '|' ? '/' : *s == '\n' ? ' ' : *s) < 0)
			return -1;
	if (perfdata && *perfdata && buf_printf(out, " | %s", perfdata) < 0)
		return -1;
	return buf_puts(out, "\n");
}

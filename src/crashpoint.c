/* crashpoint.c - SIGKILL at a named point, only in builds with RW_CRASHPOINTS. */
#include "crashpoint.h"

#ifdef RW_CRASHPOINTS

#include <signal.h>
#include <stdlib.h>
#include <string.h>

void crashpoint(const char *name)
{
	/* How often the armed point has been passed: one counter, since only one point is armed. */
	static long passed;
	const char *want = getenv(CRASHPOINT_ENV), *colon;
	size_t len = strlen(name);
	long nth = 1;

	if (want == NULL)
		return;
	colon = strchr(want, ':');
	if ((colon ? (size_t)(colon - want) : strlen(want)) != len || strncmp(want, name, len) != 0)
		return;
	if (colon != NULL) {
		char *end = NULL;

		nth = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || *end != '\0' || nth < 1)
			return;
	}
	if (__atomic_add_fetch(&passed, 1, __ATOMIC_SEQ_CST) == nth)
		raise(SIGKILL);
}

#else
/* ISO C wants a translation unit to declare something. */
typedef int crashpoint_unused;
#endif

#include "emit.h"

#include <string.h>

static const struct emit_format formats[] = {
        {"pem", "PEM certificates, each after a comment with its name, SHA-256 and not-after",
         emit_pem},
        {NULL, NULL, NULL},
};

const struct emit_format *emit_formats(void)
{
	return formats;
}

const struct emit_format *emit_format_find(const char *name)
{
	for (const struct emit_format *f = formats; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/*
 * ustar.h - a strict reader of POSIX ustar archives held in memory (the signed catalog's format).
 *
 * Contract: ustar_parse() reads only what a catalog archive may hold and refuses everything else
 * with RW_EXIT_INPUT and a message naming the archive (origin) and the member:
 * - 512-byte headers with the "ustar\0" "00" magic and a correct checksum;
 * - regular files only (type '0' or NUL): no directories, links, devices, pax or GNU extensions;
 * - member names without a prefix, without '/', not starting with '.', of [A-Za-z0-9._-] only, at
 *   most 100 bytes, each name at most once;
 * - at most lim->max_files members, each at most lim->max_file bytes;
 * - the data padded to 512 bytes, then at least one zero block, and nothing but zeros after it
 *   (a truncated archive is refused, never read in part).
 * The entries point into data (borrowed: data must outlive them); the array is the caller's to
 * free(). The caller should verify a signature over data before calling this.
 */
#ifndef RW_USTAR_H
#define RW_USTAR_H

#include <stddef.h>

#include "err.h"

struct ustar_limits {
	size_t max_files; /* default 64 */
	size_t max_file;  /* bytes, default 1 MiB */
};

struct ustar_entry {
	char name[101];
	const unsigned char *data; /* borrowed, into the archive */
	size_t size;
};

#define USTAR_DEFAULT_MAX_FILES 64
#define USTAR_DEFAULT_MAX_FILE (1024 * 1024)

int ustar_parse(const unsigned char *data, size_t len, const struct ustar_limits *lim,
                const char *origin, struct ustar_entry **out, size_t *n, struct rw_err *e);

#endif

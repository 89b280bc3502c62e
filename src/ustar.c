/* ustar.c - the strict ustar reader of ustar.h (no library in Debian reads from memory with
 * these refusals built in; libarchive would accept far more formats than a catalog needs). */
#include "ustar.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK 512

/* An octal field of n bytes: digits, then NUL or spaces. -1 when malformed. */
static long long octal(const unsigned char *p, size_t n)
{
	long long v = 0;
	size_t i = 0;

	while (i < n && p[i] == ' ')
		i++;
	if (i == n || p[i] < '0' || p[i] > '7')
		return -1;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v > (1LL << 40))
			return -1;
		v = v * 8 + (p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != '\0' && p[i] != ' ')
			return -1;
	return v;
}

static int zero_block(const unsigned char *p)
{
	for (size_t i = 0; i < BLOCK; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static int valid_name(const char *s)
{
	if (s[0] == '\0' || s[0] == '.')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* Checks one header at h; fills name and size. */
static int header(const unsigned char *h, const char *origin, size_t off, char name[101],
                  long long *size, struct rw_err *e)
{
	long long sum = octal(h + 148, 8), calc = 0;

	for (size_t i = 0; i < BLOCK; i++)
		calc += (i >= 148 && i < 156) ? ' ' : h[i];
	if (memcmp(h + 257,
	           "ustar\0"
	           "00",
	           8) != 0)
		return err_set(e, RW_EXIT_INPUT, "%s: offset %zu: not a POSIX ustar header", origin,
		               off);
	if (sum < 0 || sum != calc)
		return err_set(e, RW_EXIT_INPUT, "%s: offset %zu: header checksum is wrong", origin,
		               off);
	memcpy(name, h, 100);
	name[100] = '\0';
	if (h[345] != '\0')
		return err_set(e, RW_EXIT_INPUT, "%s: '%s': a name with a directory prefix", origin,
		               name);
	if (!valid_name(name))
		return err_set(e, RW_EXIT_INPUT,
		               "%s: member '%s': a name must be a plain file name of A-Z, a-z, "
		               "0-9, '.', '_', '-' not starting with '.'",
		               origin, name);
	if (h[156] != '0' && h[156] != '\0')
		return err_set(e, RW_EXIT_INPUT, "%s: '%s': not a regular file (type '%c')", origin,
		               name, h[156] >= 32 && h[156] < 127 ? h[156] : '?');
	*size = octal(h + 124, 12);
	if (*size < 0)
		return err_set(e, RW_EXIT_INPUT, "%s: '%s': malformed size field", origin, name);
	return 0;
}

int ustar_parse(const unsigned char *data, size_t len, const struct ustar_limits *lim,
                const char *origin, struct ustar_entry **out, size_t *n, struct rw_err *e)
{
	size_t max_files = lim && lim->max_files ? lim->max_files : USTAR_DEFAULT_MAX_FILES;
	size_t max_file = lim && lim->max_file ? lim->max_file : USTAR_DEFAULT_MAX_FILE;
	struct ustar_entry *v = NULL;
	size_t off = 0, k = 0;
	int ended = 0;

	*out = NULL;
	*n = 0;
	if (len % BLOCK != 0)
		return err_set(
		        e, RW_EXIT_INPUT,
		        "%s: %zu bytes is not a whole number of 512-byte blocks (truncated?)",
		        origin, len);
	v = calloc(max_files + 1, sizeof(*v));
	if (v == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	while (off + BLOCK <= len) {
		const unsigned char *h = data + off;
		long long size = 0;

		if (zero_block(h)) {
			ended = 1;
			break;
		}
		if (k == max_files) {
			err_set(e, RW_EXIT_INPUT, "%s: more than %zu members", origin, max_files);
			goto fail;
		}
		if (header(h, origin, off, v[k].name, &size, e) < 0)
			goto fail;
		if ((unsigned long long)size > max_file) {
			err_set(e, RW_EXIT_INPUT, "%s: '%s': %lld bytes, more than the %zu allowed",
			        origin, v[k].name, size, max_file);
			goto fail;
		}
		for (size_t i = 0; i < k; i++)
			if (strcmp(v[i].name, v[k].name) == 0) {
				err_set(e, RW_EXIT_INPUT, "%s: '%s' appears twice", origin,
				        v[k].name);
				goto fail;
			}
		off += BLOCK;
		if ((size_t)size > len - off) {
			err_set(e, RW_EXIT_INPUT,
			        "%s: '%s': the archive ends inside it (truncated)", origin,
			        v[k].name);
			goto fail;
		}
		v[k].data = data + off;
		v[k].size = (size_t)size;
		off += ((size_t)size + BLOCK - 1) / BLOCK * BLOCK;
		if (off > len) {
			err_set(e, RW_EXIT_INPUT, "%s: '%s': padding missing (truncated)", origin,
			        v[k].name);
			goto fail;
		}
		k++;
	}
	if (!ended) {
		err_set(e, RW_EXIT_INPUT, "%s: no end-of-archive block (truncated)", origin);
		goto fail;
	}
	for (; off < len; off++)
		if (data[off] != 0) {
			err_set(e, RW_EXIT_INPUT, "%s: data after the end-of-archive block",
			        origin);
			goto fail;
		}
	*out = v;
	*n = k;
	return 0;
fail:
	free(v);
	return -1;
}

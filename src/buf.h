/*
 * buf.h - a growable byte buffer with a hard size limit.
 *
 * Contract: a struct buf owns its data. buf_init sets the limit (bytes, 0 = SIZE_MAX); an append
 * that would pass the limit fails with -1 and leaves the buffer as it was, so a download or a
 * report can never grow without bound. data is always NUL-terminated (the NUL is not counted in
 * len). buf_free releases the data and may be called on a zeroed or already freed buffer.
 */
#ifndef RW_BUF_H
#define RW_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

void buf_init(struct buf *b, size_t max);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the data to the caller (who frees it) and leaves the buffer empty. */
char *buf_steal(struct buf *b, size_t *len);
void buf_free(struct buf *b);

#endif

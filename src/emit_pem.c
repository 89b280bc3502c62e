/* emit_pem.c - the PEM bundle: OpenSSL, libpq, the MySQL clients, curl and Go read it as is. */
#include "emit.h"

#include <gnutls/gnutls.h>
#include <pthread.h>
#include <unistd.h>

#include "date.h"

/* A certificate's name may hold anything; a comment line must not end early. */
static int put_label(struct buf *out, const char *label)
{
	for (const unsigned char *p = (const unsigned char *)label; *p; p++) {
		char ch = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;

		if (buf_append(out, &ch, 1) < 0)
			return -1;
	}
	return 0;
}

int emit_pem_block(const struct cert *c, struct buf *out, struct rw_err *e)
{
	gnutls_datum_t der = {c->der, (unsigned)c->der_len}, pem = {NULL, 0};
	char when[21];
	int r = gnutls_pem_base64_encode2("CERTIFICATE", &der, &pem);

	if (r < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: cannot encode: %s", c->label,
		               gnutls_strerror(r));
	time_format(c->not_after, when);
	r = buf_puts(out, "# ") < 0 || put_label(out, c->label) < 0 ||
	                    buf_printf(out, "\n# SHA-256: %s\n# Not after: %s\n", c->sha256, when) <
	                            0 ||
	                    buf_append(out, pem.data, pem.size) < 0
	            ? -1
	            : 0;
	gnutls_free(pem.data);
	if (r < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", c->label);
	return 0;
}

/*
 * The blocks are encoded by one thread per CPU (at most PEM_THREADS), a batch of PEM_BATCH blocks
 * each at a time, and written in bundle order, one write per batch: the same bytes whatever the
 * thread count, and never more than a batch of text in memory.
 */
#define PEM_THREADS 8
#define PEM_BATCH 512
#define PEM_MIN_PARALLEL 256

struct pem_part {
	const struct bundle *b;
	size_t from, to;
	struct buf out;
	struct rw_err err;
	int rc;
};

static void *pem_encode(void *arg)
{
	struct pem_part *p = arg;

	p->out.len = 0;
	p->rc = 0;
	for (size_t i = p->from; i < p->to; i++) {
		if (i > 0 && buf_append(&p->out, "\n", 1) < 0) {
			p->rc = err_set(&p->err, RW_EXIT_FAILURE, "out of memory");
			break;
		}
		if (emit_pem_block(p->b->certs.v[i], &p->out, &p->err) < 0) {
			p->rc = -1;
			break;
		}
	}
	return NULL;
}

int emit_pem(const struct bundle *b, const char *dest, const struct emit_opts *o, struct rw_err *e)
{
	struct save *s = save_open(dest, &o->save, e);
	struct pem_part part[PEM_THREADS];
	pthread_t tid[PEM_THREADS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = b->certs.n < PEM_MIN_PARALLEL || cpus < 1 ? 1 : (size_t)cpus;
	int rc = 0;

	if (s == NULL)
		return SAVE_ERROR;
	if (nt > PEM_THREADS)
		nt = PEM_THREADS;
	for (size_t k = 0; k < nt; k++) {
		part[k].b = b;
		buf_init(&part[k].out, 0);
		err_clear(&part[k].err);
	}
	for (size_t start = 0; start < b->certs.n && rc == 0;) {
		size_t end = start + PEM_BATCH * nt, per, started = 1;

		if (end > b->certs.n)
			end = b->certs.n;
		per = (end - start + nt - 1) / nt;
		for (size_t k = 0; k < nt; k++) {
			part[k].from = start + k * per < end ? start + k * per : end;
			part[k].to = part[k].from + per < end ? part[k].from + per : end;
		}
		/* Part 0 is this thread's; a thread that cannot start has its part done here. */
		for (size_t k = 1; k < nt; k++)
			if (pthread_create(&tid[k], NULL, pem_encode, &part[k]) != 0)
				pem_encode(&part[k]);
			else
				started |= (size_t)1 << k;
		pem_encode(&part[0]);
		for (size_t k = 1; k < nt; k++)
			if (started & ((size_t)1 << k))
				pthread_join(tid[k], NULL);
		for (size_t k = 0; k < nt && rc == 0; k++) {
			if (part[k].rc < 0) {
				if (e != NULL)
					*e = part[k].err;
				err_prefix(e, dest);
				rc = -1;
			} else {
				save_write(s, part[k].out.data, part[k].out.len);
			}
		}
		start = end;
	}
	for (size_t k = 0; k < nt; k++)
		buf_free(&part[k].out);
	if (rc < 0) {
		save_discard(s);
		return SAVE_ERROR;
	}
	return save_finish(s, e);
}

int emit_pem_read(const char *path, const struct emit_opts *o, struct certlist *out,
                  struct rw_err *e)
{
	return certs_read_file(path, out, e);
}

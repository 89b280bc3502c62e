/* fuzz_probe_reply.c - what a hostile server answers before TLS starts: the PostgreSQL
 * SSLRequest answer, the MySQL HandshakeV10, the TDS PRELOGIN response (probe_<proto>.c's start
 * functions). The first input byte picks the protocol; the rest is what the "server" sends, over
 * a socketpair that is then closed. The start functions must never read past what they were
 * sent, hang (the deadline is now) or crash. */
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "date.h"
#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"postgres", "mysql", "sqlserver"};
	const struct probe_scheme *sc;
	struct probe_url u = {0};
	struct probe_conn c = {0};
	struct probe_preamble p = {0};
	char why[256];
	int sv[2];

	if (size < 1 || size > 65536)
		return 0;
	sc = probe_scheme_find(names[data[0] % 3]);
	if (sc == NULL || sc->start == NULL || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	/* the whole answer is queued before the client reads (a socketpair buffers 64 KiB+) */
	if (size > 1 && write(sv[1], data + 1, size - 1) < 0) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	shutdown(sv[1], SHUT_WR);
	u.scheme = sc;
	c.fd = sv[0];
	c.u = &u;
	c.deadline = monotonic_seconds() + 0.2;
	(void)sc->start(&c, &p, why, sizeof(why));
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/*
 * mssql_conf.h - the TLS settings of SQL Server on Linux, read from mssql.conf
 * (default /var/opt/mssql/mssql.conf, written by mssql-conf).
 *
 * The file is INI: "[section]" lines, "key = value" lines, blank lines and comments starting
 * with '#' or ';'. libconfig cannot read INI, so this is a small line reader. Only the [network]
 * section's tlscert, tlskey, tlsprotocols, tlsciphers and forceencryption are kept (key names are
 * compared without case); every other section and key is ignored, but every line must still be a
 * section, a key = value, a comment or blank.
 *
 * Contract: mssql_conf_read()/mssql_conf_parse() return a struct mssql_conf the caller frees with
 * mssql_conf_free() (safe with NULL). Errors are "path:line: why" (a line that is neither, a bad
 * forceencryption or tlsprotocols value) or "path: why" (missing, unreadable) with status
 * RW_CHECK_UNKNOWN; on error *out is NULL.
 */
#ifndef RW_MSSQL_CONF_H
#define RW_MSSQL_CONF_H

#include <stddef.h>

#include "err.h"

#define MSSQL_CONF_DEFAULT_PATH "/var/opt/mssql/mssql.conf"

/* Bits of mssql_conf.tls_protocols. */
enum { MSSQL_TLS10 = 1, MSSQL_TLS11 = 2, MSSQL_TLS12 = 4, MSSQL_TLS13 = 8 };

struct mssql_conf {
	char *path;
	char *tlscert;          /* NULL: not set */
	char *tlskey;           /* NULL: not set */
	char *tlsprotocols;     /* the value as written, NULL: not set */
	unsigned tls_protocols; /* MSSQL_TLS* bits of tlsprotocols, 0 when not set */
	char *tlsciphers;       /* NULL: not set */
	int forceencryption;    /* 0 or 1; -1: not set (SQL Server's default is 0) */
	int line_tlscert, line_tlskey, line_tlsprotocols, line_forceencryption;
};

int mssql_conf_parse(const char *data, size_t len, const char *path, struct mssql_conf **out,
                     struct rw_err *e);
int mssql_conf_read(const char *path, struct mssql_conf **out, struct rw_err *e);
void mssql_conf_free(struct mssql_conf *c);

#endif

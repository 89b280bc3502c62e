/* fuzz_mssql_conf.c - SQL Server's mssql.conf (mssql_conf.h: mssql_conf_parse). */
#include <stddef.h>
#include <stdint.h>

#include "mssql_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mssql_conf *c = NULL;
	struct rw_err e = {{0}, 0};

	if (mssql_conf_parse((const char *)data, size, "mssql.conf", &c, &e) == 0)
		mssql_conf_free(c);
	return 0;
}

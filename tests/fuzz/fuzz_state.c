/* fuzz_state.c - the state files read back (store.h): a JSON document of each kind, and the
 * counters, validated and added to (store_counters_get, store_counter_add). */
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = {"sync", "bundles", "hooks", "fetch"};
	struct store *st = NULL;
	struct rw_err e = {{0}, 0};
	json_t *doc = NULL;
	char name[64];

	if (store_open(fuzz_dir(), 1, &st, &e) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(name, sizeof(name), "%s/x.json", kinds[i]);
		fuzz_file(name, data, size);
		if (store_json_get(st, kinds[i], "x", &doc, &e) == 0)
			json_decref(doc);
	}
	fuzz_file("sync/counters.json", data, size);
	if (store_counters_get(st, &doc, &e) >= 0) {
		long long total;

		store_counter_add(doc, "fetch_failures", "r1", 1, &total);
		json_decref(doc);
	}
	store_free(st);
	return 0;
}

/* fuzz_catalog.c - a catalog (catalog.h: catalog_load of a directory holding catalog.conf). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "catalog.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The root the seed catalog names (file = "root.pem"): corpus/cert/root.pem. */
static const char seed_root[] = "-----BEGIN CERTIFICATE-----\n"
                                "MIIBeDCCAR+gAwIBAgIBATAKBggqhkjOPQQDAjAkMSIwIAYDVQQDExlyb290d2Fy\n"
                                "ZGVuIGZ1enogc2VlZCByb290MB4XDTI2MTIwMTEwMjEzNVoXDTM2MTEyODEwMjEz\n"
                                "NVowJDEiMCAGA1UEAxMZcm9vdHdhcmRlbiBmdXp6IHNlZWQgcm9vdDBZMBMGByqG\n"
                                "SM49AgEGCCqGSM49AwEHA0IABEPzbVyYN/5adW7iKqLR5DCTyeuDIBQiv1aRegiU\n"
                                "xfaqafSGgOkDHl0hlOfunD7r9XSSxApVOShZd8WX0wLNLWGjQjBAMA8GA1UdEwEB\n"
                                "/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgIEMB0GA1UdDgQWBBRIlbFF08JsMcec5fUB\n"
                                "3WlMTvmNczAKBggqhkjOPQQDAgNHADBEAiBZx4axv2cgDazgigS199TV78v946mk\n"
                                "Zlvm57G5H9+TgQIgRSY5n8V9DQR1wisOCH3InspEkIebCvXnkxUtTOgbNQk=\n"
                                "-----END CERTIFICATE-----\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int placed;
	struct catalog *cat = NULL;
	struct rw_err e = {{0}, 0};

	if (!placed) {
		fuzz_file("root.pem", (const uint8_t *)seed_root, sizeof(seed_root) - 1);
		placed = 1;
	}
	fuzz_file("catalog.conf", data, size);
	if (catalog_load(fuzz_dir(), &cat, &e) == 0)
		catalog_free(cat);
	return 0;
}

/*
 * fuzz.h - shared by the libFuzzer targets in tests/fuzz/ (fuzz_<parser>.c, one per parser of
 * untrusted bytes; CMake picks up every fuzz_*.c).
 *
 * Contract: fuzz_file() writes the input to a file of the given name in a private directory made
 * once per process (under $TMPDIR, else /tmp) and returns its path (owned by fuzz.h, valid until
 * the next call); fuzz_dir() is that directory. Targets that read paths, not bytes (the
 * configuration, the catalog, the state files), go through it. Nothing here prints.
 */
#ifndef RW_FUZZ_H
#define RW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

const char *fuzz_dir(void);
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

#endif

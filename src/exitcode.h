/*
 * exitcode.h - every exit status rootwarden returns, in one place. The README's "Exit status"
 * table is generated from the same words; keep the two in step.
 *
 * Agent and bundle commands (bundle, roots, config, sync):
 */
#ifndef RW_EXITCODE_H
#define RW_EXITCODE_H

enum rw_exit {
	RW_EXIT_OK = 0,      /* success; for sync: nothing needed changing */
	RW_EXIT_FAILURE = 1, /* could not finish: an output could not be written, a hook failed */
	RW_EXIT_USAGE = 2,   /* bad command line (also a malformed --at date) */
	RW_EXIT_INPUT = 3,   /* bad input: catalog, configuration, certificate, pin, profile */
	RW_EXIT_LOCKED = 4,  /* sync: another sync holds the lock */
	RW_EXIT_CHANGED = 5, /* sync: success, and at least one bundle was updated */
	/* sync: bundles are correct, but a fetch failed, a root was quarantined or a configured
	 * check did not pass */
	RW_EXIT_DEGRADED = 6,
};

/* Monitoring commands (rotation, check ...) follow the monitoring-plugin convention instead. */
enum rw_check_exit {
	RW_CHECK_OK = 0,
	RW_CHECK_WARNING = 1,
	RW_CHECK_CRITICAL = 2,
	RW_CHECK_UNKNOWN = 3, /* could not check: usage error, missing or unreadable input */
};

#endif

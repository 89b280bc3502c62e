/*
 * check.h - the "rootwarden check" family. Each kind is a front end cmd_check_<kind>.c with a
 * main-like entry point that gets argv starting at the kind's name and returns a monitoring-plugin
 * status (enum rw_check_exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
 */
#ifndef RW_CHECK_H
#define RW_CHECK_H

struct check_kind {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *usage;
};

int check_bundle_main(int argc, char **argv);
int check_sqlserver_main(int argc, char **argv);
int check_key_main(int argc, char **argv);
int check_token_main(int argc, char **argv);

/* Each check's full synopsis and options (for 'rootwarden help check'). */
extern const char check_bundle_usage[];
extern const char check_sqlserver_usage[];
extern const char check_key_usage[];
extern const char check_token_usage[];

/*
 * A check from the agent configuration (config.h, kind "sqlserver" or "key"), run by sync
 * (check_agent.c). On return 0, *status is the monitoring-plugin status (3 when the check could
 * not run: a missing file, a bad password) and *summary a malloc'd one-line summary the caller
 * frees ("CRITICAL: 1 FAIL (eku), 2 WARN (forceencryption, tlsprotocols), 9 PASS"). -1 (with e)
 * only for an unknown kind or policy, or out of memory.
 */
struct config_check;
struct rw_err;
int check_run_configured(const struct config_check *cc, int *status, char **summary,
                         struct rw_err *e);

#endif

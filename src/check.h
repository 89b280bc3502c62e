/*
 * check.h - the "rootwarden check" family. Each kind is a file check_<kind>.c with a main-like
 * entry point that gets argv starting at the kind's name and returns a monitoring-plugin status
 * (enum rw_check_exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
 */
#ifndef RW_CHECK_H
#define RW_CHECK_H

struct check_kind {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

int check_bundle_main(int argc, char **argv);
int check_sqlserver_main(int argc, char **argv);
int check_key_main(int argc, char **argv);

#endif

/*
 * hooks.h - running post-update hooks safely.
 *
 * Contract:
 * - hooks_collect() lists the hooks for one event: first the configured argv hooks (in order),
 *   then every executable in hooks_dir in byte order of name (hidden files and files without an
 *   execute bit are skipped; a missing hooks_dir means no directory hooks). A hook (or hooks_dir)
 *   that is group- or world-writable, or owned by someone other than root or the running user, is
 *   listed with 'refused' set to the reason and is never run; so is one whose real path or any
 *   directory above it fails the same rule (see hook_refusal). 'path' is the real path that runs.
 *   argv[0] of a configured hook is an absolute path or a bare name looked up in HOOK_PATH (a
 *   relative path with '/' is refused). The list owns everything in it (hooklist_free).
 * - hook_run() runs one hook without a shell: in its own process group, cwd "/", only fds 0-2
 *   open (descriptors inherited from whoever started rootwarden are closed), with a clean
 *   environment (PATH=HOOK_PATH, ROOTWARDEN_EVENT and the event's variables, nothing else
 *   inherited), the event's JSON document on stdin, stdout and stderr captured together (at most
 *   HOOK_OUTPUT_MAX bytes kept). After timeout_s seconds the whole process group is killed
 *   (SIGKILL); so it is, as a failure, when the hook can no longer be watched (poll fails). It
 *   returns 0 when the hook exited with status 0, else -1; either way r describes what happened
 *   (hook_result_free releases it). It never prints.
 * - A hook leaves nothing running. While it runs, rootwarden is a child subreaper
 *   (PR_SET_CHILD_SUBREAPER), so a daemon it starts (even with setsid, out of its process group)
 *   re-parents to rootwarden instead of init; once the hook has exited, every such process is
 *   killed (SIGKILL) and reaped, and r->left_behind names them by pid and argv[0] (the same text
 *   is appended to r->output). Children the caller already had when hook_run started are left
 *   alone. That does not change the hook's status: a hook that must start a
 *   service asks the service manager to (systemctl reload/restart), it does not fork one.
 * - Environment values are at most HOOK_ENV_VALUE_MAX bytes. A longer one (ROOTWARDEN_ADDED /
 *   ROOTWARDEN_REMOVED of a large change) is cut after the last whole space-separated entry that
 *   fits, NAME_TRUNCATED=1 is set for it and ROOTWARDEN_TRUNCATED=1 once; the JSON on stdin
 *   always has the full lists. The environment is built before fork; the child only execs.
 * - Events: one runner for every event type. "bundle-updated" (sync) sets ROOTWARDEN_BUNDLE,
 *   ROOTWARDEN_BUNDLE_PATH, ROOTWARDEN_FORMAT, ROOTWARDEN_ADDED, ROOTWARDEN_REMOVED; another event
 *   (e.g. "rotation-upcoming") passes its own name and variables through the same struct.
 */
#ifndef RW_HOOKS_H
#define RW_HOOKS_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "err.h"

#define HOOK_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define HOOK_OUTPUT_MAX ((size_t)64 << 10)
/* The longest value of one environment variable a hook gets (the kernel refuses an exec with one
 * string over 128 KiB, MAX_ARG_STRLEN); the full lists are in the JSON on stdin. */
#define HOOK_ENV_VALUE_MAX ((size_t)8 << 10)

#define HOOK_EVENT_BUNDLE_UPDATED "bundle-updated"
#define HOOK_EVENT_ROTATION_UPCOMING "rotation-upcoming"

struct hook_env {
	const char *name; /* e.g. "ROOTWARDEN_BUNDLE" */
	const char *value;
};

struct hook_event {
	const char *event;          /* ROOTWARDEN_EVENT */
	const struct hook_env *env; /* further variables */
	size_t n_env;
	const char *input; /* one JSON document for stdin ("" for none) */
};

struct hook {
	char **argv;   /* NULL-terminated */
	char *path;    /* the real path that runs (symlinks resolved), or NULL when refused */
	char *id;      /* stable identity for retries: the argv joined by spaces */
	char *refused; /* why it is not run, or NULL */
};

struct hooklist {
	struct hook *v;
	size_t n;
};

struct hook_result {
	int ran;           /* the process was started */
	int status;        /* exit status when it exited, else -1 */
	int signal;        /* the signal that ended it, or 0 */
	int timed_out;     /* killed at the timeout */
	char *reason;      /* "exit 0", "exit 3", "timed out after 60s; process group killed",
	                      "refused: ...", ... (malloc'd) */
	char *left_behind; /* "2 processes left behind, killed: 123 (sleep), 124 (sh)", or NULL */
	struct buf output;
	double seconds;
};

int hooks_collect(const struct config_hook *own, size_t n_own, const char *hooks_dir,
                  struct hooklist *out, struct rw_err *e);
void hooklist_free(struct hooklist *l);

/* Why path may not be run as a hook (malloc'd), or NULL when it may. dir: it is hooks_dir.
 * The check is on the real path (symlinks resolved): the file (or directory) and every directory
 * from "/" down to it must be owned by root or the running user and be neither group- nor
 * world-writable (sticky or not); a refusal names the offending directory. hook_check also
 * stores the real path in *real (malloc'd, when real is not NULL and the answer is NULL): that is
 * what runs, so nobody can swap a symlink between the check and the exec. */
char *hook_refusal(const char *path, int dir);
char *hook_check(const char *path, int dir, char **real);

/* argv[0] of a configured hook as it will run: itself when absolute, else the first executable
 * of that name in HOOK_PATH (malloc'd); NULL with *why (malloc'd) when it is neither. */
char *hook_resolve(const char *cmd, char **why);

int hook_run(const struct hook *h, const struct hook_event *ev, int timeout_s,
             struct hook_result *r);
void hook_result_free(struct hook_result *r);

#endif

/* hooks.c - hooks without a shell: clean environment, own process group, timeout, bounded output.
 */
#include "hooks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crashpoint.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whether st may be trusted: owned by root or the running user and neither group- nor
 * world-writable (a sticky bit does not help: whoever owns a file there may still swap it). NULL
 * when it may; else why, naming shown and, for a directory on the way, that directory. */
static char *untrusted(const char *shown, const char *dirpath, const struct stat *st)
{
	char *why = NULL, *what = NULL;
	int r;

	if (st->st_uid == 0 || st->st_uid == geteuid()) {
		if (!(st->st_mode & (S_IWGRP | S_IWOTH)))
			return NULL;
	}
	if (dirpath && asprintf(&what, "directory %s is ", dirpath) < 0)
		return strdup("out of memory");
	if (st->st_uid != 0 && st->st_uid != geteuid())
		r = asprintf(&why,
		             "%s: %sowned by uid %ld, not by root or the running user (uid %ld)",
		             shown, what ? what : "", (long)st->st_uid, (long)geteuid());
	else
		r = asprintf(&why, "%s: %s%s-writable (mode %04o)", shown, what ? what : "",
		             (st->st_mode & S_IWOTH) ? "world" : "group",
		             (unsigned)(st->st_mode & 07777));
	free(what);
	return r < 0 ? strdup("out of memory") : why;
}

char *hook_check(const char *path, int dir, char **real)
{
	struct stat st;
	char *why = NULL, *rp = NULL, *shown = NULL;
	int r = 0;

	if (real)
		*real = NULL;
	if ((rp = realpath(path, NULL)) == NULL) {
		r = asprintf(&why, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (strcmp(rp, path) == 0)
		shown = strdup(path);
	else if (asprintf(&shown, "%s -> %s", path, rp) < 0)
		shown = NULL;
	if (shown == NULL) {
		r = -1;
		goto out;
	}
	if (stat(rp, &st) < 0)
		r = asprintf(&why, "%s: %s", shown, strerror(errno));
	else if (dir && !S_ISDIR(st.st_mode))
		r = asprintf(&why, "%s: not a directory", shown);
	else if (!dir && !S_ISREG(st.st_mode))
		r = asprintf(&why, "%s: not a regular file", shown);
	else if ((why = untrusted(shown, NULL, &st)) != NULL)
		goto out;
	else if (!dir && access(rp, X_OK) != 0)
		r = asprintf(&why, "%s: not executable", shown);
	if (r < 0 || why)
		goto out;
	/* Every directory from "/" down to it: whoever may write one of them may swap the hook
	 * between this check and its execution. rp is canonical: no ".", "..", or symlinks. */
	for (char *slash = rp; slash != NULL; slash = strchr(slash + 1, '/')) {
		char keep = slash[1];

		if (slash[1] == '\0')
			break;
		slash[1] = '\0';
		if (slash != rp)
			slash[0] = '\0';
		if (stat(rp, &st) < 0)
			r = asprintf(&why, "%s: directory %s: %s", shown, rp, strerror(errno));
		else
			why = untrusted(shown, rp, &st);
		if (slash != rp)
			slash[0] = '/';
		slash[1] = keep;
		if (r < 0 || why)
			goto out;
	}
	if (real) {
		*real = rp;
		rp = NULL;
	}
out:
	free(rp);
	free(shown);
	if (r < 0)
		return strdup("out of memory");
	return why;
}

char *hook_refusal(const char *path, int dir)
{
	return hook_check(path, dir, NULL);
}

/* argv[0] as given if it is absolute, else the first executable of that name in HOOK_PATH; NULL
 * with *why set (malloc'd) when it is neither. */
static char *resolve(const char *cmd, char **why)
{
	char *path = NULL, *save = NULL, *found = NULL;

	*why = NULL;
	if (cmd[0] == '/')
		return strdup(cmd);
	if (strchr(cmd, '/') != NULL) {
		/* Relative to what? rootwarden's working directory is nobody's promise. */
		if (asprintf(why,
		             "%s: argv[0] must be absolute or a bare command name found in PATH",
		             cmd) < 0)
			*why = NULL;
		return NULL;
	}
	path = strdup(HOOK_PATH);
	for (char *d = path ? strtok_r(path, ":", &save) : NULL; d;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = NULL;

		if (asprintf(&p, "%s/%s", d, cmd) < 0)
			break;
		if (access(p, X_OK) == 0) {
			found = p;
			break;
		}
		free(p);
	}
	free(path);
	if (found == NULL && asprintf(why, "%s: not found in %s", cmd, HOOK_PATH) < 0)
		*why = NULL;
	return found;
}

static char *join_argv(char *const *argv)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	for (size_t i = 0; argv[i]; i++)
		if ((i && buf_puts(&b, " ") < 0) || buf_puts(&b, argv[i]) < 0) {
			buf_free(&b);
			return NULL;
		}
	s = buf_steal(&b, NULL);
	buf_free(&b);
	return s;
}

char *hook_resolve(const char *cmd, char **why)
{
	return resolve(cmd, why);
}

static int push(struct hooklist *l, char **argv, const char *path, char *refused)
{
	struct hook *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	struct hook *h;

	if (nv == NULL)
		return -1;
	l->v = nv;
	h = &l->v[l->n++];
	memset(h, 0, sizeof(*h));
	h->argv = argv;
	h->refused = refused;
	h->path = path ? strdup(path) : NULL;
	h->id = join_argv(argv);
	return (path && !h->path) || !h->id ? -1 : 0;
}

static char **argv_dup(char *const *argv, size_t argc)
{
	char **v = calloc(argc + 1, sizeof(char *));

	for (size_t i = 0; v && i < argc; i++)
		if ((v[i] = strdup(argv[i])) == NULL) {
			for (size_t k = 0; k < i; k++)
				free(v[k]);
			free(v);
			return NULL;
		}
	return v;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int hooks_collect(const struct config_hook *own, size_t n_own, const char *hooks_dir,
                  struct hooklist *out, struct rw_err *e)
{
	DIR *d = NULL;
	struct dirent *de;
	char **names = NULL, *why = NULL, *abs_dir = NULL;
	size_t n = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n_own; i++) {
		char **argv = argv_dup(own[i].argv, own[i].argc);
		char *found = argv ? resolve(argv[0], &why) : NULL, *path = NULL;

		if (found) {
			why = hook_check(found, 0, &path);
			free(found);
		}
		if (argv == NULL || push(out, argv, path, why) < 0) {
			free(path);
			goto oom;
		}
		free(path);
	}
	if (hooks_dir == NULL || access(hooks_dir, F_OK) != 0)
		return 0;
	if ((why = hook_refusal(hooks_dir, 1)) != NULL) {
		char **argv = calloc(2, sizeof(char *));

		if (argv == NULL || (argv[0] = strdup(hooks_dir)) == NULL ||
		    push(out, argv, NULL, why) < 0) {
			free(argv);
			goto oom;
		}
		return 0;
	}
	/* Paths of directory hooks are absolute, because hooks run in "/". */
	if (hooks_dir[0] != '/' && (abs_dir = realpath(hooks_dir, NULL)) != NULL)
		hooks_dir = abs_dir;
	if ((d = opendir(hooks_dir)) == NULL) {
		rc = err_set(e, RW_EXIT_FAILURE, "%s: cannot read the directory: %s", hooks_dir,
		             strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		char **nv, *p = NULL;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s", hooks_dir, de->d_name) < 0)
			goto oom;
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
			free(p);
			continue;
		}
		nv = realloc(names, (n + 1) * sizeof(*nv));
		if (nv == NULL) {
			free(p);
			goto oom;
		}
		names = nv;
		names[n++] = p;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		char **argv = calloc(2, sizeof(char *));
		char *real = NULL;

		if (argv == NULL)
			goto oom;
		argv[0] = names[i];
		names[i] = NULL;
		why = hook_check(argv[0], 0, &real);
		if (push(out, argv, real, why) < 0) {
			free(real);
			goto oom;
		}
		free(real);
	}
	rc = 0;
	goto out;
oom:
	rc = err_set(e, RW_EXIT_FAILURE, "%s: out of memory", hooks_dir ? hooks_dir : "hooks");
out:
	for (size_t i = 0; i < n; i++)
		free(names ? names[i] : NULL);
	free(names);
	if (d)
		closedir(d);
	free(abs_dir);
	if (rc < 0)
		hooklist_free(out);
	return rc;
}

void hooklist_free(struct hooklist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = 0; l->v[i].argv && l->v[i].argv[k]; k++)
			free(l->v[i].argv[k]);
		free(l->v[i].argv);
		free(l->v[i].path);
		free(l->v[i].id);
		free(l->v[i].refused);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void hook_result_free(struct hook_result *r)
{
	free(r->reason);
	free(r->left_behind);
	r->reason = r->left_behind = NULL;
	buf_free(&r->output);
}

/* In the child: close every descriptor above stderr, those rootwarden inherited from whoever
 * started it (cron, a wrapper shell) included; its own are close-on-exec already. */
static void close_inherited(void)
{
	DIR *d;
	struct dirent *de;

	if (close_range(3, ~0U, 0) == 0)
		return;
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char *end = NULL;
			long fd = strtol(de->d_name, &end, 10);

			if (*end == '\0' && end != de->d_name && fd >= 3 && fd != dirfd(d))
				close((int)fd);
		}
		closedir(d);
		return;
	}
	for (long fd = 3, max = sysconf(_SC_OPEN_MAX); fd < (max > 0 ? max : 65536); fd++)
		close((int)fd);
}

/* A value cut to at most HOOK_ENV_VALUE_MAX bytes at the last space before the cap (whole
 * entries only), or copied whole; *cut says which. */
static char *capped_value(const char *v, int *cut)
{
	size_t n = strlen(v);

	*cut = 0;
	if (n > HOOK_ENV_VALUE_MAX) {
		n = HOOK_ENV_VALUE_MAX;
		while (n > 0 && v[n] != ' ')
			n--; /* v[n] is a separator (or n is 0: one entry longer than the cap) */
		*cut = 1;
	}
	return strndup(v, n);
}

static int envp_add(char ***envp, size_t *n, const char *name, const char *value)
{
	char **nv = realloc(*envp, (*n + 2) * sizeof(char *));

	if (nv == NULL)
		return -1;
	*envp = nv;
	if (asprintf(&nv[*n], "%s=%s", name, value) < 0)
		return -1;
	nv[++*n] = NULL;
	return 0;
}

static void envp_free(char **envp)
{
	for (size_t i = 0; envp && envp[i]; i++)
		free(envp[i]);
	free(envp);
}

/* The whole environment of a hook, built before fork (the child only execs). */
static char **hook_envp(const struct hook_event *ev)
{
	char **envp = NULL, *v = NULL;
	size_t n = 0;
	int any_cut = 0;

	if (envp_add(&envp, &n, "PATH", HOOK_PATH) < 0 ||
	    envp_add(&envp, &n, "ROOTWARDEN_EVENT", ev->event) < 0)
		goto fail;
	for (size_t i = 0; i < ev->n_env; i++) {
		int cut;
		char *flag = NULL;

		if ((v = capped_value(ev->env[i].value ? ev->env[i].value : "", &cut)) == NULL ||
		    envp_add(&envp, &n, ev->env[i].name, v) < 0)
			goto fail;
		free(v);
		v = NULL;
		if (cut) {
			any_cut = 1;
			if (asprintf(&flag, "%s_TRUNCATED", ev->env[i].name) < 0)
				goto fail;
			if (envp_add(&envp, &n, flag, "1") < 0) {
				free(flag);
				goto fail;
			}
			free(flag);
		}
	}
	if (any_cut && envp_add(&envp, &n, "ROOTWARDEN_TRUNCATED", "1") < 0)
		goto fail;
	return envp;
fail:
	free(v);
	envp_free(envp);
	return NULL;
}

static void child(const struct hook *h, char *const *envp, int in, int out)
{
	sigset_t none;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	close_inherited();
	if (chdir("/") < 0)
		_exit(127);
	execve(h->path, h->argv, envp);
	dprintf(2, "%s: cannot execute: %s\n", h->path, strerror(errno));
	_exit(127);
}

/* The children of this process, from /proc/PID/stat (pid, "(comm)", state, ppid ...): after a
 * hook exits, these are what it left behind that re-parented to us as subreaper. */
static size_t our_children(pid_t *out, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t me = getpid();
	size_t n = 0;

	if (d == NULL)
		return 0;
	while (n < max && (de = readdir(d)) != NULL) {
		char p[64], b[512], *rp;
		long pid, ppid;
		ssize_t len;
		int fd;

		pid = strtol(de->d_name, &rp, 10);
		if (*rp != '\0' || pid <= 0)
			continue;
		snprintf(p, sizeof(p), "/proc/%ld/stat", pid);
		if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		len = read(fd, b, sizeof(b) - 1);
		close(fd);
		if (len <= 0)
			continue;
		b[len] = '\0';
		if ((rp = strrchr(b, ')')) == NULL || sscanf(rp + 1, " %*c %ld", &ppid) != 1)
			continue;
		if (ppid == me)
			out[n++] = (pid_t)pid;
	}
	closedir(d);
	return n;
}

/* Reads /proc/PID/NAME into out (NUL-terminated, at most size - 1 bytes); the length, or 0. */
static size_t proc_read(pid_t pid, const char *name, char *out, size_t size)
{
	char p[64];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/%ld/%s", (long)pid, name);
	out[0] = '\0';
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, out, size - 1);
	close(fd);
	if (n <= 0) {
		out[0] = '\0';
		return 0;
	}
	out[n] = '\0';
	return (size_t)n;
}

/* argv[0] of a process (for the report); its command name when it has no argv to read (caught
 * mid-exec, or a zombie), or "?". */
static void argv0_of(pid_t pid, char *out, size_t size)
{
	size_t n;

	if (proc_read(pid, "cmdline", out, size) > 0 && out[0] != '\0')
		return;
	n = proc_read(pid, "comm", out, size);
	if (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	if (n == 0)
		snprintf(out, size, "?");
}

/* Kills (SIGKILL) and reaps every process the hook left behind: its descendants that re-parented
 * to us because we are a child subreaper (a daemon started with setsid escapes the process-group
 * kill, not this). Rounds, because killing one re-parents its own children to us. Returns how
 * many; r->left_behind names them ("PID (argv0)"). */
static size_t kill_left_behind(struct hook_result *r, const pid_t *before, size_t n_before)
{
	struct buf names;
	size_t total = 0;

	buf_init(&names, 4096);
	for (int round = 0; round < 32; round++) {
		pid_t kids[64];
		size_t n = our_children(kids, sizeof(kids) / sizeof(kids[0]));

		if (n == 0)
			break;
		size_t killed = 0;

		for (size_t i = 0; i < n; i++) {
			char a0[128], item[192];
			int mine = 0;

			/* Children the caller had before the hook started are not the hook's. */
			for (size_t k = 0; k < n_before && !mine; k++)
				mine = kids[i] == before[k];
			if (mine)
				continue;
			killed++;
			argv0_of(kids[i], a0, sizeof(a0));
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
			snprintf(item, sizeof(item), "%s%ld (%s)", total ? ", " : "", (long)kids[i],
			         a0);
			buf_puts(&names, item);
			total++;
		}
		if (killed == 0)
			break;
	}
	if (total) {
		if (asprintf(&r->left_behind, "%zu process%s left behind, killed: %s", total,
		             total == 1 ? "" : "es", names.data ? names.data : "") < 0)
			r->left_behind = NULL;
	}
	buf_free(&names);
	return total;
}

static ssize_t capture(struct hook_result *r, int fd, int *open_fd, int *truncated)
{
	char b[4096];
	ssize_t n = read(fd, b, sizeof(b));

	if (n > 0) {
		size_t room = HOOK_OUTPUT_MAX - r->output.len;

		if ((size_t)n > room) {
			*truncated = 1;
			n = (ssize_t)room;
		}
		if (n > 0)
			buf_append(&r->output, b, (size_t)n);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		*open_fd = 0;
	}
	return n;
}

int hook_run(const struct hook *h, const struct hook_event *ev, int timeout_s,
             struct hook_result *r)
{
	int inp[2] = {-1, -1}, outp[2] = {-1, -1}, st = 0, out_open = 1, truncated = 0;
	int poll_errno = 0;
	const char *input = ev->input ? ev->input : "";
	size_t in_len = strlen(input), in_off = 0;
	double start = now_s(), deadline = start + timeout_s, exited_at = 0;
	void (*old_pipe)(int);
	pid_t pid, done = 0;
	char **envp = NULL;
	int reaper = 0, was_reaper = 0;
	pid_t before[64];
	size_t n_before = 0;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	buf_init(&r->output, HOOK_OUTPUT_MAX + 64);
	if (h->refused || h->path == NULL) {
		if (asprintf(&r->reason, "refused: %s", h->refused ? h->refused : "not found") < 0)
			r->reason = NULL;
		return -1;
	}
	if ((envp = hook_envp(ev)) == NULL) {
		r->reason = strdup("cannot start: out of memory");
		goto close_fds;
	}
	if (pipe2(inp, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0) {
		if (asprintf(&r->reason, "cannot start: %s", strerror(errno)) < 0)
			r->reason = NULL;
		goto close_fds;
	}
	/* While the hook runs we are a child subreaper: whatever it leaves behind re-parents to us,
	 * not to init, and is killed when the hook is done (hooks.h). */
	if (prctl(PR_GET_CHILD_SUBREAPER, &was_reaper) < 0)
		was_reaper = 0;
	reaper = prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
	if (reaper)
		n_before = our_children(before, sizeof(before) / sizeof(before[0]));
	crashpoint("hook-before");
	old_pipe = signal(SIGPIPE, SIG_IGN);
	pid = fork();
	if (pid < 0) {
		signal(SIGPIPE, old_pipe);
		if (asprintf(&r->reason, "cannot start: %s", strerror(errno)) < 0)
			r->reason = NULL;
		goto close_fds;
	}
	if (pid == 0)
		child(h, envp, inp[0], outp[1]);
	setpgid(pid, pid);
	r->ran = 1;
	crashpoint("hook-during");
	close(inp[0]);
	close(outp[1]);
	inp[0] = outp[1] = -1;
	fcntl(inp[1], F_SETFL, O_NONBLOCK);
	fcntl(outp[0], F_SETFL, O_NONBLOCK);
	if (in_len == 0) {
		close(inp[1]);
		inp[1] = -1;
	}
	for (;;) {
		struct pollfd pf[2];
		nfds_t np = 0;
		double now = now_s();

		if (!done) {
			done = waitpid(pid, &st, WNOHANG);
			if (done > 0)
				exited_at = now;
			else
				done = 0;
		}
		if (done && !out_open)
			break;
		/* The leader is gone but something it started keeps the output open: give it a
		 * second, then end the group. */
		if ((done && now - exited_at > 1.0) || now >= deadline) {
			kill(-pid, SIGKILL);
			if (!done) {
				r->timed_out = 1;
				waitpid(pid, &st, 0);
				done = pid;
			}
			break;
		}
		if (out_open) {
			pf[np].fd = outp[0];
			pf[np].events = POLLIN;
			np++;
		}
		if (inp[1] >= 0) {
			pf[np].fd = inp[1];
			pf[np].events = POLLOUT;
			np++;
		}
		if (poll(pf, np, 50) < 0 && errno != EINTR) {
			/* Nothing more can be watched: the hook has not finished as far as anyone
			 * knows, so it does not count as done. */
			poll_errno = errno;
			kill(-pid, SIGKILL);
			if (!done)
				waitpid(pid, &st, 0);
			break;
		}
		for (nfds_t i = 0; i < np; i++) {
			if (pf[i].fd == outp[0] && (pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				capture(r, outp[0], &out_open, &truncated);
			if (pf[i].fd == inp[1] && (pf[i].revents & (POLLOUT | POLLERR | POLLHUP))) {
				ssize_t w = write(inp[1], input + in_off, in_len - in_off);

				if (w > 0)
					in_off += (size_t)w;
				if ((w < 0 && errno != EAGAIN) || in_off == in_len) {
					close(inp[1]);
					inp[1] = -1;
				}
			}
		}
	}
	/* Whatever is still buffered. */
	while (out_open && capture(r, outp[0], &out_open, &truncated) > 0)
		;
	crashpoint("hook-after");
	if (reaper && kill_left_behind(r, before, n_before) > 0 && r->left_behind) {
		buf_puts(&r->output, r->output.len ? "\n[rootwarden: " : "[rootwarden: ");
		buf_puts(&r->output, r->left_behind);
		buf_puts(&r->output, "]\n");
	}
	signal(SIGPIPE, old_pipe);
	r->seconds = now_s() - start;
	if (truncated)
		buf_puts(&r->output, "\n[output truncated]\n");
	if (poll_errno) {
		if (asprintf(&r->reason, "cannot watch the hook: poll: %s; process group killed",
		             strerror(poll_errno)) < 0)
			r->reason = NULL;
	} else if (r->timed_out) {
		if (asprintf(&r->reason, "timed out after %ds; process group killed", timeout_s) <
		    0)
			r->reason = NULL;
	} else if (WIFEXITED(st)) {
		r->status = WEXITSTATUS(st);
		if (asprintf(&r->reason, "exit %d", r->status) < 0)
			r->reason = NULL;
	} else if (WIFSIGNALED(st)) {
		r->signal = WTERMSIG(st);
		if (asprintf(&r->reason, "killed by signal %d", r->signal) < 0)
			r->reason = NULL;
	}
close_fds:
	if (reaper && !was_reaper)
		prctl(PR_SET_CHILD_SUBREAPER, 0);
	envp_free(envp);
	for (int i = 0; i < 2; i++) {
		if (inp[i] >= 0)
			close(inp[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	return r->status == 0 ? 0 : -1;
}

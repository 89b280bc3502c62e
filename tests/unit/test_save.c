/* test_save.c - a written file is always the complete old or the complete new version. */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "save.h"

static int setup(void **state)
{
	*state = tu_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	tu_rmrf(*state);
	free(*state);
	return 0;
}

/* Number of entries in dir other than . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_write_then_unchanged_keeps_mtime(void **state)
{
	const char *dir = *state;
	char *p = tu_path(dir, "b.pem"), *got;
	struct rw_err e = {{0}, 0};
	struct save_opts o;
	struct stat st1, st2;
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};

	save_opts_init(&o);
	assert_int_equal(save_bytes(p, "one\n", 4, &o, &e), SAVE_WRITTEN);
	assert_int_equal(stat(p, &st1), 0);
	assert_int_equal(st1.st_mode & 07777, 0644);
	got = tu_read(p, NULL);
	assert_string_equal(got, "one\n");
	free(got);
	assert_int_equal(entries(dir), 1); /* no temp file left */

	/* put the mtime in the past, then write the same bytes: nothing is touched */
	assert_int_equal(utimensat(AT_FDCWD, p, old, 0), 0);
	assert_int_equal(save_bytes(p, "one\n", 4, &o, &e), SAVE_UNCHANGED);
	assert_int_equal(stat(p, &st2), 0);
	assert_int_equal(st2.st_mtime, 1000000000);
	assert_int_equal(st2.st_ino, st1.st_ino);
	assert_int_equal(entries(dir), 1);

	/* unchanged bytes but another mode: mode corrected, mtime still kept */
	o.mode = 0600;
	assert_int_equal(save_bytes(p, "one\n", 4, &o, &e), SAVE_UNCHANGED);
	assert_int_equal(stat(p, &st2), 0);
	assert_int_equal(st2.st_mode & 07777, 0600);
	assert_int_equal(st2.st_mtime, 1000000000);

	/* new bytes replace the file, with the mode set before the rename */
	assert_int_equal(save_bytes(p, "two\n", 4, &o, &e), SAVE_WRITTEN);
	assert_int_equal(stat(p, &st2), 0);
	assert_true(st2.st_mtime != 1000000000);
	assert_int_equal(st2.st_mode & 07777, 0600);
	got = tu_read(p, NULL);
	assert_string_equal(got, "two\n");
	free(got);
	assert_int_equal(entries(dir), 1);
	free(p);
}

static void test_failing_write_leaves_old_file(void **state)
{
	const char *dir = *state;
	char *p = tu_path(dir, "big.pem"), *got;
	struct rw_err e = {{0}, 0};
	pid_t pid;
	int status;

	assert_int_equal(save_bytes(p, "old contents\n", 13, NULL, &e), SAVE_WRITTEN);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the child may write at most 4 KiB per file: a 1 MiB bundle fails mid-way */
		struct rlimit rl = {4096, 4096};
		static char big[1 << 20];
		int r;

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		memset(big, 'x', sizeof(big));
		r = save_bytes(p, big, sizeof(big), NULL, &e);
		_exit(r == SAVE_ERROR && strstr(e.msg, "big.pem: write failed") ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	got = tu_read(p, NULL);
	assert_string_equal(got, "old contents\n");
	free(got);
	assert_int_equal(entries(dir), 1); /* the temp file was removed */
	free(p);
}

static void test_killed_mid_write_leaves_old_file(void **state)
{
	const char *dir = *state;
	char *p = tu_path(dir, "k.pem"), *got;
	struct rw_err e = {{0}, 0};
	pid_t pid;
	int status, pfd[2];
	char c;

	assert_int_equal(save_bytes(p, "complete old\n", 13, NULL, &e), SAVE_WRITTEN);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	if (pid == 0) {
		struct save *s = save_open(p, NULL, &e);
		static char half[200000];

		memset(half, 'y', sizeof(half));
		save_write(s, half, sizeof(half));
		fflush(NULL);
		(void)!write(pfd[1], "w", 1);
		pause(); /* killed here, between write and finish */
		_exit(1);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(pfd[0]);
	got = tu_read(p, NULL);
	assert_string_equal(got, "complete old\n");
	free(got);
	free(p);
}

static void test_missing_dir_and_directory_target(void **state)
{
	const char *dir = *state;
	char *p = tu_path(dir, "nope/b.pem");
	struct rw_err e = {{0}, 0};

	assert_int_equal(save_bytes(p, "x", 1, NULL, &e), SAVE_ERROR);
	assert_int_equal(e.status, RW_EXIT_FAILURE);
	assert_non_null(strstr(e.msg, "nope/b.pem: cannot create a temporary file"));
	assert_non_null(strstr(e.msg, "No such file or directory"));
	assert_int_equal(save_bytes(dir, "x", 1, NULL, &e), SAVE_ERROR);
	assert_non_null(strstr(e.msg, "is a directory"));
	assert_int_equal(entries(dir), 0);
	free(p);
}

static void test_unwritable_directory(void **state)
{
	const char *dir = *state;
	char *sub = tu_path(dir, "ro"), *p = tu_path(dir, "ro/b.pem"), *got;
	struct rw_err e = {{0}, 0};
	pid_t pid;
	int status;

	mkdir(sub, 0755);
	assert_int_equal(save_bytes(p, "old\n", 4, NULL, &e), SAVE_WRITTEN);
	chmod(dir, 0755);
	if (geteuid() != 0)
		chmod(sub, 0555);
	pid = fork();
	if (pid == 0) {
		/* As root, become nobody: the directory is then not writable for real. */
		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(2);
		_exit(save_bytes(p, "new\n", 4, NULL, &e) == SAVE_ERROR &&
		                      strstr(e.msg, "ro/b.pem: cannot create a temporary file") &&
		                      strstr(e.msg, "Permission denied")
		              ? 0
		              : 1);
	}
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	got = tu_read(p, NULL);
	assert_string_equal(got, "old\n");
	chmod(sub, 0755);
	free(got);
	free(sub);
	free(p);
}

static void test_symlink_is_written_through(void **state)
{
	const char *dir = *state;
	char *real = tu_path(dir, "real.pem"), *link = tu_path(dir, "link.pem"), *got;
	struct rw_err e = {{0}, 0};
	struct stat st;

	tu_write(real, "old\n", 4);
	assert_int_equal(symlink("real.pem", link), 0);
	assert_int_equal(save_bytes(link, "new\n", 4, NULL, &e), SAVE_WRITTEN);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	got = tu_read(real, NULL);
	assert_string_equal(got, "new\n");
	free(got);
	free(real);
	free(link);
}

static void test_discard_removes_temp(void **state)
{
	const char *dir = *state;
	char *p = tu_path(dir, "d.pem");
	struct rw_err e = {{0}, 0};
	struct save *s;

	s = save_open(p, NULL, &e);
	assert_non_null(s);
	save_write(s, "partial", 7);
	assert_int_equal(entries(dir), 1); /* the temp file */
	save_discard(s);
	assert_int_equal(entries(dir), 0);
	free(p);
}

/* A device (here a private copy of /dev/null's node) is written through, never replaced by a
 * regular file: renaming a temp over /dev/null broke this machine once. Root only (mknod). */
static void test_device_is_written_through(void **state)
{
	const char *dir = *state;
	char *dev = tu_path(dir, "null");
	struct stat st;
	struct rw_err e = {{0}, 0};

	if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) < 0) {
		free(dev);
		skip();
	}
	assert_int_equal(save_bytes(dev, "abc\n", 4, NULL, &e), SAVE_WRITTEN);
	assert_int_equal(stat(dev, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(entries(dir), 1); /* no temp beside it */
	free(dev);
}

/* ---- the directory transaction ---- */

static void set_old_mtime(const char *path)
{
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};

	assert_int_equal(utimensat(AT_FDCWD, path, old, AT_SYMLINK_NOFOLLOW), 0);
}

static time_t mtime_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mtime;
}

static void test_dir_written_unchanged_then_swapped(void **state)
{
	const char *dir = *state;
	char *p = tu_path(dir, "certs"), *a = tu_path(p, "a.pem"), *b = tu_path(p, "b.pem");
	char *c = tu_path(p, "c.pem"), *got;
	struct save_dir_entry v1[] = {{"a.pem", "AAA\n", 4}, {"b.pem", "BBB\n", 4}};
	struct save_dir_entry v2[] = {{"a.pem", "AAA\n", 4}, {"c.pem", "CCC\n", 4}};
	struct rw_err e = {{0}, 0};
	struct stat st;
	ino_t ino, ino_a;

	assert_int_equal(save_dir(p, v1, 2, NULL, &e), SAVE_WRITTEN);
	assert_int_equal(entries(p), 2);
	assert_int_equal(stat(a, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* the same set again: nothing is touched, not the files, not the directory */
	set_old_mtime(a);
	set_old_mtime(b);
	set_old_mtime(p);
	ino = st.st_ino;
	assert_int_equal(save_dir(p, v1, 2, NULL, &e), SAVE_UNCHANGED);
	assert_int_equal(mtime_of(a), 1000000000);
	assert_int_equal(mtime_of(b), 1000000000);
	assert_int_equal(mtime_of(p), 1000000000);
	/* another set: swapped in whole; the stale file is gone with the old directory */
	assert_int_equal(stat(a, &st), 0);
	ino_a = st.st_ino;
	assert_int_equal(save_dir(p, v2, 2, NULL, &e), SAVE_WRITTEN);
	assert_int_equal(stat(a, &st), 0);
	assert_true(st.st_ino == ino_a); /* an unchanged file is carried over, not rewritten */
	assert_int_equal(mtime_of(a), 1000000000);
	assert_int_equal(stat(p, &st), 0);
	assert_true(st.st_ino != ino);
	assert_int_equal(entries(p), 2);
	assert_int_equal(access(b, F_OK), -1);
	got = tu_read(c, NULL);
	assert_string_equal(got, "CCC\n");
	free(got);
	assert_int_equal(entries(dir), 1); /* no temporary or old directory left beside it */
	free(a);
	free(b);
	free(c);
	free(p);
}

static void test_dir_refusals_leave_everything(void **state)
{
	const char *dir = *state;
	char *p = tu_path(dir, "certs"), *sub = tu_path(p, "sub"), *file = tu_path(dir, "file");
	struct save_dir_entry v[] = {{"a.pem", "AAA\n", 4}};
	struct save_dir_entry bad[] = {{"../evil", "x", 1}};
	struct rw_err e = {{0}, 0};

	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(save_dir(p, v, 1, NULL, &e), SAVE_ERROR);
	assert_non_null(strstr(e.msg, "not a file; not replaced"));
	assert_int_equal(access(sub, F_OK), 0);
	tu_write(file, "keep", 4);
	assert_int_equal(save_dir(file, v, 1, NULL, &e), SAVE_ERROR);
	assert_non_null(strstr(e.msg, "is not a directory"));
	assert_int_equal(save_dir(file, bad, 1, NULL, &e), SAVE_ERROR);
	assert_int_equal(save_dir("-", v, 1, NULL, &e), SAVE_ERROR);
	assert_int_equal(entries(dir), 2);
	free(p);
	free(sub);
	free(file);
}

static void test_dir_write_fault_leaves_old_set(void **state)
{
	const char *dir = *state;
	char *p = tu_path(dir, "certs"), *got, *a;
	static char big[1 << 16];
	struct save_dir_entry v1[] = {{"a.pem", "AAA\n", 4}};
	struct save_dir_entry v2[] = {{"a.pem", "NEW\n", 4}, {"b.pem", big, sizeof(big)}};
	struct rw_err e = {{0}, 0};
	pid_t pid;
	int status;

	assert_int_equal(save_dir(p, v1, 1, NULL, &e), SAVE_WRITTEN);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {4096, 4096};

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		_exit(save_dir(p, v2, 2, NULL, &e) == SAVE_ERROR && strstr(e.msg, "write failed")
		              ? 0
		              : 1);
	}
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(entries(p), 1);
	a = tu_path(p, "a.pem");
	got = tu_read(a, NULL);
	assert_string_equal(got, "AAA\n");
	free(got);
	free(a);
	assert_int_equal(entries(dir), 1); /* the temporary directory was removed */
	free(p);
}

static void test_dir_symlink_is_written_through(void **state)
{
	const char *dir = *state;
	char *real = tu_path(dir, "real"), *link = tu_path(dir, "link");
	struct save_dir_entry v[] = {{"a.pem", "AAA\n", 4}};
	struct rw_err e = {{0}, 0};
	struct stat st;

	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink("real", link), 0);
	assert_int_equal(save_dir(link, v, 1, NULL, &e), SAVE_WRITTEN);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(entries(real), 1);
	free(real);
	free(link);
}

/* A process killed while building the new set leaves the old set whole (and at most its hidden
 * temporary directory). The child writes 5,000 files; it is killed as soon as its temporary
 * directory appears. */
static void test_dir_killed_mid_build_leaves_old_set(void **state)
{
	const char *dir = *state;
	char *p = tu_path(dir, "certs"), *a, *got;
	struct save_dir_entry v1[] = {{"a.pem", "AAA\n", 4}};
	struct rw_err e = {{0}, 0};
	int status, seen = 0;
	pid_t pid;

	assert_int_equal(save_dir(p, v1, 1, NULL, &e), SAVE_WRITTEN);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		enum { N = 5000 };
		static struct save_dir_entry v[N];
		static char names[N][16];

		for (int i = 0; i < N; i++) {
			snprintf(names[i], sizeof(names[i]), "f%05d.pem", i);
			v[i].name = names[i];
			v[i].data = "NEW\n";
			v[i].len = 4;
		}
		_exit(save_dir(p, v, N, NULL, &e) == SAVE_WRITTEN ? 0 : 1);
	}
	for (int i = 0; i < 20000 && !seen; i++) {
		DIR *d = opendir(dir);
		struct dirent *de;

		while (d && (de = readdir(d)) != NULL)
			if (strncmp(de->d_name, ".certs.rw-", 10) == 0)
				seen = 1;
		if (d)
			closedir(d);
		if (!seen)
			usleep(500);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status))
		skip(); /* the child finished before it could be killed: nothing to judge */
	assert_int_equal(entries(p), 1);
	a = tu_path(p, "a.pem");
	got = tu_read(a, NULL);
	assert_string_equal(got, "AAA\n");
	free(got);
	free(a);
	free(p);
}

/* SIGTERM/SIGINT/SIGHUP while a directory transaction is staged: the hidden temporary directory
 * goes with the process (as a file's temp does), and the old set stays whole. The signal is
 * raised from the write-ahead callback, when the new set is complete but not yet swapped in. */
static int raise_term(void *arg, const char *target, struct rw_err *e)
{
	(void)arg;
	(void)target;
	(void)e;
	raise(SIGTERM);
	return -1;
}

static void test_dir_signal_leaves_no_temp(void **state)
{
	const char *dir = *state;
	char *p = tu_path(dir, "certs"), *a, *got;
	struct save_dir_entry v1[] = {{"a.pem", "AAA\n", 4}};
	struct save_dir_entry v2[] = {{"a.pem", "NEW\n", 4}, {"b.pem", "BBB\n", 4}};
	struct rw_err e = {{0}, 0};
	int status = 0, hidden = 0;
	DIR *d;
	struct dirent *de;
	pid_t pid;

	assert_int_equal(save_dir(p, v1, 1, NULL, &e), SAVE_WRITTEN);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct save_opts o;

		save_opts_init(&o);
		o.before_commit = raise_term;
		_exit(save_dir(p, v2, 2, &o, &e) == SAVE_ERROR ? 3 : 4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, ".certs.rw-", 10) == 0)
			hidden++;
	closedir(d);
	assert_int_equal(hidden, 0);
	assert_int_equal(entries(p), 1);
	a = tu_path(p, "a.pem");
	got = tu_read(a, NULL);
	assert_string_equal(got, "AAA\n");
	free(got);
	free(a);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_write_then_unchanged_keeps_mtime, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_failing_write_leaves_old_file, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_killed_mid_write_leaves_old_file, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_missing_dir_and_directory_target, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_unwritable_directory, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_symlink_is_written_through, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_device_is_written_through, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_discard_removes_temp, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dir_written_unchanged_then_swapped, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_dir_refusals_leave_everything, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_dir_write_fault_leaves_old_set, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_dir_killed_mid_build_leaves_old_set, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_dir_symlink_is_written_through, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_dir_signal_leaves_no_temp, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

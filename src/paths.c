/* paths.c - installed locations relative to the running program (see paths.h). */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct paths {
	int done;
	char sysconfdir[PATH_MAX / 2]; /* room left for what follows it */
	char config_file[PATH_MAX];
	char hooks_dir[PATH_MAX];
	char roots_dir[PATH_MAX];
};

static struct paths P;

/* The install prefix the program sits in (PREFIX of PREFIX/BINDIR/rootwarden), or 0. */
static int exe_prefix(char *out, size_t size)
{
	const char *bindir = RW_INSTALL_BINDIR;
	size_t nb = strlen(bindir), n;
	ssize_t r;
	char *slash;

	if (bindir[0] == '/' || size < 2)
		return 0;
	r = readlink("/proc/self/exe", out, size - 1);
	if (r <= 0 || (size_t)r >= size - 1)
		return 0;
	out[r] = '\0';
	slash = strrchr(out, '/');
	if (slash == NULL)
		return 0;
	*slash = '\0';
	n = strlen(out);
	if (n <= nb || out[n - nb - 1] != '/' || strcmp(out + n - nb, bindir) != 0)
		return 0;
	out[n - nb - 1] = '\0';
	return 1;
}

/* 1 when snprintf wrote all of its output (a path that does not fit is not used). */
static int fits(int n, size_t size)
{
	return n >= 0 && (size_t)n < size;
}

/* The GNU sysconfdir rule, relocated: PREFIX ending in /usr -> its parent's etc, .../opt/NAME
 * -> .../etc/opt/NAME, else PREFIX/etc. 0 when the result does not fit. */
static int sysconf_rule(const char *prefix, char *out, size_t size)
{
	const char *etc = RW_INSTALL_SYSCONFDIR;
	const char *last = strrchr(prefix, '/');
	const char *opt = last != NULL && last - prefix >= 4 ? last - 4 : NULL;

	if (last != NULL && strcmp(last, "/usr") == 0)
		return fits(snprintf(out, size, "%.*s/%s", (int)(last - prefix), prefix, etc),
		            size);
	if (opt != NULL && strncmp(opt, "/opt/", 5) == 0 && last[1] != '\0')
		return fits(snprintf(out, size, "%.*s/%s/opt/%s", (int)(opt - prefix), prefix, etc,
		                     last + 1),
		            size);
	return fits(snprintf(out, size, "%s/%s", prefix, etc), size);
}

static void paths_init(void)
{
	char prefix[PATH_MAX / 2];
	int rel;

	if (P.done)
		return;
	rel = exe_prefix(prefix, sizeof(prefix));
	if (RW_INSTALL_SYSCONFDIR[0] == '/' || !rel)
		snprintf(P.sysconfdir, sizeof(P.sysconfdir), "%s", RW_SYSCONFDIR_STR);
	else if (!sysconf_rule(prefix, P.sysconfdir, sizeof(P.sysconfdir)))
		snprintf(P.sysconfdir, sizeof(P.sysconfdir), "%s", RW_SYSCONFDIR_STR);
	if (RW_INSTALL_DATADIR[0] == '/' || !rel ||
	    !fits(snprintf(P.roots_dir, sizeof(P.roots_dir), "%s/%s/rootwarden/roots", prefix,
	                   RW_INSTALL_DATADIR),
	          sizeof(P.roots_dir)))
		snprintf(P.roots_dir, sizeof(P.roots_dir), "%s", RW_ROOTS_INSTALL_DIR);
	if (!fits(snprintf(P.config_file, sizeof(P.config_file), "%s/rootwarden/rootwarden.conf",
	                   P.sysconfdir),
	          sizeof(P.config_file)))
		snprintf(P.config_file, sizeof(P.config_file), "%s",
		         RW_SYSCONFDIR_STR "/rootwarden/rootwarden.conf");
	if (!fits(snprintf(P.hooks_dir, sizeof(P.hooks_dir), "%s/rootwarden/hooks.d", P.sysconfdir),
	          sizeof(P.hooks_dir)))
		snprintf(P.hooks_dir, sizeof(P.hooks_dir), "%s",
		         RW_SYSCONFDIR_STR "/rootwarden/hooks.d");
	P.done = 1;
}

const char *paths_sysconfdir(void)
{
	paths_init();
	return P.sysconfdir;
}

const char *paths_config_file(void)
{
	paths_init();
	return P.config_file;
}

const char *paths_hooks_dir(void)
{
	paths_init();
	return P.hooks_dir;
}

const char *paths_roots_dir(void)
{
	paths_init();
	return P.roots_dir;
}

/*
 * paths.h - where an installed rootwarden finds its configuration and its shipped roots.
 *
 * Contract: the paths are worked out from the running program's own location, so that a build
 * configured with one prefix and installed with `cmake --install --prefix P` (or staged under
 * DESTDIR) reads what was installed beside it. When the program is PREFIX/BINDIR/rootwarden
 * (BINDIR as configured, normally "bin"):
 *   - roots:     PREFIX/DATADIR/rootwarden/roots
 *   - sysconfdir: the GNU rule applied to PREFIX: .../usr -> .../etc (so /usr gives /etc and a
 *     staged DESTDIR/usr gives DESTDIR/etc), .../opt/NAME -> .../etc/opt/NAME, else PREFIX/etc.
 * An absolute DATADIR or SYSCONFDIR given at configure time is used as is. A program anywhere
 * else (the build tree, a copy) uses the paths compiled in from the configure-time prefix.
 * The strings returned are static and valid for the life of the process; not thread-safe on
 * first call (call from main's thread, as the commands do).
 */
#ifndef RW_PATHS_H
#define RW_PATHS_H

/* The sysconfdir, e.g. "/etc". */
const char *paths_sysconfdir(void);

/* SYSCONFDIR/rootwarden/rootwarden.conf: the configuration read when --config is not given. */
const char *paths_config_file(void);

/* SYSCONFDIR/rootwarden/hooks.d: the default hooks_dir. */
const char *paths_hooks_dir(void);

/* PREFIX/DATADIR/rootwarden/roots: the installed catalog and roots. */
const char *paths_roots_dir(void);

#endif

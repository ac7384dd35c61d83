/*
 * Keeping LUO sessions alive until the kexec, for the guest helpers
 * (luo-agent, and vfio-edu and vfio-igb through vfio-device.c).
 *
 * A session lives as long as its fd: closing it unpreserves everything. A
 * helper that must return (so `ssh guest helper ...` completes) therefore
 * forks a holder that inherits the session fds, and with them whatever they
 * keep open, and blocks until the kexec replaces the kernel.
 */
#ifndef LUO_HOLDER_H
#define LUO_HOLDER_H

#include <sys/types.h>

/*
 * Fork the holder and return its pid once it is in place, or -1 with errno
 * set (from pipe2 or fork, or ECHILD when the holder died first). The holder
 * keeps every fd it inherits, so close first what it must not keep. It
 * starts its own session (no SIGHUP when ssh goes), reads /dev/null, sends
 * stdout and stderr to @log_path (/dev/null when NULL or unopenable), writes
 * {"event":"holding","pid":PID} there, then waits and never returns. Each
 * SIGUSR1 runs @on_usr1 (when not NULL) in the holder; other signals act as
 * usual (SIGTERM ends it).
 */
pid_t hold_until_kexec(const char *log_path, void (*on_usr1)(void));

#endif /* LUO_HOLDER_H */

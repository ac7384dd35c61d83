/*
 * The holder that keeps LUO session fds open until the kexec: see holder.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "holder.h"
#include "json.h"

/* stdin from /dev/null, stdout and stderr to @log_path or else /dev/null. */
static void redirect_stdio(const char *log_path)
{
	int null = open("/dev/null", O_RDWR);
	int out = log_path ? open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644) : -1;

	if (out < 0)
		out = null;
	dup2(null, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);
	if (out > STDERR_FILENO)
		close(out);
	if (null > STDERR_FILENO && null != out)
		close(null);
}

/* The holder's side: detach, say so, signal @ready, and wait for the kexec. */
static void __attribute__((noreturn)) hold(int ready, const char *log_path, void (*on_usr1)(void))
{
	sigset_t wanted;
	int signal;

	/* Taken synchronously below, so the action runs in the holder's own context, not a handler's. */
	sigemptyset(&wanted);
	sigaddset(&wanted, SIGUSR1);
	sigprocmask(SIG_BLOCK, &wanted, NULL);
	setsid();
	redirect_stdio(log_path);
	json_begin("holding");
	json_i64("pid", getpid());
	json_end();
	if (write(ready, "R", 1) != 1)
		_exit(1);
	close(ready);
	for (;;) {
		if (sigwait(&wanted, &signal) == 0 && on_usr1)
			on_usr1();
	}
}

pid_t hold_until_kexec(const char *log_path, void (*on_usr1)(void))
{
	int ready[2];
	pid_t pid;
	char byte;

	/* Nothing buffered may be printed twice, once by each process. */
	fflush(NULL);
	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(ready[0]);
		close(ready[1]);
		errno = err;
		return -1;
	}
	if (pid == 0) {
		close(ready[0]);
		hold(ready[1], log_path, on_usr1);
	}
	close(ready[1]);
	if (read(ready[0], &byte, 1) != 1) {
		close(ready[0]);
		errno = ECHILD;
		return -1;
	}
	close(ready[0]);
	return pid;
}

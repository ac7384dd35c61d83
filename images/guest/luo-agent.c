/*
 * luo-agent: the guest side of luo-harness for Live Update (LUO) memfds.
 *
 *   luo-agent probe
 *   luo-agent prepare SPEC... [--seal[=SEALS]] [--close NAME]... [--log FILE]
 *   luo-agent verify SPEC... [--seal[=SEALS]] [--no-finish] [--hold] [--log FILE]
 *   luo-agent carry SPEC --to NAME --reseed DELTA [--seal[=SEALS]] [--log FILE]
 *   luo-agent retrieve NAME
 *
 * SPEC is SESSION=TOKEN:KIND:SEED:SIZE[,TOKEN:KIND:SEED:SIZE...], KIND one of
 * prng, walking, addr (see pattern.h), SIZE with an optional K/M/G suffix.
 * SEALS is a comma list of seal, shrink, grow, write, future_write, exec, or
 * none; bare --seal means seal,shrink,grow,write.
 *
 * Every line on stdout is one JSON object with an "event" field (json.h).
 * Exit status: 0 success, 1 verification mismatch or failed syscall,
 * 2 bad usage.
 *
 * Build: gcc -static -O2 -Wall -Wextra -Werror -isystem HDR/include \
 *            -o luo-agent luo-agent.c holder.c pattern.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/liveupdate.h>

#include "holder.h"
#include "json.h"
#include "pattern.h"

/* Newer than the glibc headers we may build against; values are uAPI. */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

#define LIVEUPDATE_DEV "/dev/liveupdate"
#define DEFAULT_LOG "/run/luo-agent.log"
#define DEFAULT_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static const char usage_text[] =
	"luo-agent probe | "
	"prepare SPEC... [--seal[=SEALS]] [--close NAME]... [--log FILE] | "
	"verify SPEC... [--seal[=SEALS]] [--no-finish] [--hold] [--log FILE] | "
	"carry SPEC --to NAME --reseed DELTA [--seal[=SEALS]] [--log FILE] | "
	"retrieve NAME; "
	"SPEC: SESSION=TOKEN:KIND:SEED:SIZE[,...], KIND prng|walking|addr; "
	"SEALS: none or seal,shrink,grow,write,future_write,exec";

static const struct {
	unsigned int bit;
	const char *name;
} seal_names[] = {
	{ F_SEAL_SEAL, "seal" },
	{ F_SEAL_SHRINK, "shrink" },
	{ F_SEAL_GROW, "grow" },
	{ F_SEAL_WRITE, "write" },
	{ F_SEAL_FUTURE_WRITE, "future_write" },
	{ F_SEAL_EXEC, "exec" },
};

struct memfd_spec {
	uint64_t token;
	enum pattern_kind kind;
	uint64_t seed;
	uint64_t size;
	int fd;
};

struct session_spec {
	const char *name;
	struct memfd_spec *memfds;
	size_t nr_memfds;
	int fd;			/* session fd, -1 while not open */
	bool close_before_kexec;	/* --close: the negative test */
};

struct options {
	struct session_spec *sessions;
	size_t nr_sessions;
	bool seal;		/* --seal given: MFD_ALLOW_SEALING + seals */
	unsigned int seals;
	const char *log;
	bool no_finish;
	bool hold;
	const char *to;
	bool have_reseed;
	uint64_t reseed;
};

/* Which options a command accepts. */
enum {
	OPT_SEAL = 1 << 0,
	OPT_CLOSE = 1 << 1,
	OPT_LOG = 1 << 2,
	OPT_NO_FINISH = 1 << 3,
	OPT_HOLD = 1 << 4,
	OPT_TO = 1 << 5,
	OPT_RESEED = 1 << 6,
};

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	/* Same shape as a failed syscall (as in vfio-edu): op "usage", no errno. */
	json_begin("error");
	json_str("op", "usage");
	json_null("session");
	json_null("token");
	json_null("errno");
	json_str("message", message);
	json_str("usage", usage_text);
	json_end();
	exit(2);
}

static const char *errno_name(int err)
{
	static char unknown[16];
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(unknown, sizeof(unknown), "%d", err);
	return unknown;
}

/* One "error" line for a failed syscall or ioctl; errno is kept. */
static void report_error(const char *op, const char *session,
			 const struct memfd_spec *memfd)
{
	int err = errno;

	json_begin("error");
	json_str("op", op);
	json_str("session", session);
	if (memfd)
		json_u64_str("token", memfd->token);
	else
		json_null("token");
	json_str("errno", errno_name(err));
	json_str("message", strerror(err));
	json_end();
	errno = err;
}

/* An errno by name ("ENOENT"), or null for 0. */
static void emit_errno(const char *key, int err)
{
	if (err)
		json_str(key, errno_name(err));
	else
		json_null(key);
}

static void emit_seals(const char *key, unsigned int seals)
{
	json_array_begin(key);
	for (size_t i = 0; i < sizeof(seal_names) / sizeof(seal_names[0]); i++) {
		if (seals & seal_names[i].bit) {
			json_item_str(seal_names[i].name);
			seals &= ~seal_names[i].bit;
		}
	}
	if (seals) {	/* a seal newer than this helper: show it, do not hide it */
		char hex[16];

		snprintf(hex, sizeof(hex), "0x%x", seals);
		json_item_str(hex);
	}
	json_array_end();
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The file position we leave in each memfd before preserving it. LUO carries
 * f_pos over; a value that is neither 0 nor the size shows it really did.
 */
static uint64_t expected_position(const struct memfd_spec *memfd)
{
	return memfd->size / 2;
}

/* ---- /dev/liveupdate and session ioctls: every struct gets its size. ---- */

static int luo_open(void)
{
	int fd = open(LIVEUPDATE_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		report_error("open", NULL, NULL);
	return fd;
}

static int luo_create_session(int luo, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	if (ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg) < 0)
		return -1;
	return arg.fd;
}

static int luo_retrieve_session(int luo, const char *name)
{
	struct liveupdate_ioctl_retrieve_session arg = { .size = sizeof(arg) };

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	if (ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg) < 0)
		return -1;
	return arg.fd;
}

static int luo_preserve_fd(int session, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg),
		.fd = fd,
		.token = token,
	};

	return ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &arg);
}

static int luo_retrieve_fd(int session, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg),
		.token = token,
	};

	if (ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) < 0)
		return -1;
	return arg.fd;
}

static int luo_finish(int session)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };

	return ioctl(session, LIVEUPDATE_SESSION_FINISH, &arg);
}

/* ---- memfds ---- */

/* Write the pattern through a shared mapping: no copy, no per-byte calls. */
static int write_pattern(int fd, const char *session, const struct memfd_spec *memfd)
{
	void *map;

	if (!memfd->size)
		return 0;
	map = mmap(NULL, memfd->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		/* EPERM here means the memfd is write-sealed. */
		report_error("mmap", session, memfd);
		return -1;
	}
	pattern_fill(memfd->kind, memfd->seed, map, memfd->size);
	munmap(map, memfd->size);
	return 0;
}

/* memfd_create + size + pattern + seals + position; returns the fd or -1. */
static int create_memfd(const char *session, const struct memfd_spec *memfd,
			const struct options *opts)
{
	/*
	 * MFD_EXEC explicitly: without it the kernel picks EXEC or NOEXEC_SEAL
	 * from vm.memfd_noexec, and the seals we must find after kexec would
	 * depend on a sysctl. Without --seal the memfd is not sealable, which
	 * F_GET_SEALS reports as F_SEAL_SEAL.
	 */
	unsigned int flags = MFD_CLOEXEC | MFD_EXEC | (opts->seal ? MFD_ALLOW_SEALING : 0);
	char name[96];
	int fd;

	snprintf(name, sizeof(name), "luo-agent:%s:%" PRIu64, session, memfd->token);
	fd = memfd_create(name, flags);
	if (fd < 0) {
		report_error("memfd_create", session, memfd);
		return -1;
	}
	if (ftruncate(fd, (off_t)memfd->size) < 0) {
		report_error("ftruncate", session, memfd);
		goto fail;
	}
	if (write_pattern(fd, session, memfd))
		goto fail;
	/* After the mapping is gone: F_SEAL_WRITE refuses writable mappings. */
	if (opts->seal && opts->seals && fcntl(fd, F_ADD_SEALS, opts->seals) < 0) {
		report_error("F_ADD_SEALS", session, memfd);
		goto fail;
	}
	if (lseek(fd, (off_t)expected_position(memfd), SEEK_SET) < 0) {
		report_error("lseek", session, memfd);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static void emit_preserved(const char *session, const struct memfd_spec *memfd,
			   int fd, uint64_t fill_ms)
{
	int seals = fcntl(fd, F_GET_SEALS);

	json_begin("preserved");
	json_str("session", session);
	json_u64_str("token", memfd->token);
	json_str("kind", pattern_kind_name(memfd->kind));
	json_u64_str("seed", memfd->seed);
	json_u64("size", memfd->size);
	emit_seals("seals", seals < 0 ? 0 : (unsigned int)seals);
	json_u64("position", expected_position(memfd));
	json_u64("fill_ms", fill_ms);
	json_end();
}

/*
 * Check a retrieved memfd: size, seals, position, then every byte. Emits one
 * "verified" line and returns whether everything matched.
 */
static bool verify_memfd(const char *session, const struct memfd_spec *memfd,
			 int fd, const struct options *opts)
{
	unsigned int expected_seals = opts->seal ? opts->seals : F_SEAL_SEAL;
	struct pattern_result result = { .ok = true };
	uint64_t start = now_ms(), found_size, checked;
	struct stat st;
	off_t position;
	int seals;
	bool ok;

	if (fstat(fd, &st) < 0) {
		report_error("fstat", session, memfd);
		return false;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		report_error("F_GET_SEALS", session, memfd);
		return false;
	}
	position = lseek(fd, 0, SEEK_CUR);
	if (position < 0) {
		report_error("lseek", session, memfd);
		return false;
	}

	/* A wrong size is reported, and the common prefix still checked. */
	found_size = (uint64_t)st.st_size;
	checked = (found_size < memfd->size ? found_size : memfd->size) & ~7ULL;
	if (checked) {
		void *map = mmap(NULL, checked, PROT_READ, MAP_SHARED, fd, 0);

		if (map == MAP_FAILED) {
			report_error("mmap", session, memfd);
			return false;
		}
		pattern_verify(memfd->kind, memfd->seed, map, checked, &result);
		munmap(map, checked);
	}

	ok = result.ok && found_size == memfd->size &&
	     (unsigned int)seals == expected_seals &&
	     (uint64_t)position == expected_position(memfd);

	json_begin("verified");
	json_str("session", session);
	json_u64_str("token", memfd->token);
	json_str("kind", pattern_kind_name(memfd->kind));
	json_u64_str("seed", memfd->seed);
	json_u64("size", memfd->size);
	json_u64("size_found", found_size);
	json_bool("size_ok", found_size == memfd->size);
	emit_seals("seals", (unsigned int)seals);
	emit_seals("seals_expected", expected_seals);
	json_bool("seals_ok", (unsigned int)seals == expected_seals);
	json_u64("position", (uint64_t)position);
	json_bool("position_ok", (uint64_t)position == expected_position(memfd));
	json_u64("bytes_checked", result.bytes_checked);
	json_u64("bad_bytes", result.bad_bytes);
	if (!result.ok) {
		char byte[8];

		json_u64("first_bad_offset", result.first_bad_offset);
		snprintf(byte, sizeof(byte), "0x%02x", result.expected);
		json_str("expected", byte);
		snprintf(byte, sizeof(byte), "0x%02x", result.found);
		json_str("found", byte);
		/* An addr word names its own offset: say where this one came from. */
		if (memfd->kind == PATTERN_ADDR)
			json_hex("found_looks_like_offset", result.found_word ^ memfd->seed);
	}
	json_u64("verify_ms", now_ms() - start);
	json_bool("ok", ok);
	json_end();
	return ok;
}

/* ---- keeping sessions alive until kexec ---- */

/*
 * Hand the session fds to a holder (holder.h) and report it. /dev/liveupdate
 * is closed first, in us and so in the holder: the device admits one opener
 * at a time (EBUSY for the next), and session fds work without it.
 */
static int hold_sessions(int luo, const struct session_spec *sessions,
			 size_t nr_sessions, const char *log)
{
	pid_t pid;

	close(luo);
	pid = hold_until_kexec(log);
	if (pid < 0) {
		/* ECHILD: the holder died before taking over; the sessions are gone. */
		report_error("holder", NULL, NULL);
		return 1;
	}
	json_begin("ready");
	json_i64("pid", pid);
	json_array_begin("sessions");
	for (size_t i = 0; i < nr_sessions; i++) {
		if (sessions[i].fd >= 0)
			json_item_str(sessions[i].name);
	}
	json_array_end();
	json_str("log", log);
	json_end();
	return 0;
}

/* ---- commands ---- */

static int cmd_probe(void)
{
	int luo, session = -1, memfd = -1;
	int open_err = 0, session_err = 0, preserve_err = 0;
	bool dev_exists = access(LIVEUPDATE_DEV, F_OK) == 0;
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];

	/* Failures are the answer here, so they go into the probe line only. */
	luo = open(LIVEUPDATE_DEV, O_RDWR | O_CLOEXEC);
	if (luo < 0) {
		open_err = errno;
	} else {
		snprintf(name, sizeof(name), "luo-agent-probe-%d", (int)getpid());
		session = luo_create_session(luo, name);
		if (session < 0) {
			session_err = errno;
		} else {
			memfd = memfd_create("luo-agent-probe", MFD_CLOEXEC);
			if (memfd < 0 || ftruncate(memfd, 4096) < 0 ||
			    luo_preserve_fd(session, memfd, 1) < 0)
				preserve_err = errno;
		}
	}
	/* Closing the session unpreserves the memfd: the probe leaves nothing. */
	if (memfd >= 0)
		close(memfd);
	if (session >= 0)
		close(session);
	if (luo >= 0)
		close(luo);

	json_begin("probe");
	json_bool("dev_liveupdate", dev_exists);
	emit_errno("open_errno", open_err);
	emit_errno("session_errno", session_err);
	if (session < 0)
		json_null("memfd_preserve");
	else
		json_bool("memfd_preserve", !preserve_err);
	emit_errno("memfd_errno", preserve_err);
	json_end();
	return 0;
}

static int cmd_prepare(struct options *opts)
{
	int luo = luo_open();

	if (luo < 0)
		return 1;
	for (size_t s = 0; s < opts->nr_sessions; s++) {
		struct session_spec *session = &opts->sessions[s];

		session->fd = luo_create_session(luo, session->name);
		if (session->fd < 0) {
			report_error("LIVEUPDATE_IOCTL_CREATE_SESSION", session->name, NULL);
			return 1;
		}
		for (size_t m = 0; m < session->nr_memfds; m++) {
			struct memfd_spec *memfd = &session->memfds[m];
			uint64_t start = now_ms();
			int fd = create_memfd(session->name, memfd, opts);

			if (fd < 0)
				return 1;
			if (luo_preserve_fd(session->fd, fd, memfd->token) < 0) {
				report_error("LIVEUPDATE_SESSION_PRESERVE_FD", session->name, memfd);
				return 1;
			}
			emit_preserved(session->name, memfd, fd, now_ms() - start);
			/* LUO holds its own reference to the file from here on. */
			close(fd);
		}
	}
	for (size_t s = 0; s < opts->nr_sessions; s++) {
		struct session_spec *session = &opts->sessions[s];

		if (!session->close_before_kexec)
			continue;
		/* Closing the session fd unpreserves its files: gone after kexec. */
		close(session->fd);
		session->fd = -1;
		json_begin("closed");
		json_str("session", session->name);
		json_end();
	}
	return hold_sessions(luo, opts->sessions, opts->nr_sessions, opts->log);
}

/* Retrieve a session and verify each memfd; the memfd fds stay open in memfd->fd. */
static bool retrieve_and_verify(int luo, struct session_spec *session,
				const struct options *opts)
{
	bool ok = true;

	session->fd = luo_retrieve_session(luo, session->name);
	if (session->fd < 0) {
		report_error("LIVEUPDATE_IOCTL_RETRIEVE_SESSION", session->name, NULL);
		return false;
	}
	for (size_t m = 0; m < session->nr_memfds; m++) {
		struct memfd_spec *memfd = &session->memfds[m];

		memfd->fd = luo_retrieve_fd(session->fd, memfd->token);
		if (memfd->fd < 0) {
			report_error("LIVEUPDATE_SESSION_RETRIEVE_FD", session->name, memfd);
			ok = false;
			continue;
		}
		if (!verify_memfd(session->name, memfd, memfd->fd, opts))
			ok = false;
	}
	return ok;
}

static bool finish_session(const struct session_spec *session)
{
	if (luo_finish(session->fd) < 0) {
		/* EBUSY: a file handler still refuses; the session stays. */
		report_error("LIVEUPDATE_SESSION_FINISH", session->name, NULL);
		return false;
	}
	json_begin("finished");
	json_str("session", session->name);
	json_end();
	return true;
}

static int cmd_verify(struct options *opts)
{
	bool ok = true;
	int luo = luo_open();

	if (luo < 0)
		return 1;
	for (size_t s = 0; s < opts->nr_sessions; s++) {
		struct session_spec *session = &opts->sessions[s];

		if (!retrieve_and_verify(luo, session, opts))
			ok = false;
		if (session->fd < 0)
			continue;
		/*
		 * Without FINISH the session still finishes when its fd closes
		 * (at our exit), unless --hold keeps it open.
		 */
		if (!opts->no_finish && !finish_session(session))
			ok = false;
		for (size_t m = 0; m < session->nr_memfds; m++) {
			if (session->memfds[m].fd >= 0)
				close(session->memfds[m].fd);
		}
	}
	/*
	 * --hold keeps the retrieved session fds: while they are open a second
	 * RETRIEVE_SESSION gets EINVAL; once closed the session is gone (ENOENT).
	 */
	if (opts->hold) {
		if (hold_sessions(luo, opts->sessions, opts->nr_sessions, opts->log))
			return 1;
	}
	return ok ? 0 : 1;
}

static int cmd_carry(struct options *opts)
{
	struct session_spec *from = &opts->sessions[0];
	struct session_spec to = { .name = opts->to, .fd = -1 };
	int luo = luo_open();

	if (luo < 0)
		return 1;
	if (!retrieve_and_verify(luo, from, opts))
		return 1;

	/*
	 * Rewrite in place: the retrieved memfds are ordinary memfds again. With
	 * a zero delta there is nothing to rewrite, which lets write-sealed
	 * memfds be carried too.
	 */
	for (size_t m = 0; m < from->nr_memfds && opts->reseed; m++) {
		struct memfd_spec *memfd = &from->memfds[m];

		memfd->seed += opts->reseed;
		if (write_pattern(memfd->fd, from->name, memfd))
			return 1;
	}

	/*
	 * FINISH before preserving again: until then LUO still owns the files
	 * and a second PRESERVE_FD of the same file would get EBUSY.
	 */
	if (!finish_session(from))
		return 1;
	close(from->fd);
	from->fd = -1;

	to.fd = luo_create_session(luo, to.name);
	if (to.fd < 0) {
		report_error("LIVEUPDATE_IOCTL_CREATE_SESSION", to.name, NULL);
		return 1;
	}
	for (size_t m = 0; m < from->nr_memfds; m++) {
		struct memfd_spec *memfd = &from->memfds[m];

		if (luo_preserve_fd(to.fd, memfd->fd, memfd->token) < 0) {
			report_error("LIVEUPDATE_SESSION_PRESERVE_FD", to.name, memfd);
			return 1;
		}
		emit_preserved(to.name, memfd, memfd->fd, 0);
		close(memfd->fd);
	}
	return hold_sessions(luo, &to, 1, opts->log);
}

static int cmd_retrieve(const char *name)
{
	int luo = luo_open(), session, err;

	if (luo < 0)
		return 1;
	/*
	 * The kernel judges, we report: ENOENT for an unknown name, EINVAL while
	 * another fd of the retrieved session is open. Note: a successful
	 * retrieve here consumes the session, as closing a retrieved session
	 * finishes it.
	 */
	session = luo_retrieve_session(luo, name);
	err = session < 0 ? errno : 0;
	json_begin("retrieve");
	json_str("session", name);
	json_bool("ok", session >= 0);
	emit_errno("errno", err);
	json_end();
	return 0;
}

/* ---- argument parsing ---- */

static unsigned int parse_seals(const char *list)
{
	unsigned int seals = 0;
	char *copy = strdup(list), *rest = copy, *name;

	if (!copy)
		usage_error("out of memory");
	if (!strcmp(list, "none")) {
		free(copy);
		return 0;
	}
	while ((name = strsep(&rest, ","))) {
		size_t i;

		for (i = 0; i < sizeof(seal_names) / sizeof(seal_names[0]); i++) {
			if (!strcmp(name, seal_names[i].name))
				break;
		}
		if (i == sizeof(seal_names) / sizeof(seal_names[0]))
			usage_error("unknown seal '%s' in --seal=%s", name, list);
		seals |= seal_names[i].bit;
	}
	free(copy);
	return seals;
}

static void check_session_name(const char *name, const char *arg)
{
	if (!*name || strlen(name) >= LIVEUPDATE_SESSION_NAME_LENGTH)
		usage_error("session name in '%s' must be 1..%d characters", arg,
			    LIVEUPDATE_SESSION_NAME_LENGTH - 1);
}

/* SESSION=TOKEN:KIND:SEED:SIZE[,...] into @session; exits on bad input. */
static void parse_spec(const char *arg, struct session_spec *session)
{
	char *copy = strdup(arg), *entries, *entry;
	size_t count = 1;

	if (!copy)
		usage_error("out of memory");
	entries = strchr(copy, '=');
	if (!entries)
		usage_error("spec '%s' has no '=': want SESSION=TOKEN:KIND:SEED:SIZE", arg);
	*entries++ = '\0';
	check_session_name(copy, arg);
	for (const char *p = entries; *p; p++)
		count += *p == ',';

	session->name = copy;
	session->fd = -1;
	session->memfds = calloc(count, sizeof(*session->memfds));
	if (!session->memfds)
		usage_error("out of memory");
	while ((entry = strsep(&entries, ","))) {
		struct memfd_spec *memfd = &session->memfds[session->nr_memfds++];
		char *field[4], *rest = entry;
		int n = 0;

		while (n < 4 && (field[n] = strsep(&rest, ":")))
			n++;
		if (n != 4 || rest)
			usage_error("entry '%s' in '%s': want TOKEN:KIND:SEED:SIZE", entry, arg);
		if (pattern_parse_u64(field[0], &memfd->token))
			usage_error("bad token '%s' in '%s'", field[0], arg);
		if (pattern_kind_parse(field[1], &memfd->kind))
			usage_error("bad kind '%s' in '%s': want prng, walking or addr",
				    field[1], arg);
		if (pattern_parse_u64(field[2], &memfd->seed))
			usage_error("bad seed '%s' in '%s'", field[2], arg);
		if (pattern_parse_size(field[3], &memfd->size) ||
		    memfd->size > (uint64_t)INT64_MAX)
			usage_error("bad size '%s' in '%s': want a multiple of 8, K/M/G allowed",
				    field[3], arg);
		memfd->fd = -1;
	}
}

static const char *option_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		usage_error("%s needs a value", argv[*i]);
	return argv[++*i];
}

static void parse_args(int argc, char **argv, unsigned int allowed, struct options *opts)
{
	const char *closes[argc];
	size_t nr_closes = 0;

	opts->sessions = calloc((size_t)argc, sizeof(*opts->sessions));
	if (!opts->sessions)
		usage_error("out of memory");
	opts->log = DEFAULT_LOG;

	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i];
		unsigned int option = 0;

		if (!strcmp(arg, "--seal") || !strncmp(arg, "--seal=", 7)) {
			option = OPT_SEAL;
			opts->seal = true;
			opts->seals = arg[6] ? parse_seals(arg + 7) : DEFAULT_SEALS;
		} else if (!strcmp(arg, "--close")) {
			option = OPT_CLOSE;
			closes[nr_closes++] = option_value(argc, argv, &i);
		} else if (!strcmp(arg, "--log")) {
			option = OPT_LOG;
			opts->log = option_value(argc, argv, &i);
		} else if (!strcmp(arg, "--no-finish")) {
			option = OPT_NO_FINISH;
			opts->no_finish = true;
		} else if (!strcmp(arg, "--hold")) {
			option = OPT_HOLD;
			opts->hold = true;
		} else if (!strcmp(arg, "--to")) {
			option = OPT_TO;
			opts->to = option_value(argc, argv, &i);
			check_session_name(opts->to, opts->to);
		} else if (!strcmp(arg, "--reseed")) {
			option = OPT_RESEED;
			if (pattern_parse_u64(option_value(argc, argv, &i), &opts->reseed))
				usage_error("bad --reseed '%s'", argv[i]);
			opts->have_reseed = true;
		} else if (!strncmp(arg, "--", 2)) {
			usage_error("unknown option '%s' for %s", arg, argv[1]);
		} else {
			parse_spec(arg, &opts->sessions[opts->nr_sessions++]);
		}
		if (option && !(allowed & option))
			usage_error("option '%s' does not apply to %s", arg, argv[1]);
	}

	for (size_t c = 0; c < nr_closes; c++) {
		size_t s;

		for (s = 0; s < opts->nr_sessions; s++) {
			if (!strcmp(opts->sessions[s].name, closes[c]))
				break;
		}
		if (s == opts->nr_sessions)
			usage_error("--close %s: no such session among the specs", closes[c]);
		opts->sessions[s].close_before_kexec = true;
	}
}

int main(int argc, char **argv)
{
	struct options opts = { 0 };
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "probe")) {
		if (argc != 2)
			usage_error("probe takes no arguments");
		return cmd_probe();
	}
	if (!strcmp(cmd, "retrieve")) {
		if (argc != 3)
			usage_error("retrieve takes exactly one session name");
		check_session_name(argv[2], argv[2]);
		return cmd_retrieve(argv[2]);
	}
	if (!strcmp(cmd, "prepare")) {
		parse_args(argc, argv, OPT_SEAL | OPT_CLOSE | OPT_LOG, &opts);
		if (!opts.nr_sessions)
			usage_error("prepare needs at least one SPEC");
		return cmd_prepare(&opts);
	}
	if (!strcmp(cmd, "verify")) {
		parse_args(argc, argv, OPT_SEAL | OPT_NO_FINISH | OPT_HOLD | OPT_LOG, &opts);
		if (!opts.nr_sessions)
			usage_error("verify needs at least one SPEC");
		return cmd_verify(&opts);
	}
	if (!strcmp(cmd, "carry")) {
		parse_args(argc, argv, OPT_SEAL | OPT_TO | OPT_RESEED | OPT_LOG, &opts);
		if (opts.nr_sessions != 1 || !opts.to || !opts.have_reseed)
			usage_error("carry needs one SPEC, --to NAME and --reseed DELTA");
		return cmd_carry(&opts);
	}
	usage_error("unknown command '%s'", cmd);
}

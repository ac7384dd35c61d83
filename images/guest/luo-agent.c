/*
 * luo-agent: the guest side of luo-harness for Live Update (LUO) memfds.
 *
 *   luo-agent probe
 *   luo-agent prepare SPEC... [--seal] [--close NAME]...
 *   luo-agent verify SPEC... [--seal] [--hold]
 *   luo-agent carry SPEC --to NAME --reseed DELTA [--seal]
 *   luo-agent retrieve NAME
 *   luo-agent uapi
 *
 * SPEC is SESSION=TOKEN:KIND:SEED:SIZE[,TOKEN:KIND:SEED:SIZE...], KIND one of
 * prng, walking, addr (see pattern.h), SIZE with an optional K/M/G suffix.
 * --seal: the memfds are sealable and sealed seal,shrink,grow,write.
 *
 * Every line on stdout is one JSON object with an "event" field (json.h,
 * helper.h). Exit status: 0 success, 1 verification mismatch or failed
 * syscall, 2 bad usage. Holders log to /run/luo-agent.log.
 *
 * Build: gcc -static -O2 -Wall -Wextra -Werror -isystem HDR/include \
 *            -o luo-agent luo-agent.c holder.c pattern.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"
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

#define HOLDER_LOG "/run/luo-agent.log"
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static const char usage_text[] =
	"luo-agent probe | prepare SPEC... [--seal] [--close NAME]... | "
	"verify SPEC... [--seal] [--hold] | carry SPEC --to NAME --reseed DELTA [--seal] | "
	"retrieve NAME | uapi; SPEC: SESSION=TOKEN:KIND:SEED:SIZE[,...], KIND prng|walking|addr";

#define usage(...) usage_exit(usage_text, __VA_ARGS__)

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
	bool seal;		/* --seal: MFD_ALLOW_SEALING + SEALS */
	bool hold;
	const char *to;
	bool have_reseed;
	uint64_t reseed;
};

/* A failed call about one memfd, or about a session (@memfd NULL). */
static void memfd_error(const char *op, const char *session, const struct memfd_spec *memfd)
{
	if (memfd)
		report_error(op, errno, "session %s, token %" PRIu64, session, memfd->token);
	else
		report_error(op, errno, "session %s", session);
}

/* Seal names, "0x40" for one newer than this helper: shown, not hidden. */
static void emit_seals(const char *key, unsigned int seals)
{
	json_array_begin(key);
	for (size_t i = 0; i < sizeof(seal_names) / sizeof(seal_names[0]); i++) {
		if (seals & seal_names[i].bit) {
			json_item_str(seal_names[i].name);
			seals &= ~seal_names[i].bit;
		}
	}
	if (seals) {
		char hex[16];

		snprintf(hex, sizeof(hex), "0x%x", seals);
		json_item_str(hex);
	}
	json_array_end();
}

/* The same seals as text for a problem: "seal,write". */
static const char *seals_text(unsigned int seals, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(seal_names) / sizeof(seal_names[0]); i++) {
		if ((seals & seal_names[i].bit) && n < len) {
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", seal_names[i].name);
			seals &= ~seal_names[i].bit;
		}
	}
	if (seals && n < len)
		snprintf(buf + n, len - n, "%s0x%x", n ? "," : "", seals);
	return buf;
}

/*
 * The file position we leave in each memfd before preserving it. LUO carries
 * f_pos over; a value that is neither 0 nor the size shows it really did.
 */
static uint64_t expected_position(const struct memfd_spec *memfd)
{
	return memfd->size / 2;
}

static int luo_open(void)
{
	int fd = open(LIVEUPDATE_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		report_error("open", errno, "%s", LIVEUPDATE_DEV);
	return fd;
}

/* ---- memfds ---- */

/*
 * Write the pattern through a shared mapping: no copy, no per-byte calls.
 * MAP_POPULATE maps every page at once: under TCG a fault per 4 KiB page
 * costs more than filling it.
 */
static int write_pattern(int fd, const char *session, const struct memfd_spec *memfd)
{
	void *map;

	if (!memfd->size)
		return 0;
	map = mmap(NULL, memfd->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED) {
		/* EPERM here means the memfd is write-sealed. */
		memfd_error("mmap", session, memfd);
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
		memfd_error("memfd_create", session, memfd);
		return -1;
	}
	if (ftruncate(fd, (off_t)memfd->size) < 0) {
		memfd_error("ftruncate", session, memfd);
		goto fail;
	}
	if (write_pattern(fd, session, memfd))
		goto fail;
	/* After the mapping is gone: F_SEAL_WRITE refuses writable mappings. */
	if (opts->seal && fcntl(fd, F_ADD_SEALS, SEALS) < 0) {
		memfd_error("F_ADD_SEALS", session, memfd);
		goto fail;
	}
	if (lseek(fd, (off_t)expected_position(memfd), SEEK_SET) < 0) {
		memfd_error("lseek", session, memfd);
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
 * "verified" line with the verdict and returns it; -1 when a call failed
 * (an "error" line says which) and nothing could be judged.
 */
static int verify_memfd(const char *session, const struct memfd_spec *memfd,
			int fd, const struct options *opts)
{
	unsigned int expected_seals = opts->seal ? SEALS : F_SEAL_SEAL;
	struct pattern_result result = { .ok = true };
	uint64_t start = now_ms(), found_size, checked;
	struct problems problems = { .count = 0 };
	char have[80], want[80];
	struct stat st;
	off_t position;
	int seals, intact;

	if (fstat(fd, &st) < 0) {
		memfd_error("fstat", session, memfd);
		return -1;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		memfd_error("F_GET_SEALS", session, memfd);
		return -1;
	}
	position = lseek(fd, 0, SEEK_CUR);
	if (position < 0) {
		memfd_error("lseek", session, memfd);
		return -1;
	}

	/* A wrong size is reported, and the common prefix still checked. */
	found_size = (uint64_t)st.st_size;
	checked = (found_size < memfd->size ? found_size : memfd->size) & ~7ULL;
	if (checked) {
		/* Populated at once, as in write_pattern(). */
		void *map = mmap(NULL, checked, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);

		if (map == MAP_FAILED) {
			memfd_error("mmap", session, memfd);
			return -1;
		}
		pattern_verify(memfd->kind, memfd->seed, map, checked, &result);
		munmap(map, checked);
	}

	if (found_size != memfd->size)
		problem(&problems, "size %" PRIu64 ", expected %" PRIu64, found_size, memfd->size);
	if ((unsigned int)seals != expected_seals)
		problem(&problems, "seals [%s], expected [%s]",
			seals_text((unsigned int)seals, have, sizeof(have)),
			seals_text(expected_seals, want, sizeof(want)));
	if ((uint64_t)position != expected_position(memfd))
		problem(&problems, "file position %" PRIu64 ", expected %" PRIu64,
			(uint64_t)position, expected_position(memfd));

	json_begin("verified");
	json_str("session", session);
	json_u64_str("token", memfd->token);
	json_str("kind", pattern_kind_name(memfd->kind));
	json_u64_str("seed", memfd->seed);
	json_u64("size", memfd->size);
	json_u64("size_found", found_size);
	emit_seals("seals", (unsigned int)seals);
	emit_seals("seals_expected", expected_seals);
	json_u64("position", (uint64_t)position);
	json_pattern_result(&result, &problems);
	json_u64("verify_ms", now_ms() - start);
	intact = json_verdict(&problems);
	json_end();
	return intact;
}

/* ---- keeping sessions alive until kexec ---- */

/*
 * Hand the session fds to a holder (holder.h) and report it. /dev/liveupdate
 * is closed first, in us and so in the holder: the device admits one opener
 * at a time (EBUSY for the next), and session fds work without it.
 */
static int hold_sessions(int luo, const struct session_spec *sessions, size_t nr_sessions)
{
	pid_t pid;

	close(luo);
	pid = hold_until_kexec(HOLDER_LOG, NULL);
	if (pid < 0) {
		/* ECHILD: the holder died before taking over; the sessions are gone. */
		report_error("holder", errno, "could not start the holder");
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
	json_str("log", HOLDER_LOG);
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
	json_errno("open_errno", open_err);
	json_errno("session_errno", session_err);
	if (session < 0)
		json_null("memfd_preserve");
	else
		json_bool("memfd_preserve", !preserve_err);
	json_errno("memfd_errno", preserve_err);
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
			memfd_error("LIVEUPDATE_IOCTL_CREATE_SESSION", session->name, NULL);
			return 1;
		}
		for (size_t m = 0; m < session->nr_memfds; m++) {
			struct memfd_spec *memfd = &session->memfds[m];
			uint64_t start = now_ms();
			int fd = create_memfd(session->name, memfd, opts);

			if (fd < 0)
				return 1;
			if (luo_preserve_fd(session->fd, fd, memfd->token) < 0) {
				memfd_error("LIVEUPDATE_SESSION_PRESERVE_FD", session->name, memfd);
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
	return hold_sessions(luo, opts->sessions, opts->nr_sessions);
}

/*
 * Retrieve a session and verify each memfd; the memfd fds stay open in
 * memfd->fd. Returns 1 all intact, 0 some verdict failed, -1 some memfd
 * could not be retrieved or checked.
 */
static int retrieve_and_verify(int luo, struct session_spec *session,
			       const struct options *opts)
{
	int outcome = 1;

	session->fd = luo_retrieve_session(luo, session->name);
	if (session->fd < 0) {
		memfd_error("LIVEUPDATE_IOCTL_RETRIEVE_SESSION", session->name, NULL);
		return -1;
	}
	for (size_t m = 0; m < session->nr_memfds; m++) {
		struct memfd_spec *memfd = &session->memfds[m];
		int verdict;

		memfd->fd = luo_retrieve_fd(session->fd, memfd->token);
		if (memfd->fd < 0) {
			memfd_error("LIVEUPDATE_SESSION_RETRIEVE_FD", session->name, memfd);
			outcome = -1;
			continue;
		}
		verdict = verify_memfd(session->name, memfd, memfd->fd, opts);
		if (verdict < outcome)
			outcome = verdict;
	}
	return outcome;
}

static bool finish_session(const struct session_spec *session)
{
	if (luo_finish(session->fd) < 0) {
		/* EBUSY: a file handler still refuses; the session stays. */
		memfd_error("LIVEUPDATE_SESSION_FINISH", session->name, NULL);
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

		if (retrieve_and_verify(luo, session, opts) < 1)
			ok = false;
		if (session->fd < 0)
			continue;
		if (!finish_session(session))
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
	if (opts->hold && hold_sessions(luo, opts->sessions, opts->nr_sessions))
		return 1;
	return ok ? 0 : 1;
}

/*
 * Verify, rewrite with seed + reseed, FINISH, preserve in a new session,
 * hold. A memfd that fails its verdict is still carried (the verified line
 * reports it, the exit status is 1): the next generation is then judged on
 * its own. A memfd that could not be retrieved or checked stops the carry.
 */
static int cmd_carry(struct options *opts)
{
	struct session_spec *from = &opts->sessions[0];
	struct session_spec to = { .name = opts->to, .fd = -1 };
	int luo = luo_open(), intact;

	if (luo < 0)
		return 1;
	intact = retrieve_and_verify(luo, from, opts);
	if (intact < 0)
		return 1;

	/*
	 * Rewrite in place: the retrieved memfds are ordinary memfds again. With
	 * a zero delta there is nothing to rewrite, which lets write-sealed
	 * memfds be carried too. A memfd that came back with the wrong size gets
	 * its own size back first, or the mapping would fault past its end.
	 */
	for (size_t m = 0; m < from->nr_memfds && opts->reseed; m++) {
		struct memfd_spec *memfd = &from->memfds[m];

		memfd->seed += opts->reseed;
		if (ftruncate(memfd->fd, (off_t)memfd->size) < 0) {
			memfd_error("ftruncate", from->name, memfd);
			return 1;
		}
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
		memfd_error("LIVEUPDATE_IOCTL_CREATE_SESSION", to.name, NULL);
		return 1;
	}
	for (size_t m = 0; m < from->nr_memfds; m++) {
		struct memfd_spec *memfd = &from->memfds[m];

		if (luo_preserve_fd(to.fd, memfd->fd, memfd->token) < 0) {
			memfd_error("LIVEUPDATE_SESSION_PRESERVE_FD", to.name, memfd);
			return 1;
		}
		emit_preserved(to.name, memfd, memfd->fd, 0);
		close(memfd->fd);
	}
	if (hold_sessions(luo, &to, 1))
		return 1;
	return intact ? 0 : 1;
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
	json_errno("errno", err);
	json_end();
	return 0;
}

/* ---- the uAPI's answers to misuse ---- */

/* The errno of a call that returned -1, or 0 for success. */
static int answer_of(int ret)
{
	return ret < 0 ? errno : 0;
}

/*
 * One "uapi" event: the case, the errno the uAPI documents (null: success),
 * the kernel's answer, and the verdict; @other, when set, one more problem.
 */
static bool report_uapi(const char *name, int expected, int answer, const char *other)
{
	struct problems p = { 0 };
	bool ok;

	if (answer != expected)
		problem(&p, "expected %s, the kernel answered %s", expected ? errno_name(expected) : "success",
			answer ? errno_name(answer) : "success");
	if (other)
		problem(&p, "%s", other);
	json_begin("uapi");
	json_str("case", name);
	json_errno("expected", expected);
	json_errno("errno", answer);
	ok = json_verdict(&p);
	json_end();
	return ok;
}

/* A session fd, or an "error" event and -1: the cases below need it made. */
static int must_create_session(int luo, const char *name)
{
	int fd = luo_create_session(luo, name);

	if (fd < 0)
		report_error("create_session", errno, "%s", name);
	return fd;
}

/* A 4 KiB memfd, or an "error" event and -1. */
static int must_create_memfd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, 4096) < 0) {
		report_error("memfd_create", errno, "%s", name);
		return -1;
	}
	return fd;
}

/*
 * What kernel/liveupdate documents for misuse, before any kexec: one opener of
 * /dev/liveupdate, unique session names of 1..63 bytes, a size that covers the
 * argument, a handler for the file, a token once per session, a file in one
 * session once. Each case is its own event; the sessions it made are closed,
 * which unpreserves what they held.
 */
static int cmd_uapi(void)
{
	struct liveupdate_ioctl_create_session create = { .size = sizeof(create) };
	struct liveupdate_session_get_name get_name = { .size = sizeof(get_name) };
	int luo = luo_open(), session, other, first, second, pipe_fds[2], fd;
	char named[96];
	bool all = true;

	if (luo < 0)
		return 1;
	fd = open(LIVEUPDATE_DEV, O_RDWR | O_CLOEXEC);
	all &= report_uapi("second-open", EBUSY, answer_of(fd), NULL);
	if (fd >= 0)
		close(fd);

	session = must_create_session(luo, "uapi-session");
	if (session < 0)
		return 1;
	fd = luo_create_session(luo, "uapi-session");
	all &= report_uapi("duplicate-session", EEXIST, answer_of(fd), NULL);
	if (fd >= 0)
		close(fd);
	fd = luo_create_session(luo, "");
	all &= report_uapi("empty-session-name", EINVAL, answer_of(fd), NULL);
	if (fd >= 0)
		close(fd);
	memset(create.name, 'x', sizeof(create.name));
	fd = ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &create) < 0 ? -1 : (int)create.fd;
	all &= report_uapi("unterminated-session-name", EINVAL, answer_of(fd), NULL);
	if (fd >= 0)
		close(fd);
	create.size = sizeof(create.size);
	snprintf((char *)create.name, sizeof(create.name), "uapi-short");
	fd = ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &create) < 0 ? -1 : (int)create.fd;
	all &= report_uapi("short-argument", EINVAL, answer_of(fd), NULL);
	if (fd >= 0)
		close(fd);

	fd = ioctl(session, LIVEUPDATE_SESSION_GET_NAME, &get_name);
	snprintf(named, sizeof(named), "GET_NAME gave \"%.64s\"", (const char *)get_name.name);
	all &= report_uapi("get-session-name", 0, answer_of(fd),
			   fd == 0 && strcmp((const char *)get_name.name, "uapi-session") ? named : NULL);

	if (pipe(pipe_fds) < 0) {
		report_error("pipe", errno, "for unsupported-fd");
		return 1;
	}
	all &= report_uapi("unsupported-fd", ENOENT, answer_of(luo_preserve_fd(session, pipe_fds[0], 1)), NULL);
	all &= report_uapi("bad-fd", EBADF, answer_of(luo_preserve_fd(session, -1, 2)), NULL);

	first = must_create_memfd("uapi-first");
	second = must_create_memfd("uapi-second");
	other = must_create_session(luo, "uapi-other");
	if (first < 0 || second < 0 || other < 0)
		return 1;
	if (luo_preserve_fd(session, first, 10) < 0) {
		report_error("preserve_fd", errno, "the memfd the token and double-preserve cases need");
		return 1;
	}
	all &= report_uapi("duplicate-token", EEXIST, answer_of(luo_preserve_fd(session, second, 10)), NULL);
	all &= report_uapi("preserve-twice-same-session", EBUSY, answer_of(luo_preserve_fd(session, first, 11)), NULL);
	all &= report_uapi("preserve-twice-other-session", EBUSY, answer_of(luo_preserve_fd(other, first, 12)), NULL);

	close(pipe_fds[0]);
	close(pipe_fds[1]);
	close(first);
	close(second);
	close(other);
	close(session);
	close(luo);
	return all ? 0 : 1;
}

/* ---- argument parsing ---- */

static void check_session_name(const char *name, const char *arg)
{
	if (!*name || strlen(name) >= LIVEUPDATE_SESSION_NAME_LENGTH)
		usage("session name in '%s' must be 1..%d characters", arg,
		      LIVEUPDATE_SESSION_NAME_LENGTH - 1);
}

/* SESSION=TOKEN:KIND:SEED:SIZE[,...] into @session; exits on bad input. */
static void parse_spec(const char *arg, struct session_spec *session)
{
	char *copy = strdup(arg), *entries, *entry;
	size_t count = 1;

	if (!copy)
		usage("out of memory");
	entries = strchr(copy, '=');
	if (!entries)
		usage("spec '%s' has no '=': want SESSION=TOKEN:KIND:SEED:SIZE", arg);
	*entries++ = '\0';
	check_session_name(copy, arg);
	for (const char *p = entries; *p; p++)
		count += *p == ',';

	session->name = copy;
	session->fd = -1;
	session->memfds = calloc(count, sizeof(*session->memfds));
	if (!session->memfds)
		usage("out of memory");
	while ((entry = strsep(&entries, ","))) {
		struct memfd_spec *memfd = &session->memfds[session->nr_memfds++];
		char *field[4], *rest = entry;
		int n = 0;

		while (n < 4 && (field[n] = strsep(&rest, ":")))
			n++;
		if (n != 4 || rest)
			usage("entry %zu of '%s': want TOKEN:KIND:SEED:SIZE", session->nr_memfds, arg);
		if (pattern_parse_u64(field[0], &memfd->token))
			usage("bad token '%s' in '%s'", field[0], arg);
		if (pattern_kind_parse(field[1], &memfd->kind))
			usage("bad kind '%s' in '%s': want prng, walking or addr", field[1], arg);
		if (pattern_parse_u64(field[2], &memfd->seed))
			usage("bad seed '%s' in '%s'", field[2], arg);
		if (pattern_parse_size(field[3], &memfd->size) ||
		    memfd->size > (uint64_t)INT64_MAX)
			usage("bad size '%s' in '%s': want a multiple of 8, K/M/G allowed",
			      field[3], arg);
		memfd->fd = -1;
	}
}

/* Options as getopt_long returns them; each command lists those it takes. */
enum { OPT_SEAL = 's', OPT_CLOSE = 'c', OPT_HOLD = 'h', OPT_TO = 't', OPT_RESEED = 'r' };

static bool allowed(const char *options, int option)
{
	return strchr(options, option) != NULL;
}

/* Options and SPECs after the command; @options lists the letters it takes. */
static void parse_args(int argc, char **argv, const char *options, struct options *opts)
{
	static const struct option long_options[] = {
		{ "seal", no_argument, NULL, OPT_SEAL },
		{ "close", required_argument, NULL, OPT_CLOSE },
		{ "hold", no_argument, NULL, OPT_HOLD },
		{ "to", required_argument, NULL, OPT_TO },
		{ "reseed", required_argument, NULL, OPT_RESEED },
		{ 0 },
	};
	const char *closes[argc];
	size_t nr_closes = 0;
	int c, index;

	opts->sessions = calloc((size_t)argc, sizeof(*opts->sessions));
	if (!opts->sessions)
		usage("out of memory");
	optind = 2;
	opterr = 0;	/* usage() reports it, as JSON */
	while ((c = getopt_long(argc, argv, "", long_options, &index)) != -1) {
		if (c == '?')
			usage("unknown or incomplete option '%s' for %s", argv[optind - 1], argv[1]);
		if (!allowed(options, c))
			usage("option '--%s' does not apply to %s", long_options[index].name, argv[1]);
		switch (c) {
		case OPT_SEAL: opts->seal = true; break;
		case OPT_CLOSE: closes[nr_closes++] = optarg; break;
		case OPT_HOLD: opts->hold = true; break;
		case OPT_TO:
			check_session_name(optarg, optarg);
			opts->to = optarg;
			break;
		case OPT_RESEED:
			if (pattern_parse_u64(optarg, &opts->reseed))
				usage("bad --reseed '%s'", optarg);
			opts->have_reseed = true;
			break;
		}
	}
	for (; optind < argc; optind++)
		parse_spec(argv[optind], &opts->sessions[opts->nr_sessions++]);

	for (size_t i = 0; i < nr_closes; i++) {
		size_t s;

		for (s = 0; s < opts->nr_sessions; s++) {
			if (!strcmp(opts->sessions[s].name, closes[i]))
				break;
		}
		if (s == opts->nr_sessions)
			usage("--close %s: no such session among the specs", closes[i]);
		opts->sessions[s].close_before_kexec = true;
	}
}

int main(int argc, char **argv)
{
	struct options opts = { 0 };
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "probe")) {
		if (argc != 2)
			usage("probe takes no arguments");
		return cmd_probe();
	}
	if (!strcmp(cmd, "retrieve")) {
		if (argc != 3)
			usage("retrieve takes exactly one session name");
		check_session_name(argv[2], argv[2]);
		return cmd_retrieve(argv[2]);
	}
	if (!strcmp(cmd, "uapi")) {
		if (argc != 2)
			usage("uapi takes no arguments");
		return cmd_uapi();
	}
	if (!strcmp(cmd, "prepare")) {
		parse_args(argc, argv, (char[]){ OPT_SEAL, OPT_CLOSE, 0 }, &opts);
		if (!opts.nr_sessions)
			usage("prepare needs at least one SPEC");
		return cmd_prepare(&opts);
	}
	if (!strcmp(cmd, "verify")) {
		parse_args(argc, argv, (char[]){ OPT_SEAL, OPT_HOLD, 0 }, &opts);
		if (!opts.nr_sessions)
			usage("verify needs at least one SPEC");
		return cmd_verify(&opts);
	}
	if (!strcmp(cmd, "carry")) {
		parse_args(argc, argv, (char[]){ OPT_SEAL, OPT_TO, OPT_RESEED, 0 }, &opts);
		if (opts.nr_sessions != 1 || !opts.to || !opts.have_reseed)
			usage("carry needs one SPEC, --to NAME and --reseed DELTA");
		return cmd_carry(&opts);
	}
	usage("unknown command '%s'", cmd);
}

/*
 * What both guest helpers (luo-agent, vfio-edu) share, so their protocol is
 * one: errno names, the clock, the one "error" event, usage errors, verdicts
 * with their problems, pattern mismatches, and the LUO ioctls.
 *
 * Events every helper may print:
 *
 *	{"event":"error","op":OP,"errno":NAME|null,"message":TEXT}
 *	    A failed syscall or ioctl (OP its name, errno e.g. "EBUSY"; a
 *	    number glibc has no name for is "EUNKNOWN", strerror in TEXT
 *	    gives the number), a failed check that stops the run (errno
 *	    null), or bad usage (OP "usage", exit status 2).
 *
 * An event that carries a verdict (luo-agent "verified", vfio-edu "dma" and
 * "msi") ends with "problems":[TEXT...],"ok":BOOL, ok exactly when there are
 * no problems. The helper decides it; the host only reports it.
 *
 * Header-only with static inline functions, like json.h.
 */
#ifndef LUO_HELPER_H
#define LUO_HELPER_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/liveupdate.h>

#include "json.h"
#include "pattern.h"

#define LIVEUPDATE_DEV "/dev/liveupdate"

/* "ENOENT"; one spelling, "EUNKNOWN", for a number without a name. */
static inline const char *errno_name(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "EUNKNOWN";
}

/* An errno by name, or null for 0. */
static inline void json_errno(const char *key, int err)
{
	if (err)
		json_str(key, errno_name(err));
	else
		json_null(key);
}

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void report_error_v(const char *op, int err, const char *fmt, va_list ap)
{
	char message[512];
	size_t n = (size_t)vsnprintf(message, sizeof(message), fmt, ap);

	if (err && n < sizeof(message))
		snprintf(message + n, sizeof(message) - n, "%s%s", n ? ": " : "", strerror(err));
	json_begin("error");
	json_str("op", op);
	json_errno("errno", err);
	json_str("message", message);
	json_end();
}

/*
 * The "error" event: @err is the errno of a failed call (0 for a failed
 * check), the message is the formatted context, then strerror. errno is kept.
 */
__attribute__((format(printf, 3, 4)))
static inline void report_error(const char *op, int err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	report_error_v(op, err, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Bad usage: an "error" event with op "usage", @usage_text on stderr, exit 2. */
__attribute__((noreturn, format(printf, 2, 3)))
static inline void usage_exit(const char *usage_text, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_error_v("usage", 0, fmt, ap);
	va_end(ap);
	fprintf(stderr, "usage: %s\n", usage_text);
	exit(2);
}

/* A number option's value (decimal, or hex with 0x), or bad usage naming the option. */
static inline uint64_t option_u64(const char *usage_text, const char *option, const char *text)
{
	uint64_t v;

	if (pattern_parse_u64(text, &v))
		usage_exit(usage_text, "%s: not a number: '%s'", option, text);
	return v;
}

/* ---- verdicts ---- */

#define PROBLEMS_MAX 8
#define PROBLEM_LEN 200

/* What is wrong, in words; the last slot says how many more did not fit. */
struct problems {
	char text[PROBLEMS_MAX][PROBLEM_LEN];
	unsigned int count;	/* all of them, kept or not */
};

__attribute__((format(printf, 2, 3)))
static inline void problem(struct problems *p, const char *fmt, ...)
{
	va_list ap;

	if (p->count++ >= PROBLEMS_MAX - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(p->text[p->count - 1], PROBLEM_LEN, fmt, ap);
	va_end(ap);
}

/* "problems":[...],"ok":BOOL; returns ok. */
static inline bool json_verdict(const struct problems *p)
{
	unsigned int kept = p->count < PROBLEMS_MAX ? p->count : PROBLEMS_MAX - 1;
	char more[48];

	json_array_begin("problems");
	for (unsigned int i = 0; i < kept; i++)
		json_item_str(p->text[i]);
	if (p->count > kept) {
		snprintf(more, sizeof(more), "and %u more", p->count - kept);
		json_item_str(more);
	}
	json_array_end();
	json_bool("ok", !p->count);
	return !p->count;
}

/*
 * A pattern check's counts and, when it failed, where:
 * "bytes_checked","bad_bytes"[,"first_bad_offset","expected","found"
 * [,"found_tag_of"]]; the description goes into @p.
 */
static inline void json_pattern_result(const struct pattern_result *r, struct problems *p)
{
	char byte[8], text[PROBLEM_LEN];

	json_u64("bytes_checked", r->bytes_checked);
	json_u64("bad_bytes", r->bad_bytes);
	if (r->ok)
		return;
	json_u64("first_bad_offset", r->first_bad_offset);
	snprintf(byte, sizeof(byte), "0x%02x", r->expected);
	json_str("expected", byte);
	snprintf(byte, sizeof(byte), "0x%02x", r->found);
	json_str("found", byte);
	if (r->found_is_tag)
		json_hex("found_tag_of", r->found_tag_of);
	pattern_describe(r, text, sizeof(text));
	problem(p, "%s", text);
}

/* ---- LUO: /dev/liveupdate and session ioctls; every struct gets its size ---- */

/* A new session's fd, or -1 with errno set. */
static inline int luo_create_session(int luo, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	if (ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg) < 0)
		return -1;
	return arg.fd;
}

/* An incoming session's fd, or -1 with errno set. */
static inline int luo_retrieve_session(int luo, const char *name)
{
	struct liveupdate_ioctl_retrieve_session arg = { .size = sizeof(arg) };

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	if (ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg) < 0)
		return -1;
	return arg.fd;
}

static inline int luo_preserve_fd(int session, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg),
		.fd = fd,
		.token = token,
	};

	return ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &arg);
}

/* The retrieved file's fd, or -1 with errno set. */
static inline int luo_retrieve_fd(int session, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg),
		.token = token,
	};

	if (ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) < 0)
		return -1;
	return arg.fd;
}

static inline int luo_finish(int session)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };

	return ioctl(session, LIVEUPDATE_SESSION_FINISH, &arg);
}

#endif /* LUO_HELPER_H */

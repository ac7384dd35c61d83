/*
 * A tiny JSON-lines emitter for the guest helpers (luo-agent, vfio-edu).
 *
 * Each json_begin() .. json_end() pair prints ONE object on ONE line of
 * stdout, written with a single fputs and flushed, so the host sees whole
 * lines even if the helper dies right after (a kexec, a crash).
 *
 *	json_begin("verified");          {"event":"verified",
 *	json_str("session", "alpha");     "session":"alpha",
 *	json_u64("size", 4096);           "size":4096,
 *	json_array_begin("seals");        "seals":[
 *	json_item_str("write");           "write"
 *	json_array_end();                 ]
 *	json_end();                      }\n
 *
 * Numbers are for values below 2^53 (sizes, offsets, counts): a JSON reader
 * in JavaScript loses precision above that. Opaque 64-bit values (tokens,
 * seeds) go out as strings with json_u64_str() or json_hex().
 *
 * Header-only with static inline functions: one emitter per program, not thread-safe.
 */
#ifndef LUO_JSON_H
#define LUO_JSON_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define JSON_LINE_MAX 4096

static struct {
	char line[JSON_LINE_MAX];
	size_t len;
	bool need_comma;   /* something was emitted at the current level */
	bool truncated;    /* the line did not fit: we end it cleanly anyway */
} json_state;

static inline void json_raw(const char *text, size_t n)
{
	/* Keep room for the closing "]}\n" so a long line is still valid JSON. */
	if (json_state.len + n + 4 > JSON_LINE_MAX) {
		json_state.truncated = true;
		return;
	}
	memcpy(json_state.line + json_state.len, text, n);
	json_state.len += n;
}

static inline void json_puts(const char *text)
{
	json_raw(text, strlen(text));
}

/* A quoted, escaped string; NULL becomes null. */
static inline void json_quoted(const char *s)
{
	char esc[8];

	if (!s) {
		json_puts("null");
		return;
	}
	json_puts("\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			json_raw(esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			json_puts(esc);
		} else {
			json_raw((const char *)&c, 1);
		}
	}
	json_puts("\"");
}

/* Comma if needed, then "key": (no key inside arrays). */
static inline void json_key(const char *key)
{
	if (json_state.need_comma)
		json_puts(",");
	json_state.need_comma = true;
	if (key) {
		json_quoted(key);
		json_puts(":");
	}
}

/* Start a line: {"event":EVENT */
static inline void json_begin(const char *event)
{
	json_state.len = 0;
	json_state.need_comma = false;
	json_state.truncated = false;
	json_puts("{");
	json_key("event");
	json_quoted(event);
}

static inline void json_str(const char *key, const char *value)
{
	json_key(key);
	json_quoted(value);
}

static inline void json_null(const char *key)
{
	json_key(key);
	json_puts("null");
}

static inline void json_bool(const char *key, bool value)
{
	json_key(key);
	json_puts(value ? "true" : "false");
}

/* A JSON number: only for values below 2^53. */
static inline void json_u64(const char *key, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	json_key(key);
	json_puts(buf);
}

static inline void json_i64(const char *key, int64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, value);
	json_key(key);
	json_puts(buf);
}

/* A full-range u64 as a decimal string: "18446744073709551615". */
static inline void json_u64_str(const char *key, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	json_str(key, buf);
}

/* A full-range u64 as a hex string: "0x2a". */
static inline void json_hex(const char *key, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, value);
	json_str(key, buf);
}

/* "key":[ ... ]; only one level of arrays, of strings or numbers. */
static inline void json_array_begin(const char *key)
{
	json_key(key);
	json_puts("[");
	json_state.need_comma = false;
}

static inline void json_item_str(const char *value)
{
	json_key(NULL);
	json_quoted(value);
}

static inline void json_item_u64(uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	json_key(NULL);
	json_puts(buf);
}

static inline void json_array_end(void)
{
	/* Room for this was kept by json_raw(), so it is never dropped. */
	json_state.line[json_state.len++] = ']';
	json_state.need_comma = true;
}

/* Close the object and print the line. A truncated line says so. */
static inline void json_end(void)
{
	if (json_state.truncated) {
		json_state.len = 0;
		json_puts("{\"event\":\"json_truncated\"");
	}
	json_state.line[json_state.len++] = '}';
	json_state.line[json_state.len++] = '\n';
	json_state.line[json_state.len] = '\0';
	fputs(json_state.line, stdout);
	fflush(stdout);
}

#endif /* LUO_JSON_H */

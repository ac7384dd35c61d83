/*
 * Test patterns for preserved memory: generation and verification.
 *
 * A pattern is (kind, seed, size). The buffer is a sequence of little-endian
 * u64 words, word i at byte offset 8*i, and each word depends only on
 * (kind, seed, i). Being position-addressable lets a verifier say where the
 * first bad byte is, and for "addr" where misplaced data came from: but only
 * when the found word really is the tag of an offset of the same buffer, as
 * a corrupted word decodes to nonsense that would send the reader astray.
 * The definition is mirrored in test/support/pattern-oracle.ts; the two must agree
 * byte for byte (test/unit/pattern.test.ts checks it).
 *
 * No kernel dependency: this file is also built on the host for that test.
 */
#ifndef LUO_PATTERN_H
#define LUO_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pattern_kind {
	PATTERN_PRNG,    /* splitmix64 of (seed + (i+1) * golden gamma) */
	PATTERN_WALKING, /* 1 << ((i + seed) mod 64): walking ones */
	PATTERN_ADDR,    /* (8*i) ^ seed: every word names its own offset */
};

struct pattern_result {
	bool ok;
	uint64_t bytes_checked;
	uint64_t bad_bytes;        /* number of bytes that differ */
	/* Only meaningful when !ok: the first differing byte. */
	uint64_t first_bad_offset;
	uint8_t expected;
	uint8_t found;
	/* The whole word holding the first bad byte, as found. */
	uint64_t found_word;
	/* addr only: that word is the tag of an 8-aligned offset inside the buffer. */
	bool found_is_tag;
	uint64_t found_tag_of;
};

/* "prng", "walking" or "addr"; returns 0, or -1 for an unknown name. */
int pattern_kind_parse(const char *name, enum pattern_kind *kind);
const char *pattern_kind_name(enum pattern_kind kind);

/* The value (host order) of word @index. */
uint64_t pattern_word(enum pattern_kind kind, uint64_t seed, uint64_t index);

/* Fill @size bytes (a multiple of 8) of @buf with the pattern. */
void pattern_fill(enum pattern_kind kind, uint64_t seed, void *buf, size_t size);

/* Compare @size bytes (a multiple of 8) of @buf with the pattern. */
void pattern_verify(enum pattern_kind kind, uint64_t seed, const void *buf,
		    size_t size, struct pattern_result *result);

/*
 * The mismatch in words, for a failed result: "N bytes differ, first at 0x7b:
 * expected 0x69, found 0x33", plus where the data came from when known.
 */
void pattern_describe(const struct pattern_result *result, char *buf, size_t len);

/* Decimal or 0x-hex, whole string, no sign; returns 0 or -1. */
int pattern_parse_u64(const char *text, uint64_t *value);

/*
 * A byte count: decimal or 0x-hex, optionally followed by K, M or G
 * (binary: 1024, 1024^2, 1024^3). Must be a multiple of 8 and not overflow.
 * Returns 0 or -1.
 */
int pattern_parse_size(const char *text, uint64_t *size);

#endif /* LUO_PATTERN_H */

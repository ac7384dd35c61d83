/*
 * Test patterns for preserved memory: see pattern.h for the definition.
 *
 * Speed matters: 256 MiB must fill and verify in seconds under QEMU TCG, so
 * words are generated in tight per-kind loops (no per-byte calls) and
 * verification compares whole chunks with memcmp, looking at single bytes
 * only inside a chunk that differs.
 */
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pattern.h"

/* splitmix64's increment: 2^64 / golden ratio, odd. */
#define GOLDEN_GAMMA 0x9E3779B97F4A7C15ULL

/* Words per verification chunk: 32 KiB on the stack. */
#define CHUNK_WORDS 4096

static const char *const kind_names[] = {
	[PATTERN_PRNG] = "prng",
	[PATTERN_WALKING] = "walking",
	[PATTERN_ADDR] = "addr",
};

int pattern_kind_parse(const char *name, enum pattern_kind *kind)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (!strcmp(name, kind_names[i])) {
			*kind = (enum pattern_kind)i;
			return 0;
		}
	}
	return -1;
}

const char *pattern_kind_name(enum pattern_kind kind)
{
	if ((size_t)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "unknown";
	return kind_names[kind];
}

/* The splitmix64 output finaliser (a bijection on u64). */
static inline uint64_t splitmix64_mix(uint64_t z)
{
	z ^= z >> 30;
	z *= 0xBF58476D1CE4E5B9ULL;
	z ^= z >> 27;
	z *= 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return z;
}

uint64_t pattern_word(enum pattern_kind kind, uint64_t seed, uint64_t index)
{
	switch (kind) {
	case PATTERN_PRNG:
		return splitmix64_mix(seed + (index + 1) * GOLDEN_GAMMA);
	case PATTERN_WALKING:
		/* u64 wrap-around keeps (i + seed) mod 64 exact: 64 divides 2^64. */
		return 1ULL << ((index + seed) & 63);
	case PATTERN_ADDR:
		return (index * 8) ^ seed;
	}
	return 0;
}

/* Store words [first, first + count) in little-endian order at @words. */
static void fill_words(enum pattern_kind kind, uint64_t seed, uint64_t first,
		       uint64_t *words, size_t count)
{
	uint64_t x;
	size_t i;

	switch (kind) {
	case PATTERN_PRNG:
		/* Same as pattern_word(), with the multiply turned into an add. */
		x = seed + first * GOLDEN_GAMMA;
		for (i = 0; i < count; i++) {
			x += GOLDEN_GAMMA;
			words[i] = htole64(splitmix64_mix(x));
		}
		break;
	case PATTERN_WALKING:
		for (i = 0; i < count; i++)
			words[i] = htole64(1ULL << ((first + i + seed) & 63));
		break;
	case PATTERN_ADDR:
		for (i = 0; i < count; i++)
			words[i] = htole64(((first + i) * 8) ^ seed);
		break;
	}
}

void pattern_fill(enum pattern_kind kind, uint64_t seed, void *buf, size_t size)
{
	fill_words(kind, seed, 0, buf, size / 8);
}

/* Whether @found is the addr tag of an 8-aligned offset below @size; which one. */
static bool addr_tag_of(uint64_t seed, uint64_t size, uint64_t found, uint64_t *offset)
{
	*offset = found ^ seed;
	return *offset < size && !(*offset % 8);
}

/* Account for one differing word at byte @offset, byte by byte. */
static void note_bad_word(enum pattern_kind kind, uint64_t seed, uint64_t size,
			  struct pattern_result *result, uint64_t offset,
			  uint64_t expected, uint64_t found)
{
	for (int byte = 0; byte < 8; byte++) {
		uint8_t want = (uint8_t)(expected >> (8 * byte));
		uint8_t got = (uint8_t)(found >> (8 * byte));

		if (want == got)
			continue;
		if (result->ok) {
			result->ok = false;
			result->first_bad_offset = offset + (uint64_t)byte;
			result->expected = want;
			result->found = got;
			result->found_word = found;
			result->found_is_tag = kind == PATTERN_ADDR &&
				addr_tag_of(seed, size, found, &result->found_tag_of);
		}
		result->bad_bytes++;
	}
}

void pattern_verify(enum pattern_kind kind, uint64_t seed, const void *buf,
		    size_t size, struct pattern_result *result)
{
	const uint64_t *words = buf;
	uint64_t expected[CHUNK_WORDS];
	size_t total = size / 8;

	memset(result, 0, sizeof(*result));
	result->ok = true;

	for (size_t first = 0; first < total; first += CHUNK_WORDS) {
		size_t count = total - first < CHUNK_WORDS ? total - first : CHUNK_WORDS;

		fill_words(kind, seed, first, expected, count);
		if (memcmp(expected, words + first, count * 8)) {
			for (size_t i = 0; i < count; i++) {
				uint64_t want = le64toh(expected[i]);
				uint64_t got = le64toh(words[first + i]);

				if (want != got)
					note_bad_word(kind, seed, total * 8, result,
						      (first + i) * 8, want, got);
			}
		}
		result->bytes_checked += count * 8;
	}
}

void pattern_describe(const struct pattern_result *result, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%" PRIu64 " byte%s, first at 0x%" PRIx64
			 ": expected 0x%02x, found 0x%02x", result->bad_bytes,
			 result->bad_bytes == 1 ? " differs" : "s differ",
			 result->first_bad_offset, result->expected, result->found);

	if (result->found_is_tag && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n,
			 "; the found word is the address tag of offset 0x%" PRIx64,
			 result->found_tag_of);
}

/* Decimal or 0x-hex in text[0..len). */
static int parse_u64_prefix(const char *text, size_t len, uint64_t *value)
{
	const char *p = text, *end = text + len;
	unsigned int base = 10;
	uint64_t v = 0;

	if (len >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (p == end)
		return -1;
	for (; p < end; p++) {
		unsigned int digit;

		if (*p >= '0' && *p <= '9')
			digit = (unsigned int)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			digit = (unsigned int)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			digit = (unsigned int)(*p - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - digit) / base)
			return -1;
		v = v * base + digit;
	}
	*value = v;
	return 0;
}

int pattern_parse_u64(const char *text, uint64_t *value)
{
	return parse_u64_prefix(text, strlen(text), value);
}

int pattern_parse_size(const char *text, uint64_t *size)
{
	size_t len = strlen(text);
	uint64_t unit = 1, v;

	if (len == 0)
		return -1;
	switch (text[len - 1]) {
	case 'K': case 'k': unit = 1ULL << 10; break;
	case 'M': case 'm': unit = 1ULL << 20; break;
	case 'G': case 'g': unit = 1ULL << 30; break;
	}
	if (unit != 1)
		len--;
	if (parse_u64_prefix(text, len, &v) || v > UINT64_MAX / unit)
		return -1;
	v *= unit;
	if (v % 8)
		return -1;
	*size = v;
	return 0;
}

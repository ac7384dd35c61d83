/*
 * pattern-dump: a host-side window on images/guest/pattern.c, so that
 * test/unit/pattern.test.ts can check the C and TypeScript patterns agree.
 *
 *   pattern-dump fill KIND SEED SIZE     raw pattern bytes on stdout
 *   pattern-dump verify KIND SEED FILE   one JSON line: the mismatch report and
 *                                        its description (pattern_describe)
 *   pattern-dump word KIND SEED INDEX    one JSON line: the word, as a string
 *   pattern-dump size TEXT               one JSON line: the parsed size
 *
 * Build: gcc -O2 -Wall -Wextra -Werror -I images/guest \
 *            -o pattern-dump test/support/pattern-dump.c images/guest/pattern.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "pattern.h"

static void die(const char *message)
{
	fprintf(stderr, "pattern-dump: %s\n", message);
	exit(2);
}

static enum pattern_kind parse_kind(const char *text)
{
	enum pattern_kind kind;

	if (pattern_kind_parse(text, &kind))
		die("bad kind");
	return kind;
}

static uint64_t parse_u64(const char *text)
{
	uint64_t value;

	if (pattern_parse_u64(text, &value))
		die("bad number");
	return value;
}

/* Whole file into an 8-byte aligned buffer. */
static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint64_t *buf;
	long len;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		die("cannot read file");
	buf = malloc((size_t)len + 8);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
		die("cannot read file");
	fclose(f);
	*size = (size_t)len;
	return buf;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "fill")) {
		uint64_t size;
		void *buf;

		if (pattern_parse_size(argv[4], &size))
			die("bad size");
		buf = malloc(size + 8);
		if (!buf)
			die("out of memory");
		pattern_fill(parse_kind(argv[2]), parse_u64(argv[3]), buf, size);
		if (fwrite(buf, 1, size, stdout) != size)
			die("short write");
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "verify")) {
		enum pattern_kind kind = parse_kind(argv[2]);
		uint64_t seed = parse_u64(argv[3]);
		struct pattern_result result;
		size_t size;
		void *buf = read_file(argv[4], &size);
		char byte[8], description[200];

		pattern_verify(kind, seed, buf, size & ~(size_t)7, &result);
		json_begin("verify");
		json_bool("ok", result.ok);
		json_u64("bytes_checked", result.bytes_checked);
		json_u64("bad_bytes", result.bad_bytes);
		if (!result.ok) {
			json_u64("first_bad_offset", result.first_bad_offset);
			snprintf(byte, sizeof(byte), "0x%02x", result.expected);
			json_str("expected", byte);
			snprintf(byte, sizeof(byte), "0x%02x", result.found);
			json_str("found", byte);
			json_hex("found_word", result.found_word);
			if (result.found_is_tag)
				json_hex("found_tag_of", result.found_tag_of);
			pattern_describe(&result, description, sizeof(description));
			json_str("description", description);
		}
		json_end();
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "word")) {
		json_begin("word");
		json_u64_str("value", pattern_word(parse_kind(argv[2]), parse_u64(argv[3]),
						   parse_u64(argv[4])));
		json_end();
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "size")) {
		uint64_t size;
		bool ok = !pattern_parse_size(argv[2], &size);

		json_begin("size");
		json_bool("ok", ok);
		if (ok)
			json_u64_str("size", size);
		json_end();
		return 0;
	}
	die("usage: pattern-dump fill|verify|word KIND SEED SIZE|FILE|INDEX, or size TEXT");
}

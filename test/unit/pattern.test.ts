// The TypeScript pattern oracle (test/support/pattern-oracle.ts) must agree byte for byte with the C one
// (images/guest/pattern.c) that the guest helpers run: build test/support/pattern-dump.c with gcc and compare
// fills, words, size parsing and mismatch reports; and the C's own words for a mismatch say no more than is true.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { BadInputError } from '../../harness/errors.ts';
import { formatMemfdSpec, formatSize, patternKinds, type PatternKind } from '../../harness/checks/pattern.ts';
import { fillPattern, parseMemfdSpec, parseSize, parseU64, patternWord, verifyPattern } from '../support/pattern-oracle.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'pattern-test-'));
const dump = join(workDir, 'pattern-dump');
t.teardown(() => rmSync(workDir, { recursive: true, force: true }));

execFileSync('gcc', [
  '-O2', '-Wall', '-Wextra', '-Werror',
  '-I', join(repo, 'images/guest'),
  '-o', dump,
  join(repo, 'test/support/pattern-dump.c'),
  join(repo, 'images/guest/pattern.c'),
]);

function cFill(kind: PatternKind, seed: bigint, size: number): Buffer {
  return execFileSync(dump, ['fill', kind, `0x${seed.toString(16)}`, String(size)], { maxBuffer: size + 1024 });
}

function cJson(args: string[]): Record<string, unknown> {
  return JSON.parse(execFileSync(dump, args, { encoding: 'utf8' })) as Record<string, unknown>;
}

const seeds = [0n, 7n, 42n, 0x123456789abcdef0n, 0xffffffffffffffffn];
// 32 KiB is the C verifier's chunk: sizes on and around it, and 1 MiB for bulk.
const sizes = [0, 8, 4096, 4104, 32768, 32776, 3 * 32768 + 64, 1 << 20];

void t.test('known values', (t) => {
  // Reference splitmix64 with state 0: first output.
  t.equal(patternWord('prng', 0n, 0n), 0xe220a8397b1dcdafn);
  t.equal(patternWord('walking', 0n, 0n), 1n);
  t.equal(patternWord('walking', 3n, 61n), 1n);
  t.equal(patternWord('walking', 0xffffffffffffffffn, 1n), 1n);
  t.equal(patternWord('addr', 0n, 512n), 4096n);
  t.equal(patternWord('addr', 7n, 1n), 15n);
  t.same([...fillPattern('addr', 7n, 16)], [7, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0]);
  t.end();
});

void t.test('C and TypeScript fill the same bytes', (t) => {
  for (const kind of patternKinds) {
    for (const seed of seeds) {
      for (const size of sizes) {
        const c = cFill(kind, seed, size);
        const ts = fillPattern(kind, seed, size);
        t.ok(c.equals(ts), `${kind} seed ${seed} size ${size}`);
      }
    }
  }
  t.end();
});

void t.test('C and TypeScript agree on words at extreme indices', (t) => {
  const indices = [0n, 1n, 63n, 64n, 1n << 32n, (1n << 61n) + 5n, 0xffffffffffffffffn];
  for (const kind of patternKinds) {
    for (const seed of seeds) {
      for (const index of indices) {
        const c = cJson(['word', kind, String(seed), String(index)]);
        t.equal(BigInt(c.value as string), patternWord(kind, seed, index), `${kind} seed ${seed} index ${index}`);
      }
    }
  }
  t.end();
});

void t.test('C and TypeScript parse sizes alike', (t) => {
  const texts = ['0', '8', '12', '4K', '4k', '256M', '1G', '16G', '0x10K', '0X1000', '007', 'K', '', '0x', '0xk', '1T', '-8', ' 8', '8 ', '1.5M', '0b1000'];
  for (const text of texts) {
    const c = cJson(['size', text]);
    let ts: number | undefined;
    try {
      ts = parseSize(text);
    } catch (error) {
      t.type(error, BadInputError, `TS rejects ${JSON.stringify(text)} with BadInputError`);
    }
    t.equal(c.ok, ts !== undefined, `both ${ts === undefined ? 'reject' : 'accept'} ${JSON.stringify(text)}`);
    if (ts !== undefined) t.equal(Number(c.size), ts, `size of ${JSON.stringify(text)}`);
  }
  t.end();
});

void t.test('C and TypeScript report the same mismatch', (t) => {
  const size = 64 * 1024;
  // Each corruption: a name and a function that damages a correct buffer.
  const corruptions: [string, (buffer: Buffer) => void][] = [
    ['one byte', (b) => { b[5000] = (b[5000] ?? 0) ^ 0x5a; }],
    ['first and last byte', (b) => { b[0] = (b[0] ?? 0) ^ 1; b[size - 1] = (b[size - 1] ?? 0) ^ 0x80; }],
    ['a zeroed page', (b) => b.fill(0, 8192, 12288)],
    ['page 3 copied over page 1', (b) => b.copy(b, 4096, 12288, 16384)],
    ['across the 32 KiB chunk edge', (b) => b.fill(0xff, 32768 - 3, 32768 + 5)],
  ];
  for (const kind of patternKinds) {
    for (const seed of [42n, 0xfedcba9876543210n]) {
      for (const [name, corrupt] of corruptions) {
        const buffer = fillPattern(kind, seed, size);
        corrupt(buffer);
        const file = join(workDir, 'corrupt.bin');
        writeFileSync(file, buffer);
        const c = cJson(['verify', kind, `0x${seed.toString(16)}`, file]);
        const ts = verifyPattern(kind, seed, buffer);
        const label = `${kind} seed ${seed}: ${name}`;
        // A corruption may happen to write the pattern's own value (walking has many zero bytes).
        t.equal(c.ok, ts.ok, `${label}: ok`);
        t.equal(c.bytes_checked, ts.bytesChecked, `${label}: bytes checked`);
        t.equal(c.bad_bytes, ts.badBytes, `${label}: bad bytes`);
        if (ts.ok) continue;
        t.equal(c.first_bad_offset, ts.firstBadOffset, `${label}: first bad offset`);
        t.equal(Number(c.expected), ts.expected, `${label}: expected byte`);
        t.equal(Number(c.found), ts.found, `${label}: found byte`);
        t.equal(c.found_tag_of === undefined ? undefined : BigInt(c.found_tag_of as string), ts.foundTagOf, `${label}: found word as a tag`);
      }
    }
  }
  t.end();
});

void t.test('a misplaced addr page names where it came from', (t) => {
  const buffer = fillPattern('addr', 0x5eedn, 4 * 4096);
  buffer.copy(buffer, 4096, 3 * 4096, 4 * 4096);
  const result = verifyPattern('addr', 0x5eedn, buffer);
  t.equal(result.ok, false);
  // 0x1000 ^ seed and 0x3000 ^ seed share their low byte: the first difference is byte 1.
  t.equal(result.firstBadOffset, 4097);
  t.equal(result.foundTagOf, 3n * 4096n);
  const file = join(workDir, 'misplaced.bin');
  writeFileSync(file, buffer);
  t.equal(
    cJson(['verify', 'addr', '0x5eed', file]).description,
    '512 bytes differ, first at 0x1001: expected 0x4e, found 0x6e; the found word is the address tag of offset 0x3000',
  );
  t.end();
});

void t.test('a flipped byte in an addr word is not taken for data from elsewhere', (t) => {
  // One byte flipped at 0x7b, as a kernel that corrupts retrieved memfds would: the word decodes to 0x5a000078,
  // outside the buffer, so it is nobody's tag and the description must not send the reader there.
  const buffer = fillPattern('addr', 0xabcdefn, 4 * 4096);
  buffer[0x7b] = (buffer[0x7b] ?? 0) ^ 0x5a;
  const file = join(workDir, 'flipped.bin');
  writeFileSync(file, buffer);
  const c = cJson(['verify', 'addr', '0xabcdef', file]);
  t.equal(c.description, '1 byte differs, first at 0x7b: expected 0x00, found 0x5a');
  t.equal(c.found_tag_of, undefined, 'no tag claimed by C');
  t.equal(verifyPattern('addr', 0xabcdefn, buffer).foundTagOf, undefined, 'nor by the oracle');
  t.end();
});

void t.test('a correct buffer verifies clean', (t) => {
  for (const kind of patternKinds) {
    t.same(verifyPattern(kind, 9n, fillPattern(kind, 9n, 4096)), { ok: true, bytesChecked: 4096, badBytes: 0 }, kind);
  }
  t.end();
});

void t.test('sizes format and parse', (t) => {
  t.equal(formatSize(256 * 2 ** 20), '256M');
  t.equal(formatSize(4096), '4K');
  t.equal(formatSize(2 ** 30), '1G');
  t.equal(formatSize(4104), '4104');
  t.equal(formatSize(0), '0');
  t.throws(() => formatSize(12), BadInputError);
  t.throws(() => parseSize('9007199254740993G'), BadInputError);
  t.equal(parseU64('0xffffffffffffffff'), 0xffffffffffffffffn);
  t.throws(() => parseU64('0x10000000000000000'), BadInputError);
  t.throws(() => parseU64('-1'), BadInputError);
  t.end();
});

void t.test('memfd specs round-trip', (t) => {
  const entries = [
    { token: 1n, kind: 'prng' as const, seed: 42n, size: 256 * 2 ** 20 },
    { token: 2n, kind: 'addr' as const, seed: 7n, size: 4096 },
  ];
  const spec = formatMemfdSpec('alpha', entries);
  t.equal(spec, 'alpha=1:prng:42:256M,2:addr:7:4K');
  t.same(parseMemfdSpec(spec), { session: 'alpha', entries });
  t.same(parseMemfdSpec('s=0x10:walking:0xff:0x1K').entries, [{ token: 16n, kind: 'walking', seed: 255n, size: 1024 }]);
  t.throws(() => formatMemfdSpec('', entries), BadInputError);
  t.throws(() => formatMemfdSpec('x'.repeat(64), entries), BadInputError);
  t.throws(() => formatMemfdSpec('a=b', entries), BadInputError);
  t.throws(() => formatMemfdSpec('alpha', []), BadInputError);
  t.throws(() => formatMemfdSpec('alpha', [{ token: 1n, kind: 'prng', seed: 1n << 64n, size: 8 }]), BadInputError);
  t.throws(() => parseMemfdSpec('alpha'), BadInputError);
  t.throws(() => parseMemfdSpec('alpha=1:prng:42'), BadInputError);
  t.throws(() => parseMemfdSpec('alpha=1:bogus:42:4K'), BadInputError);
  t.throws(() => parseMemfdSpec('alpha=1:prng:42:4K:9'), BadInputError);
  t.throws(() => parseMemfdSpec('alpha=1:prng:42:12'), BadInputError);
  t.end();
});

import { readFileSync } from 'node:fs';
import t from 'tap';
import { readTap } from '../../harness/formats/tap.ts';

// What node-tap 21.8 printed (TAP=1) for a test file that logs with console.log before its first test, then runs a
// subtest with a failure, a failing point with values, a skip and a todo: its YAML blocks cut to a few lines.
const nodeTap = `stray console output
TAP version 14
# Subtest: sub one
    ok 1 - [a.b] inner pass
    not ok 2 - [a.c] inner fail
      ---
      upstream: |-
        x
      ...
    
    1..2
not ok 1 - sub one # time=85.641ms
  ---
  at:
    fileName: test/unit/demo.test.ts
    lineNumber: 3
  ...

ok 2 - top pass
not ok 3 - top fail
  ---
  source: |
    t.fail('top fail', { found: 1, wanted: 0 });
    --^
  diff: |
    --- expected
    +++ actual
    -0
    +1
  ...

ok 4 - a \\# b \\\\\\# c
ok 5 - skipped # SKIP no device
ok 6 - todo one # TODO later
# a comment
1..6
# { total: 7, pass: 2, fail: 2, todo: 1, skip: 1 }
# time=118.294ms
`;

t.test("node-tap's output: points with directives, YAML blocks, escapes; a stray print is unreadable, subtests are not", async (t) => {
  const stream = readTap(nodeTap);
  t.same(
    stream.points.map((point) => [point.line, point.number, point.description, point.status, point.reason, point.note]),
    [
      [12, 1, 'sub one', 'fail', undefined, 'time=85.641ms'],
      [19, 2, 'top pass', 'pass', undefined, undefined],
      [20, 3, 'top fail', 'fail', undefined, undefined],
      [32, 4, 'a # b \\# c', 'pass', undefined, undefined],
      [33, 5, 'skipped', 'skip', 'no device', undefined],
      [34, 6, 'todo one', 'todo', 'later', undefined],
    ],
  );
  t.same(stream.unreadable, [{ line: 1, text: 'stray console output' }], 'the stray line with its number; no subtest or YAML line');
  t.same(stream.plan, { count: 6, reason: undefined });
  t.equal(stream.bailOut, undefined);
  t.equal(stream.points[0]?.yaml, 'at:\n  fileName: test/unit/demo.test.ts\n  lineNumber: 3', 'the block of the point before it, unindented');
  t.equal(
    stream.points[2]?.yaml,
    "source: |\n  t.fail('top fail', { found: 1, wanted: 0 });\n  --^\ndiff: |\n  --- expected\n  +++ actual\n  -0\n  +1",
    'a deeper "--- expected" is YAML content, not a marker',
  );
  t.equal(stream.points[1]?.yaml, undefined, 'no block after a passing point here');
  t.same(stream.points[0]?.comments, ['Subtest: sub one'], 'comments since the previous point');
  t.same(stream.points[1]?.comments, []);
});

t.test('KTAP: the "#" lines before a "not ok" are its comments; XFAIL; a kselftest message after "#"', async (t) => {
  const stream = readTap(
    [
      'KTAP version 1',
      '1..3',
      '# Starting 3 tests from 1 test cases.',
      '#  RUN           fixture.broken ...',
      '# broken.c:42:broken:Expected 0 (0) == ret (-22)',
      '#          FAIL  fixture.broken',
      'not ok 1 fixture.broken',
      'ok 2 fixture.known # XFAIL known to fail on this arch',
      'not ok 3 fixture.slow #  Test timed out',
      '# Totals: pass:1 fail:2 xfail:1 xpass:0 skip:0 error:0',
    ].join('\n'),
  );
  t.same(stream.points[0]?.comments, ['Starting 3 tests from 1 test cases.', 'RUN           fixture.broken ...', 'broken.c:42:broken:Expected 0 (0) == ret (-22)', 'FAIL  fixture.broken']);
  t.same([stream.points[0]?.description, stream.points[0]?.status, stream.points[0]?.xfail], ['fixture.broken', 'fail', false]);
  t.same([stream.points[1]?.status, stream.points[1]?.xfail, stream.points[1]?.reason], ['pass', true, 'known to fail on this arch']);
  t.same([stream.points[2]?.description, stream.points[2]?.status, stream.points[2]?.note], ['fixture.slow', 'fail', 'Test timed out']);
  t.same(stream.unreadable, []);
});

t.test('upstream KTAP as recorded: every line readable, 15 points, the last skipped with its reason', async (t) => {
  const stream = readTap(readFileSync(new URL('../fixtures/kselftest/gen0-vfio_pci_liveupdate_uapi_test.txt', import.meta.url), 'utf8'));
  t.equal(stream.points.length, 15);
  t.same(stream.unreadable, []);
  t.same([stream.points[14]?.number, stream.points[14]?.status, stream.points[14]?.reason], [15, 'skip', 'iommufd-mode does not have container files']);
  t.same(stream.points[14]?.comments, ['RUN           vfio_pci_liveupdate_uapi_test.iommufd.preserve_container_fails ...', 'SKIP      iommufd-mode does not have container files', 'OK  vfio_pci_liveupdate_uapi_test.iommufd.preserve_container_fails']);
});

t.test('plans: a whole-file skip keeps its reason, "SKIP" dropped', async (t) => {
  t.same(readTap('TAP version 14\n1..0 # SKIP no /dev/liveupdate\n').plan, { count: 0, reason: 'no /dev/liveupdate' });
  t.same(readTap('1..0 # skip run through make scenario\n').plan, { count: 0, reason: 'run through make scenario' });
  t.same(readTap('1..0\n').plan, { count: 0, reason: undefined });
  t.equal(readTap('ok 1 - a\n').plan, undefined);
  t.equal(readTap('1..0 # SKIP no /dev/liveupdate\n').skippedAll, 'no /dev/liveupdate', 'a 1..0 plan skips the whole stream');
  t.equal(readTap('1..0\n').skippedAll, 'no tests');
  t.equal(readTap('1..1\nok 1 - a\n').skippedAll, undefined);
});

t.test('every kind of line that is not TAP is unreadable, the rest are not', async (t) => {
  const stream = readTap(
    [
      'pragma +strict',
      'TAP version 14',
      '---',
      'ok 1 - a',
      'okay then',
      '  ---',
      '  ...',
      '1..2 tests',
      '\tindented with a tab',
      'ok - no number',
      'Bail out! the guest died',
      'Bail out! again',
      '{"event":"dma"}',
      '',
    ].join('\n'),
  );
  // Lines 6 and 7 follow no point, so they are no YAML block: indented lines, which are readable.
  t.same(stream.unreadable, [
    { line: 3, text: '---' },
    { line: 5, text: 'okay then' },
    { line: 8, text: '1..2 tests' },
    { line: 13, text: '{"event":"dma"}' },
  ]);
  t.same(stream.points.map((point) => [point.number, point.description]), [[1, 'a'], [2, 'no number']], 'a point without a number counts on');
  t.equal(stream.bailOut, 'the guest died', 'the first bail out');
});

t.test('a YAML block cut short ends at the next top-level line, which is read as itself', async (t) => {
  const stream = readTap('not ok 1 - broke\n  ---\n  found: 1\n\nnot ok 2 - after\n');
  t.equal(stream.points[0]?.yaml, 'found: 1\n');
  t.same(stream.points.map((point) => point.description), ['broke', 'after']);
  t.same(stream.unreadable, []);
});

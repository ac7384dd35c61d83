// luo-agent's JSON lines, parsed and validated (harness/guest/luo-agent-output.ts).
//
// The `recorded` outputs are real: Linux 7.3.4 (Debian linux-source-7.3, images/kernel/luo.config) under
// qemu-system-x86_64 7.2 TCG (-machine q35 -m 1G, console=ttyS0 liveupdate=on), booted from a busybox
// initramfs whose /init ran these luo-agent commands (built from images/guest at the time of writing),
// then `kexec -s -l /bzImage --initrd=... --reuse-cmdline` + `kexec -e`, and the verify/carry/retrieve
// commands in the next kernel. Keys are the command lines; "probe (while ...)" ran with `exec 3<>/dev/liveupdate`
// in the shell. The usage error and the no-/dev/liveupdate probe were recorded on the host.
//
// Converted, not re-recorded (2026-12-01): when images/guest/helper.h gave both helpers one protocol, the
// "verified" and "error" lines were rewritten to it: verified lost size_ok/seals_ok/position_ok and
// found_looks_like_offset and gained "problems" (worded as luo-agent now words them); errors lost session/token,
// which moved into the message; the usage error lost "usage". Recordings of the removed --seal=LIST were dropped.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { GuestError } from '../../harness/errors.ts';
import { describeErrors, pickEvents, pickOnlyEvent } from '../../harness/formats/json-lines.ts';
import { parseLuoAgentLine, parseLuoAgentLines, type LuoAgentEvent } from '../../harness/guest/luo-agent-output.ts';
import { repoRoot } from '../../harness/util/paths.ts';

const recorded: Record<string, string> = {
  'probe': [
    '{"event":"probe","dev_liveupdate":true,"open_errno":null,"session_errno":null,"memfd_preserve":true,"memfd_errno":null}',
  ].join('\n'),
  'prepare alpha=1:prng:42:256M,2:addr:7:4K,3:walking:5:1M beta=9:prng:1:4K --close beta': [
    '{"event":"preserved","session":"alpha","token":"1","kind":"prng","seed":"42","size":268435456,"seals":["seal"],"position":134217728,"fill_ms":1134}',
    '{"event":"preserved","session":"alpha","token":"2","kind":"addr","seed":"7","size":4096,"seals":["seal"],"position":2048,"fill_ms":1}',
    '{"event":"preserved","session":"alpha","token":"3","kind":"walking","seed":"5","size":1048576,"seals":["seal"],"position":524288,"fill_ms":4}',
    '{"event":"preserved","session":"beta","token":"9","kind":"prng","seed":"1","size":4096,"seals":["seal"],"position":2048,"fill_ms":1}',
    '{"event":"closed","session":"beta"}',
    '{"event":"ready","pid":56,"sessions":["alpha"],"log":"/run/luo-agent.log"}',
  ].join('\n'),
  'probe (while a shell holds /dev/liveupdate open)': [
    '{"event":"probe","dev_liveupdate":true,"open_errno":"EBUSY","session_errno":null,"memfd_preserve":null,"memfd_errno":null}',
  ].join('\n'),
  'prepare busy=1:prng:1:4K': [
    '{"event":"error","op":"open","errno":"EBUSY","message":"/dev/liveupdate: Device or resource busy"}',
  ].join('\n'),
  'prepare dup=1:prng:1:4K,1:prng:2:4K': [
    '{"event":"preserved","session":"dup","token":"1","kind":"prng","seed":"1","size":4096,"seals":["seal"],"position":2048,"fill_ms":1}',
    '{"event":"error","op":"LIVEUPDATE_SESSION_PRESERVE_FD","errno":"EEXIST","message":"session dup, token 1: File exists"}',
  ].join('\n'),
  'verify alpha=1:prng:42:256M,2:addr:7:4K,3:walking:5:1M': [
    '{"event":"verified","session":"alpha","token":"1","kind":"prng","seed":"42","size":268435456,"size_found":268435456,"seals":["seal"],"seals_expected":["seal"],"position":134217728,"bytes_checked":268435456,"bad_bytes":0,"verify_ms":1068,"problems":[],"ok":true}',
    '{"event":"verified","session":"alpha","token":"2","kind":"addr","seed":"7","size":4096,"size_found":4096,"seals":["seal"],"seals_expected":["seal"],"position":2048,"bytes_checked":4096,"bad_bytes":0,"verify_ms":0,"problems":[],"ok":true}',
    '{"event":"verified","session":"alpha","token":"3","kind":"walking","seed":"5","size":1048576,"size_found":1048576,"seals":["seal"],"seals_expected":["seal"],"position":524288,"bytes_checked":1048576,"bad_bytes":0,"verify_ms":4,"problems":[],"ok":true}',
    '{"event":"finished","session":"alpha"}',
  ].join('\n'),
  'retrieve beta': [
    '{"event":"retrieve","session":"beta","ok":false,"errno":"ENOENT"}',
  ].join('\n'),
  'verify zero=1:prng:0:0,2:addr:1:8': [
    '{"event":"verified","session":"zero","token":"1","kind":"prng","seed":"0","size":0,"size_found":0,"seals":["seal"],"seals_expected":["seal"],"position":0,"bytes_checked":0,"bad_bytes":0,"verify_ms":0,"problems":[],"ok":true}',
    '{"event":"verified","session":"zero","token":"2","kind":"addr","seed":"1","size":8,"size_found":8,"seals":["seal"],"seals_expected":["seal"],"position":4,"bytes_checked":8,"bad_bytes":0,"verify_ms":0,"problems":[],"ok":true}',
    '{"event":"finished","session":"zero"}',
  ].join('\n'),
  'verify held=1:prng:5:4K --hold': [
    '{"event":"verified","session":"held","token":"1","kind":"prng","seed":"5","size":4096,"size_found":4096,"seals":["seal"],"seals_expected":["seal"],"position":2048,"bytes_checked":4096,"bad_bytes":0,"verify_ms":0,"problems":[],"ok":true}',
    '{"event":"finished","session":"held"}',
    '{"event":"ready","pid":64,"sessions":["held"],"log":"/run/luo-agent.log"}',
  ].join('\n'),
  'retrieve held': [
    '{"event":"retrieve","session":"held","ok":false,"errno":"EINVAL"}',
  ].join('\n'),
  'verify wrong=1:addr:8:16K': [
    '{"event":"verified","session":"wrong","token":"1","kind":"addr","seed":"8","size":16384,"size_found":16384,"seals":["seal"],"seals_expected":["seal"],"position":8192,"bytes_checked":16384,"bad_bytes":2048,"first_bad_offset":0,"expected":"0x08","found":"0x07","verify_ms":2,"problems":["2048 bytes differ, first at 0x0: expected 0x08, found 0x07"],"ok":false}',
    '{"event":"finished","session":"wrong"}',
  ].join('\n'),
  'verify wrong2=1:addr:8:16K': [
    '{"event":"error","op":"LIVEUPDATE_IOCTL_RETRIEVE_SESSION","errno":"ENOENT","message":"session wrong2: No such file or directory"}',
  ].join('\n'),
  'verify sizewrong=1:prng:9:8K': [
    '{"event":"verified","session":"sizewrong","token":"1","kind":"prng","seed":"9","size":8192,"size_found":4096,"seals":["seal"],"seals_expected":["seal"],"position":2048,"bytes_checked":4096,"bad_bytes":0,"verify_ms":1,"problems":["size 4096, expected 8192","file position 2048, expected 4096"],"ok":false}',
    '{"event":"finished","session":"sizewrong"}',
  ].join('\n'),
  'carry chain=1:prng:100:1M,2:addr:200:64K --to chain2 --reseed 1': [
    '{"event":"verified","session":"chain","token":"1","kind":"prng","seed":"100","size":1048576,"size_found":1048576,"seals":["seal"],"seals_expected":["seal"],"position":524288,"bytes_checked":1048576,"bad_bytes":0,"verify_ms":2,"problems":[],"ok":true}',
    '{"event":"verified","session":"chain","token":"2","kind":"addr","seed":"200","size":65536,"size_found":65536,"seals":["seal"],"seals_expected":["seal"],"position":32768,"bytes_checked":65536,"bad_bytes":0,"verify_ms":0,"problems":[],"ok":true}',
    '{"event":"finished","session":"chain"}',
    '{"event":"preserved","session":"chain2","token":"1","kind":"prng","seed":"101","size":1048576,"seals":["seal"],"position":524288,"fill_ms":0}',
    '{"event":"preserved","session":"chain2","token":"2","kind":"addr","seed":"201","size":65536,"seals":["seal"],"position":32768,"fill_ms":0}',
    '{"event":"ready","pid":72,"sessions":["chain2"],"log":"/run/luo-agent.log"}',
  ].join('\n'),
  'carry sealfail=1:walking:3:4K --seal --to sealfail2 --reseed 1': [
    '{"event":"verified","session":"sealfail","token":"1","kind":"walking","seed":"3","size":4096,"size_found":4096,"seals":["seal","shrink","grow","write"],"seals_expected":["seal","shrink","grow","write"],"position":2048,"bytes_checked":4096,"bad_bytes":0,"verify_ms":0,"problems":[],"ok":true}',
    '{"event":"error","op":"mmap","errno":"EPERM","message":"session sealfail, token 1: Operation not permitted"}',
  ].join('\n'),
  'probe (host without LUO)':
    '{"event":"probe","dev_liveupdate":false,"open_errno":"ENOENT","session_errno":null,"memfd_preserve":null,"memfd_errno":null}',
  'verify alpha=1:prng:42 (bad usage)':
    '{"event":"error","op":"usage","errno":null,"message":"entry 1 of \'alpha=1:prng:42\': want TOKEN:KIND:SEED:SIZE"}',
  'holder log (/run/luo-agent.log)': '{"event":"holding","pid":56}',
};

/** The recorded output of one command, parsed. */
function run(command: string): LuoAgentEvent[] {
  const stdout = recorded[command];
  if (stdout === undefined) throw new Error(`no recording for ${command}`);
  return parseLuoAgentLines(stdout);
}

/** The first line of a recording with fields replaced (or removed when the value is undefined). */
function altered(command: string, event: string, changes: Record<string, unknown>): string {
  const line = (recorded[command] ?? '').split('\n').find((candidate) => candidate.includes(`"event":"${event}"`));
  if (!line) throw new Error(`no ${event} line in ${command}`);
  const object = JSON.parse(line) as Record<string, unknown>;
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete object[key];
    else object[key] = value;
  }
  return JSON.stringify(object);
}

const only = <N extends LuoAgentEvent['event']>(events: LuoAgentEvent[], name: N) => pickOnlyEvent(events, name, 'luo-agent');

void t.test('every recording parses', (t) => {
  for (const command of Object.keys(recorded)) {
    t.doesNotThrow(() => run(command), command);
  }
  t.end();
});

void t.test('probe: pass, EBUSY, no LUO', (t) => {
  t.same(only(run('probe'), 'probe'), {
    event: 'probe',
    devLiveupdate: true,
    openErrno: null,
    sessionErrno: null,
    memfdPreserve: true,
    memfdErrno: null,
  });
  const busy = only(run('probe (while a shell holds /dev/liveupdate open)'), 'probe');
  t.equal(busy.openErrno, 'EBUSY');
  t.equal(busy.memfdPreserve, null);
  const absent = only(run('probe (host without LUO)'), 'probe');
  t.equal(absent.devLiveupdate, false);
  t.equal(absent.openErrno, 'ENOENT');
  t.end();
});

void t.test('prepare: preserved, closed, ready', (t) => {
  const events = run('prepare alpha=1:prng:42:256M,2:addr:7:4K,3:walking:5:1M beta=9:prng:1:4K --close beta');
  t.same(
    events.map((event) => event.event),
    ['preserved', 'preserved', 'preserved', 'preserved', 'closed', 'ready'],
  );
  t.same(pickEvents(events, 'preserved')[0], {
    event: 'preserved',
    session: 'alpha',
    token: 1n,
    kind: 'prng',
    seed: 42n,
    size: 268435456,
    seals: ['seal'],
    position: 134217728,
    fillMs: 1134,
  });
  t.same(only(events, 'closed'), { event: 'closed', session: 'beta' });
  const ready = only(events, 'ready');
  t.same(ready.sessions, ['alpha'], 'the closed session is not held');
  t.equal(ready.log, '/run/luo-agent.log');
  t.end();
});

void t.test('errors: one shape, one description', (t) => {
  t.same(only(run('prepare busy=1:prng:1:4K'), 'error'), {
    event: 'error',
    op: 'open',
    errno: 'EBUSY',
    message: '/dev/liveupdate: Device or resource busy',
  });
  t.same(describeErrors(run('prepare dup=1:prng:1:4K,1:prng:2:4K')), ['LIVEUPDATE_SESSION_PRESERVE_FD: session dup, token 1: File exists (EEXIST)']);
  const sealed = only(run('carry sealfail=1:walking:3:4K --seal --to sealfail2 --reseed 1'), 'error');
  t.same([sealed.op, sealed.errno], ['mmap', 'EPERM']);
  const usage = only(run('verify alpha=1:prng:42 (bad usage)'), 'error');
  t.same([usage.op, usage.errno], ['usage', null]);
  t.same(describeErrors(run('verify alpha=1:prng:42 (bad usage)')), ["usage: entry 1 of 'alpha=1:prng:42': want TOKEN:KIND:SEED:SIZE"], 'no errno, no parentheses');
  t.end();
});

void t.test('verify: a clean round trip', (t) => {
  const events = run('verify alpha=1:prng:42:256M,2:addr:7:4K,3:walking:5:1M');
  const verified = pickEvents(events, 'verified');
  t.same(
    verified.map((event) => [event.token, event.ok, event.problems, event.bytesChecked, event.mismatch]),
    [
      [1n, true, [], 268435456, undefined],
      [2n, true, [], 4096, undefined],
      [3n, true, [], 1048576, undefined],
    ],
  );
  t.same(only(events, 'finished'), { event: 'finished', session: 'alpha' });
  const zero = pickEvents(run('verify zero=1:prng:0:0,2:addr:1:8'), 'verified');
  t.same(
    zero.map((event) => [event.size, event.bytesChecked, event.ok]),
    [
      [0, 0, true],
      [8, 8, true],
    ],
  );
  t.end();
});

void t.test('verify: the verdict and its problems are luo-agent\'s, reported as printed', (t) => {
  const wrong = only(run('verify wrong=1:addr:8:16K'), 'verified');
  t.same([wrong.ok, wrong.badBytes], [false, 2048]);
  // The found word 0x7 XOR seed 8 is 0xf: not 8-aligned, so no offset's tag, and nothing is claimed about it.
  t.same(wrong.mismatch, { firstBadOffset: 0, expected: 0x08, found: 0x07 });
  t.same(wrong.problems, ['2048 bytes differ, first at 0x0: expected 0x08, found 0x07']);
  const size = only(run('verify sizewrong=1:prng:9:8K'), 'verified');
  t.same([size.ok, size.sizeFound, size.bytesChecked, size.mismatch], [false, 4096, 4096, undefined]);
  t.same(size.problems, ['size 4096, expected 8192', 'file position 2048, expected 4096']);
  t.equal(only(run('verify wrong2=1:addr:8:16K'), 'error').errno, 'ENOENT');
  t.end();
});

void t.test('retrieve: EINVAL while held, ENOENT when gone', (t) => {
  t.same(only(run('verify held=1:prng:5:4K --hold'), 'ready').sessions, ['held']);
  t.same(only(run('retrieve held'), 'retrieve'), { event: 'retrieve', session: 'held', ok: false, errno: 'EINVAL' });
  t.equal(only(run('retrieve beta'), 'retrieve').errno, 'ENOENT');
  t.end();
});

void t.test('carry: verified, finished, preserved with the new seed, ready', (t) => {
  const events = run('carry chain=1:prng:100:1M,2:addr:200:64K --to chain2 --reseed 1');
  t.same(
    events.map((event) => event.event),
    ['verified', 'verified', 'finished', 'preserved', 'preserved', 'ready'],
  );
  t.same(
    pickEvents(events, 'preserved').map((event) => [event.session, event.token, event.seed]),
    [
      ['chain2', 1n, 101n],
      ['chain2', 2n, 201n],
    ],
  );
  t.end();
});

void t.test('the holder log parses too', (t) => {
  t.same(run('holder log (/run/luo-agent.log)'), [{ event: 'holding', pid: 56 }]);
  t.end();
});

void t.test('64-bit tokens and seeds keep every bit', (t) => {
  const line =
    '{"event":"preserved","session":"s","token":"18446744073709551615","kind":"prng","seed":"0xfedcba9876543210","size":8,"seals":[],"position":4,"fill_ms":0}';
  const event = parseLuoAgentLine(line);
  t.equal(event.event === 'preserved' && event.token, 0xffffffffffffffffn);
  t.equal(event.event === 'preserved' && event.seed, 0xfedcba9876543210n);
  t.end();
});

void t.test('malformed output is a GuestError naming the line', (t) => {
  const good = recorded['retrieve held'] ?? '';
  const wrong = 'verify wrong=1:addr:8:16K';
  const cases: [string, string, RegExp][] = [
    ['not JSON', `${good}\n{"event":"retrieve",`, /line 2 is not JSON/],
    ['an array', '[1,2]', /line 1 is not a JSON object/],
    ['no event', '{"session":"x"}', /missing field "event"/],
    ['unknown event', '{"event":"bogus"}', /unknown event "bogus"/],
    ['retrieve ok with errno', '{"event":"retrieve","session":"s","ok":true,"errno":"EINVAL"}', /"ok" is true but "errno"/],
    ['errno not a name', '{"event":"retrieve","session":"s","ok":false,"errno":"busy"}', /errno name/],
    ['errno as a number', altered('verify wrong2=1:addr:8:16K', 'error', { errno: '2' }), /field "errno" must be an errno name/],
    ['session too long', `{"event":"closed","session":"${'x'.repeat(64)}"}`, /1\.\.63 bytes/],
    ['number token', altered('carry chain=1:prng:100:1M,2:addr:200:64K --to chain2 --reseed 1', 'preserved', { token: 1 }), /field "token" must be a u64 string/],
    ['truncated by the helper', '{"event":"json_truncated"}', /luo-agent had to drop a line longer than its JSON buffer/],
    ['ok without its problems', altered(wrong, 'verified', { ok: true }), /"ok" is true with 1 problems/],
    ['a failed verdict with no problem named', altered('verify sizewrong=1:prng:9:8K', 'verified', { problems: [] }), /"ok" is false with 0 problems/],
    ['problems missing', altered(wrong, 'verified', { problems: undefined }), /missing field "problems"/],
    ['mismatch without its fields', altered(wrong, 'verified', { first_bad_offset: undefined }), /missing field "first_bad_offset"/],
    ['a tag claimed for prng', altered('verify sizewrong=1:prng:9:8K', 'verified', { bad_bytes: 1, first_bad_offset: 0, expected: '0x00', found: '0x01', found_tag_of: '0x8' }), /"found_tag_of" for a prng pattern/],
    ['expected byte as a number', altered(wrong, 'verified', { expected: 8 }), /field "expected" must be a byte/],
    ['first bad offset outside', altered(wrong, 'verified', { first_bad_offset: 16384 }), /"first_bad_offset" 16384 is not below 16384/],
    ['more bad bytes than checked', altered(wrong, 'verified', { bad_bytes: 16385 }), /"bad_bytes" 16385 exceeds "bytes_checked"/],
  ];
  for (const [name, text, message] of cases) {
    t.throws(() => parseLuoAgentLines(text), GuestError, name);
    t.throws(() => parseLuoAgentLines(text), { message }, name);
  }
  t.same(parseLuoAgentLines('\n\n'), [], 'blank output is no events');
  t.throws(() => only(run('prepare dup=1:prng:1:4K,1:prng:2:4K'), 'ready'), {
    message: /expected one luo-agent "ready" event, got 0 \(errors: LIVEUPDATE_SESSION_PRESERVE_FD: session dup, token 1: File exists \(EEXIST\)\)/,
  });
  t.end();
});

t.test('uapi: one verdict per misuse, as luo-agent decided it; a kernel with a changed answer is a failed case', async (t) => {
  const fixtures = path.join(repoRoot, 'test', 'fixtures', 'luo-agent');
  const good = pickEvents(parseLuoAgentLines(readFileSync(path.join(fixtures, 'uapi.jsonl'), 'utf8')), 'uapi');
  t.equal(good.length, 11, 'eleven cases on 7.3.4');
  t.ok(good.every((answer) => answer.ok && answer.errno === answer.expected), 'every answer as documented');
  t.match(good.find((answer) => answer.case === 'get-session-name'), { expected: null, errno: null, ok: true }, 'the one that must succeed');
  const faulted = pickEvents(parseLuoAgentLines(readFileSync(path.join(fixtures, 'uapi-duplicate-session-ebusy.jsonl'), 'utf8')), 'uapi');
  t.same(
    faulted.filter((answer) => !answer.ok).map((answer) => [answer.case, answer.expected, answer.errno, answer.problems]),
    [['duplicate-session', 'EEXIST', 'EBUSY', ['expected EEXIST, the kernel answered EBUSY']]],
  );
  t.throws(() => parseLuoAgentLine('{"event":"uapi","case":"x","expected":"EBUSY","errno":"EBUSY","problems":["p"],"ok":true}'), GuestError, 'ok with problems is malformed');
});

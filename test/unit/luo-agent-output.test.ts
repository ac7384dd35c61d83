// luo-agent's JSON lines, parsed and validated (harness/guest/luo-agent-output.ts).
//
// The `recorded` outputs are real: Linux 7.3.4 (Debian linux-source-7.3, images/kernel/luo.config) under
// qemu-system-x86_64 7.2 TCG (-machine q35 -m 1G, console=ttyS0 liveupdate=on), booted from a busybox
// initramfs whose /init ran these luo-agent commands (built from images/guest at the time of writing),
// then `kexec -s -l /bzImage --initrd=... --reuse-cmdline` + `kexec -e`, and the verify/carry/retrieve
// commands in the next kernel. Keys are the command lines; "probe (while ...)" ran with `exec 3<>/dev/liveupdate`
// in the shell. The usage error and the no-/dev/liveupdate probe were recorded on the host.

import t from 'tap';
import { GuestError } from '../../harness/errors.ts';
import {
  describeLuoErrors,
  luoEventsNamed,
  onlyLuoEventNamed,
  parseLuoAgentLine,
  parseLuoAgentLines,
  type LuoAgentEvent,
} from '../../harness/guest/luo-agent-output.ts';

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
    '{"event":"error","op":"open","session":null,"token":null,"errno":"EBUSY","message":"Device or resource busy"}',
  ].join('\n'),
  'prepare delta=1:prng:4:8K --seal=seal,shrink,grow,write,future_write,exec': [
    '{"event":"preserved","session":"delta","token":"1","kind":"prng","seed":"4","size":8192,"seals":["seal","shrink","grow","write","future_write","exec"],"position":4096,"fill_ms":0}',
    '{"event":"ready","pid":63,"sessions":["delta"],"log":"/run/luo-agent.log"}',
  ].join('\n'),
  'prepare dup=1:prng:1:4K,1:prng:2:4K': [
    '{"event":"preserved","session":"dup","token":"1","kind":"prng","seed":"1","size":4096,"seals":["seal"],"position":2048,"fill_ms":1}',
    '{"event":"error","op":"LIVEUPDATE_SESSION_PRESERVE_FD","session":"dup","token":"1","errno":"EEXIST","message":"File exists"}',
  ].join('\n'),
  'verify alpha=1:prng:42:256M,2:addr:7:4K,3:walking:5:1M': [
    '{"event":"verified","session":"alpha","token":"1","kind":"prng","seed":"42","size":268435456,"size_found":268435456,"size_ok":true,"seals":["seal"],"seals_expected":["seal"],"seals_ok":true,"position":134217728,"position_ok":true,"bytes_checked":268435456,"bad_bytes":0,"verify_ms":1068,"ok":true}',
    '{"event":"verified","session":"alpha","token":"2","kind":"addr","seed":"7","size":4096,"size_found":4096,"size_ok":true,"seals":["seal"],"seals_expected":["seal"],"seals_ok":true,"position":2048,"position_ok":true,"bytes_checked":4096,"bad_bytes":0,"verify_ms":0,"ok":true}',
    '{"event":"verified","session":"alpha","token":"3","kind":"walking","seed":"5","size":1048576,"size_found":1048576,"size_ok":true,"seals":["seal"],"seals_expected":["seal"],"seals_ok":true,"position":524288,"position_ok":true,"bytes_checked":1048576,"bad_bytes":0,"verify_ms":4,"ok":true}',
    '{"event":"finished","session":"alpha"}',
  ].join('\n'),
  'retrieve beta': [
    '{"event":"retrieve","session":"beta","ok":false,"errno":"ENOENT"}',
  ].join('\n'),
  'verify none=1:prng:4:8K --seal=none': [
    '{"event":"verified","session":"none","token":"1","kind":"prng","seed":"4","size":8192,"size_found":8192,"size_ok":true,"seals":[],"seals_expected":[],"seals_ok":true,"position":4096,"position_ok":true,"bytes_checked":8192,"bad_bytes":0,"verify_ms":0,"ok":true}',
    '{"event":"finished","session":"none"}',
  ].join('\n'),
  'verify zero=1:prng:0:0,2:addr:1:8': [
    '{"event":"verified","session":"zero","token":"1","kind":"prng","seed":"0","size":0,"size_found":0,"size_ok":true,"seals":["seal"],"seals_expected":["seal"],"seals_ok":true,"position":0,"position_ok":true,"bytes_checked":0,"bad_bytes":0,"verify_ms":0,"ok":true}',
    '{"event":"verified","session":"zero","token":"2","kind":"addr","seed":"1","size":8,"size_found":8,"size_ok":true,"seals":["seal"],"seals_expected":["seal"],"seals_ok":true,"position":4,"position_ok":true,"bytes_checked":8,"bad_bytes":0,"verify_ms":0,"ok":true}',
    '{"event":"finished","session":"zero"}',
  ].join('\n'),
  'verify held=1:prng:5:4K --hold': [
    '{"event":"verified","session":"held","token":"1","kind":"prng","seed":"5","size":4096,"size_found":4096,"size_ok":true,"seals":["seal"],"seals_expected":["seal"],"seals_ok":true,"position":2048,"position_ok":true,"bytes_checked":4096,"bad_bytes":0,"verify_ms":0,"ok":true}',
    '{"event":"finished","session":"held"}',
    '{"event":"ready","pid":64,"sessions":["held"],"log":"/run/luo-agent.log"}',
  ].join('\n'),
  'retrieve held': [
    '{"event":"retrieve","session":"held","ok":false,"errno":"EINVAL"}',
  ].join('\n'),
  'verify wrong=1:addr:8:16K': [
    '{"event":"verified","session":"wrong","token":"1","kind":"addr","seed":"8","size":16384,"size_found":16384,"size_ok":true,"seals":["seal"],"seals_expected":["seal"],"seals_ok":true,"position":8192,"position_ok":true,"bytes_checked":16384,"bad_bytes":2048,"first_bad_offset":0,"expected":"0x08","found":"0x07","found_looks_like_offset":"0xf","verify_ms":2,"ok":false}',
    '{"event":"finished","session":"wrong"}',
  ].join('\n'),
  'verify wrong2=1:addr:8:16K': [
    '{"event":"error","op":"LIVEUPDATE_IOCTL_RETRIEVE_SESSION","session":"wrong2","token":null,"errno":"ENOENT","message":"No such file or directory"}',
  ].join('\n'),
  'verify sizewrong=1:prng:9:8K': [
    '{"event":"verified","session":"sizewrong","token":"1","kind":"prng","seed":"9","size":8192,"size_found":4096,"size_ok":false,"seals":["seal"],"seals_expected":["seal"],"seals_ok":true,"position":2048,"position_ok":false,"bytes_checked":4096,"bad_bytes":0,"verify_ms":1,"ok":false}',
    '{"event":"finished","session":"sizewrong"}',
  ].join('\n'),
  'carry chain=1:prng:100:1M,2:addr:200:64K --to chain2 --reseed 1': [
    '{"event":"verified","session":"chain","token":"1","kind":"prng","seed":"100","size":1048576,"size_found":1048576,"size_ok":true,"seals":["seal"],"seals_expected":["seal"],"seals_ok":true,"position":524288,"position_ok":true,"bytes_checked":1048576,"bad_bytes":0,"verify_ms":2,"ok":true}',
    '{"event":"verified","session":"chain","token":"2","kind":"addr","seed":"200","size":65536,"size_found":65536,"size_ok":true,"seals":["seal"],"seals_expected":["seal"],"seals_ok":true,"position":32768,"position_ok":true,"bytes_checked":65536,"bad_bytes":0,"verify_ms":0,"ok":true}',
    '{"event":"finished","session":"chain"}',
    '{"event":"preserved","session":"chain2","token":"1","kind":"prng","seed":"101","size":1048576,"seals":["seal"],"position":524288,"fill_ms":0}',
    '{"event":"preserved","session":"chain2","token":"2","kind":"addr","seed":"201","size":65536,"seals":["seal"],"position":32768,"fill_ms":0}',
    '{"event":"ready","pid":72,"sessions":["chain2"],"log":"/run/luo-agent.log"}',
  ].join('\n'),
  'carry sealfail=1:walking:3:4K --seal --to sealfail2 --reseed 1': [
    '{"event":"verified","session":"sealfail","token":"1","kind":"walking","seed":"3","size":4096,"size_found":4096,"size_ok":true,"seals":["seal","shrink","grow","write"],"seals_expected":["seal","shrink","grow","write"],"seals_ok":true,"position":2048,"position_ok":true,"bytes_checked":4096,"bad_bytes":0,"verify_ms":0,"ok":true}',
    '{"event":"error","op":"mmap","session":"sealfail","token":"1","errno":"EPERM","message":"Operation not permitted"}',
  ].join('\n'),
  'probe (host without LUO)':
    '{"event":"probe","dev_liveupdate":false,"open_errno":"ENOENT","session_errno":null,"memfd_preserve":null,"memfd_errno":null}',
  'verify alpha=1:prng:42 (bad usage)':
    '{"event":"error","op":"usage","session":null,"token":null,"errno":null,"message":"entry \'1\' in \'alpha=1:prng:42\': want TOKEN:KIND:SEED:SIZE","usage":"luo-agent probe | prepare SPEC... [--seal[=SEALS]] [--close NAME]... [--log FILE] | verify SPEC... [--seal[=SEALS]] [--no-finish] [--hold] [--log FILE] | carry SPEC --to NAME --reseed DELTA [--seal[=SEALS]] [--log FILE] | retrieve NAME; SPEC: SESSION=TOKEN:KIND:SEED:SIZE[,...], KIND prng|walking|addr; SEALS: none or seal,shrink,grow,write,future_write,exec"}',
  'holder log (/run/luo-agent.log)': '{"event":"holding","pid":56}',
};

/** The recorded output of one command, parsed. */
function run(command: string): LuoAgentEvent[] {
  const stdout = recorded[command];
  if (stdout === undefined) throw new Error(`no recording for ${command}`);
  return parseLuoAgentLines(stdout);
}

void t.test('every recording parses', (t) => {
  for (const command of Object.keys(recorded)) {
    t.doesNotThrow(() => run(command), command);
  }
  t.end();
});

void t.test('probe: pass, EBUSY, no LUO', (t) => {
  t.same(onlyLuoEventNamed(run('probe'), 'probe'), {
    event: 'probe',
    devLiveupdate: true,
    openErrno: null,
    sessionErrno: null,
    memfdPreserve: true,
    memfdErrno: null,
  });
  const busy = onlyLuoEventNamed(run('probe (while a shell holds /dev/liveupdate open)'), 'probe');
  t.equal(busy.openErrno, 'EBUSY');
  t.equal(busy.memfdPreserve, null);
  const absent = onlyLuoEventNamed(run('probe (host without LUO)'), 'probe');
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
  const [first] = luoEventsNamed(events, 'preserved');
  t.same(first, {
    event: 'preserved',
    session: 'alpha',
    token: 1n,
    kind: 'prng',
    seed: 42n,
    size: 268435456,
    seals: ['seal'],
    position: 134217728,
    fillMs: first?.fillMs,
  });
  t.same(onlyLuoEventNamed(events, 'closed'), { event: 'closed', session: 'beta' });
  const ready = onlyLuoEventNamed(events, 'ready');
  t.same(ready.sessions, ['alpha'], 'the closed session is not held');
  t.equal(ready.log, '/run/luo-agent.log');
  t.same(onlyLuoEventNamed(run('prepare delta=1:prng:4:8K --seal=seal,shrink,grow,write,future_write,exec'), 'preserved').seals, [
    'seal',
    'shrink',
    'grow',
    'write',
    'future_write',
    'exec',
  ]);
  t.end();
});

void t.test('errors carry op, session, token and errno', (t) => {
  t.same(onlyLuoEventNamed(run('prepare busy=1:prng:1:4K'), 'error'), {
    event: 'error',
    op: 'open',
    session: null,
    token: null,
    errno: 'EBUSY',
    message: 'Device or resource busy',
  });
  const dup = run('prepare dup=1:prng:1:4K,1:prng:2:4K');
  t.same(describeLuoErrors(dup), ['LIVEUPDATE_SESSION_PRESERVE_FD (dup, token 1): EEXIST File exists']);
  const sealed = onlyLuoEventNamed(run('carry sealfail=1:walking:3:4K --seal --to sealfail2 --reseed 1'), 'error');
  t.equal(sealed.op, 'mmap');
  t.equal(sealed.errno, 'EPERM');
  const usage = onlyLuoEventNamed(run('verify alpha=1:prng:42 (bad usage)'), 'error');
  t.equal(usage.op, 'usage');
  t.equal(usage.errno, null);
  t.end();
});

void t.test('verify: a clean round trip', (t) => {
  const events = run('verify alpha=1:prng:42:256M,2:addr:7:4K,3:walking:5:1M');
  const verified = luoEventsNamed(events, 'verified');
  t.equal(verified.length, 3);
  t.ok(verified.every((event) => event.ok && event.mismatch === undefined));
  t.equal(verified[0]?.bytesChecked, 268435456);
  t.same(onlyLuoEventNamed(events, 'finished'), { event: 'finished', session: 'alpha' });
  t.same(onlyLuoEventNamed(run('verify none=1:prng:4:8K --seal=none'), 'verified').seals, []);
  const zero = luoEventsNamed(run('verify zero=1:prng:0:0,2:addr:1:8'), 'verified');
  t.same(
    zero.map((event) => [event.size, event.bytesChecked, event.ok]),
    [
      [0, 0, true],
      [8, 8, true],
    ],
  );
  t.end();
});

void t.test('verify: mismatches are reported, not thrown', (t) => {
  const wrong = onlyLuoEventNamed(run('verify wrong=1:addr:8:16K'), 'verified');
  t.equal(wrong.ok, false);
  t.equal(wrong.badBytes, 2048);
  t.same(wrong.mismatch, { firstBadOffset: 0, expected: 0x08, found: 0x07, foundLooksLikeOffset: 0xfn });
  const size = onlyLuoEventNamed(run('verify sizewrong=1:prng:9:8K'), 'verified');
  t.same([size.ok, size.sizeOk, size.sizeFound, size.bytesChecked, size.mismatch], [false, false, 4096, 4096, undefined]);
  t.equal(onlyLuoEventNamed(run('verify wrong2=1:addr:8:16K'), 'error').errno, 'ENOENT');
  t.end();
});

void t.test('retrieve: EINVAL while held, ENOENT when gone', (t) => {
  t.same(onlyLuoEventNamed(run('verify held=1:prng:5:4K --hold'), 'ready').sessions, ['held']);
  t.same(onlyLuoEventNamed(run('retrieve held'), 'retrieve'), { event: 'retrieve', session: 'held', ok: false, errno: 'EINVAL' });
  t.equal(onlyLuoEventNamed(run('retrieve beta'), 'retrieve').errno, 'ENOENT');
  t.end();
});

void t.test('carry: verified, finished, preserved with the new seed, ready', (t) => {
  const events = run('carry chain=1:prng:100:1M,2:addr:200:64K --to chain2 --reseed 1');
  t.same(
    events.map((event) => event.event),
    ['verified', 'verified', 'finished', 'preserved', 'preserved', 'ready'],
  );
  t.same(
    luoEventsNamed(events, 'preserved').map((event) => [event.session, event.token, event.seed]),
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
  const cases: [string, string, RegExp][] = [
    ['not JSON', `${good}\n{"event":"retrieve",`, /line 2 is not JSON/],
    ['an array', '[1,2]', /line 1 is not a JSON object/],
    ['no event', '{"session":"x"}', /missing field "event"/],
    ['unknown event', '{"event":"bogus"}', /unknown event "bogus"/],
    ['retrieve ok with errno', '{"event":"retrieve","session":"s","ok":true,"errno":"EINVAL"}', /"ok" is true but "errno"/],
    ['errno not a name', '{"event":"retrieve","session":"s","ok":false,"errno":"busy"}', /errno name/],
    ['session too long', `{"event":"closed","session":"${'x'.repeat(64)}"}`, /1\.\.63 bytes/],
    [
      'number token',
      '{"event":"error","op":"x","session":null,"token":1,"errno":"EIO","message":"m"}',
      /field "token" must be a u64 string/,
    ],
    ['truncated by the helper', '{"event":"json_truncated"}', /longer than its JSON buffer/],
    [
      'ok contradicting checks',
      (recorded['verify sizewrong=1:prng:9:8K'] ?? '').split('\n')[0]?.replace('"ok":false', '"ok":true') ?? '',
      /"ok" is true but the individual checks say false/,
    ],
    [
      'mismatch without its fields',
      (recorded['verify wrong=1:addr:8:16K'] ?? '').split('\n')[0]?.replace(/"first_bad_offset":0,/, '') ?? '',
      /missing field "first_bad_offset"/,
    ],
    [
      'addr mismatch without found_looks_like_offset',
      (recorded['verify wrong=1:addr:8:16K'] ?? '').split('\n')[0]?.replace(/"found_looks_like_offset":"0xf",/, '') ?? '',
      /missing field "found_looks_like_offset"/,
    ],
    [
      'expected byte as a number',
      (recorded['verify wrong=1:addr:8:16K'] ?? '').split('\n')[0]?.replace('"expected":"0x08"', '"expected":8') ?? '',
      /field "expected" must be a byte/,
    ],
  ];
  for (const [name, text, message] of cases) {
    t.throws(() => parseLuoAgentLines(text), GuestError, name);
    t.throws(() => parseLuoAgentLines(text), { message }, name);
  }
  t.same(parseLuoAgentLines('\n\n'), [], 'blank output is no events');
  t.throws(() => onlyLuoEventNamed(run('prepare dup=1:prng:1:4K,1:prng:2:4K'), 'ready'), {
    message: /expected one luo-agent "ready" event, got 0 \(errors: LIVEUPDATE_SESSION_PRESERVE_FD \(dup, token 1\): EEXIST File exists\)/,
  });
  t.end();
});

// Parser for vfio-edu's JSON lines, against real recordings (test/fixtures/vfio-edu/README.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { GuestError } from '../../harness/errors.ts';
import { pickEvents as eventsNamed, pickOnlyEvent } from '../../harness/formats/json-lines.ts';
import { parseVfioEduLine, parseVfioEduOutput, type VfioEduEvent } from '../../harness/guest/vfio-edu-output.ts';

const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'vfio-edu');

function fixture(name: string): string {
  return readFileSync(path.join(fixtureDir, `${name}.jsonl`), 'utf8');
}

function recorded(name: string): VfioEduEvent[] {
  return parseVfioEduOutput(fixture(name));
}

const onlyEventNamed = <N extends VfioEduEvent['event']>(events: VfioEduEvent[], name: N) => pickOnlyEvent(events, name, 'vfio-edu');

/** The first line of a recording with one field replaced (or removed when value is undefined). */
function altered(name: string, event: string, changes: Record<string, unknown>): string {
  const line = fixture(name)
    .split('\n')
    .find((candidate) => candidate.includes(`"event":"${event}"`));
  if (!line) throw new Error(`no ${event} line in ${name}`);
  const object = JSON.parse(line) as Record<string, unknown>;
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete object[key];
    else object[key] = value;
  }
  return JSON.stringify(object);
}

void t.test('dma over cdev: ten transfers above 4 GiB, all verified', (t) => {
  const events = recorded('dma-cdev');
  const device = onlyEventNamed(events, 'device');
  t.equal(device.id, 0x010000ed);
  t.equal(device.alive, true);
  t.equal(device.commandBefore & 0x4, 0, 'bus master was off before the helper');
  t.equal(device.command & 0x6, 0x6, 'memory space and bus master on');

  const transfers = eventsNamed(events, 'dma');
  t.equal(transfers.length, 10);
  t.ok(transfers.every((transfer) => transfer.ok && transfer.iova === 0x100000000n));
  t.ok(transfers.every((transfer) => transfer.mismatch === undefined && transfer.problems.length === 0 && transfer.badBytes === 0));
  t.same(
    transfers.map((transfer) => transfer.seed),
    [...Array(10).keys()].map((index) => 0x3bc69ac6966dn + BigInt(index)),
    'a new seed per transfer',
  );
  t.ok(transfers.every((transfer) => transfer.offset + transfer.size <= 4095));

  const summary = onlyEventNamed(events, 'dma-summary');
  t.same(summary, { event: 'dma-summary', bdf: '0000:00:04.0', transfers: 10, skipped: 2, bytesChecked: 5840, failures: 0 });
  t.end();
});

void t.test('dma failure: the verdict and its problem as vfio-edu printed them', (t) => {
  const events = recorded('dma-fail-28bit-mask');
  const [first, second] = eventsNamed(events, 'dma');
  t.same(first?.mismatch, { firstBadOffset: 0, expected: 0x34, found: 0 });
  t.equal(first?.badBytes, 16);
  t.same(first?.problems, ['16 bytes differ, first at 0x0: expected 0x34, found 0x00']);
  t.equal(second?.ok, false);
  t.equal(onlyEventNamed(events, 'dma-summary').failures, 2);
  t.end();
});

void t.test('msi: one event per raise, none spurious, disarmed after', (t) => {
  const events = recorded('msi-cdev');
  const states = eventsNamed(events, 'msi-state');
  t.same(
    states.map((state) => [state.phase, state.enabled]),
    [
      ['before-arm', false],
      ['before-arm', false],
      ['armed', true],
    ],
    'MSI off before arming, on once armed',
  );
  t.equal(states[2]?.address, 0xfee002f8n, 'remappable-format MSI address');
  const msi = onlyEventNamed(events, 'msi');
  t.equal(msi.raised, 8);
  t.same(msi.perRaise, Array<number>(8).fill(1));
  t.equal(msi.spurious, 0);
  t.same([msi.ok, msi.problems], [true, []]);
  t.match(msi, { irq: 30, cpu: 1, perCpu: [0, 8] }, 'routed to CPU 1, where /proc/interrupts counted all eight');
  t.equal(onlyEventNamed(events, 'msi-disarmed').enabled, false, 'MSI off again after disarming');
  t.end();
});

void t.test('config: 256 bytes decoded, vendor and device read back', (t) => {
  const config = onlyEventNamed(recorded('config-cdev'), 'config');
  t.equal(config.size, 256);
  t.equal(config.bytes.length, 256);
  const view = new DataView(config.bytes.buffer, config.bytes.byteOffset);
  t.equal(view.getUint16(0, true), 0x1234, 'vendor');
  t.equal(view.getUint16(2, true), 0x11e8, 'device');
  t.end();
});

void t.test('preserve on 7.3: the ENOENT capability probe', (t) => {
  const preserve = onlyEventNamed(recorded('preserve-enoent'), 'preserve');
  t.same(preserve, {
    event: 'preserve',
    bdf: '0000:00:04.0',
    session: 'vfio-edu',
    token: 0n,
    supported: false,
    errno: 'ENOENT',
  });
  t.end();
});

void t.test('usage and syscall errors', (t) => {
  t.same(onlyEventNamed(recorded('usage-bdf'), 'error'), {
    event: 'error',
    op: 'usage',
    errno: null,
    message: "'00:04.0' is not a BDF like 0000:00:04.0",
  });
  const notVfio = onlyEventNamed(recorded('error-not-vfio'), 'error');
  t.equal(notVfio.op, 'open');
  t.equal(notVfio.errno, 'ENOENT');
  t.end();
});

void t.test('onlyEventNamed names the errors when the event is missing', (t) => {
  t.throws(() => onlyEventNamed(recorded('error-not-vfio'), 'dma-summary'), {
    name: 'GuestError',
    message: /expected one vfio-edu "dma-summary" event, got 0 \(errors: open: no VFIO cdev for 0000:00:1f\.2 .*\(ENOENT\)\)$/,
  });
  t.end();
});

void t.test('bad lines throw a GuestError naming the line', (t) => {
  const good = fixture('dma-cdev').trimEnd().split('\n');
  t.throws(() => parseVfioEduOutput([good[0], '[    1.5] kernel chatter', good[1]].join('\n')), {
    name: 'GuestError',
    message: /^vfio-edu output line 2 is not JSON .*: \[ {4}1\.5\] kernel chatter$/,
  });
  t.throws(() => parseVfioEduLine('[1,2]', 7), { message: /line 7 is not a JSON object/ });
  t.throws(() => parseVfioEduLine('{"event":"json_truncated"}'), { message: /vfio-edu had to drop a line longer than its JSON buffer/ });

  const cases: [string, RegExp][] = [
    [altered('dma-cdev', 'dma', { size: undefined }), /missing field "size"/],
    [altered('dma-cdev', 'dma', { size: '8' }), /field "size" must be a non-negative integer, got "8"/],
    [altered('dma-cdev', 'dma', { offset: 4000, size: 512 }), /offset 4000 \+ size 512 exceeds/],
    [altered('dma-cdev', 'dma', { iova: 4294967296 }), /field "iova" must be a u64 string/],
    [altered('dma-cdev', 'dma', { seed: '0x10000000000000000' }), /field "seed" must be a u64 string/],
    [altered('dma-cdev', 'dma', { bad_bytes: 3 }), /missing field "first_bad_offset"/],
    [altered('dma-cdev', 'dma', { ok: false }), /"ok" is false with 0 problems/],
    [altered('dma-fail-28bit-mask', 'dma', { ok: true }), /"ok" is true with 1 problems/],
    [altered('dma-fail-28bit-mask', 'dma', { bad_bytes: 0 }), /"bad_bytes" is 0 but "first_bad_offset" is present/],
    [altered('dma-fail-28bit-mask', 'dma', { first_bad_offset: 4096 }), /"first_bad_offset" 4096 is not below 4096/],
    [altered('dma-cdev', 'dma', { bytes_checked: 16 }), /"bytes_checked" 16 is not the size 8/],
    [altered('msi-cdev', 'msi', { problems: ['raise 1: 2 interrupts, expected 1'] }), /"ok" is true with 1 problems/],
    [altered('msi-cdev', 'msi', { problems: [''], ok: false }), /field "problems" must be an array of non-empty strings/],
    [altered('dma-cdev', 'device', { bdf: '00:04.0' }), /field "bdf" must look like 0000:00:04.0/],
    [altered('dma-cdev', 'device', { id: '0x1ffffffff' }), /field "id" must be a hex string of at most 32 bits/],
    [altered('msi-cdev', 'msi', { per_raise: [1, 1] }), /"per_raise" has 2 entries for 8 raises/],
    [altered('msi-cdev', 'msi', { received: 9 }), /"per_raise" sums to 8 but "received" is 9/],
    [altered('msi-cdev', 'msi', { cpu: 2 }), /"cpu" 2 is past the 2 CPUs counted/],
    [altered('msi-cdev', 'msi', { per_cpu: null }), /field "per_cpu" must be an array of non-negative integers/],
    [altered('msi-cdev', 'msi', { per_raise: [1, 1, 1, 1, 1, 1, 1, -1] }), /"per_raise" must be an array of non-negative integers/],
    [altered('config-cdev', 'config', { size: 4096 }), /field "hex" must be 8192 lowercase hex digits \(size 4096\), got 512/],
    [altered('config-cdev', 'config', { size: 300 }), /field "size" must be 256 or 4096/],
    [altered('preserve-enoent', 'preserve', { supported: true }), /"supported" is true but "errno" is "ENOENT"/],
    [altered('error-not-vfio', 'error', { errno: 2 }), /field "errno" must be a string or null/],
    [altered('error-not-vfio', 'error', { errno: '2' }), /field "errno" must be an errno name/],
    [altered('preserve-enoent', 'preserve', { errno: 'enoent' }), /field "errno" must be an errno name/],
  ];
  for (const [line, message] of cases) {
    t.throws(() => parseVfioEduLine(line, 3), { name: 'GuestError', message }, message.source);
    try {
      parseVfioEduLine(line, 3);
    } catch (error) {
      t.ok(error instanceof GuestError);
      t.match((error as Error).message, /^vfio-edu output line 3 is malformed: .*: \{"event":/, 'names the line and quotes it');
    }
  }
  t.end();
});

void t.test('a preserved device on the series kernel: refused kexec, preserve, and the way back step by step', (t) => {
  const steps = (name: string) => eventsNamed(recorded(name), 'step').map((step) => [step.step, step.errno]);
  t.same(steps('refuse-kexec-series'), [['preserve-with-msi-armed', null], ['kexec', 'EINVAL'], ['device-fd-after-refused-kexec', null]]);
  const preserve = recorded('preserve-series');
  t.equal(onlyEventNamed(preserve, 'preserve').supported, true);
  t.match(onlyEventNamed(preserve, 'ready'), { pid: 72, inflightSeed: 0xd43eb925305cn });
  const resume = recorded('resume-series');
  t.same(steps('resume-series'), [
    ['retrieve-session', null],
    ['open-cdev-before-finish', 'EBUSY'],
    ['finish-before-retrieve', 'EBUSY'],
    ['retrieve-inflight-memfd', null],
    ['retrieve-device', null],
    ['finish-before-bind', 'EBUSY'],
    ['bind-iommufd', null],
    ['finish', null],
  ]);
  t.same(onlyEventNamed(resume, 'inflight'), { event: 'inflight', bdf: '0000:01:00.0', outcome: 'dropped', size: 4088, badBytes: 4069, zeroBytes: 4088 });
  t.end();
});

void t.test('malformed live-update steps and in-flight reports are refused', (t) => {
  const cases: [string, RegExp][] = [
    [altered('resume-series', 'step', { step: 'reboot' }), /field "step" must be one of/],
    [altered('resume-series', 'step', { errno: 'busy' }), /field "errno" must be an errno name/],
    [altered('resume-series', 'inflight', { outcome: 'completed' }), /outcome "completed" contradicts 4069 bad bytes/],
    [altered('resume-series', 'inflight', { zero_bytes: 5000 }), /exceed "size" 4088/],
    [altered('preserve-series', 'ready', { inflight_seed: undefined }), /inflight_seed/],
  ];
  for (const [line, message] of cases) t.throws(() => parseVfioEduLine(line), { name: 'GuestError', message }, message.source);
  t.end();
});

void t.test('long lines are shortened in messages', (t) => {
  const config = altered('config-cdev', 'config', { size: 4096 });
  t.throws(() => parseVfioEduLine(config), { message: new RegExp(`\\.\\.\\. \\(${config.length} characters\\)$`) });
  t.end();
});

void t.test('blank lines and a trailing newline are fine', (t) => {
  t.equal(parseVfioEduOutput(`\n${fixture('usage-bdf')}\n\n`).length, 1);
  t.same(parseVfioEduOutput(''), []);
  t.end();
});

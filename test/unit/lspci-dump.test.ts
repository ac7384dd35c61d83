import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatLspciDump, parseHexConfig, parseLspciDump } from '../../harness/checks/lspci-dump.ts';
import type { DumpedDevice } from '../../harness/checks/lspci-dump.ts';
import { devicesIn, snapshot } from '../fixtures/pci/fixtures.ts';
import type { Phase, Recording } from '../fixtures/pci/fixtures.ts';

function recorded(phase: Phase, recording: Recording): DumpedDevice[] {
  return devicesIn(phase, recording).map((bdf) => ({ bdf, bytes: snapshot(bdf, phase, recording) }));
}

const lspciAvailable = spawnSync('lspci', ['--version']).status === 0;
const workDir = mkdtempSync(path.join(tmpdir(), 'lspci-dump-'));
t.teardown(() => rmSync(workDir, { recursive: true, force: true }));
let dumpCount = 0;

/** Run the real `lspci -F <dump>` with extra arguments; stdout only (it grumbles about libkmod on stderr). */
function lspci(text: string, args: string[]): string {
  const file = path.join(workDir, `dump-${dumpCount++}.txt`);
  writeFileSync(file, text);
  const result = spawnSync('lspci', ['-F', file, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`lspci -F ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

void t.test('format then parse is byte-exact for every recorded device (256 and 4096 bytes)', (t) => {
  for (const recording of ['harness-topology', 'pcie-root-port'] as const) {
    const devices = recorded('boot', recording);
    const back = parseLspciDump(formatLspciDump(devices));
    t.same(
      back.map((d) => d.bdf),
      devices.map((d) => d.bdf),
      `${recording}: same devices, same order`,
    );
    back.forEach((device, i) => t.same(device.bytes, devices[i]?.bytes, `${device.bdf} bytes`));
  }
  t.end();
});

void t.test('the dump looks like lspci -D -xxxx', (t) => {
  const text = formatLspciDump([{ bdf: '00:04.0', bytes: snapshot('0000:00:04.0') }]);
  const lines = text.split('\n');
  t.equal(lines[0], '0000:00:04.0 Class 00ff: Device 1234:11e8 (rev 10)');
  t.equal(lines[1], '00: 34 12 e8 11 03 01 10 00 10 00 ff 00 00 00 00 00');
  t.equal(lines[16], 'f0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00');
  t.equal(text.slice(-2), '\n\n', 'blank line ends the device');
  const extended = formatLspciDump([
    { bdf: '0000:01:00.0', bytes: snapshot('0000:01:00.0', 'boot', 'pcie-root-port') },
  ]);
  t.match(extended, /\n100: 01 00 02 14 /, 'extended space offsets have three digits, as lspci prints them');
  t.end();
});

void t.test(
  'real lspci -F reads our dump: -xxxx gives the same bytes back',
  { skip: !lspciAvailable && 'lspci not installed' },
  (t) => {
    const devices = recorded('boot', 'pcie-root-port');
    const fromLspci = parseLspciDump(lspci(formatLspciDump(devices), ['-xxxx']));
    t.same(
      fromLspci.map((d) => d.bdf),
      devices.map((d) => d.bdf),
    );
    fromLspci.forEach((device, i) => {
      const original = devices[i]?.bytes ?? new Uint8Array();
      // lspci -xxxx prints 4096 bytes only for devices whose dump has them; compare what it printed.
      t.same(device.bytes, original.slice(0, device.bytes.length), `${device.bdf} bytes through lspci`);
      t.ok(device.bytes.length >= 256, `${device.bdf}: at least 256 bytes`);
    });
    t.equal(fromLspci.find((d) => d.bdf === '0000:01:00.0')?.bytes.length, 4096);
    t.end();
  },
);

void t.test(
  'real lspci -F -vvv decodes what the guest saw',
  { skip: !lspciAvailable && 'lspci not installed' },
  (t) => {
    const before = lspci(formatLspciDump(recorded('vfio', 'harness-topology')), ['-vvv', '-s', '00:04.0']);
    t.match(before, /Device 1234:11e8 \(rev 10\)/);
    t.match(before, /Region 0: Memory at fe900000 \(32-bit, non-prefetchable\)/);
    t.match(before, /Capabilities: \[40\] MSI: Enable- Count=1\/1 Maskable- 64bit\+/);
    t.match(before, /BusMaster-/);
    const after = lspci(formatLspciDump(recorded('user', 'harness-topology')), ['-vvv', '-s', '00:04.0']);
    t.match(after, /Control: I\/O- Mem\+ BusMaster\+/);
    t.match(after, /MSI: Enable\+ Count=1\/1 Maskable- 64bit\+\s+Address: 00000000fee00000 {2}Data: 4041/);
    t.end();
  },
);

void t.test('parse accepts lspci output without domains and ignores -v text', (t) => {
  const text = [
    '00:04.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)',
    '\tSubsystem: Red Hat, Inc. Device 1100',
    '00: 34 12 e8 11 03 01 10 00 10 00 ff 00 00 00 00 00',
    '10: 00 00 90 fe 00 00 00 00 00 00 00 00 00 00 00 00',
    '20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11',
    '30: 00 00 00 00 40 00 00 00 00 00 00 00 0a 01 00 00',
    '',
  ].join('\r\n');
  const [device] = parseLspciDump(text);
  t.equal(device?.bdf, '0000:00:04.0');
  t.same(device?.bytes, snapshot('0000:00:04.0').slice(0, 64));
  t.end();
});

void t.test('malformed dumps are refused with the line number', (t) => {
  t.throws(() => parseLspciDump('00:04.0 x\n00: 34 12 zz\n'), { name: 'BadInputError', message: /line 2/ });
  t.throws(() => parseLspciDump('00:04.0 x\n00: 34 12\n10: 00\n'), { message: /gap at config offset 0x2/ });
  t.throws(() => formatLspciDump([{ bdf: '0000:00:04.0', bytes: new Uint8Array(4097) }]), {
    message: /0000:00:04.0 has 4097/,
  });
  t.end();
});

void t.test('parseHexConfig reads od output and plain strings', (t) => {
  t.same(parseHexConfig(' 34 12 e8 11\n 03 01\n'), Uint8Array.from([0x34, 0x12, 0xe8, 0x11, 0x03, 0x01]));
  t.same(parseHexConfig('3412E811'), Uint8Array.from([0x34, 0x12, 0xe8, 0x11]));
  t.equal(snapshot('0000:00:04.0').length, 256, 'the recorded od dump is 256 bytes');
  t.throws(() => parseHexConfig('34 1'), { name: 'BadInputError', message: /odd number/ });
  t.throws(() => parseHexConfig('34 g1'), { message: /non-hex character "g"/ });
  t.end();
});

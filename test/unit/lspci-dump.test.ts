import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatLspciDump } from '../../harness/checks/lspci-dump.ts';
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

void t.test('the dump looks like lspci -D -xxxx', (t) => {
  const text = formatLspciDump([{ bdf: '0000:00:04.0', bytes: snapshot('0000:00:04.0') }]);
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

/** The hex rows of a dump ("00: 34 12 ..."), device titles and blank lines left out. */
function hexRows(text: string): string[] {
  return text.split('\n').filter((line) => /^[0-9a-f]{2,3}: /.test(line));
}

void t.test(
  'real lspci -F reads our dump: -xxxx prints the same bytes back (256 and 4096 bytes)',
  { skip: !lspciAvailable && 'lspci not installed' },
  (t) => {
    const dump = formatLspciDump(recorded('boot', 'pcie-root-port'));
    const rows = hexRows(lspci(dump, ['-xxxx']));
    t.equal(rows.length, 7 * 16 + 2 * 256, 'seven conventional devices and two PCIe ones');
    t.same(rows, hexRows(dump));
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

void t.test('a device with more bytes than config space has is refused, naming it', (t) => {
  t.throws(() => formatLspciDump([{ bdf: '0000:00:04.0', bytes: new Uint8Array(4097) }]), {
    name: 'GuestError',
    message: /0000:00:04.0 has 4097/,
  });
  t.end();
});

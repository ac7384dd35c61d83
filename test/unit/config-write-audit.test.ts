import t from 'tap';
import { auditConfigWrites, formatConfigWriteAudit } from '../../harness/checks/config-write-audit.ts';
import type { DeviceWriteAudit } from '../../harness/checks/config-write-audit.ts';
import { parsePciTrace, splitByWindow } from '../../harness/checks/qemu-trace.ts';
import { devicesIn, snapshot, traceBytes, traceMarks } from '../fixtures/pci/fixtures.ts';
import type { Phase } from '../fixtures/pci/fixtures.ts';

const EDU = '0000:00:04.0';
const trace = traceBytes();
const marks = traceMarks();
const END_OF_FILE = trace.length;

function snapshots(phase: Phase): Map<string, Uint8Array> {
  return new Map(devicesIn(phase).map((bdf) => [bdf, snapshot(bdf, phase)]));
}

function writesBetween(start: string | number, end: string | number) {
  const at = (mark: string | number): number => (typeof mark === 'number' ? mark : (marks[mark] ?? NaN));
  return splitByWindow(parsePciTrace(trace), { start: at(start), end: at(end) }).inside;
}

function device(audits: DeviceWriteAudit[], bdf: string): DeviceWriteAudit {
  const found = audits.find((a) => a.bdf === bdf);
  if (!found) throw new Error(`no audit for ${bdf}`);
  return found;
}

void t.test('userspace arming of edu: register names and old/new values from the snapshot', (t) => {
  const audits = auditConfigWrites(writesBetween('user-enable-start', 'user-enable-done'), snapshots('vfio'));
  t.same(
    audits.map((a) => a.bdf),
    devicesIn('vfio'),
    'every snapshotted device is listed, sorted',
  );
  const edu = device(audits, EDU);
  t.equal(edu.qemuDevice, 'edu');
  t.same(
    edu.writes.map((w) => [w.offset, w.width, w.register, w.oldValue, w.newValue, w.changed]),
    [
      [0x04, 2, 'Command', 0x0103, 0x0006, true],
      [0x44, 4, 'MSI Message Address Low', 0, 0xfee00000, true],
      [0x48, 4, 'MSI Message Address High', 0, 0, false],
      [0x4c, 2, 'MSI Message Data', 0, 0x4041, true],
      [0x42, 2, 'MSI Message Control', 0x0080, 0x0081, true],
    ],
  );
  t.same(edu.counts, { writes: 5, changed: 4, unchanged: 1, unknown: 0, barSizing: 0 });
  t.same(device(audits, '0000:00:05.0').counts.writes, 0, 'the other edu: zero writes, stated explicitly');
  t.equal(edu.writes[0]?.fileOffset, marks['user-enable-start']);
  t.end();
});

void t.test('old values follow earlier writes in the list (the write at power-off sees BusMaster set)', (t) => {
  const edu = device(auditConfigWrites(writesBetween('user-enable-start', END_OF_FILE), snapshots('vfio')), EDU);
  const last = edu.writes.at(-1);
  t.match(last, {
    offset: 0x04,
    width: 4,
    register: 'Command + Status',
    oldValue: 0x00100006,
    newValue: 0x00100103,
    changed: true,
  });
  t.end();
});

void t.test('boot enumeration: BAR sizing, decode toggling and INTx probe are named as normal', (t) => {
  const audits = auditConfigWrites(writesBetween(0, 'boot-done'), snapshots('boot'));
  const edu = device(audits, EDU);
  t.equal(edu.counts.writes, 37, 'SeaBIOS and Linux enumeration of edu');
  t.equal(edu.counts.barSizing, 30, 'SeaBIOS and Linux each size six BARs and the ROM; SeaBIOS probes the ROM again');
  const sizing = edu.writes.filter((w) => w.note?.startsWith('BAR sizing: all ones'));
  t.ok(
    sizing.every(
      (w) => w.newValue === 0xffffffff || (w.register === 'Expansion ROM Base Address' && w.newValue >= 0xfffff800),
    ),
  );
  t.match(
    edu.writes.find((w) => w.register === 'Command' && w.newValue === 0x0100),
    { oldValue: 0x0103, note: /decode disabled around BAR sizing/ },
  );
  t.match(
    edu.writes.find((w) => w.register === 'Command' && w.newValue === 0x0503),
    { oldValue: 0x0103, note: /INTx Disable toggled/ },
  );
  const linuxBar0 = edu.writes.filter((w) => w.register === 'BAR0').slice(-2);
  t.match(linuxBar0, [
    { oldValue: 0xfe900000, newValue: 0xffffffff, note: /all ones/ },
    { oldValue: 0xffffffff, newValue: 0xfe900000, note: /written back/ },
  ]);
  const virtio = device(audits, '0000:00:03.0');
  t.ok(
    virtio.writes.some(
      (w) => w.offset === 0x24 && w.register === 'BAR5 (upper half of 64-bit BAR4)' && w.note?.startsWith('BAR sizing'),
    ),
    'upper half of a 64-bit BAR is named after its BAR',
  );
  t.match(
    virtio.writes.find((w) => w.offset === 0x9a),
    { register: 'MSI-X Message Control', group: 'MSI-X' },
  );
  const text = formatConfigWriteAudit([edu]);
  t.match(text, /^0000:00:04.0 \(edu\): 37 writes, \d+ changed a value, 30 BAR sizing\n/);
  t.match(text, /@0x010 BAR0: 0xfe900000 -> 0xffffffff {2}# BAR sizing/);
  t.end();
});

void t.test('without a snapshot: names for the common header only, old value unknown', (t) => {
  const audits = auditConfigWrites(writesBetween('user-enable-start', 'user-enable-done'), new Map());
  t.same(
    audits.map((a) => a.bdf),
    [EDU],
  );
  const [edu] = audits;
  t.equal(edu?.hasSnapshot, false);
  t.match(edu?.writes[0], { register: 'Command', oldValue: 'unknown', newValue: 6, changed: 'unknown' });
  t.match(edu?.writes[1], { register: 'byte 0x44', group: 'unnamed', width: 4 });
  t.same(edu?.counts, { writes: 5, changed: 0, unchanged: 0, unknown: 5, barSizing: 0 });
  t.end();
});

void t.test('access width is inferred from value, register and alignment', (t) => {
  const write = (offset: number, value: number) => ({ bdf: EDU, offset, value });
  const writes = [
    write(0x04, 0x6),
    write(0x04, 0x100103),
    write(0x3c, 0x0a),
    write(0x48, 0x0),
    write(0x42, 0x81),
    write(0x41, 0x1234),
    write(0x80, 0x12345678),
  ];
  const [edu] = auditConfigWrites(writes, new Map([[EDU, snapshot(EDU)]]));
  t.same(
    edu?.writes.map((w) => [w.width, w.register]),
    [
      [2, 'Command'],
      [4, 'Command + Status'],
      [1, 'Interrupt Line'],
      [4, 'MSI Message Address High'],
      [2, 'MSI Message Control'],
      [1, 'MSI Next Pointer'],
      [4, 'byte 0x80'],
    ],
    'word, value needing a dword, byte register, dword register, word register, odd offset, unnamed offset',
  );
  t.end();
});

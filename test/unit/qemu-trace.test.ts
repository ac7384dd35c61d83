import t from 'tap';
import { parsePciTrace, splitByWindow } from '../../harness/checks/qemu-trace.ts';
import { traceBytes, traceMarks } from '../fixtures/pci/fixtures.ts';

const trace = traceBytes();
const marks = traceMarks();

function mark(name: string): number {
  const value = marks[name];
  if (value === undefined) throw new Error(`fixture has no mark ${name}`);
  return value;
}

void t.test('the recorded QEMU 7.2 trace: every config write, with the byte offset of its line', (t) => {
  const events = parsePciTrace(trace);
  t.equal(events.length, 303, 'the 303 pci_cfg_write lines; the 26 BAR mapping lines are not read');
  t.same(events[0], {
    event: 'pci_cfg_write',
    fileOffset: 0,
    qemuDevice: 'mch',
    bdf: '0000:00:00.0',
    offset: 0x90,
    value: 0x33333330,
  });
  const text = Buffer.from(trace).toString('utf8');
  for (const event of events) {
    t.equal(text.lastIndexOf('\n', event.fileOffset - 1) + 1, event.fileOffset, 'offset is a line start');
  }
  const last = events.at(-1);
  t.match(last, { event: 'pci_cfg_write', qemuDevice: 'edu', bdf: '0000:00:04.0', offset: 0x4, value: 0x100103 });
  t.equal(last?.fileOffset, 15537);
  t.end();
});

void t.test('a window holds exactly the events between two recorded file sizes', (t) => {
  const start = mark('user-enable-start');
  const end = mark('user-enable-done');
  const { inside: window, outside } = splitByWindow(parsePciTrace(trace), { start, end });
  t.equal(window.length + outside.length, parsePciTrace(trace).length, 'every write is inside or outside, once');
  t.same(
    window.map((e) => [e.bdf, e.offset, e.value]),
    [
      ['0000:00:04.0', 0x04, 0x6],
      ['0000:00:04.0', 0x44, 0xfee00000],
      ['0000:00:04.0', 0x48, 0x0],
      ['0000:00:04.0', 0x4c, 0x4041],
      ['0000:00:04.0', 0x42, 0x81],
    ],
    'the five writes the guest made through sysfs, nothing else',
  );
  const all = parsePciTrace(trace);
  const before = all.filter((e) => e.fileOffset < start).at(-1);
  const after = all.find((e) => e.fileOffset >= end);
  t.match(before, { qemuDevice: 'ICH9-SMB' }, 'the event just before the window exists...');
  t.match(after, { qemuDevice: 'ICH9-SMB', fileOffset: end }, '...and so does the one starting exactly at the end');
  t.notOk(window.includes(before!), 'excluded: before start');
  t.notOk(
    window.some((e) => e.fileOffset === end),
    'excluded: starts at end',
  );
  t.same(splitByWindow(parsePciTrace(trace), { start: mark('vfio-bind-start'), end: mark('vfio-bind-done') }).inside, [], 'binding vfio-pci wrote no config');
  t.end();
});

void t.test('a window over a tail read of the file gives the same events', (t) => {
  const start = mark('user-enable-start');
  const tail = trace.subarray(start);
  t.same(
    splitByWindow(parsePciTrace(tail, start), { start, end: mark('user-enable-done') }).inside,
    splitByWindow(parsePciTrace(trace), { start, end: mark('user-enable-done') }).inside,
  );
  t.end();
});

void t.test('a partial last line (still being written) is skipped', (t) => {
  const cut = mark('user-enable-done') + 20; // in the middle of the ICH9-SMB line
  const events = parsePciTrace(trace.subarray(0, cut));
  t.equal(events.at(-1)?.fileOffset, 15453, 'last complete line');
  const text = 'pci_cfg_write edu 00:04.0 @0x4 <- 0x6\npci_cfg_write edu 00:04.0 @0x4 <- 0x';
  t.equal(parsePciTrace(text).length, 1);
  t.end();
});

void t.test('other lines are skipped and offsets still count them', (t) => {
  const text = [
    'qemu-system-x86_64: warning: something',
    'pci_update_mappings_add edu 00:04.0 0,0xfea00000+0x100000',
    'pci_cfg_write virtio-net-pci 00:03.0 @0x4 <- 0x507',
    'pci_cfg_write edu 04:0 @0x10 <- 0xffffffff',
    '',
  ].join('\n');
  t.same(parsePciTrace(text), [
    {
      event: 'pci_cfg_write',
      fileOffset: 97,
      qemuDevice: 'virtio-net-pci',
      bdf: '0000:00:03.0',
      offset: 4,
      value: 0x507,
    },
  ], 'the mapping line is skipped; the pre-7.0 form without a bus is not guessed');
  t.equal(text.indexOf('pci_cfg_write virtio'), 97);
  t.same(parsePciTrace(text, 1000)[0]?.fileOffset, 1097, 'baseOffset shifts offsets for a tail read');
  t.end();
});

import t from 'tap';
import { configSpaceDiff, formatConfigDiff } from '../../harness/checks/config-diff.ts';
import { devicesIn, snapshot } from '../fixtures/pci/fixtures.ts';

const EDU = '0000:00:04.0';

void t.test('edu before/after userspace arming: Command gains BusMaster, MSI enabled', (t) => {
  const entries = configSpaceDiff(snapshot(EDU, 'vfio'), snapshot(EDU, 'user'));
  t.same(
    entries.map((e) => [e.offset, e.name, e.group]),
    [
      [0x04, 'Command', 'header'],
      [0x42, 'MSI Message Control', 'MSI'],
      [0x44, 'MSI Message Address Low', 'MSI'],
      [0x4c, 'MSI Message Data', 'MSI'],
    ],
  );
  const command = entries[0];
  t.match(command, { width: 2, before: 0x0103, after: 0x0006, changedBits: 0x0105 });
  t.same(command?.bitsSet, ['BusMaster']);
  t.same(command?.bitsCleared, ['IO', 'SERR']);
  t.match(entries[1], { before: 0x80, after: 0x81, bitsSet: ['Enable'], bitsCleared: [] });
  t.match(entries[2], { before: 0, after: 0xfee00000, changedBits: 0xfee00000 });
  t.end();
});

void t.test('the text table names registers, hex values and flipped bits', (t) => {
  const text = formatConfigDiff(EDU, configSpaceDiff(snapshot(EDU, 'vfio'), snapshot(EDU, 'user')));
  const lines = text.trimEnd().split('\n');
  t.equal(lines[0], '0000:00:04.0: 4 registers changed');
  t.match(lines[1], /^ {2}0x004 +Command +header +0x0103 -> 0x0006 +\+BusMaster -IO -SERR$/);
  t.match(lines[2], /0x042 +MSI Message Control +MSI +0x0080 -> 0x0081 +\+Enable$/);
  t.match(lines[3], /0x044 +MSI Message Address Low +MSI +0x00000000 -> 0xfee00000$/);
  t.equal(formatConfigDiff(EDU, []), '0000:00:04.0: config space unchanged\n');
  t.end();
});

void t.test('binding to vfio-pci changed no config byte of any device', (t) => {
  for (const bdf of devicesIn('boot')) t.same(configSpaceDiff(snapshot(bdf, 'boot'), snapshot(bdf, 'vfio')), [], bdf);
  t.end();
});

void t.test('bytes no register covers still show up as "byte 0xNN"', (t) => {
  const before = snapshot(EDU);
  const after = Uint8Array.from(before);
  after[0x35] = 0xaa; // reserved in a type-0 header
  after[0xf0] = 0x01; // past the MSI capability
  t.same(
    configSpaceDiff(before, after).map((e) => [e.offset, e.width, e.name, e.group, e.before, e.after]),
    [
      [0x35, 1, 'byte 0x35', 'unnamed', 0x00, 0xaa],
      [0xf0, 1, 'byte 0xf0', 'unnamed', 0x00, 0x01],
    ],
  );
  t.end();
});

void t.test('a capability that moved is reported under its old and new place', (t) => {
  const before = snapshot(EDU);
  const after = Uint8Array.from(before);
  after[0x34] = 0x60; // MSI now at 0x60
  after.set(before.subarray(0x40, 0x50), 0x60);
  after.fill(0, 0x40, 0x50);
  after[0x62] = 0x81; // and enabled there
  const entries = configSpaceDiff(before, after);
  const names = entries.map((e) => `${e.offset.toString(16)} ${e.name}`);
  t.ok(names.includes('34 Capabilities Pointer'), 'pointer change');
  t.ok(names.includes('40 MSI Capability ID'), 'old place, from the before layout');
  t.ok(names.includes('62 MSI Message Control'), 'new place, from the after layout');
  t.match(
    entries.find((e) => e.offset === 0x62),
    { before: 0, after: 0x81 },
  );
  t.end();
});

void t.test('dumps of different lengths: extra named or non-zero bytes are shown with the missing side null', (t) => {
  const full = snapshot('0000:00:06.0', 'boot', 'pcie-root-port');
  const short = full.slice(0, 256);
  const entries = configSpaceDiff(short, full);
  t.ok(entries.length > 0);
  t.ok(entries.every((e) => e.offset >= 0x100 && e.before === null && e.changedBits === null));
  t.ok(entries.some((e) => e.name === 'AER Extended Capability Header' && e.after === 0x14820001));
  t.ok(entries.some((e) => e.name === 'ACS Control' && e.after === 0x1d));
  t.notOk(
    entries.some((e) => e.group === 'unnamed' && e.after === 0),
    'zero unnamed bytes past the short side are not noise',
  );
  t.match(formatConfigDiff('0000:00:06.0', entries), /AER Extended Capability Header +AER +absent -> 0x14820001/);
  t.end();
});

void t.test('a dump too short to hold the header is refused, naming the side', (t) => {
  t.throws(() => configSpaceDiff(snapshot(EDU), snapshot(EDU).slice(0, 32)), {
    name: 'GuestError',
    message: /"after" has 32 bytes/,
  });
  t.end();
});

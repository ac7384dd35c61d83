import t from 'tap';
import { listCapabilities } from '../../harness/checks/capability-list.ts';
import { decodeConfigSpace } from '../../harness/checks/decode-config-space.ts';
import { commandBits, registerBits } from '../../harness/checks/register-bits.ts';
import type { ConfigRegister } from '../../harness/checks/register.ts';
import { devicesIn, snapshot } from '../fixtures/pci/fixtures.ts';

const EDU = '0000:00:04.0';

function byName(registers: ConfigRegister[], name: string): ConfigRegister {
  const found = registers.find((r) => r.name === name);
  if (!found) throw new Error(`no register named ${name}`);
  return found;
}

void t.test('edu header decodes to its real IDs and class', (t) => {
  const registers = decodeConfigSpace(snapshot(EDU));
  t.equal(byName(registers, 'Vendor ID').value, 0x1234);
  t.equal(byName(registers, 'Device ID').value, 0x11e8);
  t.equal(byName(registers, 'Revision ID').value, 0x10);
  t.equal(byName(registers, 'Base Class').value, 0x00);
  t.equal(byName(registers, 'Subclass').value, 0xff);
  t.equal(byName(registers, 'Header Type').value, 0);
  t.equal(byName(registers, 'Subsystem Vendor ID').value, 0x1af4);
  t.equal(byName(registers, 'BAR0').value, 0xfe900000, 'BAR0 as the kernel assigned it');
  t.equal(byName(registers, 'Interrupt Pin').value, 1);
  t.same(
    registers.filter((r) => r.group === 'header').map((r) => r.offset),
    [...new Set(registers.filter((r) => r.group === 'header').map((r) => r.offset))],
    'no header register listed twice',
  );
  t.end();
});

void t.test('edu MSI capability is found at 0x40 and decoded field by field (64-bit, no masking)', (t) => {
  const bytes = snapshot(EDU);
  t.same(listCapabilities(bytes), [{ offset: 0x40, name: 'MSI', extended: false }]);
  const msi = decodeConfigSpace(bytes).filter((r) => r.group === 'MSI');
  t.same(
    msi.map((r) => [r.offset, r.width, r.name]),
    [
      [0x40, 1, 'MSI Capability ID'],
      [0x41, 1, 'MSI Next Pointer'],
      [0x42, 2, 'MSI Message Control'],
      [0x44, 4, 'MSI Message Address Low'],
      [0x48, 4, 'MSI Message Address High'],
      [0x4c, 2, 'MSI Message Data'],
    ],
  );
  t.equal(byName(msi, 'MSI Message Control').value, 0x0080, '64-bit capable, disabled after boot');
  t.end();
});

void t.test('edu with MSI armed from userspace shows address, data and Enable', (t) => {
  const registers = decodeConfigSpace(snapshot(EDU, 'user'));
  t.equal(byName(registers, 'MSI Message Control').value, 0x0081);
  t.same(registerBits('MSI Message Control', 0x0081), ['Enable', '64Bit']);
  t.equal(byName(registers, 'MSI Message Address Low').value, 0xfee00000);
  t.equal(byName(registers, 'MSI Message Data').value, 0x4041);
  t.same(commandBits(byName(registers, 'Command').value), ['Memory', 'BusMaster']);
  t.end();
});

void t.test('32-bit MSI with per-vector masking moves Data and adds Mask/Pending', (t) => {
  const bytes = new Uint8Array(256);
  bytes.set([0x34, 0x12, 0xe8, 0x11], 0);
  bytes[0x06] = 0x10; // Capabilities List
  bytes[0x34] = 0x50;
  bytes.set([0x05, 0x00, 0x00, 0x01], 0x50); // MSI, no next, control 0x0100: per-vector masking, 32-bit
  const msi = decodeConfigSpace(bytes).filter((r) => r.group === 'MSI');
  t.same(
    msi.map((r) => [r.offset, r.name]),
    [
      [0x50, 'MSI Capability ID'],
      [0x51, 'MSI Next Pointer'],
      [0x52, 'MSI Message Control'],
      [0x54, 'MSI Message Address'],
      [0x58, 'MSI Message Data'],
      [0x5c, 'MSI Mask Bits'],
      [0x60, 'MSI Pending Bits'],
    ],
  );
  t.end();
});

void t.test('every recorded device decodes; capabilities match what the devices really have', (t) => {
  for (const bdf of devicesIn('boot')) t.ok(decodeConfigSpace(snapshot(bdf)).length >= 27, `${bdf} decodes`);
  t.same(listCapabilities(snapshot('0000:00:00.0')), [], 'host bridge (mch): no capabilities');
  t.same(
    listCapabilities(snapshot('0000:00:03.0')).map((c) => [c.offset, c.name]),
    [
      [0x98, 'MSI-X'],
      [0x84, 'Vendor Specific'],
      [0x70, 'Vendor Specific'],
      [0x60, 'Vendor Specific'],
      [0x50, 'Vendor Specific'],
      [0x40, 'Vendor Specific'],
    ],
    'virtio-net: MSI-X and five virtio vendor capabilities',
  );
  t.same(
    listCapabilities(snapshot('0000:00:1f.2')).map((c) => [c.offset, c.name]),
    [
      [0x80, 'MSI'],
      [0xa8, 'SATA'],
    ],
    'ICH9 AHCI',
  );
  t.equal(decodeConfigSpace(snapshot('0000:00:03.0')).find((r) => r.name === 'MSI-X Message Control')?.value, 0x8003);
  t.end();
});

void t.test('PCIe root port: type-1 header, PCIe v2 fields, extended AER and ACS', (t) => {
  const bytes = snapshot('0000:00:06.0', 'boot', 'pcie-root-port');
  t.equal(bytes.length, 4096);
  const registers = decodeConfigSpace(bytes);
  t.equal(byName(registers, 'Header Type').value, 1);
  t.equal(byName(registers, 'Primary Bus Number').value, 0);
  t.equal(byName(registers, 'Secondary Bus Number').value, 1);
  t.equal(byName(registers, 'Subordinate Bus Number').value, 1);
  t.equal(byName(registers, 'Memory Base').value, 0xfe20);
  t.equal(byName(registers, 'Memory Limit').value, 0xfe30);
  t.same(registerBits('Bridge Control', byName(registers, 'Bridge Control').value), ['SERR']);
  t.notOk(
    registers.some((r) => r.name === 'BAR2'),
    'a bridge has two BARs',
  );
  t.equal(byName(registers, 'PCIe Capabilities').offset, 0x56);
  t.equal(byName(registers, 'PCIe Link Control 2').offset, 0x84, 'v2 fields present for a v2 capability');
  t.same(
    listCapabilities(bytes).filter((c) => c.extended),
    [
      { offset: 0x100, name: 'AER', extended: true },
      { offset: 0x148, name: 'ACS', extended: true },
    ],
  );
  t.equal(byName(registers, 'ACS Control').value, 0x1d);
  t.equal(byName(registers, 'AER Uncorrectable Error Severity').value, 0x462030);
  t.end();
});

void t.test('e1000e behind the root port: PM decoded; a capability the topology lacks keeps its header only', (t) => {
  const bytes = snapshot('0000:01:00.0', 'boot', 'pcie-root-port');
  t.same(
    listCapabilities(bytes).map((c) => [c.offset, c.name]),
    [
      [0xc8, 'Power Management'],
      [0xd0, 'MSI'],
      [0xe0, 'PCI Express'],
      [0xa0, 'MSI-X'],
      [0x100, 'AER'],
      [0x140, 'Extended Capability 0x0003'],
    ],
    'Device Serial Number (0x0003) is not named: no device of the topology has it',
  );
  const registers = decodeConfigSpace(bytes);
  const pm = registers.filter((r) => r.group === 'Power Management');
  t.same(pm.map((r) => r.name).slice(2), ['PM Capabilities', 'PM Control/Status', 'PM Bridge Extensions', 'PM Data']);
  t.same(
    registers.filter((r) => r.group === 'Extended Capability 0x0003').map((r) => [r.offset, r.width, r.name, r.value]),
    [[0x140, 4, 'Extended Capability 0x0003 Extended Capability Header', 0x00010003]],
  );
  t.end();
});

void t.test('capability walk stops at loops and bad pointers', (t) => {
  const bytes = new Uint8Array(256);
  bytes[0x06] = 0x10;
  bytes[0x34] = 0x40;
  bytes.set([0x01, 0x50], 0x40); // PM -> 0x50
  bytes.set([0x05, 0x40], 0x50); // MSI -> back to 0x40: a loop
  t.same(
    listCapabilities(bytes).map((c) => c.offset),
    [0x40, 0x50],
    'each capability once',
  );
  bytes[0x51] = 0x10; // next pointer into the header
  t.same(
    listCapabilities(bytes).map((c) => c.offset),
    [0x40, 0x50],
    'pointer below 0x40 ends the walk',
  );
  bytes[0x06] = 0; // Capabilities List bit clear: do not walk at all
  t.same(listCapabilities(bytes), []);

  const extended = new Uint8Array(4096);
  extended[0x06] = 0x10;
  extended.set([0x01, 0x00, 0x02, 0x10], 0x100); // AER v2, next = 0x100: loop onto itself
  t.same(
    listCapabilities(extended).map((c) => c.name),
    ['AER'],
  );
  t.end();
});

void t.test('a dump shorter than the header is refused, naming the length', (t) => {
  t.throws(() => decodeConfigSpace(new Uint8Array(63)), { name: 'GuestError', message: /63 bytes/ });
  t.equal(decodeConfigSpace(new Uint8Array(64)).length, 27, '64 bytes (what non-root sysfs gives): the 27 type-0 header registers');
  t.end();
});

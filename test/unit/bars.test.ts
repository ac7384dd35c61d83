import t from 'tap';
import { barLayout } from '../../harness/checks/bars.ts';
import { snapshot } from '../fixtures/pci/fixtures.ts';

void t.test('edu: six 32-bit BARs', (t) => {
  t.same(
    barLayout(snapshot('0000:00:04.0')).map((bar) => [bar.index, bar.offset, bar.is64Bit]),
    [0, 1, 2, 3, 4, 5].map((index) => [index, 0x10 + index * 4, false]),
  );
  t.end();
});

void t.test('virtio-net: BAR4 is 64-bit, so BAR5 (its upper half) is not listed', (t) => {
  t.same(
    barLayout(snapshot('0000:00:03.0')).map((bar) => [bar.index, bar.is64Bit]),
    [
      [0, false],
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ],
  );
  t.end();
});

void t.test('the PCIe root port: a type-1 header has two BARs', (t) => {
  t.same(
    barLayout(snapshot('0000:00:06.0', 'boot', 'pcie-root-port')).map((bar) => bar.offset),
    [0x10, 0x14],
  );
  t.end();
});

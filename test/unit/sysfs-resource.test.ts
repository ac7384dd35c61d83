import t from 'tap';
import { resourceSizes } from '../../harness/checks/sysfs-resource.ts';
import { resourceText } from '../fixtures/pci/fixtures.ts';

void t.test('recorded resource files: BAR, ROM and bridge window sizes', (t) => {
  t.same(resourceSizes(resourceText('0000:00:04.0')), [0x100000, 0, 0, 0, 0, 0, 0], 'edu: BAR0 of 1 MiB, nothing else');
  t.same(
    resourceSizes(resourceText('0000:00:03.0')).slice(0, 7),
    [0x20, 0x1000, 0, 0, 0x4000, 0, 0x40000],
    'virtio-net: I/O, MMIO, 64-bit BAR4 (BAR5 is its upper half), ROM',
  );
  t.end();
});

void t.test('parse errors name the line; trailing blank lines are fine', (t) => {
  t.throws(() => resourceSizes('0x0 0x0 0x0\nnot a resource line\n'), {
    name: 'GuestError',
    message: /line 2.*not a resource line/,
  });
  t.throws(() => resourceSizes('0x0 0x0 0x0\n\n0x0 0x0 0x0\n'), { message: /line 2/ });
  t.equal(resourceSizes(resourceText('0000:00:04.0') + '\n\n').length, 7);
  t.end();
});

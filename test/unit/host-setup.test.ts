import t from 'tap';
import { mirrorFromSources } from '../../harness/setup/private-apt.ts';
import { parseLdd } from '../../images/guest/host-binaries.ts';
import { parsePciListing } from '../../harness/guest/pci.ts';

t.test('the Debian mirror comes from the host sources, not security or third parties', async (t) => {
  const deb822 = `Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
`;
  t.equal(mirrorFromSources(deb822), 'http://mirror.example/debian');
  t.equal(mirrorFromSources('deb [arch=amd64] http://m.example/debian bookworm main\n'), 'http://m.example/debian');
  t.equal(mirrorFromSources('deb https://packages.example/apt cloud-sdk main\n'), undefined);
});

t.test('ldd output gives libraries and the loader', async (t) => {
  const ldd = `	linux-vdso.so.1 (0x00007ffd)
	libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f26)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f26)
	/lib64/ld-linux-x86-64.so.2 (0x00007f26)
`;
  t.same(parseLdd(ldd), ['/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
});

t.test('PCI listing with and without driver and group', async (t) => {
  const devices = parsePciListing('0000:00:00.0 0x8086 0x29c0 0x060000  \n0000:00:04.0 0x1234 0x11e8 0x00ff00 vfio-pci 3\n0000:00:05.0 0x1234 0x11e8 0x00ff00  4\n');
  t.equal(devices.length, 3);
  t.same(devices[1], { bdf: '0000:00:04.0', vendor: 0x1234, device: 0x11e8, classCode: 0xff00, driver: 'vfio-pci', iommuGroup: '3' });
  t.equal(devices[2]?.driver, null);
  t.equal(devices[2]?.iommuGroup, '4');
  t.equal(devices[0]?.iommuGroup, null);
});

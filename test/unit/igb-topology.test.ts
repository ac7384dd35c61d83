// Where the igb sits in the guest, and what a run says when its QEMU has none.
import t from 'tap';
import { igbMissing } from '../../harness/scenario/igb-availability.ts';
import { defaultTopology, deviceLayout, eduBdf, igbBdf, rootPortBdf, topologyArguments, withIgb } from '../../harness/vm/topology.ts';
import { parseDeviceHelp, shortQemu } from '../../harness/vm/qemu-devices.ts';
import type { GuestSpec } from '../../harness/guest/guest-spec.ts';

const files = { traceLog: '/r/trace.log', sshPort: 2222 };

void t.test('the igb gets its own root port after the edu one, and the bus after it', (t) => {
  const topology = withIgb(defaultTopology);
  t.equal(igbBdf(topology), '0000:02:00.0');
  t.equal(rootPortBdf(topology.igb ?? {}), '0000:00:06.0');
  t.same(topology.eduDevices.map((edu) => eduBdf(topology, edu)), ['0000:01:00.0', '0000:00:05.0'], 'the edu devices keep their BDFs');
  const args = topologyArguments(topology, 'tcg', files).join(' ');
  t.match(args, /-device pcie-root-port,id=rp2,bus=pcie\.0,chassis=3,addr=0x6 -device igb,bus=rp2,addr=0x0,romfile=/);
  t.equal(igbBdf(defaultTopology), undefined);
  t.notMatch(topologyArguments(defaultTopology, 'tcg', files).join(' '), /igb/, 'no igb without withIgb');
  t.end();
});

void t.test('several vCPUs under TCG take turns on one thread; one vCPU, or KVM, keeps the default', (t) => {
  t.same(deviceLayout({ ...defaultTopology, cpus: 2 }).accelProperties?.('tcg'), ['thread=single']);
  t.same(deviceLayout(defaultTopology).accelProperties?.('tcg'), []);
  t.same(deviceLayout({ ...defaultTopology, cpus: 2 }).accelProperties?.('kvm'), []);
  t.end();
});

void t.test("a QEMU's device models from -device help", (t) => {
  const help = 'Network devices:\nname "e1000e", bus PCI, desc "Intel 82574L GbE Controller"\nname "igb", bus PCI, desc "Intel 82576 Gigabit Ethernet Controller"\n\nMisc devices:\nname "edu", bus PCI\n';
  t.same([...parseDeviceHelp(help)].sort(), ['e1000e', 'edu', 'igb']);
  t.equal(shortQemu('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)'), 'QEMU 7.2.22');
  t.end();
});

void t.test('without an igb every igb check names the QEMU and the way to one that has it', (t) => {
  const guest = { igb: false } as GuestSpec;
  t.equal(
    igbMissing({ guest, qemuVersion: 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)' }),
    'QEMU 7.2.22 has no igb device (QEMU 8.0 and later have it; make setup installs 10.0 from bookworm-backports, or QEMU=10.0)',
  );
  t.equal(igbMissing({ guest: { ...guest, igb: true }, qemuVersion: 'QEMU emulator version 10.0.2' }), undefined);
  t.end();
});

// boot: the guest comes up with LUO, the IOMMU, and two edu devices that can be handed to VFIO.
import t from 'tap';
import { bindToVfio, iommuGroupMembers, listPciDevices } from '../harness/guest/pci.ts';
import { runScenario } from '../harness/scenario/run-scenario.ts';
import { defaultTopology, slotBdf } from '../harness/vm/topology.ts';

export const description = 'boot the LUO kernel: release, /dev/liveupdate, IOMMU on, edu devices in their own groups and bindable to vfio-pci';

await runScenario(t, async (session) => {
  const guest = await session.boot();
  const release = (await guest.check('uname -r')).stdout.trim();
  session.facts.release = release;
  t.equal(release, session.context.kernel.release, 'guest runs the kernel under test');

  const liveupdate = await guest.run('test -c /dev/liveupdate');
  t.equal(liveupdate.exitCode, 0, '/dev/liveupdate exists (LUO and KHO active)');

  const iommus = (await guest.check('ls /sys/class/iommu')).stdout.split(/\s+/).filter(Boolean);
  session.facts.iommus = iommus;
  t.ok(iommus.length > 0, `IOMMU enabled (${iommus.join(', ') || 'none'})`);

  const devices = await listPciDevices(guest);
  await session.save('pci-devices.json', `${JSON.stringify(devices, null, 2)}\n`);
  for (const edu of defaultTopology.eduDevices) {
    const bdf = slotBdf(edu.slot);
    const device = devices.find((candidate) => candidate.bdf === bdf);
    t.ok(device && device.vendor === 0x1234 && device.device === 0x11e8, `edu device at ${bdf}`);
    if (!device?.iommuGroup) {
      t.fail(`${bdf} has no IOMMU group`);
      continue;
    }
    const members = await iommuGroupMembers(guest, device.iommuGroup);
    t.same(members, [bdf], `${bdf} alone in IOMMU group ${device.iommuGroup}`);
    const bound = await bindToVfio(guest, bdf);
    t.equal(bound.driver, 'vfio-pci', `${bdf} binds to vfio-pci via driver_override`);
    t.ok(bound.cdev, `${bdf} has a VFIO device node (${bound.cdev ?? 'none'})`);
  }
});

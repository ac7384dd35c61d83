// boot: the guest comes up with LUO, the IOMMU, and two edu devices that can be handed to VFIO.
import * as v from 'valibot';
import { defineScenario } from '../harness/scenario/define-scenario.ts';

export default defineScenario({
  manifest: {
    name: 'boot',
    description: 'boot the LUO kernel: release, /dev/liveupdate, IOMMU on, edu devices in their own groups and bindable to vfio-pci',
    area: 'machine',
    facts: v.object({ release: v.string(), iommus: v.array(v.string()) }),
  },
  async run(t, session) {
    const guest = await session.boot();
    const release = await guest.kernelRelease();
    session.facts.release = release;
    t.equal(release, session.context.kernel.release, '[kernel-release] guest runs the kernel under test');
    t.ok(await guest.hasLiveUpdateDevice(), '[dev-liveupdate] /dev/liveupdate exists (LUO and KHO active)');

    const iommus = await guest.iommus();
    session.facts.iommus = iommus;
    t.ok(iommus.length > 0, `[iommu-enabled] IOMMU enabled (${iommus.join(', ') || 'none'})`);

    const devices = await guest.pci.devices();
    await session.save('pci-devices.json', `${JSON.stringify(devices, null, 2)}\n`);
    for (const bdf of guest.eduDevices) {
      const device = devices.find((candidate) => candidate.bdf === bdf);
      t.ok(device && device.vendor === 0x1234 && device.device === 0x11e8, `[edu-present@${bdf}] edu device at ${bdf}`);
      if (!device?.iommuGroup) {
        t.fail(`[iommu-group-alone@${bdf}] ${bdf} has no IOMMU group`);
        continue;
      }
      t.same(await guest.pci.iommuGroupMembers(device.iommuGroup), [bdf], `[iommu-group-alone@${bdf}] ${bdf} alone in IOMMU group ${device.iommuGroup}`);
      const bound = await guest.pci.bindToVfio(bdf);
      t.equal(bound.driver, 'vfio-pci', `[vfio-bind@${bdf}] ${bdf} binds to vfio-pci via driver_override`);
      t.ok(bound.cdev, `[vfio-cdev@${bdf}] ${bdf} has a VFIO device node (${bound.cdev ?? 'none'})`);
    }
  },
});

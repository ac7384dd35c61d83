// boot: the guest comes up with LUO, the IOMMU, two edu devices and an igb that can be handed to VFIO.
import * as v from 'valibot';
import type { Test } from 'tap';
import type { LiveGuest } from '../harness/guest/live-guest.ts';
import type { GuestPciDevice } from '../harness/guest/pci.ts';
import { defineScenario } from '../harness/scenario/define-scenario.ts';
import { igbMissing } from '../harness/scenario/igb-availability.ts';

/** QEMU's edu and igb, by PCI IDs. */
const models = { edu: { vendor: 0x1234, device: 0x11e8 }, igb: { vendor: 0x8086, device: 0x10c9 } } as const;

/** The device is there, alone in its IOMMU group, and binds to vfio-pci with a cdev. */
async function checkVfioReady(t: Test, guest: LiveGuest, devices: readonly GuestPciDevice[], bdf: string, model: keyof typeof models): Promise<void> {
  const device = devices.find((candidate) => candidate.bdf === bdf);
  t.ok(device && device.vendor === models[model].vendor && device.device === models[model].device, `[${model}-present@${bdf}] ${model} device at ${bdf}`);
  if (!device?.iommuGroup) {
    t.fail(`[iommu-group-alone@${bdf}] ${bdf} has no IOMMU group`);
    return;
  }
  t.same(await guest.pci.iommuGroupMembers(device.iommuGroup), [bdf], `[iommu-group-alone@${bdf}] ${bdf} alone in IOMMU group ${device.iommuGroup}`);
  const bound = await guest.pci.bindToVfio(bdf);
  t.equal(bound.driver, 'vfio-pci', `[vfio-bind@${bdf}] ${bdf} binds to vfio-pci via driver_override`);
  t.ok(bound.cdev, `[vfio-cdev@${bdf}] ${bdf} has a VFIO device node (${bound.cdev ?? 'none'})`);
}

export default defineScenario({
  manifest: {
    name: 'boot',
    description: 'boot the LUO kernel: release, /dev/liveupdate, IOMMU on, edu devices and the igb in their own groups and bindable to vfio-pci',
    area: 'machine',
    needs: { igb: true },
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
    for (const bdf of guest.eduDevices) await checkVfioReady(t, guest, devices, bdf, 'edu');

    const igb = guest.igbDevice;
    const missing = igbMissing(session.context);
    if (!igb || missing) {
      t.pass('[igb-present] an igb in the guest', { skip: missing ?? 'the guest has no igb' });
      return;
    }
    await checkVfioReady(t, guest, devices, igb, 'igb');
    // A device that resets alone (FLR) need not take its bus with it when VFIO resets it; edu cannot.
    const methods = (await guest.check(`cat /sys/bus/pci/devices/${igb}/reset_method`)).stdout.trim();
    t.ok(methods.split(/\s+/).includes('flr'), `[igb-flr@${igb}] ${igb} resets by Function Level Reset (reset_method: ${methods || 'none'})`);
  },
});

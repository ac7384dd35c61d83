// PCI in the guest, read from sysfs over SSH: devices, IOMMU groups, binding to vfio-pci, config-space snapshots.
import { formatLspciDump } from '../checks/lspci-dump.ts';
import { GuestError } from '../errors.ts';
import { snapshotConfigSpace, type DeviceSnapshot } from './config-snapshot.ts';
import type { GuestAccess } from './guest-access.ts';

export interface GuestPciDevice {
  readonly bdf: string;
  readonly vendor: number;
  readonly device: number;
  readonly classCode: number;
  readonly driver: string | null;
  readonly iommuGroup: string | null;
}

const devicesDir = '/sys/bus/pci/devices';

const listingScript = `for d in ${devicesDir}/*; do
  b=\${d##*/}
  drv=$(readlink "$d/driver" 2>/dev/null); grp=$(readlink "$d/iommu_group" 2>/dev/null)
  echo "$b $(cat $d/vendor) $(cat $d/device) $(cat $d/class) \${drv##*/} \${grp##*/}"
done`;

/** The guest's PCI devices as a user would handle them through sysfs. */
export class GuestPci {
  constructor(private readonly guest: GuestAccess) {}

  /** Every PCI device with IDs, driver and IOMMU group. */
  async devices(): Promise<GuestPciDevice[]> {
    return parsePciListing((await this.guest.check(listingScript)).stdout);
  }

  /** Members of an IOMMU group. */
  async iommuGroupMembers(group: string): Promise<string[]> {
    return (await this.guest.check(`ls /sys/kernel/iommu_groups/${group}/devices`)).stdout.split(/\s+/).filter(Boolean);
  }

  /** Bind a device to vfio-pci through driver_override, as a user would; returns the driver and VFIO cdev now. */
  async bindToVfio(bdf: string): Promise<{ driver: string | null; cdev: string | null }> {
    const dir = `${devicesDir}/${bdf}`;
    await this.guest.check(
      `if [ -e ${dir}/driver ]; then cur=$(basename "$(readlink ${dir}/driver)"); ` +
        `[ "$cur" = vfio-pci ] || echo ${bdf} > ${dir}/driver/unbind; fi; ` +
        `echo vfio-pci > ${dir}/driver_override && { echo ${bdf} > /sys/bus/pci/drivers_probe || true; }`,
    );
    const { stdout } = await this.guest.check(`basename "$(readlink ${dir}/driver)" 2>/dev/null; ls ${dir}/vfio-dev 2>/dev/null; true`);
    const [driver, cdev] = stdout.split('\n').map((line) => line.trim());
    return { driver: driver || null, cdev: cdev ? `/dev/vfio/devices/${cdev}` : null };
  }

  /** Every device's config space and resources; kept as config/<label>.{sysfs.txt,lspci,json} (`lspci -F` reads .lspci). */
  async snapshot(label: string): Promise<DeviceSnapshot[]> {
    const { devices, listing } = await snapshotConfigSpace(this.guest);
    await this.guest.save(`config/${label}.sysfs.txt`, listing);
    await this.guest.save(`config/${label}.lspci`, formatLspciDump(devices.map(({ bdf, bytes }) => ({ bdf, bytes }))));
    const json = devices.map((device) => ({ ...device, bytes: Buffer.from(device.bytes).toString('hex') }));
    await this.guest.save(`config/${label}.json`, `${JSON.stringify(json, null, 2)}\n`);
    return devices;
  }
}

/** Parse the device listing: "bdf vendor device class [driver] [group]". */
export function parsePciListing(text: string): GuestPciDevice[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [bdf, vendor, device, classCode, ...rest] = line.trim().split(/\s+/);
      if (!bdf || !vendor || !device || !classCode) throw new GuestError(`unexpected PCI listing line: ${line}`);
      // driver and group are both optional; a group is all digits, a driver name is not.
      const group = rest.find((word) => /^\d+$/.test(word)) ?? null;
      const driver = rest.find((word) => !/^\d+$/.test(word)) ?? null;
      return { bdf, vendor: Number(vendor), device: Number(device), classCode: Number(classCode), driver, iommuGroup: group };
    });
}

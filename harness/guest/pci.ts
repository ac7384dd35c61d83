// PCI facts and driver binding inside the guest, read from sysfs over SSH.
import { GuestError } from '../errors.ts';
import type { LiveGuest } from './live-guest.ts';

export interface GuestPciDevice {
  readonly bdf: string;
  readonly vendor: number;
  readonly device: number;
  readonly classCode: number;
  readonly driver: string | null;
  readonly iommuGroup: string | null;
}

const devicesDir = '/sys/bus/pci/devices';

/** Every PCI device in the guest with IDs, driver and IOMMU group. */
export async function listPciDevices(guest: LiveGuest): Promise<GuestPciDevice[]> {
  const script = `for d in ${devicesDir}/*; do
  b=\${d##*/}
  drv=$(readlink "$d/driver" 2>/dev/null); grp=$(readlink "$d/iommu_group" 2>/dev/null)
  echo "$b $(cat $d/vendor) $(cat $d/device) $(cat $d/class) \${drv##*/} \${grp##*/}"
done`;
  const { stdout } = await guest.check(script);
  return parsePciListing(stdout);
}

/** Parse the listing produced by listPciDevices' script: "bdf vendor device class [driver] [group]". */
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

/** Members of an IOMMU group. */
export async function iommuGroupMembers(guest: LiveGuest, group: string): Promise<string[]> {
  const { stdout } = await guest.check(`ls /sys/kernel/iommu_groups/${group}/devices`);
  return stdout.split(/\s+/).filter(Boolean);
}

/** Bind a device to vfio-pci through driver_override, as a user would; returns its VFIO cdev path if any. */
export async function bindToVfio(guest: LiveGuest, bdf: string): Promise<{ driver: string | null; cdev: string | null }> {
  const dir = `${devicesDir}/${bdf}`;
  await guest.check(
    `if [ -e ${dir}/driver ]; then cur=$(basename "$(readlink ${dir}/driver)"); ` +
      `[ "$cur" = vfio-pci ] || echo ${bdf} > ${dir}/driver/unbind; fi; ` +
      `echo vfio-pci > ${dir}/driver_override && { echo ${bdf} > /sys/bus/pci/drivers_probe || true; }`,
  );
  const { stdout } = await guest.check(`basename "$(readlink ${dir}/driver)" 2>/dev/null; ls ${dir}/vfio-dev 2>/dev/null; true`);
  const [driver, cdev] = stdout.split('\n').map((line) => line.trim());
  return { driver: driver || null, cdev: cdev ? `/dev/vfio/devices/${cdev}` : null };
}

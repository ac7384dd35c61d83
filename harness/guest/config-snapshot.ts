// Config space of every PCI device in the guest, read from sysfs in one SSH round trip.
import { GuestError } from '../errors.ts';
import { parseHexConfig } from '../checks/hex.ts';
import type { GuestAccess } from './guest-access.ts';

export interface DeviceSnapshot {
  readonly bdf: string;
  /** As many bytes as sysfs exposes (256 for conventional PCI, 4096 for PCIe). */
  readonly bytes: Uint8Array;
  /** The sysfs `resource` file: BAR start, end, flags per line. */
  readonly resource: string;
  /** Driver bound at the time, if any. */
  readonly driver: string | null;
}

const script = `for d in /sys/bus/pci/devices/*; do
  echo "== \${d##*/} $(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)"
  od -An -v -tx1 "$d/config"
  echo "-- resource"
  cat "$d/resource"
done`;

/** Read every device's config space and resources; also returns the raw listing (kept as evidence). */
export async function snapshotConfigSpace(guest: GuestAccess): Promise<{ devices: DeviceSnapshot[]; listing: string }> {
  const listing = (await guest.check(script)).stdout;
  return { devices: parseSnapshotListing(listing), listing };
}

/** Parse the listing the snapshot script prints. */
export function parseSnapshotListing(text: string): DeviceSnapshot[] {
  const devices: DeviceSnapshot[] = [];
  for (const block of text.split(/^== /m).slice(1)) {
    const [header = '', ...lines] = block.split('\n');
    const [bdf, driver] = header.trim().split(/\s+/);
    const split = lines.indexOf('-- resource');
    if (!bdf || split < 0) throw new GuestError(`malformed config snapshot block: ${header}`);
    devices.push({
      bdf,
      bytes: parseHexConfig(lines.slice(0, split).join(' ')),
      resource: lines.slice(split + 1).join('\n').trim(),
      driver: driver && driver !== '.' ? driver : null,
    });
  }
  return devices;
}

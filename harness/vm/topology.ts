// The guest's hardware, typed, and the QEMU command line it becomes.
import type { Accelerator } from './accel.ts';

export interface EduDevice {
  /** PCI slot on the root bus: the device appears at 0000:00:<slot>.0. */
  readonly slot: number;
}

export interface Topology {
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly eduDevices: readonly EduDevice[];
  readonly nicSlot: number;
}

/** The topology every scenario uses unless it asks for another: two edu devices behind intel-iommu. */
export const defaultTopology: Topology = {
  memoryMiB: 2048,
  cpus: 1,
  eduDevices: [{ slot: 4 }, { slot: 5 }],
  nicSlot: 3,
};

/** Guest BDF of a root-bus slot. */
export function slotBdf(slot: number): string {
  return `0000:00:${slot.toString(16).padStart(2, '0')}.0`;
}

export interface LaunchFiles {
  readonly kernel: string;
  readonly initrd: string;
  readonly append: string;
  readonly serialLog: string;
  readonly qmpSocket: string;
  readonly traceLog: string;
  readonly sshPort: number;
  /** Host folder shared read-only at mount tag luo_next (next kernel and initramfs). */
  readonly share?: string;
}

/** QEMU trace events that record the guest's config-space writes and BAR mapping changes. */
export const traceEvents = ['pci_cfg_write', 'pci_update_mappings_add', 'pci_update_mappings_del'];

/** Build the QEMU argument list for a topology. */
export function qemuArguments(topology: Topology, accel: Accelerator, files: LaunchFiles): string[] {
  const args = [
    // Under KVM, interrupt remapping needs the split irqchip; TCG has no in-kernel irqchip.
    '-machine', accel === 'kvm' ? 'q35,kernel-irqchip=split' : 'q35',
    '-accel', accel,
    '-cpu', accel === 'kvm' ? 'host' : 'max',
    '-m', `${topology.memoryMiB}M`,
    '-smp', String(topology.cpus),
    '-nodefaults', '-nographic', '-no-reboot',
    // intel-iommu must come before the devices it translates for.
    '-device', 'intel-iommu,intremap=on',
  ];
  for (const edu of topology.eduDevices) {
    // Without a full dma_mask, edu silently truncates DMA addresses to 28 bits.
    args.push('-device', `edu,addr=0x${edu.slot.toString(16)},dma_mask=0xffffffffffffffff`);
  }
  args.push(
    '-netdev', `user,id=net0,hostfwd=tcp:127.0.0.1:${files.sshPort}-:22`,
    '-device', `virtio-net-pci,netdev=net0,addr=0x${topology.nicSlot.toString(16)}`,
    '-chardev', `file,id=serial0,path=${files.serialLog}`,
    '-serial', 'chardev:serial0',
    '-qmp', `unix:${files.qmpSocket},server=on,wait=off`,
    '-device', 'pvpanic',
    '-D', files.traceLog,
  );
  for (const event of traceEvents) args.push('-trace', `enable=${event}`);
  if (files.share) {
    args.push('-virtfs', `local,path=${files.share},mount_tag=luo_next,security_model=none,readonly=on`);
  }
  args.push('-kernel', files.kernel, '-initrd', files.initrd, '-append', files.append);
  return args;
}

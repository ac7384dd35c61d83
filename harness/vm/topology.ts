// The guest's hardware, typed, and the QEMU command line it becomes.
import type { Accelerator } from './accel.ts';
import type { LayoutFiles, MachineLayout } from './layout.ts';

export interface EduDevice {
  /** PCI slot on the root bus, or of the root port it sits behind (then always slot 0 below the port). */
  readonly slot: number;
  /** Behind its own PCIe root port in this root-bus slot: the bridge a preserved device brings along. */
  readonly rootPortSlot?: number;
}

/** QEMU's igb (Intel 82576, 8086:10c9): MSI-X and FLR, the device upstream's VFIO selftests drive. QEMU 8.0 and later. */
export interface IgbDevice {
  /** Behind its own PCIe root port in this root-bus slot, alone in its IOMMU group; slot 0 below the port. */
  readonly rootPortSlot: number;
}

export interface Topology {
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly eduDevices: readonly EduDevice[];
  /** Absent unless the scenario asked for it and the QEMU has it: the edu scenarios run anyway, the igb checks skip. */
  readonly igb?: IgbDevice;
  readonly nicSlot: number;
}

/**
 * The topology every scenario uses unless it asks for another: two edu devices behind intel-iommu, the first behind
 * a PCIe root port at 00:04.0 (the one scenarios preserve), the second on the root bus (the control); an igb behind
 * its own root port at 00:06.0 for the scenarios that ask, when the QEMU has one (see withIgb).
 */
export const defaultTopology: Topology = {
  memoryMiB: 2048,
  cpus: 1,
  eduDevices: [{ slot: 0, rootPortSlot: 4 }, { slot: 5 }],
  nicSlot: 3,
};

/** The default topology with an igb, for a QEMU that has the device. */
export function withIgb(topology: Topology): Topology {
  return { ...topology, igb: { rootPortSlot: 6 } };
}

const bdf = (bus: number, slot: number) => `0000:${bus.toString(16).padStart(2, '0')}:${slot.toString(16).padStart(2, '0')}.0`;

/**
 * Guest BDF of an edu device. Root ports get secondary buses in the order of their slots (firmware and Linux
 * both number depth-first from bus 1), so the n-th root port of the topology leads to bus n.
 */
export function eduBdf(topology: Topology, edu: EduDevice): string {
  if (edu.rootPortSlot === undefined) return bdf(0, edu.slot);
  return bdf(secondaryBus(topology, edu.rootPortSlot), edu.slot);
}

/** Guest BDF of the topology's igb, if it has one. */
export function igbBdf(topology: Topology): string | undefined {
  return topology.igb ? bdf(secondaryBus(topology, topology.igb.rootPortSlot), 0) : undefined;
}

/** The bus behind the root port in `slot`: ports are numbered in slot order from bus 1. */
function secondaryBus(topology: Topology, slot: number): number {
  const ports = [...topology.eduDevices.flatMap((device) => (device.rootPortSlot === undefined ? [] : [device.rootPortSlot])), ...(topology.igb ? [topology.igb.rootPortSlot] : [])];
  return ports.sort((a, b) => a - b).indexOf(slot) + 1;
}

/** Guest BDF of the root port an edu device sits behind, if any. */
export function rootPortBdf(device: { readonly rootPortSlot?: number }): string | undefined {
  return device.rootPortSlot === undefined ? undefined : bdf(0, device.rootPortSlot);
}

/** QEMU trace events that record the guest's config-space writes and BAR mapping changes. */
export const traceEvents = ['pci_cfg_write', 'pci_update_mappings_add', 'pci_update_mappings_del'];

/**
 * The TCG guest's CPU: everything TCG offers but ERMS (and FSRM, where a QEMU's max has it). With them the guest kernel
 * clears and copies pages with `rep stosb`/`rep movsb`, which TCG runs one byte per iteration; without them it moves
 * 8 bytes at a time: every fresh page a scenario touches is cleared that way (the README's Speed table has the cost).
 */
export const tcgCpu = 'max,erms=off,fsrm=off';

/** The scenarios' machine: q35, intel-iommu, the topology's edu devices and igb, virtio-net for SSH, pvpanic, config tracing. */
export function deviceLayout(topology: Topology): MachineLayout {
  return {
    hardware: (accel, files) => topologyArguments(topology, accel, files),
    // Several vCPUs under TCG take turns on one host thread: with a thread each (MTTCG) guests oopsed now and then
    // at boot patching their own code, and a vCPU went silent mid-run (QEMU 7.2 and 10; README, Several CPUs).
    accelProperties: (accel) => (accel === 'tcg' && topology.cpus > 1 ? ['thread=single'] : []),
  };
}

/** The QEMU arguments of a topology's hardware. */
export function topologyArguments(topology: Topology, accel: Accelerator, files: LayoutFiles): string[] {
  const args = [
    // Under KVM, interrupt remapping needs the split irqchip; TCG has no in-kernel irqchip.
    '-machine', accel === 'kvm' ? 'q35,kernel-irqchip=split' : 'q35',
    '-cpu', accel === 'kvm' ? 'host' : tcgCpu,
    '-m', `${topology.memoryMiB}M`,
    '-smp', String(topology.cpus),
    // intel-iommu must come before the devices it translates for.
    '-device', 'intel-iommu,intremap=on',
  ];
  for (const [index, edu] of topology.eduDevices.entries()) {
    let bus = '';
    if (edu.rootPortSlot !== undefined) {
      args.push('-device', `pcie-root-port,id=rp${index},bus=pcie.0,chassis=${index + 1},addr=0x${edu.rootPortSlot.toString(16)}`);
      bus = `bus=rp${index},`;
    }
    // Without a full dma_mask, edu silently truncates DMA addresses to 28 bits.
    args.push('-device', `edu,${bus}addr=0x${edu.slot.toString(16)},dma_mask=0xffffffffffffffff`);
  }
  if (topology.igb) {
    const port = `rp${topology.eduDevices.length}`;
    args.push('-device', `pcie-root-port,id=${port},bus=pcie.0,chassis=${topology.eduDevices.length + 1},addr=0x${topology.igb.rootPortSlot.toString(16)}`);
    // No netdev: its DMA tests loop packets back inside the device (RCTL.LBM); romfile= as for virtio-net.
    args.push('-device', `igb,bus=${port},addr=0x0,romfile=`);
  }
  args.push(
    '-netdev', `user,id=net0,hostfwd=tcp:127.0.0.1:${files.sshPort}-:22`,
    // romfile= : no iPXE option ROM, which SeaBIOS would run at every start for a guest that boots its kernel directly.
    '-device', `virtio-net-pci,netdev=net0,addr=0x${topology.nicSlot.toString(16)},romfile=`,
    '-device', 'pvpanic',
    '-D', files.traceLog,
  );
  for (const event of traceEvents) args.push('-trace', `enable=${event}`);
  if (files.share) {
    args.push('-virtfs', `local,path=${files.share},mount_tag=luo_next,security_model=none,readonly=on`);
  }
  return args;
}

// The guest kernel command line: LUO on, KHO on, IOMMU on, serial console, reboot-free panic.

export interface CommandLineOptions {
  /** `liveupdate=on` unless false (negative scenario: next kernel without LUO). */
  readonly liveupdate?: boolean;
  /** Words appended at the end. */
  readonly extra?: readonly string[];
}

/** Build the command line shared by the first boot and every kexec (explicit, not --reuse-cmdline, so a scenario can vary it). */
export function guestCommandLine(options: CommandLineOptions = {}): string {
  const words = [
    'console=ttyS0',
    `liveupdate=${options.liveupdate === false ? 'off' : 'on'}`,
    // kho=on is the default with KEXEC_HANDOVER_ENABLE_DEFAULT; developers' trees may lack that option.
    'kho=on',
    'intel_iommu=on',
    // -1: reboot at once on panic; QEMU runs with -no-reboot, so a panic ends QEMU and is reported.
    'panic=-1',
    // The IO-APIC timer check counts ticks in a busy loop; on a loaded TCG host it can miss them and, with
    // interrupt remapping on, panics ("timer doesn't work through Interrupt-remapped IO-APIC").
    'no_timer_check',
    ...(options.extra ?? []),
  ];
  return words.join(' ');
}

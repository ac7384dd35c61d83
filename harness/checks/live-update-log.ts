// What the kernel log says about the live update it came out of.

export interface LiveUpdateLog {
  /** `KHO: found kexec handover data.` */
  readonly khoFound: boolean;
  /** N from `luo: Retrieved live update data, liveupdate number: N`. */
  readonly liveupdateNumber: number | undefined;
  /** From `KHO: exec from: <release> (count N)`. */
  readonly execFrom: { readonly release: string; readonly count: number } | undefined;
  /** `Disabling liveupdate because KHO is disabled`, an unknown handler's compatible, and similar refusals and failures. */
  readonly warnings: readonly string[];
}

/** Lines naming a mismatch in the handed-over state: an unknown compatible, a failed deserialization. */
export const namesMismatch = /No registered handler|incompatible|compatible '|deserializ/i;

/** Parse a dmesg or serial log of one boot. */
export function parseLiveUpdateLog(log: string): LiveUpdateLog {
  const number = /luo: Retrieved live update data, liveupdate number: (\d+)/.exec(log);
  const exec = /KHO: exec from: (\S+) \(count (\d+)\)/.exec(log);
  const warnings = log
    .split('\n')
    .filter((line) => /Disabling liveupdate|luo: .*(?:fail|error|mismatch)|KHO: .*(?:fail|error)/i.test(line) || (/\b(?:luo|KHO): /.test(line) && namesMismatch.test(line)))
    .map((line) => line.replace(/^\[[^\]]*\]\s*/, '').trim());
  return {
    khoFound: /KHO: found kexec handover data/.test(log),
    liveupdateNumber: number?.[1] === undefined ? undefined : Number(number[1]),
    execFrom: exec?.[1] && exec[2] ? { release: exec[1], count: Number(exec[2]) } : undefined,
    warnings,
  };
}

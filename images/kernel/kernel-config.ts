// Reading a kernel .config and checking it carries what live update needs.
import { readFile, access } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';

/** Options a kernel must have before the harness boots it (exit 2 otherwise). */
export const requiredOptions = [
  'KEXEC_FILE',
  'KEXEC_HANDOVER',
  'LIVEUPDATE',
  'LIVEUPDATE_MEMFD',
  'VFIO_PCI',
  'INTEL_IOMMU',
] as const;

/** Device-preservation features a tree may carry (patch series, not upstream 7.3): asked for, reported, never required. */
export const preservationOptions = ['PCI_LIVEUPDATE', 'VFIO_PCI_LIVEUPDATE', 'IOMMU_LIVEUPDATE'] as const;

export type KernelConfig = ReadonlyMap<string, string>;

/** "PCI_LIVEUPDATE=y VFIO_PCI_LIVEUPDATE=y IOMMU_LIVEUPDATE=n": which preservation features a kernel has. */
export function preservationFeatures(lookup: (name: string) => string | undefined): string {
  return preservationOptions.map((name) => `${name}=${lookup(name) ?? 'n'}`).join(' ');
}

/** Parse `.config` text (plain or the gzip of /proc/config.gz) into NAME -> value, without the CONFIG_ prefix. */
export function parseKernelConfig(text: string | Uint8Array): KernelConfig {
  const raw =
    typeof text === 'string'
      ? text
      : text[0] === 0x1f && text[1] === 0x8b
        ? gunzipSync(text).toString('utf8')
        : Buffer.from(text).toString('utf8');
  const options = new Map<string, string>();
  for (const line of raw.split('\n')) {
    const set = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (set?.[1] !== undefined && set[2] !== undefined) options.set(set[1], set[2]);
  }
  return options;
}

/** True when an option is built in or a module. */
export function isEnabled(config: KernelConfig, name: string): boolean {
  const value = config.get(name);
  return value === 'y' || value === 'm';
}

/** The required options a config lacks, in a stable order. */
export function missingOptions(config: KernelConfig, wanted: readonly string[] = requiredOptions): string[] {
  return wanted.filter((name) => !isEnabled(config, name));
}

/** Find the config that describes a prebuilt bzImage: `.config` or `config-<release>` beside it. */
export async function findConfigBeside(bzImage: string, release: string | undefined): Promise<string | undefined> {
  const folder = path.dirname(bzImage);
  const candidates = [path.join(folder, '.config'), path.join(folder, '..', '..', '..', '.config')];
  if (release) candidates.push(path.join(folder, `config-${release}`));
  for (const candidate of candidates) {
    try {
      await access(candidate);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Read and parse a config file. */
export async function readKernelConfig(file: string): Promise<KernelConfig> {
  return parseKernelConfig(await readFile(file));
}

// Options from CLI flags and make variables (environment), validated with one clear error each.
import { BadInputError } from '../errors.ts';
import type { Accelerator } from '../vm/accel.ts';

export const commands = ['run', 'list', 'doctor', 'images', 'setup', 'shell', 'report', 'bench', 'matrix'] as const;
export type Command = (typeof commands)[number];

/** A kernel version as Debian names its sources (linux-source-7.2): KERNEL_VERSION, NEXT_KERNEL_VERSION, KERNELS. */
export const defaultQemu = 'qemu-system-x86_64';

const debianKernelVersion = /^\d+\.\d+$/;

export interface Options {
  readonly command: Command;
  /** Scenario names; empty means all. */
  readonly scenarios: readonly string[];
  readonly kernel?: string;
  readonly kernelSrc?: string;
  readonly kernelConfig?: string;
  /** KERNEL_VERSION=7.2: build the kernel under test from Debian's linux-source-7.2 instead of the default. */
  readonly kernelVersion?: string;
  /** A patch series applied to the default source before the build. */
  readonly patches?: string;
  readonly nextKernel?: string;
  /** NEXT_KERNEL_VERSION=7.3: kexec into a kernel built from Debian's linux-source-7.3. */
  readonly nextKernelVersion?: string;
  /** A patch series applied on top of the kernel under test's source: the next kernel of an A->B update. */
  readonly nextPatches?: string;
  readonly accel?: Accelerator;
  readonly results?: string;
  readonly qemu: string;
  /** SHARD=i/n: run only part i (1-based) of n of the selected scenarios. */
  readonly shard?: Shard;
  /** EXPECT=<file>: known outcomes per check. */
  readonly expect?: string;
  /** REPRO=<run folder>: rerun what that run ran, with its seed. */
  readonly repro?: string;
  /** KEEP=1: on a failure, keep the VM up for SSH until Ctrl-C. */
  readonly keep: boolean;
  /** JOBS=n: scenarios run at once; unset means the run decides (defaultJobs). */
  readonly jobs?: number;
  /** PAIRS=n: `bench` times the floor and the kexec scenario in turn n times. */
  readonly pairs: number;
  /** CPUS=n: the guests' vCPUs (a scenario whose manifest asks for more gets more). */
  readonly cpus?: number;
  /** KERNELS=7.2,7.3: `matrix` updates between every ordered pair of these Debian kernel versions. */
  readonly kernels?: readonly string[];
}

export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Each option: its flag, its make variable, and what it means (for errors and help). */
export const optionTable = [
  { key: 'scenarios', flag: '--scenario', variable: 'S', help: 'comma-separated scenario names (default: all)' },
  { key: 'kernel', flag: '--kernel', variable: 'KERNEL', help: 'prebuilt bzImage to test' },
  { key: 'kernelSrc', flag: '--kernel-src', variable: 'KERNEL_SRC', help: 'kernel tree to build with the LUO config' },
  { key: 'kernelConfig', flag: '--config', variable: 'CONFIG', help: 'config of a prebuilt KERNEL' },
  { key: 'kernelVersion', flag: '--kernel-version', variable: 'KERNEL_VERSION', help: "Debian kernel version to build and test (7.2: Debian's linux-source-7.2; default 7.3)" },
  { key: 'patches', flag: '--patches', variable: 'PATCHES', help: 'folder of .patch files or an mbox, applied to the default source' },
  { key: 'nextKernel', flag: '--next-kernel', variable: 'NEXT_KERNEL', help: 'bzImage to kexec into (default: the same kernel)' },
  { key: 'nextKernelVersion', flag: '--next-kernel-version', variable: 'NEXT_KERNEL_VERSION', help: 'Debian kernel version to build and kexec into' },
  { key: 'nextPatches', flag: '--next-patches', variable: 'NEXT_PATCHES', help: 'folder of .patch files or an mbox: the next kernel is the kernel under test plus these' },
  { key: 'accel', flag: '--accel', variable: 'ACCEL', help: 'kvm, tcg or auto (default auto)' },
  { key: 'results', flag: '--results', variable: 'RESULTS', help: 'results folder (default results/)' },
  { key: 'qemu', flag: '--qemu', variable: 'QEMU', help: 'QEMU binary, or 7.2 / 10.0: Debian\'s QEMU of that version, unpacked in the cache (default qemu-system-x86_64)' },
  { key: 'shard', flag: '--shard', variable: 'SHARD', help: 'i/n: run part i of n of the selected scenarios' },
  { key: 'expect', flag: '--expect', variable: 'EXPECT', help: 'file of known outcomes per check' },
  { key: 'repro', flag: '--repro', variable: 'REPRO', help: 'run folder to reproduce (its repro.json)' },
  { key: 'keep', flag: '--keep', variable: 'KEEP', help: '1: on a failure keep the VM up for SSH until Ctrl-C' },
  { key: 'jobs', flag: '--jobs', variable: 'JOBS', help: 'scenarios run at once (default: one per core, at most 4)' },
  { key: 'kernels', flag: '--kernels', variable: 'KERNELS', help: 'matrix: Debian kernel versions to update between, every ordered pair (default 7.2,7.3)' },
  { key: 'cpus', flag: '--cpus', variable: 'CPUS', help: "the guests' vCPUs (default 1; a scenario that needs more gets more)" },
  { key: 'pairs', flag: '--pairs', variable: 'PAIRS', help: 'bench: floor and kexec scenario timed in turn this many times (default 5)' },
] as const;

type Key = (typeof optionTable)[number]['key'];

/**
 * Parse argv (after the script) and the environment; flags win over make variables. `NAME=value` arguments are make
 * variables too, so `./luo-harness run S=<name>` reads like `make scenario S=<name>`.
 */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options {
  const raw = new Map<Key, string>();
  for (const option of optionTable) {
    const value = env[option.variable];
    if (value !== undefined && value !== '') raw.set(option.key, value);
  }
  let command: Command = 'run';
  const positional: string[] = [];
  for (const argument of argv) {
    const variable = /^([A-Z_]+)=(.*)$/s.exec(argument);
    if (variable) {
      const option = optionTable.find((candidate) => candidate.variable === variable[1]);
      if (!option) throw new BadInputError(`unknown variable ${variable[1]}; known: ${optionTable.map((o) => o.variable).join(', ')}`);
      if (variable[2] !== '') raw.set(option.key, variable[2] ?? '');
    } else if (argument.startsWith('--')) {
      const [flag, ...rest] = argument.split('=');
      const option = optionTable.find((candidate) => candidate.flag === flag);
      if (!option) throw new BadInputError(`unknown option ${flag}; known: ${optionTable.map((o) => o.flag).join(', ')}`);
      if (rest.length === 0) throw new BadInputError(`option ${flag} needs a value: ${flag}=<${option.help}>`);
      raw.set(option.key, rest.join('='));
    } else {
      positional.push(argument);
    }
  }
  if (positional.length > 0) {
    const [first, ...others] = positional;
    if (!commands.includes(first as Command)) {
      throw new BadInputError(`unknown command "${first}"; known: ${commands.join(', ')}`);
    }
    command = first as Command;
    if (others.length > 0) throw new BadInputError(`unexpected argument "${others[0]}"; pass scenarios as S=a,b or --scenario=a,b`);
  }
  return validate(command, raw);
}

function validate(command: Command, raw: ReadonlyMap<Key, string>): Options {
  const scenarios = (raw.get('scenarios') ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of scenarios) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new BadInputError(`S=${raw.get('scenarios')}: "${name}" is not a scenario name (lowercase letters, digits, dashes)`);
  }
  const accelRaw = raw.get('accel');
  if (accelRaw !== undefined && !['kvm', 'tcg', 'auto'].includes(accelRaw)) {
    throw new BadInputError(`ACCEL=${accelRaw} is not one of kvm, tcg, auto`);
  }
  if (raw.has('kernel') && raw.has('kernelSrc')) {
    throw new BadInputError('KERNEL and KERNEL_SRC both given; pass one: a prebuilt bzImage or a tree to build');
  }
  if (raw.has('patches') && (raw.has('kernel') || raw.has('kernelSrc'))) {
    throw new BadInputError('PATCHES applies a series to the default source; with KERNEL or KERNEL_SRC apply it to your tree yourself, or drop PATCHES');
  }
  if (raw.has('nextPatches') && raw.has('nextKernel')) {
    throw new BadInputError('NEXT_PATCHES and NEXT_KERNEL both given; pass one: a series the harness builds the next kernel from, or a prebuilt bzImage');
  }
  if (raw.has('nextPatches') && (raw.has('kernel') || raw.has('kernelSrc'))) {
    throw new BadInputError('NEXT_PATCHES patches the default source (with PATCHES, if given); with KERNEL or KERNEL_SRC build your next kernel and pass NEXT_KERNEL');
  }
  for (const [key, variable] of [['kernelVersion', 'KERNEL_VERSION'], ['nextKernelVersion', 'NEXT_KERNEL_VERSION']] as const) {
    const version = raw.get(key);
    if (version !== undefined && !debianKernelVersion.test(version)) throw new BadInputError(`${variable}=${version} is not a kernel version as Debian names its sources (for example ${variable}=7.2)`);
  }
  if (raw.has('kernelVersion') && (raw.has('kernel') || raw.has('kernelSrc'))) {
    throw new BadInputError('KERNEL_VERSION names a Debian source to build; with KERNEL or KERNEL_SRC drop it');
  }
  if (raw.has('nextKernelVersion') && (raw.has('nextKernel') || raw.has('nextPatches'))) {
    throw new BadInputError('NEXT_KERNEL_VERSION names the next kernel; pass one of NEXT_KERNEL_VERSION, NEXT_KERNEL and NEXT_PATCHES');
  }
  if (raw.has('kernelConfig') && !raw.has('kernel')) {
    throw new BadInputError('CONFIG describes a prebuilt KERNEL; pass KERNEL=<bzImage> with it, or drop CONFIG');
  }
  const keepRaw = raw.get('keep');
  if (keepRaw !== undefined && !['0', '1'].includes(keepRaw)) throw new BadInputError(`KEEP=${keepRaw} is not 0 or 1`);
  const jobsRaw = raw.get('jobs');
  if (jobsRaw !== undefined && !/^[1-9]\d{0,2}$/.test(jobsRaw)) throw new BadInputError(`JOBS=${jobsRaw} is not a number of scenarios to run at once (1 to 999, for example JOBS=2)`);
  const pairsRaw = raw.get('pairs');
  if (pairsRaw !== undefined && !/^[1-9]\d?$/.test(pairsRaw)) throw new BadInputError(`PAIRS=${pairsRaw} is not a number of timed pairs (1 to 99, for example PAIRS=5)`);
  const kernelsRaw = raw.get('kernels');
  const kernels = kernelsRaw?.split(',').map((version) => version.trim());
  if (kernels && (kernels.some((version) => !debianKernelVersion.test(version)) || new Set(kernels).size !== kernels.length)) {
    throw new BadInputError(`KERNELS=${kernelsRaw} is not a list of distinct kernel versions as Debian names its sources (for example KERNELS=7.2,7.3)`);
  }
  const cpusRaw = raw.get('cpus');
  if (cpusRaw !== undefined && !/^([1-9]|1[0-6])$/.test(cpusRaw)) throw new BadInputError(`CPUS=${cpusRaw} is not a number of vCPUs from 1 to 16 (for example CPUS=2)`);
  if (jobsRaw !== undefined && jobsRaw !== '1' && keepRaw === '1') throw new BadInputError(`KEEP=1 keeps a failed guest for a person at the terminal, one at a time; drop JOBS=${jobsRaw} or pass JOBS=1`);
  return {
    command,
    scenarios,
    kernel: raw.get('kernel'),
    kernelSrc: raw.get('kernelSrc'),
    kernelConfig: raw.get('kernelConfig'),
    kernelVersion: raw.get('kernelVersion'),
    patches: raw.get('patches'),
    nextKernel: raw.get('nextKernel'),
    nextKernelVersion: raw.get('nextKernelVersion'),
    nextPatches: raw.get('nextPatches'),
    accel: accelRaw === 'auto' ? undefined : (accelRaw as Accelerator | undefined),
    results: raw.get('results'),
    qemu: raw.get('qemu') ?? defaultQemu,
    shard: parseShard(raw.get('shard')),
    expect: raw.get('expect'),
    repro: raw.get('repro'),
    keep: keepRaw === '1',
    jobs: jobsRaw === undefined ? undefined : Number(jobsRaw),
    pairs: pairsRaw === undefined ? 5 : Number(pairsRaw),
    cpus: cpusRaw === undefined ? undefined : Number(cpusRaw),
    kernels,
  };
}

/** What the kernel, the next kernel and the machine were given as, as `NAME=value` arguments: for a child run. */
export function kernelAndMachineVariables(options: Options): string[] {
  const given: [string, string | number | undefined][] = [
    ['KERNEL', options.kernel],
    ['KERNEL_SRC', options.kernelSrc],
    ['CONFIG', options.kernelConfig],
    ['KERNEL_VERSION', options.kernelVersion],
    ['PATCHES', options.patches],
    ['NEXT_KERNEL', options.nextKernel],
    ['NEXT_KERNEL_VERSION', options.nextKernelVersion],
    ['NEXT_PATCHES', options.nextPatches],
    ['ACCEL', options.accel],
    ['QEMU', options.qemu],
    ['JOBS', options.jobs],
    ['CPUS', options.cpus],
  ];
  return given.flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${value}`]));
}

function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) throw new BadInputError(`SHARD=${text} is not i/n with 1 <= i <= n (for example SHARD=1/2)`);
  return { index, count };
}

// repro.json: everything needed to run the same thing again (REPRO=<run folder>), including the run seed every
// scenario derives its pattern and DMA seeds from.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Options } from '../config/options.ts';
import { BadInputError } from '../errors.ts';
import type { ScenarioResult } from '../results/summary.ts';
import { repoRoot } from '../util/paths.ts';
import type { KernelRecipe } from '../../images/kernel/recipe.ts';
import type { Prepared } from './prepare.ts';

/** The options a rerun takes from the record; RESULTS and KEEP stay the caller's, SHARD is spent (the list is exact). */
type RecordedOptions = Pick<
  Options,
  'scenarios' | 'kernel' | 'kernelSrc' | 'kernelConfig' | 'kernelVersion' | 'patches' | 'nextKernel' | 'nextKernelVersion' | 'nextPatches' | 'accel' | 'qemu' | 'expect' | 'cpus'
>;

export interface Repro {
  readonly runId: string;
  readonly harness: { readonly commit: string; readonly dirty: boolean };
  readonly kernel: { readonly release: string; readonly identity: string; readonly origin: string; readonly bzImage: string; readonly recipe?: KernelRecipe };
  readonly nextKernel: { readonly release: string; readonly identity: string; readonly bzImage: string; readonly recipe?: KernelRecipe };
  readonly image: string;
  readonly qemu: string;
  readonly accel: { readonly accel: string; readonly reason: string };
  readonly shard?: Options['shard'];
  readonly options: RecordedOptions;
  /** 16 hex digits; handed to every scenario as context.seed. */
  readonly seed: string;
  /** What each scenario reported it derived from the seed (its `seeds` fact). */
  readonly seeds: Record<string, unknown>;
}

async function harnessCommit(): Promise<Repro['harness']> {
  const head = await execa('git', ['-C', repoRoot, 'rev-parse', 'HEAD'], { reject: false });
  const status = await execa('git', ['-C', repoRoot, 'status', '--porcelain', '--untracked-files=no'], { reject: false });
  return { commit: head.exitCode === 0 ? head.stdout.trim() : 'unknown', dirty: status.stdout.trim() !== '' };
}

/** Build the record of a finished run. */
export async function reproRecord(
  runId: string,
  options: Options,
  ran: readonly string[],
  prepared: Prepared,
  seed: string,
  results: readonly ScenarioResult[],
): Promise<Repro> {
  const { kernel, nextKernel } = prepared;
  return {
    runId,
    harness: await harnessCommit(),
    kernel: { release: kernel.release, identity: kernel.identity, origin: kernel.origin, bzImage: kernel.bzImage, recipe: kernel.recipe },
    nextKernel: { release: nextKernel.release, identity: nextKernel.identity, bzImage: nextKernel.bzImage, recipe: nextKernel.recipe },
    image: prepared.image.key,
    qemu: prepared.qemuVersion,
    accel: { accel: prepared.accel.accel, reason: prepared.accel.reason },
    shard: options.shard,
    // Paths absolute: a rerun may start from another folder (a bisect runs in the kernel tree).
    options: {
      scenarios: [...ran],
      kernel: absolute(options.kernel),
      kernelSrc: absolute(options.kernelSrc),
      kernelConfig: absolute(options.kernelConfig),
      kernelVersion: options.kernelVersion,
      patches: absolute(options.patches),
      nextKernel: absolute(options.nextKernel),
      nextKernelVersion: options.nextKernelVersion,
      nextPatches: absolute(options.nextPatches),
      accel: options.accel,
      qemu: options.qemu,
      expect: absolute(options.expect),
      cpus: options.cpus,
    },
    seed,
    seeds: Object.fromEntries(results.flatMap((result) => (result.seeds === undefined ? [] : [[result.name, result.seeds]]))),
  };
}

function absolute(file: string | undefined): string | undefined {
  return file === undefined ? undefined : path.resolve(file);
}

export async function writeRepro(runDir: string, repro: Repro): Promise<void> {
  await writeFile(path.join(runDir, 'repro.json'), `${JSON.stringify(repro, null, 2)}\n`);
}

/** Read `<folder>/repro.json` for REPRO=. */
export async function readRepro(folder: string): Promise<Repro> {
  const file = path.join(path.resolve(folder), 'repro.json');
  let repro: Partial<Repro>;
  try {
    repro = JSON.parse(await readFile(file, 'utf8')) as Partial<Repro>;
  } catch {
    throw new BadInputError(`REPRO=${folder}: no readable ${file}; point REPRO at a run folder such as results/<run-id>`);
  }
  if (typeof repro.seed !== 'string' || !/^[0-9a-f]{16}$/.test(repro.seed) || !repro.options || !Array.isArray(repro.options.scenarios)) {
    throw new BadInputError(`REPRO=${folder}: ${file} lacks a seed or the options it ran with`);
  }
  return repro as Repro;
}

/** The options of a rerun: the recorded ones, with the caller's RESULTS and KEEP. */
export function reproOptions(current: Options, repro: Repro): Options {
  const recorded = repro.options;
  return {
    ...current,
    scenarios: recorded.scenarios,
    // Each key set, absent ones included: a variable in the caller's environment must not change the rerun.
    kernel: recorded.kernel,
    kernelSrc: recorded.kernelSrc,
    kernelConfig: recorded.kernelConfig,
    kernelVersion: recorded.kernelVersion,
    patches: recorded.patches,
    nextKernel: recorded.nextKernel,
    nextKernelVersion: recorded.nextKernelVersion,
    nextPatches: recorded.nextPatches,
    cpus: recorded.cpus,
    accel: recorded.accel,
    qemu: recorded.qemu,
    expect: recorded.expect,
    shard: undefined,
    repro: undefined,
  };
}

// Turn KERNEL / KERNEL_SRC / (default) into a kernel under test: a bzImage, its config, uAPI headers.
import { access, constants, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { BadInputError, InfrastructureError } from '../../harness/errors.ts';
import { progress } from '../../harness/util/log.ts';
import { buildKernel, type BuildPlan } from './build.ts';
import { debianKernelSource, type KernelSource } from './debian-source.ts';
import { bzImageRelease } from './kernel-release.ts';
import { findConfigBeside, missingOptions, preservationOptions, readKernelConfig, requiredOptions, type KernelConfig } from './kernel-config.ts';
import { joinPatchSeries, readPatchSeries, type PatchSeries } from './patch-series.ts';
import { patchedKernelSource } from './patched-source.ts';
import { treeKernelSource } from './tree-source.ts';

export interface KernelUnderTest {
  readonly bzImage: string;
  readonly release: string;
  readonly identity: string;
  readonly config: KernelConfig;
  /** uAPI include directory the guest helpers are built against. */
  readonly headers: string;
  readonly headersIdentity: string;
  readonly origin: 'debian' | 'patched' | 'tree' | 'prebuilt';
  /** The source tree the kernel was built from (its selftests come from there); absent for a prebuilt kernel. */
  readonly source?: string;
  /** The series applied to the default source (PATCHES=), in order. */
  readonly patches?: { readonly given: string; readonly subjects: readonly string[]; readonly sha256: string };
  /** Build wall time in ms (0 when cached or prebuilt). */
  readonly buildMs: number;
  /** A kernel built from the default source: that source, the series on it, and the tree built (what a next kernel's patches start from). */
  readonly fromDefault?: DefaultSourceBuild;
}

export interface DefaultSourceBuild {
  readonly base: KernelSource;
  readonly series?: PatchSeries;
  readonly tree: string;
}

/** Resolve and, where needed, build the kernel; checks the LUO options before anything boots. `defaultSource`: the default source, already on its way. */
export async function resolveKernel(
  choice: { kernel?: string; kernelSrc?: string; kernelConfig?: string; patches?: string },
  cache: string,
  defaultSource?: Promise<KernelSource>,
): Promise<KernelUnderTest> {
  if (choice.kernel) return prebuiltKernel(choice.kernel, choice.kernelConfig, cache);
  if (choice.kernelSrc) return builtKernel(await treeKernelSource(choice.kernelSrc), cache, { incremental: true }, 'tree');
  const debian = await (defaultSource ?? debianKernelSource(cache));
  const kernel = await builtKernel(debian, cache, { incremental: false }, 'debian');
  const defaultBuild = { ...kernel, fromDefault: { base: debian, tree: debian.tree } };
  if (!choice.patches) return defaultBuild;
  // The default build first: the patched one starts from its objects.
  return patchedKernel(defaultBuild.fromDefault, await readPatchSeries(choice.patches), cache);
}

/**
 * The next kernel of an A->B update: the kernel under test's source plus `series`, built from a copy of its objects so
 * only what the series changes recompiles. Only a kernel the harness built from the default source has one.
 */
export async function nextPatchedKernel(kernel: KernelUnderTest, series: PatchSeries, cache: string): Promise<KernelUnderTest> {
  if (!kernel.fromDefault) throw new BadInputError(`${series.given} patches the default source; the kernel under test (${kernel.origin}) was not built from it`);
  const { base, series: under, tree } = kernel.fromDefault;
  return patchedKernel({ base, tree }, under ? joinPatchSeries(under, series) : series, cache);
}

async function patchedKernel(from: DefaultSourceBuild, series: PatchSeries, cache: string): Promise<KernelUnderTest> {
  const source = await patchedKernelSource(from.base, series, cache);
  const kernel = await builtKernel(source, cache, { incremental: false, seedFrom: from.tree }, 'patched');
  return { ...kernel, patches: { given: series.given, subjects: series.subjects, sha256: series.hash }, fromDefault: { base: from.base, series, tree: source.tree } };
}

async function builtKernel(source: KernelSource, cache: string, plan: BuildPlan, origin: KernelUnderTest['origin']): Promise<KernelUnderTest> {
  const built = await buildKernel(source, cache, plan);
  return {
    bzImage: built.bzImage,
    release: built.release,
    identity: built.identity,
    config: await readKernelConfig(built.config),
    headers: built.headers,
    headersIdentity: `${built.identity}@${built.buildDir}`,
    origin,
    source: source.tree,
    buildMs: built.buildMs,
  };
}

/** A prebuilt bzImage (KERNEL= or NEXT_KERNEL=): readable, an x86 bzImage, with a config that has the LUO options. */
export async function prebuiltKernel(bzImage: string, configFile: string | undefined, cache: string, variable = 'KERNEL'): Promise<KernelUnderTest> {
  const file = path.resolve(bzImage);
  try {
    await access(file, constants.R_OK);
  } catch {
    throw new BadInputError(`${variable}=${bzImage} is not a readable file; pass the path of a bzImage (arch/x86/boot/bzImage)`);
  }
  const release = await bzImageRelease(file);
  if (!release) throw new BadInputError(`${variable}=${bzImage} is not an x86 bzImage (no boot header); pass arch/x86/boot/bzImage`);
  const config = configFile ? path.resolve(configFile) : await findConfigBeside(file, release);
  if (!config) {
    throw new BadInputError(`${variable}=${bzImage} has no .config or config-${release} beside it; pass CONFIG=<its .config>`);
  }
  let parsed: KernelConfig;
  try {
    parsed = await readKernelConfig(config);
  } catch {
    throw new BadInputError(`CONFIG=${config} is not readable; pass the kernel's .config`);
  }
  if (parsed.size === 0) throw new BadInputError(`CONFIG=${config} holds no CONFIG_ lines; pass the kernel's .config`);
  const missing = missingOptions(parsed);
  if (missing.length > 0) {
    throw new BadInputError(
      `${variable}=${bzImage} lacks ${missing.map((name) => `CONFIG_${name}`).join(', ')} (per ${config}); rebuild with images/kernel/luo.config merged`,
    );
  }
  const headers = await defaultHeaders(cache);
  return { bzImage: file, release, identity: `prebuilt:${file}@${release}`, config: parsed, headers: headers.dir, headersIdentity: headers.identity, origin: 'prebuilt', buildMs: 0 };
}

/** uAPI headers for a prebuilt kernel: headers_install of the default Debian source (no kernel build needed). */
async function defaultHeaders(cache: string): Promise<{ dir: string; identity: string }> {
  const source = await debianKernelSource(cache);
  const out = path.join(cache, 'headers', source.identity.replace(/[^\w.=-]/g, '_'));
  const dir = path.join(out, 'include');
  const stamp = path.join(out, 'complete');
  try {
    await access(stamp);
    return { dir, identity: source.identity };
  } catch {
    progress(`installing uAPI headers from ${source.identity}`);
  }
  await mkdir(out, { recursive: true });
  const install = await execa('make', ['-C', source.tree, `O=${path.join(out, 'build')}`, 'headers_install', `INSTALL_HDR_PATH=${out}`], {
    reject: false,
    all: true,
  });
  if (install.exitCode !== 0) throw new InfrastructureError(`headers_install from ${source.tree} failed:\n${install.all ?? ''}`);
  await writeFile(stamp, source.identity);
  return { dir, identity: source.identity };
}

/** The options a summary shows about a kernel. */
export function kernelOptionSummary(config: KernelConfig): Record<string, string> {
  const shown = [...requiredOptions, ...preservationOptions, 'KEXEC_HANDOVER_ENABLE_DEFAULT', 'VFIO_DEVICE_CDEV', 'IOMMUFD', 'LIVEUPDATE_TEST'];
  return Object.fromEntries(shown.map((name) => [name, config.get(name) ?? 'n']));
}

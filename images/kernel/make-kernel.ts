// A kernel recipe made into a kernel under test, in one line: its source (a Debian package unpacked, a developer's
// tree, a prebuilt bzImage), its patches applied to a copy of that source, its build. Each step is a cache entry.
import { BadInputError } from '../../harness/errors.ts';
import { buildKernel } from './build.ts';
import { debianKernelSource, type KernelSource } from './debian-source.ts';
import { preservationOptions, readKernelConfig, requiredOptions, type KernelConfig } from './kernel-config.ts';
import type { KernelUnderTest } from './kernel-under-test.ts';
import { mismatchSeries } from './mismatch-patch.ts';
import { joinPatchSeries, readPatchSeries, type PatchSeries } from './patch-series.ts';
import { patchedKernelSource } from './patched-source.ts';
import { prebuiltKernel } from './prebuilt.ts';
import type { KernelRecipe, PatchSpec } from './recipe.ts';
import { treeKernelSource } from './tree-source.ts';

export type { KernelUnderTest } from './kernel-under-test.ts';

/** Fetch, patch and build what the recipe says (each step reused from the cache when done before); checks the LUO options. */
export async function makeKernel(recipe: KernelRecipe, cache: string): Promise<KernelUnderTest> {
  const { source } = recipe;
  if (source.kind === 'prebuilt') return { ...(await prebuiltKernel(source.bzImage, source.config, cache, recipe.variable)), recipe };
  if (source.kind === 'tree') {
    if (recipe.patches.length > 0) throw new BadInputError(`${recipe.variable}: patches apply to a Debian source, not to KERNEL_SRC=${source.path}; apply them to your tree`);
    return built(await treeKernelSource(source.path), cache, recipe, 'tree', { incremental: true });
  }
  const base = await debianKernelSource(cache, source.package, source.variable);
  if (recipe.patches.length === 0) return built(base, cache, recipe, 'debian', { incremental: false });
  // The kernel without its last patch first: that patch applies to its tree (the mismatch patch is written against
  // it), and this build starts from its objects, so only what the patches touch recompiles.
  const under = await makeKernel({ ...recipe, patches: recipe.patches.slice(0, -1) }, cache);
  const underTree = under.source ?? base.tree;
  const series = await seriesOf(recipe.patches, underTree, cache);
  const patched = await built(await patchedKernelSource(base, series, cache), cache, recipe, 'patched', { incremental: false, seedFrom: underTree });
  return { ...patched, patches: { given: series.given, subjects: series.subjects, sha256: series.hash } };
}

/** The recipe's patches read (the mismatch patch written against `lastTree`, which it is applied on) and joined. */
async function seriesOf(patches: readonly PatchSpec[], lastTree: string, cache: string): Promise<PatchSeries> {
  const read = await Promise.all(patches.map((patch) => (patch.kind === 'series' ? readPatchSeries(patch.given, patch.variable) : mismatchSeries(lastTree, cache))));
  return read.reduce((first, then) => joinPatchSeries(first, then));
}

async function built(
  source: KernelSource,
  cache: string,
  recipe: KernelRecipe,
  origin: KernelUnderTest['origin'],
  plan: { readonly incremental: boolean; readonly seedFrom?: string },
): Promise<KernelUnderTest> {
  const kernel = await buildKernel(source, cache, { ...plan, fragments: recipe.fragments });
  return {
    bzImage: kernel.bzImage,
    release: kernel.release,
    identity: kernel.identity,
    config: await readKernelConfig(kernel.config),
    headers: kernel.headers,
    headersIdentity: kernel.headersIdentity,
    origin,
    source: source.tree,
    buildMs: kernel.buildMs,
    recipe,
  };
}

/** The options a summary shows about a kernel. */
export function kernelOptionSummary(config: KernelConfig): Record<string, string> {
  const shown = [...requiredOptions, ...preservationOptions, 'KEXEC_HANDOVER_ENABLE_DEFAULT', 'VFIO_DEVICE_CDEV', 'IOMMUFD', 'LIVEUPDATE_TEST'];
  return Object.fromEntries(shown.map((name) => [name, config.get(name) ?? 'n']));
}

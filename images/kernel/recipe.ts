// A kernel as one recipe: where its source comes from, the patch series applied to it in order, and the config
// fragments it is built with. The run's options become recipes once; everything after follows the recipe.
import path from 'node:path';
import type { Options } from '../../harness/config/options.ts';
import { repoRoot } from '../../harness/util/paths.ts';

export type KernelSourceSpec =
  /** A Debian linux-source package, fetched through the harness's own apt state; `variable` named it. */
  | { readonly kind: 'debian'; readonly package: string; readonly variable: string }
  /** A developer's tree, built out of tree and incrementally. */
  | { readonly kind: 'tree'; readonly path: string }
  /** A bzImage built elsewhere, with the config it was built from (found beside it when not given). */
  | { readonly kind: 'prebuilt'; readonly bzImage: string; readonly config?: string };

export type PatchSpec =
  /** A series from the list: a folder of `git format-patch` files or an mbox, as given in `variable`. */
  | { readonly kind: 'series'; readonly given: string; readonly variable: string }
  /** The harness's own patch renaming the memfd handler's compatible string (luo-mismatch's next kernel). */
  | { readonly kind: 'mismatch' };

export interface KernelRecipe {
  readonly source: KernelSourceSpec;
  /** Applied in this order; only a Debian source can be patched (a tree is the developer's to patch). */
  readonly patches: readonly PatchSpec[];
  /** Config fragments merged over tinyconfig; none for a prebuilt kernel. */
  readonly fragments: readonly string[];
  /** The option that named this kernel, for errors: KERNEL, KERNEL_SRC, NEXT_KERNEL, ... */
  readonly variable: string;
}

/** The Debian source the harness builds when no kernel is given. */
export const defaultKernelPackage = 'linux-source-7.3';

/** The config fragments every kernel the harness builds gets: LUO and its devices, then everything else off. */
export const configFragments: readonly string[] = [
  path.join(repoRoot, 'images', 'kernel', 'luo.config'),
  path.join(repoRoot, 'images', 'kernel', 'lean.config'),
];

/** The options that name the kernels of a run. */
export type KernelChoice = Pick<Options, 'kernel' | 'kernelSrc' | 'kernelConfig' | 'kernelVersion' | 'patches' | 'nextKernel' | 'nextKernelVersion' | 'nextPatches'>;

/** The kernel under test and the kernel a kexec goes into (the same recipe unless the options name another). */
export function runKernelRecipes(choice: KernelChoice): { readonly kernel: KernelRecipe; readonly next: KernelRecipe } {
  const kernel: KernelRecipe = choice.kernel
    ? { source: { kind: 'prebuilt', bzImage: choice.kernel, config: choice.kernelConfig }, patches: [], fragments: [], variable: 'KERNEL' }
    : choice.kernelSrc
      ? { source: { kind: 'tree', path: choice.kernelSrc }, patches: [], fragments: configFragments, variable: 'KERNEL_SRC' }
      : {
          source: debianSource(choice.kernelVersion, 'KERNEL_VERSION'),
          patches: choice.patches ? [{ kind: 'series', given: choice.patches, variable: 'PATCHES' }] : [],
          fragments: configFragments,
          variable: choice.patches ? 'PATCHES' : choice.kernelVersion ? 'KERNEL_VERSION' : 'the default kernel',
        };
  if (choice.nextKernelVersion) {
    return { kernel, next: { source: debianSource(choice.nextKernelVersion, 'NEXT_KERNEL_VERSION'), patches: [], fragments: configFragments, variable: 'NEXT_KERNEL_VERSION' } };
  }
  if (choice.nextKernel) {
    return { kernel, next: { source: { kind: 'prebuilt', bzImage: choice.nextKernel }, patches: [], fragments: [], variable: 'NEXT_KERNEL' } };
  }
  if (choice.nextPatches) return { kernel, next: withPatch(kernel, { kind: 'series', given: choice.nextPatches, variable: 'NEXT_PATCHES' }, 'NEXT_PATCHES') };
  return { kernel, next: kernel };
}

/** Debian's source of a kernel version (7.2: linux-source-7.2), as `variable` asked; the default one without a version. */
export function debianSource(version: string | undefined, variable: string): KernelSourceSpec {
  return version === undefined
    ? { kind: 'debian', package: defaultKernelPackage, variable: 'the default kernel' }
    : { kind: 'debian', package: `linux-source-${version}`, variable };
}

/** The same kernel with one more patch on top: an A->B update's B. */
export function withPatch(recipe: KernelRecipe, patch: PatchSpec, variable: string): KernelRecipe {
  return { ...recipe, patches: [...recipe.patches, patch], variable };
}

/** Whether the harness can patch this kernel's source (it owns only the Debian sources it unpacked). */
export function patchable(recipe: KernelRecipe): boolean {
  return recipe.source.kind === 'debian';
}

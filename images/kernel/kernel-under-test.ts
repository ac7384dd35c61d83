// What the harness knows of a kernel it tests or kexecs into, however it was made.
import type { KernelConfig } from './kernel-config.ts';
import type { KernelRecipe } from './recipe.ts';

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
  /** The series applied to its source, in order, as one. */
  readonly patches?: { readonly given: string; readonly subjects: readonly string[]; readonly sha256: string };
  /** Build wall time in ms (0 when cached or prebuilt). */
  readonly buildMs: number;
  readonly recipe: KernelRecipe;
}

// Everything a run needs before the first boot: host packages, kernel(s), guest image, accelerator, QEMU.
import { execa } from 'execa';
import { MissingToolError } from '../errors.ts';
import type { Options } from '../config/options.ts';
import { buildGuestImage, type GuestImage } from '../../images/guest/initramfs.ts';
import { preservationFeatures } from '../../images/kernel/kernel-config.ts';
import { debianKernelSource } from '../../images/kernel/debian-source.ts';
import { makeKernel, type KernelUnderTest } from '../../images/kernel/make-kernel.ts';
import { patchable, runKernelRecipes, withPatch } from '../../images/kernel/recipe.ts';
import { buildSelftests, type Selftests } from '../../images/selftests/build.ts';
import { ensureHostPackages } from '../setup/host-packages.ts';
import { ensureQemuWithIgb } from '../setup/backports-qemu.ts';
import { resolveQemu } from '../setup/debian-qemu.ts';
import { defaultQemu } from '../config/options.ts';
import { chooseAccelerator, gatherKvmFacts, type AcceleratorChoice } from '../vm/accel.ts';
import { confirmAccelerator } from '../vm/kvm-probe.ts';
import { qemuDeviceModels, shortQemu } from '../vm/qemu-devices.ts';
import { progress } from '../util/log.ts';
import type { GuestSpec } from '../guest/guest-spec.ts';
import { newSeed } from './run-seed.ts';
import type { ScenarioEntry } from '../scenario/catalog.ts';
import type { KernelInfo, ScenarioContext } from '../scenario/context.ts';
import type { Needs } from '../scenario/define-scenario.ts';
import { moduleFor } from '../util/paths.ts';

export interface Prepared {
  readonly kernel: KernelUnderTest;
  readonly nextKernel: KernelUnderTest;
  /** The kernel under test with the memfd handler renamed, when a scenario needs it and the source can be patched. */
  readonly mismatchKernel?: KernelUnderTest;
  readonly image: GuestImage;
  readonly accel: AcceleratorChoice;
  /** The QEMU binary the guests run (QEMU= resolved: a Debian version's copy in the cache, or as given). */
  readonly qemu: string;
  readonly qemuVersion: string;
  /** The QEMU has igb (8.0 and later): the guests of the scenarios that ask get one, and the igb checks run. */
  readonly qemuHasIgb: boolean;
  readonly selftests?: Selftests;
}

/** Install, build or reuse what the scenarios need (none: only the run-wide kernels); errors name the input and the fix. */
export async function prepareRun(options: Options, cache: string, needs: readonly Needs[] = []): Promise<Prepared> {
  const recipes = runKernelRecipes(options);
  // A Debian source downloads through its own apt state while the host packages install: a fresh machine waits
  // for both at once, not one after the other. A package error comes first (it names the fix); a download error waits
  // for the install to finish rather than kill apt-get half way.
  const { source } = recipes.kernel;
  const download = source.kind === 'debian' ? debianKernelSource(cache, source.package, source.variable) : undefined;
  download?.catch(() => undefined);
  await ensureHostPackages();
  // The default QEMU is the system's, from bookworm-backports on bookworm (igb); QEMU=7.2 and 10.0 are Debian's own.
  if (options.qemu === defaultQemu) await ensureQemuWithIgb(cache);
  const qemu = await resolveQemu(options.qemu, cache);
  await download;
  const qemuVersion = await execa(qemu, ['--version'], { reject: false });
  if (qemuVersion.exitCode !== 0) {
    throw new MissingToolError(`QEMU=${options.qemu} does not run; install qemu-system-x86, or set QEMU=<path to qemu-system-x86_64> or QEMU=10.0`);
  }
  const devices = qemuDeviceModels(qemu);
  const kernel = await makeKernel(recipes.kernel, cache);
  const nextKernel = recipes.next === recipes.kernel ? kernel : await makeKernel(recipes.next, cache);
  // Only a source the harness unpacked can be patched; a scenario that needs the mismatch kernel skips on any other.
  const wantsMismatch = needs.some((need) => need.nextKernel === 'mismatch') && patchable(recipes.kernel);
  const mismatchKernel = wantsMismatch ? await makeKernel(withPatch(recipes.kernel, { kind: 'mismatch' }, 'the mismatch kernel'), cache) : undefined;
  const image = await buildGuestImage({ headers: kernel.headers, headersIdentity: kernel.headersIdentity }, cache);
  const accel = await confirmAccelerator(chooseAccelerator(await gatherKvmFacts(), options.accel), options.accel !== undefined, qemu, kernel.bzImage);
  const next = nextKernel === kernel ? '' : `, next kernel ${nextKernel.identity}`;
  const qemuLine = qemuVersion.stdout.split('\n')[0] ?? '';
  const hasIgb = (await devices).has('igb');
  progress(`kernel ${kernel.release} (${kernel.origin}; ${preservationFeatures((name) => kernel.config.get(name))})${next}, image ${image.key}, ${shortQemu(qemuLine)} (${hasIgb ? 'igb' : 'no igb'}), ${accel.accel}: ${accel.reason}`);
  const selftests = needs.some((need) => need.selftests) ? await buildSelftests(kernel, cache) : undefined;
  return { kernel, nextKernel, mismatchKernel, image, accel, qemu, qemuVersion: qemuLine, qemuHasIgb: hasIgb, selftests };
}

function kernelInfo(kernel: KernelUnderTest): KernelInfo {
  return { bzImage: kernel.bzImage, release: kernel.release, identity: kernel.identity, options: Object.fromEntries(kernel.config) };
}

/**
 * The kernel a scenario kexecs into: the run's next kernel, or the mismatch kernel for a scenario that needs it.
 * Without one (KERNEL, KERNEL_SRC) such a scenario gets the kernel under test itself, never NEXT_KERNEL: that is its
 * cue to skip.
 */
function nextKernelOf(needs: Needs, prepared: Prepared): KernelUnderTest {
  return needs.nextKernel === 'mismatch' ? (prepared.mismatchKernel ?? prepared.kernel) : prepared.nextKernel;
}

/** Where a guest keeps its evidence and how it is set up beyond the prepared kernels and image. */
export interface GuestChoice {
  readonly qemu: string;
  readonly artifactDir: string;
  readonly seed?: string;
  readonly needs?: Needs;
  /** CPUS=, if given. */
  readonly cpus?: number;
}

/** The guest the prepared kernels and image make, as `choice` says. */
export function guestSpec(prepared: Prepared, choice: GuestChoice): GuestSpec {
  const needs = choice.needs ?? {};
  return {
    qemu: choice.qemu,
    accel: prepared.accel,
    kernel: prepared.kernel.bzImage,
    nextKernel: nextKernelOf(needs, prepared).bzImage,
    initramfs: prepared.image.initramfs,
    keys: { clientKeyFile: prepared.image.keys.clientKeyFile, hostKeyBase64: prepared.image.keys.hostKeyBlob.toString('base64') },
    cpus: Math.max(choice.cpus ?? 1, needs.cpus ?? 1),
    igb: prepared.qemuHasIgb && needs.igb === true,
    artifactDir: choice.artifactDir,
    seed: choice.seed ?? newSeed(),
  };
}

/** The context one scenario process runs with. */
export function scenarioContext(
  scenario: ScenarioEntry,
  prepared: Prepared,
  qemu: string,
  run: { readonly runId: string; readonly seed: string; readonly keep: boolean; readonly cpus?: number },
  artifactDir: string,
): ScenarioContext {
  const needs = scenario.manifest.needs ?? {};
  return {
    runId: run.runId,
    seed: run.seed,
    keep: run.keep,
    scenario: scenario.name,
    scenarioModule: moduleFor(scenario.file),
    kernel: kernelInfo(prepared.kernel),
    nextKernel: kernelInfo(nextKernelOf(needs, prepared)),
    qemuVersion: prepared.qemuVersion,
    guest: guestSpec(prepared, { qemu, artifactDir, seed: run.seed, needs, cpus: run.cpus }),
    ...(prepared.selftests ? { selftests: prepared.selftests } : {}),
  };
}

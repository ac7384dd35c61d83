// What the CLI hands a scenario process: the kernels under test and the spec of the guest to boot.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Selftests } from '../../images/selftests/build.ts';
import type { GuestSpec } from '../guest/guest-spec.ts';

export interface KernelInfo {
  readonly bzImage: string;
  readonly release: string;
  readonly identity: string;
  /** CONFIG_* options of the kernel when known (name -> value, no prefix). */
  readonly options: Readonly<Record<string, string>> | null;
}

export interface ScenarioContext {
  readonly runId: string;
  readonly scenario: string;
  /** What the scenario process imports for the scenario's definition: its module in the bundle, or its source. */
  readonly scenarioModule: string;
  readonly kernel: KernelInfo;
  /** The kernel to kexec into; the same as `kernel` unless NEXT_KERNEL was given. */
  readonly nextKernel: KernelInfo;
  /** `qemu --version`'s first line, for what a check says when the QEMU lacks a device. */
  readonly qemuVersion: string;
  /** The guest every boot of this scenario starts from; its artifact folder is the scenario's. */
  readonly guest: GuestSpec;
  /** The run seed (16 hex digits): random per run, the recorded one under REPRO=; checks derive their seeds from it. */
  readonly seed: string;
  /** KEEP=1: on a failure, leave the guest up for SSH until a signal. */
  readonly keep: boolean;
  /** The kernel source's live-update selftests, built on the host; only when a scenario of the run needs them. */
  readonly selftests?: Selftests;
}

/** Environment variable naming the context file (a file: a kernel config is too big for the environment). */
export const contextVariable = 'LUO_HARNESS_CONTEXT';

/** Write the context file a scenario process reads. */
export async function writeContext(file: string, context: ScenarioContext): Promise<void> {
  await writeFile(file, `${JSON.stringify(context, null, 2)}\n`);
}

/** Read and validate the context named by the environment, or undefined when run by hand. */
export function contextFromEnvironment(env: NodeJS.ProcessEnv = process.env): ScenarioContext | undefined {
  const file = env[contextVariable];
  if (!file) return undefined;
  const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<ScenarioContext>;
  for (const field of ['runId', 'scenario', 'scenarioModule', 'kernel', 'nextKernel', 'guest', 'seed'] as const) {
    if (value[field] === undefined) throw new Error(`${contextVariable} lacks "${field}"`);
  }
  return value as ScenarioContext;
}

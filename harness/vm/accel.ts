// Choose KVM only when it really works; otherwise TCG. Record which and why.
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';

export type Accelerator = 'kvm' | 'tcg';

export interface AcceleratorChoice {
  readonly accel: Accelerator;
  readonly reason: string;
}

/** Facts the decision is made from, gathered separately so the decision itself is a pure function. */
export interface KvmFacts {
  readonly devKvmExists: boolean;
  readonly devKvmReadWrite: boolean;
  readonly cpuHasVirtualisation: boolean;
}

/** Gather the host facts that decide whether KVM can run a guest. */
export async function gatherKvmFacts(): Promise<KvmFacts> {
  const exists = await access('/dev/kvm').then(() => true, () => false);
  const readWrite = exists && (await access('/dev/kvm', constants.R_OK | constants.W_OK).then(() => true, () => false));
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  return { devKvmExists: exists, devKvmReadWrite: readWrite, cpuHasVirtualisation: /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo) };
}

/** Decide the accelerator; a forced choice wins but is still explained. */
export function chooseAccelerator(facts: KvmFacts, forced?: Accelerator): AcceleratorChoice {
  if (forced === 'tcg') return { accel: 'tcg', reason: 'forced by ACCEL=tcg' };
  const problems: string[] = [];
  if (!facts.devKvmExists) problems.push('/dev/kvm does not exist');
  else if (!facts.devKvmReadWrite) problems.push('/dev/kvm is not readable and writable by this user');
  // /dev/kvm can exist while the CPU lacks vmx/svm (nested setups): a KVM guest then stalls.
  if (!facts.cpuHasVirtualisation) problems.push('the CPU flags lack vmx/svm');
  if (forced === 'kvm') {
    return { accel: 'kvm', reason: problems.length ? `forced by ACCEL=kvm despite: ${problems.join('; ')}` : 'forced by ACCEL=kvm' };
  }
  if (problems.length) return { accel: 'tcg', reason: `TCG because ${problems.join('; ')}` };
  return { accel: 'kvm', reason: 'KVM: /dev/kvm usable and the CPU has hardware virtualisation' };
}

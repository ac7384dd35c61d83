// Running upstream's live-update selftests in a guest: copy them in, run them, and turn each upstream case (or
// each stage of a two-stage test) into its own test point with upstream's name and verdict.
import path from 'node:path';
import type { Test } from 'tap';
import { exitVerdict, upstreamResults, type UpstreamVerdict } from '../checks/upstream-verdicts.ts';
import type { LiveGuest } from '../guest/live-guest.ts';
import type { SelftestProgram } from '../../images/selftests/build.ts';

/** Where the programs live in the guest (its /tmp is the initramfs: copied again after each kexec). */
export const guestDir = '/tmp/kselftest';

/** A stress test under TCG takes minutes; this bounds a hang. */
const programDeadline = 600_000;

/** Upstream verdicts by check id, for comparing with the harness's own scenarios (facts.upstream). */
export type UpstreamVerdicts = Record<string, UpstreamVerdict>;

/** Copy the programs' binaries from the host build folder into the guest. */
export async function installPrograms(guest: LiveGuest, dir: string, programs: readonly SelftestProgram[]): Promise<void> {
  await guest.copyIn(guestDir, programs.map((program) => path.join(dir, program.suite, program.name)));
}

/** Run a program in the guest, keeping what it printed as kselftest/gen<N>-<name><suffix>.txt. */
async function runProgram(guest: LiveGuest, program: SelftestProgram, args: string, suffix = ''): Promise<{ exitCode: number; output: string }> {
  const run = await guest.run(`cd ${guestDir} && ./${program.name}${args ? ` ${args}` : ''} 2>&1`, programDeadline);
  const exitCode = run.exitCode ?? -1;
  await guest.save(`kselftest/gen${guest.generation.index}-${program.name}${suffix}.txt`, `${run.stdout}${run.stderr}\n# exit ${exitCode}${run.signal ? ` (${run.signal})` : ''}\n`);
  return { exitCode, output: `${run.stdout}${run.stderr}` };
}

/** One test point with upstream's verdict: pass, fail with upstream's message, or skip with upstream's reason. */
function report(t: Test, verdicts: UpstreamVerdicts, id: string, name: string, verdict: UpstreamVerdict, reason?: string): void {
  verdicts[id] = verdict;
  const label = `[${id}] ${name}`;
  if (verdict === 'pass') t.pass(label);
  else if (verdict === 'skip') t.pass(label, { skip: reason ?? 'skipped' });
  else t.fail(label, { upstream: reason ?? 'failed' });
}

/** A KTAP program: each case it reports becomes a point; a crash, an unkept plan or a bad exit becomes one too. */
export async function runKtapProgram(t: Test, guest: LiveGuest, verdicts: UpstreamVerdicts, program: SelftestProgram, args = ''): Promise<void> {
  const { exitCode, output } = await runProgram(guest, program, args);
  const ktap = upstreamResults(output);
  const prefix = `upstream/${program.name}`;
  // Text that is not KTAP judges nothing, but a program printing it is worth a look: said, never dropped.
  if (ktap.unreadable.length > 0) {
    const first = ktap.unreadable.slice(0, 3).map((entry) => `line ${entry.line}: ${entry.text}`);
    t.comment(`${program.name}: ${ktap.unreadable.length} output line(s) are not KTAP (${first.join('; ')}${ktap.unreadable.length > 3 ? '; ...' : ''})`);
  }
  if (ktap.skippedAll !== undefined || (ktap.cases.length === 0 && exitCode === 4)) {
    report(t, verdicts, prefix, `${program.name}: skipped as a whole`, 'skip', ktap.skippedAll ?? exitVerdict(exitCode, output).reason);
    return;
  }
  for (const test of ktap.cases) report(t, verdicts, `${prefix}/${test.name}`, `${program.name}: ${test.name}`, test.verdict, test.reason);
  const failedCase = ktap.cases.some((test) => test.verdict === 'fail');
  // What no case line says: the program died, stopped short of its plan, or exited non-zero with every case passing.
  if (ktap.bailedOut !== undefined || (ktap.planned !== undefined && ktap.planned !== ktap.cases.length) || (exitCode !== 0 && !failedCase)) {
    const why = ktap.bailedOut ?? `planned ${ktap.planned ?? '?'} cases, reported ${ktap.cases.length}, exit ${exitCode}`;
    t.fail(`[${prefix}/completed] ${program.name} ran to its end (${why})`, { upstream: output.split('\n').slice(-10).join('\n') });
  }
}

/** One stage of a two-stage program: verdict by ksft exit status, upstream's last message as the reason. */
export async function runStage(t: Test, guest: LiveGuest, verdicts: UpstreamVerdicts, program: SelftestProgram, stage: 1 | 2, device?: string): Promise<UpstreamVerdict> {
  const { exitCode, output } = await runProgram(guest, program, `-s ${stage}${device ? ` ${device}` : ''}`, `-stage-${stage}`);
  const { verdict, reason } = exitVerdict(exitCode, output);
  report(t, verdicts, `upstream/${program.name}/stage-${stage}`, `${program.name} -s ${stage}${device ? ` ${device}` : ''}: ${stageDoes[stage]}`, verdict, reason);
  return verdict;
}

const stageDoes = { 1: 'preserves its state and leaves a process holding the sessions', 2: 'after the kexec, retrieves and verifies it' } as const;

/** Stage 2 of a program whose stage 1 did not pass has nothing to verify: a skip that says why. */
export function skipStage2(t: Test, verdicts: UpstreamVerdicts, program: SelftestProgram, stage1: UpstreamVerdict): void {
  report(t, verdicts, `upstream/${program.name}/stage-2`, `${program.name} -s 2: after the kexec, retrieves and verifies it`, 'skip', `stage 1 did not pass (${stage1})`);
}

/** A program that does not run here (not built, left out, or its device missing): one skipped point with the reason. */
export function skipProgram(t: Test, verdicts: UpstreamVerdicts, program: SelftestProgram, reason: string): void {
  report(t, verdicts, `upstream/${program.name}`, `${program.name}: skipped as a whole`, 'skip', reason);
}

/** A device a VFIO selftest runs on. */
export interface SelftestDevice {
  readonly bdf: string;
  readonly model: 'igb' | 'edu';
}

/** A program that runs, and the device it is given (none for the liveupdate suite). */
export interface PlannedRun {
  readonly program: SelftestProgram;
  readonly device?: SelftestDevice;
}

/**
 * Each program's lot in this guest: it runs, on its device if it takes one, or it is a skip with the reason. The
 * VFIO device tests get the igb (upstream's drivers know no edu). The live-update ones get the igb too, where
 * upstream's igb driver keeps DMA going across the kexec, and else the first edu, which they can preserve idle.
 */
export function planPrograms(
  programs: readonly SelftestProgram[],
  guest: { readonly igb?: string; readonly edu?: string; readonly igbMissing: string },
): { readonly runs: readonly PlannedRun[]; readonly skips: readonly { readonly program: SelftestProgram; readonly reason: string }[] } {
  const igb: SelftestDevice | undefined = guest.igb ? { bdf: guest.igb, model: 'igb' } : undefined;
  const any: SelftestDevice | undefined = igb ?? (guest.edu ? { bdf: guest.edu, model: 'edu' } : undefined);
  const runs: PlannedRun[] = [];
  const skips: { program: SelftestProgram; reason: string }[] = [];
  for (const program of programs) {
    const device = program.device === 'igb' ? igb : program.device === 'any' ? any : undefined;
    if (program.notRun) skips.push({ program, reason: program.notRun });
    else if (program.device && !device) skips.push({ program, reason: program.device === 'igb' ? guest.igbMissing : 'the guest has no device to hand to VFIO' });
    else runs.push(device ? { program, device } : { program });
  }
  return { runs, skips };
}

/**
 * Cases left out under TCG, by program. vfio_pci_driver_test maps and pins a fresh 1 GiB region at every case's
 * set-up, in each of its five IOMMU modes, and a guest zeroing 1 GiB takes seconds under TCG: 138 s for the whole
 * program. Under TCG it runs in iommufd mode only, the mode the harness's own igb checks and the VFIO live-update
 * series use; under KVM every mode runs.
 */
const narrowedUnderTcg: Readonly<Record<string, { readonly filter: string; readonly leftOut: string }>> = {
  vfio_pci_driver_test: {
    filter: '-v iommufd',
    leftOut: 'its vfio_type1_iommu, vfio_type1v2_iommu, iommufd_compat_type1 and iommufd_compat_type1v2 variants are not run under TCG (each case pins a fresh 1 GiB region); iommufd runs',
  },
};

/** A KTAP program's arguments (upstream's case filter, then the device: libvfio takes trailing BDFs), and what that filter leaves out. */
export function ktapArguments(program: SelftestProgram, accel: 'kvm' | 'tcg', bdf: string | undefined): { readonly args: string; readonly leftOut?: string } {
  const narrowed = accel === 'tcg' ? narrowedUnderTcg[program.name] : undefined;
  const args = [narrowed?.filter, bdf].filter((part) => part).join(' ');
  return narrowed ? { args, leftOut: narrowed.leftOut } : { args };
}

/** The cases a filter left out: one skipped point (the harness's, not an upstream verdict), so none goes missing silently. */
export function reportLeftOut(t: Test, program: SelftestProgram, leftOut: string): void {
  t.pass(`[upstream/${program.name}/left-out] ${program.name}: cases not run`, { skip: leftOut });
}

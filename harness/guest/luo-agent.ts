// Typed calls of the guest helper luo-agent over SSH; every run's output is kept as an artifact.
import { formatMemfdSpec, type MemfdSpec } from '../checks/pattern.ts';
import { GuestError } from '../errors.ts';
import type { GuestAccess } from './guest-access.ts';
import { helperFailure, runGuestHelper, type HelperRecorder, type HelperRun } from './guest-helper.ts';
import { describeErrors, pickEvents, pickOnlyEvent } from '../formats/json-lines.ts';
import { parseLuoAgentLines, type LuoAgentEvent, type LuoProbeEvent, type LuoReadyEvent, type LuoRetrieveEvent, type LuoUapiEvent, type LuoVerifiedEvent } from './luo-agent-output.ts';

export type AgentRun = HelperRun<LuoAgentEvent>;

/** What verify or carry reported: luo-agent's verdict on each memfd it could check, and what went wrong otherwise. */
export interface VerifyResult extends AgentRun {
  readonly verified: LuoVerifiedEvent[];
  readonly finished: string[];
  /** Holder keeping sessions open: the retrieved ones (verify --hold) or the new one (carry). */
  readonly holder?: LuoReadyEvent;
  /** The error events, described: a memfd not retrieved or checked, a FINISH refused, a carry not completed. */
  readonly errors: string[];
}

/** Seconds a luo-agent call may take: 256 MiB fill or verify under TCG takes a few seconds. */
const agentTimeoutMs = 300_000;
const helper = 'luo-agent';

/** luo-agent in one guest. */
export class LuoAgent {
  /** Pattern and seed of every memfd preserved, as `session/token`: what a rerun must find the same. */
  readonly seeds: Record<string, string> = {};

  constructor(
    private readonly guest: GuestAccess,
    private readonly record: HelperRecorder,
  ) {}

  /** Run luo-agent with arguments; parse its JSON lines (exit status is reported, not judged; bad usage throws). */
  run(step: string, args: readonly string[]): Promise<AgentRun> {
    return runGuestHelper(this.guest, this.record, step, helper, args, parseLuoAgentLines, agentTimeoutMs);
  }

  /** What this kernel can do: /dev/liveupdate, memfd preservation. */
  async probe(): Promise<LuoProbeEvent> {
    return pickOnlyEvent((await this.run('probe', ['probe'])).events, 'probe', helper);
  }

  /** Create sessions, fill and preserve memfds, leave a holder running until the kexec; a failure is a GuestError. */
  async prepare(specs: readonly MemfdSpec[], options: { seal?: boolean; close?: readonly string[] } = {}): Promise<LuoReadyEvent> {
    const args = ['prepare', ...specs.map((spec) => formatMemfdSpec(spec.session, spec.entries))];
    for (const spec of specs) for (const entry of spec.entries) this.seeds[`${spec.session}/${entry.token}`] = `${entry.kind}:${entry.seed}`;
    if (options.seal) args.push('--seal');
    for (const name of options.close ?? []) args.push('--close', name);
    const run = await this.run(`prepare-${specs.map((spec) => spec.session).join('+')}`, args);
    if (run.exitCode !== 0) throw new GuestError(helperFailure(run));
    return pickOnlyEvent(run.events, 'ready', helper);
  }

  /** Retrieve sessions, check every memfd, FINISH; `hold` keeps the sessions open afterwards. Failures are in the result. */
  async verify(specs: readonly MemfdSpec[], options: { seal?: boolean; hold?: boolean } = {}): Promise<VerifyResult> {
    const args = ['verify', ...specs.map((spec) => formatMemfdSpec(spec.session, spec.entries))];
    if (options.seal) args.push('--seal');
    if (options.hold) args.push('--hold');
    return verifyResult(await this.run(`verify-${specs.map((spec) => spec.session).join('+')}`, args));
  }

  /**
   * Retrieve and verify a session, rewrite its memfds with seed+reseed, preserve them in a new session, hold.
   * A memfd that fails its check is still carried; its verdict is in the result, as is any error. `ready` is the
   * holder of the new session, absent when the carry did not get that far.
   */
  async carry(from: MemfdSpec, to: string, reseed: bigint): Promise<VerifyResult & { ready: LuoReadyEvent | undefined }> {
    const args = ['carry', formatMemfdSpec(from.session, from.entries), '--to', to, '--reseed', String(reseed)];
    const result = verifyResult(await this.run(`carry-${from.session}-to-${to}`, args));
    // Success without a holder would leave the next kernel nothing to find: the output is wrong, not the kernel.
    if (result.exitCode === 0) pickOnlyEvent(result.events, 'ready', helper);
    return { ...result, ready: result.holder };
  }

  /** Try RETRIEVE_SESSION of a name and report the kernel's answer. */
  async retrieve(session: string): Promise<LuoRetrieveEvent> {
    return pickOnlyEvent((await this.run(`retrieve-${session}`, ['retrieve', session])).events, 'retrieve', helper);
  }

  /** Misuse the uAPI in every way kernel/liveupdate documents an answer for: one verdict per case (luo-agent decides). */
  async uapi(): Promise<{ run: AgentRun; cases: LuoUapiEvent[]; errors: string }> {
    const run = await this.run('uapi', ['uapi']);
    return { run, cases: pickEvents(run.events, 'uapi'), errors: describeErrors(run.events).join('; ') };
  }

  /** End a holder process (its sessions close: before kexec that unpreserves them). */
  async stopHolder(holder: LuoReadyEvent): Promise<void> {
    await this.guest.check(`kill ${holder.pid}`);
  }
}

function verifyResult(run: AgentRun): VerifyResult {
  return {
    ...run,
    verified: pickEvents(run.events, 'verified'),
    finished: pickEvents(run.events, 'finished').map((event) => event.session),
    holder: pickEvents(run.events, 'ready')[0],
    errors: describeErrors(run.events),
  };
}

// Typed calls of the guest helper luo-agent over SSH; every run's output is kept as an artifact.
import { formatMemfdSpec, type MemfdSpec } from '../checks/pattern.ts';
import { GuestError } from '../errors.ts';
import { runGuestHelper, type HelperRecorder, type HelperRun } from './guest-helper.ts';
import type { LiveGuest } from './live-guest.ts';
import {
  describeLuoErrors,
  luoEventsNamed,
  onlyLuoEventNamed,
  parseLuoAgentLines,
  type LuoAgentEvent,
  type LuoProbeEvent,
  type LuoReadyEvent,
  type LuoRetrieveEvent,
  type LuoVerifiedEvent,
} from './luo-agent-output.ts';

export type AgentRun = HelperRun<LuoAgentEvent>;

export interface VerifyResult extends AgentRun {
  readonly verified: LuoVerifiedEvent[];
  readonly finished: string[];
  /** Holder keeping the retrieved sessions open (verify --hold). */
  readonly holder?: LuoReadyEvent;
}

/** Seconds a luo-agent call may take: 256 MiB fill or verify under TCG takes a few seconds. */
const agentTimeoutMs = 300_000;

/** luo-agent in one guest. */
export class LuoAgent {
  constructor(
    private readonly guest: LiveGuest,
    private readonly record: HelperRecorder,
  ) {}

  /** Run luo-agent with arguments; parse its JSON lines (exit status is reported, not judged). */
  run(step: string, args: readonly string[]): Promise<AgentRun> {
    return runGuestHelper(this.guest, this.record, step, 'luo-agent', args, parseLuoAgentLines, agentTimeoutMs);
  }

  /** What this kernel can do: /dev/liveupdate, memfd preservation. */
  async probe(): Promise<LuoProbeEvent> {
    return onlyLuoEventNamed((await this.run('probe', ['probe'])).events, 'probe');
  }

  /** Create sessions, fill and preserve memfds, leave a holder running until the kexec. */
  async prepare(specs: readonly MemfdSpec[], options: { seal?: boolean; close?: readonly string[] } = {}): Promise<LuoReadyEvent> {
    const args = ['prepare', ...specs.map((spec) => formatMemfdSpec(spec.session, spec.entries))];
    if (options.seal) args.push('--seal');
    for (const name of options.close ?? []) args.push('--close', name);
    const run = await this.run(`prepare-${specs.map((spec) => spec.session).join('+')}`, args);
    return expectSuccess(run, 'ready');
  }

  /** Retrieve sessions, check every memfd, FINISH (unless noFinish); `hold` keeps the sessions open afterwards. */
  async verify(specs: readonly MemfdSpec[], options: { seal?: boolean; noFinish?: boolean; hold?: boolean } = {}): Promise<VerifyResult> {
    const args = ['verify', ...specs.map((spec) => formatMemfdSpec(spec.session, spec.entries))];
    if (options.seal) args.push('--seal');
    if (options.noFinish) args.push('--no-finish');
    if (options.hold) args.push('--hold');
    const run = await this.run(`verify-${specs.map((spec) => spec.session).join('+')}`, args);
    return {
      ...run,
      verified: luoEventsNamed(run.events, 'verified'),
      finished: luoEventsNamed(run.events, 'finished').map((event) => event.session),
      holder: luoEventsNamed(run.events, 'ready')[0],
    };
  }

  /** Retrieve and verify a session, rewrite its memfds with seed+reseed, preserve them in a new session, hold. */
  async carry(from: MemfdSpec, to: string, reseed: bigint): Promise<VerifyResult & { ready: LuoReadyEvent }> {
    const run = await this.run(`carry-${from.session}-to-${to}`, ['carry', formatMemfdSpec(from.session, from.entries), '--to', to, '--reseed', String(reseed)]);
    const ready = expectSuccess(run, 'ready');
    return {
      ...run,
      ready,
      verified: luoEventsNamed(run.events, 'verified'),
      finished: luoEventsNamed(run.events, 'finished').map((event) => event.session),
    };
  }

  /** Try RETRIEVE_SESSION of a name and report the kernel's answer. */
  async retrieve(session: string): Promise<LuoRetrieveEvent> {
    return onlyLuoEventNamed((await this.run(`retrieve-${session}`, ['retrieve', session])).events, 'retrieve');
  }

  /** End a holder process (its sessions close: before kexec that unpreserves them). */
  async stopHolder(holder: LuoReadyEvent): Promise<void> {
    await this.guest.check(`kill ${holder.pid}`);
  }
}

/** The one event of a successful run, or a GuestError with the agent's errors. */
function expectSuccess<N extends 'ready'>(run: AgentRun, name: N): Extract<LuoAgentEvent, { event: N }> {
  if (run.exitCode !== 0) {
    const errors = describeLuoErrors(run.events);
    throw new GuestError(`${run.command} exited ${run.exitCode}: ${errors.join('; ') || run.stderr.trim() || 'no error reported'}`);
  }
  return onlyLuoEventNamed(run.events, name);
}

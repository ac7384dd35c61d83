// The seeds a guest helper's steps get: derived from the run seed, fresh per step and generation, the same in a
// rerun, and each one recorded for repro.json.
import { createHash } from 'node:crypto';
import type { GuestAccess } from './guest-access.ts';

export class StepSeeds {
  /** Every seed handed out, by generation and step. */
  readonly byStep: Record<string, number> = {};

  /** `scope` keeps two helpers' steps of the same name apart ("" or "igb/"). */
  constructor(
    private readonly guest: Pick<GuestAccess, 'seed' | 'generation'>,
    private readonly scope: string,
  ) {}

  /** A 48-bit seed for one step. */
  seedFor(step: string): number {
    const generation = this.guest.generation.index;
    const seed = createHash('sha256').update(`${this.guest.seed}/gen${generation}/${this.scope}${step}`).digest().readUIntBE(0, 6);
    this.byStep[`gen${generation}/${step}`] = seed;
    return seed;
  }
}

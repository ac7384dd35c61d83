// How an update from one kernel to another ended, from what its scenarios found: the data arrived intact, the new
// kernel refused it loudly (a panic, or /dev/liveupdate unusable with a log line saying why: acceptable, as a next
// kernel that cannot read the state must fail that way), or it was lost or corrupted silently (a failure).
import type { ErrorRecord } from '../errors.ts';
import type { Handover } from './handover.ts';

export type UpdateOutcome = 'intact' | 'refused' | 'lost' | 'broken' | 'not-tested';

/** What the classification reads of one scenario of the update. */
export interface UpdateScenario {
  readonly name: string;
  /** As judged with EXPECT=: an expected failure counts as passing. */
  readonly verdict: 'pass' | 'fail' | 'skip';
  readonly error?: ErrorRecord;
  /** Ids of its checks that failed unexpectedly. */
  readonly failed: readonly string[];
  /** What the update handed over, when the scenario records it. */
  readonly handover?: Handover;
}

export interface UpdateVerdict {
  readonly outcome: UpdateOutcome;
  /** Whether the outcome is acceptable: intact, or refused loudly. */
  readonly acceptable: boolean;
  /** The lines that decided it. */
  readonly evidence: readonly string[];
}

/** Error codes of a harness that could not test (the build, QEMU), not of a kernel that did something. */
const notTestedCodes = new Set(['INFRA', 'MISSING_TOOL', 'INTERRUPTED', 'TIMEOUT']);

/** Classify one update (one ordered pair of kernels) by its scenarios' results. */
export function classifyUpdate(scenarios: readonly UpdateScenario[]): UpdateVerdict {
  const notTested = scenarios.filter((scenario) => scenario.error && notTestedCodes.has(scenario.error.code));
  if (notTested.length > 0) return verdict('not-tested', notTested.map((scenario) => `${scenario.name}: ${scenario.error?.code}: ${scenario.error?.message}`));
  const handovers = scenarios.flatMap((scenario) => (scenario.handover ? [{ name: scenario.name, handover: scenario.handover }] : []));
  const failing = scenarios.filter((scenario) => scenario.verdict === 'fail');
  if (failing.length === 0) {
    return verdict('intact', handovers.map(({ name, handover }) => `${name}: ${handover.memfds.intact} memfds intact on ${handover.release} (liveupdate number ${handover.liveupdateNumber ?? 'none'})`));
  }
  const panicked = failing.find((scenario) => /Kernel panic|guest panicked/.test(scenario.error?.message ?? ''));
  if (panicked) return verdict('refused', [`${panicked.name}: ${panicked.error?.message ?? ''}`]);
  const corrupt = handovers.filter(({ handover }) => handover.memfds.corrupt > 0);
  if (corrupt.length > 0) {
    return verdict('lost', corrupt.map(({ name, handover }) => `${name}: ${handover.memfds.corrupt} memfds came back with other contents on ${handover.release}: ${handover.errors.join('; ') || 'see its checks'}`));
  }
  const missing = handovers.filter(({ handover }) => handover.memfds.unverified > 0);
  if (missing.length > 0) {
    const loud = missing.filter(({ handover }) => handover.openErrno !== null && handover.warnings.length > 0);
    if (loud.length === missing.length) {
      return verdict('refused', loud.flatMap(({ name, handover }) => [`${name}: /dev/liveupdate fails with ${handover.openErrno ?? ''} on ${handover.release}`, ...handover.warnings]));
    }
    return verdict(
      'lost',
      missing.map(({ name, handover }) => `${name}: ${handover.memfds.unverified} memfds did not come back on ${handover.release}, and the kernel ${handover.warnings.length > 0 ? `said ${handover.warnings.join('; ')}` : 'said nothing'} (/dev/liveupdate: ${handover.openErrno ?? 'opens'})`),
    );
  }
  return verdict('broken', failing.map((scenario) => `${scenario.name}: ${scenario.error ? `${scenario.error.code}: ${scenario.error.message}` : `failed ${scenario.failed.join(', ')}`}`));
}

function verdict(outcome: UpdateOutcome, evidence: readonly string[]): UpdateVerdict {
  return { outcome, acceptable: outcome === 'intact' || outcome === 'refused', evidence };
}

// scenario.json: what a scenario process leaves for the run (which reads it back into summary.json).
import type { ErrorRecord } from '../errors.ts';
import type { Generation } from '../guest/guest-access.ts';
import type { PhaseRecord } from './timeline.ts';

export interface ScenarioRecord {
  readonly scenario: string;
  readonly kernel: string;
  readonly nextKernel: string;
  readonly accel: unknown;
  readonly phases: readonly PhaseRecord[];
  readonly generations: readonly (readonly Generation[])[];
  /** The scenario's own facts, in the shape its manifest gives. */
  readonly facts: Record<string, unknown>;
  /** The first boot failed and was retried: what it said, and where its serial log went. */
  readonly flakyBoot?: FlakyBoot;
  /** What the checks derived from the run seed or chose themselves, by step: what REPRO= repeats. */
  readonly seeds?: Record<string, unknown>;
  /** The largest resident memory of the scenario's QEMUs. */
  readonly qemuPeakRssMiB?: number;
  readonly error?: ErrorRecord;
}

export interface FlakyBoot {
  readonly firstAttempt: string;
  readonly serialLog: string;
}

export const scenarioRecordFile = 'scenario.json';

// Named phases with durations and outcomes: what summary.json reports per scenario.
export interface PhaseRecord {
  readonly name: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly outcome: 'ok' | 'failed';
  readonly error?: string;
}

/** Records phases in order. */
export class Timeline {
  readonly phases: PhaseRecord[] = [];

  /** Record a phase measured elsewhere (a part of a larger phase). */
  record(name: string, startedAt: Date, durationMs: number): void {
    this.phases.push({ name, startedAt: startedAt.toISOString(), durationMs, outcome: 'ok' });
  }

  /**
   * Time one phase; the record is kept whether it succeeds or throws. `since`: the phase began earlier (work already
   * under way), and its duration counts from then.
   */
  async phase<T>(name: string, work: () => Promise<T>, since?: { readonly startedAt: Date; readonly start: number }): Promise<T> {
    const startedAt = (since?.startedAt ?? new Date()).toISOString();
    const start = since?.start ?? performance.now();
    try {
      const result = await work();
      this.phases.push({ name, startedAt, durationMs: Math.round(performance.now() - start), outcome: 'ok' });
      return result;
    } catch (error) {
      this.phases.push({
        name,
        startedAt,
        durationMs: Math.round(performance.now() - start),
        outcome: 'failed',
        error: error instanceof Error ? error.message.split('\n')[0] : String(error),
      });
      throw error;
    }
  }
}

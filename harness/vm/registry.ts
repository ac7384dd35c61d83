// Every live machine, so that a signal to a scenario process can end them all and every wait on them.

/** Anything that can be aborted: its waits end with the reason, then it shuts down. */
export interface AbortTarget {
  abort(reason: Error): Promise<void>;
}

export const liveMachines = new Set<AbortTarget>();

/** Abort every live machine with one reason; resolves once all are down. */
export async function abortLiveMachines(reason: Error): Promise<void> {
  await Promise.allSettled([...liveMachines].map((machine) => machine.abort(reason)));
}

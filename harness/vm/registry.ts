// Every live machine, so that a signal to a scenario process can end them all and every wait on them.

/** Anything that can be aborted: its waits end with the reason, then it shuts down. */
export interface AbortTarget {
  abort(reason: Error): Promise<void>;
}

export const liveMachines = new Set<AbortTarget>();

/** Set by abortLiveMachines: a machine that starts afterwards is aborted at once with the same reason. */
let abortedWith: Error | undefined;

/** Abort every live machine with one reason; resolves once all are down. */
export async function abortLiveMachines(reason: Error): Promise<void> {
  abortedWith ??= reason;
  await Promise.allSettled([...liveMachines].map((machine) => machine.abort(reason)));
}

/** Track a machine; one starting after an abort (a signal while QEMU was being set up) is aborted too. */
export function registerMachine(machine: AbortTarget): void {
  liveMachines.add(machine);
  if (abortedWith) void machine.abort(abortedWith);
}

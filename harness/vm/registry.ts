// Every live machine, so a signal to the harness can shut them all down.

/** Anything that can be shut down. */
export interface ShutdownTarget {
  shutdown(): Promise<void>;
}

export const liveMachines = new Set<ShutdownTarget>();

/** On SIGINT/SIGTERM, shut every live machine down, then exit with the conventional code. */
export function shutdownMachinesOnSignals(): void {
  const handle = (signal: NodeJS.Signals, code: number) => {
    process.once(signal, () => {
      void Promise.allSettled([...liveMachines].map((machine) => machine.shutdown())).then(() => process.exit(code));
    });
  };
  handle('SIGINT', 130);
  handle('SIGTERM', 143);
}

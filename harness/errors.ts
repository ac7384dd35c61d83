// Error classes with stable codes; the CLI's one top-level catch maps them to exit codes.

/** Every exit code the CLI returns, chosen so `git bisect run` can use them (125 = skip this commit). */
export const ExitCode = {
  pass: 0,
  checkFailed: 1,
  badInput: 2,
  /** `make bench`: every measurement taken, at least one over its target. */
  benchTargetMissed: 3,
  couldNotTest: 125,
  /** SIGINT or SIGTERM ended the run; what was judged so far is still written. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base of every error the harness raises on purpose. */
export class HarnessError extends Error {
  readonly code: string = 'HARNESS';
  readonly exitCode: ExitCodeValue = ExitCode.couldNotTest;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The user gave something unusable: names the input and the fix. */
export class BadInputError extends HarnessError {
  override readonly code = 'BAD_INPUT';
  override readonly exitCode = ExitCode.badInput;
}

/** A host tool the harness needs is absent. */
export class MissingToolError extends HarnessError {
  override readonly code = 'MISSING_TOOL';
  override readonly exitCode = ExitCode.couldNotTest;
}

/** The guest misbehaved: panic, crash, helper failure, output of the wrong shape. */
export class GuestError extends HarnessError {
  override readonly code = 'GUEST';
  override readonly exitCode = ExitCode.checkFailed;
}

/** The guest kernel panicked (its console said so, or pvpanic fired): a kernel's outcome, not only a failure. */
export class GuestPanicError extends GuestError {}

/** Something did not happen before its deadline. */
export class TimeoutError extends HarnessError {
  override readonly code = 'TIMEOUT';
  override readonly exitCode = ExitCode.checkFailed;
}

/** Infrastructure (build, QEMU start) failed: the kernel under test was not judged. */
export class InfrastructureError extends HarnessError {
  override readonly code = 'INFRA';
  override readonly exitCode = ExitCode.couldNotTest;
}

/** A signal ended the work before it was done. */
export class InterruptedError extends HarnessError {
  override readonly code = 'INTERRUPTED';
  override readonly exitCode = ExitCode.interrupted;
}

/** An error as it crosses a process boundary (scenario.json): the first line is the message, the rest detail. */
export interface ErrorRecord {
  readonly code: string;
  readonly message: string;
  /** Evidence that does not fit on one line, such as a serial tail. */
  readonly detail?: string;
}

/** Structure any thrown value for scenario.json; errors the harness did not raise on purpose get code INTERNAL. */
export function errorRecord(error: unknown): ErrorRecord {
  const code = error instanceof HarnessError ? error.code : 'INTERNAL';
  const text = error instanceof Error ? error.message : String(error);
  const [message = '', ...rest] = text.split('\n');
  const detail = rest.join('\n').trim();
  return detail ? { code, message, detail } : { code, message };
}

/** Codes whose failure means the harness could not judge the kernel (exit 125 when every failure is one). */
export const couldNotTestCodes: ReadonlySet<string> = new Set(['INFRA', 'MISSING_TOOL']);

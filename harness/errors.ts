// Error classes with stable codes; the CLI's one top-level catch maps them to exit codes.

/** Exit codes, chosen so `git bisect run make scenario ...` works. */
export const ExitCode = {
  pass: 0,
  scenarioFailed: 1,
  badInput: 2,
  couldNotTest: 125,
} as const;

/** Base of every error the harness raises on purpose. */
export class HarnessError extends Error {
  readonly code: string = 'HARNESS';
  readonly exitCode: number = ExitCode.couldNotTest;
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

/** The guest misbehaved: panic, crash, helper failure. */
export class GuestError extends HarnessError {
  override readonly code = 'GUEST';
  override readonly exitCode = ExitCode.scenarioFailed;
}

/** Something did not happen before its deadline. */
export class TimeoutError extends HarnessError {
  override readonly code = 'TIMEOUT';
  override readonly exitCode = ExitCode.scenarioFailed;
}

/** Infrastructure (build, QEMU start) failed: the kernel under test was not judged. */
export class InfrastructureError extends HarnessError {
  override readonly code = 'INFRA';
  override readonly exitCode = ExitCode.couldNotTest;
}

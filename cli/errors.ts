/**
 * The one error type for expected, user-facing failures, and the exit-code table.
 * Only cli/program.ts turns an error into an exit code; everything else throws.
 */

export const EXIT_CODES = {
  OK: 0,
  /** Unexpected failure: a bug in hdoc (shown with a hint to re-run with --verbose). */
  INTERNAL: 1,
  /** Bad flags, arguments, settings file or other input the user can fix. */
  USAGE: 2,
  /** No credentials, unknown profile, expired session, MFA code rejected. */
  AUTH: 3,
  /** AWS answered with an error (access denied, invalid input, throttled...). */
  AWS: 4,
  /** The AWS endpoint could not be reached (DNS, refused, timeout). */
  NETWORK: 5,
  /** Something named does not exist (stack, parameter, credential, template file). */
  NOT_FOUND: 6,
  /** The operation ran and failed (deploy rolled back, build error, import after delete). */
  FAILED: 7,
  /** A confirmation was needed and --yes was not given (not interactive). */
  ABORTED: 8,
  /** The user answered "no": nothing changed (printed as a plain line, not as an error). */
  DECLINED: 8,
  /** A status check found the thing not usable (e.g. `hdoc mfa status` on an expired session). */
  NOT_VALID: 9,
  /** The stack is busy: an operation or another deploy's change set is in flight (follow it with --watch). */
  BUSY: 10,
  /** The stack exists but nothing was deployed into it yet (REVIEW_IN_PROGRESS: a change set was never executed). */
  NOT_DEPLOYED: 11,
  /** The last operation failed and CloudFormation rolled it back (ROLLBACK_COMPLETE, UPDATE_ROLLBACK_COMPLETE). */
  ROLLED_BACK: 12,
  /** Ctrl-C / SIGINT (the message says what was left in which state). */
  INTERRUPTED: 130,
} as const;

export type ErrorCode = keyof typeof EXIT_CODES;

export class HdocError extends Error {
  override readonly name = "HdocError";
  constructor(
    readonly code: Exclude<ErrorCode, "OK">,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

export const isHdocError = (e: unknown): e is HdocError => e instanceof HdocError;

/** Turns an interrupted prompt (Ctrl-C) into the INTERRUPTED error; passes anything else on. */
export function interruptedOr(e: unknown): unknown {
  if (e instanceof Error && (e.name === "ExitPromptError" || e.name === "AbortPromptError")) {
    return new HdocError("INTERRUPTED", "interrupted");
  }
  return e;
}

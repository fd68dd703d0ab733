// Errors with a known, user-facing reason, thrown anywhere in main (the vision engine, the frame
// handler, the admin handlers) and answered by dispatch with their code, never logged as bugs.
// Anything else a handler throws is a bug: logged with its stack and answered `internal`.
import type { ErrorCode } from './channels';
import type { Message } from './messages';

/** What was thrown, in one line for a log or a message: an Error's message, or the value itself. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class KioskError extends Error {
  constructor(
    readonly code: Extract<ErrorCode, 'unavailable' | 'busy' | 'forbidden' | 'invalid_input'>,
    message: string,
    /** What the screen says about it, in the visitor's language. */
    readonly notice?: Message,
  ) {
    super(message);
  }
}

/** Cannot run now for a reason the screen can say (the vision engine restarting, set-up not done). */
export class UnavailableError extends KioskError {
  override name = 'UnavailableError';
  constructor(message: string, notice?: Message) {
    super('unavailable', message, notice);
  }
}

/** Must wait for a call already running (a second frame in flight). */
export class BusyError extends KioskError {
  override name = 'BusyError';
  constructor(message: string) {
    super('busy', message);
  }
}

/** Not allowed to the caller (admin channels while locked). */
export class ForbiddenError extends KioskError {
  override name = 'ForbiddenError';
  constructor(message: string) {
    super('forbidden', message);
  }
}

/** Well-formed but not acceptable as it stands, for a reason the screen can say (a password to type again). */
export class InvalidInputError extends KioskError {
  override name = 'InvalidInputError';
  constructor(message: string, notice?: Message) {
    super('invalid_input', message, notice);
  }
}

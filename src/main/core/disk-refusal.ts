// A file the disk will not take (full, read-only, no permission, a stick pulled out) is no bug:
// staff can act on it. The admin channels that write files answer it with a message the screen
// says in the staff's language, and leave what was there before.
import { errorMessage, UnavailableError } from '../../shared/errors';
import { message } from '../../shared/messages';

const REFUSALS = new Set([
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EACCES',
  'EPERM',
  'EIO',
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'EBUSY',
  'ENXIO',
  'ENODEV',
]);

/** Whether `err` is the file system refusing a write, rather than a fault of the kiosk's own. */
export function refusedByDisk(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && REFUSALS.has(code);
}

/**
 * Runs `write`; a refusal by the disk becomes an `unavailable` answer saying so (and is logged
 * as a warning, since dispatch logs only bugs). Anything else is thrown as it is.
 */
export async function orNotSaved<T>(what: string, write: () => T | Promise<T>, log: (message: string) => void): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!refusedByDisk(err)) throw err;
    log(`${what} not saved: ${errorMessage(err)}`);
    throw new UnavailableError(`${what} not saved: ${errorMessage(err)}`, message('not_saved', { detail: errorMessage(err) }));
  }
}

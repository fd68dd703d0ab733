// Admin access and the violation-log review, over the IPC contract. Everything here needs an
// unlocked admin session, except asking the state, unlocking, and setting the very first PIN.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RefusedAttempts } from '../../shared/admin';
import { ForbiddenError, UnavailableError } from '../../shared/errors';
import { type AdminPin, DAMAGED_PIN_MESSAGE } from '../config/admin-pin';
import { csvLines, daysCsvLines } from '../log/csv';
import type { ViolationLog } from '../log/violation-log';
import { exportName, writeCsvExport } from './csv-export';
import { orNotSaved } from './disk-refusal';
import type { Handlers } from './ipc-dispatch';

export const ADMIN_IDLE_MS = 5 * 60_000;

export interface AdminDeps {
  pin: AdminPin;
  log: ViolationLog | null;
  /** Asks where to save a file (a save dialog in Electron); null when cancelled. */
  chooseSavePath: (suggestedName: string) => Promise<string | null>;
  /** Leaves kiosk mode (Electron: quits the kiosk window). */
  exitKiosk: () => void;
  audit: (message: string) => void;
  /** The newest lines of the app's own log. */
  appLogTail: (lines: number) => string[];
  now?: () => number;
  /** Milliseconds on a clock that only runs forward (the idle lock's): setting the PC's clock back cannot stretch it. */
  elapsed?: () => number;
}

type AdminChannels = 'admin:state' | 'admin:setPin' | 'admin:unlock' | 'admin:lock' | 'app:exitKiosk' | `log:${string}`;

export function createAdminHandlers(deps: AdminDeps): {
  requireAdmin: () => void;
  handlers: Pick<Handlers, Extract<keyof Handlers, AdminChannels>>;
} {
  const now = deps.now ?? Date.now;
  const elapsed = deps.elapsed ?? (() => performance.now());
  let unlockedUntil = 0;
  /** What the PIN file said of wrong tries at the last unlock, for the admin screen. */
  let refusedBefore: RefusedAttempts | null = null;
  // Attempts while the pad is locked test no PIN: one audit line when a lock starts, then a count
  // written once the lock is over, so however many arrive they cannot rotate the audit trail away.
  let lock = { until: 0, attempts: 0 };
  const endLock = (): void => {
    if (lock.attempts > 0)
      deps.audit(`admin: ${lock.attempts} unlock attempts refused while locked until ${new Date(lock.until).toISOString()}`);
    lock = { until: 0, attempts: 0 };
  };
  const unlocked = (): boolean => unlockedUntil > elapsed();
  /** Every admin action keeps the session alive; idle for ADMIN_IDLE_MS, it locks itself. */
  const requireAdmin = (): void => {
    if (!unlocked()) throw new ForbiddenError('admin PIN required');
    unlockedUntil = elapsed() + ADMIN_IDLE_MS;
  };
  const requireLog = (): ViolationLog => {
    requireAdmin();
    if (!deps.log) throw new UnavailableError('the violation log could not be opened; see the app log');
    return deps.log;
  };

  const warn = (m: string): void => deps.audit(`admin: ${m}`);

  return {
    requireAdmin,
    handlers: {
      'admin:state': () => {
        const state = deps.pin.state();
        return {
          pinSet: state !== 'unset',
          unlocked: unlocked(),
          lockedUntil: deps.pin.lockedUntil(),
          problem: state === 'damaged' ? DAMAGED_PIN_MESSAGE : null,
          refusedBefore: unlocked() ? refusedBefore : null,
        };
      },
      'admin:setPin': async ({ pin }) => {
        // The first run sets a PIN freely (only one of several racing calls can); changing it needs an unlocked session.
        if (deps.pin.isSet()) {
          requireAdmin();
          await orNotSaved('the PIN', () => deps.pin.set(pin), warn);
          deps.audit('admin: PIN changed');
        } else {
          if (!(await orNotSaved('the PIN', () => deps.pin.setFirst(pin), warn)))
            throw new ForbiddenError('the admin PIN has been set meanwhile; unlock with it');
          deps.audit('admin: PIN set');
        }
        unlockedUntil = elapsed() + ADMIN_IDLE_MS;
        return null;
      },
      'admin:unlock': async ({ pin }) => {
        const result = await deps.pin.verify(pin);
        if (!result.ok && result.reason === 'locked') {
          if (lock.until !== result.lockedUntil) {
            endLock();
            lock = { until: result.lockedUntil, attempts: 0 };
            deps.audit(`admin: PIN pad locked until ${new Date(result.lockedUntil).toISOString()} after wrong PINs`);
          } else lock.attempts++;
          return result;
        }
        endLock();
        if (result.ok) {
          unlockedUntil = elapsed() + ADMIN_IDLE_MS;
          refusedBefore = result.since ?? null;
          const since = result.since;
          deps.audit(
            `admin: unlocked${since ? ` (${since.refused} wrong PINs and ${since.lockouts} lockouts since the last unlock, the last at ${new Date(since.lastAt).toISOString()})` : ''}`,
          );
        } else deps.audit(`admin: unlock refused (${result.reason})`);
        return result;
      },
      'admin:lock': () => {
        unlockedUntil = 0;
        return null;
      },
      'app:exitKiosk': () => {
        requireAdmin();
        deps.audit('admin: left kiosk mode');
        deps.exitKiosk();
        return null;
      },
      'log:page': (q) => requireLog().store.page(q),
      'log:perDay': ({ from, to }) => requireLog().store.perDay(from, to),
      'log:asked': ({ from, to }) => requireLog().store.asked(from, to),
      'log:update': ({ id, ...change }) => requireLog().store.update(id, change),
      'log:delete': ({ ids }) => {
        const n = requireLog().delete(ids);
        deps.audit(`admin: deleted ${n} log entries`);
        return n;
      },
      'log:appLog': ({ lines }) => {
        requireAdmin();
        return deps.appLogTail(lines);
      },
      'log:snapshot': async ({ name }) => {
        const log = requireLog();
        try {
          return new Uint8Array(await readFile(join(log.snapshotsDir, name)));
        } catch {
          return null;
        }
      },
      'log:exportCsv': async (filter) => {
        const log = requireLog();
        const path = await deps.chooseSavePath(exportName('violations', now()));
        if (!path) return { cancelled: true as const };
        const rows = await writeCsvExport(path, csvLines(log.store.iterate(filter)), warn);
        deps.audit(`admin: exported ${rows} log entries to ${path}`);
        return { path, rows };
      },
      'log:exportDaysCsv': async ({ from, to }) => {
        const log = requireLog();
        const path = await deps.chooseSavePath(exportName('days', now()));
        if (!path) return { cancelled: true as const };
        const rows = await writeCsvExport(path, daysCsvLines(log.store.perDay(from, to), log.store.askedPerDay(from, to)), warn);
        deps.audit(`admin: exported ${rows} days of counts to ${path}`);
        return { path, rows };
      },
    },
  };
}

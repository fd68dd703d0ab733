// Validates and dispatches IPC calls. Plain functions with no Electron import, so the Electron
// wiring (ipc.ts) and the browser preview share one path that tests can call directly.

import type { z } from 'zod';
import type { Channel, Result } from '../../shared/channels';
import { CHANNELS } from '../../shared/channels';
import { type ArgsOf, type Contract, contract } from '../../shared/contract';
import { firstIssue } from '../../shared/zod-issue';

export type Handlers = {
  [C in Channel]: (...args: ArgsOf<C>) => Promise<z.infer<Contract[C]['result']>> | z.infer<Contract[C]['result']>;
};

/** Thrown by a handler that cannot run for a known, user-facing reason (not a bug). */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

/** Thrown when a call must wait for one already running (e.g. a second frame in flight). */
export class BusyError extends Error {
  override name = 'BusyError';
}

/** Thrown by a handler the caller is not allowed to use (e.g. admin channels while locked). */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

export interface DispatchStats {
  rejected: number;
  failed: number;
}

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(CHANNELS, name);
}

/**
 * Runs one call: an unknown channel or arguments that fail the schema are rejected (counted,
 * never thrown); a handler that throws is a bug, logged once and reported as `internal`.
 */
export async function dispatch(
  handlers: Handlers,
  channel: unknown,
  args: unknown,
  stats: DispatchStats,
  logError: (message: string, err: unknown) => void = console.error,
): Promise<Result<unknown>> {
  if (!isChannel(channel)) {
    stats.rejected++;
    return { ok: false, code: 'invalid_input', message: `unknown channel ${JSON.stringify(channel)}` };
  }
  const parsed = contract[channel].args.safeParse(args);
  if (!parsed.success) {
    stats.rejected++;
    return { ok: false, code: 'invalid_input', message: `${channel}: ${firstIssue(parsed.error, 'arguments')}` };
  }
  try {
    const handler = handlers[channel] as (...a: unknown[]) => unknown;
    return { ok: true, value: await handler(...(parsed.data as unknown[])) };
  } catch (err) {
    if (err instanceof UnavailableError) {
      return { ok: false, code: 'unavailable', message: err.message };
    }
    if (err instanceof BusyError) {
      return { ok: false, code: 'busy', message: err.message };
    }
    if (err instanceof ForbiddenError) {
      stats.rejected++;
      return { ok: false, code: 'forbidden', message: err.message };
    }
    stats.failed++;
    logError(`IPC handler ${channel} failed`, err);
    return { ok: false, code: 'internal', message: `${channel} failed; the error was logged` };
  }
}

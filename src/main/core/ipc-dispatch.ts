// Validates and dispatches IPC calls. Plain functions with no Electron import, so the Electron
// wiring (ipc.ts) and the browser preview share one path that tests can call directly.

import type { z } from 'zod';
import type { Channel, Result } from '../../shared/channels';
import { CHANNELS } from '../../shared/channels';
import { type ArgsOf, type Contract, contract } from '../../shared/contract';
import { KioskError } from '../../shared/errors';
import { firstIssue } from '../../shared/zod-issue';

export type Handlers = {
  [C in Channel]: (...args: ArgsOf<C>) => Promise<z.infer<Contract[C]['result']>> | z.infer<Contract[C]['result']>;
};

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
  logError: (message: string, err: unknown) => void,
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
    if (err instanceof KioskError) {
      if (err.code === 'forbidden') stats.rejected++;
      return { ok: false, code: err.code, message: err.message, ...(err.notice ? { notice: err.notice } : {}) };
    }
    stats.failed++;
    logError(`IPC handler ${channel} failed`, err);
    return { ok: false, code: 'internal', message: `${channel} failed; the error was logged` };
  }
}

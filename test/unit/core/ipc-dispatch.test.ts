import { describe, expect, it } from 'vitest';
import { type DispatchStats, dispatch, type Handlers } from '../../../src/main/core/ipc-dispatch';
import { buildKioskApi } from '../../../src/preload/api';
import { CHANNELS } from '../../../src/shared/channels';

const status = {
  productName: 'Mask Kiosk',
  version: '0.1.0',
  provider: 'cpu',
  model: 'm',
  problem: null,
  language: 'en' as const,
  secondLanguage: null,
  cameraDeviceId: null,
  volume: 1,
  restAfterMinutes: 10,
  refusedNote: { first: '', second: '' },
  notices: [],
  privacy: { snapshot: 'blurred' as const, retentionDays: 30 },
  engine: { state: 'running' as const, detail: null },
  site: { state: 'off' as const, queued: 0, problem: null },
};
const unused = async (): Promise<never> => {
  throw new Error('not called');
};
const fresh = (): DispatchStats => ({ rejected: 0, failed: 0 });
const noLog = (): void => undefined;

describe('IPC dispatch', () => {
  // Only the channels these tests call; dispatch never touches the others.
  const handlers = { 'app:status': () => status, 'frame:analyze': unused, 'camera:report': () => null } as Partial<Handlers> as Handlers;

  it('runs a valid call and wraps its value in a result', async () => {
    expect(await dispatch(handlers, 'app:status', [], fresh(), noLog)).toEqual({ ok: true, value: status });
  });

  it('rejects an unknown channel and bad arguments with a counted error, never a throw', async () => {
    const stats = fresh();
    expect(await dispatch(handlers, 'fs:read', [], stats, noLog)).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(await dispatch(handlers, 'app:status', ['extra'], stats, noLog)).toMatchObject({
      ok: false,
      code: 'invalid_input',
      message: expect.stringMatching(/^app:status: /),
    });
    expect(await dispatch(handlers, 'app:status', 'not an array', stats, noLog)).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(await dispatch(handlers, { toString: () => 'x' }, [], stats, noLog)).toMatchObject({ ok: false });
    expect(stats).toEqual({ rejected: 4, failed: 0 });
  });

  it('turns a throwing handler into an internal error, logged once', async () => {
    const stats = fresh();
    const logged: string[] = [];
    const broken = {
      ...handlers,
      'app:status': () => {
        throw new Error('boom');
      },
    } as Handlers;
    const r = await dispatch(broken, 'app:status', [], stats, (m) => logged.push(m));
    expect(r).toEqual({ ok: false, code: 'internal', message: 'app:status failed; the error was logged' });
    expect(stats.failed).toBe(1);
    expect(logged).toEqual(['IPC handler app:status failed']);
  });

  it('builds window.kiosk with one named method per channel and subscribe, nothing else', async () => {
    const calls: unknown[] = [];
    const listening: string[] = [];
    const api = buildKioskApi(
      async (channel, args) => {
        calls.push([channel, args]);
        return dispatch(handlers, channel, args, fresh(), noLog);
      },
      (event) => {
        listening.push(event);
        return () => listening.splice(listening.indexOf(event), 1);
      },
    );
    expect(Object.keys(api).sort()).toEqual([...Object.values(CHANNELS), 'subscribe'].sort());
    expect(await api.getStatus()).toEqual({ ok: true, value: status });
    expect(calls).toEqual([['app:status', []]]);
    expect(Object.isFrozen(api)).toBe(true);
    const stop = api.subscribe('status', () => undefined);
    expect(listening).toEqual(['status']);
    stop();
    expect(listening).toEqual([]);
    // The page cannot make the preload listen on a channel of its choosing.
    expect(() => api.subscribe('admin:unlock' as 'status', () => undefined)).toThrow(TypeError);
  });
});

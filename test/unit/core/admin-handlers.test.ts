// The admin handlers with a real PIN file and a test clock: the first PIN, the audit trail under
// a flood of unlock attempts, and what staff are told after an unlock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminPin, LOCK_MS } from '../../../src/main/config/admin-pin';
import { ADMIN_IDLE_MS, createAdminHandlers } from '../../../src/main/core/admin-handlers';

let dir: string;
let clock: number;
/** The idle lock's clock, which only runs forward. */
let ticks: number;
let audit: string[];
const handlersAt = () => {
  const pin = new AdminPin(join(dir, 'admin.json'), () => clock);
  return createAdminHandlers({
    pin,
    log: null,
    chooseSavePath: async () => null,
    exitKiosk: () => undefined,
    audit: (m) => audit.push(m),
    appLogTail: () => [],
    now: () => clock,
    elapsed: () => ticks,
  }).handlers;
};
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'admin-handlers-'));
  clock = Date.UTC(2026, 11, 1, 9);
  ticks = 0;
  audit = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('admin handlers', () => {
  it('lets only the first of two racing first-run calls set the PIN', async () => {
    const h = handlersAt();
    const results = await Promise.allSettled([h['admin:setPin']({ pin: '1111' }), h['admin:setPin']({ pin: '2222' })]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason.message).toMatch(/set meanwhile/);
    expect(await handlersAt()['admin:unlock']({ pin: '1111' })).toMatchObject({ ok: true });
    expect(audit.filter((l) => l === 'admin: PIN set')).toHaveLength(1);
  });

  it('locks an idle session after five minutes, even when the clock is set back meanwhile', async () => {
    const h = handlersAt();
    await h['admin:setPin']({ pin: '1111' });
    await h['admin:lock']();
    expect(await h['admin:unlock']({ pin: '1111' })).toMatchObject({ ok: true });
    const pass = (ms: number): void => {
      clock += ms;
      ticks += ms;
    };
    pass(ADMIN_IDLE_MS - 1);
    expect(h['log:appLog']({ lines: 10 })).toBeDefined();
    // Left open: a minute later a time sync sets the clock back an hour; five minutes idle in all.
    pass(60_000);
    clock -= 3_600_000;
    pass(ADMIN_IDLE_MS - 60_000 + 1);
    expect(() => h['log:appLog']({ lines: 10 })).toThrow(/admin PIN required/);
  });

  it('writes one audit line per lockout however many attempts arrive, and the count once it is over', async () => {
    const h = handlersAt();
    await h['admin:setPin']({ pin: '1111' });
    await h['admin:lock']();
    for (let i = 0; i < 5; i++) await h['admin:unlock']({ pin: '0000' });
    const afterLock = audit.length;
    for (let i = 0; i < 20_000; i++) await h['admin:unlock']({ pin: '0000' });
    expect(audit.length).toBe(afterLock);
    expect(audit.at(-1)).toMatch(/^admin: PIN pad locked until 2026-12-01T09:05:00\.000Z after wrong PINs$/);
    clock += LOCK_MS;
    expect(await h['admin:unlock']({ pin: '1111' })).toMatchObject({ ok: true, since: { refused: 5, lockouts: 1 } });
    expect(audit.slice(afterLock)).toEqual([
      'admin: 20000 unlock attempts refused while locked until 2026-12-01T09:05:00.000Z',
      expect.stringMatching(
        /^admin: unlocked \(5 wrong PINs and 1 lockouts since the last unlock, the last at 2026-12-01T09:00:00\.000Z\)$/,
      ),
    ]);
    expect(audit[0]).toBe('admin: PIN set');
  });

  it('tells the unlocked admin about the wrong PINs tried since the last unlock, and only then', async () => {
    const h = handlersAt();
    await h['admin:setPin']({ pin: '1111' });
    expect((await h['admin:state']()).refusedBefore).toBeNull();
    await h['admin:lock']();
    await h['admin:unlock']({ pin: '9999' });
    await h['admin:unlock']({ pin: '8888' });
    expect((await h['admin:state']()).refusedBefore).toBeNull();
    await h['admin:unlock']({ pin: '1111' });
    expect((await h['admin:state']()).refusedBefore).toEqual({ refused: 2, lockouts: 0, lastAt: clock });
    await h['admin:lock']();
    expect((await h['admin:state']()).refusedBefore).toBeNull();
    await h['admin:unlock']({ pin: '1111' });
    expect((await h['admin:state']()).refusedBefore).toBeNull();
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminPin, LOCK_MS, lockDuration, MAX_LOCK_MS } from '../../../src/main/config/admin-pin';

let dir: string;
let clock: number;
const pinAt = (): AdminPin => new AdminPin(join(dir, 'admin.json'), () => clock);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pin-'));
  clock = 1_000_000;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('admin PIN', () => {
  it('starts unset, and stores a new PIN only as a salted scrypt hash', async () => {
    const pin = pinAt();
    expect(pin.isSet()).toBe(false);
    expect(await pin.verify('1234')).toEqual({ ok: false, reason: 'not_set' });
    await pin.set('482916');
    const stored = readFileSync(join(dir, 'admin.json'), 'utf8');
    expect(stored).not.toContain('482916');
    expect(JSON.parse(stored)).toMatchObject({ salt: expect.any(String), hash: expect.any(String), params: { N: 32768 } });
    expect(await pin.verify('482916')).toEqual({ ok: true });
  });

  it('holds the lockout when many attempts arrive at once (40 wrong and the right one)', async () => {
    const pin = pinAt();
    await pin.set('482916');
    const attempts = [...Array.from({ length: 40 }, (_, i) => pin.verify(String(100000 + i))), pin.verify('482916')];
    const results = await Promise.all(attempts);
    expect(results.some((r) => r.ok)).toBe(false);
    expect(results.at(-1)).toMatchObject({ ok: false, reason: 'locked' });
    expect(results.filter((r) => !r.ok && r.reason === 'wrong')).toHaveLength(4);
    expect(JSON.parse(readFileSync(join(dir, 'admin.json'), 'utf8')).lockedUntil).toBe(clock + LOCK_MS);
  });

  it('counts an attempt before checking it, so a crash mid-check still costs a try', async () => {
    const pin = pinAt();
    await pin.set('482916');
    const pending = pin.verify('000000');
    // The attempt is on disk while scrypt still runs.
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(readFileSync(join(dir, 'admin.json'), 'utf8')).failures).toBe(1);
    expect(await pending).toEqual({ ok: false, reason: 'wrong', triesLeft: 4 });
  });

  it('treats a damaged or newer PIN file as locked, never as "no PIN"', async () => {
    const pin = pinAt();
    await pin.set('482916');
    const file = join(dir, 'admin.json');
    const good = readFileSync(file, 'utf8');
    for (const damaged of [good.slice(0, 20), JSON.stringify({ ...JSON.parse(good), version: 2 }), '']) {
      writeFileSync(file, damaged);
      expect(pin.state()).toBe('damaged');
      expect(pin.isSet()).toBe(true);
      expect(await pin.verify('482916')).toEqual({ ok: false, reason: 'damaged' });
      expect(readFileSync(file, 'utf8')).toBe(damaged);
    }
  });

  it('rejects PINs that are not 4 to 8 digits', async () => {
    await expect(pinAt().set('12a4')).rejects.toThrow(/4 to 8 digits/);
    await expect(pinAt().set('123')).rejects.toThrow();
  });

  it('locks for five minutes after five wrong tries, across restarts, then lets the right PIN in', async () => {
    await pinAt().set('2468');
    for (let i = 1; i <= 4; i++) expect(await pinAt().verify('0000')).toEqual({ ok: false, reason: 'wrong', triesLeft: 5 - i });
    expect(await pinAt().verify('0000')).toEqual({ ok: false, reason: 'locked', lockedUntil: clock + LOCK_MS });
    // Even the right PIN is refused while locked, by a fresh instance (as after a restart).
    expect(await pinAt().verify('2468')).toMatchObject({ ok: false, reason: 'locked' });
    clock += LOCK_MS - 1;
    expect(await pinAt().verify('2468')).toMatchObject({ ok: false, reason: 'locked' });
    clock += 1;
    expect(await pinAt().verify('2468')).toMatchObject({ ok: true, since: { refused: 5, lockouts: 1 } });
    expect(await pinAt().verify('1111')).toEqual({ ok: false, reason: 'wrong', triesLeft: 4 });
  });

  it('locks longer after each lockout without a good unlock, up to a day, across restarts', async () => {
    await pinAt().set('2468');
    const locks: number[] = [];
    for (let round = 0; round < 10; round++) {
      let r = await pinAt().verify('0000');
      for (let i = 1; i < 5; i++) r = await pinAt().verify('0000');
      expect(r).toMatchObject({ ok: false, reason: 'locked' });
      const until = (r as { lockedUntil: number }).lockedUntil;
      locks.push(until - clock);
      clock = until;
    }
    expect(locks.slice(0, 4)).toEqual([LOCK_MS, 2 * LOCK_MS, 4 * LOCK_MS, 8 * LOCK_MS]);
    expect(locks.at(-1)).toBe(MAX_LOCK_MS);
    expect(lockDuration(100)).toBe(MAX_LOCK_MS);
    // Ten days of guessing give 50 tries at most: a 4-digit PIN would take years.
    const tenDays = locks.reduce((a, b) => a + b, 0);
    expect(tenDays).toBeLessThan(11 * 86_400_000);
    // The good PIN tells how many wrong ones came before it, and resets the escalation.
    expect(await pinAt().verify('2468')).toEqual({ ok: true, since: { refused: 50, lockouts: 10, lastAt: expect.any(Number) } });
    for (let i = 1; i < 5; i++) await pinAt().verify('0000');
    expect(await pinAt().verify('0000')).toEqual({ ok: false, reason: 'locked', lockedUntil: clock + LOCK_MS });
  });

  it('keeps a lock to its own length when the clock is set back during it', async () => {
    await pinAt().set('2468');
    for (let i = 1; i <= 5; i++) await pinAt().verify('0000');
    expect(pinAt().lockedUntil()).toBe(clock + LOCK_MS);
    // A time sync sets the clock back an hour, one minute into the lock.
    clock = clock + 60_000 - 3_600_000;
    expect(pinAt().lockedUntil()).toBe(clock + LOCK_MS);
    expect(await pinAt().verify('2468')).toEqual({ ok: false, reason: 'locked', lockedUntil: clock + LOCK_MS });
    clock += LOCK_MS;
    expect(pinAt().lockedUntil()).toBe(0);
    expect(await pinAt().verify('2468')).toMatchObject({ ok: true });
  });

  it('lets only one of two racing first-run calls choose the PIN', async () => {
    const pin = pinAt();
    const [a, b] = await Promise.all([pin.setFirst('1111'), pin.setFirst('2222')]);
    expect([a, b]).toEqual([true, false]);
    expect(await pin.verify('1111')).toEqual({ ok: true });
    expect(await pin.setFirst('3333')).toBe(false);
  });
});

// The admin PIN: stored only as a scrypt hash with its salt and parameters. Five wrong tries lock
// it for five minutes, and each further lockout before a good unlock doubles the lock (up to a
// day), so guessing a 4-digit PIN takes years instead of a week. Locks and counts survive a
// restart; the file is written atomically.
import { randomBytes, type ScryptOptions, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { PIN_PATTERN, type UnlockResult } from '../../shared/admin';
import { writeFileAtomic } from './atomic-write';

export const MAX_TRIES = 5;
export const LOCK_MS = 5 * 60_000;
export const MAX_LOCK_MS = 24 * 60 * 60_000;

/** How long the lock after `lockouts` earlier lockouts (since the last good unlock) lasts. */
export function lockDuration(lockouts: number): number {
  return Math.min(MAX_LOCK_MS, LOCK_MS * 2 ** Math.min(lockouts, 20));
}

const Stored = z.object({
  version: z.literal(1),
  salt: z.string(),
  hash: z.string(),
  params: z.object({ N: z.number().int(), r: z.number().int(), p: z.number().int(), keylen: z.number().int() }),
  failures: z.number().int().min(0).default(0),
  lockedUntil: z.number().default(0),
  /** Since the last good unlock: lockouts (they lengthen the next lock), wrong PINs, and when the last was. */
  lockouts: z.number().int().min(0).default(0),
  refused: z.number().int().min(0).default(0),
  lastRefusedAt: z.number().default(0),
});
type Stored = z.infer<typeof Stored>;

const PARAMS = { N: 2 ** 15, r: 8, p: 1, keylen: 32 };

function scrypt(pin: string, salt: Buffer, params: Stored['params']): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => scryptCb(pin, salt, params.keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Said to staff when admin.json exists but cannot be read; README "Admin PIN file damaged" has the recovery. */
export const DAMAGED_PIN_MESSAGE =
  "The admin PIN file (admin.json) is damaged or from a newer version, so admin access is locked. The PC administrator can delete admin.json in the kiosk's data folder; the kiosk then asks for a new PIN.";

/** What the PIN file holds; a file that exists but cannot be read is 'damaged', never "no PIN". */
type PinFile = { state: 'unset' } | { state: 'damaged' } | { state: 'set'; stored: Stored };

export class AdminPin {
  /** Every PIN operation runs after the previous one has finished: see verify(). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** One read of the file per question asked of it. */
  private read(): PinFile {
    if (!existsSync(this.file)) return { state: 'unset' };
    try {
      return { state: 'set', stored: Stored.parse(JSON.parse(readFileSync(this.file, 'utf8'))) };
    } catch {
      return { state: 'damaged' };
    }
  }

  /** 'damaged': the file exists but cannot be read; admin access stays locked until it is removed. */
  state(): PinFile['state'] {
    return this.read().state;
  }

  private write(stored: Stored): void {
    writeFileAtomic(this.file, JSON.stringify(stored), { mode: 0o600 });
  }

  /**
   * When the stored lock ends (0 when it has). A lock never ends later than its own length from
   * now: the clock set back an hour (a time sync) would otherwise lock staff out an hour longer.
   * The shortened end is written back, so the lock then runs down as any other.
   */
  private lockEnd(s: Stored, now: number): number {
    if (s.lockedUntil <= now) return 0;
    const latest = now + lockDuration(Math.max(0, s.lockouts - 1));
    if (s.lockedUntil <= latest) return s.lockedUntil;
    this.write({ ...s, lockedUntil: latest });
    return latest;
  }

  /** True for a damaged file too: only a missing file lets anyone choose the first PIN. */
  isSet(): boolean {
    return this.state() !== 'unset';
  }

  lockedUntil(): number {
    const pin = this.read();
    return pin.state === 'set' ? this.lockEnd(pin.stored, this.now()) : 0;
  }

  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.queue.then(operation, operation);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Sets a new PIN. The caller decides who may: an unlocked admin. */
  set(pin: string): Promise<void> {
    return this.serial(() => this.setNow(pin));
  }

  /**
   * Sets the very first PIN, only while there is none: checked inside the queue, so of two
   * first-run calls racing each other the second finds the PIN set and gets false.
   */
  setFirst(pin: string): Promise<boolean> {
    return this.serial(async () => {
      if (this.read().state !== 'unset') return false;
      await this.setNow(pin);
      return true;
    });
  }

  private async setNow(pin: string): Promise<void> {
    if (!PIN_PATTERN.test(pin)) throw new Error('the PIN must be 4 to 8 digits');
    const salt = randomBytes(16);
    const hash = await scrypt(pin, salt, PARAMS);
    const kept = this.read();
    // A new PIN keeps the record of wrong tries until someone unlocks with it.
    const history =
      kept.state === 'set'
        ? { lockouts: kept.stored.lockouts, refused: kept.stored.refused, lastRefusedAt: kept.stored.lastRefusedAt }
        : {};
    this.write(
      Stored.parse({
        version: 1,
        salt: salt.toString('base64'),
        hash: hash.toString('base64'),
        params: PARAMS,
        failures: 0,
        lockedUntil: 0,
        ...history,
      }),
    );
  }

  /**
   * Attempts run one at a time, and each is counted as a failure on disk before the comparison
   * (then cleared if the PIN was right): however many attempts arrive at once, through however
   * many connections, or if the process dies mid-check, the lockout holds.
   */
  verify(pin: string): Promise<UnlockResult> {
    return this.serial(() => this.verifyNow(pin));
  }

  private async verifyNow(pin: string): Promise<UnlockResult> {
    const file = this.read();
    if (file.state === 'damaged') return { ok: false, reason: 'damaged' };
    if (file.state === 'unset') return { ok: false, reason: 'not_set' };
    const s = file.stored;
    const now = this.now();
    const lockedNow = this.lockEnd(s, now);
    if (lockedNow) return { ok: false, reason: 'locked', lockedUntil: lockedNow };
    const failures = s.failures + 1;
    const lockedUntil = failures >= MAX_TRIES ? now + lockDuration(s.lockouts) : 0;
    this.write({
      ...s,
      failures: lockedUntil ? 0 : failures,
      lockedUntil,
      lockouts: s.lockouts + (lockedUntil ? 1 : 0),
      refused: s.refused + 1,
      lastRefusedAt: now,
    });
    const expected = Buffer.from(s.hash, 'base64');
    const got = await scrypt(String(pin), Buffer.from(s.salt, 'base64'), s.params);
    if (got.length === expected.length && timingSafeEqual(got, expected)) {
      this.write({ ...s, failures: 0, lockedUntil: 0, lockouts: 0, refused: 0, lastRefusedAt: 0 });
      return { ok: true, ...(s.refused ? { since: { refused: s.refused, lockouts: s.lockouts, lastAt: s.lastRefusedAt } } : {}) };
    }
    if (lockedUntil) return { ok: false, reason: 'locked', lockedUntil };
    return { ok: false, reason: 'wrong', triesLeft: MAX_TRIES - failures };
  }
}

// The app's own rotating log (not the violation log): main and renderer errors, the provider
// chosen, the model loaded, camera events. Plain appends, so a crash loses nothing already said;
// rotated by size, keeping a few old files. The same class keeps the admin audit trail in a file
// of its own (`audit.log`, a larger budget), which nothing a visitor can trigger writes to.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type { LogLevel } from '../logger';

export class AppLog {
  readonly file: string;

  constructor(
    readonly dir: string,
    private readonly maxBytes = 1024 * 1024,
    private readonly keep = 5,
    private readonly now: () => Date = () => new Date(),
    private readonly name = 'app',
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `${name}.log`);
  }

  write(level: LogLevel, message: string): void {
    const line = `${this.now().toISOString()} ${level.toUpperCase().padEnd(5)} ${message.replace(/\r?\n/g, ' | ')}\n`;
    try {
      if (existsSync(this.file) && statSync(this.file).size + line.length > this.maxBytes) this.rotate();
      appendFileSync(this.file, line);
    } catch (err) {
      // The log must never take the kiosk down (a full disk, say); stderr is the last resort.
      process.stderr.write(`app log unavailable (${(err as Error).message}): ${line}`);
    }
  }

  private rotate(): void {
    rmSync(join(this.dir, `${this.name}.${this.keep}.log`), { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      const from = join(this.dir, `${this.name}.${i}.log`);
      if (existsSync(from)) renameSync(from, join(this.dir, `${this.name}.${i + 1}.log`));
    }
    renameSync(this.file, join(this.dir, `${this.name}.1.log`));
  }

  /** The newest `lines` lines, oldest first, across the current and the previous file. */
  tail(lines: number): string[] {
    const read = (f: string): string[] => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []);
    return [...read(join(this.dir, `${this.name}.1.log`)), ...read(this.file)].slice(-lines);
  }
}

/** The admin audit trail: only admin actions write here, so no flood of other messages can rotate them away. */
export function openAuditLog(dir: string, now?: () => Date): AppLog {
  return new AppLog(dir, 1024 * 1024, 20, now, 'audit');
}

/**
 * Text from outside main (the renderer, a camera's name) made safe for one log line, a violation's
 * camera field and the site database: control characters and line breaks become spaces; format
 * characters (bidirectional overrides and isolates such as U+202E and U+2066-U+2069, zero-width
 * spaces and joiners, the byte order mark) are removed, so no text can display other than it
 * reads; bounded length.
 */
export function sanitiseReport(text: string, max: number): string {
  const clean = text
    .replace(/\p{Cf}+/gu, '')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ')
    .trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * At most `limit` reports per `windowMs`; the rest are counted and summed up in the next report
 * that gets through, so a renderer stuck in an error loop cannot flood the log.
 */
export class ReportLimiter {
  private times: number[] = [];
  private dropped = 0;

  constructor(
    private readonly limit = 20,
    private readonly windowMs = 60_000,
  ) {}

  /** null: drop this one; otherwise how many were dropped since the last one let through. */
  admit(now: number): number | null {
    // Reports stamped after `now` come from before the clock was set back: they no longer count.
    this.times = this.times.filter((t) => now - t < this.windowMs && t <= now);
    if (this.times.length >= this.limit) {
      this.dropped++;
      return null;
    }
    this.times.push(now);
    const dropped = this.dropped;
    this.dropped = 0;
    return dropped;
  }
}

// The app's own rotating log (not the violation log): main and renderer errors, the provider
// chosen, the model loaded, camera events. Plain appends, so a crash loses nothing already said;
// rotated by size, keeping a few old files.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type Level = 'info' | 'warn' | 'error';

export class AppLog {
  readonly file: string;

  constructor(
    readonly dir: string,
    private readonly maxBytes = 1024 * 1024,
    private readonly keep = 5,
    private readonly now: () => Date = () => new Date(),
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'app.log');
  }

  write(level: Level, message: string): void {
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
    rmSync(join(this.dir, `app.${this.keep}.log`), { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      const from = join(this.dir, `app.${i}.log`);
      if (existsSync(from)) renameSync(from, join(this.dir, `app.${i + 1}.log`));
    }
    renameSync(this.file, join(this.dir, 'app.1.log'));
  }

  /** The newest `lines` lines, oldest first, across the current and the previous file. */
  tail(lines: number): string[] {
    const read = (f: string): string[] => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []);
    return [...read(join(this.dir, 'app.1.log')), ...read(this.file)].slice(-lines);
  }
}

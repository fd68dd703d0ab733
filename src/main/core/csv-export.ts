// Writes a CSV export staff asked for, line by line, to the place they chose: a disk that refuses
// it (full, read-only, a stick pulled out half way) is said so in the staff's language, and
// leaves no half file that looks like an export.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { orNotSaved } from './disk-refusal';

/** Returns the rows written (the header not counted). */
export function writeCsvExport(path: string, lines: Iterable<string>, warn: (message: string) => void): Promise<number> {
  return orNotSaved(
    'the export',
    async () => {
      const out = createWriteStream(path, { encoding: 'utf8' });
      const failed = new Promise<never>((_, reject) => out.once('error', reject));
      failed.catch(() => {});
      try {
        let written = -1;
        for (const line of lines) {
          written++;
          if (!out.write(line)) await Promise.race([once(out, 'drain'), failed]);
        }
        out.end();
        await Promise.race([once(out, 'finish'), failed]);
        return written;
      } catch (err) {
        out.destroy();
        await rm(path, { force: true });
        throw err;
      }
    },
    warn,
  );
}

/** The file name an export is offered under: what it holds and today's date. */
export const exportName = (what: string, now: number): string => `mask-kiosk-${what}-${new Date(now).toISOString().slice(0, 10)}.csv`;

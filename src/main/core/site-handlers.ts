// "All entrances": the site database read with the reviewer login, behind the admin PIN like the
// local log. Each call connects and closes (review is occasional).
import type { Settings } from '../../shared/settings';
import type { SecretBox } from '../config/secret-box';
import { siteDaysCsvLines } from '../log/csv';
import { siteHealth, sitePage, sitePerDay } from '../site/site-review';
import { asReviewer } from '../site/site-reviewer';
import { exportName, writeCsvExport } from './csv-export';
import type { Handlers } from './ipc-dispatch';

export interface SiteReviewDeps {
  site: () => Settings['site'];
  box: SecretBox;
  requireAdmin: () => void;
  now: () => number;
  /** Asks staff where to save an export (null: cancelled). */
  chooseSavePath: (suggestedName: string) => Promise<string | null>;
  audit: (message: string) => void;
}

export function createSiteHandlers(
  deps: SiteReviewDeps,
): Pick<Handlers, 'site:page' | 'site:perDay' | 'site:health' | 'site:exportDaysCsv'> {
  return {
    'site:page': (q) => {
      deps.requireAdmin();
      return asReviewer(deps.site(), deps.box, (c) => sitePage(c, { ...q, limit: q.limit ?? 25 }));
    },
    'site:perDay': ({ from, to }) => {
      deps.requireAdmin();
      return asReviewer(deps.site(), deps.box, (c) => sitePerDay(c, from, to));
    },
    'site:health': () => {
      deps.requireAdmin();
      return asReviewer(deps.site(), deps.box, (c) => siteHealth(c, deps.now()));
    },
    'site:exportDaysCsv': async ({ from, to }) => {
      deps.requireAdmin();
      // Read before asking where to save: an unreachable site database is said before a dialog.
      const days = await asReviewer(deps.site(), deps.box, (c) => sitePerDay(c, from, to));
      const path = await deps.chooseSavePath(exportName('entrances', deps.now()));
      if (!path) return { cancelled: true as const };
      const rows = await writeCsvExport(path, siteDaysCsvLines(days), (m) => deps.audit(`admin: ${m}`));
      deps.audit(`admin: exported ${rows} entrance-days of counts to ${path}`);
      return { path, rows };
    },
  };
}

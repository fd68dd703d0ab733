// "All entrances": the site database read with the reviewer login, behind the admin PIN like the
// local log. Each call connects and closes (review is occasional).
import type { Settings } from '../../shared/settings';
import type { SecretBox } from '../config/secret-box';
import { siteHealth, sitePage, sitePerDay } from '../site/site-review';
import { asReviewer } from '../site/site-reviewer';
import type { Handlers } from './ipc-dispatch';

export interface SiteReviewDeps {
  site: () => Settings['site'];
  box: SecretBox;
  requireAdmin: () => void;
  now: () => number;
}

export function createSiteHandlers(deps: SiteReviewDeps): Pick<Handlers, 'site:page' | 'site:perDay' | 'site:health'> {
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
  };
}

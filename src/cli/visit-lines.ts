// The readable lines scan --visits and replay print for a folder's visits.
import { KIOSK_OUTCOMES } from '../main/compliance/still-decision';
import type { VisitSummary } from './metrics';

export const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/**
 * Each kiosk outcome's share, in the kiosk's order; given the number of images, also how many, as
 * bars and differences between runs are counted in images.
 */
export function outcomeShares(shares: Record<string, number>, n?: number): string {
  return KIOSK_OUTCOMES.map((k) => {
    const share = shares[k] ?? 0;
    return n === undefined ? `${k} ${pct(share)}` : `${k} ${Math.round(share * n)} (${pct(share)})`;
  }).join(', ');
}

/** One folder's visits: the outcomes (how many and their shares), the median time to a verdict, what the rest were asked. */
export function visitLine(folder: string, v: VisitSummary): string {
  const median = v.medianMsToVerdict === null ? 'none' : `${(v.medianMsToVerdict / 1000).toFixed(2)} s`;
  const asked = Object.entries(v.guidance).map(([g, share]) => `${g} ${pct(share)}`);
  return (
    `  ${folder.padEnd(13)} ${v.n} visits: ${outcomeShares(v.shares, v.n)}; median to verdict ${median}; changed later ${pct(v.changed)}` +
    (asked.length ? `; guidance asked ${asked.join(', ')}` : '')
  );
}

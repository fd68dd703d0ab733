// The readable lines scan --visits and replay print for a folder's visits.
import { KIOSK_OUTCOMES } from '../main/compliance/still-decision';
import type { VisitSummary } from './metrics';

export const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/** Each kiosk outcome's share, in the kiosk's order. */
export function outcomeShares(shares: Record<string, number>): string {
  return KIOSK_OUTCOMES.map((k) => `${k} ${pct(shares[k] ?? 0)}`).join(', ');
}

/** One folder's visits: the outcomes' shares, the median time to a verdict, what the rest were asked. */
export function visitLine(folder: string, v: VisitSummary): string {
  const median = v.medianMsToVerdict === null ? 'none' : `${(v.medianMsToVerdict / 1000).toFixed(2)} s`;
  const asked = Object.entries(v.guidance).map(([g, share]) => `${g} ${pct(share)}`);
  return (
    `  ${folder.padEnd(13)} ${outcomeShares(v.shares)}; median to verdict ${median}; changed later ${pct(v.changed)}` +
    (asked.length ? `; guidance asked ${asked.join(', ')}` : '')
  );
}

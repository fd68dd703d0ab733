// Calendar days in the kiosk's local time, as the review screens' date fields use them.

export const DAY = 86_400_000;

/** YYYY-MM-DD of the local day that holds `t`. */
export function isoDay(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The local midnight that starts `day` (YYYY-MM-DD). */
export const localMidnight = (day: string): number => new Date(`${day}T00:00:00`).getTime();

/** From the start of `fromDay` to the end of `toDay`, local time: what a review query asks for. */
export const dayRange = (fromDay: string, toDay: string): { from: number; to: number } => ({
  from: localMidnight(fromDay),
  to: localMidnight(toDay) + DAY,
});

/** The last fortnight, today included: the review screens' default range. */
export const lastFortnight = (now = Date.now()): { fromDay: string; toDay: string } => ({
  fromDay: isoDay(now - 13 * DAY),
  toDay: isoDay(now),
});

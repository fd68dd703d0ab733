// CSV exports (the violation log's entries, its days, the site's days per entrance): RFC 4180
// (CRLF, quotes doubled, quoted when needed) and safe to open in a spreadsheet: a cell that would
// start a formula is prefixed with an apostrophe.
import { Guidance } from '../../shared/screen-states';
import type { SiteDayCount } from '../../shared/site-review';
import type { DayCount } from '../../shared/violation-log';
import type { AskedDay, Violation } from './store';

// Spreadsheets skip leading whitespace and line breaks before deciding a cell is a formula, and
// accept the full-width signs too.
const FORMULA_START = /^[\s\u3000]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r\n]/;

export function csvField(value: string | number | boolean | null): string {
  let s = value === null ? '' : String(value);
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  // A semicolon is quoted too: German Excel splits on it.
  return /[",;\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS = [
  'id',
  'local_time',
  'utc_time',
  'verdict',
  'confidence',
  'model',
  'camera',
  'reviewed',
  'false_positive',
  'note',
  'snapshot',
] as const;

function localIso(at: number, offsetMinutes: number): string {
  const local = new Date(at + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export function csvRow(v: Violation): string {
  return [
    v.id,
    localIso(v.at, v.tzOffsetMinutes),
    new Date(v.at).toISOString(),
    v.verdict,
    v.confidence.toFixed(4),
    v.modelId,
    v.cameraId,
    v.reviewed,
    v.falsePositive,
    v.note,
    v.snapshot,
  ]
    .map(csvField)
    .join(',');
}

export function* csvLines(rows: Iterable<Violation>): Generator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for (const row of rows) yield `${csvRow(row)}\r\n`;
}

/** The share of people checked who were compliant, to four places; empty for a day nobody was checked. */
const complianceRate = (checks: number, violations: number): string => (checks ? (1 - violations / checks).toFixed(4) : '');

export const DAYS_CSV_COLUMNS = ['day', 'checks', 'violations', 'compliance_rate', ...Guidance.options.map((g) => `asked_${g}`)];

/** One row per day of checks and violations, the compliance rate, and the people asked each thing. */
export function* daysCsvLines(days: readonly DayCount[], asked: readonly AskedDay[]): Generator<string> {
  yield `${DAYS_CSV_COLUMNS.join(',')}\r\n`;
  const askedByDay = new Map(asked.map((a) => [a.day, a]));
  const allDays = [...new Set([...days.map((d) => d.day), ...asked.map((a) => a.day)])].sort();
  const counts = new Map(days.map((d) => [d.day, d]));
  for (const day of allDays) {
    const { checks = 0, violations = 0 } = counts.get(day) ?? {};
    const a = askedByDay.get(day);
    yield `${[day, checks, violations, complianceRate(checks, violations), ...Guidance.options.map((g) => a?.[g] ?? 0)].map(csvField).join(',')}\r\n`;
  }
}

export const SITE_DAYS_CSV_COLUMNS = ['day', 'entrance', 'kiosk_login', 'checks', 'violations', 'compliance_rate'];

/** One row per entrance and day, from the site database: for a report across entrances. */
export function* siteDaysCsvLines(days: readonly SiteDayCount[]): Generator<string> {
  yield `${SITE_DAYS_CSV_COLUMNS.join(',')}\r\n`;
  for (const d of days) {
    yield `${[d.day, d.kioskName, d.kioskId, d.checks, d.violations, complianceRate(d.checks, d.violations)].map(csvField).join(',')}\r\n`;
  }
}
